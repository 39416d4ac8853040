// SPDX-License-Identifier: GPL-2.0
/*
 * nlbad - send malformed requests to the tcpwatch genetlink family and check
 * that each is refused with an error and an extended-ack message, never
 * accepted or answered with garbage. One line per case, "ok CASE: message" or
 * "FAIL CASE: why"; exit 0 only if every case was refused properly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libmnl/libmnl.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/tcpwatch.h>

static struct mnl_socket *nl;
static unsigned int portid, seq;
static uint16_t family_id;

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
}

static struct nlmsghdr *put_request(char *buf, uint16_t type, uint8_t cmd,
				    uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = 1;
	return nlh;
}

/* The error and extack message the kernel answered @nlh with. */
static int transact(struct nlmsghdr *nlh, char *msg, size_t msglen)
{
	char buf[65536];
	int ret;

	msg[0] = '\0';
	/* Drop whatever an earlier request left queued (a trailing ACK). */
	while (recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		int n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		struct nlmsghdr *r = (struct nlmsghdr *)buf;

		if (n < 0)
			return -errno;
		for (; mnl_nlmsg_ok(r, n); r = mnl_nlmsg_next(r, &n)) {
			const struct nlmsgerr *err;
			struct nlattr *attr;

			if (r->nlmsg_type == NLMSG_DONE) {
				/* A dump ends with its error in NLMSG_DONE, extack after it. */
				const int *done = mnl_nlmsg_get_payload(r);
				struct nlattr *attr;

				if (mnl_nlmsg_get_payload_len(r) < sizeof(*done) || *done >= 0)
					return 0;
				if (r->nlmsg_flags & NLM_F_ACK_TLVS) {
					void *tlvs = (char *)done + sizeof(*done);

					mnl_attr_for_each_payload(tlvs, mnl_nlmsg_get_payload_len(r) - sizeof(*done)) {
						if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG)
							snprintf(msg, msglen, "%s", mnl_attr_get_str(attr));
					}
				}
				return *done;
			}
			if (r->nlmsg_type != NLMSG_ERROR)
				continue;
			err = mnl_nlmsg_get_payload(r);
			ret = err->error;
			if (r->nlmsg_flags & NLM_F_ACK_TLVS) {
				size_t off = sizeof(*err);

				if (!(r->nlmsg_flags & NLM_F_CAPPED))
					off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
				void *tlvs = (char *)err + off;

				mnl_attr_for_each_payload(tlvs, r->nlmsg_len - sizeof(*r) - off) {
					if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG)
						snprintf(msg, msglen, "%s", mnl_attr_get_str(attr));
				}
			}
			return ret;
		}
	}
}

static int failures;

/*
 * @core_errno: the generic netlink core refuses this itself, before the
 * family sees it, and on 6.1 says nothing more (genl_family_rcv_msg():
 * an unknown command is -EOPNOTSUPP without an extack message).
 */
static void expect_refused_by(const char *name, struct nlmsghdr *nlh, int core_errno)
{
	char msg[256];
	int ret = transact(nlh, msg, sizeof(msg));

	if (ret >= 0) {
		printf("FAIL %s: accepted\n", name);
		failures++;
	} else if (!msg[0] && core_errno && ret == -core_errno) {
		printf("ok %s: %s (by the genetlink core, no extack message)\n", name, strerror(-ret));
	} else if (!msg[0]) {
		printf("FAIL %s: refused (%s) without an extack message\n", name, strerror(-ret));
		failures++;
	} else {
		printf("ok %s: %s (%s)\n", name, strerror(-ret), msg);
	}
}

static void expect_refused(const char *name, struct nlmsghdr *nlh)
{
	expect_refused_by(name, nlh, 0);
}

int main(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], msg[256];
	struct nlmsghdr *nlh;
	int one = 1;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nlbad: netlink socket");
		return 1;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	portid = mnl_socket_get_portid(nl);
	seq = time(NULL);

	nlh = put_request(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TCPWATCH_GENL_NAME);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return 1;
	{
		char rbuf[8192];
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));

		if (n < 0 || mnl_cb_run(rbuf, n, seq, portid, family_cb, &family_id) < 0 ||
		    !family_id) {
			fprintf(stderr, "nlbad: no genetlink family \"tcpwatch\"\n");
			return 1;
		}
	}

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_SUMMARY, 0);
	mnl_attr_put_u32(nlh, TCPWATCH_A_MAX + 5, 1);
	expect_refused("unknown-attribute", nlh);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_SUMMARY, 0);
	mnl_attr_put_u8(nlh, TCPWATCH_A_NETNS, 1);
	expect_refused("short-netns", nlh);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_SUMMARY, 0);
	mnl_attr_put_u32(nlh, TCPWATCH_A_VERSION, 7);
	expect_refused("attribute-not-for-requests", nlh);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_LISTENERS, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, TCPWATCH_A_NETNS, 0xfffffff0);
	expect_refused("invisible-netns", nlh);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_SOCKETS, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, TCPWATCH_A_SOCK_STATES, 1u << TCPWATCH_NR_STATES);
	expect_refused("socket-states-no-such-state", nlh);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_SOCKETS, NLM_F_DUMP);
	mnl_attr_put_u8(nlh, TCPWATCH_A_SOCK_PORT, 80);
	expect_refused("short-socket-port", nlh);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_PORTS, NLM_F_DUMP);
	mnl_attr_put(nlh, TCPWATCH_A_SOCK_ADDR, 5, "\x7f\0\0\1\0");
	expect_refused("ports-address-of-5-bytes", nlh);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_PORTS, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, TCPWATCH_A_PORTS_TOP, 0);
	expect_refused("ports-top-0", nlh);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_PORTS, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, TCPWATCH_A_PORTS_TOP, 65536);
	expect_refused("ports-top-65536", nlh);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_PORTS, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, TCPWATCH_A_SOCK_KINDS, 1u << TCPWATCH_NR_SK_KINDS);
	expect_refused("ports-kinds-no-such-kind", nlh);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_PORTS, NLM_F_DUMP);
	mnl_attr_put_u64(nlh, TCPWATCH_A_SOCK_MIN_AGE, 1);
	expect_refused("ports-min-age-not-in-its-policy", nlh);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_MAX + 7, 0);
	expect_refused_by("unknown-command", nlh, EOPNOTSUPP);

	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_STATUS, 0);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->reserved = 1;
	expect_refused("reserved-header-field", nlh);

	/* After all that the family still answers a good request. */
	nlh = put_request(buf, family_id, TCPWATCH_CMD_GET_STATUS, 0);
	if (transact(nlh, msg, sizeof(msg)) < 0) {
		printf("FAIL still-answers: %s\n", msg);
		failures++;
	} else {
		printf("ok still-answers\n");
	}
	mnl_socket_close(nl);
	return failures ? 1 : 0;
}
