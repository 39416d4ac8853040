/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_REQUEST_H
#define _TCPWATCH_REQUEST_H

#include <linux/kprobes.h>

struct sock;

/* kprobe handlers: the life of request sockets (NEW_SYN_RECV). */
int tw_kp_reqsk_hash_add(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_check_req(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_complete_hashdance(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_reqsk_queue_drop(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_rtx_syn_ack(struct kprobe *kp, struct pt_regs *regs);

/* The cookie a child made by inet_csk_clone_lock() is about to get. */
u64 tw_request_cookie_of_child(const struct sock *child);

#endif
