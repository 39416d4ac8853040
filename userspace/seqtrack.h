/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU sequence tracking. Each CPU's records carry a sequence number that
 * grows by exactly one per record, so a consumer can count what it missed:
 * a jump from seq 7 to seq 10 is two records missed. A TCPWATCH_EV_LOST
 * marker names a range the kernel itself lost, seqs [SEQ, SEQ + LOST), before
 * the record after it (Documentation/netlink.md); gaps no marker covers were
 * lost on the way to us (netlink ENOBUFS). A record or marker at or below
 * what was already seen is a duplicate (the same record from the history dump
 * and the live stream) and is reported so the caller can skip it.
 */
#ifndef TCPWATCH_SEQTRACK_H
#define TCPWATCH_SEQTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

/* CPU ids above this are taken as corrupt input, not a reason to allocate. */
#define SEQTRACK_MAX_CPUS	8192

struct seqtrack_cpu {
	bool seen;
	uint64_t next;		/* the seq expected next */
	uint64_t by_netlink;	/* seqs skipped with no loss marker */
	uint64_t by_kernel;	/* seqs the kernel's markers said it lost */
};

struct seqtrack {
	struct seqtrack_cpu *cpu;
	size_t ncpus;
};

struct seqtrack_totals {
	uint64_t missed;	/* all records never seen */
	uint64_t by_kernel;	/* of those: overwritten in the kernel's ring */
	uint64_t by_netlink;	/* of those: dropped on the way to us */
};

void seqtrack_init(struct seqtrack *st);
void seqtrack_free(struct seqtrack *st);
/* Forget everything, e.g. when the module was reloaded and seqs restart. */
void seqtrack_reset(struct seqtrack *st);

/* A record: 1 if new, 0 if a duplicate, -errno for a bad cpu or no memory. */
int seqtrack_see(struct seqtrack *st, uint32_t cpu, uint64_t seq);
/* A loss marker for seqs [@first, @first + @count): 1, 0 or -errno as above. */
int seqtrack_lost(struct seqtrack *st, uint32_t cpu, uint64_t first, uint64_t count);

/* Either of the above for @ev; events without a seq are always new. */
int seqtrack_event(struct seqtrack *st, const struct tw_event *ev);

void seqtrack_totals(const struct seqtrack *st, struct seqtrack_totals *t);

#endif
