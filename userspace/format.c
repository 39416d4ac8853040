// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "array.h"
#include "format.h"
#include "parse.h"

static const char *const state_names[TCPWATCH_NR_STATES] = {
	[TCPWATCH_STATE_UNKNOWN] = "UNKNOWN",	/* as the module's /proc says */
	[TCPWATCH_ESTABLISHED]	= "ESTABLISHED",
	[TCPWATCH_SYN_SENT]	= "SYN_SENT",
	[TCPWATCH_SYN_RECV]	= "SYN_RECV",
	[TCPWATCH_FIN_WAIT1]	= "FIN_WAIT1",
	[TCPWATCH_FIN_WAIT2]	= "FIN_WAIT2",
	[TCPWATCH_TIME_WAIT]	= "TIME_WAIT",
	[TCPWATCH_CLOSE]	= "CLOSE",
	[TCPWATCH_CLOSE_WAIT]	= "CLOSE_WAIT",
	[TCPWATCH_LAST_ACK]	= "LAST_ACK",
	[TCPWATCH_LISTEN]	= "LISTEN",
	[TCPWATCH_CLOSING]	= "CLOSING",
	[TCPWATCH_NEW_SYN_RECV]	= "NEW_SYN_RECV",
};

static const char *const sk_kind_names[TCPWATCH_NR_SK_KINDS] = {
	[TCPWATCH_SK_FULL]	= "full",
	[TCPWATCH_SK_REQUEST]	= "request",
	[TCPWATCH_SK_TIMEWAIT]	= "timewait",
};

static const char *const reason_names[TCPWATCH_NR_REASONS] = {
	[TCPWATCH_REASON_ACCEPTED]	= "accepted",
	[TCPWATCH_REASON_TIMEOUT]	= "timeout",
	[TCPWATCH_REASON_RESET]		= "reset",
	[TCPWATCH_REASON_DROPPED]	= "dropped",
	[TCPWATCH_REASON_EXPIRED]	= "expired",
	[TCPWATCH_REASON_REUSED]	= "reused",
	[TCPWATCH_REASON_PURGED]	= "purged",
	[TCPWATCH_REASON_HANDOFF]	= "handoff",
};

static const char *const event_type_names[TCPWATCH_NR_EVENT_TYPES] = {
	[TCPWATCH_EV_STATE]	= "state",
	[TCPWATCH_EV_OVERFLOW]	= "overflow",
	[TCPWATCH_EV_SYN_DROP]	= "syn_drop",
	[TCPWATCH_EV_LOST]	= "lost",
};

static const char *lookup(const char *const *names, size_t n, unsigned int v)
{
	return v < n ? names[v] : NULL;
}

const char *tw_state_name(unsigned int state)
{
	return lookup(state_names, ARRAY_SIZE(state_names), state);
}

const char *tw_sk_kind_name(unsigned int kind)
{
	return lookup(sk_kind_names, ARRAY_SIZE(sk_kind_names), kind);
}

const char *tw_reason_name(unsigned int reason)
{
	return lookup(reason_names, ARRAY_SIZE(reason_names), reason);
}

const char *tw_event_type_name(unsigned int type)
{
	return lookup(event_type_names, ARRAY_SIZE(event_type_names), type);
}

const char *tw_sk_kind_short(unsigned int kind)
{
	static const char *const names[TCPWATCH_NR_SK_KINDS] = { "full", "req", "tw" };

	return lookup(names, ARRAY_SIZE(names), kind) ?: "?";
}

const char *tw_family_name(unsigned int family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	default:
		return NULL;
	}
}

int tw_state_parse(const char *name)
{
	unsigned int i;

	if (!strncasecmp(name, "TCP_", 4))
		name += 4;
	for (i = 1; i < ARRAY_SIZE(state_names); i++)
		if (!strcasecmp(name, state_names[i]))
			return i;
	return -EINVAL;
}

