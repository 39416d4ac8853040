/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_NETLINK_H
#define _TCPWATCH_NETLINK_H

#include <linux/types.h>

struct tw_record;

int tw_nl_init(void);
void tw_nl_exit(void);

/* Does any namespace have a member in the events group? */
bool tw_nl_has_listeners(void);
/* Records not multicast because a message could not be allocated. */
u64 tw_nl_unsent(void);
/* Multicast @n records, each to the namespaces allowed to see it. */
void tw_nl_send_events(const struct tw_record *recs, unsigned int n);

#endif
