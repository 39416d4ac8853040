/* SPDX-License-Identifier: GPL-2.0 */
/* How one event prints: the JSON line of SPEC.md's contract, or a text row. */
#ifndef TCPWATCH_EVENT_OUT_H
#define TCPWATCH_EVENT_OUT_H

#include <stdbool.h>
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
void event_print_header(FILE *f, bool wide);
void event_print_human(FILE *f, const struct tw_event *ev, bool wide);

#endif
