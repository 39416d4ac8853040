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

/* For status: probe @i's name, whether attached, and misses; false past the end. */
bool tw_hook_info(unsigned int i, const char **name, bool *attached, u64 *missed);
/* Events lost by probes (kprobe nmissed), summed. */
u64 tw_hooks_missed(void);

#endif
