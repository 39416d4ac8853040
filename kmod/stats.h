/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_STATS_H
#define _TCPWATCH_STATS_H

#include <linux/percpu.h>
#include <linux/tcpwatch.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/*
 * Exact aggregates of one network namespace, one copy per CPU: the hot path
 * only ever touches its own CPU's copy with this_cpu_*() operations, which
 * are safe against a softirq interrupting a process-context update.
 */
struct tw_stats {
	long sockets[TCPWATCH_NR_STATES];	/* summed over CPUs: now */
	u64 transitions[TCPWATCH_NR_SK_KINDS][TCPWATCH_NR_STATES][TCPWATCH_NR_STATES];
	u64 dwell[TCPWATCH_NR_STATES][TCPWATCH_DWELL_BUCKETS];
	u64 ends[TCPWATCH_NR_SK_KINDS][TCPWATCH_NR_REASONS];
	u64 tw_entered;
	u64 tw_ended;
	u64 synack_retrans;
	u64 overflows;
	u64 syn_drops;
	u64 syncookies;
};

struct tw_pernet {
	/*
	 * NULL once the netns is dying. RCU in all but name: probes load it
	 * with READ_ONCE() in their RCU read-side section (preemption off);
	 * pre_exit clears it and cleanup_net()'s synchronize_rcu() passes
	 * before exit_batch folds and frees @alloc. It cannot be __rcu as
	 * well as __percpu (one address space per pointer for sparse), so
	 * the rcu_*() accessors, which check __rcu, cannot be used on it.
	 */
	struct tw_stats __percpu *stats;
	struct tw_stats __percpu *alloc;	/* what exit_batch folds, frees */
	struct net *net;
	struct list_head node;			/* in tw_nets, under tw_nets_lock */
};

/* The sum over CPUs (and namespaces) that readers report. */
struct tw_summary {
	s64 sockets[TCPWATCH_NR_STATES];
	u64 transitions[TCPWATCH_NR_SK_KINDS][TCPWATCH_NR_STATES][TCPWATCH_NR_STATES];
	u64 dwell[TCPWATCH_NR_STATES][TCPWATCH_DWELL_BUCKETS];
	u64 ends[TCPWATCH_NR_SK_KINDS][TCPWATCH_NR_REASONS];
	u64 tw_entered;
	u64 tw_ended;
	/* The kernel's own count (sockstat's tw), not the probes' */
	s64 tw_current;
	u64 synack_retrans;
	u64 overflows;
	u64 syn_drops;
	u64 syncookies;
	u64 events_written;
	u64 events_lost;
	/* Counted but without a tracking entry: all namespaces only, else -1. */
	s64 untracked;
};

extern unsigned int tw_net_id;
extern struct tw_stats __percpu *tw_departed;

/*
 * For the hot path: NULL when the namespace is being dismantled. A netns
 * whose count is zero may have been dying already when tcpwatch loaded: it
 * never got tcpwatch's net_generic() slot, which then is out of bounds or
 * a previous load's freed one, so it must not be read. Every netns with a
 * count did get one (it was listed at load, or created later).
 */
static __always_inline struct tw_stats __percpu *tw_stats_of(const struct net *net)
{
	struct tw_pernet *twn;

	if (unlikely(!check_net(net)))
		return NULL;
	twn = net_generic(net, tw_net_id);
	return READ_ONCE(twn->stats);
}

/* @net's own stats, also while it is dying, until its exit_batch frees them. */
static __always_inline struct tw_stats __percpu *tw_stats_own(const struct net *net)
{
	struct tw_pernet *twn = net_generic(net, tw_net_id);

	return twn->alloc;
}

int tw_stats_init(void);
void tw_stats_exit(void);

struct tw_view;

/* Fill @sum with what @view shows. */
void tw_stats_sum(const struct tw_view *view, struct tw_summary *sum);
/*
 * Sockets counted now in every namespace (full, request and timewait) that
 * have no tracking entry, without summing the rest of the aggregates.
 */
s64 tw_stats_untracked(void);

#endif
