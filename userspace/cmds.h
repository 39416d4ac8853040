/* SPDX-License-Identifier: GPL-2.0 */
/* The tcpwatch subcommands: one file each, int <name>_main(argc, argv). */
#ifndef TCPWATCH_CMDS_H
#define TCPWATCH_CMDS_H

#include <stdbool.h>
#include <stdio.h>

#include "filter.h"
#include "json.h"
#include "nl.h"
#include "parse.h"

#ifndef TCPWATCH_VERSION
#define TCPWATCH_VERSION "unknown"
#endif

int summary_main(int argc, char *argv[]);
int events_main(int argc, char *argv[]);
int status_main(int argc, char *argv[]);
int listeners_main(int argc, char *argv[]);
int leaks_main(int argc, char *argv[]);
int dwell_main(int argc, char *argv[]);
int timewait_main(int argc, char *argv[]);
int graph_main(int argc, char *argv[]);
int top_main(int argc, char *argv[]);

/* One frame of `tcpwatch top`: now, and (but for the first) a frame ago. */
struct top_view {
	const char *clock;			/* the time of day, for the header */
	double interval_s;
	const struct tw_summary *cur, *prev;	/* prev NULL: no rates yet */
	const struct tw_listeners *ls, *prev_ls;
	double secs;				/* between prev and cur */
	const struct tw_sockets *leaks;		/* leak states, old enough; NULL: not read */
};

void top_print_frame(FILE *f, const struct top_view *v);

/* The RFC 9293 state diagram with @sum's transition counts, as DOT. */
void graph_print_dot(FILE *f, const struct tw_summary *sum);

/* Output of each subcommand, apart from how it got its data (for tests). */
void summary_print_json(FILE *f, const struct tw_summary *sum,
			const struct tw_listeners *ls);
void summary_print_human(FILE *f, const struct tw_summary *sum,
			 const struct tw_listeners *ls);
void status_print_json(FILE *f, const struct tw_status *st);
void status_print_human(FILE *f, const struct tw_status *st);

/*
 * The listeners of @f's namespace that match @f; on failure the standard
 * message on stderr. 0 or -errno.
 */
int listeners_read(struct nl *nl, const struct tw_filter *f, struct tw_listeners *ls);

/* One listener object, as in summary's "listeners" and `listeners --json`. */
void json_listener(struct json *j, const struct tw_listener *l);
void listeners_print_json(FILE *f, const struct tw_listeners *ls);
/* @table: TABLE_* (format.h) */
void listeners_print_human(FILE *f, const struct tw_listeners *ls, unsigned int table);

/* @s as leaks_select() left it: oldest first. */
void leaks_print_json(FILE *f, const struct tw_sockets *s);
void leaks_print_human(FILE *f, const struct tw_sockets *s, unsigned int table);

/* The states in @states (0: all with samples). */
void dwell_print_json(FILE *f, const struct tw_summary *sum, uint32_t states);
void dwell_print_human(FILE *f, const struct tw_summary *sum, uint32_t states);

/* TIME_WAIT sockets on one port. */
struct port_count {
	uint16_t port;
	uint64_t count;
};

/* What `tcpwatch timewait` measured. */
struct timewait_report {
	const struct tw_summary *before, *after;
	uint64_t interval_ns;
	const struct port_count *local, *remote;
	size_t n_local, n_remote;
	uint64_t counted;		/* sockets behind the port lists */
};

void timewait_print_json(FILE *f, const struct timewait_report *r);
void timewait_print_human(FILE *f, const struct timewait_report *r);

#endif
