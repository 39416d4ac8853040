// SPDX-License-Identifier: GPL-2.0
/*
 * Attribute tables: one policy per nest, one generic callback that checks each
 * attribute against the policy and files it in a tb[] array, then small
 * functions that turn each tb[] into a struct. Pads (TCPWATCH_A_*_PAD, which
 * nla_put_u64_64bit() adds on architectures that need 8-byte alignment) pass
 * the UNSPEC policy and are never read.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "array.h"
#include "parse.h"

typedef enum mnl_attr_data_type policy_t;

struct attr_table {
	const policy_t *policy;
	unsigned int max;
	const struct nlattr **tb;
};

static const policy_t top_policy[TCPWATCH_A_MAX + 1] = {
	[TCPWATCH_A_VERSION]		= MNL_TYPE_UNSPEC,	/* string, see get_string() */
	[TCPWATCH_A_STATES]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_TRANSITIONS]	= MNL_TYPE_NESTED,
	[TCPWATCH_A_TRANSITION]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_TIMEWAIT]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_EVENTS]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_PROBES]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_PROBE]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_CPUS]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_CPU]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_RING_SIZE]		= MNL_TYPE_U32,
	[TCPWATCH_A_TRACK_MAX]		= MNL_TYPE_U32,
	[TCPWATCH_A_TRACK_USED]		= MNL_TYPE_U32,
	[TCPWATCH_A_TRACK_FAILED]	= MNL_TYPE_U64,
	[TCPWATCH_A_LISTENER]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_SOCKET]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_DWELL]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_DWELL_STATE]	= MNL_TYPE_NESTED,
	[TCPWATCH_A_NETNS]		= MNL_TYPE_U32,
	[TCPWATCH_A_SEEDED]		= MNL_TYPE_U32,
	[TCPWATCH_A_ENDS]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_END]		= MNL_TYPE_NESTED,
	[TCPWATCH_A_SYNACK_RETRANS]	= MNL_TYPE_U64,
	[TCPWATCH_A_OVERFLOWS]		= MNL_TYPE_U64,
	[TCPWATCH_A_SYN_DROPS]		= MNL_TYPE_U64,
	[TCPWATCH_A_SYNCOOKIES]		= MNL_TYPE_U64,
	[TCPWATCH_A_TRACK_ALLOCATED]	= MNL_TYPE_U32,
	[TCPWATCH_A_TRACK_BYTES]	= MNL_TYPE_U64,
	[TCPWATCH_A_TRACK_FAILED_FULL]	= MNL_TYPE_U64,
	[TCPWATCH_A_TRACK_FAILED_GROWING] = MNL_TYPE_U64,
	[TCPWATCH_A_UNTRACKED]		= MNL_TYPE_U64,
	[TCPWATCH_A_SEEDED_UNTRACKED]	= MNL_TYPE_U32,
	[TCPWATCH_A_NETNS_COOKIE]	= MNL_TYPE_U64,
	[TCPWATCH_A_PORTS_SOCKETS]	= MNL_TYPE_U64,
	[TCPWATCH_A_PORT]		= MNL_TYPE_NESTED,
};

static const policy_t port_policy[TCPWATCH_A_PORT_MAX + 1] = {
	[TCPWATCH_A_PORT_SIDE]	= MNL_TYPE_U8,
	[TCPWATCH_A_PORT_NUM]	= MNL_TYPE_U16,
	[TCPWATCH_A_PORT_COUNT]	= MNL_TYPE_U64,
};

static const policy_t tr_policy[TCPWATCH_A_TR_MAX + 1] = {
	[TCPWATCH_A_TR_SK]	= MNL_TYPE_U8,
	[TCPWATCH_A_TR_OLD]	= MNL_TYPE_U8,
	[TCPWATCH_A_TR_NEW]	= MNL_TYPE_U8,
	[TCPWATCH_A_TR_COUNT]	= MNL_TYPE_U64,
};

static const policy_t end_policy[TCPWATCH_A_END_MAX + 1] = {
	[TCPWATCH_A_END_SK]	= MNL_TYPE_U8,
	[TCPWATCH_A_END_REASON]	= MNL_TYPE_U8,
	[TCPWATCH_A_END_COUNT]	= MNL_TYPE_U64,
};

