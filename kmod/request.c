// SPDX-License-Identifier: GPL-2.0
/*
 * Request sockets: the server side of a half-open connection, which lives
 * in the listener's SYN queue as a struct request_sock in NEW_SYN_RECV.
 * There is no tracepoint for them; these kprobes follow one from the SYN
 * that creates it to its end:
 *
 *   tcp_v{4,6}_send_synack()          created: the first SYN-ACK of a
 *                                     request that tcp_conn_request() has
 *                                     hashed (inet_csk_reqsk_queue_hash_add()
 *                                     may refuse a duplicate, which is then
 *                                     freed unseen: it must not be counted)
 *   tcp_rtx_synack()                  SYN-ACK retransmitted (timer or
 *                                     duplicate SYN; inet_rtx_syn_ack() is
 *                                     inlined into the timer)
 *   tcp_v{4,6}_syn_recv_sock()        the next child cloned on this CPU is
 *                                     this request's (its cookie)
 *   inet_csk_complete_hashdance()     promoted to a full socket (accepted),
 *                                     whose child joins the accept queue
 *   __inet_csk_reqsk_queue_drop()     every other end: its timer gave up
 *                                     (timeout), tcp_check_req() reset it
 *                                     (reset or dropped), netns purge...
 *   tcp_v{4,6}_reqsk_destructor()     its memory is freed: its entry goes
 *
 * Two paths may race to end one request (its timer, and a reset or the
 * final ACK on another CPU); the first to claim its tracking entry reports
 * the end. The entry stays, ended, until the request is freed, so that the
 * loser still finds it claimed.
 *
 * Why an end happened is known by the kprobe that runs just before it on
 * the same CPU in the same softirq: it leaves a per-CPU hint, spent when
 * used. DCCP shares the inet_csk functions: only TCP's requests count.
 */
#include <linux/percpu.h>
#include <linux/tcpwatch.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>

#include "listeners.h"
#include "observe.h"
#include "overflows.h"
#include "request.h"
#include "track.h"

/* Why the request that tcp_check_req() is processing would end now. */
struct tw_req_hint {
	const struct request_sock *req;
	u8 reason;
};

/* What the child that tcp_v{4,6}_syn_recv_sock() is making inherits. */
struct tw_child_hint {
	u64 cookie;		/* the request's */
	u64 listener_cookie;	/* what a fresh clone of the listener carries */
};

bool tw_requests_reaped;

static DEFINE_PER_CPU(struct tw_req_hint, req_hint);
static DEFINE_PER_CPU(struct tw_child_hint, child_hint);

static bool tw_is_tcp(const struct sock *listener)
{
	return listener->sk_protocol == IPPROTO_TCP;
}

/* Once: a SYN-cookie or TFO child made later must not get this cookie. */
u64 tw_request_cookie_of_child(const struct sock *child)
{
	struct tw_child_hint *hint = this_cpu_ptr(&child_hint);
	u64 cookie = 0;

	if (hint->listener_cookie &&
	    hint->listener_cookie == atomic64_read(&child->sk_cookie))
		cookie = hint->cookie;
	hint->listener_cookie = 0;
	hint->cookie = 0;
	return cookie;
}

/* The listener's SYN queue once the request being removed is gone. */
static u32 tw_syn_queue_less_one(const struct sock *listener)
{
	u32 depth = inet_csk_reqsk_queue_len(listener);

	return depth ? depth - 1 : 0;
}

/* One transition of @req; @syn_queue is the listener's depth after it. */
static void tw_req_observe(struct sock *listener, struct request_sock *req,
			   u8 oldstate, u8 newstate, u8 reason, u32 syn_queue)
{
	struct tw_track *owner;
	struct tw_transition tr = {
		.skc = &req->__req_common,
		.kind = TCPWATCH_SK_REQUEST,
		.oldstate = oldstate,
		.newstate = newstate,
		.reason = reason,
		.born = oldstate == TCP_CLOSE,
		.cookie = tw_sock_cookie(req_to_sk(req)),
		.listener = listener,
		.syn_queue = syn_queue,
		.accept_queue = READ_ONCE(listener->sk_ack_backlog),
	};

	rcu_read_lock();
	/* A request belongs to whoever owns its listener. */
	owner = tw_track_lookup(listener);
	tr.inherit = owner;
	tw_observe(&tr);
	rcu_read_unlock();
}

