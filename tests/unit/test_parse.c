// SPDX-License-Identifier: GPL-2.0
/* Messages built by hand with libmnl, as the module would send them. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "parse.h"
#include "tap.h"

#define FAKE_FAMILY 0x20

static struct nlmsghdr *msg_start(char *buf, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = FAKE_FAMILY;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = TCPWATCH_GENL_VERSION;
	return nlh;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const char *ip)
{
	uint8_t a[4];

	inet_pton(AF_INET, ip, a);
	mnl_attr_put(nlh, type, sizeof(a), a);
}

/* The event attributes of a client's SYN_SENT -> ESTABLISHED. */
static void put_event_attrs(struct nlmsghdr *nlh)
{
	mnl_attr_put(nlh, TCPWATCH_A_EV_PAD, 0, NULL);
	mnl_attr_put_u8(nlh, TCPWATCH_A_EV_SK, TCPWATCH_SK_FULL);
	mnl_attr_put_u64(nlh, TCPWATCH_A_EV_COOKIE, 4097);
	mnl_attr_put_u32(nlh, TCPWATCH_A_EV_NETNS, 4026531840u);
	mnl_attr_put_u64(nlh, TCPWATCH_A_EV_NETNS_COOKIE, 1);
	mnl_attr_put_u8(nlh, TCPWATCH_A_EV_FAMILY, AF_INET);
	put_addr(nlh, TCPWATCH_A_EV_SADDR, "127.0.0.1");
	mnl_attr_put_u16(nlh, TCPWATCH_A_EV_SPORT, 43210);
	put_addr(nlh, TCPWATCH_A_EV_DADDR, "127.0.0.1");
	mnl_attr_put_u16(nlh, TCPWATCH_A_EV_DPORT, 8080);
	mnl_attr_put_u8(nlh, TCPWATCH_A_EV_OLD, TCPWATCH_SYN_SENT);
	mnl_attr_put_u8(nlh, TCPWATCH_A_EV_NEW, TCPWATCH_ESTABLISHED);
	mnl_attr_put_u32(nlh, TCPWATCH_A_EV_PID, 1234);
	mnl_attr_put_strz(nlh, TCPWATCH_A_EV_COMM, "curl");
}

static struct nlmsghdr *event_msg(char *buf)
{
	struct nlmsghdr *nlh = msg_start(buf, TCPWATCH_CMD_EVENT);

	mnl_attr_put_u8(nlh, TCPWATCH_A_EV_TYPE, TCPWATCH_EV_STATE);
	mnl_attr_put_u64(nlh, TCPWATCH_A_EV_SEQ, 77);
	mnl_attr_put_u32(nlh, TCPWATCH_A_EV_CPU, 1);
	mnl_attr_put_u64(nlh, TCPWATCH_A_EV_TS, 123456789012ull);
	put_event_attrs(nlh);
	mnl_attr_put_u64(nlh, TCPWATCH_A_EV_DWELL, 52000);
	return nlh;
}

static void test_event(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct tw_event ev;
	int ret = tw_parse_event(event_msg(buf), &ev);

	CHECK(ret == 0, "parse event: accepted (ret %d)", ret);
	CHECK(ev.type == TCPWATCH_EV_STATE && ev.seq == 77 && ev.cpu == 1 &&
	      ev.ts_ns == 123456789012ull, "parse event: type, seq, cpu, ts");
	CHECK(ev.cookie == 4097 && ev.netns == 4026531840u && ev.sk == TCPWATCH_SK_FULL,
	      "parse event: cookie, netns, sk");
	CHECK(tw_event_has(&ev, TCPWATCH_A_EV_NETNS_COOKIE) && ev.netns_cookie == 1,
	      "parse event: netns cookie");
	CHECK(ev.t.family == AF_INET && ev.t.sport == 43210 && ev.t.dport == 8080 &&
	      ev.t.saddr[0] == 127 && ev.t.daddr[3] == 1, "parse event: tuple");
	CHECK(ev.old_state == TCPWATCH_SYN_SENT && ev.new_state == TCPWATCH_ESTABLISHED,
	      "parse event: states");
	CHECK(tw_event_has(&ev, TCPWATCH_A_EV_DWELL) && ev.dwell_ns == 52000,
	      "parse event: dwell present");
	CHECK(!tw_event_has(&ev, TCPWATCH_A_EV_REASON) &&
	      !tw_event_has(&ev, TCPWATCH_A_EV_SYN_QUEUE), "parse event: absent attrs");
	CHECK(ev.pid == 1234 && !strcmp(ev.comm, "curl"), "parse event: owner");
}

