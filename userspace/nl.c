// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpwatch.h>

#include "nl.h"

int nl_fd(const struct nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

int nl_open_unresolved(struct nl *nl)
{
	struct timeval timeout = { .tv_sec = NL_TIMEOUT_SEC };
	int ret, on = 1;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NL_RECV_BUF);
	if (!nl->buf)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sock) {
		ret = -errno;
		goto err;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err;
	}
	/* A module that never answers must not hang us with signals blocked. */
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO,
		       &timeout, sizeof(timeout))) {
		ret = -errno;
		goto err;
	}
	/* Ask for the kernel's error strings; a missing option only loses them. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &on, sizeof(on));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);
	return 0;
err:
	nl_close(nl);
	return ret;
}

int nl_open(struct nl *nl)
{
	int ret = nl_open_unresolved(nl);

	if (!ret)
		ret = nl_resolve(nl);
	if (ret)
		nl_close(nl);
	return ret;
}

int nl_open_report(struct nl *nl, const char *prog)
{
	int ret = nl_open(nl);

	if (ret)
		nl_perror(NULL, prog, "netlink", ret);
	return ret;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl->batch);
	memset(nl, 0, sizeof(*nl));
}

int nl_resolve(struct nl *nl)
{
	int ret = nl_resolve_family(nl, TCPWATCH_GENL_NAME, TCPWATCH_MCGRP_EVENTS,
				    &nl->family, &nl->events_group);

	if (ret)
		nl->family = 0;
	return ret;
}

struct family_reply {
	const char *group;
	uint16_t family;
	uint32_t group_id;
};

static int group_cb(const struct nlattr *grp, struct family_reply *r)
{
	struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, grp) {
		unsigned int type = mnl_attr_get_type(a);

		if (type <= CTRL_ATTR_MCAST_GRP_MAX)
			tb[type] = (struct nlattr *)a;
	}
	if (!tb[CTRL_ATTR_MCAST_GRP_NAME] || !tb[CTRL_ATTR_MCAST_GRP_ID] ||
	    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_ID], MNL_TYPE_U32) < 0)
		return -EINVAL;
	if (!strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]), r->group))
		r->group_id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_reply *r = data;
	const struct nlattr *a, *grp;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				goto invalid;
			r->family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			if (!r->group)
				break;
			mnl_attr_for_each_nested(grp, a)
				if (group_cb(grp, r))
					goto invalid;
			break;
		}
	}
	return MNL_CB_OK;
invalid:
	errno = EINVAL;
	return MNL_CB_ERROR;
}

int nl_resolve_family(struct nl *nl, const char *name, const char *group,
		      uint16_t *family, uint32_t *group_id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct family_reply r = { .group = group };
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);

	ret = nl_transact(nl, nlh, family_cb, &r);
	if (ret)
		return ret;
	if (!r.family)
		return -ENOENT;
	*family = r.family;
	if (group_id)
		*group_id = r.group_id;
	return 0;
}

int nl_event_socket(struct nl *nl)
{
	int fd = nl_fd(nl), size = NL_EVENT_RCVBUF;

	/* SO_RCVBUFFORCE passes rmem_max but needs CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)))
		return -errno;
	if (!nl->batch)
		nl->batch = malloc(NL_EVENT_BATCH * NL_EVENT_DGRAM);
	return nl->batch ? 0 : -ENOMEM;
}

int nl_join(struct nl *nl, uint32_t group)
{
	if (!group)
		return -ENOENT;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP,
				  &group, sizeof(group)) < 0)
		return -errno;
	return 0;
}

int nl_leave(struct nl *nl, uint32_t group)
{
	if (mnl_socket_setsockopt(nl->sock, NETLINK_DROP_MEMBERSHIP,
				  &group, sizeof(group)) < 0)
		return -errno;
	return 0;
}

struct nlmsghdr *nl_request(struct nl *nl, void *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = TCPWATCH_GENL_VERSION;
	return nlh;
}

/*
 * The control-message callbacks replace libmnl's defaults (mnl_cb_run2 does
 * not fall back to them for types below the array length), so they handle
 * errors, acks and the end of a dump themselves.
 */
struct transact {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
};

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct transact *t = data;

	return t->cb(nlh, t->data);
}

/*
 * Keep the kernel's extended-ack message (NLMSGERR_ATTR_MSG) for nl_perror;
 * its attributes start @off bytes into @nlh's payload.
 */