int tw_kp_send_synack(struct kprobe *kp, struct pt_regs *regs)
{
	/* (sk, dst, fl, req, foc, synack_type, syn_skb) */
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct request_sock *req = (struct request_sock *)regs_get_kernel_argument(regs, 3);
	u32 depth;

	/* Retransmits have no SYN; cookies and TFO are not hashed. */
	if (regs_get_kernel_argument(regs, 5) != TCP_SYNACK_NORMAL ||
	    !regs_get_kernel_argument(regs, 6))
		return 0;
	/* Counted by inet_csk_reqsk_queue_added() already. */
	depth = inet_csk_reqsk_queue_len(sk);
	tw_listener_queues(sk, depth, READ_ONCE(sk->sk_ack_backlog));
	tw_req_observe(sk, req, TCP_CLOSE, TCP_NEW_SYN_RECV, TCPWATCH_REASON_NONE, depth);
	return 0;
}

int tw_kp_check_req(struct kprobe *kp, struct pt_regs *regs)
{
	struct tw_req_hint *hint = this_cpu_ptr(&req_hint);

	/*
	 * If this segment ends the request, it is by a reset: the peer's RST,
	 * or ours for a bad segment or a full accept queue with
	 * tcp_abort_on_overflow.
	 */
	hint->req = (struct request_sock *)regs_get_kernel_argument(regs, 2);
	hint->reason = TCPWATCH_REASON_RESET;
	return 0;
}

int tw_kp_syn_recv_sock(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (const struct sock *)regs_get_kernel_argument(regs, 0);
	struct request_sock *req = (struct request_sock *)regs_get_kernel_argument(regs, 2);
	struct tw_child_hint *hint = this_cpu_ptr(&child_hint);

	/*
	 * A SYN-cookie or TFO request was never hashed, so nobody gave it a
	 * cookie: give it one now, which inet_csk_clone_lock() copies into
	 * the child right after its birth, as ss -e will show it.
	 */
	hint->cookie = tw_sock_cookie(req_to_sk(req));
	hint->listener_cookie = atomic64_read(&sk->sk_cookie);
	return tw_kp_listener_arg0(kp, regs);
}

int tw_kp_complete_hashdance(struct kprobe *kp, struct pt_regs *regs)
{
	struct request_sock *req = (struct request_sock *)regs_get_kernel_argument(regs, 2);
	bool own_req = regs_get_kernel_argument(regs, 3) & 1;
	struct sock *listener = req->rsk_listener;

	if (!own_req || !tw_is_tcp(listener))
		return 0;	/* another CPU won the race for this request */
	/*
	 * inet_ehash_nolisten() already swapped the child in for the request.
	 * The child is queued next (inet_csk_reqsk_queue_add(), which the
	 * compiler inlines here, so it cannot be probed itself).
	 */
	if (listener == (struct sock *)regs_get_kernel_argument(regs, 0))
		tw_listener_queues(listener, inet_csk_reqsk_queue_len(listener),
				   READ_ONCE(listener->sk_ack_backlog) + 1);
	tw_req_observe(listener, req, TCP_NEW_SYN_RECV, TCP_CLOSE,
		       TCPWATCH_REASON_ACCEPTED, tw_syn_queue_less_one(listener));
	return 0;
}

int tw_kp_reqsk_queue_drop(struct kprobe *kp, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct request_sock *req = (struct request_sock *)regs_get_kernel_argument(regs, 1);
	bool from_timer = regs_get_kernel_argument(regs, 2) & 1;
	struct tw_req_hint *hint = this_cpu_ptr(&req_hint);
	u8 reason;

	/* Unhashed: promoted (see above) or already dropped. */
	if (!tw_is_tcp(sk) || !sk_hashed(req_to_sk(req)))
		return 0;
	if (from_timer)
		reason = inet_sk_state_load(sk) == TCP_LISTEN ?
			 TCPWATCH_REASON_TIMEOUT : TCPWATCH_REASON_DROPPED;
	else if (hint->req == req)
		reason = hint->reason;
	else if (!check_net(sock_net(sk)))
		reason = TCPWATCH_REASON_PURGED;
	else
		reason = TCPWATCH_REASON_DROPPED;
	if (hint->req == req)
		hint->req = NULL;
	tw_req_observe(sk, req, TCP_NEW_SYN_RECV, TCP_CLOSE, reason,
		       tw_syn_queue_less_one(sk));
	return 0;
}

int tw_kp_reqsk_destructor(struct kprobe *kp, struct pt_regs *regs)
{
	struct request_sock *req = (struct request_sock *)regs_get_kernel_argument(regs, 0);

	tw_track_forget(req_to_sk(req));
	return 0;
}

int tw_kp_rtx_syn_ack(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (const struct sock *)regs_get_kernel_argument(regs, 0);

	tw_listener_synack_retrans(sk);
	return 0;
}
