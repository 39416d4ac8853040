/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_DRAIN_H
#define _TCPWATCH_DRAIN_H

#include <linux/types.h>

/* A worker that sends new ring records to the netlink "events" group. */
int tw_drain_init(void);
void tw_drain_exit(void);

/* Records written to all rings, and lost (overwritten unsent, probe misses). */
void tw_drain_totals(u64 *written, u64 *lost);
/* Records lost on @cpu's ring. */
u64 tw_drain_lost(unsigned int cpu);

#endif