static const policy_t tw_policy[TCPWATCH_A_TW_MAX + 1] = {
	[TCPWATCH_A_TW_CURRENT]	= MNL_TYPE_U64,
	[TCPWATCH_A_TW_ENTERED]	= MNL_TYPE_U64,
	[TCPWATCH_A_TW_ENDED]	= MNL_TYPE_U64,
};

static const policy_t evs_policy[TCPWATCH_A_EVS_MAX + 1] = {
	[TCPWATCH_A_EVS_WRITTEN] = MNL_TYPE_U64,
	[TCPWATCH_A_EVS_LOST]	 = MNL_TYPE_U64,
	[TCPWATCH_A_EVS_UNSENT]	 = MNL_TYPE_U64,
};

static const policy_t probe_policy[TCPWATCH_A_PROBE_MAX + 1] = {
	[TCPWATCH_A_PROBE_NAME]		= MNL_TYPE_UNSPEC,
	[TCPWATCH_A_PROBE_ATTACHED]	= MNL_TYPE_U8,
	[TCPWATCH_A_PROBE_MISSED]	= MNL_TYPE_U64,
	[TCPWATCH_A_PROBE_LOSES]	= MNL_TYPE_UNSPEC,
	[TCPWATCH_A_PROBE_HITS]		= MNL_TYPE_U64,
};

static const policy_t cpu_policy[TCPWATCH_A_CPU_MAX + 1] = {
	[TCPWATCH_A_CPU_ID]	 = MNL_TYPE_U32,
	[TCPWATCH_A_CPU_WRITTEN] = MNL_TYPE_U64,
	[TCPWATCH_A_CPU_LOST]	 = MNL_TYPE_U64,
};

static const policy_t ls_policy[TCPWATCH_A_LS_MAX + 1] = {
	[TCPWATCH_A_LS_NETNS]		  = MNL_TYPE_U32,
	[TCPWATCH_A_LS_FAMILY]		  = MNL_TYPE_U8,
	[TCPWATCH_A_LS_ADDR]		  = MNL_TYPE_BINARY,
	[TCPWATCH_A_LS_PORT]		  = MNL_TYPE_U16,
	[TCPWATCH_A_LS_SYN_QUEUE]	  = MNL_TYPE_U32,
	[TCPWATCH_A_LS_SYN_QUEUE_PEAK]	  = MNL_TYPE_U32,
	[TCPWATCH_A_LS_ACCEPT_QUEUE]	  = MNL_TYPE_U32,
	[TCPWATCH_A_LS_ACCEPT_QUEUE_PEAK] = MNL_TYPE_U32,
	[TCPWATCH_A_LS_BACKLOG]		  = MNL_TYPE_U32,
	[TCPWATCH_A_LS_OVERFLOWS]	  = MNL_TYPE_U64,
	[TCPWATCH_A_LS_SYN_DROPS]	  = MNL_TYPE_U64,
	[TCPWATCH_A_LS_SYNCOOKIES]	  = MNL_TYPE_U64,
	[TCPWATCH_A_LS_PID]		  = MNL_TYPE_U32,
	[TCPWATCH_A_LS_COMM]		  = MNL_TYPE_UNSPEC,
	[TCPWATCH_A_LS_COOKIE]		  = MNL_TYPE_U64,
	[TCPWATCH_A_LS_SYNACK_RETRANS]	  = MNL_TYPE_U64,
	[TCPWATCH_A_LS_NETNS_COOKIE]	  = MNL_TYPE_U64,
};

static const policy_t dw_policy[TCPWATCH_A_DW_MAX + 1] = {
	[TCPWATCH_A_DW_STATE]	= MNL_TYPE_U8,
	[TCPWATCH_A_DW_BUCKETS]	= MNL_TYPE_BINARY,
};

