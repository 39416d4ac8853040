/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcpwatch generic netlink ABI, shared by the kernel module and userspace.
 *
 * Family "tcpwatch", version TCPWATCH_GENL_VERSION. Every attribute below is
 * validated by a strict policy in the module; unknown attributes are rejected.
 * No attribute ever carries a kernel address.
 */
#ifndef _UAPI_LINUX_TCPWATCH_H
#define _UAPI_LINUX_TCPWATCH_H

#define TCPWATCH_GENL_NAME		"tcpwatch"
#define TCPWATCH_GENL_VERSION		1
/*
 * Multicast group for events; joining it needs CAP_NET_ADMIN in the user
 * namespace that owns the caller's network namespace. A member in init_net
 * gets every namespace's events, any other only its own namespace's.
 */
#define TCPWATCH_MCGRP_EVENTS		"events"

/* TCP states: the kernel's own numbering (include/net/tcp_states.h). */
enum tcpwatch_state {
	TCPWATCH_STATE_UNKNOWN = 0,
	TCPWATCH_ESTABLISHED = 1,
	TCPWATCH_SYN_SENT,
	TCPWATCH_SYN_RECV,
	TCPWATCH_FIN_WAIT1,
	TCPWATCH_FIN_WAIT2,
	TCPWATCH_TIME_WAIT,
	TCPWATCH_CLOSE,
	TCPWATCH_CLOSE_WAIT,
	TCPWATCH_LAST_ACK,
	TCPWATCH_LISTEN,
	TCPWATCH_CLOSING,
	TCPWATCH_NEW_SYN_RECV,
	TCPWATCH_NR_STATES		/* 13: index space of state arrays */
};

/* Which kernel object a transition happened to. */
enum tcpwatch_sk_kind {
	TCPWATCH_SK_FULL = 0,		/* struct sock (tcp_set_state) */
	TCPWATCH_SK_REQUEST,		/* struct request_sock (NEW_SYN_RECV) */
	TCPWATCH_SK_TIMEWAIT,		/* struct inet_timewait_sock */
	TCPWATCH_NR_SK_KINDS
};

/* Why a request or timewait socket ended. */
enum tcpwatch_reason {
	TCPWATCH_REASON_NONE = 0,
	TCPWATCH_REASON_ACCEPTED,	/* request promoted to a full socket */
	TCPWATCH_REASON_TIMEOUT,	/* SYN-ACK retries exhausted */
	TCPWATCH_REASON_RESET,		/* RST received */
	TCPWATCH_REASON_DROPPED,	/* queue full or otherwise dropped */
	TCPWATCH_REASON_EXPIRED,	/* timewait timer fired */
	TCPWATCH_REASON_REUSED,		/* new SYN took over the 4-tuple */
	TCPWATCH_REASON_PURGED,		/* netns dismantled */
	TCPWATCH_REASON_HANDOFF,	/* full socket replaced by a timewait socket */
	TCPWATCH_NR_REASONS
};

/* Event types (TCPWATCH_A_EV_TYPE). */
enum tcpwatch_event_type {
	TCPWATCH_EV_STATE = 0,		/* a state transition */
	TCPWATCH_EV_OVERFLOW,		/* a listener's accept queue overflowed */
	TCPWATCH_EV_SYN_DROP,		/* a listener dropped a SYN */
	TCPWATCH_EV_LOST,		/* TCPWATCH_A_EV_LOST records lost on a CPU */
	TCPWATCH_NR_EVENT_TYPES
};

enum tcpwatch_cmd {
	TCPWATCH_CMD_UNSPEC = 0,
	TCPWATCH_CMD_GET_SUMMARY,	/* doit: aggregates of the caller's view */
	TCPWATCH_CMD_GET_STATUS,	/* doit, admin: version, probes, totals */
	TCPWATCH_CMD_GET_LISTENERS,	/* dumpit: one message per listener */
	TCPWATCH_CMD_GET_SOCKETS,	/* dumpit, admin: tracked sockets */
	TCPWATCH_CMD_EVENT,		/* multicast; dumpit, admin: the rings */
	TCPWATCH_CMD_GET_CPUS,		/* dumpit, admin: one message per CPU */
	TCPWATCH_CMD_GET_PORTS,		/* dumpit, admin: sockets per port */
	__TCPWATCH_CMD_MAX
};