static void test_event_edges(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], comm[100];
	struct nlmsghdr *nlh;
	struct tw_event ev;

	nlh = msg_start(buf, TCPWATCH_CMD_EVENT);
	mnl_attr_put_u8(nlh, TCPWATCH_A_EV_TYPE, TCPWATCH_EV_LOST);
	mnl_attr_put_u32(nlh, TCPWATCH_A_EV_CPU, 0);
	mnl_attr_put_u64(nlh, TCPWATCH_A_EV_LOST, 12);
	mnl_attr_put_u32(nlh, 200, 1);		/* from a newer module */
	CHECK(!tw_parse_event(nlh, &ev) && ev.type == TCPWATCH_EV_LOST && ev.lost == 12 &&
	      !tw_event_has(&ev, TCPWATCH_A_EV_SEQ), "parse event: LOST, unknown attr skipped");

	nlh = msg_start(buf, TCPWATCH_CMD_EVENT);
	mnl_attr_put_u32(nlh, TCPWATCH_A_EV_SEQ, 1);	/* u64 sent as u32 */
	CHECK(tw_parse_event(nlh, &ev) == -EINVAL, "parse event: short u64 refused");

	nlh = msg_start(buf, TCPWATCH_CMD_EVENT);
	mnl_attr_put_u32(nlh, TCPWATCH_A_EV_NETNS_COOKIE, 1);	/* u64 sent as u32 */
	CHECK(tw_parse_event(nlh, &ev) == -EINVAL, "parse event: short netns cookie refused");

	nlh = msg_start(buf, TCPWATCH_CMD_EVENT);
	mnl_attr_put_u8(nlh, TCPWATCH_A_EV_TYPE, TCPWATCH_EV_STATE);
	mnl_attr_put_u32(nlh, TCPWATCH_A_EV_NETNS, 4026531840u);
	CHECK(!tw_parse_event(nlh, &ev) && ev.netns == 4026531840u && !ev.netns_cookie &&
	      !tw_event_has(&ev, TCPWATCH_A_EV_NETNS_COOKIE),
	      "parse event: no netns cookie (older module) is 0, marked absent");

	nlh = msg_start(buf, TCPWATCH_CMD_EVENT);
	mnl_attr_put_u8(nlh, TCPWATCH_A_EV_FAMILY, AF_INET6);
	put_addr(nlh, TCPWATCH_A_EV_SADDR, "1.2.3.4");
	CHECK(tw_parse_event(nlh, &ev) == -EINVAL, "parse event: address/family mismatch");

	nlh = msg_start(buf, TCPWATCH_CMD_EVENT);
	put_addr(nlh, TCPWATCH_A_EV_SADDR, "1.2.3.4");
	CHECK(tw_parse_event(nlh, &ev) == -EINVAL, "parse event: address without family");

	nlh = msg_start(buf, TCPWATCH_CMD_EVENT);
	memset(comm, 'x', sizeof(comm));
	mnl_attr_put(nlh, TCPWATCH_A_EV_COMM, sizeof(comm), comm);	/* no NUL */
	CHECK(!tw_parse_event(nlh, &ev) && strlen(ev.comm) == TW_COMM_LEN - 1,
	      "parse event: long comm without NUL truncated");

	nlh = msg_start(buf, TCPWATCH_CMD_EVENT);
	nlh->nlmsg_len = mnl_nlmsg_size(1);
	CHECK(tw_parse_event(nlh, &ev) == -EINVAL, "parse event: truncated header");

	nlh = event_msg(buf);
	CHECK(tw_is_event_msg(nlh), "event message recognised");
	nlh = msg_start(buf, TCPWATCH_CMD_GET_STATUS);
	CHECK(!tw_is_event_msg(nlh), "other commands are not events");
	nlh->nlmsg_len = mnl_nlmsg_size(0);
	CHECK(!tw_is_event_msg(nlh), "too short for a genl header: not an event");

	nlh = event_msg(buf);
	nlh->nlmsg_len -= 3;		/* cut into the last attribute */
	CHECK(tw_parse_event(nlh, &ev) == -EINVAL, "parse event: truncated attribute");
}

