/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_TIMEWAIT_H
#define _TCPWATCH_TIMEWAIT_H

#include <linux/kprobes.h>

/* kprobe handlers: the life of timewait sockets. */
int tw_kp_twsk_hashdance(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_twsk_schedule(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_tw_timer_handler(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_timewait_state_process(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_twsk_put(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_twsk_deschedule_put(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_twsk_kill(struct kprobe *kp, struct pt_regs *regs);

#endif