static size_t family_addr_len(unsigned int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int tw_addr_format(unsigned int family, const uint8_t *addr, char *buf, size_t len)
{
	if (!family_addr_len(family))
		return -EAFNOSUPPORT;
	if (!inet_ntop(family, addr, buf, len))
		return -errno;
	return 0;
}

static bool addr_is_any(unsigned int family, const uint8_t *addr)
{
	size_t i;

	for (i = 0; i < family_addr_len(family); i++)
		if (addr[i])
			return false;
	return true;
}

int tw_addrport_format(unsigned int family, const uint8_t *addr, uint16_t port,
		       char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int ret, n;

	if (addr_is_any(family, addr)) {
		n = snprintf(buf, len, "*:%u", port);
		return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
	}
	ret = tw_addr_format(family, addr, a, sizeof(a));
	if (ret)
		return ret;
	n = snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int tw_addr_parse(const char *s, uint8_t *family, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(s);

	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	/* "[::1]" as in "[::1]:80" */
	if (len > 2 && len < sizeof(buf) && s[0] == '[' && s[len - 1] == ']') {
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
		s = buf;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

void tw_count_format(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "MGTPE";
	double d = v / 1e6;
	unsigned int u = 0;

	if (v < 1000000) {
		snprintf(buf, len, "%" PRIu64, v);
		return;
	}
	while (d >= 999.5 && u + 1 < sizeof(units) - 1) {
		d /= 1000;
		u++;
	}
	snprintf(buf, len, "%.3g%c", d, units[u]);
}

int tw_uint_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static const struct {
	const char *suffix;
	double ns;
} duration_units[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1e9 },
	{ "m", 60e9 }, { "h", 3600e9 }, { "d", 86400e9 },
};

int tw_duration_parse(const char *s, uint64_t *ns)
{
	double v, total;
	char *end;
	size_t i;

	/* Plain decimals only: strtod would also take "inf", hex, exponents. */
	size_t digits = strspn(s, "0123456789.");

	if (!digits)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end != s + digits)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(duration_units); i++) {
		if (strcmp(end, duration_units[i].suffix))
			continue;
		total = v * duration_units[i].ns;
		if (!isfinite(total) || total >= 18e18)
			return -ERANGE;
		*ns = (uint64_t)llround(total);
		return 0;
	}
	return -EINVAL;
}

void tw_duration_format(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000;

	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else if (s < 60)
		snprintf(buf, len, "%.2fs", ns / 1e9);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
}

size_t tw_utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* The second byte's range is what rules out overlongs and surrogates. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n > avail || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void tw_printable(const char *s, char *buf, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, n, avail = strlen(s);

	while (u[i] && o + 1 < len) {
		n = u[i] >= 0x80 ? tw_utf8_seq_len(u + i, avail - i) : 1;
		/*
		 * C0 and C1 controls (U+0080..U+009F is C2 80..C2 9F) and bytes
		 * that are no UTF-8 become '?': a terminal acts on neither.
		 */
		if (!n || (n == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
		    (n == 2 && u[i] == 0xc2 && u[i + 1] <= 0x9f)) {
			buf[o++] = '?';
			i += n ? n : 1;
			continue;
		}
		if (o + n >= len)
			break;	/* never half a character */
		memcpy(buf + o, u + i, n);
		o += n;
		i += n;
	}
	buf[o] = '\0';
}

void tw_owner_format(uint32_t pid, const char *comm, bool style_slash, char *buf,
		     size_t len)
{
	char c[TW_COMM_LEN];

	tw_printable(comm, c, sizeof(c));
	if (!pid && !c[0])
		snprintf(buf, len, "%s", style_slash ? "-" : "unknown owner");
	else if (style_slash)
		snprintf(buf, len, "%" PRIu32 "/%s", pid, c);
	else
		snprintf(buf, len, "pid %" PRIu32 " (%s)", pid, c);
}
