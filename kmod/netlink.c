// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "tcpwatch": requests for aggregates and status,
 * dumps of listeners, tracked sockets and the rings' recent history, and the
 * "events" multicast group. The ABI is include/uapi/linux/tcpwatch.h.
 */
#include <linux/cpumask.h>
#include <linux/rtnetlink.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/inet_connection_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "drain.h"
#include "hooks.h"
#include "listeners.h"
#include "netlink.h"
#include "params.h"
#include "ports.h"
#include "ring.h"
#include "seed.h"
#include "stats.h"
#include "track.h"
#include "view.h"

/*
 * Without GENL_MCAST_CAP_NET_ADMIN (upstream 6.8, backported to 6.1 stable) any
 * user could join the events group: refuse to build rather than leak.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "this kernel's genetlink cannot restrict multicast groups (GENL_MCAST_CAP_NET_ADMIN)"
#endif

enum { TW_MCGRP_EVENTS };

static const struct nla_policy tw_policy[TCPWATCH_A_MAX + 1] = {
	[TCPWATCH_A_NETNS] = { .type = NLA_U32 },
	[TCPWATCH_A_NETNS_COOKIE] = { .type = NLA_U64 },
};

/* GET_SOCKETS: the same, and what the dump is filtered by. */
static const struct nla_policy tw_sockets_policy[TCPWATCH_A_MAX + 1] = {
	[TCPWATCH_A_NETNS] = { .type = NLA_U32 },
	[TCPWATCH_A_NETNS_COOKIE] = { .type = NLA_U64 },
	[TCPWATCH_A_SOCK_STATES] = NLA_POLICY_MASK(NLA_U32, BIT(TCPWATCH_NR_STATES) - 1),
	[TCPWATCH_A_SOCK_MIN_AGE] = { .type = NLA_U64 },
	[TCPWATCH_A_SOCK_PORT] = { .type = NLA_U16 },
};

/*
 * A policy's own min and max are s16: 65535 needs a range of its own (not
 * const: the 6.1 policy points to it as writable).
 */
static struct netlink_range_validation tw_ports_top_range = {
	.min = 1,
	.max = 65535,
};

/* GET_PORTS: which sockets to count, and how many ports to answer with. */
static const struct nla_policy tw_ports_policy[TCPWATCH_A_MAX + 1] = {
	[TCPWATCH_A_NETNS] = { .type = NLA_U32 },
	[TCPWATCH_A_NETNS_COOKIE] = { .type = NLA_U64 },
	[TCPWATCH_A_SOCK_STATES] = NLA_POLICY_MASK(NLA_U32, BIT(TCPWATCH_NR_STATES) - 1),
	[TCPWATCH_A_SOCK_KINDS] = NLA_POLICY_MASK(NLA_U32, BIT(TCPWATCH_NR_SK_KINDS) - 1),
	[TCPWATCH_A_SOCK_PORT] = { .type = NLA_U16 },
	[TCPWATCH_A_SOCK_ADDR] = { .type = NLA_BINARY, .len = 16 },
	[TCPWATCH_A_PORTS_TOP] = NLA_POLICY_FULL_RANGE(NLA_U32, &tw_ports_top_range),
};

static struct genl_family tw_genl_family;

static int tw_put_u64(struct sk_buff *skb, int type, u64 value, int pad)
{
	return nla_put_u64_64bit(skb, type, value, pad);
}

