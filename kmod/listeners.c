// SPDX-License-Identifier: GPL-2.0
/*
 * Listeners: their queues, peaks, overflows and drops, and who accepts.
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
#include "observe.h"
#include "stats.h"

static bool tw_is_listener(const struct tw_track *t)
{
	return t->kind == TCPWATCH_SK_FULL && t->state == TCP_LISTEN;
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
}

bool tw_listener_next(unsigned int *idx, struct tw_listener_view *v)
{
	for (; *idx < tw_track_max(); (*idx)++)
		if (tw_track_snapshot_live(*idx, &v->t, tw_listener_read_queues, v) &&
		    tw_is_listener(&v->t))
			return true;
	return false;
}

void tw_listener_queues(const struct sock *sk, u32 syn_queue, u32 accept_queue)
{
	struct tw_track *t;

	rcu_read_lock();
	t = tw_track_lookup(sk);
	if (t) {
		tw_track_raise_peak(&t->syn_queue_peak, syn_queue);
		tw_track_raise_peak(&t->accept_queue_peak, accept_queue);
	}
	rcu_read_unlock();
}

void tw_listener_synack_retrans(const struct sock *sk)
{
	struct tw_stats __percpu *stats = tw_stats_of(sock_net(sk));
	struct tw_track *t;

	if (unlikely(!stats))
		return;
	this_cpu_inc(stats->synack_retrans);
	rcu_read_lock();
	t = tw_track_lookup(sk);
	if (t)
		atomic64_inc(&t->synack_retrans);
	rcu_read_unlock();
}

/*
 * Per-listener drops and overflows. The kernel counts them only per netns
 * (TcpExt ListenOverflows, ListenDrops, SyncookiesSent) with per-CPU
 * increments inside tcp_conn_request() and tcp_v[46]_syn_recv_sock().
 * These run in softirq on one CPU without nesting into each other, so the
 * growth of this CPU's counters across one call is exactly what that call
 * did to its listener.
 */
struct tw_listen_call {
	const struct sock *sk;
	unsigned long overflows;
	unsigned long drops;
	unsigned long cookies;
};

static_assert(sizeof(struct tw_listen_call) <= TW_LISTEN_DATA_SIZE);

/* tcp_v6_syn_recv_sock() calls tcp_v4_syn_recv_sock() for mapped IPv4. */
static DEFINE_PER_CPU(unsigned int, listen_depth);

static unsigned long tw_mib(const struct sock *sk, int item)
{
	return this_cpu_read(sock_net(sk)->mib.net_statistics->mibs[item]);
}

static int tw_listen_begin(struct kretprobe_instance *ri, const struct sock *sk)
{
	struct tw_listen_call *call = (void *)ri->data;

	if (this_cpu_inc_return(listen_depth) > 1) {
		this_cpu_dec(listen_depth);
		return 1;	/* nested: the outer call counts */
	}
	call->sk = sk;
	call->overflows = tw_mib(sk, LINUX_MIB_LISTENOVERFLOWS);
	call->drops = tw_mib(sk, LINUX_MIB_LISTENDROPS);
	call->cookies = tw_mib(sk, LINUX_MIB_SYNCOOKIESSENT);
	return 0;
}

int tw_krp_listen_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return tw_listen_begin(ri, (void *)regs_get_kernel_argument(regs, 0));
}

int tw_krp_conn_request_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	/* tcp_conn_request(rsk_ops, af_ops, sk, skb) */
	return tw_listen_begin(ri, (void *)regs_get_kernel_argument(regs, 2));
}

static void tw_listener_event(const struct sock *sk, u8 type, const struct tw_track *t)
{
	struct tw_transition tr = {
		.skc = &sk->__sk_common,
		.kind = TCPWATCH_SK_FULL,
		.oldstate = TCP_LISTEN,
		.newstate = TCP_LISTEN,
		.listener = sk,
		.syn_queue = inet_csk_reqsk_queue_len(sk),
		.accept_queue = READ_ONCE(sk->sk_ack_backlog),
		.inherit = t,
		.cookie = t ? t->cookie : 0,
	};

	tw_observe_event(&tr, type);
}

int tw_krp_listen_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct tw_listen_call *call = (void *)ri->data;
	const struct sock *sk = call->sk;
	struct tw_stats __percpu *stats = tw_stats_of(sock_net(sk));
	unsigned long overflows, drops, cookies;
	struct tw_track *t;

	this_cpu_dec(listen_depth);
	overflows = tw_mib(sk, LINUX_MIB_LISTENOVERFLOWS) - call->overflows;
	/* Every overflow is also a listen drop (tcp_listendrop()). */
	drops = tw_mib(sk, LINUX_MIB_LISTENDROPS) - call->drops - overflows;
	cookies = tw_mib(sk, LINUX_MIB_SYNCOOKIESSENT) - call->cookies;
	if (likely(!(overflows | drops | cookies)) || unlikely(!stats))
		return 0;

	this_cpu_add(stats->overflows, overflows);
	this_cpu_add(stats->syn_drops, drops);
	this_cpu_add(stats->syncookies, cookies);
	rcu_read_lock();
	t = tw_track_lookup(sk);
	if (t) {
		atomic64_add(overflows, &t->overflows);
		atomic64_add(drops, &t->syn_drops);
		atomic64_add(cookies, &t->syncookies);
	}
	if (overflows)
		tw_listener_event(sk, TCPWATCH_EV_OVERFLOW, t);
	if (drops)
		tw_listener_event(sk, TCPWATCH_EV_SYN_DROP, t);
	rcu_read_unlock();
	return 0;
}

/* The process that accepts a connection owns it from then on. */
int tw_krp_accept_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct sock *child = (void *)regs_return_value(regs);
	struct tw_track *t;

	if (!child)
		return 0;
	rcu_read_lock();
	t = tw_track_lookup(child);
	if (t)
		tw_track_set_owner(t, current);
	rcu_read_unlock();
	return 0;
}
