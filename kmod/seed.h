/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_SEED_H
#define _TCPWATCH_SEED_H

#include <linux/compiler.h>
#include <linux/types.h>

struct sock_common;
struct tw_track;

/*
 * Count and track the TCP sockets that existed before the module loaded,
 * from the kernel's hash tables; returns how many were seeded. Call it once,
 * right after the probes go live.
 */
unsigned int tw_seed(void);
extern bool tw_seed_walking;

/* Whether tw_seed() has yet to finish its walk. */
static inline bool tw_seeding(void)
{
	return READ_ONCE(tw_seed_walking);
}

/*
 * A probe met an object it does not track, not at its birth, while the walk
 * runs: the object is older than the module. Track and count it in
 * @oldstate as the walk would have; its entry (or the walk's, if the walk
 * got there first), NULL if the pool is full. Under rcu_read_lock().
 */
struct tw_track *tw_seed_claim(const struct sock_common *skc, u8 kind, u8 oldstate);
/* How many the last tw_seed() found, for status. */
unsigned int tw_seeded(void);
/* When the walk began: seeded sockets are at least this old in their state. */
u64 tw_seeded_at_ns(void);

#endif