/* Fill one event (or, with @nest, one TCPWATCH_A_SOCKET-style body). */
static int tw_fill_record(struct sk_buff *skb, const struct tw_record *rec)
{
	unsigned int alen = rec->family == AF_INET6 ? 16 : 4;

	if (nla_put_u8(skb, TCPWATCH_A_EV_TYPE, rec->type) ||
	    tw_put_u64(skb, TCPWATCH_A_EV_SEQ, rec->commit - 1, TCPWATCH_A_EV_PAD) ||
	    nla_put_u32(skb, TCPWATCH_A_EV_CPU, rec->cpu) ||
	    tw_put_u64(skb, TCPWATCH_A_EV_TS, rec->ts_ns, TCPWATCH_A_EV_PAD))
		return -EMSGSIZE;
	if (rec->type == TCPWATCH_EV_LOST)
		return tw_put_u64(skb, TCPWATCH_A_EV_LOST, rec->lost, TCPWATCH_A_EV_PAD);

	if (nla_put_u8(skb, TCPWATCH_A_EV_SK, rec->sk_kind) ||
	    tw_put_u64(skb, TCPWATCH_A_EV_COOKIE, rec->cookie, TCPWATCH_A_EV_PAD) ||
	    nla_put_u32(skb, TCPWATCH_A_EV_NETNS, rec->netns) ||
	    tw_put_u64(skb, TCPWATCH_A_EV_NETNS_COOKIE, rec->netns_cookie,
		       TCPWATCH_A_EV_PAD) ||
	    nla_put_u8(skb, TCPWATCH_A_EV_FAMILY, rec->family) ||
	    nla_put(skb, TCPWATCH_A_EV_SADDR, alen, rec->saddr) ||
	    nla_put_u16(skb, TCPWATCH_A_EV_SPORT, rec->sport) ||
	    nla_put(skb, TCPWATCH_A_EV_DADDR, alen, rec->daddr) ||
	    nla_put_u16(skb, TCPWATCH_A_EV_DPORT, rec->dport) ||
	    nla_put_u8(skb, TCPWATCH_A_EV_OLD, rec->oldstate) ||
	    nla_put_u8(skb, TCPWATCH_A_EV_NEW, rec->newstate))
		return -EMSGSIZE;
	if (rec->dwell_ns != TW_DWELL_UNKNOWN &&
	    tw_put_u64(skb, TCPWATCH_A_EV_DWELL, rec->dwell_ns, TCPWATCH_A_EV_PAD))
		return -EMSGSIZE;
	if (rec->pid && (nla_put_u32(skb, TCPWATCH_A_EV_PID, rec->pid) ||
			 nla_put_string(skb, TCPWATCH_A_EV_COMM, rec->comm)))
		return -EMSGSIZE;
	if (rec->reason && nla_put_u8(skb, TCPWATCH_A_EV_REASON, rec->reason))
		return -EMSGSIZE;
	if (rec->has_queues &&
	    (nla_put_u32(skb, TCPWATCH_A_EV_SYN_QUEUE, rec->syn_queue) ||
	     nla_put_u32(skb, TCPWATCH_A_EV_ACCEPT_QUEUE, rec->accept_queue) ||
	     nla_put_u32(skb, TCPWATCH_A_EV_BACKLOG, rec->backlog)))
		return -EMSGSIZE;
	return 0;
}

