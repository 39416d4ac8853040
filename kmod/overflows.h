/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_OVERFLOWS_H
#define _TCPWATCH_OVERFLOWS_H

#include <linux/kprobes.h>
#include <linux/types.h>

struct net;
struct tw_track;
struct tw_stats;

/* What a listener (or a netns) lost: TcpExt's per-netns counters, split. */
struct tw_listen_counts {
	u64 overflows;		/* accept queue full: ListenOverflows */
	u64 syn_drops;		/* the rest of ListenDrops */
	u64 syncookies;		/* SyncookiesSent */
};

/* kprobe handlers: the functions in which the kernel counts those. */
int tw_kp_listener_arg0(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_tcp_conn_request(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_req_err(struct kprobe *kp, struct pt_regs *regs);
int tw_kp_get_syncookie_mss(struct kprobe *kp, struct pt_regs *regs);

/* Add @cpu's counts of @net (its slot @s of the netns' stats) to @sum. */
void tw_overflows_add_cpu(const struct net *net, const struct tw_stats *s,
			  unsigned int cpu, struct tw_listen_counts *sum);
/* The counts of the listener whose live tracking entry is @t. */
void tw_overflows_of(const struct tw_track *t, struct tw_listen_counts *out);

/* From the drain worker: settle open accounts that grew, for prompt events. */
void tw_overflows_poll(void);
/*
 * A batch of namespaces is going: settle their accounts into their own
 * stats and close them; no CPU touches their counters again.
 */
void tw_overflows_forget_dying(void);

#endif