#define TCPWATCH_CMD_MAX (__TCPWATCH_CMD_MAX - 1)

/*
 * Who may ask what (Documentation/security.md). "admin" needs CAP_NET_ADMIN
 * in the user namespace that owns the caller's network namespace. A caller
 * sees its own network namespace only, unless it is in init_net with
 * CAP_NET_ADMIN in the initial user namespace: then it sees every
 * namespace, or the one that TCPWATCH_A_NETNS / TCPWATCH_A_NETNS_COOKIE
 * name. Naming another namespace without that right fails with EPERM.
 */

/* Top-level attributes. */
enum tcpwatch_attr {
	TCPWATCH_A_UNSPEC = 0,
	TCPWATCH_A_PAD,
	TCPWATCH_A_VERSION,		/* string: module version */
	TCPWATCH_A_STATES,		/* nest: attr type = state, u64 current count */
	TCPWATCH_A_TRANSITIONS,		/* nest of TCPWATCH_A_TRANSITION */
	TCPWATCH_A_TRANSITION,		/* nest: TCPWATCH_A_TR_* */
	TCPWATCH_A_TIMEWAIT,		/* nest: TCPWATCH_A_TW_* */
	TCPWATCH_A_EVENTS,		/* nest: TCPWATCH_A_EVS_* */
	TCPWATCH_A_PROBES,		/* nest of TCPWATCH_A_PROBE */
	TCPWATCH_A_PROBE,		/* nest: TCPWATCH_A_PROBE_* */
	TCPWATCH_A_CPUS,		/* unused since GET_CPUS */
	TCPWATCH_A_CPU,			/* nest: TCPWATCH_A_CPU_* (GET_CPUS) */
	TCPWATCH_A_RING_SIZE,		/* u32: records per CPU ring */
	TCPWATCH_A_TRACK_MAX,		/* u32: max_tracked, the pool's ceiling */
	TCPWATCH_A_TRACK_USED,		/* u32: tracked sockets now */
	TCPWATCH_A_TRACK_FAILED,	/* u64: sockets not tracked, every cause */
	TCPWATCH_A_LISTENER,		/* nest: TCPWATCH_A_LS_* */
	TCPWATCH_A_SOCKET,		/* nest: TCPWATCH_A_EV_* (no seq/cpu) */
	TCPWATCH_A_DWELL,		/* nest of TCPWATCH_A_DWELL_STATE */
	TCPWATCH_A_DWELL_STATE,		/* nest: TCPWATCH_A_DW_* */
	TCPWATCH_A_NETNS,		/* u32: request: only this netns (inode) */
	TCPWATCH_A_SEEDED,		/* u32: sockets seeded at load */
	TCPWATCH_A_ENDS,		/* nest of TCPWATCH_A_END */
	TCPWATCH_A_END,			/* nest: TCPWATCH_A_END_* */
	TCPWATCH_A_SYNACK_RETRANS,	/* u64: SYN-ACKs retransmitted */
	TCPWATCH_A_OVERFLOWS,		/* u64: accept-queue overflows, all listeners */
	TCPWATCH_A_SYN_DROPS,		/* u64: SYNs dropped, all listeners */
	TCPWATCH_A_SYNCOOKIES,		/* u64: SYN cookies sent, all listeners */
	TCPWATCH_A_NETNS_COOKIE,	/* u64: request: only this netns (net_cookie) */
	TCPWATCH_A_TRACK_ALLOCATED,	/* u32: pool entries allocated (grows with use) */
	TCPWATCH_A_TRACK_BYTES,		/* u64: memory of the pool and its hash table */
	TCPWATCH_A_TRACK_FAILED_FULL,	/* u64: not tracked: max_tracked reached */
	TCPWATCH_A_TRACK_FAILED_GROWING, /* u64: not tracked: pool still growing */
	TCPWATCH_A_UNTRACKED,		/* u64: sockets counted now without an entry */
	TCPWATCH_A_SEEDED_UNTRACKED,	/* u32: of the seeded, without an entry */
	TCPWATCH_A_SOCK_STATES,		/* u32: GET_SOCKETS request: bit n = state n only */
	TCPWATCH_A_SOCK_MIN_AGE,	/* u64: GET_SOCKETS request: in its state >= ns */
	TCPWATCH_A_SOCK_PORT,		/* u16: GET_SOCKETS request: local or remote port */
	TCPWATCH_A_SOCK_KINDS,		/* u32: GET_PORTS request: bit n = sk kind n only */
	TCPWATCH_A_SOCK_ADDR,		/* binary, 4 or 16: GET_PORTS request: local or remote */
	TCPWATCH_A_PORTS_TOP,		/* u32: GET_PORTS request: at most this many per side */
	TCPWATCH_A_PORTS_SOCKETS,	/* u64: GET_PORTS reply, first message: sockets counted */
	TCPWATCH_A_PORT,		/* nest: TCPWATCH_A_PORT_* (GET_PORTS) */
	__TCPWATCH_A_MAX
};

