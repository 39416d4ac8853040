// SPDX-License-Identifier: GPL-2.0
/*
 * Timewait sockets. tcp_time_wait() replaces a full socket that reaches
 * TIME_WAIT (or an orphaned one in FIN_WAIT2) with a small
 * inet_timewait_sock; the tracepoint only sees the full socket go to CLOSE.
 *
 *   inet_twsk_hashdance()         the handoff: the full socket's cookie,
 *   (_schedule() since 6.11)      owner and dwell start move to the tw socket
 *   __inet_twsk_schedule(rearm)   FIN_WAIT2 -> TIME_WAIT inside the tw socket
 *   inet_twsk_kill()              its end; why, the kprobe before it says:
 *     tw_timer_handler()            expired
 *     tcp_timewait_state_process()  a segment arrived: a new SYN that takes
 *                                   the 4-tuple (reused), or anything else
 *                                   that kills it, an RST or a segment it
 *                                   answers with one (reset)
 *     inet_twsk_deschedule_put()    otherwise a connect() reusing the
 *                                   4-tuple (reused), or in a dead netns
 *                                   its purge (purged, 6.12)
 *     none, its netns dead          netns purge (purged, 6.1)
 *   inet_twsk_put()               the end of a segment's processing: its
 *                                 hint is spent
 */
#include <linux/percpu.h>
#include <linux/tcpwatch.h>
#include <linux/tcp.h>
#include <net/inet_timewait_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "observe.h"
#include "seed.h"
#include "timewait.h"
#include "track.h"

struct tw_tw_hint {
	const struct inet_timewait_sock *tw;
	u8 reason;
	u8 substate;	/* @tw's, as the segment arrived */
};

static DEFINE_PER_CPU(struct tw_tw_hint, tw_hint);

/* DCCP has timewait sockets too; TCP's belong to the netns' tcp_death_row. */
static bool tw_is_tcp(const struct inet_timewait_sock *tw)
{
	return tw->tw_dr == &twsk_net(tw)->ipv4.tcp_death_row;
}

static void tw_tw_hint_set(const struct inet_timewait_sock *tw, u8 reason)
{
	struct tw_tw_hint *hint = this_cpu_ptr(&tw_hint);

	hint->tw = tw;
	hint->reason = reason;
}

int tw_kp_twsk_hashdance(struct kprobe *kp, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)regs_get_kernel_argument(regs, 0);
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 1);
	struct tw_transition tr = {
		.skc = &tw->__tw_common,
		.kind = TCPWATCH_SK_TIMEWAIT,
		.oldstate = inet_sk_state_load(sk),
		.newstate = tw->tw_substate,
		.reason = TCPWATCH_REASON_HANDOFF,
		.born = true,
		.cookie = atomic64_read(&tw->tw_cookie),
	};
	struct tw_track *full;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	rcu_read_lock();
	full = tw_track_lookup(sk);
	tr.inherit = full;
	tr.inherit_dwell = full;
	tw_observe(&tr);
	/*
	 * tcp_done() moves the full socket to CLOSE next; the time it spent
	 * in its last state was just counted for the tw socket.
	 */
	if (full) {
		tw_track_write_begin(full);
		full->since_ns = 0;
		tw_track_write_end(full);
	}
	rcu_read_unlock();
	return 0;
}

static void tw_tw_observe(struct inet_timewait_sock *tw, u8 oldstate,
			  u8 newstate, u8 reason)
{
	struct tw_transition tr = {
		.skc = &tw->__tw_common,
		.kind = TCPWATCH_SK_TIMEWAIT,
		.oldstate = oldstate,
		.newstate = newstate,
		.reason = reason,
		.cookie = atomic64_read(&tw->tw_cookie),
	};

	tw_observe(&tr);
}

