// SPDX-License-Identifier: GPL-2.0
/*
 * nlpriv - who may ask the tcpwatch genetlink family for what, checked below
 * the CLI: the CLI answers EPERM with its own hint and drops the kernel's
 * extack message, and it reads the event history before it could show that
 * joining the multicast group itself was refused. One line per result.
 *
 *   nlpriv as --uid UID [--gid GID] [--cap net_admin] -- CMD [ARG...]
 *       run CMD as UID/GID without supplementary groups and with no
 *       capability, or with CAP_NET_ADMIN alone (ambient, so it survives
 *       exec); the working directory becomes /.
 *   nlpriv join [--wait-ms MS]
 *       join the "events" group: "join ok" or "join refused ENAME (text)";
 *       once joined, "event netns=N sport=N dport=N" per event received in
 *       the next MS ms, then "events N".
 *   nlpriv get summary|status|listeners|sockets|events|ports [--netns INODE]
 *       one request: "ok CMD messages=N attrs=N", or
 *       "refused CMD ENAME extack="MSG"" (MSG empty when the kernel said
 *       nothing more).
 *
 * Every attribute received (replies and events) is scanned for 64-bit
 * values in the kernel's address range (>= 0xffff800000000000), each one
 * printed as "kaddr WHERE PATH 0xVALUE".
 *
 * Exit status: 0 ok, 1 refused, 2 bad usage or setup failure, 3 a
 * kernel-address-like value was seen.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpwatch.h>

#define KADDR_MIN	0xffff800000000000ull

static struct mnl_socket *nl;
static unsigned int portid, seq;
static uint16_t family_id;
static uint32_t events_group;
static unsigned long n_attrs, n_kaddr;

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("nlpriv: ", stderr);
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

/* ---- kernel-address scan ------------------------------------------------ */

/* Whether @len bytes at @p parse as a stream of attributes (a nest). */
static bool looks_nested(const char *p, size_t len)
{
	size_t off = 0;

	if (len < NLA_HDRLEN)
		return false;
	while (off < len) {
		const struct nlattr *a = (const void *)(p + off);

		if (len - off < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			return false;
		off += NLA_ALIGN(a->nla_len);
	}
	return true;
}

static void scan_leaf(const char *where, const char *path, const char *p, size_t len)
{
	size_t step = len % 8 ? 4 : 8, i;
	uint64_t v;

	for (i = 0; i + 8 <= len; i += step) {
		memcpy(&v, p + i, sizeof(v));
		if (v >= KADDR_MIN) {
			printf("kaddr %s %s+%zu 0x%016llx\n", where, path, i,
			       (unsigned long long)v);
			n_kaddr++;
		}
	}
}

/*
 * Attributes carry no type, so a payload that parses as attributes is
 * walked as a nest; an 8-byte one is checked as a u64 as well, since a
 * pointer can happen to parse as one attribute.
 */
static void scan_attrs(const char *where, const char *path, const char *p, size_t len,
		       int depth)
{
	size_t off = 0;
	char sub[128];

	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const void *)(p + off);
		size_t plen;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			return;
		plen = a->nla_len - NLA_HDRLEN;
		n_attrs++;
		snprintf(sub, sizeof(sub), "%s%s%u", path, *path ? "." : "",
			 a->nla_type & NLA_TYPE_MASK);
		if (depth < 6 && looks_nested(p + off + NLA_HDRLEN, plen)) {
			scan_attrs(where, sub, p + off + NLA_HDRLEN, plen, depth + 1);
			if (plen == 8)
				scan_leaf(where, sub, p + off + NLA_HDRLEN, plen);
		} else {
			scan_leaf(where, sub, p + off + NLA_HDRLEN, plen);
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

static void scan_msg(const char *where, const struct nlmsghdr *nlh)
{
	size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN;

	if (nlh->nlmsg_len > hdr)
		scan_attrs(where, "", (const char *)nlh + hdr, nlh->nlmsg_len - hdr, 0);
}

/* ---- netlink ------------------------------------------------------------ */

static struct nlmsghdr *put_request(char *buf, uint16_t type, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = TCPWATCH_GENL_VERSION;
	return nlh;
}

/* The NLMSGERR_ATTR_MSG among the TLVs at @tlvs, if any. */
static void extack_msg(const void *tlvs, size_t len, char *msg, size_t msglen)
{
	const struct nlattr *attr;

	mnl_attr_for_each_payload(tlvs, len)
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(msg, msglen, "%s", mnl_attr_get_str(attr));
}

/*
 * Send @req and read until its ack, error or end of dump. Returns 0 or the
 * kernel's -errno (with its extack message in @msg); each reply of the
 * family goes to @cb.
 */
static int transact(struct nlmsghdr *req, void (*cb)(const struct nlmsghdr *, void *),
		    void *data, char *msg, size_t msglen)
{
	static char buf[1 << 16];
	bool dump = req->nlmsg_flags & NLM_F_DUMP;

	msg[0] = '\0';
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		die("sending a request: %s", strerror(errno));
	for (;;) {
		int n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		struct nlmsghdr *r = (struct nlmsghdr *)buf;

		if (n < 0)
			die("receiving a reply: %s", strerror(errno));
		for (; mnl_nlmsg_ok(r, n); r = mnl_nlmsg_next(r, &n)) {
			if (r->nlmsg_seq != req->nlmsg_seq)
				continue;
			if (r->nlmsg_type == NLMSG_DONE) {
				const int *err = mnl_nlmsg_get_payload(r);
				size_t plen = mnl_nlmsg_get_payload_len(r);

				if (plen < sizeof(*err) || *err >= 0)
					return 0;
				if (r->nlmsg_flags & NLM_F_ACK_TLVS)
					extack_msg(err + 1, plen - sizeof(*err), msg, msglen);
				return *err;
			}
			if (r->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = mnl_nlmsg_get_payload(r);
				size_t off = sizeof(*err);

				if (r->nlmsg_flags & NLM_F_ACK_TLVS) {
					if (!(r->nlmsg_flags & NLM_F_CAPPED))
						off += err->msg.nlmsg_len - sizeof(err->msg);
					if (off < mnl_nlmsg_get_payload_len(r))
						extack_msg((const char *)err + off,
							   mnl_nlmsg_get_payload_len(r) - off,
							   msg, msglen);
				}
				if (err->error || !dump)
					return err->error;
				continue;
			}
			if (cb)
				cb(r, data);
		}
	}
}

static void group_attrs(const struct nlattr *nest)
{
	const struct nlattr *grp, *a;

	mnl_attr_for_each_nested(grp, nest) {
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(a, grp) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(a);
		}
		if (name && !strcmp(name, TCPWATCH_MCGRP_EVENTS))
			events_group = id;
	}
}

static void family_reply(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	(void)data;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			family_id = mnl_attr_get_u16(a);
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
			group_attrs(a);
	}
}

