// SPDX-License-Identifier: GPL-2.0
#include <linux/netlink.h>

#include "query.h"

int query_summary(struct nl *nl, uint32_t netns, struct tw_summary *sum)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = nl_request(nl, buf, TCPWATCH_CMD_GET_SUMMARY, NLM_F_ACK);
	if (netns)
		mnl_attr_put_u32(nlh, TCPWATCH_A_NETNS, netns);
	return nl_transact(nl, nlh, tw_summary_cb, sum);
}

int query_listeners(struct nl *nl, struct tw_listeners *ls)
{
	return nl_simple(nl, TCPWATCH_CMD_GET_LISTENERS, NLM_F_DUMP, tw_listeners_cb, ls);
}

int query_status(struct nl *nl, struct tw_status *st)
{
	return nl_simple(nl, TCPWATCH_CMD_GET_STATUS, 0, tw_status_cb, st);
}

int query_sockets(struct nl *nl, struct tw_sockets *s)
{
	return nl_simple(nl, TCPWATCH_CMD_GET_SOCKETS, NLM_F_DUMP, tw_sockets_cb, s);
}

int query_history(struct nl *nl, mnl_cb_t cb, void *data)
{
	return nl_simple(nl, TCPWATCH_CMD_EVENT, NLM_F_DUMP, cb, data);
}
