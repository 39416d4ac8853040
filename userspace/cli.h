/* SPDX-License-Identifier: GPL-2.0 */
/* Argument handling shared by the tcpwatch subcommands and tcpwatchd. */
#ifndef TCPWATCH_CLI_H
#define TCPWATCH_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * "<prog>: <message>" and a pointer to --help on stderr. Returns 1, the exit
 * status for bad usage, so callers can `return cli_error(...)`.
 */
int cli_error(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* For getopt_long's '?' and ':' (with opterr = 0 and a leading ':'). */
int cli_option_error(const char *prog, int c, char *argv[]);

/* Parse an option's number in [min, max]; on error print it and return 1. */
int cli_number(const char *prog, const char *opt, const char *arg,
	       uint64_t min, uint64_t max, uint64_t *out);

/*
 * The options of the read-only reporting subcommands: -j/--json, -h/--help
 * and, if @netns is not NULL, -n/--netns INODE. Returns 0 to go on, -1 after
 * printing the help (exit 0), or 1 after a usage error.
 */
int cli_report_opts(const char *prog, int argc, char *argv[], void (*usage)(FILE *),
		    bool *json, uint64_t *netns);

/* Reject leftover positional arguments. */
int cli_no_args(const char *prog, int argc, char *argv[]);

#endif