static void nl_open(void)
{
	struct timeval timeout = { .tv_sec = 10 };
	char buf[MNL_SOCKET_BUFFER_SIZE], msg[256];
	struct nlmsghdr *nlh;
	int one = 1, err;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket: %s", strerror(errno));
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	/* A family that never answers must fail the check, not hang it. */
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	portid = mnl_socket_get_portid(nl);
	seq = time(NULL);

	nlh = put_request(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TCPWATCH_GENL_NAME);
	err = transact(nlh, family_reply, NULL, msg, sizeof(msg));
	if (err || !family_id)
		die("no generic netlink family \"%s\" (%s)", TCPWATCH_GENL_NAME,
		    err ? strerror(-err) : "no id");
}

/* ---- subcommands ------------------------------------------------------- */

static long number(const char *s, const char *what, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < 0 || v > max)
		die("bad %s '%s'", what, s);
	return v;
}

static int as_main(int argc, char **argv)
{
	long uid = -1, gid = -1;
	bool net_admin = false;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--uid") && i + 1 < argc)
			uid = number(argv[++i], "uid", 0xfffffffe);
		else if (!strcmp(argv[i], "--gid") && i + 1 < argc)
			gid = number(argv[++i], "gid", 0xfffffffe);
		else if (!strcmp(argv[i], "--cap") && i + 1 < argc && !strcmp(argv[i + 1], "net_admin"))
			net_admin = true, i++;
		else
			die("usage: nlpriv as --uid UID [--gid GID] [--cap net_admin] -- CMD [ARG...]");
	}
	if (uid < 0 || i + 1 >= argc)
		die("usage: nlpriv as --uid UID [--gid GID] [--cap net_admin] -- CMD [ARG...]");
	if (gid < 0)
		gid = uid;
	/* Without KEEPCAPS, leaving uid 0 clears every capability. */
	if (net_admin && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		die("PR_SET_KEEPCAPS: %s", strerror(errno));
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		die("becoming %ld:%ld: %s", uid, gid, strerror(errno));
	if (net_admin) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2] = {};
		unsigned int idx = CAP_TO_INDEX(CAP_NET_ADMIN);

		d[idx].effective = d[idx].permitted = d[idx].inheritable =
			CAP_TO_MASK(CAP_NET_ADMIN);
		if (syscall(SYS_capset, &h, d))
			die("capset CAP_NET_ADMIN: %s", strerror(errno));
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0))
			die("ambient CAP_NET_ADMIN: %s", strerror(errno));
	}
	if (chdir("/"))
		die("chdir /: %s", strerror(errno));
	execvp(argv[i + 1], argv + i + 1);
	die("exec %s: %s", argv[i + 1], strerror(errno));
}

