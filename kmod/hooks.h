/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_HOOKS_H
#define _TCPWATCH_HOOKS_H

#include <linux/types.h>

/*
 * Attach every probe, then let them all observe at once; fails only if the
 * core tracepoint cannot attach. tw_seed() must follow at once.
 */
int tw_hooks_init(void);
/* Detach all and wait until no handler runs any more. */
void tw_hooks_exit(void);

struct tw_hook_info {
	const char *name;	/* tracepoint or kernel function */
	const char *loses;	/* what is missing while it is not attached */
	bool attached;
	u64 missed;		/* kprobe nmissed */
	u64 hits;		/* times its handler ran (while live) */
};

/* For status: probe @i, filled into @info; false past the end. */
bool tw_hook_info(unsigned int i, struct tw_hook_info *info);
/* Events lost by probes (kprobe nmissed), summed. */
u64 tw_hooks_missed(void);

#endif
