// SPDX-License-Identifier: GPL-2.0
/*
 * The hot path: what tcpwatch does for one state transition, in whatever
 * context the kernel made it (process, NET_RX softirq, timer softirq).
 * No sleeping, no allocation, no lock but a hash bucket's.
 */
#include <linux/ktime.h>
#include <linux/sock_diag.h>
#include <net/inet_connection_sock.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "observe.h"
#include "ring.h"
#include "states.h"
#include "stats.h"
#include "track.h"

static u64 tw_cookie(struct sock *sk)
{
	u64 cookie = atomic64_read(&sk->sk_cookie);
	u32 halves[2];

	if (likely(cookie))
		return cookie;
	sock_diag_save_cookie(sk, halves);	/* generates it, as ss -e would */
	return halves[0] | (u64)halves[1] << 32;
}

static void tw_fill_tuple(struct tw_record *rec, const struct sock_common *skc)
{
	rec->family = skc->skc_family;
	rec->sport = skc->skc_num;
	rec->dport = ntohs(skc->skc_dport);
#if IS_ENABLED(CONFIG_IPV6)
	if (skc->skc_family == AF_INET6) {
		memcpy(rec->saddr, &skc->skc_v6_rcv_saddr, 16);
		memcpy(rec->daddr, &skc->skc_v6_daddr, 16);
		return;
	}
#endif
	memcpy(rec->saddr, &skc->skc_rcv_saddr, 4);
	memcpy(rec->daddr, &skc->skc_daddr, 4);
}

static void tw_fill_queues(struct tw_record *rec, const struct sock *sk)
{
	rec->has_queues = 1;
	rec->syn_queue = inet_csk_reqsk_queue_len(sk);
	rec->accept_queue = READ_ONCE(sk->sk_ack_backlog);
	rec->backlog = READ_ONCE(sk->sk_max_ack_backlog);
}

static void tw_fill_owner(struct tw_record *rec, const struct tw_track *t)
{
	if (t) {
		rec->pid = t->pid;
		memcpy(rec->comm, t->comm, TASK_COMM_LEN);
	} else {
		rec->pid = 0;
		rec->comm[0] = '\0';
	}
}

static void tw_stats_transition(struct tw_stats __percpu *stats, u8 kind,
				int oldstate, int newstate, bool new_socket)
{
	this_cpu_inc(stats->transitions[kind][oldstate][newstate]);
	/* Closed sockets are in no kernel table, so CLOSE is not counted. */
	if (!new_socket && oldstate != TCP_CLOSE)
		this_cpu_dec(stats->sockets[oldstate]);
	if (newstate != TCP_CLOSE)
		this_cpu_inc(stats->sockets[newstate]);
}

void tw_observe_full(struct sock *sk, int oldstate, int newstate)
{
	/*
	 * inet_csk_clone_lock() fires LISTEN -> SYN_RECV on the new child while
	 * it is still a copy of its listener: the cookie is the listener's
	 * until the request's is copied in a moment later.
	 */
	bool child = oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV;
	bool new_socket = child || oldstate == TCP_CLOSE;
	struct tw_stats __percpu *stats;
	u64 now, dwell = TW_DWELL_UNKNOWN;
	struct tw_record *rec;
	struct tw_track *t;
	u64 seq, cookie;

	if (unlikely((unsigned int)oldstate >= TCPWATCH_NR_STATES ||
		     (unsigned int)newstate >= TCPWATCH_NR_STATES))
		return;
	stats = tw_stats_of(sock_net(sk));
	if (unlikely(!stats))
		return;
	now = ktime_get_ns();
	cookie = child ? 0 : tw_cookie(sk);

	rcu_read_lock();
	t = tw_track_lookup(sk);
	if (unlikely(t && new_socket)) {
		/* Left over from a socket whose memory this one reuses. */
		tw_track_del(t);
		t = NULL;
	}
	if (t) {
		dwell = now - t->since_ns;
		this_cpu_inc(stats->dwell[oldstate][tw_dwell_bucket(dwell)]);
	} else if (newstate != TCP_CLOSE) {
		t = tw_track_add(sk);
		if (t) {
			t->kind = TCPWATCH_SK_FULL;
			t->netns = sock_net(sk)->ns.inum;
			t->family = sk->sk_family;
		}
	}
	tw_stats_transition(stats, TCPWATCH_SK_FULL, oldstate, newstate,
			    new_socket);
	if (t) {
		t->since_ns = now;
		WRITE_ONCE(t->state, newstate);
		if (cookie)
			t->cookie = cookie;
		/* The process acting on its socket: connect, listen, close. */
		if (!t->pid && !child && in_task())
			tw_track_set_owner(t, current);
	}

	rec = tw_ring_reserve(&seq);
	rec->ts_ns = now;
	rec->cookie = cookie;
	rec->dwell_ns = dwell;
	rec->netns = sock_net(sk)->ns.inum;
	rec->cpu = smp_processor_id();
	rec->type = TCPWATCH_EV_STATE;
	rec->sk_kind = TCPWATCH_SK_FULL;
	rec->oldstate = oldstate;
	rec->newstate = newstate;
	rec->reason = TCPWATCH_REASON_NONE;
	rec->has_queues = 0;
	tw_fill_tuple(rec, &sk->__sk_common);
	if (oldstate == TCP_LISTEN || newstate == TCP_LISTEN)
		tw_fill_queues(rec, sk);
	tw_fill_owner(rec, t);
	tw_ring_commit(rec, seq);

	if (t) {
		memcpy(t->saddr, rec->saddr, sizeof(t->saddr));
		memcpy(t->daddr, rec->daddr, sizeof(t->daddr));
		t->sport = rec->sport;
		t->dport = rec->dport;
		if (newstate == TCP_CLOSE)
			tw_track_del(t);
	}
	rcu_read_unlock();
}