static void put_transition(struct nlmsghdr *nlh, uint8_t sk, uint8_t old, uint8_t new,
			   uint64_t count)
{
	struct nlattr *tr = mnl_attr_nest_start(nlh, TCPWATCH_A_TRANSITION);

	mnl_attr_put_u8(nlh, TCPWATCH_A_TR_SK, sk);
	mnl_attr_put_u8(nlh, TCPWATCH_A_TR_OLD, old);
	mnl_attr_put_u8(nlh, TCPWATCH_A_TR_NEW, new);
	mnl_attr_put(nlh, TCPWATCH_A_TR_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCPWATCH_A_TR_COUNT, count);
	mnl_attr_nest_end(nlh, tr);
}

static void put_end(struct nlmsghdr *nlh, uint8_t sk, uint8_t reason, uint64_t count)
{
	struct nlattr *end = mnl_attr_nest_start(nlh, TCPWATCH_A_END);

	mnl_attr_put_u8(nlh, TCPWATCH_A_END_SK, sk);
	mnl_attr_put_u8(nlh, TCPWATCH_A_END_REASON, reason);
	mnl_attr_put(nlh, TCPWATCH_A_END_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCPWATCH_A_END_COUNT, count);
	mnl_attr_nest_end(nlh, end);
}

static struct nlmsghdr *summary_msg(char *buf)
{
	struct nlmsghdr *nlh = msg_start(buf, TCPWATCH_CMD_GET_SUMMARY);
	uint64_t buckets[TCPWATCH_DWELL_BUCKETS] = { [16] = 3, [17] = 1 };
	struct nlattr *nest, *inner;

	nest = mnl_attr_nest_start(nlh, TCPWATCH_A_STATES);
	mnl_attr_put(nlh, TCPWATCH_ESTABLISHED, 0, NULL);	/* a pad, same type */
	mnl_attr_put_u64(nlh, TCPWATCH_ESTABLISHED, 12);
	mnl_attr_put_u64(nlh, TCPWATCH_LISTEN, 4);
	mnl_attr_put_u64(nlh, TCPWATCH_NEW_SYN_RECV, 1);
	mnl_attr_nest_end(nlh, nest);

	nest = mnl_attr_nest_start(nlh, TCPWATCH_A_TRANSITIONS);
	put_transition(nlh, TCPWATCH_SK_FULL, TCPWATCH_SYN_SENT, TCPWATCH_ESTABLISHED, 42);
	put_transition(nlh, TCPWATCH_SK_TIMEWAIT, TCPWATCH_TIME_WAIT, TCPWATCH_CLOSE, 7);
	mnl_attr_nest_end(nlh, nest);

	nest = mnl_attr_nest_start(nlh, TCPWATCH_A_TIMEWAIT);
	mnl_attr_put_u64(nlh, TCPWATCH_A_TW_CURRENT, 3);
	mnl_attr_put_u64(nlh, TCPWATCH_A_TW_ENTERED, 10);
	mnl_attr_put_u64(nlh, TCPWATCH_A_TW_ENDED, 7);
	mnl_attr_nest_end(nlh, nest);

	nest = mnl_attr_nest_start(nlh, TCPWATCH_A_ENDS);
	put_end(nlh, TCPWATCH_SK_REQUEST, TCPWATCH_REASON_ACCEPTED, 40);
	mnl_attr_put(nlh, TCPWATCH_A_PAD, 0, NULL);		/* not an END: skipped */
	put_end(nlh, TCPWATCH_SK_TIMEWAIT, TCPWATCH_REASON_EXPIRED, 7);
	put_end(nlh, TCPWATCH_SK_TIMEWAIT, 200, 1);		/* a newer reason */
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put(nlh, TCPWATCH_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCPWATCH_A_SYNACK_RETRANS, 8);
	mnl_attr_put_u64(nlh, TCPWATCH_A_OVERFLOWS, 5);
	mnl_attr_put_u64(nlh, TCPWATCH_A_SYN_DROPS, 6);
	mnl_attr_put_u64(nlh, TCPWATCH_A_SYNCOOKIES, 7);

