/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_OBSERVE_H
#define _TCPWATCH_OBSERVE_H

#include <linux/types.h>

struct sock;
struct sock_common;
struct tw_track;

/*
 * One state change of one kernel object: a full socket, a request socket or
 * a timewait socket. All three start with a struct sock_common, which holds
 * the tuple, the namespace and the cookie, and whose address is the key
 * tcpwatch tracks the object by.
 */
struct tw_transition {
	const struct sock_common *skc;
	u8 kind;			/* enum tcpwatch_sk_kind */
	u8 oldstate;
	u8 newstate;
	u8 reason;			/* enum tcpwatch_reason */
	bool born;			/* the object's first transition */
	u64 cookie;			/* 0: not known (yet) */
	const struct sock *listener;	/* report its queues, if set */
	u32 syn_queue;			/* with @listener: depth after the change */
	u32 accept_queue;
	const struct tw_track *inherit;	/* take owner and cookie from it */
	bool inherit_dwell;		/* ... and the start of @oldstate */
	bool owner_is_current;		/* current is the process acting */
};

/* Aggregates, tracking and one ring record for @tr; any context. */
void tw_observe(const struct tw_transition *tr);

/* A listener event of @type (overflow, SYN drop): one ring record only. */
void tw_observe_event(const struct tw_transition *tr, u8 type);

/* A full socket changed state (tracepoint sock:inet_sock_set_state). */
void tw_observe_full(struct sock *sk, int oldstate, int newstate);

/* The socket cookie, generated as ss -e would if nobody has yet. */
u64 tw_sock_cookie(struct sock *sk);

#endif
