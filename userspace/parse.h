/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turn tcpwatch netlink messages into plain C structs. Every attribute is
 * checked against the type the uapi header documents before it is read;
 * attributes newer than this build are skipped, so an older tool keeps working
 * with a newer module. An absent attribute means "unknown": the event struct
 * records which ones were present.
 */
#ifndef TCPWATCH_PARSE_H
#define TCPWATCH_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/tcpwatch.h>

#define TW_COMM_LEN	64	/* kernel's TASK_COMM_LEN is 16; leave room */
#define TW_NAME_LEN	128

struct tw_tuple {
	uint8_t family;			/* AF_INET, AF_INET6, 0 if unknown */
	uint8_t saddr[16];		/* network order, 4 or 16 bytes used */
	uint8_t daddr[16];
	uint16_t sport;			/* 0 when the kernel had none yet */
	uint16_t dport;
};

/* A TCPWATCH_CMD_EVENT message, or the TCPWATCH_A_SOCKET nest of a socket. */
struct tw_event {
	uint32_t present;		/* bit n set: TCPWATCH_A_EV_<n> was there */
	uint8_t type;			/* enum tcpwatch_event_type */
	uint64_t seq;
	uint32_t cpu;
	uint64_t ts_ns;
	uint8_t sk;			/* enum tcpwatch_sk_kind */
	uint64_t cookie;
	uint32_t netns;			/* inode: for people, reused */
	uint64_t netns_cookie;		/* net_cookie: identity, never reused */
	struct tw_tuple t;
	uint8_t old_state;
	uint8_t new_state;
	uint64_t dwell_ns;
	uint32_t pid;
	char comm[TW_COMM_LEN];
	uint8_t reason;			/* enum tcpwatch_reason */
	uint32_t syn_queue;
	uint32_t accept_queue;
	uint32_t backlog;
	uint64_t lost;
	uint64_t age_ns;
};

_Static_assert(TCPWATCH_A_EV_MAX < 32, "tw_event.present is 32 bits");

static inline bool tw_event_has(const struct tw_event *ev, unsigned int attr)
{
	return ev->present & (1u << attr);
}

struct tw_transition {
	uint8_t sk;
	uint8_t old_state;
	uint8_t new_state;
	uint64_t count;
};

#define TW_MAX_TRANSITIONS \
	(TCPWATCH_NR_SK_KINDS * TCPWATCH_NR_STATES * TCPWATCH_NR_STATES)

/* How many request/timewait/full sockets ended for a reason. */
struct tw_end {
	uint8_t sk;
	uint8_t reason;
	uint64_t count;
};

/* Room for every (kind, reason) pair and then some, for newer modules. */
#define TW_MAX_ENDS	64

struct tw_evcounts {
	uint64_t written;
	uint64_t lost;		/* ring full, probe misses */
	uint64_t unsent;	/* the module had no memory for a message */
};

struct tw_summary {
	uint64_t states[TCPWATCH_NR_STATES];
	size_t n_transitions;
	struct tw_transition transitions[TW_MAX_TRANSITIONS];
	struct {
		uint64_t current, entered, ended;
	} timewait;
	size_t n_ends;
	struct tw_end ends[TW_MAX_ENDS];
	struct {			/* totals over all listeners */
		uint64_t overflows, syn_drops, syncookies, synack_retrans;
	} listen;
	struct tw_evcounts events;
	uint32_t dwell_present;		/* bit n: dwell[n] has samples */
	uint64_t dwell[TCPWATCH_NR_STATES][TCPWATCH_DWELL_BUCKETS];
	/*
	 * Sockets counted but without a tracking entry (no dwell time or
	 * owner); only in a summary of every namespace (@has_untracked).
	 */
	bool has_untracked;
	uint64_t untracked;
};

