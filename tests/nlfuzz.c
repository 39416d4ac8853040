// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz - a netlink fuzzer for the tcpwatch generic netlink family
 * (issue 12).
 *
 *   nlfuzz [--seed N] [--count N] [--uid N [--gid N]] [--sockets N]
 *          [--timeout-ms MS]
 *
 * Generates --count messages (default 100000) from a seeded PRNG: valid and
 * out-of-range commands, random flag combinations, known and unknown
 * attribute types, wrong lengths, nests, nlmsg_len and nla_len that lie,
 * short headers, empty and oversized messages, several messages per
 * sendmsg(). They go round-robin over --sockets sockets (default 16), one
 * in eight joined to the "events" group; now and then a dump is cut
 * short by closing its socket and started again on a new one.
 *
 * The oracle. The kernel's netlink code decides from the bytes alone what
 * happens to a message (netlink_rcv_skb(), genl_family_rcv_msg(), the
 * family's strict policy), and so does predict() below, before sending:
 * dropped unread, acknowledged, refused, or accepted. Then every message
 * the kernel must answer is answered within --timeout-ms (NLMSG_ERROR with
 * 0 or a negative errno, a reply, or a dump ending in NLMSG_DONE); nothing
 * it must drop is answered; nothing the policy must refuse is accepted;
 * nothing well-formed is refused with EINVAL, EPERM, EOPNOTSUPP, ENOENT or
 * ERANGE; every answer is well formed (libmnl attribute parsing, each
 * attribute's type and length as the uapi header says, no trailing bytes,
 * an error echoes the request it answers, extack TLVs parse) and carries no
 * kernel address; without CAP_NET_ADMIN no per-connection data and no
 * events group. Afterwards the family must still answer ordinary requests.
 *
 * The first line printed is the seed: `nlfuzz --seed N` (with the same
 * --count/--uid/--sockets) sends the same messages again. On a violation
 * it prints to stderr the seed, the message's index and its bytes in hex,
 * and exits 1. Exit 2: bad usage or setup failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpwatch.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE		71
#endif

#define MAX_SOCKS		32
#define BATCH_MAX		8		/* messages per sendmsg() */
#define MSG_ROOM		8192		/* an ordinary message's largest size */
#define BATCH_ROOM		(256 * 1024)	/* a batch, or one oversized message */
#define RECV_ROOM		(BATCH_ROOM + 65536) /* an error echoes its request */
#define RCVBUF_ROOT		(4 << 20)
#define KADDR_MIN		0xffff800000000000ull
#define ERRNO_MAX		4095
#define HEX_MAX			2048		/* bytes of a message in a report */
#define NEST_DEPTH_MAX		4

/* ---- options, environment, counters ------------------------------------ */

static struct {
	uint64_t seed;
	unsigned long count;
	long uid, gid;
	unsigned int nsocks;
	int timeout_ms;
} opt = { .count = 100000, .uid = -1, .gid = -1, .nsocks = 16, .timeout_ms = 2000 };

/* What the kernel will make of a request depends on these. */
static struct {
	uint16_t family;		/* tcpwatch's genetlink id */
	uint32_t group;			/* its "events" multicast group */
	uint16_t ids[512];		/* every registered genetlink family */
	unsigned int nids;
	uint32_t netns;			/* our netns' inode */
	uint64_t cookie;		/* and its net_cookie */
	bool have_cookie;
	bool admin;			/* CAP_NET_ADMIN over our netns */
	bool all_view;			/* admin in init_net: sees every netns */
} env;

static struct {
	unsigned long msgs, batches, replies, parts, events, acks;
	unsigned long doit_ok, dumps_ok, refused, silent;
	unsigned long interrupted, overruns, unknown_attrs, extack_msgs;
	unsigned long err[ERRNO_MAX + 1];	/* refusals by errno */
	unsigned long send_err[ERRNO_MAX + 1];	/* sendmsg() failures by errno */
} st;

static struct timespec t_start;
static unsigned long cur_index;	/* the message being generated */

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("nlfuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static const char *ename(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t_start.tv_sec) + (t.tv_nsec - t_start.tv_nsec) / 1e9;
}

/* ---- PRNG: splitmix64 seeds xorshift64*, so a seed replays exactly ----- */

static uint64_t rng;

static void rng_seed(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	rng = (z ^ (z >> 31)) ?: 1;
}

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* A number in [0, n). */
static uint32_t below(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * n) >> 32);
}

/* True with a probability of @per_mille / 1000. */
static bool chance(unsigned int per_mille)
{
	return below(1000) < per_mille;
}

