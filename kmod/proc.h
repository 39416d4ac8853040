/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_PROC_H
#define _TCPWATCH_PROC_H

/* /proc/tcpwatch/summary: the same facts as `tcpwatch summary`, as text. */
int tw_proc_init(void);
void tw_proc_exit(void);

#endif
