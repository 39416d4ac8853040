// SPDX-License-Identifier: GPL-2.0
/* Names as userspace prints them: the kernel's TCP_* states without TCP_. */
#include <linux/kernel.h>
#include <net/tcp_states.h>

#include "states.h"

static_assert((int)TCPWATCH_ESTABLISHED == (int)TCP_ESTABLISHED);
static_assert((int)TCPWATCH_NEW_SYN_RECV == (int)TCP_NEW_SYN_RECV);
static_assert((int)TCPWATCH_NR_STATES == (int)TW_TCP_SK_STATES);

static const char *const state_names[TCPWATCH_NR_STATES] = {
	[TCPWATCH_STATE_UNKNOWN] = "UNKNOWN",
	[TCPWATCH_ESTABLISHED] = "ESTABLISHED",
	[TCPWATCH_SYN_SENT] = "SYN_SENT",
	[TCPWATCH_SYN_RECV] = "SYN_RECV",
	[TCPWATCH_FIN_WAIT1] = "FIN_WAIT1",
	[TCPWATCH_FIN_WAIT2] = "FIN_WAIT2",
	[TCPWATCH_TIME_WAIT] = "TIME_WAIT",
	[TCPWATCH_CLOSE] = "CLOSE",
	[TCPWATCH_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCPWATCH_LAST_ACK] = "LAST_ACK",
	[TCPWATCH_LISTEN] = "LISTEN",
	[TCPWATCH_CLOSING] = "CLOSING",
	[TCPWATCH_NEW_SYN_RECV] = "NEW_SYN_RECV",
};

static const char *const sk_kind_names[TCPWATCH_NR_SK_KINDS] = {
	[TCPWATCH_SK_FULL] = "full",
	[TCPWATCH_SK_REQUEST] = "request",
	[TCPWATCH_SK_TIMEWAIT] = "timewait",
};

static const char *const reason_names[TCPWATCH_NR_REASONS] = {
	[TCPWATCH_REASON_NONE] = "",
	[TCPWATCH_REASON_ACCEPTED] = "accepted",
	[TCPWATCH_REASON_TIMEOUT] = "timeout",
	[TCPWATCH_REASON_RESET] = "reset",
	[TCPWATCH_REASON_DROPPED] = "dropped",
	[TCPWATCH_REASON_EXPIRED] = "expired",
	[TCPWATCH_REASON_REUSED] = "reused",
	[TCPWATCH_REASON_PURGED] = "purged",
	[TCPWATCH_REASON_HANDOFF] = "handoff",
};

const char *tw_state_name(unsigned int state)
{
	return state < ARRAY_SIZE(state_names) ? state_names[state] : "UNKNOWN";
}

const char *tw_sk_kind_name(unsigned int kind)
{
	return kind < ARRAY_SIZE(sk_kind_names) ? sk_kind_names[kind] : "?";
}

const char *tw_reason_name(unsigned int reason)
{
	return reason < ARRAY_SIZE(reason_names) ? reason_names[reason] : "?";
}
