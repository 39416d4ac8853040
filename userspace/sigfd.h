/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIGINT and SIGTERM (and SIGHUP for the daemon) as a file descriptor, so a
 * poll() loop sees them without the race of a flag set by a handler.
 */
#ifndef TCPWATCH_SIGFD_H
#define TCPWATCH_SIGFD_H

/* Block the signals in @sigs (0-terminated) and return a signalfd, or -errno. */
int sigfd_open(const int *sigs);
/* The next pending signal number, 0 if none, -errno. */
int sigfd_read(int fd);

#endif