#define TCPWATCH_A_MAX (__TCPWATCH_A_MAX - 1)

/* Inside TCPWATCH_A_PORT: how many sockets one port holds, on one side. */
enum tcpwatch_port_side {
	TCPWATCH_PORT_LOCAL = 0,
	TCPWATCH_PORT_REMOTE,
};

enum tcpwatch_attr_port {
	TCPWATCH_A_PORT_UNSPEC = 0,
	TCPWATCH_A_PORT_PAD,
	TCPWATCH_A_PORT_SIDE,		/* u8: enum tcpwatch_port_side */
	TCPWATCH_A_PORT_NUM,		/* u16 */
	TCPWATCH_A_PORT_COUNT,		/* u64: sockets */
	__TCPWATCH_A_PORT_MAX
};

#define TCPWATCH_A_PORT_MAX (__TCPWATCH_A_PORT_MAX - 1)

/* Inside TCPWATCH_A_TRANSITION. */
enum tcpwatch_attr_tr {
	TCPWATCH_A_TR_UNSPEC = 0,
	TCPWATCH_A_TR_PAD,
	TCPWATCH_A_TR_SK,		/* u8: enum tcpwatch_sk_kind */
	TCPWATCH_A_TR_OLD,		/* u8: enum tcpwatch_state */
	TCPWATCH_A_TR_NEW,		/* u8: enum tcpwatch_state */
	TCPWATCH_A_TR_COUNT,		/* u64 */
	__TCPWATCH_A_TR_MAX
};

#define TCPWATCH_A_TR_MAX (__TCPWATCH_A_TR_MAX - 1)

/* Inside TCPWATCH_A_TIMEWAIT. */
enum tcpwatch_attr_tw {
	TCPWATCH_A_TW_UNSPEC = 0,
	TCPWATCH_A_TW_PAD,
	TCPWATCH_A_TW_CURRENT,		/* u64: timewait sockets now */
	TCPWATCH_A_TW_ENTERED,		/* u64: timewait sockets created */
	TCPWATCH_A_TW_ENDED,		/* u64: timewait sockets destroyed */
	__TCPWATCH_A_TW_MAX
};

#define TCPWATCH_A_TW_MAX (__TCPWATCH_A_TW_MAX - 1)

/* Inside TCPWATCH_A_END: how many objects of a kind ended for a reason. */
enum tcpwatch_attr_end {
	TCPWATCH_A_END_UNSPEC = 0,
	TCPWATCH_A_END_PAD,
	TCPWATCH_A_END_SK,		/* u8: enum tcpwatch_sk_kind */
	TCPWATCH_A_END_REASON,		/* u8: enum tcpwatch_reason */
	TCPWATCH_A_END_COUNT,		/* u64 */
	__TCPWATCH_A_END_MAX
};

