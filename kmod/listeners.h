/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_LISTENERS_H
#define _TCPWATCH_LISTENERS_H

#include "overflows.h"
#include "track.h"

/* A listener as readers report it: its tracked entry and its live queues. */
struct tw_listener_view {
	struct tw_track_copy c;
	u32 syn_queue;
	u32 accept_queue;
	u32 backlog;
	struct tw_listen_counts counts;
};

/*
 * Find the first listener at pool index *@idx or after, fill @v and leave
 * *@idx on it; false when there is none.
 */
bool tw_listener_next(unsigned int *idx, struct tw_listener_view *v);

struct sock;

/* A listener's queues just changed to these depths: keep its peaks. */
void tw_listener_queues(const struct sock *sk, u32 syn_queue, u32 accept_queue);
/* A listener retransmitted a SYN-ACK. */
void tw_listener_synack_retrans(const struct sock *sk);

/* kprobe handler: the owner of an accepted connection. */
int tw_kp_sock_graft(struct kprobe *kp, struct pt_regs *regs);

#endif