static void fill_random(unsigned char *p, size_t n)
{
	while (n) {
		uint64_t v = rnd();
		size_t k = n < sizeof(v) ? n : sizeof(v);

		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

/* ---- generating messages ------------------------------------------------ */

static bool family_registered(uint16_t id)
{
	unsigned int i;

	for (i = 0; i < env.nids; i++)
		if (env.ids[i] == id)
			return true;
	return false;
}

/*
 * Mostly tcpwatch; otherwise an id no family has, or a control type. Never
 * another family: random commands to, say, ethtool could change the VM.
 * The number of PRNG draws must not depend on the environment.
 */
static uint16_t pick_type(void)
{
	uint32_t r = below(100);
	uint16_t id;

	if (r < 86)
		return env.family;
	if (r < 93) {
		for (id = 0x8000 + below(0x7000); family_registered(id); id++)
			;
		return id;
	}
	return below(NLMSG_MIN_TYPE);
}

static uint16_t pick_flags(void)
{
	static const uint16_t extra[] = {
		NLM_F_ACK, NLM_F_ECHO, NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC,
		NLM_F_MULTI, NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED,
	};
	uint32_t r = below(100);
	uint16_t flags;
	unsigned int i;

	if (r < 70) {
		flags = NLM_F_REQUEST;
		if (chance(700))
			flags |= NLM_F_ACK;
		if (chance(450))
			flags |= NLM_F_DUMP;
		if (chance(30))
			flags |= NLM_F_ECHO;
		return flags;
	}
	if (r < 95) {
		flags = r < 88 ? NLM_F_REQUEST : 0;
		for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
			if (chance(250))
				flags |= extra[i];
		return flags;
	}
	return (uint16_t)rnd();
}

static uint8_t pick_cmd(void)
{
	uint32_t r = below(100);

	if (r < 78)
		return 1 + below(TCPWATCH_CMD_MAX);
	if (r < 85)
		return TCPWATCH_CMD_UNSPEC;
	if (r < 92)
		return TCPWATCH_CMD_MAX + 1 + below(10);
	return (uint8_t)rnd();
}

/* Request attributes (the policy's two) most often, then anything. */
static uint16_t pick_attr_type(void)
{
	uint32_t r = below(100);

	if (r < 44)
		return r & 1 ? TCPWATCH_A_NETNS : TCPWATCH_A_NETNS_COOKIE;
	if (r < 50)	/* GET_SOCKETS' and GET_PORTS' filters */
		return TCPWATCH_A_SOCK_STATES + r % 6;
	if (r < 72)
		return 1 + below(TCPWATCH_A_MAX);
	if (r < 78)
		return 0;
	if (r < 90)
		return TCPWATCH_A_MAX + 1 + below(16);
	return (uint16_t)rnd() & NLA_TYPE_MASK;
}

static size_t pick_payload_len(uint16_t type, size_t room)
{
	size_t right = type == TCPWATCH_A_NETNS || type == TCPWATCH_A_SOCK_STATES ||
		       type == TCPWATCH_A_SOCK_KINDS || type == TCPWATCH_A_PORTS_TOP ? 4 :
		       type == TCPWATCH_A_NETNS_COOKIE || type == TCPWATCH_A_SOCK_MIN_AGE ? 8 :
		       type == TCPWATCH_A_SOCK_PORT ? 2 :
		       type == TCPWATCH_A_SOCK_ADDR ? (chance(500) ? 4 : 16) :
		       chance(500) ? 4 : 8;
	uint32_t r = below(100);
	size_t len;

	if (r < 62)
		len = right;
	else if (r < 70)
		len = 0;
	else if (r < 85)
		len = 1 + below(12);
	else if (r < 96)
		len = 13 + below(500);
	else
		len = 513 + below(3500);
	return len < room ? len : room;
}

static void put_value(unsigned char *p, uint16_t type, size_t len)
{
	uint32_t r = below(10);

	if (type == TCPWATCH_A_NETNS && len == 4) {
		uint32_t v = r < 5 ? env.netns : r < 6 ? 0 : r < 7 ? UINT32_MAX :
			     r < 8 ? env.netns + 1 : (uint32_t)rnd();

		memcpy(p, &v, sizeof(v));
	} else if (type == TCPWATCH_A_NETNS_COOKIE && len == 8) {
		uint64_t v = r < 5 ? env.cookie : r < 6 ? 0 : r < 7 ? UINT64_MAX :
			     r < 8 ? env.cookie + 1 : rnd();

		memcpy(p, &v, sizeof(v));
	} else if (type == TCPWATCH_A_SOCK_STATES && len == 4) {
		/* Mostly states that exist, sometimes a bit past the last one. */
		uint32_t v = r < 7 ? (uint32_t)rnd() & ((1u << TCPWATCH_NR_STATES) - 1) :
			     (uint32_t)rnd();

		memcpy(p, &v, sizeof(v));
	} else if (type == TCPWATCH_A_SOCK_KINDS && len == 4) {
		uint32_t v = r < 7 ? (uint32_t)rnd() & ((1u << TCPWATCH_NR_SK_KINDS) - 1) :
			     (uint32_t)rnd();

		memcpy(p, &v, sizeof(v));
	} else if (type == TCPWATCH_A_PORTS_TOP && len == 4) {
		/* Mostly in range (1-65535), sometimes 0 or past it. */
		uint32_t v = r < 7 ? 1 + (uint32_t)below(65535) : r < 8 ? 0 : (uint32_t)rnd();

		memcpy(p, &v, sizeof(v));
	} else {
		fill_random(p, len);
	}
}

/* An nla_len that does not say how long the attribute is. */
static uint16_t lie_len(size_t real)
{
	switch (below(5)) {
	case 0:
		return below(NLA_HDRLEN);
	case 1:
		return real + 1 + below(64);
	case 2:
		return real > NLA_HDRLEN ? real - 1 - below(real - NLA_HDRLEN) : real + 2;
	case 3:
		return 0xffff;
	default:
		return real ^ (1u << below(16));
	}
}

static size_t gen_attrs(unsigned char *p, size_t room, int depth);

/* One attribute, maybe nested, at @p; returns its aligned size. */
static size_t gen_attr(unsigned char *p, size_t room, int depth)
{
	struct nlattr *a = (struct nlattr *)p;
	uint16_t type = pick_attr_type();
	size_t plen, len;

	if (depth < NEST_DEPTH_MAX && chance(70)) {
		type |= NLA_F_NESTED;
		plen = gen_attrs(p + NLA_HDRLEN, room - NLA_HDRLEN, depth + 1);
	} else {
		if (chance(30))
			type |= NLA_F_NESTED;
		if (chance(30))
			type |= NLA_F_NET_BYTEORDER;
		plen = pick_payload_len(type & NLA_TYPE_MASK, room - NLA_HDRLEN - 3);
		put_value(p + NLA_HDRLEN, type & NLA_TYPE_MASK, plen);
	}
	len = NLA_HDRLEN + plen;
	a->nla_type = type;
	a->nla_len = len > 0xffff ? 0xffff : len;
	if (chance(40))
		a->nla_len = lie_len(len);
	memset(p + len, 0, NLA_ALIGN(len) - len);
	return NLA_ALIGN(len);
}

static unsigned int pick_attr_count(void)
{
	uint32_t r = below(100);

	if (r < 35)
		return 0;
	if (r < 72)
		return 1;
	if (r < 90)
		return 2 + below(3);
	if (r < 98)
		return 5 + below(16);
	return 21 + below(180);
}

static size_t gen_attrs(unsigned char *p, size_t room, int depth)
{
	unsigned int n = pick_attr_count(), i;
	size_t off = 0;

	for (i = 0; i < n && room - off >= 64; i++)
		off += gen_attr(p + off, room - off, depth);
	return off;
}

/* One whole message at @p (at most @room bytes); returns nlmsg_len. */
static size_t gen_message(unsigned char *p, size_t room, uint32_t seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)p;
	struct genlmsghdr *genl = (struct genlmsghdr *)(p + NLMSG_HDRLEN);
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN;

	nlh->nlmsg_type = pick_type();
	nlh->nlmsg_flags = pick_flags();
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = chance(30) ? (uint32_t)rnd() : 0;
	genl->cmd = pick_cmd();
	genl->version = chance(900) ? TCPWATCH_GENL_VERSION : (uint8_t)rnd();
	genl->reserved = chance(950) ? 0 : (uint16_t)rnd();
	len += gen_attrs(p + len, room - len, 0);
	nlh->nlmsg_len = len;
	return len;
}

/* An oversized message: attributes of up to 64 KiB, some past sk_sndbuf. */
static size_t gen_huge(unsigned char *p, size_t room, uint32_t seq)
{
	size_t target = 16384 + below(room - 16384 - NLA_ALIGNTO), len;
	struct nlmsghdr *nlh = (struct nlmsghdr *)p;

	len = gen_message(p, MSG_ROOM, seq);
	while (len + NLA_HDRLEN < target) {
		struct nlattr *a = (struct nlattr *)(p + len);
		size_t plen = 1 + below(65000);

		if (len + NLA_HDRLEN + plen > target)
			plen = target - len - NLA_HDRLEN;
		a->nla_type = chance(500) ? TCPWATCH_A_NETNS : (uint16_t)rnd();
		a->nla_len = NLA_HDRLEN + plen;
		fill_random(p + len + NLA_HDRLEN, plen);
		len += NLA_ALIGN(NLA_HDRLEN + plen);
	}
	nlh->nlmsg_len = len;
	return len;
}

/* ---- batches: several messages in one sendmsg() ------------------------ */

struct gmsg {
	size_t off;		/* where it starts in the batch */
	size_t len;		/* its bytes in the batch (nlmsg_len may say else) */
	unsigned long index;
	uint32_t seq;
};

struct batch {
	unsigned char *buf;
	size_t len;
	struct gmsg msg[BATCH_MAX + 1];
	unsigned int n;
};

static uint32_t next_seq = 1;

static struct gmsg *batch_add(struct batch *b, size_t len)
{
	struct gmsg *m = &b->msg[b->n++];

	m->off = b->len;
	m->len = len;
	m->index = cur_index++;
	m->seq = ((struct nlmsghdr *)(b->buf + m->off))->nlmsg_seq;
	memset(b->buf + b->len + len, 0, NLMSG_ALIGN(len) - len);
	b->len += NLMSG_ALIGN(len);
	return m;
}

/*
 * The last message may end the batch in a way that makes the kernel stop
 * reading it (netlink_rcv_skb()): an nlmsg_len beyond the data or below a
 * header, or a tail too short to be a header.
 */
static void batch_end_badly(struct batch *b)
{
	struct gmsg *last = &b->msg[b->n - 1];
	struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + last->off);

	switch (below(3)) {
	case 0:
		b->len = last->off + last->len;
		nlh->nlmsg_len = last->len + 1 + below(4096);
		break;
	case 1:
		nlh->nlmsg_len = below(NLMSG_HDRLEN);
		break;
	default: {
		size_t tail = 1 + below(NLMSG_HDRLEN - 1);

		fill_random(b->buf + b->len, tail);
		b->len += tail;
		break;
	}
	}
}

/* Message @i's nlmsg_len covers the messages after it, up to @j's end. */
static void batch_swallow(struct batch *b, unsigned int i, unsigned int j)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + b->msg[i].off);

	nlh->nlmsg_len = b->msg[j].off + b->msg[j].len - b->msg[i].off;
}

static void build_batch(struct batch *b, unsigned long left)
{
	unsigned int n = 1 + below(BATCH_MAX), i;

	b->len = 0;
	b->n = 0;
	if (chance(2)) {
		batch_add(b, gen_huge(b->buf, BATCH_ROOM, next_seq++));
		return;
	}
	if (n > left)
		n = left;
	for (i = 0; i < n; i++) {
		unsigned char *p = b->buf + b->len;
		size_t len = gen_message(p, MSG_ROOM, next_seq++);
		uint32_t r = below(100);

		if (r < 6)		/* cut: the rest of it is never sent */
			len = NLMSG_HDRLEN + below(len - NLMSG_HDRLEN);
		else if (r < 9)		/* a bare header, or a partial genl one */
			len = NLMSG_HDRLEN + below(GENL_HDRLEN);
		((struct nlmsghdr *)p)->nlmsg_len = len;
		batch_add(b, len);
	}
	if (b->n > 2 && chance(40))
		batch_swallow(b, below(b->n - 1), b->n - 1);
	if (chance(40))
		batch_end_badly(b);
}

/* ---- the model: what the kernel must do with one message --------------- */

enum expect {
	EXP_NONE,	/* it is never answered */
	EXP_ACK,	/* acknowledged with 0 when it asks for one, else silence */
	EXP_REFUSE,	/* refused with an errno */
	EXP_ACCEPT,	/* answered: a reply, or a dump ending in NLMSG_DONE */
};

struct verdict {
	enum expect expect;
	bool must_answer;
	bool dump, doit;	/* a request the family's handlers see */
	uint8_t cmd;
	const char *why;	/* why it must be refused */
};

static bool cmd_is_dump(uint8_t cmd)
{
	return cmd == TCPWATCH_CMD_GET_LISTENERS || cmd == TCPWATCH_CMD_GET_SOCKETS ||
	       cmd == TCPWATCH_CMD_EVENT || cmd == TCPWATCH_CMD_GET_CPUS ||
	       cmd == TCPWATCH_CMD_GET_PORTS;
}

static bool cmd_needs_admin(uint8_t cmd)
{
	return cmd == TCPWATCH_CMD_GET_STATUS || cmd == TCPWATCH_CMD_GET_SOCKETS ||
	       cmd == TCPWATCH_CMD_EVENT || cmd == TCPWATCH_CMD_GET_CPUS ||
	       cmd == TCPWATCH_CMD_GET_PORTS;
}

/* The commands whose policy takes the socket filters. */
static bool cmd_filters(uint8_t cmd)
{
	return cmd == TCPWATCH_CMD_GET_SOCKETS || cmd == TCPWATCH_CMD_GET_PORTS;
}

