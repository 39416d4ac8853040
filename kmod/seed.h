/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_SEED_H
#define _TCPWATCH_SEED_H

#include <linux/types.h>

/*
 * Count and track the TCP sockets that existed before the module loaded,
 * from the kernel's hash tables; returns how many were seeded.
 */
unsigned int tw_seed(void);
/* How many the last tw_seed() found, for status. */
unsigned int tw_seeded(void);
/* When the walk began: seeded sockets are at least this old in their state. */
u64 tw_seeded_at_ns(void);

#endif