static const policy_t ev_policy[TCPWATCH_A_EV_MAX + 1] = {
	[TCPWATCH_A_EV_TYPE]		= MNL_TYPE_U8,
	[TCPWATCH_A_EV_SEQ]		= MNL_TYPE_U64,
	[TCPWATCH_A_EV_CPU]		= MNL_TYPE_U32,
	[TCPWATCH_A_EV_TS]		= MNL_TYPE_U64,
	[TCPWATCH_A_EV_SK]		= MNL_TYPE_U8,
	[TCPWATCH_A_EV_COOKIE]		= MNL_TYPE_U64,
	[TCPWATCH_A_EV_NETNS]		= MNL_TYPE_U32,
	[TCPWATCH_A_EV_FAMILY]		= MNL_TYPE_U8,
	[TCPWATCH_A_EV_SADDR]		= MNL_TYPE_BINARY,
	[TCPWATCH_A_EV_SPORT]		= MNL_TYPE_U16,
	[TCPWATCH_A_EV_DADDR]		= MNL_TYPE_BINARY,
	[TCPWATCH_A_EV_DPORT]		= MNL_TYPE_U16,
	[TCPWATCH_A_EV_OLD]		= MNL_TYPE_U8,
	[TCPWATCH_A_EV_NEW]		= MNL_TYPE_U8,
	[TCPWATCH_A_EV_DWELL]		= MNL_TYPE_U64,
	[TCPWATCH_A_EV_PID]		= MNL_TYPE_U32,
	[TCPWATCH_A_EV_COMM]		= MNL_TYPE_UNSPEC,
	[TCPWATCH_A_EV_REASON]		= MNL_TYPE_U8,
	[TCPWATCH_A_EV_SYN_QUEUE]	= MNL_TYPE_U32,
	[TCPWATCH_A_EV_ACCEPT_QUEUE]	= MNL_TYPE_U32,
	[TCPWATCH_A_EV_BACKLOG]		= MNL_TYPE_U32,
	[TCPWATCH_A_EV_LOST]		= MNL_TYPE_U64,
	[TCPWATCH_A_EV_AGE]		= MNL_TYPE_U64,
	[TCPWATCH_A_EV_NETNS_COOKIE]	= MNL_TYPE_U64,
};

static int table_cb(const struct nlattr *attr, void *data)
{
	const struct attr_table *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	/* Newer than this build: skip, so old tools work with new modules. */
	if (type > t->max)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, t->policy[type]) < 0) {
		errno = EINVAL;
		return MNL_CB_ERROR;
	}
	t->tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * libmnl stops quietly at an attribute that does not fit; a message cut short
 * must not pass for a complete one.
 */
static bool attrs_fill(const void *payload, size_t len)
{
	const struct nlattr *a = payload;
	int left = len;

	while (mnl_attr_ok(a, left)) {
		left -= MNL_ALIGN(a->nla_len);
		a = mnl_attr_next(a);
	}
	return left <= 0;
}

static int nest_check(const struct nlattr *nest)
{
	return attrs_fill(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest)) ?
	       0 : -EINVAL;
}

static int msg_check(const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_len < mnl_nlmsg_size(GENL_HDRLEN) ||
	    !attrs_fill(mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN),
			nlh->nlmsg_len - mnl_nlmsg_size(GENL_HDRLEN)))
		return -EINVAL;
	return 0;
}

#define PARSE_NEST(nest, policy, tb) \
	parse_nest(nest, policy, ARRAY_SIZE(policy) - 1, tb)

static int parse_nest(const struct nlattr *nest, const policy_t *policy,
		      unsigned int max, const struct nlattr **tb)
{
	struct attr_table t = { policy, max, tb };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (nest_check(nest) || mnl_attr_parse_nested(nest, table_cb, &t) < 0)
		return -EINVAL;
	return 0;
}

static int parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	struct attr_table t = { top_policy, TCPWATCH_A_MAX, tb };

	memset(tb, 0, (TCPWATCH_A_MAX + 1) * sizeof(*tb));
	if (msg_check(nlh) || mnl_attr_parse(nlh, GENL_HDRLEN, table_cb, &t) < 0)
		return -EINVAL;
	return 0;
}