	nest = mnl_attr_nest_start(nlh, TCPWATCH_A_EVENTS);
	mnl_attr_put_u64(nlh, TCPWATCH_A_EVS_WRITTEN, 1000);
	mnl_attr_put_u64(nlh, TCPWATCH_A_EVS_LOST, 2);
	mnl_attr_put_u64(nlh, TCPWATCH_A_EVS_UNSENT, 9);
	mnl_attr_nest_end(nlh, nest);

	nest = mnl_attr_nest_start(nlh, TCPWATCH_A_DWELL);
	inner = mnl_attr_nest_start(nlh, TCPWATCH_A_DWELL_STATE);
	mnl_attr_put_u8(nlh, TCPWATCH_A_DW_STATE, TCPWATCH_SYN_SENT);
	mnl_attr_put(nlh, TCPWATCH_A_DW_BUCKETS, sizeof(buckets), buckets);
	mnl_attr_nest_end(nlh, inner);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_summary(void)
{
	static struct tw_summary sum;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = summary_msg(buf);
	struct nlattr *nest, *inner;
	int ret, i;

	ret = mnl_cb_run(buf, nlh->nlmsg_len, 0, 0, tw_summary_cb, &sum);
	CHECK(ret == MNL_CB_OK, "parse summary: accepted through the callback");
	CHECK(sum.states[TCPWATCH_ESTABLISHED] == 12 && sum.states[TCPWATCH_LISTEN] == 4 &&
	      sum.states[TCPWATCH_NEW_SYN_RECV] == 1 && sum.states[TCPWATCH_CLOSE] == 0,
	      "parse summary: states (pad skipped)");
	CHECK(sum.n_transitions == 2 && sum.transitions[0].count == 42 &&
	      sum.transitions[1].sk == TCPWATCH_SK_TIMEWAIT &&
	      sum.transitions[1].new_state == TCPWATCH_CLOSE, "parse summary: transitions");
	CHECK(sum.timewait.current == 3 && sum.timewait.entered == 10 &&
	      sum.timewait.ended == 7, "parse summary: timewait");
	CHECK(sum.events.written == 1000 && sum.events.lost == 2 && sum.events.unsent == 9,
	      "parse summary: events");
	CHECK(sum.dwell_present == 1u << TCPWATCH_SYN_SENT &&
	      sum.dwell[TCPWATCH_SYN_SENT][16] == 3, "parse summary: dwell histogram");

	CHECK(sum.n_ends == 3 && sum.ends[0].sk == TCPWATCH_SK_REQUEST &&
	      sum.ends[0].reason == TCPWATCH_REASON_ACCEPTED && sum.ends[0].count == 40 &&
	      sum.ends[2].reason == 200, "parse summary: ends (pad skipped, newer reason kept)");
	CHECK(tw_summary_ends(&sum, TCPWATCH_SK_TIMEWAIT, TCPWATCH_REASON_EXPIRED) == 7 &&
	      tw_summary_ends(&sum, TCPWATCH_SK_TIMEWAIT, TCPWATCH_REASON_REUSED) == 0,
	      "parse summary: ends looked up by kind and reason");
	CHECK(sum.listen.synack_retrans == 8 && sum.listen.overflows == 5 &&
	      sum.listen.syn_drops == 6 && sum.listen.syncookies == 7,
	      "parse summary: listen totals");

	nlh = msg_start(buf, TCPWATCH_CMD_GET_SUMMARY);
	mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, TCPWATCH_A_TRANSITIONS));
	put_transition(nlh, 0, 1, 2, 3);	/* a TRANSITION outside its list: ignored */
	CHECK(!tw_parse_summary(nlh, &sum) && sum.n_transitions == 0,
	      "parse summary: empty nests");

	nlh = msg_start(buf, TCPWATCH_CMD_GET_SUMMARY);
	mnl_attr_put_u32(nlh, TCPWATCH_A_STATES, 5);	/* not a nest */
	CHECK(tw_parse_summary(nlh, &sum) == -EINVAL, "parse summary: bad nest refused");

	nlh = msg_start(buf, TCPWATCH_CMD_GET_SUMMARY);
	mnl_attr_put_u32(nlh, TCPWATCH_A_OVERFLOWS, 5);	/* u64 sent as u32 */
	CHECK(tw_parse_summary(nlh, &sum) == -EINVAL, "parse summary: short total refused");

	nlh = msg_start(buf, TCPWATCH_CMD_GET_SUMMARY);
	nest = mnl_attr_nest_start(nlh, TCPWATCH_A_ENDS);
	inner = mnl_attr_nest_start(nlh, TCPWATCH_A_END);
	mnl_attr_put_u8(nlh, TCPWATCH_A_END_SK, TCPWATCH_SK_REQUEST);
	mnl_attr_put_u8(nlh, TCPWATCH_A_END_REASON, TCPWATCH_REASON_TIMEOUT);
	mnl_attr_nest_end(nlh, inner);
	mnl_attr_nest_end(nlh, nest);
	CHECK(tw_parse_summary(nlh, &sum) == -EINVAL, "parse summary: END without a count");

	nlh = msg_start(buf, TCPWATCH_CMD_GET_SUMMARY);
	nest = mnl_attr_nest_start(nlh, TCPWATCH_A_ENDS);
	inner = mnl_attr_nest_start(nlh, TCPWATCH_A_END);
	mnl_attr_put_u16(nlh, TCPWATCH_A_END_SK, TCPWATCH_SK_REQUEST);	/* u8 sent as u16 */
	mnl_attr_put_u8(nlh, TCPWATCH_A_END_REASON, TCPWATCH_REASON_TIMEOUT);
	mnl_attr_put_u64(nlh, TCPWATCH_A_END_COUNT, 1);
	mnl_attr_nest_end(nlh, inner);
	mnl_attr_nest_end(nlh, nest);
	CHECK(tw_parse_summary(nlh, &sum) == -EINVAL, "parse summary: END with a bad type");

	nlh = msg_start(buf, TCPWATCH_CMD_GET_SUMMARY);
	nest = mnl_attr_nest_start(nlh, TCPWATCH_A_ENDS);
	for (i = 0; i <= TW_MAX_ENDS; i++)
		put_end(nlh, TCPWATCH_SK_REQUEST, TCPWATCH_REASON_ACCEPTED, i);
	mnl_attr_nest_end(nlh, nest);
	CHECK(tw_parse_summary(nlh, &sum) == -E2BIG, "parse summary: too many ENDs refused");
}

