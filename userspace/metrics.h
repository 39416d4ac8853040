/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpwatchd's Prometheus metrics. Labels are bounded: state names, socket
 * kinds, and listeners by (netns, port); never one series per connection.
 * The netns label is the inode number, for people; listeners are told apart
 * by their namespace's cookie, which is never reused.
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

/*
 * @sum and @ls NULL when the module could not be read (tcpwatch_up 0);
 * @leaked, sockets per state older than --leak-age, NULL when unknown;
 * @d NULL when the daemon does not follow events (no --output).
 */
void metrics_write(FILE *f, const struct tw_summary *sum, const struct tw_listeners *ls,
		   const uint64_t *leaked, const struct daemon_stats *d);

#endif