/* A u32 attribute's value into @v; false if its payload is not 4 bytes. */
static bool attr_u32(const unsigned char *payload, size_t plen, uint32_t *v)
{
	if (plen != sizeof(*v))
		return false;
	memcpy(v, payload, sizeof(*v));
	return true;
}

/*
 * The family's strict policy (NL_VALIDATE_STRICT: no unknown or unspec
 * type, exact lengths, no NLA_F_NESTED on a scalar, no trailing bytes),
 * then tw_view_of() on what __nla_parse() left, the last of each type:
 * naming another netns needs the view of all.
 */
static const char *check_request_attrs(const unsigned char *p, size_t len, uint8_t cmd)
{
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	bool other_inum = false, other_cookie = false;
	int last_addr_len = -1;

	/* off passes len when the last attribute is not padded (nla_ok()) */
	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const void *)(p + off);
		uint16_t type = a->nla_type & NLA_TYPE_MASK;
		size_t plen;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			break;
		plen = a->nla_len - NLA_HDRLEN;
		if (type == TCPWATCH_A_NETNS) {
			uint32_t v;

			if (!attr_u32(p + off + NLA_HDRLEN, plen, &v))
				return "NETNS is not 4 bytes";
			other_inum = v != env.netns;
		} else if (type == TCPWATCH_A_NETNS_COOKIE) {
			uint64_t v;

			if (plen != sizeof(v))
				return "NETNS_COOKIE is not 8 bytes";
			memcpy(&v, p + off + NLA_HDRLEN, sizeof(v));
			other_cookie = !env.have_cookie || v != env.cookie;
		} else if (cmd_filters(cmd) && type == TCPWATCH_A_SOCK_STATES) {
			uint32_t v;

			if (!attr_u32(p + off + NLA_HDRLEN, plen, &v))
				return "SOCK_STATES is not 4 bytes";
			if (v >> TCPWATCH_NR_STATES)
				return "SOCK_STATES names no such state";
		} else if (cmd == TCPWATCH_CMD_GET_SOCKETS && type == TCPWATCH_A_SOCK_MIN_AGE) {
			if (plen != 8)
				return "SOCK_MIN_AGE is not 8 bytes";
		} else if (cmd_filters(cmd) && type == TCPWATCH_A_SOCK_PORT) {
			if (plen != 2)
				return "SOCK_PORT is not 2 bytes";
		} else if (cmd == TCPWATCH_CMD_GET_PORTS && type == TCPWATCH_A_SOCK_KINDS) {
			uint32_t v;

			if (!attr_u32(p + off + NLA_HDRLEN, plen, &v))
				return "SOCK_KINDS is not 4 bytes";
			if (v >> TCPWATCH_NR_SK_KINDS)
				return "SOCK_KINDS names no such kind";
		} else if (cmd == TCPWATCH_CMD_GET_PORTS && type == TCPWATCH_A_SOCK_ADDR) {
			if (plen > 16)
				return "SOCK_ADDR is longer than 16 bytes";
			last_addr_len = plen;
		} else if (cmd == TCPWATCH_CMD_GET_PORTS && type == TCPWATCH_A_PORTS_TOP) {
			uint32_t v;

			if (!attr_u32(p + off + NLA_HDRLEN, plen, &v))
				return "PORTS_TOP is not 4 bytes";
			if (v < 1 || v > 65535)
				return "PORTS_TOP is not 1-65535";
		} else {
			return "an attribute the policy does not know";
		}
		if (a->nla_type & NLA_F_NESTED)
			return "NLA_F_NESTED on a scalar";
		off += NLA_ALIGN(a->nla_len);
	}
	if (off < len)
		return "bytes left after the attributes";
	if ((other_inum || other_cookie) && !env.all_view)
		return "another netns without CAP_NET_ADMIN in init_net";
	/* The handler's own check, after the policy's, of the last one. */
	if (last_addr_len >= 0 && last_addr_len != 4 && last_addr_len != 16)
		return "SOCK_ADDR is neither 4 nor 16 bytes";
	return NULL;
}

/* genl_family_rcv_msg() and the family's handlers. */
static void predict_family(const unsigned char *p, size_t len, struct verdict *v)
{
	const struct nlmsghdr *nlh = (const void *)p;
	const struct genlmsghdr *genl = (const void *)(p + NLMSG_HDRLEN);
	uint16_t flags = nlh->nlmsg_flags;
	bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;

	v->expect = EXP_REFUSE;
	if (len < NLMSG_HDRLEN + GENL_HDRLEN) {
		v->why = "shorter than a genetlink header";
		return;
	}
	v->cmd = genl->cmd;
	if (genl->cmd >= TCPWATCH_CMD_GET_SUMMARY && genl->reserved) {
		v->why = "genlmsghdr.reserved is not 0";
		return;
	}
	if (dump)
		flags &= ~NLM_F_DUMP;
	if (genl->cmd >= TCPWATCH_CMD_GET_SUMMARY &&
	    (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO))) {
		v->why = "flags beyond REQUEST, ACK, ECHO and DUMP";
		return;
	}
	if (genl->cmd < TCPWATCH_CMD_GET_SUMMARY || genl->cmd > TCPWATCH_CMD_MAX) {
		v->why = "no such command";
		return;
	}
	if (dump != cmd_is_dump(genl->cmd)) {
		v->why = dump ? "a dump of a doit-only command" : "a doit of a dump-only command";
		return;
	}
	v->dump = dump;
	v->doit = !dump;
	v->why = check_request_attrs(p, len, genl->cmd);
	if (v->why)
		return;
	if (cmd_needs_admin(genl->cmd) && !env.admin) {
		v->why = "an admin command without CAP_NET_ADMIN";
		return;
	}
	v->expect = EXP_ACCEPT;
}

/* One message as netlink_rcv_skb() meets it: @len is its nlmsg_len. */
static struct verdict predict(const unsigned char *p, size_t len)
{
	const struct nlmsghdr *nlh = (const void *)p;
	struct verdict v = { .expect = EXP_ACK };

	if (!(nlh->nlmsg_flags & NLM_F_REQUEST) || nlh->nlmsg_type < NLMSG_MIN_TYPE) {
		v.must_answer = nlh->nlmsg_flags & NLM_F_ACK;
		if (!v.must_answer)
			v.expect = EXP_NONE;
		return v;
	}
	v.must_answer = true;
	if (nlh->nlmsg_type != env.family) {
		v.expect = EXP_REFUSE;
		v.why = "no such family";
		return v;
	}
	predict_family(p, len, &v);
	return v;
}

/* ---- sockets and what they wait for ------------------------------------- */

struct pend {
	const struct gmsg *m;
	struct verdict v;
	uint16_t type;		/* as sent */
	size_t len;		/* nlmsg_len as the kernel saw it */
	bool want_ack;
	bool got_reply, done;
	unsigned int parts;
};

struct fsock {
	struct mnl_socket *nl;
	int fd;
	uint32_t portid;
	bool events;		/* joined to the events group */
	bool cap_ack;
	bool overrun;		/* ENOBUFS since the batch was sent */
	struct batch b;
	struct pend pend[BATCH_MAX + 1];
	unsigned int npend;
};

static struct fsock socks[MAX_SOCKS];
static unsigned char rbuf[RECV_ROOM];

static void hexdump(const char *what, const void *data, size_t len, size_t max)
{
	const unsigned char *p = data;
	size_t i, n = len < max ? len : max;

	fprintf(stderr, "nlfuzz: %s (%zu bytes%s):", what, len, n < len ? ", first shown" : "");
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", p[i]);
	fputc('\n', stderr);
}

static void print_summary(void);

/*
 * A broken rule: say which message (@p, if known) and which answer
 * (@answer, if any), then stop.
 */
static void __attribute__((noreturn, format(printf, 4, 5)))
violation(const struct fsock *s, const struct pend *p, const struct nlmsghdr *answer,
	  const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "nlfuzz: VIOLATION seed=%" PRIu64, opt.seed);
	if (p)
		fprintf(stderr, " message=%lu seq=%u", p->m->index, p->m->seq);
	fprintf(stderr, " socket portid=%u%s: ", s ? s->portid : 0,
		s && s->events ? " (events)" : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (p) {
		fprintf(stderr, "nlfuzz: expected: %s%s%s\n",
			p->v.expect == EXP_NONE ? "no answer" :
			p->v.expect == EXP_ACK ? "an ack or nothing" :
			p->v.expect == EXP_REFUSE ? "refused" : "accepted",
			p->v.why ? ", because " : "", p->v.why ? p->v.why : "");
		size_t len = p->len > p->m->len ? p->len : p->m->len;

		if (len > s->b.len - p->m->off)
			len = s->b.len - p->m->off;
		hexdump("message", s->b.buf + p->m->off, len, HEX_MAX);
	}
	if (answer)
		hexdump("answer", answer, answer->nlmsg_len, HEX_MAX / 4);
	fprintf(stderr, "nlfuzz: replay with: nlfuzz --seed %" PRIu64 " --count %lu --sockets %u",
		opt.seed, opt.count, opt.nsocks);
	if (opt.uid >= 0)
		fprintf(stderr, " --uid %ld --gid %ld", opt.uid, opt.gid >= 0 ? opt.gid : opt.uid);
	fputc('\n', stderr);
	print_summary();
	exit(1);
}

