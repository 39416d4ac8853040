// SPDX-License-Identifier: GPL-2.0
/*
 * Replies as the kernel frames them around the data: the ack, an error with
 * its extack message, the end of a dump (also one that failed), and what
 * the programs then say on stderr.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"
#include "parse.h"
#include "tap.h"

#define SEQ		1234
#define NEEDS_ADMIN	"needs CAP_NET_ADMIN in the network namespace's user namespace"

/* What a test wrote to stderr (fd 2, as the programs write it). */
struct err_capture {
	FILE *f;
	int saved;
	char text[512];
};

static void stderr_begin(struct err_capture *e)
{
	fflush(stderr);
	e->f = tmpfile();
	e->saved = dup(2);
	if (!e->f || e->saved < 0 || dup2(fileno(e->f), 2) < 0)
		abort();
}

static const char *stderr_end(struct err_capture *e)
{
	size_t n;

	fflush(stderr);
	dup2(e->saved, 2);
	close(e->saved);
	rewind(e->f);
	n = fread(e->text, 1, sizeof(e->text) - 1, e->f);
	e->text[n] = '\0';
	fclose(e->f);
	return e->text;
}

/* A GET_LISTENERS reply message at @buf; returns its length. */
static size_t put_data(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;
	struct nlattr *nest;

	nlh->nlmsg_type = 0x20;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = SEQ;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = TCPWATCH_CMD_GET_LISTENERS;
	nest = mnl_attr_nest_start(nlh, TCPWATCH_A_LISTENER);
	mnl_attr_put_u16(nlh, TCPWATCH_A_LS_PORT, 80);
	mnl_attr_nest_end(nlh, nest);
	return nlh->nlmsg_len;
}

/* netlink_dump_done(): NLMSG_DONE, the error, then the extack if any. */
static size_t put_done(char *buf, int error, const char *extack)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int *err;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = SEQ;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	*err = error;
	if (extack) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, extack);
	}
	return nlh->nlmsg_len;
}

/*
 * netlink_ack(): NLMSG_ERROR, the error, the request (its header only with
 * NETLINK_CAP_ACK, as nl_open() asks), then the extack if any.
 */
static size_t put_error(char *buf, int error, const char *extack, bool capped)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf), req = {
		.nlmsg_len = capped ? sizeof(req) : sizeof(req) + 12,
		.nlmsg_type = 0x20, .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = SEQ,
	};
	struct nlmsgerr *err;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = SEQ;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = error;
	err->msg = req;
	if (capped) {
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	} else {
		/* The echoed request's genl header and one u32 attribute. */
		struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));

		genl->cmd = TCPWATCH_CMD_GET_SUMMARY;
		mnl_attr_put_u32(nlh, TCPWATCH_A_NETNS, 7);
	}
	if (extack) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, extack);
	}
	return nlh->nlmsg_len;
}

