/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_PORTS_H
#define _TCPWATCH_PORTS_H

#include <linux/types.h>

#include "view.h"

/* Which tracked sockets a port count takes in (TCPWATCH_CMD_GET_PORTS). */
struct tw_ports_filter {
	u32 states;			/* bit n: state n */
	u32 kinds;			/* bit n: enum tcpwatch_sk_kind n */
	u16 port;			/* local or remote; 0: any */
	u8 family;			/* of @addr; 0: any address */
	u8 addr[16];			/* local or remote */
};

struct tw_port_count {
	u32 count;
	u16 port;
	u8 side;			/* enum tcpwatch_port_side */
};

/* The ports holding the most sockets: local ones first, then remote ones. */
struct tw_ports {
	u64 sockets;			/* sockets counted */
	unsigned int n;			/* entries in @top */
	struct tw_port_count top[];
};

struct tw_ports *tw_ports_count(const struct tw_ports_filter *f,
				const struct tw_view *view, unsigned int top);
void tw_ports_free(struct tw_ports *p);

#endif
