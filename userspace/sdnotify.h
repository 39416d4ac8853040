/* SPDX-License-Identifier: GPL-2.0 */
/*
 * systemd's readiness protocol without libsystemd: one datagram to the
 * AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" in the abstract
 * namespace), as sd_notify(3) sends it.
 */
#ifndef TCPWATCH_SDNOTIFY_H
#define TCPWATCH_SDNOTIFY_H

/*
 * Send @state (e.g. "READY=1") when run by systemd with Type=notify; 0 when
 * sent or not asked for ($NOTIFY_SOCKET unset), else -errno.
 */
int sd_notify_state(const char *state);

#endif
