// SPDX-License-Identifier: GPL-2.0
/*
 * Listeners: their queues and peaks, SYN-ACK retransmits, and who accepts.
 * Overflows, SYN drops and cookies per listener are in overflows.c.
 *
 * Queue depths are read live. TCP sockets come from SLAB_TYPESAFE_BY_RCU
 * caches and listeners are SOCK_RCU_FREE (__inet_hash()), and a listener's
 * entry leaves the table in its LISTEN -> CLOSE transition, before the socket
 * can be freed: under rcu_read_lock(), an entry that is still in use after
 * the read proves the socket read was that listener.
 */
#include <linux/kprobes.h>
#include <linux/rcupdate.h>
#include <linux/tcpwatch.h>
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/tcp_states.h>

#include "listeners.h"
#include "overflows.h"
#include "stats.h"

/*
 * On a copy or on the live entry (tw_listener_read_queues()), whose state a
 * probe on another CPU may change meanwhile; its kind is fixed for its life.
 */
static bool tw_is_listener(const struct tw_track *t)
{
	return t->kind == TCPWATCH_SK_FULL && READ_ONCE(t->state) == TCP_LISTEN;
}

static void tw_listener_read_queues(const struct tw_track *t, void *arg)
{
	struct tw_listener_view *v = arg;
	const struct sock *sk = t->key;

	if (!tw_is_listener(t))
		return;		/* not a listener: no accept queue to read */
	v->syn_queue = inet_csk_reqsk_queue_len(sk);
	v->accept_queue = READ_ONCE(sk->sk_ack_backlog);
	v->backlog = READ_ONCE(sk->sk_max_ack_backlog);
	tw_overflows_of(t, &v->counts);
}

bool tw_listener_next(unsigned int *idx, struct tw_listener_view *v)
{
	/* A glance at the state first: the pool holds many more connections. */
	for (; (*idx = tw_track_next_in(*idx, BIT(TCP_LISTEN))) < tw_track_slots(); (*idx)++)
		if (tw_track_snapshot_live(*idx, &v->c, tw_listener_read_queues, v) &&
		    tw_is_listener(&v->c.t))
			return true;
	return false;
}

void tw_listener_queues(const struct sock *sk, u32 syn_queue, u32 accept_queue)
{
	struct tw_listen_ext *l;
	struct tw_track *t;

	rcu_read_lock();
	t = tw_track_lookup(sk);
	l = t ? tw_track_listen(t) : NULL;
	if (l) {
		tw_track_raise_peak(&l->syn_queue_peak, syn_queue);
		tw_track_raise_peak(&l->accept_queue_peak, accept_queue);
	}
	rcu_read_unlock();
}

void tw_listener_synack_retrans(const struct sock *sk)
{
	/* A dying netns' retransmits count with the namespaces that are gone. */
	struct tw_stats __percpu *stats = tw_stats_of(sock_net(sk)) ?: tw_departed;
	struct tw_listen_ext *l;
	struct tw_track *t;

	this_cpu_inc(stats->synack_retrans);
	rcu_read_lock();
	t = tw_track_lookup(sk);
	l = t ? tw_track_listen(t) : NULL;
	if (l)
		atomic64_inc(&l->synack_retrans);
	rcu_read_unlock();
}

/*
 * The process that accepts a connection owns it from then on. inet_accept()
 * grafts the child onto the new socket with sock_graft(), whose LSM hook is
 * a function of its own: the child, from the acceptor's context. MPTCP
 * grafts its TCP subflows with mptcp_sock_graft(), also from softirq when
 * a subflow joins; only a process is an owner. (Not in_task(): until a
 * kprobe is optimized its handler runs from int3, which x86 enters as an
 * NMI; the softirq bits still tell what the probed code was running in.)
 */
int tw_kp_sock_graft(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (const struct sock *)regs_get_kernel_argument(regs, 0);
	struct tw_track *t;

	if (in_serving_softirq() || (sk->sk_family != AF_INET && sk->sk_family != AF_INET6) ||
	    sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	rcu_read_lock();
	t = tw_track_lookup(sk);
	if (t) {
		tw_track_write_begin(t);
		tw_track_set_owner(t, current);
		tw_track_write_end(t);
	}
	rcu_read_unlock();
	return 0;
}