static void test_dispatch(void)
{
	char buf[2 * MNL_SOCKET_BUFFER_SIZE];
	struct tw_listeners ls = {};
	struct nl nl = {};
	size_t len;
	int ret;

	len = put_data(buf);
	len += put_data(buf + len);
	ret = nl_dispatch(&nl, buf, len, SEQ, tw_listeners_cb, &ls);
	CHECK(ret == 1 && ls.n == 2, "nl: a datagram of a dump's middle -> more to come");
	len = put_data(buf);
	len += put_done(buf + len, 0, NULL);
	ret = nl_dispatch(&nl, buf, len, SEQ, tw_listeners_cb, &ls);
	CHECK(ret == 0 && ls.n == 3 && !nl.extack[0], "nl: the end of a dump -> done");
	tw_listeners_free(&ls);

	len = put_done(buf, -EPERM, NEEDS_ADMIN);
	ret = nl_dispatch(&nl, buf, len, SEQ, tw_listeners_cb, &ls);
	CHECK(ret == -EPERM && ls.n == 0, "nl: a dump refused -> -EPERM (got %d)", ret);
	tap_streq(nl.extack, NEEDS_ADMIN, "nl: a refused dump's extack message is kept");

	nl.extack[0] = '\0';
	len = put_done(buf, -EPERM, NULL);
	CHECK(nl_dispatch(&nl, buf, len, SEQ, tw_listeners_cb, &ls) == -EPERM && !nl.extack[0],
	      "nl: a dump refused without extack -> -EPERM, no message");

	len = put_error(buf, -EPERM, NEEDS_ADMIN, true);
	CHECK(nl_dispatch(&nl, buf, len, SEQ, tw_listeners_cb, &ls) == -EPERM,
	      "nl: a request refused -> -EPERM");
	tap_streq(nl.extack, NEEDS_ADMIN, "nl: a refused request's extack message is kept");

	nl.extack[0] = '\0';
	len = put_error(buf, -EINVAL, "bad attribute", false);
	CHECK(nl_dispatch(&nl, buf, len, SEQ, tw_listeners_cb, &ls) == -EINVAL,
	      "nl: an error after the echoed request (no CAP_ACK) -> -EINVAL");
	tap_streq(nl.extack, "bad attribute", "nl: its extack found past the echoed request");

	nl.extack[0] = '\0';
	len = put_error(buf, 0, NULL, true);
	CHECK(nl_dispatch(&nl, buf, len, SEQ, tw_listeners_cb, &ls) == 0 && !nl.extack[0],
	      "nl: the ack -> done");

	len = put_done(buf, 0, NULL);
	((struct nlmsghdr *)buf)->nlmsg_seq = SEQ + 1;
	CHECK(nl_dispatch(&nl, buf, len, SEQ, tw_listeners_cb, &ls) < 0,
	      "nl: a reply to another request refused");
	tw_listeners_free(&ls);
}

struct drained {
	unsigned int n, stop_at;
	bool in_order;
};

static int drained_cb(const struct nlmsghdr *nlh, void *data)
{
	struct drained *d = data;

	d->in_order &= nlh->nlmsg_seq == d->n;
	return ++d->n == d->stop_at ? MNL_CB_STOP : MNL_CB_OK;
}