static void sock_open(struct fsock *s, bool events)
{
	int one = 1, rcvbuf = RCVBUF_ROOT;

	s->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket: %s", strerror(errno));
	s->fd = mnl_socket_get_fd(s->nl);
	s->portid = mnl_socket_get_portid(s->nl);
	s->overrun = false;
	/* Replies, with and without extack and the request echoed. */
	if (chance(750))
		setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	s->cap_ack = chance(400);
	if (s->cap_ack)
		setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	s->events = false;
	if (!events)
		return;
	if (!setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &env.group,
			sizeof(env.group))) {
		if (!env.admin)
			violation(s, NULL, NULL, "joined the events group without CAP_NET_ADMIN");
		s->events = true;
	} else if (env.admin || errno != EPERM) {
		violation(s, NULL, NULL, "joining the events group: %s (%s)", ename(errno),
			  strerror(errno));
	}
}

static void sock_close(struct fsock *s)
{
	mnl_socket_close(s->nl);
	s->nl = NULL;
	s->npend = 0;
}

/* ---- checking answers: attribute tables from the uapi header ------------ */

enum vkind { V_UNKNOWN, V_PAD, V_U8, V_U16, V_U32, V_U64, V_STR, V_ADDR, V_BUCKETS,
	     V_NEST, V_STATES };

struct vtable;

struct vrule {
	enum vkind kind;
	const struct vtable *nest;
	unsigned int max;	/* V_U8: values below it; V_STR: its longest */
	bool family;		/* V_U8: AF_INET or AF_INET6 */
};

struct vtable {
	const char *name;
	unsigned int max;
	const struct vrule *rule;
};