static void print_event(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	unsigned int netns = 0, sport = 0, dport = 0;
	const struct nlattr *a;

	if (nlh->nlmsg_type != family_id || genl->cmd != TCPWATCH_CMD_EVENT)
		return;
	scan_msg("event", nlh);
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case TCPWATCH_A_EV_NETNS:
			netns = mnl_attr_get_u32(a);
			break;
		case TCPWATCH_A_EV_SPORT:
			sport = mnl_attr_get_u16(a);
			break;
		case TCPWATCH_A_EV_DPORT:
			dport = mnl_attr_get_u16(a);
			break;
		}
	}
	printf("event netns=%u sport=%u dport=%u\n", netns, sport, dport);
}

static int join_main(int argc, char **argv)
{
	static char buf[1 << 16];
	long wait_ms = 0, events = 0;
	struct timespec end, now;
	int fd;

	if (argc == 3 && !strcmp(argv[1], "--wait-ms"))
		wait_ms = number(argv[2], "--wait-ms", 600000);
	else if (argc != 1)
		die("usage: nlpriv join [--wait-ms MS]");
	nl_open();
	if (!events_group)
		die("family \"%s\" has no group \"%s\"", TCPWATCH_GENL_NAME, TCPWATCH_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &events_group,
				  sizeof(events_group)) < 0) {
		printf("join refused %s (%s)\n", ename(errno), strerror(errno));
		return 1;
	}
	printf("join ok\n");
	fflush(stdout);
	fd = mnl_socket_get_fd(nl);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += wait_ms / 1000;
	end.tv_nsec += (wait_ms % 1000) * 1000000;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *r = (struct nlmsghdr *)buf;
		long left;
		int n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left <= 0)
			break;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS)
				printf("enobufs\n");
			continue;
		}
		for (; mnl_nlmsg_ok(r, n); r = mnl_nlmsg_next(r, &n)) {
			print_event(r);
			events++;
		}
		fflush(stdout);
	}
	printf("events %ld\n", events);
	return n_kaddr ? 3 : 0;
}

static const struct {
	const char *name;
	uint8_t cmd;
	bool dump;
} requests[] = {
	{ "summary", TCPWATCH_CMD_GET_SUMMARY, false },
	{ "status", TCPWATCH_CMD_GET_STATUS, false },
	{ "listeners", TCPWATCH_CMD_GET_LISTENERS, true },
	{ "sockets", TCPWATCH_CMD_GET_SOCKETS, true },
	{ "events", TCPWATCH_CMD_EVENT, true },
	{ "ports", TCPWATCH_CMD_GET_PORTS, true },
};

struct get_ctx {
	const char *name;
	unsigned long messages;
};

static void count_reply(const struct nlmsghdr *nlh, void *data)
{
	struct get_ctx *ctx = data;

	if (nlh->nlmsg_type != family_id)
		return;
	scan_msg(ctx->name, nlh);
	ctx->messages++;
}

static int get_main(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], msg[256];
	struct get_ctx ctx = {};
	long netns = -1;
	struct nlmsghdr *nlh;
	size_t i;
	int err;

	if (argc == 4 && !strcmp(argv[2], "--netns"))
		netns = number(argv[3], "--netns", 0xffffffffl);
	else if (argc != 2)
		die("usage: nlpriv get summary|status|listeners|sockets|events|ports [--netns INODE]");
	for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (!strcmp(argv[1], requests[i].name))
			break;
	if (i == sizeof(requests) / sizeof(requests[0]))
		die("unknown request '%s'", argv[1]);
	ctx.name = requests[i].name;
	nl_open();
	nlh = put_request(buf, family_id, requests[i].cmd,
			  requests[i].dump ? NLM_F_DUMP : NLM_F_ACK);
	if (netns >= 0)
		mnl_attr_put_u32(nlh, TCPWATCH_A_NETNS, netns);
	err = transact(nlh, count_reply, &ctx, msg, sizeof(msg));
	if (err) {
		printf("refused %s %s extack=\"%s\"\n", ctx.name, ename(-err), msg);
		return 1;
	}
	printf("ok %s messages=%lu attrs=%lu\n", ctx.name, ctx.messages, n_attrs);
	return n_kaddr ? 3 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "as"))
		return as_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "join"))
		return join_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "get"))
		return get_main(argc - 1, argv + 1);
	fprintf(stderr, "usage: nlpriv as|join|get ... (see the comment at the top of tests/nlpriv.c)\n");
	return 2;
}
