/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpwatchd's trouble log: listener accept-queue overflows and SYN drops, and
 * sockets leaking in CLOSE_WAIT, FIN_WAIT2 or LAST_ACK, both found every
 * interval from the module's own tables (no events needed). A flood of
 * trouble is a few lines, never a flood of lines.
 */
#ifndef TCPWATCH_DAEMONLOG_H
#define TCPWATCH_DAEMONLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "parse.h"

/*
 * A listener's counters as one dump of the module's listeners found them.
 * A listener is its socket cookie, or without one its namespace (by cookie:
 * the inode is reused) and address.
 */
struct listenlog_count {
	uint64_t cookie;
	uint64_t netns_cookie;
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
	uint64_t overflows, syn_drops;
};

/*
 * Overflows and SYN drops come from the module's per-listener counters, one
 * dump an interval compared with the one before: exact whatever events were
 * lost, and at most one line per listener per dump.
 */
struct listenlog {
	struct listenlog_count *prev;	/* the last dump's, sorted */
	size_t n_prev;
	bool have_prev;			/* false: the next dump is only a baseline */
	uint64_t prev_ns;		/* when @prev was taken, or the module came */
};

/* What a counter grew by from @before to @now; one that went down restarted at 0. */
uint64_t listenlog_delta(uint64_t before, uint64_t now);

void listenlog_init(struct listenlog *l);
/*
 * The module (re)appeared at @now_ns: its counters start at 0, so whatever
 * the next dump counts happened since.
 */
void listenlog_restart(struct listenlog *l, uint64_t now_ns);
/*
 * One dump of the listeners, taken at @now_ns: a line for each listener
 * whose overflows or SYN drops grew since the last dump (a listener not in
 * that one counts from 0); the first dump after listenlog_init() only sets
 * the baseline. Returns 0, or -ENOMEM (then the next dump is a baseline).
 */
int listenlog_scan(struct listenlog *l, FILE *log, const struct tw_listeners *ls,
		   uint64_t now_ns);
void listenlog_free(struct listenlog *l);

/* Leaking sockets logged one by one per scan at most; the rest are counted. */
#define LEAKLOG_MAX_LINES	20
/* Owners summarised per scan at most. */
#define LEAKLOG_MAX_OWNERS	10
/* Cookies remembered as already logged. */
#define LEAKLOG_MAX_SEEN	65536

struct leaklog {
	uint64_t *seen;			/* sorted cookies already logged */
	size_t n_seen;
};

/*
 * @leaking as leaks_select() left it. Logs each socket not logged before,
 * then a summary line for each owner that has new ones, and remembers the
 * cookies still leaking (a socket that stops leaking is forgotten).
 * Returns 0 or -ENOMEM.
 */
int leaklog_scan(struct leaklog *l, FILE *log, const struct tw_sockets *leaking);
void leaklog_free(struct leaklog *l);

#endif
