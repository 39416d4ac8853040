/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_SEED_H
#define _TCPWATCH_SEED_H

/*
 * Count and track the TCP sockets that existed before the module loaded,
 * from the kernel's hash tables; returns how many were seeded.
 */
unsigned int tw_seed(void);
/* How many the last tw_seed() found, for status. */
unsigned int tw_seeded(void);

#endif