struct tw_listener {
	uint32_t netns;			/* inode: for people, reused */
	uint64_t netns_cookie;		/* net_cookie: identity, never reused */
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
	uint32_t syn_queue, syn_queue_peak;
	uint32_t accept_queue, accept_queue_peak;
	uint32_t backlog;
	uint64_t overflows, syn_drops, syncookies, synack_retrans;
	uint32_t pid;			/* owner; 0 and "" if hidden or unknown */
	char comm[TW_COMM_LEN];
	uint64_t cookie;
};

struct tw_listeners {
	struct tw_listener *v;
	size_t n, cap;
};

struct tw_sockets {
	struct tw_event *v;		/* TCPWATCH_A_EV_NEW is the current state */
	size_t n, cap;
};

/* GET_PORTS: tracked sockets per port, the busiest first, local then remote. */
struct tw_port {
	uint8_t side;			/* enum tcpwatch_port_side */
	uint16_t port;
	uint64_t count;
};

struct tw_ports {
	uint64_t sockets;		/* how many sockets the module counted */
	struct tw_port *v;
	size_t n, cap;
};

struct tw_probe {
	char name[TW_NAME_LEN];
	bool attached;
	uint64_t missed;
	uint64_t hits;			/* times its handler ran since load */
	char loses[2 * TW_NAME_LEN];	/* what is missing while not attached */
};

struct tw_cpu {
	uint32_t id;
	uint64_t written, lost;
};

struct tw_status {
	char version[TW_NAME_LEN];
	uint32_t ring_size;
	uint32_t track_max, track_used, track_allocated;
	uint64_t track_bytes;
	uint64_t track_failed, track_failed_full, track_failed_growing;
	uint64_t untracked;		/* sockets counted now without an entry */
	uint32_t seeded, seeded_untracked;
	struct tw_evcounts events;
	struct tw_probe *probes;
	size_t n_probes, cap_probes;
	struct tw_cpu *cpus;		/* from GET_CPUS, not GET_STATUS */
	size_t n_cpus, cap_cpus;
};

/* The count of (@sk, @reason) ends in @sum, 0 if the module sent none. */
uint64_t tw_summary_ends(const struct tw_summary *sum, unsigned int sk,
			 unsigned int reason);

/* A TCPWATCH_CMD_EVENT message, long enough to say so. */
bool tw_is_event_msg(const struct nlmsghdr *nlh);

/* Parsers of one message; 0 or -errno (-EINVAL for malformed input). */
int tw_parse_event(const struct nlmsghdr *nlh, struct tw_event *ev);
int tw_parse_summary(const struct nlmsghdr *nlh, struct tw_summary *sum);
int tw_parse_status(const struct nlmsghdr *nlh, struct tw_status *st);
int tw_parse_listener(const struct nlmsghdr *nlh, struct tw_listener *ls);
int tw_parse_socket(const struct nlmsghdr *nlh, struct tw_event *sock);
int tw_parse_cpu(const struct nlmsghdr *nlh, struct tw_cpu *cpu);

/* libmnl data callbacks for the replies; @data is the struct named. */
int tw_summary_cb(const struct nlmsghdr *nlh, void *data);	/* tw_summary */
int tw_status_cb(const struct nlmsghdr *nlh, void *data);	/* tw_status */
int tw_listeners_cb(const struct nlmsghdr *nlh, void *data);	/* tw_listeners */
int tw_sockets_cb(const struct nlmsghdr *nlh, void *data);	/* tw_sockets */
int tw_cpus_cb(const struct nlmsghdr *nlh, void *data);		/* tw_status */
int tw_ports_cb(const struct nlmsghdr *nlh, void *data);	/* tw_ports */

void tw_status_free(struct tw_status *st);
void tw_listeners_free(struct tw_listeners *ls);
void tw_sockets_free(struct tw_sockets *s);
void tw_ports_free(struct tw_ports *p);

/* Turn a parser's return value into a libmnl callback verdict. */
int tw_cb_result(int err);

#endif
