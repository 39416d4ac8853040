/* SPDX-License-Identifier: GPL-2.0 */
/* Argument handling shared by the tcpwatch subcommands and tcpwatchd. */
#ifndef TCPWATCH_CLI_H
#define TCPWATCH_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "filter.h"

/* The exit statuses of tcpwatch and tcpwatchd (tcpwatch(8), tcpwatchd(8)). */
enum {
	TW_EXIT_FAILED = 1,	/* an error while running: netlink, memory, output */
	TW_EXIT_USAGE = 2,	/* bad options or arguments */
	TW_EXIT_NO_MODULE = 3,	/* the tcpwatch module is not loaded */
	TW_EXIT_PERMISSION = 4,	/* not allowed: CAP_NET_ADMIN needed */
};

/*
 * The exit status for @err: 0, a -errno from netlink or the system, or an
 * exit status already (positive), returned as it is.
 */
int cli_exit_status(int err);

/*
 * "<prog>: <message>" and a pointer to --help on stderr. Returns
 * TW_EXIT_USAGE, so callers can `return cli_error(...)`.
 */
int cli_error(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* For getopt_long's '?' and ':' (with opterr = 0 and a leading ':'). */
int cli_option_error(const char *prog, int c, char *argv[]);

/* Parse an option's number in [min, max]; on error print it, TW_EXIT_USAGE. */
int cli_number(const char *prog, const char *opt, const char *arg,
	       uint64_t min, uint64_t max, uint64_t *out);

/* A duration (tw_duration_parse) in [min_ns, max_ns]; on error print it, TW_EXIT_USAGE. */
int cli_duration(const char *prog, const char *opt, const char *arg,
		 uint64_t min_ns, uint64_t max_ns, uint64_t *ns);

/* "CLOSE_WAIT,fin_wait2": add each state to *@mask; on error print it, TW_EXIT_USAGE. */
int cli_states(const char *prog, const char *arg, uint32_t *mask);

/* What a reporting subcommand accepts beyond -j/--json and -h/--help. */
enum {
	CLI_NETNS	= 1 << 0,	/* -n, --netns INODE and --netns-cookie N */
	CLI_ADDRPORT	= 1 << 1,	/* -p, --port N and -a, --addr ADDR */
	CLI_STATE	= 1 << 2,	/* -s, --state STATE[,STATE...], repeatable */
	CLI_WIDE	= 1 << 3,	/* -w, --wide and -H, --no-header: a table */
	CLI_WALL_CLOCK	= 1 << 4,	/* -T, --wall-clock */
	CLI_FILTERS	= CLI_NETNS | CLI_ADDRPORT | CLI_STATE,
};

struct cli_report {
	bool json;
	unsigned int table;		/* TABLE_* (format.h) */
	struct tw_filter filter;
};

/* A subcommand's own options, handled by @fn: 0 to go on, TW_EXIT_USAGE after an error. */
struct cli_extra {
	const struct option *opts;	/* ends with {} */
	int (*fn)(const char *prog, int c, const char *arg, void *ctx);
	void *ctx;
};

/*
 * Parse the options of a read-only reporting subcommand: the common ones
 * named by @accept into @r, the others through @extra (may be NULL).
 * Returns 0 to go on, -1 after printing the help (exit 0), or TW_EXIT_USAGE
 * after a usage error.
 */
int cli_report_opts(const char *prog, int argc, char *argv[], void (*usage)(FILE *),
		    unsigned int accept, struct cli_report *r, const struct cli_extra *extra);

/* Reject leftover positional arguments. */
int cli_no_args(const char *prog, int argc, char *argv[]);

#endif