/* @n datagrams of three messages each from @tx to @rx, seqs from *@seq on. */
static int send_datagrams(struct nl *tx, const struct nl *rx, unsigned int n,
			  unsigned int *seq)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = rx->portid };
	char buf[3 * MNL_NLMSG_HDRLEN];
	struct nlmsghdr *nlh;
	size_t len;
	int i;

	while (n--) {
		for (len = 0, i = 0; i < 3; i++, len += nlh->nlmsg_len) {
			nlh = mnl_nlmsg_put_header(buf + len);
			nlh->nlmsg_type = NLMSG_MIN_TYPE;
			nlh->nlmsg_seq = (*seq)++;
		}
		if (sendto(nl_fd(tx), buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			return -errno;
	}
	return 0;
}

/*
 * nl_drain() in batches (after nl_event_socket()) and one datagram at a
 * time: every message, in order, the queue left empty; a callback's STOP
 * ends it. Root only: sending to another netlink socket needs CAP_NET_ADMIN.
 */
static void test_drain(void)
{
	const unsigned int n = 2 * NL_EVENT_BATCH + 3;
	struct nl tx, rx[2];
	struct drained d;
	unsigned int seq;
	int i, ret;

	if (nl_open_unresolved(&tx) || nl_open_unresolved(&rx[0]) ||
	    nl_open_unresolved(&rx[1]) || nl_event_socket(&rx[0])) {
		CHECK(false, "nl_drain: netlink sockets opened");
		return;
	}
	for (i = 0; i < 2; i++) {
		seq = 0;
		ret = send_datagrams(&tx, &rx[i], n, &seq);
		if (ret == -EPERM) {
			CHECK(true, "nl_drain: # SKIP needs CAP_NET_ADMIN to send");
			break;
		}
		d = (struct drained){ .in_order = true };
		ret = nl_drain(&rx[i], drained_cb, &d);
		CHECK(!ret && d.n == 3 * n && d.in_order,
		      "nl_drain%s: %u datagrams, every message in order (%u)",
		      i ? " unbatched" : " batched", n, d.n);
		CHECK(!nl_drain(&rx[i], drained_cb, &d) && d.n == 3 * n,
		      "nl_drain%s: the queue was left empty", i ? " unbatched" : " batched");
		send_datagrams(&tx, &rx[i], n, &seq);
		d.stop_at = d.n + 4;
		CHECK(nl_drain(&rx[i], drained_cb, &d) == 1 && d.n == d.stop_at && d.in_order,
		      "nl_drain%s: the callback's STOP ends it", i ? " unbatched" : " batched");
	}
	nl_close(&tx);
	nl_close(&rx[0]);
	nl_close(&rx[1]);
}

static void expect_stderr(void (*say)(const struct nl *nl, int err), const struct nl *nl,
			  int err, const char *want, const char *name)
{
	struct err_capture e;

	stderr_begin(&e);
	say(nl, err);
	tap_streq(stderr_end(&e), want, "nl message: %s", name);
}

static void say_sockets(const struct nl *nl, int err)
{
	nl_perror(nl, "tcpwatch", "reading the sockets", err);
}

static void say_join(const struct nl *nl, int err)
{
	nl_join_perror(nl, "tcpwatch", err);
}

static void test_messages(void)
{
	struct nl nl = {};

	snprintf(nl.extack, sizeof(nl.extack), "%s", NEEDS_ADMIN);
	expect_stderr(say_sockets, &nl, -EPERM, "tcpwatch: reading the sockets: Operation not "
		      "permitted (" NEEDS_ADMIN ")\n", "EPERM with the kernel's extack");
	snprintf(nl.extack, sizeof(nl.extack), "another network namespace needs "
		 "CAP_NET_ADMIN in the initial namespace");
	expect_stderr(say_sockets, &nl, -EPERM, "tcpwatch: reading the sockets: Operation not "
		      "permitted (another network namespace needs CAP_NET_ADMIN in the initial "
		      "namespace)\n", "EPERM for another namespace, with the extack");
	expect_stderr(say_sockets, NULL, -EPERM, "tcpwatch: reading the sockets: Operation not "
		      "permitted (needs CAP_NET_ADMIN)\n", "EPERM without extack");
	snprintf(nl.extack, sizeof(nl.extack), "bad attribute");
	expect_stderr(say_sockets, &nl, -EINVAL, "tcpwatch: reading the sockets: Invalid "
		      "argument (bad attribute)\n", "another error with its extack");
	expect_stderr(say_sockets, &nl, -ENOENT, "tcpwatch: reading the sockets: No such file "
		      "or directory (bad attribute)\n", "ENOENT with an extack is not 'no module'");
	expect_stderr(say_sockets, NULL, -ENOENT, "tcpwatch: module not loaded (no generic "
		      "netlink family \"tcpwatch\"); load it with: modprobe tcpwatch (after make "
		      "install), or insmod tcpwatch.ko from a build tree\n",
		      "ENOENT without one is the missing module");
	expect_stderr(say_sockets, NULL, -EPROTONOSUPPORT, "tcpwatch: module not loaded "
		      "(tcpwatch is being unloaded)\n", "a dump refused while the module goes");
	expect_stderr(say_join, NULL, -EPERM, "tcpwatch: joining the events group needs "
		      "CAP_NET_ADMIN (Operation not permitted)\n", "joining the group refused");
	expect_stderr(say_join, NULL, -ENOBUFS, "tcpwatch: joining the \"events\" group: No "
		      "buffer space available\n", "joining the group failed otherwise");
}

void test_nl(void)
{
	test_drain();
	test_dispatch();
	test_messages();
}