#define TCPWATCH_A_END_MAX (__TCPWATCH_A_END_MAX - 1)

/* Inside TCPWATCH_A_EVENTS. */
enum tcpwatch_attr_evs {
	TCPWATCH_A_EVS_UNSPEC = 0,
	TCPWATCH_A_EVS_PAD,
	TCPWATCH_A_EVS_WRITTEN,		/* u64: records written to the rings */
	TCPWATCH_A_EVS_LOST,		/* u64: records lost (ring full + kprobe misses) */
	TCPWATCH_A_EVS_UNSENT,		/* u64: records not multicast: no memory for a message */
	__TCPWATCH_A_EVS_MAX
};

#define TCPWATCH_A_EVS_MAX (__TCPWATCH_A_EVS_MAX - 1)

/* Inside TCPWATCH_A_PROBE. */
enum tcpwatch_attr_probe {
	TCPWATCH_A_PROBE_UNSPEC = 0,
	TCPWATCH_A_PROBE_PAD,
	TCPWATCH_A_PROBE_NAME,		/* string: tracepoint or kernel symbol */
	TCPWATCH_A_PROBE_ATTACHED,	/* u8: 1 attached, 0 not */
	TCPWATCH_A_PROBE_MISSED,	/* u64: kprobe nmissed */
	TCPWATCH_A_PROBE_LOSES,		/* string: what is missing while not attached */
	TCPWATCH_A_PROBE_HITS,		/* u64: times its handler ran since load */
	__TCPWATCH_A_PROBE_MAX
};

#define TCPWATCH_A_PROBE_MAX (__TCPWATCH_A_PROBE_MAX - 1)

/* Inside TCPWATCH_A_CPU. */
enum tcpwatch_attr_cpu {
	TCPWATCH_A_CPU_UNSPEC = 0,
	TCPWATCH_A_CPU_PAD,
	TCPWATCH_A_CPU_ID,		/* u32 */
	TCPWATCH_A_CPU_WRITTEN,		/* u64: records written (= next seq) */
	TCPWATCH_A_CPU_LOST,		/* u64: records lost, ring full */
	__TCPWATCH_A_CPU_MAX
};

#define TCPWATCH_A_CPU_MAX (__TCPWATCH_A_CPU_MAX - 1)

/* Inside TCPWATCH_A_LISTENER. */
enum tcpwatch_attr_ls {
	TCPWATCH_A_LS_UNSPEC = 0,
	TCPWATCH_A_LS_PAD,
	TCPWATCH_A_LS_NETNS,		/* u32: netns inode number */
	TCPWATCH_A_LS_FAMILY,		/* u8: AF_INET or AF_INET6 */
	TCPWATCH_A_LS_ADDR,		/* binary: 4 or 16 bytes, network order */
	TCPWATCH_A_LS_PORT,		/* u16: host order */
	TCPWATCH_A_LS_SYN_QUEUE,	/* u32: request sockets now */
	TCPWATCH_A_LS_SYN_QUEUE_PEAK,	/* u32 */
	TCPWATCH_A_LS_ACCEPT_QUEUE,	/* u32: sk_ack_backlog now */
	TCPWATCH_A_LS_ACCEPT_QUEUE_PEAK, /* u32 */
	TCPWATCH_A_LS_BACKLOG,		/* u32: sk_max_ack_backlog */
	TCPWATCH_A_LS_OVERFLOWS,	/* u64: accept-queue overflows */
	TCPWATCH_A_LS_SYN_DROPS,	/* u64: SYNs dropped */
	TCPWATCH_A_LS_SYNCOOKIES,	/* u64: SYN cookies sent */
	TCPWATCH_A_LS_PID,		/* u32: owner; absent unless admin */
	TCPWATCH_A_LS_COMM,		/* string: owner; absent unless admin */
	TCPWATCH_A_LS_COOKIE,		/* u64: listener's socket cookie */
	TCPWATCH_A_LS_SYNACK_RETRANS,	/* u64: SYN-ACKs retransmitted */
	TCPWATCH_A_LS_NETNS_COOKIE,	/* u64: the netns' net_cookie */
	__TCPWATCH_A_LS_MAX
};

