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
/* "pid 4194304 (" + comm + ")" */
#define TW_OWNER_LEN	96

/* How a table of the human output is printed (-w, -H, -T). */
enum {
	TABLE_WIDE		= 1 << 0,	/* more columns */
	TABLE_NO_HEADER		= 1 << 1,	/* no header line: for scripts */
	TABLE_WALL_CLOCK	= 1 << 2,	/* events: date and time, not seconds since boot */
};

/*
 * Each returns NULL for a value this build does not know. State 0 is
 * "UNKNOWN", as the module names it, but tw_state_parse() does not take it.
 */
const char *tw_state_name(unsigned int state);
const char *tw_sk_kind_name(unsigned int kind);
const char *tw_reason_name(unsigned int reason);
const char *tw_event_type_name(unsigned int type);
const char *tw_family_name(unsigned int family);
/* "full", "req", "tw" for narrow columns; "?" for an unknown kind. */
const char *tw_sk_kind_short(unsigned int kind);

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

/*
 * An address as a user types it: "192.0.2.1", "2001:db8::1" or "[::1]".
 * Fills @addr (network order, 4 or 16 bytes used) and *@family; -EINVAL.
 */
int tw_addr_parse(const char *s, uint8_t *family, uint8_t addr[16]);

/* "250ms", "30s", "5m", "1h", "1.5s", bare numbers are seconds. */
int tw_duration_parse(const char *s, uint64_t *ns);
/* Human form of a duration: "850ns", "12.3us", "4.56ms", "1.20s", "3m05s". */
void tw_duration_format(uint64_t ns, char *buf, size_t len);

/* A count in at most 6 columns: exact below 10^6, then "1.23M", "45.6G", ... */
void tw_count_format(uint64_t v, char *buf, size_t len);

/* A decimal number in [min, max], nothing else (no sign, no trailing junk). */
int tw_uint_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Length of the well-formed UTF-8 sequence at @s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if there is none.
 */
size_t tw_utf8_seq_len(const unsigned char *s, size_t avail);

/*
 * Copy @s for a terminal: C0 and C1 control characters and bytes that are
 * not UTF-8 become '?'; characters are never cut in half.
 */
void tw_printable(const char *s, char *buf, size_t len);

/*
 * An owner for a person: "1234/nginx" (@style_slash) or "pid 1234 (nginx)";
 * "-" / "unknown owner" when neither is known. The comm is made printable.
 */
void tw_owner_format(uint32_t pid, const char *comm, bool style_slash, char *buf,
		     size_t len);

#endif