static uint64_t get_u64(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static uint32_t get_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static uint16_t get_u16(const struct nlattr *a)
{
	return a ? mnl_attr_get_u16(a) : 0;
}

static uint8_t get_u8(const struct nlattr *a)
{
	return a ? mnl_attr_get_u8(a) : 0;
}

/* The kernel's strings carry a NUL; accept them without one too. */
static void get_string(const struct nlattr *a, char *buf, size_t size)
{
	size_t len = a ? mnl_attr_get_payload_len(a) : 0;
	const char *s = a ? mnl_attr_get_payload(a) : "";
	const char *nul = memchr(s, '\0', len);

	if (nul)
		len = nul - s;
	if (len >= size)
		len = size - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
}

/* An address must be exactly as long as its family says. */
static int get_addr(const struct nlattr *a, uint8_t family, uint8_t out[16])
{
	size_t want = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;

	memset(out, 0, 16);
	if (!a)
		return 0;
	if (!want || mnl_attr_get_payload_len(a) != want)
		return -EINVAL;
	memcpy(out, mnl_attr_get_payload(a), want);
	return 0;
}

/*
 * Call @fn for each attribute of type @type in the list @nest (others, such
 * as pads, are skipped); stop at the first error.
 */
static int parse_items(const struct nlattr *nest, unsigned int type,
		       int (*fn)(const struct nlattr *item, void *ctx), void *ctx)
{
	const struct nlattr *a;
	int ret;

	if (nest_check(nest))
		return -EINVAL;
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != type)
			continue;
		ret = fn(a, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int tw_cb_result(int err)
{
	if (err < 0) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* --- summary ------------------------------------------------------------ */

static int parse_states(const struct nlattr *nest, struct tw_summary *sum)
{
	const struct nlattr *a;

	if (nest_check(nest))
		return -EINVAL;
	mnl_attr_for_each_nested(a, nest) {
		unsigned int state = mnl_attr_get_type(a);

		/*
		 * Here the attribute type is the state, so a pad cannot be told
		 * apart by type: it is the one with an empty payload.
		 */
		if (!mnl_attr_get_payload_len(a))
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return -EINVAL;
		if (state && state < TCPWATCH_NR_STATES)
			sum->states[state] = mnl_attr_get_u64(a);
	}
	return 0;
}

static int parse_transition(const struct nlattr *nest, void *data)
{
	struct tw_summary *sum = data;
	const struct nlattr *tb[TCPWATCH_A_TR_MAX + 1];
	struct tw_transition *tr = &sum->transitions[sum->n_transitions];
	int ret;

	if (sum->n_transitions == TW_MAX_TRANSITIONS)
		return -E2BIG;
	ret = PARSE_NEST(nest, tr_policy, tb);
	if (ret)
		return ret;
	if (!tb[TCPWATCH_A_TR_SK] || !tb[TCPWATCH_A_TR_OLD] ||
	    !tb[TCPWATCH_A_TR_NEW] || !tb[TCPWATCH_A_TR_COUNT])
		return -EINVAL;
	tr->sk = get_u8(tb[TCPWATCH_A_TR_SK]);
	tr->old_state = get_u8(tb[TCPWATCH_A_TR_OLD]);
	tr->new_state = get_u8(tb[TCPWATCH_A_TR_NEW]);
	tr->count = get_u64(tb[TCPWATCH_A_TR_COUNT]);
	sum->n_transitions++;
	return 0;
}

static int parse_end(const struct nlattr *nest, void *data)
{
	struct tw_summary *sum = data;
	const struct nlattr *tb[TCPWATCH_A_END_MAX + 1];
	struct tw_end *end = &sum->ends[sum->n_ends];
	int ret;

	if (sum->n_ends == TW_MAX_ENDS)
		return -E2BIG;
	ret = PARSE_NEST(nest, end_policy, tb);
	if (ret)
		return ret;
	if (!tb[TCPWATCH_A_END_SK] || !tb[TCPWATCH_A_END_REASON] ||
	    !tb[TCPWATCH_A_END_COUNT])
		return -EINVAL;
	end->sk = get_u8(tb[TCPWATCH_A_END_SK]);
	end->reason = get_u8(tb[TCPWATCH_A_END_REASON]);
	end->count = get_u64(tb[TCPWATCH_A_END_COUNT]);
	sum->n_ends++;
	return 0;
}

uint64_t tw_summary_ends(const struct tw_summary *sum, unsigned int sk,
			 unsigned int reason)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < sum->n_ends; i++)
		if (sum->ends[i].sk == sk && sum->ends[i].reason == reason)
			n += sum->ends[i].count;
	return n;
}


static int parse_dwell_state(const struct nlattr *nest, void *data)
{
	struct tw_summary *sum = data;
	const struct nlattr *tb[TCPWATCH_A_DW_MAX + 1];
	unsigned int state;
	int ret = PARSE_NEST(nest, dw_policy, tb);

	if (ret)
		return ret;
	if (!tb[TCPWATCH_A_DW_STATE] || !tb[TCPWATCH_A_DW_BUCKETS] ||
	    mnl_attr_get_payload_len(tb[TCPWATCH_A_DW_BUCKETS]) !=
	    sizeof(sum->dwell[0]))
		return -EINVAL;
	state = get_u8(tb[TCPWATCH_A_DW_STATE]);
	if (!state || state >= TCPWATCH_NR_STATES)
		return 0;
	memcpy(sum->dwell[state], mnl_attr_get_payload(tb[TCPWATCH_A_DW_BUCKETS]),
	       sizeof(sum->dwell[state]));
	sum->dwell_present |= 1u << state;
	return 0;
}


static int parse_evcounts(const struct nlattr *nest, struct tw_evcounts *evs)
{
	const struct nlattr *tb[TCPWATCH_A_EVS_MAX + 1];
	int ret;

	if (!nest)
		return 0;
	ret = PARSE_NEST(nest, evs_policy, tb);
	if (ret)
		return ret;
	evs->written = get_u64(tb[TCPWATCH_A_EVS_WRITTEN]);
	evs->lost = get_u64(tb[TCPWATCH_A_EVS_LOST]);
	evs->unsent = get_u64(tb[TCPWATCH_A_EVS_UNSENT]);
	return 0;
}

static int parse_timewait(const struct nlattr *nest, struct tw_summary *sum)
{
	const struct nlattr *tb[TCPWATCH_A_TW_MAX + 1];
	int ret;

	if (!nest)
		return 0;
	ret = PARSE_NEST(nest, tw_policy, tb);
	if (ret)
		return ret;
	sum->timewait.current = get_u64(tb[TCPWATCH_A_TW_CURRENT]);
	sum->timewait.entered = get_u64(tb[TCPWATCH_A_TW_ENTERED]);
	sum->timewait.ended = get_u64(tb[TCPWATCH_A_TW_ENDED]);
	return 0;
}

int tw_parse_summary(const struct nlmsghdr *nlh, struct tw_summary *sum)
{
	const struct nlattr *tb[TCPWATCH_A_MAX + 1];
	int ret;

	memset(sum, 0, sizeof(*sum));
	ret = parse_top(nlh, tb);
	if (ret)
		return ret;
	sum->listen.synack_retrans = get_u64(tb[TCPWATCH_A_SYNACK_RETRANS]);
	sum->listen.overflows = get_u64(tb[TCPWATCH_A_OVERFLOWS]);
	sum->listen.syn_drops = get_u64(tb[TCPWATCH_A_SYN_DROPS]);
	sum->listen.syncookies = get_u64(tb[TCPWATCH_A_SYNCOOKIES]);
	sum->has_untracked = tb[TCPWATCH_A_UNTRACKED] != NULL;
	sum->untracked = get_u64(tb[TCPWATCH_A_UNTRACKED]);
	if (tb[TCPWATCH_A_STATES])
		ret = parse_states(tb[TCPWATCH_A_STATES], sum);
	if (!ret && tb[TCPWATCH_A_TRANSITIONS])
		ret = parse_items(tb[TCPWATCH_A_TRANSITIONS], TCPWATCH_A_TRANSITION,
				  parse_transition, sum);
	if (!ret && tb[TCPWATCH_A_ENDS])
		ret = parse_items(tb[TCPWATCH_A_ENDS], TCPWATCH_A_END, parse_end, sum);
	if (!ret && tb[TCPWATCH_A_DWELL])
		ret = parse_items(tb[TCPWATCH_A_DWELL], TCPWATCH_A_DWELL_STATE,
				  parse_dwell_state, sum);
	if (!ret)
		ret = parse_timewait(tb[TCPWATCH_A_TIMEWAIT], sum);
	if (!ret)
		ret = parse_evcounts(tb[TCPWATCH_A_EVENTS], &sum->events);
	return ret;
}

int tw_summary_cb(const struct nlmsghdr *nlh, void *data)
{
	return tw_cb_result(tw_parse_summary(nlh, data));
}

/* --- status ------------------------------------------------------------- */

static int parse_probe(const struct nlattr *nest, void *data)
{
	struct tw_status *st = data;
	const struct nlattr *tb[TCPWATCH_A_PROBE_MAX + 1];
	struct tw_probe *p = ARRAY_PUSH(st->probes, st->n_probes, st->cap_probes);
	int ret;

	if (!p)
		return -ENOMEM;
	ret = PARSE_NEST(nest, probe_policy, tb);
	if (ret)
		return ret;
	get_string(tb[TCPWATCH_A_PROBE_NAME], p->name, sizeof(p->name));
	p->attached = get_u8(tb[TCPWATCH_A_PROBE_ATTACHED]);
	p->missed = get_u64(tb[TCPWATCH_A_PROBE_MISSED]);
	p->hits = get_u64(tb[TCPWATCH_A_PROBE_HITS]);
	get_string(tb[TCPWATCH_A_PROBE_LOSES], p->loses, sizeof(p->loses));
	return 0;
}

/* Fills @st, which the caller zeroed; tw_status_free() releases it. */
int tw_parse_status(const struct nlmsghdr *nlh, struct tw_status *st)
{
	const struct nlattr *tb[TCPWATCH_A_MAX + 1];
	int ret;

	ret = parse_top(nlh, tb);
	if (ret)
		return ret;
	get_string(tb[TCPWATCH_A_VERSION], st->version, sizeof(st->version));
	st->ring_size = get_u32(tb[TCPWATCH_A_RING_SIZE]);
	st->track_max = get_u32(tb[TCPWATCH_A_TRACK_MAX]);
	st->track_used = get_u32(tb[TCPWATCH_A_TRACK_USED]);
	st->track_failed = get_u64(tb[TCPWATCH_A_TRACK_FAILED]);
	st->track_allocated = get_u32(tb[TCPWATCH_A_TRACK_ALLOCATED]);
	st->track_bytes = get_u64(tb[TCPWATCH_A_TRACK_BYTES]);
	st->track_failed_full = get_u64(tb[TCPWATCH_A_TRACK_FAILED_FULL]);
	st->track_failed_growing = get_u64(tb[TCPWATCH_A_TRACK_FAILED_GROWING]);
	st->untracked = get_u64(tb[TCPWATCH_A_UNTRACKED]);
	st->seeded = get_u32(tb[TCPWATCH_A_SEEDED]);
	st->seeded_untracked = get_u32(tb[TCPWATCH_A_SEEDED_UNTRACKED]);
	if (tb[TCPWATCH_A_PROBES])
		ret = parse_items(tb[TCPWATCH_A_PROBES], TCPWATCH_A_PROBE, parse_probe, st);
	if (!ret)
		ret = parse_evcounts(tb[TCPWATCH_A_EVENTS], &st->events);
	return ret;
}

int tw_status_cb(const struct nlmsghdr *nlh, void *data)
{
	return tw_cb_result(tw_parse_status(nlh, data));
}

/* GET_CPUS: one message per possible CPU, each one TCPWATCH_A_CPU nest. */
int tw_parse_cpu(const struct nlmsghdr *nlh, struct tw_cpu *cpu)
{
	const struct nlattr *top[TCPWATCH_A_MAX + 1];
	const struct nlattr *tb[TCPWATCH_A_CPU_MAX + 1];
	int ret;

	memset(cpu, 0, sizeof(*cpu));
	ret = parse_top(nlh, top);
	if (ret)
		return ret;
	if (!top[TCPWATCH_A_CPU])
		return -EINVAL;
	ret = PARSE_NEST(top[TCPWATCH_A_CPU], cpu_policy, tb);
	if (ret)
		return ret;
	if (!tb[TCPWATCH_A_CPU_ID])
		return -EINVAL;
	cpu->id = get_u32(tb[TCPWATCH_A_CPU_ID]);
	cpu->written = get_u64(tb[TCPWATCH_A_CPU_WRITTEN]);
	cpu->lost = get_u64(tb[TCPWATCH_A_CPU_LOST]);
	return 0;
}

int tw_cpus_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tw_status *st = data;
	struct tw_cpu *c = ARRAY_PUSH(st->cpus, st->n_cpus, st->cap_cpus);
	int ret;

	if (!c)
		return tw_cb_result(-ENOMEM);
	ret = tw_parse_cpu(nlh, c);
	if (ret)
		st->n_cpus--;
	return tw_cb_result(ret);
}

