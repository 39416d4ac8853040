/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names and number formats shared by every tcpwatch output: state, socket
 * kind, reason and event-type names exactly as SPEC.md spells them, address
 * formatting, and parsing of the numbers and durations users type.
 */
#ifndef TCPWATCH_FORMAT_H
#define TCPWATCH_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/tcpwatch.h>

/* "[ffff:...:ffff]:65535" plus NUL, with room to spare. */
#define TW_ADDRPORT_LEN	64

/*
 * Each returns NULL for a value this build does not know. State 0 is
 * "UNKNOWN", as the module names it, but tw_state_parse() does not take it.
 */
const char *tw_state_name(unsigned int state);
const char *tw_sk_kind_name(unsigned int kind);
const char *tw_reason_name(unsigned int reason);
const char *tw_event_type_name(unsigned int type);
const char *tw_family_name(unsigned int family);

/* "established", "TCP_ESTABLISHED", "Established": the state, or -EINVAL. */
int tw_state_parse(const char *name);

/*
 * Format a 4- or 16-byte network-order address of @family into @buf.
 * IPv4-mapped IPv6 addresses print as ::ffff:a.b.c.d (inet_ntop does that).
 */
int tw_addr_format(unsigned int family, const uint8_t *addr, char *buf, size_t len);
/* "1.2.3.4:80" or "[::1]:80"; "*" for an unspecified address. */
int tw_addrport_format(unsigned int family, const uint8_t *addr, uint16_t port,
		       char *buf, size_t len);

/* "250ms", "30s", "5m", "1h", "1.5s", bare numbers are seconds. */
int tw_duration_parse(const char *s, uint64_t *ns);
/* Human form of a duration: "850ns", "12.3us", "4.56ms", "1.20s", "3m05s". */
void tw_duration_format(uint64_t ns, char *buf, size_t len);

/* A decimal number in [min, max], nothing else (no sign, no trailing junk). */
int tw_uint_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Copy @s for a terminal: control characters become '?'. */
void tw_printable(const char *s, char *buf, size_t len);

#endif
