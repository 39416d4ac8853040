/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_LISTENERS_H
#define _TCPWATCH_LISTENERS_H

#include "track.h"

/* A listener as readers report it: its tracked entry and its live queues. */
struct tw_listener_view {
	struct tw_track t;
	u32 syn_queue;
	u32 accept_queue;
	u32 backlog;
};

/*
 * Find the first listener at pool index *@idx or after, fill @v and leave
 * *@idx on it; false when there is none.
 */
bool tw_listener_next(unsigned int *idx, struct tw_listener_view *v);

#endif
