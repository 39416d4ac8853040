// SPDX-License-Identifier: GPL-2.0
#include <sys/socket.h>
#include <linux/netlink.h>

#include "query.h"

static void put_netns(struct nlmsghdr *nlh, const struct tw_filter *ns)
{
	if (ns && ns->netns)
		mnl_attr_put_u32(nlh, TCPWATCH_A_NETNS, ns->netns);
	if (ns && ns->netns_cookie)
		mnl_attr_put_u64(nlh, TCPWATCH_A_NETNS_COOKIE, ns->netns_cookie);
}

/* The socket filters both GET_SOCKETS and GET_PORTS take: the module applies them. */
static void put_sock_filter(struct nlmsghdr *nlh, const struct tw_filter *f)
{
	put_netns(nlh, f);
	if (f && f->states)
		mnl_attr_put_u32(nlh, TCPWATCH_A_SOCK_STATES, f->states);
	if (f && f->port)
		mnl_attr_put_u16(nlh, TCPWATCH_A_SOCK_PORT, f->port);
}

/* A request for @cmd, with the namespace filter when there is one. */
static int query(struct nl *nl, uint8_t cmd, uint16_t flags, const struct tw_filter *ns,
		 mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	if (!(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK;
	nlh = nl_request(nl, buf, cmd, flags);
	put_netns(nlh, ns);
	return nl_transact(nl, nlh, cb, data);
}

int query_summary(struct nl *nl, const struct tw_filter *ns, struct tw_summary *sum)
{
	return query(nl, TCPWATCH_CMD_GET_SUMMARY, 0, ns, tw_summary_cb, sum);
}

int query_listeners(struct nl *nl, const struct tw_filter *ns, struct tw_listeners *ls)
{
	return query(nl, TCPWATCH_CMD_GET_LISTENERS, NLM_F_DUMP, ns, tw_listeners_cb, ls);
}

int query_status(struct nl *nl, struct tw_status *st)
{
	return query(nl, TCPWATCH_CMD_GET_STATUS, 0, NULL, tw_status_cb, st);
}

int query_cpus(struct nl *nl, struct tw_status *st)
{
	return query(nl, TCPWATCH_CMD_GET_CPUS, NLM_F_DUMP, NULL, tw_cpus_cb, st);
}

int query_sockets(struct nl *nl, const struct tw_filter *f, uint64_t min_age_ns,
		  struct tw_sockets *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = nl_request(nl, buf, TCPWATCH_CMD_GET_SOCKETS, NLM_F_DUMP);
	/* The module filters, so the dump is as long as the answer. */
	put_sock_filter(nlh, f);
	if (min_age_ns)
		mnl_attr_put_u64(nlh, TCPWATCH_A_SOCK_MIN_AGE, min_age_ns);
	return nl_transact(nl, nlh, tw_sockets_cb, s);
}

int query_ports(struct nl *nl, const struct tw_filter *f, uint32_t kinds, uint32_t top,
		struct tw_ports *p)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = nl_request(nl, buf, TCPWATCH_CMD_GET_PORTS, NLM_F_DUMP);
	put_sock_filter(nlh, f);
	if (kinds)
		mnl_attr_put_u32(nlh, TCPWATCH_A_SOCK_KINDS, kinds);
	if (f->family)
		mnl_attr_put(nlh, TCPWATCH_A_SOCK_ADDR, f->family == AF_INET6 ? 16 : 4, f->addr);
	mnl_attr_put_u32(nlh, TCPWATCH_A_PORTS_TOP, top);
	return nl_transact(nl, nlh, tw_ports_cb, p);
}

int query_history(struct nl *nl, const struct tw_filter *ns, mnl_cb_t cb, void *data)
{
	return query(nl, TCPWATCH_CMD_EVENT, NLM_F_DUMP, ns, cb, data);
}
