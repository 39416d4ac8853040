/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink plumbing on libmnl: one socket per struct nl, the family
 * resolved by name (with its multicast group), request/ack and dump loops, and
 * a non-blocking receive for event subscribers.
 */
#ifndef TCPWATCH_NL_H
#define TCPWATCH_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

/* Big enough for any dump skb the kernel builds (it sizes them from ours). */
#define NL_RECV_BUF	(64 * 1024)
/* Receive queue for event subscribers: a burst of ~30k events. */
#define NL_EVENT_RCVBUF	(8 * 1024 * 1024)
/*
 * An event subscriber takes up to this many datagrams per recvmmsg(), each
 * up to NL_EVENT_DGRAM bytes: the module's are NLMSG_GOODSIZE (a page), a
 * few dozen events each.
 */
#define NL_EVENT_BATCH	16
#define NL_EVENT_DGRAM	(32 * 1024)

/* How long a request waits for each reply before giving up (EAGAIN). */
#define NL_TIMEOUT_SEC	10

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;		/* tcpwatch's generic netlink id */
	uint32_t events_group;		/* its "events" group id, 0 if none */
	char *buf;			/* NL_RECV_BUF bytes */
	char *batch;			/* NL_EVENT_BATCH * NL_EVENT_DGRAM, or NULL */
	char extack[128];		/* the last error's message from the kernel */
};

/* Open a socket and resolve the tcpwatch family (-ENOENT: no module). */
int nl_open(struct nl *nl);
/* nl_open(), and on failure the standard message for it on stderr. */
int nl_open_report(struct nl *nl, const char *prog);
/* Only open the socket: nl_resolve() finds the family, and can be retried. */
int nl_open_unresolved(struct nl *nl);
void nl_close(struct nl *nl);
int nl_resolve(struct nl *nl);
int nl_fd(const struct nl *nl);

/*
 * Look up generic netlink family @name and, if @group is not NULL, the id of
 * its multicast group @group (*@group_id = 0 when it has none by that name).
 */
int nl_resolve_family(struct nl *nl, const char *name, const char *group,
		      uint16_t *family, uint32_t *group_id);

/* Prepare for events: a large receive queue, and room to drain it in batches. */
int nl_event_socket(struct nl *nl);
/* Join / leave multicast group @group (-EPERM: needs CAP_NET_ADMIN). */
int nl_join(struct nl *nl, uint32_t group);
int nl_leave(struct nl *nl, uint32_t group);

/* Start a tcpwatch request in @buf (MNL_SOCKET_BUFFER_SIZE bytes). */
struct nlmsghdr *nl_request(struct nl *nl, void *buf, uint8_t cmd, uint16_t flags);
/*
 * Send @req, feed every reply to @cb until the ack or the end of the dump.
 * Use a socket that is not subscribed to any group: libmnl would hand
 * multicast messages (seq 0) to @cb too.
 */
int nl_transact(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);
/*
 * What nl_transact() does with each datagram of replies to @seq: data
 * messages to @cb; an error, the ack or the end of the dump to its own
 * handlers, which keep the kernel's extack message in @nl->extack (also
 * when a dump ends with an error). Returns 1 while more is to come, 0 once
 * done, or -errno.
 */
int nl_dispatch(struct nl *nl, const void *buf, size_t len, unsigned int seq,
		mnl_cb_t cb, void *data);

/*
 * Read what is queued on a subscribed socket, @cb per message; after
 * nl_event_socket() many datagrams per system call. Returns 0 once the queue
 * is empty, 1 if @cb said MNL_CB_STOP (the rest of that batch is dropped),
 * -ENOBUFS if the kernel dropped messages for us (call again: the socket
 * keeps working), or -errno.
 */
int nl_drain(struct nl *nl, mnl_cb_t cb, void *data);

/*
 * For a message from the "nlctrl" family's "notify" group: CTRL_CMD_NEWFAMILY
 * or CTRL_CMD_DELFAMILY if it announces family @name, else 0.
 */
int nl_ctrl_notification(const struct nlmsghdr *nlh, const char *name);

/*
 * Print the standard message for @err from talking to the module, with the
 * kernel's extended-ack message if @nl (may be NULL) got one.
 */
void nl_perror(const struct nl *nl, const char *prog, const char *what, int err);
/*
 * The same for joining the "events" group (nl_event_socket(), nl_join()).
 * setsockopt() returns no extack, so a refusal names the capability itself.
 */
void nl_join_perror(const struct nl *nl, const char *prog, int err);

#endif
