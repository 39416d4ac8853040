/* SPDX-License-Identifier: GPL-2.0 */
/* How one event prints: the JSON line of SPEC.md's contract, or a text row. */
#ifndef TCPWATCH_EVENT_OUT_H
#define TCPWATCH_EVENT_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "parse.h"

/* An address as a JSON string, or null if its family is unknown. */
void json_addr(struct json *j, const char *key, unsigned int family, const uint8_t *addr);

/* "family", "saddr", "sport", "daddr", "dport" of a connection. */
void json_tuple(struct json *j, const struct tw_tuple *t);

/* The "events" member: {"written":N,"lost":N}, the module's own counts. */
void json_evcounts(struct json *j, const struct tw_evcounts *evs);

/* One JSON object and a newline; prints what the kernel said, no more. */
void event_print_json(FILE *f, const struct tw_event *ev);

/* "addr:port" of both ends for a person; "-" for an end the kernel left blank. */
void event_endpoints(const struct tw_event *ev, char *local, char *peer, size_t len);

/* Column headers and rows for people; --wide adds cpu:seq and the cookie. */
/* @table: TABLE_* (format.h) */
void event_print_header(FILE *f, unsigned int table);
void event_print_human(FILE *f, const struct tw_event *ev, unsigned int table);

/*
 * tcpwatchd's --output. Lines collect in memory and go out with one write(2)
 * per evout_flush() (the daemon's: once per wakeup) or when EVOUT_FLUSH_AT
 * bytes wait, never through a stdio buffer that a failed write leaves in an
 * unknown state. A line that cannot be written is counted; the error is said
 * on @err at once, and said again only when it changes or after
 * evout_report() saw the output work.
 */
#define EVOUT_FLUSH_AT	(256 * 1024)

struct evout {
	const char *path;		/* "-": stdout */
	int fd;				/* -1 while closed */
	FILE *pending;			/* lines not written yet (a memstream) */
	char *buf;			/* its text, valid after fflush() */
	size_t len;
	uint64_t lines;			/* lines in it */
	bool torn;			/* a line was cut short: end it first */
	int err;			/* errno of the last write, 0 if it went out */
	int said;			/* errno said since the output last worked */
	uint64_t lost;			/* lines not written, in all */
	uint64_t reported;		/* @lost at the last report */
};

void evout_init(struct evout *o, const char *path);
/*
 * Opens, or reopens (SIGHUP) after writing what is pending to the old file:
 * on failure the old file stays. 0 or -errno, said.
 */
int evout_open(struct evout *o, FILE *err);
/*
 * Queues @ev's line; writes what is queued if that reaches EVOUT_FLUSH_AT.
 * 0, or -errno: lines were lost and counted in @o->lost.
 */
int evout_event(struct evout *o, const struct tw_event *ev, FILE *err);
/* Writes the lines queued: 0, or -errno with those not written counted. */
int evout_flush(struct evout *o, FILE *err);
/* Once an interval: the lines lost since the last report, if any. */
void evout_report(struct evout *o, FILE *err);
/* Flushes, then closes. */
void evout_close(struct evout *o, FILE *err);

#endif