#define U8(n)		{ .kind = V_U8, .max = (n) }
#define NEST(t)		{ .kind = V_NEST, .nest = &(t) }
#define SIMPLE(k)	{ .kind = (k) }
#define STR(n)		{ .kind = V_STR, .max = (n) }
#define FAMILY		{ .kind = V_U8, .family = true }
#define TABLE(name, max, rules) \
	static const struct vtable name = { #name, max, rules }

static const struct vrule tr_rules[TCPWATCH_A_TR_MAX + 1] = {
	[TCPWATCH_A_TR_PAD] = SIMPLE(V_PAD),
	[TCPWATCH_A_TR_SK] = U8(TCPWATCH_NR_SK_KINDS),
	[TCPWATCH_A_TR_OLD] = U8(TCPWATCH_NR_STATES),
	[TCPWATCH_A_TR_NEW] = U8(TCPWATCH_NR_STATES),
	[TCPWATCH_A_TR_COUNT] = SIMPLE(V_U64),
};
TABLE(transition, TCPWATCH_A_TR_MAX, tr_rules);

static const struct vrule transitions_rules[TCPWATCH_A_TRANSITION + 1] = {
	[TCPWATCH_A_TRANSITION] = NEST(transition),
};
TABLE(transitions, TCPWATCH_A_TRANSITION, transitions_rules);

static const struct vrule tw_rules[TCPWATCH_A_TW_MAX + 1] = {
	[TCPWATCH_A_TW_PAD] = SIMPLE(V_PAD),
	[TCPWATCH_A_TW_CURRENT] = SIMPLE(V_U64),
	[TCPWATCH_A_TW_ENTERED] = SIMPLE(V_U64),
	[TCPWATCH_A_TW_ENDED] = SIMPLE(V_U64),
};
TABLE(timewait, TCPWATCH_A_TW_MAX, tw_rules);

static const struct vrule end_rules[TCPWATCH_A_END_MAX + 1] = {
	[TCPWATCH_A_END_PAD] = SIMPLE(V_PAD),
	[TCPWATCH_A_END_SK] = U8(TCPWATCH_NR_SK_KINDS),
	[TCPWATCH_A_END_REASON] = U8(TCPWATCH_NR_REASONS),
	[TCPWATCH_A_END_COUNT] = SIMPLE(V_U64),
};
TABLE(end, TCPWATCH_A_END_MAX, end_rules);

static const struct vrule ends_rules[TCPWATCH_A_END + 1] = {
	[TCPWATCH_A_END] = NEST(end),
};
TABLE(ends, TCPWATCH_A_END, ends_rules);

static const struct vrule evs_rules[TCPWATCH_A_EVS_MAX + 1] = {
	[TCPWATCH_A_EVS_PAD] = SIMPLE(V_PAD),
	[TCPWATCH_A_EVS_WRITTEN] = SIMPLE(V_U64),
	[TCPWATCH_A_EVS_LOST] = SIMPLE(V_U64),
	[TCPWATCH_A_EVS_UNSENT] = SIMPLE(V_U64),
};
TABLE(events, TCPWATCH_A_EVS_MAX, evs_rules);

static const struct vrule probe_rules[TCPWATCH_A_PROBE_MAX + 1] = {
	[TCPWATCH_A_PROBE_PAD] = SIMPLE(V_PAD),
	[TCPWATCH_A_PROBE_NAME] = STR(128),
	[TCPWATCH_A_PROBE_ATTACHED] = U8(2),
	[TCPWATCH_A_PROBE_MISSED] = SIMPLE(V_U64),
	[TCPWATCH_A_PROBE_LOSES] = STR(256),
	[TCPWATCH_A_PROBE_HITS] = SIMPLE(V_U64),
};
TABLE(probe, TCPWATCH_A_PROBE_MAX, probe_rules);

static const struct vrule probes_rules[TCPWATCH_A_PROBE + 1] = {
	[TCPWATCH_A_PROBE] = NEST(probe),
};
TABLE(probes, TCPWATCH_A_PROBE, probes_rules);

static const struct vrule cpu_rules[TCPWATCH_A_CPU_MAX + 1] = {
	[TCPWATCH_A_CPU_PAD] = SIMPLE(V_PAD),
	[TCPWATCH_A_CPU_ID] = SIMPLE(V_U32),
	[TCPWATCH_A_CPU_WRITTEN] = SIMPLE(V_U64),
	[TCPWATCH_A_CPU_LOST] = SIMPLE(V_U64),
};
TABLE(cpu, TCPWATCH_A_CPU_MAX, cpu_rules);

static const struct vrule ls_rules[TCPWATCH_A_LS_MAX + 1] = {
	[TCPWATCH_A_LS_PAD] = SIMPLE(V_PAD),
	[TCPWATCH_A_LS_NETNS] = SIMPLE(V_U32),
	[TCPWATCH_A_LS_FAMILY] = FAMILY,
	[TCPWATCH_A_LS_ADDR] = SIMPLE(V_ADDR),
	[TCPWATCH_A_LS_PORT] = SIMPLE(V_U16),
	[TCPWATCH_A_LS_SYN_QUEUE] = SIMPLE(V_U32),
	[TCPWATCH_A_LS_SYN_QUEUE_PEAK] = SIMPLE(V_U32),
	[TCPWATCH_A_LS_ACCEPT_QUEUE] = SIMPLE(V_U32),
	[TCPWATCH_A_LS_ACCEPT_QUEUE_PEAK] = SIMPLE(V_U32),
	[TCPWATCH_A_LS_BACKLOG] = SIMPLE(V_U32),
	[TCPWATCH_A_LS_OVERFLOWS] = SIMPLE(V_U64),
	[TCPWATCH_A_LS_SYN_DROPS] = SIMPLE(V_U64),
	[TCPWATCH_A_LS_SYNCOOKIES] = SIMPLE(V_U64),
	[TCPWATCH_A_LS_PID] = SIMPLE(V_U32),
	[TCPWATCH_A_LS_COMM] = STR(16),
	[TCPWATCH_A_LS_COOKIE] = SIMPLE(V_U64),
	[TCPWATCH_A_LS_SYNACK_RETRANS] = SIMPLE(V_U64),
	[TCPWATCH_A_LS_NETNS_COOKIE] = SIMPLE(V_U64),
};
TABLE(listener, TCPWATCH_A_LS_MAX, ls_rules);

static const struct vrule dw_rules[TCPWATCH_A_DW_MAX + 1] = {
	[TCPWATCH_A_DW_PAD] = SIMPLE(V_PAD),
	[TCPWATCH_A_DW_STATE] = U8(TCPWATCH_NR_STATES),
	[TCPWATCH_A_DW_BUCKETS] = SIMPLE(V_BUCKETS),
};
TABLE(dwell_state, TCPWATCH_A_DW_MAX, dw_rules);

static const struct vrule dwell_rules[TCPWATCH_A_DWELL_STATE + 1] = {
	[TCPWATCH_A_DWELL_STATE] = NEST(dwell_state),
};
TABLE(dwell, TCPWATCH_A_DWELL_STATE, dwell_rules);

/* A TCPWATCH_CMD_EVENT message's attributes, and TCPWATCH_A_SOCKET's. */
static const struct vrule ev_rules[TCPWATCH_A_EV_MAX + 1] = {
	[TCPWATCH_A_EV_PAD] = SIMPLE(V_PAD),
	[TCPWATCH_A_EV_TYPE] = U8(TCPWATCH_NR_EVENT_TYPES),
	[TCPWATCH_A_EV_SEQ] = SIMPLE(V_U64),
	[TCPWATCH_A_EV_CPU] = SIMPLE(V_U32),
	[TCPWATCH_A_EV_TS] = SIMPLE(V_U64),
	[TCPWATCH_A_EV_SK] = U8(TCPWATCH_NR_SK_KINDS),
	[TCPWATCH_A_EV_COOKIE] = SIMPLE(V_U64),
	[TCPWATCH_A_EV_NETNS] = SIMPLE(V_U32),
	[TCPWATCH_A_EV_FAMILY] = FAMILY,
	[TCPWATCH_A_EV_SADDR] = SIMPLE(V_ADDR),
	[TCPWATCH_A_EV_SPORT] = SIMPLE(V_U16),
	[TCPWATCH_A_EV_DADDR] = SIMPLE(V_ADDR),
	[TCPWATCH_A_EV_DPORT] = SIMPLE(V_U16),
	[TCPWATCH_A_EV_OLD] = U8(TCPWATCH_NR_STATES),
	[TCPWATCH_A_EV_NEW] = U8(TCPWATCH_NR_STATES),
	[TCPWATCH_A_EV_DWELL] = SIMPLE(V_U64),
	[TCPWATCH_A_EV_PID] = SIMPLE(V_U32),
	[TCPWATCH_A_EV_COMM] = STR(16),
	[TCPWATCH_A_EV_REASON] = U8(TCPWATCH_NR_REASONS),
	[TCPWATCH_A_EV_SYN_QUEUE] = SIMPLE(V_U32),
	[TCPWATCH_A_EV_ACCEPT_QUEUE] = SIMPLE(V_U32),
	[TCPWATCH_A_EV_BACKLOG] = SIMPLE(V_U32),
	[TCPWATCH_A_EV_LOST] = SIMPLE(V_U64),
	[TCPWATCH_A_EV_AGE] = SIMPLE(V_U64),
	[TCPWATCH_A_EV_NETNS_COOKIE] = SIMPLE(V_U64),
};
TABLE(event, TCPWATCH_A_EV_MAX, ev_rules);

static const struct vrule port_rules[TCPWATCH_A_PORT_MAX + 1] = {
	[TCPWATCH_A_PORT_PAD] = SIMPLE(V_PAD),
	[TCPWATCH_A_PORT_SIDE] = U8(TCPWATCH_PORT_REMOTE + 1),
	[TCPWATCH_A_PORT_NUM] = SIMPLE(V_U16),
	[TCPWATCH_A_PORT_COUNT] = SIMPLE(V_U64),
};
TABLE(port, TCPWATCH_A_PORT_MAX, port_rules);

static const struct vrule cpus_rules[TCPWATCH_A_CPU + 1] = {
	[TCPWATCH_A_CPU] = NEST(cpu),
};
TABLE(cpus, TCPWATCH_A_CPU, cpus_rules);

static const struct vrule top_rules[TCPWATCH_A_MAX + 1] = {
	[TCPWATCH_A_PAD] = SIMPLE(V_PAD),
	[TCPWATCH_A_VERSION] = STR(64),
	[TCPWATCH_A_STATES] = SIMPLE(V_STATES),
	[TCPWATCH_A_TRANSITIONS] = NEST(transitions),
	[TCPWATCH_A_TRANSITION] = NEST(transition),
	[TCPWATCH_A_TIMEWAIT] = NEST(timewait),
	[TCPWATCH_A_EVENTS] = NEST(events),
	[TCPWATCH_A_PROBES] = NEST(probes),
	[TCPWATCH_A_PROBE] = NEST(probe),
	[TCPWATCH_A_CPUS] = NEST(cpus),
	[TCPWATCH_A_CPU] = NEST(cpu),
	[TCPWATCH_A_RING_SIZE] = SIMPLE(V_U32),
	[TCPWATCH_A_TRACK_MAX] = SIMPLE(V_U32),
	[TCPWATCH_A_TRACK_USED] = SIMPLE(V_U32),
	[TCPWATCH_A_TRACK_FAILED] = SIMPLE(V_U64),
	[TCPWATCH_A_LISTENER] = NEST(listener),
	[TCPWATCH_A_SOCKET] = NEST(event),
	[TCPWATCH_A_DWELL] = NEST(dwell),
	[TCPWATCH_A_DWELL_STATE] = NEST(dwell_state),
	[TCPWATCH_A_NETNS] = SIMPLE(V_U32),
	[TCPWATCH_A_SEEDED] = SIMPLE(V_U32),
	[TCPWATCH_A_ENDS] = NEST(ends),
	[TCPWATCH_A_END] = NEST(end),
	[TCPWATCH_A_SYNACK_RETRANS] = SIMPLE(V_U64),
	[TCPWATCH_A_OVERFLOWS] = SIMPLE(V_U64),
	[TCPWATCH_A_SYN_DROPS] = SIMPLE(V_U64),
	[TCPWATCH_A_SYNCOOKIES] = SIMPLE(V_U64),
	[TCPWATCH_A_NETNS_COOKIE] = SIMPLE(V_U64),
	[TCPWATCH_A_TRACK_ALLOCATED] = SIMPLE(V_U32),
	[TCPWATCH_A_TRACK_BYTES] = SIMPLE(V_U64),
	[TCPWATCH_A_TRACK_FAILED_FULL] = SIMPLE(V_U64),
	[TCPWATCH_A_TRACK_FAILED_GROWING] = SIMPLE(V_U64),
	[TCPWATCH_A_UNTRACKED] = SIMPLE(V_U64),
	[TCPWATCH_A_SEEDED_UNTRACKED] = SIMPLE(V_U32),
	[TCPWATCH_A_PORTS_SOCKETS] = SIMPLE(V_U64),
	[TCPWATCH_A_PORT] = NEST(port),
};
TABLE(top, TCPWATCH_A_MAX, top_rules);

/* TCPWATCH_A_STATES: attribute type = state, a u64 each, 0 pads. */
static const struct vrule state_count_rules[TCPWATCH_NR_STATES] = {
	[0] = SIMPLE(V_PAD),
	[1 ... TCPWATCH_NR_STATES - 1] = SIMPLE(V_U64),
};
TABLE(states, TCPWATCH_NR_STATES - 1, state_count_rules);

/* Walking one attribute stream with mnl_attr_parse*(). */
struct vctx {
	const struct vtable *tab;
	size_t used;		/* bytes the callback saw */
	char err[160];
	int depth;
	int family;		/* AF_* of this nest, 0 if none */
	int addrlen;		/* length of its addresses, 0 if none */
	bool has_pid_comm;	/* a listener's owner */
};

static int vctx_fail(struct vctx *c, const struct nlattr *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int vctx_fail(struct vctx *c, const struct nlattr *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, sizeof(c->err), "%s attribute %u: ", c->tab->name,
		     mnl_attr_get_type(a));
	va_start(ap, fmt);
	vsnprintf(c->err + n, sizeof(c->err) - n, fmt, ap);
	va_end(ap);
	return MNL_CB_ERROR;
}

static int validate_stream(const struct vtable *tab, const void *data, size_t len, int depth,
			   struct vctx *out);

static int check_scalar(struct vctx *c, const struct nlattr *a, const struct vrule *r)
{
	static const size_t size[] = { [V_U8] = 1, [V_U16] = 2, [V_U32] = 4, [V_U64] = 8 };
	size_t plen = mnl_attr_get_payload_len(a);
	uint64_t v = 0;

	if (plen != size[r->kind])
		return vctx_fail(c, a, "%zu bytes, not %zu", plen, size[r->kind]);
	memcpy(&v, mnl_attr_get_payload(a), plen);
	if (r->kind == V_U64 && v >= KADDR_MIN)
		return vctx_fail(c, a, "0x%016" PRIx64 " looks like a kernel address", v);
	if (r->kind == V_U8 && r->max && v >= r->max)
		return vctx_fail(c, a, "value %" PRIu64 " out of range (< %u)", v, r->max);
	if (r->family) {
		if (v != AF_INET && v != AF_INET6)
			return vctx_fail(c, a, "family %" PRIu64 " is neither AF_INET nor AF_INET6", v);
		c->family = v;
	}
	return MNL_CB_OK;
}

static int check_attr(struct vctx *c, const struct nlattr *a, const struct vrule *r)
{
	size_t plen = mnl_attr_get_payload_len(a);
	struct vctx sub;

	switch (r->kind) {
	case V_PAD:
		return plen ? vctx_fail(c, a, "a pad of %zu bytes", plen) : MNL_CB_OK;
	case V_U8:
	case V_U16:
	case V_U32:
	case V_U64:
		return check_scalar(c, a, r);
	case V_STR:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return vctx_fail(c, a, "not a NUL-terminated string");
		if (plen > r->max)
			return vctx_fail(c, a, "a string of %zu bytes (at most %u)", plen, r->max);
		return MNL_CB_OK;
	case V_ADDR:
		if (plen != 4 && plen != 16)
			return vctx_fail(c, a, "an address of %zu bytes", plen);
		if (c->addrlen && c->addrlen != (int)plen)
			return vctx_fail(c, a, "addresses of %d and %zu bytes", c->addrlen, plen);
		c->addrlen = plen;
		return MNL_CB_OK;
	case V_BUCKETS:
		if (mnl_attr_validate2(a, MNL_TYPE_BINARY, 8 * TCPWATCH_DWELL_BUCKETS) < 0)
			return vctx_fail(c, a, "%zu bytes of buckets", plen);
		return MNL_CB_OK;
	case V_NEST:
	case V_STATES:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return vctx_fail(c, a, "a nest that does not parse");
		if (c->depth >= 8)
			return vctx_fail(c, a, "nested too deep");
		if (validate_stream(r->kind == V_STATES ? &states : r->nest,
				    mnl_attr_get_payload(a), plen, c->depth + 1, &sub) < 0) {
			snprintf(c->err, sizeof(c->err), "%s.%u: %.100s", c->tab->name,
				 mnl_attr_get_type(a), sub.err);
			return MNL_CB_ERROR;
		}
		return MNL_CB_OK;
	case V_UNKNOWN:
		break;
	}
	return MNL_CB_OK;
}

static int validate_cb(const struct nlattr *a, void *data)
{
	struct vctx *c = data;
	uint16_t type = mnl_attr_get_type(a);

	c->used += MNL_ALIGN(a->nla_len);
	if (type == TCPWATCH_A_LS_PID && c->tab == &listener)
		c->has_pid_comm = true;
	if (type > c->tab->max || c->tab->rule[type].kind == V_UNKNOWN) {
		/* Newer than this header: only its framing is checked. */
		st.unknown_attrs++;
		return MNL_CB_OK;
	}
	return check_attr(c, a, &c->tab->rule[type]);
}

/*
 * libmnl stops quietly at an attribute that does not fit; counting the
 * bytes the callback saw catches that and any trailing bytes.
 */
static int validate_stream(const struct vtable *tab, const void *data, size_t len, int depth,
			   struct vctx *c)
{
	memset(c, 0, sizeof(*c));
	c->tab = tab;
	c->depth = depth;
	if (mnl_attr_parse_payload(data, len, validate_cb, c) < 0)
		return -1;
	if (c->used != len) {
		snprintf(c->err, sizeof(c->err), "%s: attributes span %zu of %zu bytes",
			 tab->name, c->used, len);
		return -1;
	}
	if (c->family && c->addrlen && c->addrlen != (c->family == AF_INET ? 4 : 16)) {
		snprintf(c->err, sizeof(c->err), "%s: family %d with %d-byte addresses",
			 tab->name, c->family, c->addrlen);
		return -1;
	}
	return 0;
}

/* The family's message @nlh: a reply (@cmd) or an event. */
static const char *validate_family_msg(const struct nlmsghdr *nlh, struct vctx *c)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct vtable *tab;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return "shorter than a genetlink header";
	tab = genl->cmd == TCPWATCH_CMD_EVENT ? &event : &top;
	if (genl->version != TCPWATCH_GENL_VERSION)
		return "a genetlink version other than the family's";
	if (validate_stream(tab, (const char *)genl + GENL_HDRLEN,
			    mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN, 0, c) < 0)
		return c->err;
	/* A listener's owner is inside TCPWATCH_A_LISTENER. */
	if (genl->cmd == TCPWATCH_CMD_GET_LISTENERS && !env.admin) {
		const struct nlattr *a;

		mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
			struct vctx sub;

			if (mnl_attr_get_type(a) == TCPWATCH_A_LISTENER &&
			    validate_stream(&listener, mnl_attr_get_payload(a),
					    mnl_attr_get_payload_len(a), 1, &sub) == 0 &&
			    sub.has_pid_comm)
				return "a listener's owner for a caller without CAP_NET_ADMIN";
		}
	}
	return NULL;
}

