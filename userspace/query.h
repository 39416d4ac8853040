/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Typed requests to the module: send, collect the replies into structs.
 * @ns: the namespace the module should restrict its answer to, by the
 * netns (inode, TCPWATCH_A_NETNS) and netns_cookie (TCPWATCH_A_NETNS_COOKIE)
 * of a filter, either or both; NULL (or both 0) for the caller's whole view.
 */
#ifndef TCPWATCH_QUERY_H
#define TCPWATCH_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "filter.h"
#include "nl.h"
#include "parse.h"

int query_summary(struct nl *nl, const struct tw_filter *ns, struct tw_summary *sum);
int query_listeners(struct nl *nl, const struct tw_filter *ns, struct tw_listeners *ls);
/* GET_STATUS: everything but the per-CPU table; needs CAP_NET_ADMIN. */
int query_status(struct nl *nl, struct tw_status *st);
/* The GET_CPUS dump, one row per possible CPU, into @st->cpus; the same. */
int query_cpus(struct nl *nl, struct tw_status *st);
/*
 * The tracked sockets (full, request, timewait) in @f's namespace, states
 * and port, at least @min_age_ns in their state; needs CAP_NET_ADMIN.
 */
int query_sockets(struct nl *nl, const struct tw_filter *f, uint64_t min_age_ns,
		  struct tw_sockets *s);
/*
 * Tracked sockets per local and per remote port, counted by the module: those
 * of @kinds (bit n: enum tcpwatch_sk_kind n; 0: every kind) that match @f
 * (namespace, states, port, address), at most @top ports per side, the
 * busiest first; needs CAP_NET_ADMIN.
 */
int query_ports(struct nl *nl, const struct tw_filter *f, uint32_t kinds, uint32_t top,
		struct tw_ports *p);
/* Dump the kernel's recent event history, @cb once per message. */
int query_history(struct nl *nl, const struct tw_filter *ns, mnl_cb_t cb, void *data);

#endif
