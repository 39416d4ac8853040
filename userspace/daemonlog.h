/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpwatchd's trouble log: listener accept-queue overflows and SYN drops as
 * they happen, and sockets leaking in CLOSE_WAIT, FIN_WAIT2 or LAST_ACK.
 * Both rate-limited so a flood of trouble is a few lines, never a flood of
 * lines, and both bounded in memory.
 */
#ifndef TCPWATCH_DAEMONLOG_H
#define TCPWATCH_DAEMONLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "parse.h"

/* Listeners followed at once; the least recently active one makes room. */
#define LISTENLOG_SLOTS		256

struct listenlog_entry {
	bool used;
	uint64_t cookie;		/* the listener's; 0 if the kernel had none */
	uint64_t netns_cookie;		/* its namespace: the inode is reused */
	uint32_t netns;
	struct tw_tuple t;		/* the listener's address in saddr/sport */
	uint32_t pid;
	char comm[TW_COMM_LEN];
	uint64_t last_line_ns;		/* 0: never logged */
	uint64_t last_seen_ns;
	uint64_t overflows, syn_drops;	/* since the last line */
	uint32_t syn_queue, accept_queue, backlog;	/* at the latest drop */
};

struct listenlog {
	uint64_t interval_ns;		/* at most one line per listener per this */
	struct listenlog_entry e[LISTENLOG_SLOTS];
};

void listenlog_init(struct listenlog *l, uint64_t interval_ns);
/*
 * An overflow or SYN-drop event (others are ignored) seen at @now_ns: logged
 * at once if the listener had no line for an interval, else counted.
 */
void listenlog_event(struct listenlog *l, FILE *log, const struct tw_event *ev,
		     uint64_t now_ns);
/* Log the counts held back whose listener may have a line again. */
void listenlog_flush(struct listenlog *l, FILE *log, uint64_t now_ns);

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