/* ---- matching answers to requests --------------------------------------- */

static bool must_be_accepted_errno(int err)
{
	return err == -EINVAL || err == -EPERM || err == -EOPNOTSUPP || err == -ENOENT ||
	       err == -ERANGE;
}

static void complete(struct fsock *s, struct pend *p, const struct nlmsghdr *nlh, int err)
{
	bool accepted = !err && (p->got_reply || p->v.dump);

	p->done = true;
	if (p->v.expect == EXP_ACK) {
		if (err)
			violation(s, p, nlh, "an ack-only message answered with %s", ename(-err));
		st.acks++;
		return;
	}
	if (err) {
		st.refused++;
		st.err[-err]++;
	} else if (p->v.dump) {
		st.dumps_ok++;
	} else if (accepted) {
		st.doit_ok++;
	}
	if (p->v.expect == EXP_REFUSE && accepted)
		violation(s, p, nlh, "accepted although it must be refused");
	if (p->v.expect == EXP_ACCEPT && must_be_accepted_errno(err))
		violation(s, p, nlh, "a well-formed request refused with %s", ename(-err));
}

/* The extack TLVs after an error's echoed request, or after DONE's errno. */
static void check_ack_tlvs(struct fsock *s, struct pend *p, const struct nlmsghdr *nlh,
			   const void *tlvs, size_t len, size_t req_len)
{
	const struct nlattr *attr;
	size_t used = 0;

	mnl_attr_for_each_payload(tlvs, len) {
		used += MNL_ALIGN(attr->nla_len);
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				violation(s, p, nlh, "an extack message that is no string");
			st.extack_msgs++;
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0 ||
			    mnl_attr_get_u32(attr) >= req_len || mnl_attr_get_u32(attr) < NLMSG_HDRLEN)
				violation(s, p, nlh, "an extack offset outside the request");
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
		case NLMSGERR_ATTR_MISS_NEST:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				violation(s, p, nlh, "an extack u32 of %u bytes",
					  mnl_attr_get_payload_len(attr));
			break;
		default:
			break;
		}
	}
	if (used != len)
		violation(s, p, nlh, "%zu bytes after the extack attributes", len - used);
}

static void on_error(struct fsock *s, struct pend *p, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh), echo;

	if (plen < sizeof(*e))
		violation(s, p, nlh, "an NLMSG_ERROR of %zu bytes", plen);
	if (e->error > 0 || e->error < -ERRNO_MAX)
		violation(s, p, nlh, "error %d is not a negative errno", e->error);
	if (e->msg.nlmsg_seq != p->m->seq || e->msg.nlmsg_type != p->type ||
	    e->msg.nlmsg_len != p->len)
		violation(s, p, nlh, "the error echoes another message's header");
	/* net/netlink/af_netlink.c:netlink_ack() echoes a refused request in full. */
	echo = nlh->nlmsg_flags & NLM_F_CAPPED ? sizeof(e->msg) : e->msg.nlmsg_len;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && (!e->error || s->cap_ack))
		violation(s, p, nlh, "an echo the socket did not ask for");
	if (sizeof(e->error) + echo > plen)
		violation(s, p, nlh, "an echo longer than the error message");
	if (memcmp(&e->msg, s->b.buf + p->m->off, echo < p->len ? echo : p->len))
		violation(s, p, nlh, "the echo differs from the request");
	/* nlmsg_append() pads the echo: the TLVs start aligned. */
	echo = NLMSG_ALIGN(echo);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS && sizeof(e->error) + echo <= plen)
		check_ack_tlvs(s, p, nlh, (const char *)e + sizeof(e->error) + echo,
			       plen - sizeof(e->error) - echo, p->len);
	if (p->v.dump && !e->error)
		violation(s, p, nlh, "a dump acknowledged instead of ended by NLMSG_DONE");
	if (p->v.doit && !e->error && !p->got_reply)
		violation(s, p, nlh, "acknowledged without a reply");
	complete(s, p, nlh, e->error);
}

static void on_done(struct fsock *s, struct pend *p, const struct nlmsghdr *nlh)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	int err;

	if (!p->v.dump)
		violation(s, p, nlh, "NLMSG_DONE for a request that is no dump");
	if (plen < sizeof(err))
		violation(s, p, nlh, "an NLMSG_DONE of %zu bytes", plen);
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err > 0 || err < -ERRNO_MAX)
		violation(s, p, nlh, "NLMSG_DONE carries %d, not 0 or a negative errno", err);
	if (!(nlh->nlmsg_flags & NLM_F_MULTI))
		violation(s, p, nlh, "NLMSG_DONE without NLM_F_MULTI");
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		check_ack_tlvs(s, p, nlh, (const char *)mnl_nlmsg_get_payload(nlh) + sizeof(err),
			       plen - sizeof(err), p->len);
	complete(s, p, nlh, err);
}

static void on_reply(struct fsock *s, struct pend *p, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const char *bad;
	struct vctx c;

	if (!p->v.dump && !p->v.doit)
		violation(s, p, nlh, "a reply to a message no handler may see");
	bad = validate_family_msg(nlh, &c);
	if (bad)
		violation(s, p, nlh, "a malformed reply: %s", bad);
	if (genl->cmd != p->v.cmd)
		violation(s, p, nlh, "a reply with command %u to command %u", genl->cmd, p->v.cmd);
	if (!env.admin && cmd_needs_admin(genl->cmd))
		violation(s, p, nlh, "per-connection data for a caller without CAP_NET_ADMIN");
	if (p->v.dump) {
		if (!(nlh->nlmsg_flags & NLM_F_MULTI))
			violation(s, p, nlh, "a dump's message without NLM_F_MULTI");
		p->parts++;
		st.parts++;
		return;
	}
	if (p->got_reply)
		violation(s, p, nlh, "a second reply");
	p->got_reply = true;
	st.replies++;
	if (!p->want_ack)
		complete(s, p, nlh, 0);
}

static void on_event(struct fsock *s, const struct nlmsghdr *nlh)
{
	const char *bad;
	struct vctx c;

	if (!s->events)
		violation(s, NULL, nlh, "an event on a socket outside the events group");
	bad = validate_family_msg(nlh, &c);
	if (bad)
		violation(s, NULL, nlh, "a malformed event: %s", bad);
	st.events++;
}

static struct pend *find_pend(struct fsock *s, uint32_t seq)
{
	unsigned int i;