/* A listener as the module dumps it; without the owner for @unprivileged. */
static void put_listener_as(char *buf, uint16_t port, bool unprivileged)
{
	struct nlmsghdr *nlh = msg_start(buf, TCPWATCH_CMD_GET_LISTENERS);
	struct nlattr *nest = mnl_attr_nest_start(nlh, TCPWATCH_A_LISTENER);
	uint8_t any6[16] = {};

	mnl_attr_put_u32(nlh, TCPWATCH_A_LS_NETNS, 4026531840u);
	mnl_attr_put(nlh, TCPWATCH_A_LS_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCPWATCH_A_LS_NETNS_COOKIE, 1ull << 40);
	mnl_attr_put_u8(nlh, TCPWATCH_A_LS_FAMILY, AF_INET6);
	mnl_attr_put(nlh, TCPWATCH_A_LS_ADDR, sizeof(any6), any6);
	mnl_attr_put_u16(nlh, TCPWATCH_A_LS_PORT, port);
	mnl_attr_put_u32(nlh, TCPWATCH_A_LS_SYN_QUEUE, 1);
	mnl_attr_put_u32(nlh, TCPWATCH_A_LS_SYN_QUEUE_PEAK, 9);
	mnl_attr_put_u32(nlh, TCPWATCH_A_LS_ACCEPT_QUEUE, 2);
	mnl_attr_put_u32(nlh, TCPWATCH_A_LS_ACCEPT_QUEUE_PEAK, 129);
	mnl_attr_put_u32(nlh, TCPWATCH_A_LS_BACKLOG, 128);
	mnl_attr_put_u64(nlh, TCPWATCH_A_LS_OVERFLOWS, 5);
	mnl_attr_put_u64(nlh, TCPWATCH_A_LS_SYN_DROPS, 6);
	if (!unprivileged) {
		mnl_attr_put_u32(nlh, TCPWATCH_A_LS_PID, 99);
		mnl_attr_put_strz(nlh, TCPWATCH_A_LS_COMM, "nginx");
	}
	mnl_attr_put_u64(nlh, TCPWATCH_A_LS_SYNCOOKIES, 7);
	mnl_attr_put_u64(nlh, TCPWATCH_A_LS_COOKIE, 4242);
	mnl_attr_put(nlh, TCPWATCH_A_LS_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCPWATCH_A_LS_SYNACK_RETRANS, 3);
	mnl_attr_nest_end(nlh, nest);
}