int tw_kp_twsk_schedule(struct kprobe *kp, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)regs_get_kernel_argument(regs, 0);
	bool rearm = regs_get_kernel_argument(regs, 2) & 1;
	struct tw_track *t;
	bool moved;

	/* tcp_timewait_state_process() set the substate just before. */
	if (!rearm || READ_ONCE(tw->tw_substate) != TCP_TIME_WAIT || !tw_is_tcp(tw))
		return 0;
	rcu_read_lock();
	t = tw_track_lookup(tw);
	/* The walk may have read FIN_WAIT2 and not entered it yet. */
	if (!t && unlikely(tw_seeding()))
		t = tw_seed_enter(&tw->__tw_common, TCPWATCH_SK_TIMEWAIT, TCP_FIN_WAIT2);
	/*
	 * An untracked socket (the pool was full) moved if the segment found
	 * it in FIN_WAIT2; a FIN retransmitted into TIME_WAIT rearms too.
	 */
	if (t) {
		moved = READ_ONCE(t->state) == TCP_FIN_WAIT2;
	} else {
		const struct tw_tw_hint *hint = this_cpu_ptr(&tw_hint);

		moved = hint->tw == tw && hint->substate == TCP_FIN_WAIT2;
	}
	rcu_read_unlock();
	if (moved)
		tw_tw_observe(tw, TCP_FIN_WAIT2, TCP_TIME_WAIT, TCPWATCH_REASON_NONE);
	return 0;
}

int tw_kp_tw_timer_handler(struct kprobe *kp, struct pt_regs *regs)
{
	struct timer_list *timer = (void *)regs_get_kernel_argument(regs, 0);

	tw_tw_hint_set(container_of(timer, struct inet_timewait_sock, tw_timer),
		       TCPWATCH_REASON_EXPIRED);
	return 0;
}

/*
 * Only a bare SYN in TIME_WAIT can take the 4-tuple over (TCP_TW_SYN); in
 * FIN_WAIT2 a SYN is answered with an RST, like data after the FIN.
 */
int tw_kp_timewait_state_process(struct kprobe *kp, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)regs_get_kernel_argument(regs, 0);
	const struct tcphdr *th = (void *)regs_get_kernel_argument(regs, 2);
	bool takeover = th->syn && !th->rst && !th->ack &&
			READ_ONCE(tw->tw_substate) == TCP_TIME_WAIT;

	tw_tw_hint_set(tw, takeover ? TCPWATCH_REASON_REUSED :
				      TCPWATCH_REASON_RESET);
	this_cpu_write(tw_hint.substate, READ_ONCE(tw->tw_substate));
	return 0;
}

/*
 * Every segment a timewait socket processes ends in inet_twsk_put() or in
 * its kill: a hint that did not end in a kill must not outlive the segment,
 * or a later connect() reusing the socket would be told "reset".
 */
int tw_kp_twsk_put(struct kprobe *kp, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)regs_get_kernel_argument(regs, 0);
	struct tw_tw_hint *hint = this_cpu_ptr(&tw_hint);

	if (hint->tw == tw)
		hint->tw = NULL;
	return 0;
}

/*
 * Without a segment's hint, a connect() that takes the 4-tuple over, or the
 * purge of a dead netns: 6.12's inet_twsk_purge() calls this function out
 * of line (6.1's inlines it, so the kill below sees no hint there).
 */
int tw_kp_twsk_deschedule_put(struct kprobe *kp, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)regs_get_kernel_argument(regs, 0);
	const struct tw_tw_hint *hint = this_cpu_ptr(&tw_hint);

	if (hint->tw != tw)
		tw_tw_hint_set(tw, check_net(twsk_net(tw)) ? TCPWATCH_REASON_REUSED :
							     TCPWATCH_REASON_PURGED);
	return 0;
}

int tw_kp_twsk_kill(struct kprobe *kp, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)regs_get_kernel_argument(regs, 0);
	struct tw_tw_hint *hint = this_cpu_ptr(&tw_hint);
	u8 oldstate = READ_ONCE(tw->tw_substate);
	struct tw_track *t;
	u8 reason;

	if (!tw_is_tcp(tw))
		return 0;
	/*
	 * 6.1's inet_twsk_purge() calls inet_twsk_deschedule_put() inlined,
	 * past its probe: a kill without a hint in a dead netns is the purge.
	 */
	if (hint->tw == tw)
		reason = hint->reason;
	else if (!check_net(twsk_net(tw)))
		reason = TCPWATCH_REASON_PURGED;
	else
		reason = TCPWATCH_REASON_EXPIRED;
	hint->tw = NULL;
	rcu_read_lock();
	t = tw_track_lookup(tw);
	if (t)
		oldstate = READ_ONCE(t->state);
	rcu_read_unlock();
	tw_tw_observe(tw, oldstate, TCP_CLOSE, reason);
	return 0;
}