void tw_status_free(struct tw_status *st)
{
	free(st->probes);
	free(st->cpus);
	memset(st, 0, sizeof(*st));
}

/* --- listeners ---------------------------------------------------------- */

int tw_parse_listener(const struct nlmsghdr *nlh, struct tw_listener *ls)
{
	const struct nlattr *top[TCPWATCH_A_MAX + 1];
	const struct nlattr *tb[TCPWATCH_A_LS_MAX + 1];
	int ret;

	memset(ls, 0, sizeof(*ls));
	ret = parse_top(nlh, top);
	if (ret)
		return ret;
	if (!top[TCPWATCH_A_LISTENER])
		return -EINVAL;
	ret = PARSE_NEST(top[TCPWATCH_A_LISTENER], ls_policy, tb);
	if (ret)
		return ret;
	ls->netns = get_u32(tb[TCPWATCH_A_LS_NETNS]);
	ls->netns_cookie = get_u64(tb[TCPWATCH_A_LS_NETNS_COOKIE]);
	ls->family = get_u8(tb[TCPWATCH_A_LS_FAMILY]);
	ret = get_addr(tb[TCPWATCH_A_LS_ADDR], ls->family, ls->addr);
	ls->port = get_u16(tb[TCPWATCH_A_LS_PORT]);
	ls->syn_queue = get_u32(tb[TCPWATCH_A_LS_SYN_QUEUE]);
	ls->syn_queue_peak = get_u32(tb[TCPWATCH_A_LS_SYN_QUEUE_PEAK]);
	ls->accept_queue = get_u32(tb[TCPWATCH_A_LS_ACCEPT_QUEUE]);
	ls->accept_queue_peak = get_u32(tb[TCPWATCH_A_LS_ACCEPT_QUEUE_PEAK]);
	ls->backlog = get_u32(tb[TCPWATCH_A_LS_BACKLOG]);
	ls->overflows = get_u64(tb[TCPWATCH_A_LS_OVERFLOWS]);
	ls->syn_drops = get_u64(tb[TCPWATCH_A_LS_SYN_DROPS]);
	ls->syncookies = get_u64(tb[TCPWATCH_A_LS_SYNCOOKIES]);
	/* The kernel hides the owner from callers without CAP_NET_ADMIN. */
	ls->pid = get_u32(tb[TCPWATCH_A_LS_PID]);
	get_string(tb[TCPWATCH_A_LS_COMM], ls->comm, sizeof(ls->comm));
	ls->cookie = get_u64(tb[TCPWATCH_A_LS_COOKIE]);
	ls->synack_retrans = get_u64(tb[TCPWATCH_A_LS_SYNACK_RETRANS]);
	return ret;
}