static void put_listener(char *buf, uint16_t port)
{
	put_listener_as(buf, port, false);
}

static void test_listeners(void)
{
	char buf[2 * MNL_SOCKET_BUFFER_SIZE];
	struct tw_listeners ls = {};
	struct nlmsghdr *first = (struct nlmsghdr *)buf;
	size_t len;
	int ret;

	/* Two messages in one datagram, as a dump delivers them. */
	put_listener(buf, 80);
	len = first->nlmsg_len;
	put_listener(buf + len, 443);
	len += ((struct nlmsghdr *)(buf + len))->nlmsg_len;
	ret = mnl_cb_run(buf, len, 0, 0, tw_listeners_cb, &ls);
	CHECK(ret >= MNL_CB_STOP && ls.n == 2, "parse listeners: two in one datagram");
	CHECK(ls.n == 2 && ls.v[1].port == 443 && ls.v[0].family == AF_INET6 &&
	      ls.v[0].accept_queue_peak == 129 && ls.v[0].overflows == 5 &&
	      !strcmp(ls.v[0].comm, "nginx"), "parse listeners: fields");
	CHECK(ls.n == 2 && ls.v[0].syncookies == 7 && ls.v[0].cookie == 4242 &&
	      ls.v[1].synack_retrans == 3, "parse listeners: SYN cookies, cookie, SYN-ACK retransmits");
	CHECK(ls.n == 2 && ls.v[0].netns == 4026531840u && ls.v[0].netns_cookie == 1ull << 40,
	      "parse listeners: netns inode and cookie");
	tw_listeners_free(&ls);

	/* What a caller without CAP_NET_ADMIN gets: no LS_PID, no LS_COMM. */
	put_listener_as(buf, 8080, true);
	CHECK(tw_listeners_cb(first, &ls) == MNL_CB_OK && ls.n == 1 && ls.v[0].port == 8080 &&
	      ls.v[0].pid == 0 && ls.v[0].comm[0] == '\0' && ls.v[0].overflows == 5 &&
	      ls.v[0].netns_cookie == 1ull << 40,
	      "parse listeners: owner hidden (unprivileged) -> pid 0, comm \"\", rest intact");
	tw_listeners_free(&ls);

	first = msg_start(buf, TCPWATCH_CMD_GET_LISTENERS);
	CHECK(tw_listeners_cb(first, &ls) == MNL_CB_ERROR && ls.n == 0,
	      "parse listeners: message without a listener refused");
	tw_listeners_free(&ls);
}

