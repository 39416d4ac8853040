/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_REQUEST_H
#define _TCPWATCH_REQUEST_H

#include <linux/kprobes.h>

struct sock;

/* kprobe handlers: the life of request sockets (NEW_SYN_RECV). */
int tw_kp_send_synack(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_check_req(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_syn_recv_sock(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_complete_hashdance(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_reqsk_queue_drop(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_rtx_syn_ack(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_reqsk_destructor(struct kprobe *kp, struct pt_regs *regs);

/*
 * Whether request sockets' frees are seen (their destructors probed): an
 * ended request's entry then waits for it, so that a racing end finds it.
 */
extern bool tw_requests_reaped;

/* The cookie a child made by inet_csk_clone_lock() is about to get. */
u64 tw_request_cookie_of_child(const struct sock *child);

#endif
