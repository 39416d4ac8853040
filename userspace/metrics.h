/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpwatchd's Prometheus metrics, named by Prometheus' conventions (base
 * units, _total on counters, one stem per concept: Documentation/cli.md has
 * the list). Labels are bounded: state names, socket kinds, end reasons,
 * probe names, and listeners by port; never one series per connection. The
 * netns label (an inode number, reused once a namespace is gone) churns with
 * containers, so listeners carry it only when asked (--netns-label); they
 * are then told apart by their namespace's cookie, which is never reused.
 */
#ifndef TCPWATCH_METRICS_H
#define TCPWATCH_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "parse.h"

/* What the daemon itself saw of the event stream (--output). */
struct daemon_stats {
	uint64_t received;		/* events written out */
	uint64_t missed;		/* seq gaps: never received */
	uint64_t missed_kernel;		/* of those: lost in the kernel's ring */
	uint64_t enobufs;		/* receive queue overflows */
	uint64_t malformed;		/* messages that failed to parse */
	uint64_t output_lost;		/* lines it could not write */
};

/* Everything one metrics file says. */
struct metrics_input {
	/* NULL when the module did not answer (tcpwatch_up 0): then @ls too. */
	const struct tw_summary *sum;
	const struct tw_listeners *ls;
	/* Its status with the CPUs' counts (GET_CPUS); NULL if not read. */
	const struct tw_status *st;
	/* Sockets per state older than --leak-age; NULL when unknown. */
	const uint64_t *leaked;
	/* NULL when the daemon does not follow the events (no --output). */
	const struct daemon_stats *daemon;
	bool netns_label;		/* listeners per (netns, port), not per port */
	const char *daemon_version;
	const char *kernel;		/* the running kernel's release */
	uint64_t last_read_ms;		/* Unix time the module last answered, 0: never */
};

void metrics_write(FILE *f, const struct metrics_input *in);

#endif