int tw_listeners_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tw_listeners *ls = data;
	struct tw_listener *l = ARRAY_PUSH(ls->v, ls->n, ls->cap);
	int ret;

	if (!l)
		return tw_cb_result(-ENOMEM);
	ret = tw_parse_listener(nlh, l);
	if (ret)
		ls->n--;
	return tw_cb_result(ret);
}

void tw_listeners_free(struct tw_listeners *ls)
{
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

/* --- events and sockets ------------------------------------------------- */

static int fill_event(const struct nlattr **tb, struct tw_event *ev)
{
	unsigned int i;

	memset(ev, 0, sizeof(*ev));
	for (i = 0; i <= TCPWATCH_A_EV_MAX; i++)
		if (tb[i])
			ev->present |= 1u << i;
	ev->type = get_u8(tb[TCPWATCH_A_EV_TYPE]);
	ev->seq = get_u64(tb[TCPWATCH_A_EV_SEQ]);
	ev->cpu = get_u32(tb[TCPWATCH_A_EV_CPU]);
	ev->ts_ns = get_u64(tb[TCPWATCH_A_EV_TS]);
	ev->sk = get_u8(tb[TCPWATCH_A_EV_SK]);
	ev->cookie = get_u64(tb[TCPWATCH_A_EV_COOKIE]);
	ev->netns = get_u32(tb[TCPWATCH_A_EV_NETNS]);
	ev->netns_cookie = get_u64(tb[TCPWATCH_A_EV_NETNS_COOKIE]);
	ev->t.family = get_u8(tb[TCPWATCH_A_EV_FAMILY]);
	ev->t.sport = get_u16(tb[TCPWATCH_A_EV_SPORT]);
	ev->t.dport = get_u16(tb[TCPWATCH_A_EV_DPORT]);
	ev->old_state = get_u8(tb[TCPWATCH_A_EV_OLD]);
	ev->new_state = get_u8(tb[TCPWATCH_A_EV_NEW]);
	ev->dwell_ns = get_u64(tb[TCPWATCH_A_EV_DWELL]);
	ev->pid = get_u32(tb[TCPWATCH_A_EV_PID]);
	get_string(tb[TCPWATCH_A_EV_COMM], ev->comm, sizeof(ev->comm));
	ev->reason = get_u8(tb[TCPWATCH_A_EV_REASON]);
	ev->syn_queue = get_u32(tb[TCPWATCH_A_EV_SYN_QUEUE]);
	ev->accept_queue = get_u32(tb[TCPWATCH_A_EV_ACCEPT_QUEUE]);
	ev->backlog = get_u32(tb[TCPWATCH_A_EV_BACKLOG]);
	ev->lost = get_u64(tb[TCPWATCH_A_EV_LOST]);
	ev->age_ns = get_u64(tb[TCPWATCH_A_EV_AGE]);
	if (get_addr(tb[TCPWATCH_A_EV_SADDR], ev->t.family, ev->t.saddr) ||
	    get_addr(tb[TCPWATCH_A_EV_DADDR], ev->t.family, ev->t.daddr))
		return -EINVAL;
	return 0;
}

bool tw_is_event_msg(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	return mnl_nlmsg_get_payload_len(nlh) >= GENL_HDRLEN &&
	       genl->cmd == TCPWATCH_CMD_EVENT;
}

int tw_parse_event(const struct nlmsghdr *nlh, struct tw_event *ev)
{
	const struct nlattr *tb[TCPWATCH_A_EV_MAX + 1];
	struct attr_table t = { ev_policy, TCPWATCH_A_EV_MAX, tb };

	memset(tb, 0, sizeof(tb));
	if (msg_check(nlh) || mnl_attr_parse(nlh, GENL_HDRLEN, table_cb, &t) < 0)
		return -EINVAL;
	return fill_event(tb, ev);
}

int tw_parse_socket(const struct nlmsghdr *nlh, struct tw_event *sock)
{
	const struct nlattr *top[TCPWATCH_A_MAX + 1];
	const struct nlattr *tb[TCPWATCH_A_EV_MAX + 1];
	int ret = parse_top(nlh, top);

	if (ret)
		return ret;
	if (!top[TCPWATCH_A_SOCKET])
		return -EINVAL;
	ret = PARSE_NEST(top[TCPWATCH_A_SOCKET], ev_policy, tb);
	if (ret)
		return ret;
	return fill_event(tb, sock);
}

int tw_sockets_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tw_sockets *s = data;
	struct tw_event *sock = ARRAY_PUSH(s->v, s->n, s->cap);
	int ret;

	if (!sock)
		return tw_cb_result(-ENOMEM);
	ret = tw_parse_socket(nlh, sock);
	if (ret)
		s->n--;
	return tw_cb_result(ret);
}

