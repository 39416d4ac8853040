/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sockets stuck in a state: which tracked sockets have been in one of a set
 * of states for longer than a threshold, oldest first, and who owns them.
 * Shared by `tcpwatch leaks` and tcpwatchd's leak scan.
 */
#ifndef TCPWATCH_LEAKS_H
#define TCPWATCH_LEAKS_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "parse.h"

/* The states a socket gets stuck in: `tcpwatch leaks` without --state. */
#define LEAK_STATES_DEFAULT \
	(TW_STATE_BIT(TCPWATCH_CLOSE_WAIT) | TW_STATE_BIT(TCPWATCH_FIN_WAIT2) | \
	 TW_STATE_BIT(TCPWATCH_LAST_ACK) | TW_STATE_BIT(TCPWATCH_SYN_RECV) | \
	 TW_STATE_BIT(TCPWATCH_NEW_SYN_RECV) | TW_STATE_BIT(TCPWATCH_SYN_SENT) | \
	 TW_STATE_BIT(TCPWATCH_FIN_WAIT1) | TW_STATE_BIT(TCPWATCH_CLOSING))

/* The ones tcpwatchd watches: the peer or we stopped closing. */
#define LEAK_STATES_DAEMON \
	(TW_STATE_BIT(TCPWATCH_CLOSE_WAIT) | TW_STATE_BIT(TCPWATCH_FIN_WAIT2) | \
	 TW_STATE_BIT(TCPWATCH_LAST_ACK))

/*
 * Keep the sockets of @s that match @f (state, netns, port, address) and are
 * at least @min_age_ns old, oldest first (then by cookie).
 */
void leaks_select(struct tw_sockets *s, const struct tw_filter *f, uint64_t min_age_ns);

/* One process's stuck sockets. */
struct leak_owner {
	uint32_t pid;
	char comm[TW_COMM_LEN];
	uint64_t total;
	uint64_t oldest_ns;
	uint64_t count[TCPWATCH_NR_STATES];
};

/*
 * Group @n sockets by owner (pid and comm) into *@out (malloc'd, free it),
 * most sockets first, then the oldest. Returns the number of owners or
 * -ENOMEM.
 */
long leaks_owners(const struct tw_event *v, size_t n, struct leak_owner **out);

/* "pid 1234 (nginx): 12 CLOSE_WAIT + 1 LAST_ACK sockets, oldest 5m03s" */
void leak_owner_format(const struct leak_owner *o, char *buf, size_t len);

#endif
