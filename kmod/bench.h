/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_BENCH_H
#define _TCPWATCH_BENCH_H

#ifdef DEBUG
void tw_bench_run(void);
#else
static inline void tw_bench_run(void) { }
#endif

#endif