void tw_sockets_free(struct tw_sockets *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* One message of the GET_PORTS dump: the count of sockets, or one port. */
int tw_ports_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *top[TCPWATCH_A_MAX + 1];
	const struct nlattr *tb[TCPWATCH_A_PORT_MAX + 1];
	struct tw_ports *p = data;
	struct tw_port *port;
	int ret = parse_top(nlh, top);

	if (ret)
		return tw_cb_result(ret);
	if (top[TCPWATCH_A_PORTS_SOCKETS])
		p->sockets = get_u64(top[TCPWATCH_A_PORTS_SOCKETS]);
	if (!top[TCPWATCH_A_PORT])
		return MNL_CB_OK;
	ret = PARSE_NEST(top[TCPWATCH_A_PORT], port_policy, tb);
	if (ret)
		return tw_cb_result(ret);
	if (!tb[TCPWATCH_A_PORT_NUM] || !tb[TCPWATCH_A_PORT_COUNT] ||
	    get_u8(tb[TCPWATCH_A_PORT_SIDE]) > TCPWATCH_PORT_REMOTE)
		return tw_cb_result(-EINVAL);
	port = ARRAY_PUSH(p->v, p->n, p->cap);
	if (!port)
		return tw_cb_result(-ENOMEM);
	port->side = get_u8(tb[TCPWATCH_A_PORT_SIDE]);
	port->port = get_u16(tb[TCPWATCH_A_PORT_NUM]);
	port->count = get_u64(tb[TCPWATCH_A_PORT_COUNT]);
	return MNL_CB_OK;
}

void tw_ports_free(struct tw_ports *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}