#define TCPWATCH_A_LS_MAX (__TCPWATCH_A_LS_MAX - 1)

/* Inside TCPWATCH_A_DWELL_STATE: a log2 histogram of time spent in a state. */
enum tcpwatch_attr_dw {
	TCPWATCH_A_DW_UNSPEC = 0,
	TCPWATCH_A_DW_PAD,
	TCPWATCH_A_DW_STATE,		/* u8: the state left */
	TCPWATCH_A_DW_BUCKETS,		/* binary: u64[TCPWATCH_DWELL_BUCKETS] */
	__TCPWATCH_A_DW_MAX
};

#define TCPWATCH_A_DW_MAX (__TCPWATCH_A_DW_MAX - 1)

/* Bucket i counts dwell times in [2^i, 2^(i+1)) ns; bucket 0 also holds 0. */
#define TCPWATCH_DWELL_BUCKETS	64

/* Attributes of a TCPWATCH_CMD_EVENT message (and of TCPWATCH_A_SOCKET). */
enum tcpwatch_attr_ev {
	TCPWATCH_A_EV_UNSPEC = 0,
	TCPWATCH_A_EV_PAD,
	TCPWATCH_A_EV_TYPE,		/* u8: enum tcpwatch_event_type */
	TCPWATCH_A_EV_SEQ,		/* u64: per-CPU sequence, gapless */
	TCPWATCH_A_EV_CPU,		/* u32 */
	TCPWATCH_A_EV_TS,		/* u64: CLOCK_MONOTONIC ns */
	TCPWATCH_A_EV_SK,		/* u8: enum tcpwatch_sk_kind */
	TCPWATCH_A_EV_COOKIE,		/* u64: socket cookie (as ss -e) */
	TCPWATCH_A_EV_NETNS,		/* u32: netns inode number (reused) */
	TCPWATCH_A_EV_FAMILY,		/* u8: AF_INET or AF_INET6 */
	TCPWATCH_A_EV_SADDR,		/* binary: 4 or 16 bytes, network order */
	TCPWATCH_A_EV_SPORT,		/* u16: host order, 0 if not yet set */
	TCPWATCH_A_EV_DADDR,		/* binary: 4 or 16 bytes, network order */
	TCPWATCH_A_EV_DPORT,		/* u16: host order, 0 if not yet set */
	TCPWATCH_A_EV_OLD,		/* u8: enum tcpwatch_state */
	TCPWATCH_A_EV_NEW,		/* u8: enum tcpwatch_state */
	TCPWATCH_A_EV_DWELL,		/* u64: ns in OLD; absent if unknown */
	TCPWATCH_A_EV_PID,		/* u32: owner tgid, 0 if unknown */
	TCPWATCH_A_EV_COMM,		/* string: owner comm, may be empty */
	TCPWATCH_A_EV_REASON,		/* u8: enum tcpwatch_reason */
	TCPWATCH_A_EV_SYN_QUEUE,	/* u32: listener SYN queue */
	TCPWATCH_A_EV_ACCEPT_QUEUE,	/* u32: listener accept queue */
	TCPWATCH_A_EV_BACKLOG,		/* u32: listener sk_max_ack_backlog */
	TCPWATCH_A_EV_LOST,		/* u64: TCPWATCH_EV_LOST: records lost */
	TCPWATCH_A_EV_AGE,		/* u64: TCPWATCH_A_SOCKET: ns in state */
	TCPWATCH_A_EV_NETNS_COOKIE,	/* u64: netns net_cookie (never reused) */
	__TCPWATCH_A_EV_MAX
};

#define TCPWATCH_A_EV_MAX (__TCPWATCH_A_EV_MAX - 1)

#endif /* _UAPI_LINUX_TCPWATCH_H */