static void test_status(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf, TCPWATCH_CMD_GET_STATUS);
	struct tw_status st = {};
	struct nlattr *list, *one;
	unsigned int i;

	mnl_attr_put_strz(nlh, TCPWATCH_A_VERSION, "0.1.0");
	mnl_attr_put_u32(nlh, TCPWATCH_A_RING_SIZE, 4096);
	mnl_attr_put_u32(nlh, TCPWATCH_A_TRACK_MAX, 65536);
	mnl_attr_put_u32(nlh, TCPWATCH_A_TRACK_USED, 17);
	mnl_attr_put_u64(nlh, TCPWATCH_A_TRACK_FAILED, 9);
	mnl_attr_put_u32(nlh, TCPWATCH_A_TRACK_ALLOCATED, 4096);
	mnl_attr_put_u64(nlh, TCPWATCH_A_TRACK_BYTES, 1466368);
	mnl_attr_put_u64(nlh, TCPWATCH_A_TRACK_FAILED_FULL, 7);
	mnl_attr_put_u64(nlh, TCPWATCH_A_TRACK_FAILED_GROWING, 2);
	mnl_attr_put_u64(nlh, TCPWATCH_A_UNTRACKED, 5);
	mnl_attr_put_u32(nlh, TCPWATCH_A_SEEDED, 12);
	mnl_attr_put_u32(nlh, TCPWATCH_A_SEEDED_UNTRACKED, 1);
	list = mnl_attr_nest_start(nlh, TCPWATCH_A_PROBES);
	for (i = 0; i < 2; i++) {
		one = mnl_attr_nest_start(nlh, TCPWATCH_A_PROBE);
		mnl_attr_put_strz(nlh, TCPWATCH_A_PROBE_NAME,
				  i ? "kprobe:tcp_check_req" : "sock:inet_sock_set_state");
		mnl_attr_put_u8(nlh, TCPWATCH_A_PROBE_ATTACHED, !i);
		mnl_attr_put_u64(nlh, TCPWATCH_A_PROBE_MISSED, i * 3);
		mnl_attr_put_strz(nlh, TCPWATCH_A_PROBE_LOSES, i ? "request \"reset\" reasons" : "all");
		mnl_attr_put_u64(nlh, TCPWATCH_A_PROBE_HITS, 7 - i);
		mnl_attr_nest_end(nlh, one);
	}
	mnl_attr_nest_end(nlh, list);

	CHECK(tw_status_cb(nlh, &st) == MNL_CB_OK, "parse status: accepted");
	CHECK(!strcmp(st.version, "0.1.0") && st.ring_size == 4096 && st.track_max == 65536 &&
	      st.track_used == 17 && st.seeded == 12, "parse status: scalars");
	CHECK(st.track_failed == 9 && st.track_allocated == 4096 && st.track_bytes == 1466368 &&
	      st.track_failed_full == 7 && st.track_failed_growing == 2 && st.untracked == 5 &&
	      st.seeded_untracked == 1, "parse status: the tracking pool's growth and what it lacks");
	CHECK(st.n_probes == 2 && st.probes[0].attached && !st.probes[1].attached &&
	      st.probes[1].missed == 3 && st.probes[0].hits == 7 && st.probes[1].hits == 6 &&
	      !strcmp(st.probes[1].name, "kprobe:tcp_check_req") &&
	      !strcmp(st.probes[1].loses, "request \"reset\" reasons"),
	      "parse status: probes");
	CHECK(st.n_cpus == 0, "parse status: no per-CPU table (that is GET_CPUS)");
	tw_status_free(&st);
}

/* One GET_CPUS message: a TCPWATCH_A_CPU nest; @id < 0 leaves CPU_ID out. */
static size_t put_cpu(char *buf, int id, uint64_t written, uint64_t lost)
{
	struct nlmsghdr *nlh = msg_start(buf, TCPWATCH_CMD_GET_CPUS);
	struct nlattr *nest = mnl_attr_nest_start(nlh, TCPWATCH_A_CPU);

	if (id >= 0)
		mnl_attr_put_u32(nlh, TCPWATCH_A_CPU_ID, id);
	mnl_attr_put(nlh, TCPWATCH_A_CPU_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCPWATCH_A_CPU_WRITTEN, written);
	mnl_attr_put_u64(nlh, TCPWATCH_A_CPU_LOST, lost);
	mnl_attr_nest_end(nlh, nest);
	return nlh->nlmsg_len;
}

static void test_cpus(void)
{
	char buf[4 * MNL_SOCKET_BUFFER_SIZE];
	struct tw_status st = {};
	struct tw_cpu cpu;
	size_t len = 0;
	int ret;

	/* A dump datagram: CPUs 0, 1 and 511 (possible CPUs need not be dense). */
	len += put_cpu(buf + len, 0, 500, 0);
	len += put_cpu(buf + len, 1, 501, 1);
	len += put_cpu(buf + len, 511, 7, 0);
	ret = mnl_cb_run(buf, len, 0, 0, tw_cpus_cb, &st);
	CHECK(ret >= MNL_CB_STOP && st.n_cpus == 3, "parse cpus: three messages in a datagram");
	CHECK(st.n_cpus == 3 && st.cpus[0].id == 0 && st.cpus[0].written == 500 &&
	      st.cpus[1].id == 1 && st.cpus[1].written == 501 && st.cpus[1].lost == 1 &&
	      st.cpus[2].id == 511 && st.cpus[2].written == 7, "parse cpus: id, written, lost");
	/* A second datagram of the same dump appends. */
	put_cpu(buf, 512, 1, 0);
	CHECK(tw_cpus_cb((struct nlmsghdr *)buf, &st) == MNL_CB_OK && st.n_cpus == 4 &&
	      st.cpus[3].id == 512, "parse cpus: later messages append");
	tw_status_free(&st);

	put_cpu(buf, -1, 1, 0);
	CHECK(tw_cpus_cb((struct nlmsghdr *)buf, &st) == MNL_CB_ERROR && st.n_cpus == 0,
	      "parse cpus: a CPU without an id refused");
	tw_status_free(&st);
	msg_start(buf, TCPWATCH_CMD_GET_CPUS);
	CHECK(tw_parse_cpu((struct nlmsghdr *)buf, &cpu) == -EINVAL,
	      "parse cpus: a message without a CPU nest refused");
}