static void save_extack(struct nl *nl, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(a, nlh, off)
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(nl->extack, sizeof(nl->extack), "%s", mnl_attr_get_str(a));
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct transact *t = data;
	size_t off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	/* Without NETLINK_CAP_ACK the request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && err->msg.nlmsg_len >= sizeof(err->msg))
		off += NLMSG_ALIGN(err->msg.nlmsg_len - sizeof(err->msg));
	save_extack(t->nl, nlh, off);
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

/*
 * libmnl's own version ignores the error a dump may end with. A dump that
 * fails (EPERM on its first call) ends in an NLMSG_DONE carrying the error
 * and, after it, the extack attributes (netlink_dump_done()).
 */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	const int *err = mnl_nlmsg_get_payload(nlh);
	const struct transact *t = data;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(*err) && *err < 0) {
		save_extack(t->nl, nlh, sizeof(*err));
		errno = -*err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR]	= error_cb,
	[NLMSG_DONE]	= done_cb,
	[NLMSG_OVERRUN]	= overrun_cb,
};

int nl_dispatch(struct nl *nl, const void *buf, size_t len, unsigned int seq,
		mnl_cb_t cb, void *data)
{
	struct transact t = { nl, cb, data };
	int ret = mnl_cb_run2(buf, len, seq, nl->portid, data_cb, &t, ctl_cbs,
			      NLMSG_MIN_TYPE);

	return ret < 0 ? -errno : ret > MNL_CB_STOP;
}

int nl_transact(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	ssize_t n;
	int ret;

	nl->extack[0] = '\0';
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, NL_RECV_BUF);
		if (n < 0)
			return -errno;
		ret = nl_dispatch(nl, nl->buf, n, req->nlmsg_seq, cb, data);
	} while (ret > 0);
	return ret;
}

int nl_drain(struct nl *nl, mnl_cb_t cb, void *data)
{
	unsigned int vlen = nl->batch ? NL_EVENT_BATCH : 1;
	size_t size = nl->batch ? NL_EVENT_DGRAM : NL_RECV_BUF;
	struct mmsghdr msg[NL_EVENT_BATCH];
	struct iovec iov[NL_EVENT_BATCH];
	unsigned int i;
	int n, ret;

	for (i = 0; i < vlen; i++) {
		iov[i].iov_base = nl->batch ? nl->batch + i * size : nl->buf;
		iov[i].iov_len = size;
		msg[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	do {
		/*
		 * An error after some datagrams (ENOBUFS) is kept by the kernel
		 * for the next call.
		 */
		n = recvmmsg(nl_fd(nl), msg, vlen, MSG_DONTWAIT, NULL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		for (i = 0; i < (unsigned int)n; i++) {
			ret = mnl_cb_run(iov[i].iov_base, msg[i].msg_len, 0, 0, cb, data);
			if (ret < 0)
				return -errno;
			if (ret == MNL_CB_STOP)
				return 1;
		}
		/* Fewer than asked for: the queue was empty (or an error waits). */
	} while ((unsigned int)n == vlen);
	return 0;
}

int nl_ctrl_notification(const struct nlmsghdr *nlh, const char *name)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_type != GENL_ID_CTRL ||
	    nlh->nlmsg_len < mnl_nlmsg_size(GENL_HDRLEN) ||
	    (genl->cmd != CTRL_CMD_NEWFAMILY && genl->cmd != CTRL_CMD_DELFAMILY))
		return 0;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
		    !strcmp(mnl_attr_get_str(a), name))
			return genl->cmd;
	return 0;
}

void nl_perror(const struct nl *nl, const char *prog, const char *what, int err)
{
	const char *extack = nl && nl->extack[0] ? nl->extack : NULL;

	switch (err) {
	case -ENOENT:
		if (extack)
			break;		/* the module answered: it is there */
		fprintf(stderr, "%s: module not loaded (no generic netlink family \"%s\"); "
			"load it with: modprobe tcpwatch (after make install), or insmod "
			"tcpwatch.ko from a build tree\n", prog, TCPWATCH_GENL_NAME);
		return;
	case -EPROTONOSUPPORT:
		if (extack)
			break;
		/* netlink_dump_start() while the module is going away. */
		fprintf(stderr, "%s: module not loaded (tcpwatch is being unloaded)\n", prog);
		return;
	case -EPERM:
	case -EACCES:
		/* The kernel's message says whose capability, where. */
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, what, strerror(-err),
			extack ? extack : "needs CAP_NET_ADMIN");
		return;
	}
	fprintf(stderr, "%s: %s: %s%s%s%s\n", prog, what, strerror(-err),
		extack ? " (" : "", extack ? extack : "", extack ? ")" : "");
}

void nl_join_perror(const struct nl *nl, const char *prog, int err)
{
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "%s: joining the " TCPWATCH_MCGRP_EVENTS " group needs "
			"CAP_NET_ADMIN (%s)\n", prog, strerror(-err));
	else
		nl_perror(nl, prog, "joining the \"" TCPWATCH_MCGRP_EVENTS "\" group", err);
}