/* Append one TCPWATCH_CMD_EVENT message holding @rec to @skb. */
static int tw_put_event(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			const struct tw_record *rec)
{
	void *hdr = genlmsg_put(skb, portid, seq, &tw_genl_family, flags,
				TCPWATCH_CMD_EVENT);

	if (!hdr)
		return -EMSGSIZE;
	if (tw_fill_record(skb, rec)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Loss markers concern every namespace's records; seqs are per CPU. Only
 * holders of CAP_NET_ADMIN in its owning user namespace can have joined
 * @net's group (GENL_MCAST_CAP_NET_ADMIN): in init_net, the initial one.
 */
static bool tw_record_visible(const struct net *net, const struct tw_record *rec)
{
	return rec->type == TCPWATCH_EV_LOST || net_eq(net, &init_net) ||
	       rec->netns_cookie == net->net_cookie;
}

/* Records no listener got because a message could not be allocated. */
static atomic64_t tw_unsent = ATOMIC64_INIT(0);

u64 tw_nl_unsent(void)
{
	return atomic64_read(&tw_unsent);
}

/* What is left of @recs from @i for @net, when it cannot be sent. */
static void tw_count_unsent(struct net *net, const struct tw_record *recs,
			    unsigned int i, unsigned int n)
{
	unsigned int unsent = 0;

	for (; i < n; i++)
		unsent += tw_record_visible(net, &recs[i]);
	atomic64_add(unsent, &tw_unsent);
}

static void tw_send_to_net(struct net *net, const struct tw_record *recs,
			   unsigned int n)
{
	struct sk_buff *skb = NULL;
	unsigned int i = 0;

	/* What keeps @net alive while its listeners are sent to. */
	lockdep_assert_held_read(&net_rwsem);
	while (i < n) {
		if (!tw_record_visible(net, &recs[i])) {
			i++;
			continue;
		}
		if (!skb) {
			skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
			if (!skb) {
				tw_count_unsent(net, recs, i, n);
				return;
			}
		}
		if (!tw_put_event(skb, 0, 0, 0, &recs[i])) {
			i++;
			continue;
		}
		/* Full: send it (consumed even on error) and start another. */
		genlmsg_multicast_netns(&tw_genl_family, net, skb, 0, TW_MCGRP_EVENTS,
					GFP_KERNEL);
		skb = NULL;
	}
	if (skb)
		genlmsg_multicast_netns(&tw_genl_family, net, skb, 0, TW_MCGRP_EVENTS,
					GFP_KERNEL);
}

bool tw_nl_has_listeners(void)
{
	bool found = false;
	struct net *net;

	rcu_read_lock();
	for_each_net_rcu(net) {
		if (genl_has_listeners(&tw_genl_family, net, TW_MCGRP_EVENTS)) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

void tw_nl_send_events(const struct tw_record *recs, unsigned int n)
{
	struct net *net;

	down_read(&net_rwsem);
	for_each_net(net)
		if (genl_has_listeners(&tw_genl_family, net, TW_MCGRP_EVENTS))
			tw_send_to_net(net, recs, n);
	up_read(&net_rwsem);
}

/*
 * The caller's rights, from the request @skb (its sender's and its socket
 * opener's credentials, as netlink_ns_capable() checks them).
 */
static bool tw_caller_admin(const struct sk_buff *skb)
{
	return netlink_ns_capable(skb, sock_net(skb->sk)->user_ns, CAP_NET_ADMIN);
}

/*
 * What the caller of @skb may see, narrowed by the request's @attrs. Seeing
 * another namespace needs CAP_NET_ADMIN in the initial user namespace and a
 * socket in init_net; asking for one without it is refused, not narrowed.
 */
static int tw_view_of(struct tw_view *view, const struct sk_buff *skb,
		      struct nlattr **attrs, struct netlink_ext_ack *extack)
{
	struct nlattr *inum = attrs[TCPWATCH_A_NETNS];
	struct nlattr *cookie = attrs[TCPWATCH_A_NETNS_COOKIE];

	view->net = sock_net(skb->sk);
	view->admin = tw_caller_admin(skb);
	view->all = net_eq(view->net, &init_net) && netlink_capable(skb, CAP_NET_ADMIN);
	view->only_inum = inum ? nla_get_u32(inum) : 0;
	view->only_cookie = cookie ? nla_get_u64(cookie) : 0;
	if (view->all)
		return 0;
	if (inum && view->only_inum != view->net->ns.inum) {
		NL_SET_ERR_MSG_ATTR(extack, inum,
				    "another network namespace needs CAP_NET_ADMIN in the initial namespace");
		return -EPERM;
	}
	if (cookie && view->only_cookie != view->net->net_cookie) {
		NL_SET_ERR_MSG_ATTR(extack, cookie,
				    "another network namespace needs CAP_NET_ADMIN in the initial namespace");
		return -EPERM;
	}
	return 0;
}

static int tw_put_summary(struct sk_buff *skb, const struct tw_summary *sum)
{
	struct nlattr *nest, *tr;
	unsigned int k, i, j;

	/* Attribute types are states here; 0 (no state) pads. */
	nest = nla_nest_start(skb, TCPWATCH_A_STATES);
	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i < TCPWATCH_NR_STATES; i++)
		if (tw_put_u64(skb, i, max_t(s64, sum->sockets[i], 0),
			       TCPWATCH_STATE_UNKNOWN))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);

	nest = nla_nest_start(skb, TCPWATCH_A_TRANSITIONS);
	if (!nest)
		return -EMSGSIZE;
	for (k = 0; k < TCPWATCH_NR_SK_KINDS; k++)
		for (i = 0; i < TCPWATCH_NR_STATES; i++)
			for (j = 0; j < TCPWATCH_NR_STATES; j++) {
				u64 count = sum->transitions[k][i][j];

				if (!count)
					continue;
				tr = nla_nest_start(skb, TCPWATCH_A_TRANSITION);
				if (!tr || nla_put_u8(skb, TCPWATCH_A_TR_SK, k) ||
				    nla_put_u8(skb, TCPWATCH_A_TR_OLD, i) ||
				    nla_put_u8(skb, TCPWATCH_A_TR_NEW, j) ||
				    tw_put_u64(skb, TCPWATCH_A_TR_COUNT, count,
					       TCPWATCH_A_TR_PAD))
					return -EMSGSIZE;
				nla_nest_end(skb, tr);
			}
	nla_nest_end(skb, nest);

	nest = nla_nest_start(skb, TCPWATCH_A_TIMEWAIT);
	if (!nest ||
	    tw_put_u64(skb, TCPWATCH_A_TW_CURRENT, max_t(s64, sum->tw_current, 0),
		       TCPWATCH_A_TW_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_TW_ENTERED, sum->tw_entered, TCPWATCH_A_TW_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_TW_ENDED, sum->tw_ended, TCPWATCH_A_TW_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);

	nest = nla_nest_start(skb, TCPWATCH_A_ENDS);
	if (!nest)
		return -EMSGSIZE;
	for (k = 0; k < TCPWATCH_NR_SK_KINDS; k++)
		for (i = 0; i < TCPWATCH_NR_REASONS; i++) {
			if (!sum->ends[k][i])
				continue;
			tr = nla_nest_start(skb, TCPWATCH_A_END);
			if (!tr || nla_put_u8(skb, TCPWATCH_A_END_SK, k) ||
			    nla_put_u8(skb, TCPWATCH_A_END_REASON, i) ||
			    tw_put_u64(skb, TCPWATCH_A_END_COUNT, sum->ends[k][i],
				       TCPWATCH_A_END_PAD))
				return -EMSGSIZE;
			nla_nest_end(skb, tr);
		}
	nla_nest_end(skb, nest);
	if (tw_put_u64(skb, TCPWATCH_A_SYNACK_RETRANS, sum->synack_retrans, TCPWATCH_A_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_OVERFLOWS, sum->overflows, TCPWATCH_A_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_SYN_DROPS, sum->syn_drops, TCPWATCH_A_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_SYNCOOKIES, sum->syncookies, TCPWATCH_A_PAD))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, TCPWATCH_A_DWELL);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < TCPWATCH_NR_STATES; i++) {
		if (!memchr_inv(sum->dwell[i], 0, sizeof(sum->dwell[i])))
			continue;
		tr = nla_nest_start(skb, TCPWATCH_A_DWELL_STATE);
		if (!tr || nla_put_u8(skb, TCPWATCH_A_DW_STATE, i) ||
		    nla_put_64bit(skb, TCPWATCH_A_DW_BUCKETS, sizeof(sum->dwell[i]),
				  sum->dwell[i], TCPWATCH_A_DW_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, tr);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int tw_put_events_totals(struct sk_buff *skb, u64 written, u64 lost)
{
	struct nlattr *nest = nla_nest_start(skb, TCPWATCH_A_EVENTS);

	if (!nest ||
	    tw_put_u64(skb, TCPWATCH_A_EVS_WRITTEN, written, TCPWATCH_A_EVS_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_EVS_LOST, lost, TCPWATCH_A_EVS_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_EVS_UNSENT, tw_nl_unsent(), TCPWATCH_A_EVS_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Reply to @info with a message that @fill writes; @size is a hint. */
static int tw_reply(struct genl_info *info, u8 cmd, size_t size,
		    int (*fill)(struct sk_buff *skb, void *arg), void *arg)
{
	struct sk_buff *skb = genlmsg_new(size, GFP_KERNEL);
	void *hdr;
	int err;

	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put_reply(skb, info, &tw_genl_family, 0, cmd);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	err = fill(skb, arg);
	if (err)
		goto err_free;
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);

err_free:
	nlmsg_free(skb);
	if (err == -EMSGSIZE)
		NL_SET_ERR_MSG(info->extack, "reply does not fit in a message");
	return err;
}

static int tw_fill_summary(struct sk_buff *skb, void *arg)
{
	const struct tw_summary *sum = arg;

	if (sum->untracked >= 0 &&
	    tw_put_u64(skb, TCPWATCH_A_UNTRACKED, sum->untracked, TCPWATCH_A_PAD))
		return -EMSGSIZE;
	return tw_put_summary(skb, sum) ?:
	       tw_put_events_totals(skb, sum->events_written, sum->events_lost);
}

static int tw_cmd_get_summary(struct sk_buff *skb, struct genl_info *info)
{
	struct tw_summary *sum;
	struct tw_view view;
	int err;

	err = tw_view_of(&view, skb, info->attrs, info->extack);
	if (err)
		return err;
	sum = kvmalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	tw_stats_sum(&view, sum);
	err = tw_reply(info, TCPWATCH_CMD_GET_SUMMARY, 64 * 1024, tw_fill_summary, sum);
	kvfree(sum);
	return err;
}

static int tw_put_tracking(struct sk_buff *skb)
{
	struct tw_track_stats st;

	tw_track_stats(&st);
	if (nla_put_u32(skb, TCPWATCH_A_TRACK_MAX, st.max) ||
	    nla_put_u32(skb, TCPWATCH_A_TRACK_USED, st.used) ||
	    nla_put_u32(skb, TCPWATCH_A_TRACK_ALLOCATED, st.allocated) ||
	    tw_put_u64(skb, TCPWATCH_A_TRACK_BYTES, st.bytes, TCPWATCH_A_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_TRACK_FAILED,
		       st.failed_full + st.failed_growing, TCPWATCH_A_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_TRACK_FAILED_FULL, st.failed_full,
		       TCPWATCH_A_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_TRACK_FAILED_GROWING, st.failed_growing,
		       TCPWATCH_A_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_UNTRACKED, tw_stats_untracked(), TCPWATCH_A_PAD) ||
	    nla_put_u32(skb, TCPWATCH_A_SEEDED, tw_seeded()) ||
	    nla_put_u32(skb, TCPWATCH_A_SEEDED_UNTRACKED, tw_seeded_untracked()))
		return -EMSGSIZE;
	return 0;
}

static int tw_fill_status(struct sk_buff *skb, void *arg)
{
	struct nlattr *nest, *item;
	struct tw_hook_info probe;
	u64 written, lost;
	unsigned int i;

	if (nla_put_string(skb, TCPWATCH_A_VERSION, TCPWATCH_VERSION) ||
	    nla_put_u32(skb, TCPWATCH_A_RING_SIZE, tw_ring_mask + 1) ||
	    tw_put_tracking(skb))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, TCPWATCH_A_PROBES);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; tw_hook_info(i, &probe); i++) {
		item = nla_nest_start(skb, TCPWATCH_A_PROBE);
		if (!item || nla_put_string(skb, TCPWATCH_A_PROBE_NAME, probe.name) ||
		    nla_put_u8(skb, TCPWATCH_A_PROBE_ATTACHED, probe.attached) ||
		    tw_put_u64(skb, TCPWATCH_A_PROBE_MISSED, probe.missed,
			       TCPWATCH_A_PROBE_PAD) ||
		    nla_put_string(skb, TCPWATCH_A_PROBE_LOSES, probe.loses) ||
		    tw_put_u64(skb, TCPWATCH_A_PROBE_HITS, probe.hits, TCPWATCH_A_PROBE_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, item);
	}
	nla_nest_end(skb, nest);

	tw_drain_totals(&written, &lost);
	return tw_put_events_totals(skb, written, lost);
}

static int tw_require_admin(const struct sk_buff *skb, struct netlink_ext_ack *extack)
{
	if (tw_caller_admin(skb))
		return 0;
	NL_SET_ERR_MSG(extack, "needs CAP_NET_ADMIN in the network namespace's user namespace");
	return -EPERM;
}

/* The per-CPU table is a dump of its own (GET_CPUS): it has no bound. */
static int tw_cmd_get_status(struct sk_buff *skb, struct genl_info *info)
{
	return tw_require_admin(skb, info->extack) ?:
	       tw_reply(info, TCPWATCH_CMD_GET_STATUS, 16 * 1024,
			tw_fill_status, NULL);
}

/*
 * A dump's view and cursor, in netlink_callback::ctx. The view is settled
 * by the first ->dumpit() call, not by ->start(): netlink_dump_start()
 * gives ->start() no extack to say why a request is refused.
 */
struct tw_dump_ctx {
	struct tw_view view;
	bool checked;
	u32 index;		/* pool index, or CPU */
	union {
		struct {
			u64 pos;	/* events: the next ring position of that CPU */
			u64 end;	/* events: that CPU's head + 1, 0 if not yet read */
		};
		struct {		/* sockets: what the request asks for */
			u64 min_age;	/* ns in its state, at least */
			u32 states;	/* bit n: state n; 0: every state */
			u16 port;	/* local or remote; 0: any */
		};
		struct tw_ports *ports;	/* ports: counted by the first call */
	};
};

static struct tw_dump_ctx *tw_dump_ctx(struct netlink_callback *cb)
{
	static_assert(sizeof(struct tw_dump_ctx) <= sizeof(cb->ctx));
	return (struct tw_dump_ctx *)cb->ctx;
}

/* A dump's next message, of command @cmd; NULL when @skb is full. */
static void *tw_dump_msg_put(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &tw_genl_family, NLM_F_MULTI, cmd);
}

/* The first call of a dump settles its view; @admin: it needs CAP_NET_ADMIN. */
static int tw_dump_begin(struct netlink_callback *cb, bool admin)
{
	struct tw_dump_ctx *ctx = tw_dump_ctx(cb);
	int err;

	if (ctx->checked)
		return 0;
	err = (admin ? tw_require_admin(cb->skb, cb->extack) : 0) ?:
	      tw_view_of(&ctx->view, cb->skb, tw_dumpit_attrs(cb), cb->extack);
	if (err)
		return err;
	ctx->checked = true;
	return 0;
}

static int tw_put_listener(struct sk_buff *skb, struct netlink_callback *cb,
			   const struct tw_listener_view *v)
{
	const struct tw_track *t = &v->c.t;
	unsigned int alen = t->family == AF_INET6 ? 16 : 4;
	struct nlattr *nest;
	void *hdr;

	hdr = tw_dump_msg_put(skb, cb, TCPWATCH_CMD_GET_LISTENERS);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, TCPWATCH_A_LISTENER);
	if (!nest ||
	    nla_put_u32(skb, TCPWATCH_A_LS_NETNS, t->netns) ||
	    tw_put_u64(skb, TCPWATCH_A_LS_NETNS_COOKIE, t->netns_cookie,
		       TCPWATCH_A_LS_PAD) ||
	    nla_put_u8(skb, TCPWATCH_A_LS_FAMILY, t->family) ||
	    nla_put(skb, TCPWATCH_A_LS_ADDR, alen, v->c.saddr) ||
	    nla_put_u16(skb, TCPWATCH_A_LS_PORT, v->c.sport) ||
	    nla_put_u32(skb, TCPWATCH_A_LS_SYN_QUEUE, v->syn_queue) ||
	    nla_put_u32(skb, TCPWATCH_A_LS_SYN_QUEUE_PEAK, v->c.listen.syn_queue_peak) ||
	    nla_put_u32(skb, TCPWATCH_A_LS_ACCEPT_QUEUE, v->accept_queue) ||
	    nla_put_u32(skb, TCPWATCH_A_LS_ACCEPT_QUEUE_PEAK, v->c.listen.accept_queue_peak) ||
	    nla_put_u32(skb, TCPWATCH_A_LS_BACKLOG, v->backlog) ||
	    tw_put_u64(skb, TCPWATCH_A_LS_OVERFLOWS, v->counts.overflows,
		       TCPWATCH_A_LS_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_LS_SYN_DROPS, v->counts.syn_drops,
		       TCPWATCH_A_LS_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_LS_SYNCOOKIES, v->counts.syncookies,
		       TCPWATCH_A_LS_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_LS_SYNACK_RETRANS,
		       atomic64_read(&v->c.listen.synack_retrans), TCPWATCH_A_LS_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_LS_COOKIE, t->cookie, TCPWATCH_A_LS_PAD))
		goto cancel;
	/* Which process listens is for administrators, as with ss -p. */
	if (tw_dump_ctx(cb)->view.admin &&
	    (nla_put_u32(skb, TCPWATCH_A_LS_PID, t->pid) ||
	     nla_put_string(skb, TCPWATCH_A_LS_COMM, t->comm)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static bool tw_dump_sees(struct netlink_callback *cb, u64 netns_cookie, u32 netns)
{
	return tw_view_sees(&tw_dump_ctx(cb)->view, netns_cookie, netns);
}

static int tw_dump_listeners(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tw_dump_ctx *ctx = tw_dump_ctx(cb);
	unsigned int idx = ctx->index;
	struct tw_listener_view v;
	int err = tw_dump_begin(cb, false);

	if (err)
		return err;
	for (; tw_listener_next(&idx, &v); idx++) {
		if (!tw_dump_sees(cb, v.c.t.netns_cookie, v.c.t.netns))
			continue;
		if (tw_put_listener(skb, cb, &v))
			break;
	}
	ctx->index = idx;
	return skb->len;
}

static int tw_put_socket(struct sk_buff *skb, struct netlink_callback *cb,
			 const struct tw_track_copy *c, u64 now)
{
	const struct tw_track *t = &c->t;
	unsigned int alen = t->family == AF_INET6 ? 16 : 4;
	struct nlattr *nest;
	void *hdr;

	hdr = tw_dump_msg_put(skb, cb, TCPWATCH_CMD_GET_SOCKETS);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, TCPWATCH_A_SOCKET);
	if (!nest ||
	    nla_put_u8(skb, TCPWATCH_A_EV_SK, t->kind) ||
	    tw_put_u64(skb, TCPWATCH_A_EV_COOKIE, t->cookie, TCPWATCH_A_EV_PAD) ||
	    nla_put_u32(skb, TCPWATCH_A_EV_NETNS, t->netns) ||
	    tw_put_u64(skb, TCPWATCH_A_EV_NETNS_COOKIE, t->netns_cookie,
		       TCPWATCH_A_EV_PAD) ||
	    nla_put_u8(skb, TCPWATCH_A_EV_FAMILY, t->family) ||
	    nla_put(skb, TCPWATCH_A_EV_SADDR, alen, c->saddr) ||
	    nla_put_u16(skb, TCPWATCH_A_EV_SPORT, c->sport) ||
	    nla_put(skb, TCPWATCH_A_EV_DADDR, alen, c->daddr) ||
	    nla_put_u16(skb, TCPWATCH_A_EV_DPORT, c->dport) ||
	    nla_put_u8(skb, TCPWATCH_A_EV_NEW, t->state) ||
	    tw_put_u64(skb, TCPWATCH_A_EV_AGE,
		       tw_ns_since(now, t->since_ns ?: tw_seeded_at_ns()),
		       TCPWATCH_A_EV_PAD) ||
	    nla_put_u32(skb, TCPWATCH_A_EV_PID, t->pid) ||
	    nla_put_string(skb, TCPWATCH_A_EV_COMM, t->comm)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/* The request's filters, read once with its view. */
static void tw_dump_sockets_filter(struct netlink_callback *cb)
{
	struct nlattr **attrs = tw_dumpit_attrs(cb);
	struct tw_dump_ctx *ctx = tw_dump_ctx(cb);

	ctx->states = attrs[TCPWATCH_A_SOCK_STATES] ?
		      nla_get_u32(attrs[TCPWATCH_A_SOCK_STATES]) : 0;
	ctx->min_age = attrs[TCPWATCH_A_SOCK_MIN_AGE] ?
		       nla_get_u64(attrs[TCPWATCH_A_SOCK_MIN_AGE]) : 0;
	ctx->port = attrs[TCPWATCH_A_SOCK_PORT] ?
		    nla_get_u16(attrs[TCPWATCH_A_SOCK_PORT]) : 0;
}

static bool tw_dump_sockets_wants(const struct tw_dump_ctx *ctx,
				  const struct tw_track_copy *c, u64 now)
{
	if (ctx->states && !(ctx->states & BIT(c->t.state)))
		return false;
	if (ctx->port && c->sport != ctx->port && c->dport != ctx->port)
		return false;
	return tw_ns_since(now, c->t.since_ns ?: tw_seeded_at_ns()) >= ctx->min_age;
}

/*
 * Every tracked socket the request asks for. The filters are applied here,
 * so that a caller looking for a few (tcpwatchd's leak scan: CLOSE_WAIT
 * older than a minute) does not pay for copying out every healthy one; a
 * state the request does not want is skipped before the entry is copied.
 */
static int tw_dump_sockets(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tw_dump_ctx *ctx = tw_dump_ctx(cb);
	u64 now = ktime_get_ns();
	unsigned int idx;
	int err;

	if (!ctx->checked) {
		err = tw_dump_begin(cb, true);
		if (err)
			return err;
		tw_dump_sockets_filter(cb);
	}
	for (idx = ctx->index; (idx = tw_track_next_in(idx, ctx->states ?: ~0U)) <
	     tw_track_slots(); idx++) {
		struct tw_track_copy c;

		if (!tw_track_snapshot_live(idx, &c, NULL, NULL) ||
		    !tw_dump_sees(cb, c.t.netns_cookie, c.t.netns) ||
		    !tw_dump_sockets_wants(ctx, &c, now))
			continue;
		if (tw_put_socket(skb, cb, &c, now))
			break;
	}
	ctx->index = idx;
	return skb->len;
}

/* The request's filters; an address is 4 (IPv4) or 16 (IPv6) bytes. */
static int tw_ports_filter_of(struct netlink_callback *cb, struct tw_ports_filter *f)
{
	struct nlattr **attrs = tw_dumpit_attrs(cb);
	struct nlattr *addr = attrs[TCPWATCH_A_SOCK_ADDR];

	f->states = attrs[TCPWATCH_A_SOCK_STATES] ?
		    nla_get_u32(attrs[TCPWATCH_A_SOCK_STATES]) : ~0U;
	f->kinds = attrs[TCPWATCH_A_SOCK_KINDS] ?
		   nla_get_u32(attrs[TCPWATCH_A_SOCK_KINDS]) : ~0U;
	f->port = attrs[TCPWATCH_A_SOCK_PORT] ? nla_get_u16(attrs[TCPWATCH_A_SOCK_PORT]) : 0;
	f->family = 0;
	if (!addr)
		return 0;
	if (nla_len(addr) != 4 && nla_len(addr) != 16) {
		NL_SET_ERR_MSG_ATTR(cb->extack, addr, "an address is 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	f->family = nla_len(addr) == 4 ? AF_INET : AF_INET6;
	nla_memcpy(f->addr, addr, sizeof(f->addr));
	return 0;
}

static int tw_put_port(struct sk_buff *skb, struct netlink_callback *cb,
		       const struct tw_port_count *pc)
{
	struct nlattr *nest;
	void *hdr;

	hdr = tw_dump_msg_put(skb, cb, TCPWATCH_CMD_GET_PORTS);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, TCPWATCH_A_PORT);
	if (!nest || nla_put_u8(skb, TCPWATCH_A_PORT_SIDE, pc->side) ||
	    nla_put_u16(skb, TCPWATCH_A_PORT_NUM, pc->port) ||
	    tw_put_u64(skb, TCPWATCH_A_PORT_COUNT, pc->count, TCPWATCH_A_PORT_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/* The first message: how many sockets the counts cover. */
static int tw_put_ports_header(struct sk_buff *skb, struct netlink_callback *cb, u64 sockets)
{
	void *hdr = tw_dump_msg_put(skb, cb, TCPWATCH_CMD_GET_PORTS);

	if (!hdr)
		return -EMSGSIZE;
	if (tw_put_u64(skb, TCPWATCH_A_PORTS_SOCKETS, sockets, TCPWATCH_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Tracked sockets per local and per remote port, the busiest first: counted
 * in the kernel by the first call, so the reply grows with the ports asked
 * for, not with the sockets (100 000 TIME_WAIT sockets on a few ports).
 */
static int tw_dump_ports(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tw_dump_ctx *ctx = tw_dump_ctx(cb);
	unsigned int idx;
	int err;

	if (!ctx->ports) {
		struct nlattr *top = tw_dumpit_attrs(cb)[TCPWATCH_A_PORTS_TOP];
		struct tw_ports_filter f;

		err = tw_dump_begin(cb, true) ?: tw_ports_filter_of(cb, &f);
		if (err)
			return err;
		ctx->ports = tw_ports_count(&f, &ctx->view, top ? nla_get_u32(top) : 65535);
		if (!ctx->ports)
			return -ENOMEM;
	}
	for (idx = ctx->index; idx <= ctx->ports->n; idx++) {
		if (idx == 0 ? tw_put_ports_header(skb, cb, ctx->ports->sockets) :
			       tw_put_port(skb, cb, &ctx->ports->top[idx - 1]))
			break;
	}
	ctx->index = idx;
	return skb->len;
}

static int tw_dump_ports_done(struct netlink_callback *cb)
{
	tw_ports_free(tw_dump_ctx(cb)->ports);
	return 0;
}

/*
 * The rings' recent history, CPU by CPU. Each CPU's end is fixed when the
 * dump reaches it, so a busy CPU cannot keep the dump going for ever.
 */
static int tw_dump_events(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tw_dump_ctx *ctx = tw_dump_ctx(cb);
	u64 size = tw_ring_mask + 1ULL;
	struct tw_record rec;
	unsigned int cpu;
	int err = tw_dump_begin(cb, true);

	if (err)
		return err;
	for (cpu = ctx->index; cpu < nr_cpu_ids; cpu++) {
		if (!cpu_possible(cpu))
			continue;
		if (!ctx->end) {
			u64 head = tw_ring_head(cpu);

			ctx->end = head + 1;	/* 0 means "not set" */
			ctx->pos = head > size ? head - size : 0;
		}
		for (; ctx->pos + 1 < ctx->end; ctx->pos++) {
			enum tw_ring_read res = tw_ring_read(cpu, ctx->pos, &rec);

			if (res == TW_RING_PENDING)
				break;	/* the live stream will carry it */
			if (res == TW_RING_GONE ||
			    (rec.type != TCPWATCH_EV_LOST &&
			     !tw_dump_sees(cb, rec.netns_cookie, rec.netns)))
				continue;
			if (tw_put_event(skb, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI, &rec)) {
				ctx->index = cpu;
				return skb->len;
			}
		}
		ctx->end = 0;
	}
	ctx->index = cpu;
	return skb->len;
}

static int tw_put_cpu(struct sk_buff *skb, struct netlink_callback *cb, unsigned int cpu)
{
	struct nlattr *item;
	void *hdr;

	hdr = tw_dump_msg_put(skb, cb, TCPWATCH_CMD_GET_CPUS);
	if (!hdr)
		return -EMSGSIZE;
	item = nla_nest_start(skb, TCPWATCH_A_CPU);
	if (!item || nla_put_u32(skb, TCPWATCH_A_CPU_ID, cpu) ||
	    tw_put_u64(skb, TCPWATCH_A_CPU_WRITTEN, tw_ring_head(cpu), TCPWATCH_A_CPU_PAD) ||
	    tw_put_u64(skb, TCPWATCH_A_CPU_LOST, tw_drain_lost(cpu), TCPWATCH_A_CPU_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, item);
	genlmsg_end(skb, hdr);
	return 0;
}

/* One message per possible CPU: any number of them fits. */
static int tw_dump_cpus(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tw_dump_ctx *ctx = tw_dump_ctx(cb);
	unsigned int cpu;
	int err = tw_dump_begin(cb, true);

	if (err)
		return err;
	for (cpu = ctx->index; cpu < nr_cpu_ids; cpu++)
		if (cpu_possible(cpu) && tw_put_cpu(skb, cb, cpu))
			break;
	ctx->index = cpu;
	return skb->len;
}

/*
 * Permissions are checked by the handlers, not by GENL_*_PERM flags, so
 * that a refusal carries an extack message saying why.
 */
static const struct genl_ops tw_ops[] = {
	{
		.cmd = TCPWATCH_CMD_GET_SUMMARY,
		.doit = tw_cmd_get_summary,
	},
	{
		.cmd = TCPWATCH_CMD_GET_STATUS,
		.doit = tw_cmd_get_status,
	},
	{
		.cmd = TCPWATCH_CMD_GET_LISTENERS,
		.dumpit = tw_dump_listeners,
	},
	{
		.cmd = TCPWATCH_CMD_GET_SOCKETS,
		.dumpit = tw_dump_sockets,
		.policy = tw_sockets_policy,
		.maxattr = TCPWATCH_A_MAX,
	},
	{
		.cmd = TCPWATCH_CMD_EVENT,
		.dumpit = tw_dump_events,
	},
	{
		.cmd = TCPWATCH_CMD_GET_CPUS,
		.dumpit = tw_dump_cpus,
	},
	{
		.cmd = TCPWATCH_CMD_GET_PORTS,
		.dumpit = tw_dump_ports,
		.done = tw_dump_ports_done,
		.policy = tw_ports_policy,
		.maxattr = TCPWATCH_A_MAX,
	},
};

static const struct genl_multicast_group tw_mcgrps[] = {
	[TW_MCGRP_EVENTS] = {
		.name = TCPWATCH_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family tw_genl_family = {
	.name = TCPWATCH_GENL_NAME,
	.version = TCPWATCH_GENL_VERSION,
	.maxattr = TCPWATCH_A_MAX,
	.policy = tw_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = tw_ops,
	.n_ops = ARRAY_SIZE(tw_ops),
	.resv_start_op = TCPWATCH_CMD_GET_SUMMARY,	/* all ops strict */
	.mcgrps = tw_mcgrps,
	.n_mcgrps = ARRAY_SIZE(tw_mcgrps),
};

int tw_nl_init(void)
{
	return genl_register_family(&tw_genl_family);
}

void tw_nl_exit(void)
{
	genl_unregister_family(&tw_genl_family);
}