static void test_socket(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf, TCPWATCH_CMD_GET_SOCKETS);
	struct nlattr *nest = mnl_attr_nest_start(nlh, TCPWATCH_A_SOCKET);
	struct tw_sockets s = {};

	put_event_attrs(nlh);
	mnl_attr_put_u64(nlh, TCPWATCH_A_EV_AGE, 3000000000ull);
	mnl_attr_nest_end(nlh, nest);
	CHECK(tw_sockets_cb(nlh, &s) == MNL_CB_OK && s.n == 1, "parse socket: accepted");
	CHECK(s.n == 1 && s.v[0].new_state == TCPWATCH_ESTABLISHED &&
	      s.v[0].age_ns == 3000000000ull && s.v[0].cookie == 4097 &&
	      s.v[0].t.dport == 8080 && !strcmp(s.v[0].comm, "curl"), "parse socket: fields");
	CHECK(s.n == 1 && s.v[0].netns == 4026531840u && s.v[0].netns_cookie == 1,
	      "parse socket: netns inode and cookie");
	tw_sockets_free(&s);
}

static struct nlmsghdr *port_msg(char *buf, uint8_t side, uint16_t port, uint64_t count)
{
	struct nlmsghdr *nlh = msg_start(buf, TCPWATCH_CMD_GET_PORTS);
	struct nlattr *nest = mnl_attr_nest_start(nlh, TCPWATCH_A_PORT);

	mnl_attr_put_u8(nlh, TCPWATCH_A_PORT_SIDE, side);
	mnl_attr_put_u16(nlh, TCPWATCH_A_PORT_NUM, port);
	mnl_attr_put(nlh, TCPWATCH_A_PORT_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCPWATCH_A_PORT_COUNT, count);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_ports(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf, TCPWATCH_CMD_GET_PORTS);
	struct tw_ports p = {};

	mnl_attr_put_u64(nlh, TCPWATCH_A_PORTS_SOCKETS, 100000);
	CHECK(tw_ports_cb(nlh, &p) == MNL_CB_OK && p.sockets == 100000 && p.n == 0,
	      "parse ports: the first message counts the sockets");
	CHECK(tw_ports_cb(port_msg(buf, TCPWATCH_PORT_LOCAL, 8080, 99000), &p) == MNL_CB_OK &&
	      tw_ports_cb(port_msg(buf, TCPWATCH_PORT_REMOTE, 40000, 3), &p) == MNL_CB_OK &&
	      p.n == 2 && p.v[0].side == TCPWATCH_PORT_LOCAL && p.v[0].port == 8080 &&
	      p.v[0].count == 99000 && p.v[1].side == TCPWATCH_PORT_REMOTE &&
	      p.v[1].port == 40000 && p.sockets == 100000, "parse ports: one port per message");
	CHECK(tw_ports_cb(port_msg(buf, 2, 1, 1), &p) == MNL_CB_ERROR && p.n == 2,
	      "parse ports: an unknown side refused");
	nlh = msg_start(buf, TCPWATCH_CMD_GET_PORTS);
	mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, TCPWATCH_A_PORT));
	CHECK(tw_ports_cb(nlh, &p) == MNL_CB_ERROR && p.n == 2,
	      "parse ports: a port without number or count refused");
	tw_ports_free(&p);
	CHECK(p.v == NULL && p.n == 0 && p.sockets == 0, "parse ports: freed");
}

void test_parse(void)
{
	test_event();
	test_event_edges();
	test_summary();
	test_listeners();
	test_status();
	test_cpus();
	test_socket();
	test_ports();
}
