/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel reports 0 for a port or address it has not assigned yet (the
 * source port at CLOSE->SYN_SENT, a child socket's first transition). This
 * remembers the last complete tuple seen per socket cookie so a display can
 * show the full tuple on every line. Bounded: a direct-mapped cache, where a
 * newer cookie evicts an older one that hashes to the same slot.
 */
#ifndef TCPWATCH_TUPLECACHE_H
#define TCPWATCH_TUPLECACHE_H

#include <stdint.h>

#include "parse.h"

#define TUPLECACHE_SLOTS	4096	/* power of two */

struct tuplecache_slot {
	uint64_t cookie;		/* 0: empty (the kernel never uses 0) */
	struct tw_tuple t;
};

struct tuplecache {
	struct tuplecache_slot slot[TUPLECACHE_SLOTS];
};

void tuplecache_init(struct tuplecache *tc);
/* Learn the non-zero parts of @t, then fill its zero parts from memory. */
void tuplecache_fill(struct tuplecache *tc, uint64_t cookie, struct tw_tuple *t);

#endif
