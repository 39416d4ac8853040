/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_OBSERVE_H
#define _TCPWATCH_OBSERVE_H

struct sock;

/* A full socket changed state (tracepoint sock:inet_sock_set_state). */
void tw_observe_full(struct sock *sk, int oldstate, int newstate);

#endif
