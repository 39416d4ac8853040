// SPDX-License-Identifier: GPL-2.0
/*
 * Seeding: counts must be right from the first second, so at load tcpwatch
 * walks the TCP hash tables the way inet_diag does (listeners in lhash2;
 * established, request and timewait sockets in the ehash, which a netns
 * may have of its own) and enters every socket it does not know yet.
 *
 * The probes go live before the walk, so nothing is missed, and the two race:
 *  - a socket that changes state before the walk reaches it is claimed by
 *    the probe, which counts it in its old state as the walk would have
 *    (tw_seed_enter()) and then applies the change; the walk skips it, as
 *    it skips every socket already tracked;
 *  - a socket that ends while the walk runs leaves a tombstone in the
 *    tracking table, so that the walk does not count it if it passes the
 *    socket before the kernel unhashes it; tw_seed() sweeps them at the end;
 *  - a timewait socket the walk read in FIN_WAIT2 just before a FIN moved it
 *    to TIME_WAIT is claimed by the reschedule probe (timewait.c).
 * The start of a seeded socket's state is unknown, so its first dwell time
 * is not recorded.
 *
 * Both sides need an entry per socket for this, so the walk grows the
 * tracking pool as it goes, past max_tracked if the host holds more sockets
 * than that (tw_track_grow()), and keeps a reserve free for the probes'
 * claims. A socket that still gets no entry (past the pool's hard limit, or
 * when vmalloc fails) is counted anyway; only if it also changes state
 * while the walk runs can its count be wrong, and status says how many
 * sockets were seeded that way.
 */
#include <linux/ktime.h>
#include <linux/rtnetlink.h>
#include <linux/tcpwatch.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/request_sock.h>
#include <net/tcp.h>

#include "observe.h"
#include "params.h"
#include "seed.h"
#include "stats.h"
#include "track.h"

/* Entries kept free during the walk, for it and for the probes' claims. */
#define TW_SEED_RESERVE		4096

static atomic_t seeded = ATOMIC_INIT(0);
static atomic_t seeded_untracked = ATOMIC_INIT(0);
static u64 seeded_at_ns;
bool tw_seed_walking = true;

struct tw_track *tw_seed_enter(const struct sock_common *skc, u8 kind, u8 state)
{
	struct tw_stats __percpu *stats = tw_stats_of(read_pnet(&skc->skc_net));
	struct tw_track *t;

	/* A dying netns' sockets are no one's to count any more. */
	if (!stats)
		return NULL;
	t = tw_track_add(skc, kind, state);
	if (!t) {
		t = tw_track_lookup(skc);
		if (t)
			return t;	/* tracked already */
		/* Counted all the same: exact unless it also moves during the walk. */
		atomic_inc(&seeded_untracked);
	} else {
		tw_track_write_begin(t);
		t->cookie = atomic64_read(&skc->skc_cookie);
		/* Full and request sockets: generated as ss -e would; tw ones have it. */
		if (kind != TCPWATCH_SK_TIMEWAIT && !t->cookie)
			t->cookie = tw_sock_cookie((struct sock *)skc);
		tw_track_write_end(t);
	}
	this_cpu_inc(stats->sockets[state]);
	atomic_inc(&seeded);
	return t;
}

/*
 * Under @lock, the lock of the hash bucket @sk was found in: unhashing takes
 * it, so @sk is not freed or reused as another socket (TCP's caches are
 * SLAB_TYPESAFE_BY_RCU) while it is read. A state change may still race
 * with the walk; see the top of this file.
 */
static void tw_seed_one(struct sock *sk, spinlock_t *lock)
{
	u8 kind = TCPWATCH_SK_FULL, state = sk->sk_state;

	lockdep_assert_held(lock);
	/* Without the lifecycle kprobes nobody would see these end. */
	if ((state == TCP_TIME_WAIT || state == TCP_NEW_SYN_RECV) && !tw_lifecycle)
		return;
	if (state == TCP_TIME_WAIT) {
		kind = TCPWATCH_SK_TIMEWAIT;
		state = inet_twsk(sk)->tw_substate;
	} else if (state == TCP_NEW_SYN_RECV) {
		kind = TCPWATCH_SK_REQUEST;
	} else if (sk->sk_protocol != IPPROTO_TCP || state == TCP_CLOSE) {
		return;		/* closed: on its way out of the table */
	}
	rcu_read_lock();
	tw_seed_enter(&sk->__sk_common, kind, state);
	rcu_read_unlock();
}

/* One bucket of lhash2 or of an ehash, and the lock that guards its chain. */
static void tw_seed_chain(struct hlist_nulls_head *chain, spinlock_t *lock)
{
	struct hlist_nulls_node *node;
	struct sock *sk;

	if (hlist_nulls_empty(chain))
		return;
	spin_lock_bh(lock);
	sk_nulls_for_each(sk, node, chain)
		tw_seed_one(sk, lock);
	spin_unlock_bh(lock);
}

static void tw_seed_listeners(struct inet_hashinfo *hinfo)
{
	unsigned int i;

	for (i = 0; i <= hinfo->lhash2_mask; i++) {
		struct inet_listen_hashbucket *ilb = &hinfo->lhash2[i];

		if (!(i & 63))
			tw_track_grow(TW_SEED_RESERVE, true);
		tw_seed_chain(&ilb->nulls_head, &ilb->lock);
		cond_resched();
	}
}

static void tw_seed_ehash(struct inet_hashinfo *hinfo)
{
	unsigned int i;

	for (i = 0; i <= hinfo->ehash_mask; i++) {
		if (!(i & 63))
			tw_track_grow(TW_SEED_RESERVE, true);
		tw_seed_chain(&hinfo->ehash[i].chain, inet_ehash_lockp(hinfo, i));
		if (!(i & 1023))
			cond_resched();
	}
}

unsigned int tw_seed(void)
{
	struct net *net;

	seeded_at_ns = ktime_get_ns();
	tw_seed_listeners(tw_tcp_hashinfo());	/* lhash2 is shared by all */
	tw_seed_ehash(tw_tcp_hashinfo());
	/* Namespaces made with net.ipv4.tcp_child_ehash_entries have their own. */
	down_read(&net_rwsem);
	for_each_net(net) {
		struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;

		if (hinfo && hinfo != tw_tcp_hashinfo())
			tw_seed_ehash(hinfo);
	}
	up_read(&net_rwsem);

	WRITE_ONCE(tw_seed_walking, false);
	/* Every probe that saw it set has returned, tombstone left or not. */
	synchronize_rcu();
	tw_track_sweep_tombstones();
	tw_track_walk_done();
	return atomic_read(&seeded);
}

unsigned int tw_seeded(void)
{
	return atomic_read(&seeded);
}

unsigned int tw_seeded_untracked(void)
{
	return atomic_read(&seeded_untracked);
}

u64 tw_seeded_at_ns(void)
{
	return seeded_at_ns;
}
