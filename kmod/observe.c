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

#include "bench.h"
#include "observe.h"
#include "request.h"
#include "ring.h"
#include "seed.h"
#include "states.h"
#include "stats.h"
#include "track.h"

u64 tw_sock_cookie(struct sock *sk)
{
	u64 cookie = atomic64_read(&sk->sk_cookie);
	u32 halves[2];

	if (likely(cookie))
		return cookie;
	sock_diag_save_cookie(sk, halves);
	return halves[0] | (u64)halves[1] << 32;
}

static void tw_fill_tuple(struct tw_record *rec, const struct tw_transition *tr)
{
	const struct sock_common *skc = tr->skc;

	rec->family = skc->skc_family;
	/* inet_put_port() clears inet_num before FIN_WAIT2/LAST_ACK -> CLOSE. */
	rec->sport = tw_local_port(tr->kind, skc);
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

/*
 * @gauges: false in a dying netns, whose sockets left every reader's
 * gauges when it began to die; what happens to them still counts.
 */
static void tw_count(struct tw_stats __percpu *stats, const struct tw_transition *tr,
		     bool gauges)
{
	this_cpu_inc(stats->transitions[tr->kind][tr->oldstate][tr->newstate]);
	if (tr->newstate == TCP_CLOSE && tr->reason)
		this_cpu_inc(stats->ends[tr->kind][tr->reason]);
	if (tr->kind == TCPWATCH_SK_TIMEWAIT) {
		if (tr->born)
			this_cpu_inc(stats->tw_entered);
		else if (tr->newstate == TCP_CLOSE)
			this_cpu_inc(stats->tw_ended);
	}
	if (unlikely(!gauges))
		return;
	/* Closed sockets are in no kernel table, so CLOSE is not counted. */
	if (!tr->born && tr->oldstate != TCP_CLOSE)
		this_cpu_dec(stats->sockets[tr->oldstate]);
	if (tr->newstate != TCP_CLOSE)
		this_cpu_inc(stats->sockets[tr->newstate]);
}

static struct tw_track *tw_track_new(const struct tw_transition *tr)
{
	struct tw_track *t = tw_track_add(tr->skc, tr->kind, tr->newstate);

	if (!t)
		return NULL;
	if (tr->inherit) {
		tw_track_write_begin(t);
		t->pid = tr->inherit->pid;
		memcpy(t->comm, tr->inherit->comm, TASK_COMM_LEN);
		t->cookie = tr->inherit->cookie;
		tw_track_write_end(t);
	}
	return t;
}

static void tw_write_record(const struct tw_transition *tr, const struct tw_track *t,
			    u8 type, u64 now, u64 dwell, u64 cookie)
{
	const struct net *net = read_pnet(&tr->skc->skc_net);
	struct tw_record *rec;
	u64 seq;

	rec = tw_ring_reserve(&seq);
	rec->ts_ns = now;
	rec->cookie = cookie;
	rec->dwell_ns = dwell;
	rec->netns = net->ns.inum;
	rec->netns_cookie = net->net_cookie;
	rec->cpu = smp_processor_id();
	rec->type = type;
	rec->sk_kind = tr->kind;
	rec->oldstate = tr->oldstate;
	rec->newstate = tr->newstate;
	rec->reason = tr->reason;
	rec->has_queues = !!tr->listener;
	if (tr->listener) {
		rec->syn_queue = tr->syn_queue;
		rec->accept_queue = tr->accept_queue;
		rec->backlog = READ_ONCE(tr->listener->sk_max_ack_backlog);
	}
	tw_fill_tuple(rec, tr);
	tw_fill_owner(rec, t);
	tw_ring_commit(rec, seq);
}

void tw_observe(const struct tw_transition *tr)
{
	struct tw_stats __percpu *own = tw_stats_of(read_pnet(&tr->skc->skc_net));
	struct tw_stats __percpu *stats = own ?: tw_departed;
	u64 now, dwell = TW_DWELL_UNKNOWN;
	u64 cookie = tr->cookie;
	struct tw_track *t;

	tw_stage_begin(TW_STAGE_CLOCK);
	now = ktime_get_ns();
	tw_stage_end(TW_STAGE_CLOCK);

	rcu_read_lock();
	tw_stage_begin(TW_STAGE_LOOKUP);
	t = tw_track_lookup(tr->skc);
	tw_stage_end(TW_STAGE_LOOKUP);
	if (unlikely(t && tr->born)) {
		/* Left over from an object whose memory this one reuses. */
		tw_track_del(t);
		t = NULL;
	} else if (unlikely(!t && !tr->born && tw_seeding())) {
		/* Older than the module, and the walk has not counted it yet. */
		t = tw_seed_enter(tr->skc, tr->kind, tr->oldstate);
	}
	/* since_ns 0: seeded at load, its start unknown. */
	if (t && t->since_ns)
		dwell = tw_ns_since(now, t->since_ns);
	else if (!t && tr->inherit_dwell && tr->inherit->since_ns)
		dwell = tw_ns_since(now, tr->inherit->since_ns);
	if (dwell != TW_DWELL_UNKNOWN)
		this_cpu_inc(stats->dwell[tr->oldstate][tw_dwell_bucket(dwell)]);
	if (!t && tr->newstate != TCP_CLOSE) {
		tw_stage_begin(TW_STAGE_INSERT);
		t = tw_track_new(tr);
		tw_stage_end(TW_STAGE_INSERT);
	}
	/*
	 * An object ends once, even when two paths race to end it (a
	 * request's timer and a reset on another CPU): the first to claim
	 * its entry reports the end, the other nothing.
	 */
	if (t && tr->newstate == TCP_CLOSE && !tw_track_claim_end(t)) {
		rcu_read_unlock();
		return;
	}
	tw_stage_begin(TW_STAGE_COUNT);
	tw_count(stats, tr, own);
	tw_stage_end(TW_STAGE_COUNT);
	if (t) {
		tw_track_write_begin(t);
		t->since_ns = now;
		WRITE_ONCE(t->state, tr->newstate);
		if (cookie)
			t->cookie = cookie;
		else if (!tr->born)
			cookie = t->cookie;
		if (tr->owner_is_current && !t->pid)
			tw_track_set_owner(t, current);
		tw_track_write_end(t);
	}
	tw_stage_begin(TW_STAGE_RECORD);
	tw_write_record(tr, t, TCPWATCH_EV_STATE, now, dwell, cookie);
	tw_stage_end(TW_STAGE_RECORD);
	if (t) {
		/*
		 * Claimed, it stays as a tombstone while the load-time walk
		 * could still count the object, and a request's until it is
		 * freed, where a path that lost the race could still look.
		 */
		if (tr->newstate == TCP_CLOSE && !tw_seeding() &&
		    !(tr->kind == TCPWATCH_SK_REQUEST && tw_requests_reaped))
			tw_track_del(t);
	}
	rcu_read_unlock();
}

void tw_observe_event(const struct tw_transition *tr, u8 type)
{
	tw_write_record(tr, tr->inherit, type, ktime_get_ns(), TW_DWELL_UNKNOWN,
			tr->cookie);
}

void tw_observe_full(struct sock *sk, int oldstate, int newstate)
{
	/*
	 * inet_csk_clone_lock() fires LISTEN -> SYN_RECV on the new child while
	 * it is still a copy of its listener: its cookie is the listener's
	 * until the request's is copied in a moment later, and its queues are
	 * the listener's as they were when the child was made.
	 */
	bool child = oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV;
	struct tw_transition tr = {
		.skc = &sk->__sk_common,
		.kind = TCPWATCH_SK_FULL,
		.oldstate = oldstate,
		.newstate = newstate,
		.born = child || oldstate == TCP_CLOSE,
		.cookie = child ? tw_request_cookie_of_child(sk) : tw_sock_cookie(sk),
		/* The process acting on its socket: connect, listen, close. */
		.owner_is_current = !child && in_task(),
	};

	if (unlikely((unsigned int)oldstate >= TCPWATCH_NR_STATES ||
		     (unsigned int)newstate >= TCPWATCH_NR_STATES))
		return;
	if (oldstate == TCP_LISTEN || newstate == TCP_LISTEN) {
		tr.listener = sk;
		tr.syn_queue = inet_csk_reqsk_queue_len(sk);
		tr.accept_queue = READ_ONCE(sk->sk_ack_backlog);
	}
	tw_observe(&tr);
}
