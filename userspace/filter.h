/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filters every listing takes: --netns and --netns-cookie, --port (local
 * or peer), --addr (local or peer, compared as binary; an IPv4 address also
 * matches its IPv4-mapped IPv6 form) and --state. A zero field matches
 * anything.
 */
#ifndef TCPWATCH_FILTER_H
#define TCPWATCH_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "parse.h"

struct tw_filter {
	uint32_t netns;			/* inode; 0: any */
	uint64_t netns_cookie;		/* net_cookie; 0: any */
	uint16_t port;			/* 0: any */
	uint8_t family;			/* of @addr; 0: any address */
	uint8_t addr[16];
	uint32_t states;		/* bit per state; 0: any */
};

_Static_assert(TCPWATCH_NR_STATES <= 32, "tw_filter.states is 32 bits");

#define TW_STATE_BIT(s)	(1u << (s))

static inline bool filter_state(const struct tw_filter *f, unsigned int state)
{
	return !f->states || (state < 32 && (f->states & TW_STATE_BIT(state)));
}

/* Does @addr (of @family) equal the filter's address? */
bool filter_addr(const struct tw_filter *f, unsigned int family, const uint8_t *addr);
/* Is the namespace of inode @netns and cookie @netns_cookie the filter's? */
bool filter_netns(const struct tw_filter *f, uint32_t netns, uint64_t netns_cookie);
/* Namespace, port and address of a connection (states not looked at). */
bool filter_tuple(const struct tw_filter *f, uint32_t netns, uint64_t netns_cookie,
		  const struct tw_tuple *t);
bool filter_listener(const struct tw_filter *f, const struct tw_listener *l);

/* Keep only the listeners / sockets that match (sockets: by state too). */
void filter_listeners(struct tw_listeners *ls, const struct tw_filter *f);
void filter_sockets(struct tw_sockets *s, const struct tw_filter *f);

#endif