	for (i = 0; i < s->npend; i++)
		if (s->pend[i].m->seq == seq)
			return &s->pend[i];
	return NULL;
}

static void handle_msg(struct fsock *s, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct pend *p;

	if (nlh->nlmsg_type == env.family && !nlh->nlmsg_seq && !nlh->nlmsg_pid &&
	    mnl_nlmsg_get_payload_len(nlh) >= GENL_HDRLEN && genl->cmd == TCPWATCH_CMD_EVENT) {
		on_event(s, nlh);
		return;
	}
	p = find_pend(s, nlh->nlmsg_seq);
	if (!p)
		violation(s, NULL, nlh, "an answer to sequence %u, never sent on this socket",
			  nlh->nlmsg_seq);
	if (p->v.expect == EXP_NONE)
		violation(s, p, nlh, "an answer to a message the kernel must drop unread");
	if (p->done)
		violation(s, p, nlh, "an answer after the request was complete");
	if (nlh->nlmsg_pid != s->portid)
		violation(s, p, nlh, "an answer addressed to port %u", nlh->nlmsg_pid);
	if (nlh->nlmsg_type == NLMSG_ERROR)
		on_error(s, p, nlh);
	else if (nlh->nlmsg_type == NLMSG_DONE)
		on_done(s, p, nlh);
	else if (nlh->nlmsg_type == env.family)
		on_reply(s, p, nlh);
	else
		violation(s, p, nlh, "an answer of type %u", nlh->nlmsg_type);
}

/*
 * Read one datagram, nonblocking. Returns 1 if one was handled, 0 if none
 * was waiting.
 */
static int sock_read(struct fsock *s)
{
	struct iovec iov = { rbuf, sizeof(rbuf) };
	struct sockaddr_nl from;
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
			     .msg_iov = &iov, .msg_iovlen = 1 };
	const struct nlmsghdr *nlh = (const void *)rbuf;
	ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
	int left;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0 && errno == ENOBUFS) {
		/* Our receive queue was full: the kernel says it dropped some. */
		st.overruns++;
		s->overrun = true;
		return 1;
	}
	if (n < 0)
		violation(s, NULL, NULL, "recvmsg: %s", strerror(errno));
	if (mh.msg_flags & MSG_TRUNC)
		violation(s, NULL, nlh, "a datagram longer than %zu bytes", sizeof(rbuf));
	if (from.nl_pid)
		violation(s, NULL, nlh, "a datagram from port %u, not the kernel", from.nl_pid);
	left = n;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		handle_msg(s, nlh);
	if (left)
		violation(s, NULL, NULL, "%d bytes of a datagram are no message", left);
	return 1;
}

static bool sock_waiting(const struct fsock *s)
{
	unsigned int i;

	for (i = 0; i < s->npend; i++)
		if (s->pend[i].v.must_answer && !s->pend[i].done)
			return true;
	return false;
}

/* Read whatever is there, at most @max datagrams. */
static void sock_drain(struct fsock *s, int max)
{
	while (max-- > 0 && sock_read(s))
		;
}

/*
 * Wait until every message of the socket's batch that must be answered
 * is, each wait for more bounded by --timeout-ms, then read what is left.
 */
static void sock_settle(struct fsock *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	unsigned int i;

	while (sock_waiting(s)) {
		int r = poll(&pfd, 1, opt.timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			sock_read(s);
			continue;
		}
		if (s->overrun)	/* the kernel said it dropped answers */
			break;
		for (i = 0; i < s->npend; i++)
			if (s->pend[i].v.must_answer && !s->pend[i].done)
				violation(s, &s->pend[i], NULL, "no answer within %d ms",
					  opt.timeout_ms);
	}
	sock_drain(s, 256);
	for (i = 0; i < s->npend; i++)
		if (!s->pend[i].done)
			st.silent++;
	s->npend = 0;
	s->overrun = false;
}

/* Read from every socket that has something, a little from each. */
static void poll_all(void)
{
	struct pollfd pfd[MAX_SOCKS];
	unsigned int i;

	for (i = 0; i < opt.nsocks; i++) {
		pfd[i].fd = socks[i].fd;
		pfd[i].events = POLLIN;
	}
	if (poll(pfd, opt.nsocks, 0) <= 0)
		return;
	for (i = 0; i < opt.nsocks; i++)
		if (pfd[i].revents & POLLIN)
			sock_drain(&socks[i], 4);
}

/* ---- sending ------------------------------------------------------------- */

static struct pend *pend_add(struct fsock *s, const struct gmsg *m, size_t len)
{
	struct pend *p = &s->pend[s->npend++];
	const struct nlmsghdr *nlh = (const void *)(s->b.buf + m->off);

	memset(p, 0, sizeof(*p));
	p->m = m;
	p->len = len;
	p->type = nlh->nlmsg_type;
	p->want_ack = nlh->nlmsg_flags & NLM_F_ACK;
	p->v.expect = EXP_NONE;
	return p;
}

/*
 * Walk the batch as netlink_rcv_skb() will: a message is read while a
 * header fits and its nlmsg_len lies within the data; the next starts at
 * the aligned end. Messages it never reaches are never answered.
 */
static void model_batch(struct fsock *s)
{
	const struct batch *b = &s->b;
	size_t pos = 0;
	unsigned int i = 0, k;

	while (b->len - pos >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const void *)(b->buf + pos);
		size_t len = nlh->nlmsg_len, step;

		if (len < NLMSG_HDRLEN || len > b->len - pos)
			break;
		while (i < b->n && b->msg[i].off < pos)
			pend_add(s, &b->msg[i++], 0);	/* swallowed */
		if (i == b->n || b->msg[i].off != pos)
			die("internal error: batch message at %zu is none of ours", pos);
		pend_add(s, &b->msg[i++], len)->v = predict(b->buf + pos, len);
		step = NLMSG_ALIGN(len);
		pos += step < b->len - pos ? step : b->len - pos;
	}
	for (k = i; k < b->n; k++) {
		const struct nlmsghdr *nlh = (const void *)(b->buf + b->msg[k].off);

		pend_add(s, &b->msg[k], nlh->nlmsg_len);
	}
}

/* Send the socket's batch; false if sendmsg() refused it whole. */
static bool send_batch(struct fsock *s)
{
	ssize_t n = send(s->fd, s->b.buf, s->b.len, 0);

	st.batches++;
	st.msgs += s->b.n;
	if (n == (ssize_t)s->b.len)
		return true;
	if (n >= 0)
		violation(s, NULL, NULL, "sendmsg() sent %zd of %zu bytes", n, s->b.len);
	/* netlink_sendmsg(): EMSGSIZE past sk_sndbuf; the allocation may fail. */
	if (errno != EMSGSIZE && errno != ENOBUFS && errno != ENOMEM)
		violation(s, NULL, NULL, "sendmsg() of %zu bytes: %s", s->b.len, strerror(errno));
	st.send_err[errno]++;
	return false;
}

static void fuzz_batch(struct fsock *s, unsigned long left)
{
	sock_settle(s);
	build_batch(&s->b, left);
	if (!send_batch(s))
		return;
	model_batch(s);
	/* Start reading, but leave dumps open: many at a time across sockets. */
	sock_drain(s, 2);
}

/* A well-formed request of @cmd, alone in the socket's batch. */
static void clean_request(struct fsock *s, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(s->b.buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = env.family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = next_seq++;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = TCPWATCH_GENL_VERSION;
	s->b.len = 0;
	s->b.n = 0;
	batch_add(&s->b, nlh->nlmsg_len);
}

static uint8_t pick_dump_cmd(void)
{
	static const uint8_t cmds[] = { TCPWATCH_CMD_GET_LISTENERS, TCPWATCH_CMD_GET_SOCKETS,
					TCPWATCH_CMD_EVENT, TCPWATCH_CMD_GET_CPUS,
					TCPWATCH_CMD_GET_PORTS };

	return cmds[below(sizeof(cmds))];
}

/*
 * A dump cut short: read a part of it (maybe none), close the socket with
 * the dump still open in the kernel, then ask again on a new socket.
 */
static void interrupt_dump(struct fsock *s)
{
	uint8_t cmd = pick_dump_cmd();
	uint16_t ack = chance(500) ? NLM_F_ACK : 0;
	int parts = below(3);
	bool events = s->events;

	sock_settle(s);
	clean_request(s, cmd, NLM_F_DUMP | ack);
	if (send_batch(s)) {
		model_batch(s);
		sock_drain(s, parts);
	}
	sock_close(s);
	sock_open(s, events);
	st.interrupted++;
	clean_request(s, cmd, NLM_F_DUMP | ack);
	if (send_batch(s))
		model_batch(s);
}

/* ---- setup --------------------------------------------------------------- */

static void ctrl_attrs(const struct nlmsghdr *nlh, bool *ours, uint16_t *id, uint32_t *group)
{
	const struct nlattr *a, *grp, *g;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			*id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_FAMILY_NAME:
			*ours = !strcmp(mnl_attr_get_str(a), TCPWATCH_GENL_NAME);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, a) {
				const char *name = NULL;
				uint32_t gid = 0;

				mnl_attr_for_each_nested(g, grp) {
					if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_NAME)
						name = mnl_attr_get_str(g);
					if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_ID)
						gid = mnl_attr_get_u32(g);
				}
				if (name && !strcmp(name, TCPWATCH_MCGRP_EVENTS))
					*group = gid;
			}
			break;
		}
	}
}

static int ctrl_cb(const struct nlmsghdr *nlh, void *data)
{
	bool ours = false;
	uint16_t id = 0;
	uint32_t group = 0;

	(void)data;
	ctrl_attrs(nlh, &ours, &id, &group);
	if (id && env.nids < sizeof(env.ids) / sizeof(env.ids[0]))
		env.ids[env.nids++] = id;
	if (ours) {
		env.family = id;
		env.group = group;
	}
	return MNL_CB_OK;
}

/* Every registered family (so that no message reaches another), and ours. */
static void discover_families(void)
{
	struct timeval timeout = { .tv_sec = 10 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	uint32_t seq = 1;
	int n;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket: %s", strerror(errno));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("asking for the genetlink families: %s", strerror(errno));
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			die("reading the genetlink families: %s", strerror(errno));
		n = mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl), ctrl_cb, NULL);
	} while (n > MNL_CB_STOP);
	mnl_socket_close(nl);
	if (n < 0)
		die("reading the genetlink families: %s", strerror(errno));
	if (!env.family)
		die("no generic netlink family \"%s\" (is tcpwatch.ko loaded?)", TCPWATCH_GENL_NAME);
	if (!env.group)
		die("family \"%s\" has no group \"%s\"", TCPWATCH_GENL_NAME, TCPWATCH_MCGRP_EVENTS);
}

static bool cap_net_admin(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long long caps = 0;

	if (!f)
		die("/proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps & (1ull << 12);	/* CAP_NET_ADMIN */
}

/* Who we are, as tw_view_of() and tw_caller_admin() will judge it. */
static void discover_self(void)
{
	struct stat self, init;
	socklen_t len = sizeof(env.cookie);
	int fd;

	if (stat("/proc/self/ns/net", &self))
		die("/proc/self/ns/net: %s", strerror(errno));
	env.netns = self.st_ino;
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	env.have_cookie = fd >= 0 &&
			  !getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &env.cookie, &len);
	if (fd >= 0)
		close(fd);
	env.admin = cap_net_admin();
	/* Unreadable without privilege: then we are no admin anyway. */
	env.all_view = env.admin &&
		       (stat("/proc/1/ns/net", &init) || init.st_ino == self.st_ino);
}

static void drop_privileges(void)
{
	gid_t gid = opt.gid >= 0 ? opt.gid : opt.uid;

	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(opt.uid, opt.uid, opt.uid))
		die("becoming uid %ld gid %ld: %s", opt.uid, (long)gid, strerror(errno));
}

static void open_sockets(void)
{
	unsigned int i;

	for (i = 0; i < opt.nsocks; i++) {
		socks[i].b.buf = malloc(BATCH_ROOM + NLMSG_HDRLEN);
		if (!socks[i].b.buf)
			die("out of memory");
		/* Every eighth joins the events group (refused without CAP_NET_ADMIN). */
		sock_open(&socks[i], i % 8 == 7);
	}
}

/* ---- after fuzzing: ordinary requests still work ------------------------- */

static void still_answers(struct fsock *s, uint8_t cmd)
{
	uint16_t flags = cmd_is_dump(cmd) ? NLM_F_DUMP : NLM_F_ACK;
	struct pend *p;

	clean_request(s, cmd, flags);
	if (!send_batch(s))
		violation(s, NULL, NULL, "sendmsg() of an ordinary request: %s", strerror(errno));
	model_batch(s);
	p = &s->pend[0];
	if (p->v.expect != EXP_ACCEPT && !(p->v.expect == EXP_REFUSE && !env.admin))
		die("internal error: the model refuses an ordinary request");
	sock_settle(s);
	if (!p->done)
		violation(s, p, NULL, "no answer to an ordinary request");
}

static void final_checks(void)
{
	static const uint8_t cmds[] = {
		TCPWATCH_CMD_GET_SUMMARY, TCPWATCH_CMD_GET_STATUS, TCPWATCH_CMD_GET_LISTENERS,
		TCPWATCH_CMD_GET_SOCKETS, TCPWATCH_CMD_GET_CPUS, TCPWATCH_CMD_EVENT,
		TCPWATCH_CMD_GET_PORTS,
	};
	struct fsock *s = &socks[0];
	unsigned int i;

	for (i = 0; i < opt.nsocks; i++)
		sock_settle(&socks[i]);
	sock_close(s);
	sock_open(s, false);
	for (i = 0; i < sizeof(cmds); i++)
		still_answers(s, cmds[i]);
	printf("nlfuzz: after fuzzing, ordinary requests are still answered (%s)\n",
	       env.admin ? "as admin" : "admin ones refused with EPERM");
}

/* ---- main ------------------------------------------------------------------ */

static void print_summary(void)
{
	unsigned long total = st.acks + st.doit_ok + st.dumps_ok + st.refused;
	double secs = now_s();
	int e;

	printf("nlfuzz: seed %" PRIu64 ": %lu messages in %lu sendmsg() calls, %.1f s (%.0f/s)\n",
	       opt.seed, st.msgs, st.batches, secs, secs > 0 ? st.msgs / secs : 0.0);
	printf("nlfuzz: answered %lu: acks %lu, replies %lu, dumps done %lu (%lu parts), refused %lu (%lu with an extack message); unanswered as expected %lu; events %lu; dumps interrupted %lu; overruns %lu; unknown reply attributes %lu\n",
	       total, st.acks, st.doit_ok, st.dumps_ok, st.parts, st.refused, st.extack_msgs,
	       st.silent, st.events, st.interrupted, st.overruns, st.unknown_attrs);
	printf("nlfuzz: refused by errno:");
	for (e = 1; e <= ERRNO_MAX; e++)
		if (st.err[e])
			printf(" %s=%lu", ename(e), st.err[e]);
	printf("; sendmsg() refused:");
	for (e = 1; e <= ERRNO_MAX; e++)
		if (st.send_err[e])
			printf(" %s=%lu", ename(e), st.send_err[e]);
	printf("\n");
	fflush(stdout);
}

static void fuzz(void)
{
	unsigned long next_progress = 20000;
	unsigned int rr = 0;

	while (cur_index < opt.count) {
		struct fsock *s = &socks[rr++ % opt.nsocks];

		if (opt.count - cur_index >= 2 && chance(4))
			interrupt_dump(s);
		else
			fuzz_batch(s, opt.count - cur_index);
		poll_all();
		if (cur_index >= next_progress) {
			printf("nlfuzz: %lu messages, %.1f s\n", cur_index, now_s());
			fflush(stdout);
			next_progress += 20000;
		}
	}
}

static void usage(FILE *f)
{
	fputs("usage: nlfuzz [--seed N] [--count N] [--uid N [--gid N]] [--sockets N]\n"
	      "              [--timeout-ms MS]\n"
	      "Fuzz the tcpwatch generic netlink family; the first line printed is the\n"
	      "seed, which replays the same messages. Exit 0: every answer as the\n"
	      "kernel's rules say; 1: a violation (seed, message index and hex on\n"
	      "stderr); 2: bad usage or setup failure.\n"
	      "  -s, --seed N        PRNG seed (default: from the clock)\n"
	      "  -c, --count N       messages to generate (default 100000)\n"
	      "  -u, --uid N         drop to this uid (and --gid, default the same) and\n"
	      "                      no capabilities before fuzzing\n"
	      "  -g, --gid N\n"
	      "  -n, --sockets N     sockets, used round-robin (default 16, at most 32)\n"
	      "  -t, --timeout-ms MS longest wait for an answer (default 2000)\n", f);
}

static unsigned long long number(const char *s, const char *what, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || *s == '-' || v > max)
		die("bad %s '%s'", what, s);
	return v;
}

static void parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "sockets", required_argument, NULL, 'n' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct timespec t;
	bool seeded = false;
	int c;

	while ((c = getopt_long(argc, argv, "s:c:u:g:n:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.seed = number(optarg, "--seed", UINT64_MAX);
			seeded = true;
			break;
		case 'c':
			opt.count = number(optarg, "--count", 1000000000);
			break;
		case 'u':
			opt.uid = number(optarg, "--uid", 0xfffffffe);
			break;
		case 'g':
			opt.gid = number(optarg, "--gid", 0xfffffffe);
			break;
		case 'n':
			opt.nsocks = number(optarg, "--sockets", MAX_SOCKS);
			if (!opt.nsocks)
				die("--sockets must be at least 1");
			break;
		case 't':
			opt.timeout_ms = number(optarg, "--timeout-ms", 600000);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (!seeded) {
		clock_gettime(CLOCK_REALTIME, &t);
		opt.seed = (uint64_t)t.tv_sec * 1000000007ull ^ t.tv_nsec ^ getpid();
	}
}

int main(int argc, char **argv)
{
	parse_options(argc, argv);
	printf("nlfuzz: seed %" PRIu64 "\n", opt.seed);
	fflush(stdout);
	rng_seed(opt.seed);
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	if (opt.uid >= 0)
		drop_privileges();
	discover_self();
	discover_families();
	printf("nlfuzz: family %u, events group %u, netns %u, %s, %u sockets, %lu messages\n",
	       env.family, env.group, env.netns,
	       env.all_view ? "admin in init_net" : env.admin ? "admin" : "no CAP_NET_ADMIN",
	       opt.nsocks, opt.count);
	fflush(stdout);
	open_sockets();
	fuzz();
	final_checks();
	print_summary();
	return 0;
}
