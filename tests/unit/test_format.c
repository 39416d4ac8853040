// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "tap.h"

static void test_states(void)
{
	static const char *const names[] = {
		"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
		"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
		"NEW_SYN_RECV",
	};
	bool all = true;
	unsigned int i;

	for (i = 0; i < 12; i++) {
		const char *name = tw_state_name(i + 1);

		if (!name || strcmp(name, names[i]) || tw_state_parse(name) != (int)i + 1)
			all = false;
	}
	CHECK(all, "state names: all 12 round-trip with the kernel's numbers");
	CHECK(tw_state_parse("time_wait") == TCPWATCH_TIME_WAIT, "state parse: lower case");
	CHECK(tw_state_parse("TCP_CLOSE_WAIT") == TCPWATCH_CLOSE_WAIT, "state parse: TCP_ prefix");
	CHECK(tw_state_parse("tcp_listen") == TCPWATCH_LISTEN, "state parse: tcp_ prefix");
	CHECK(tw_state_parse("BOGUS") == -EINVAL, "state parse: unknown name");
	CHECK(tw_state_parse("") == -EINVAL, "state parse: empty");
	CHECK(tw_state_parse("TCP_") == -EINVAL, "state parse: bare prefix");
	CHECK(tw_state_parse("UNKNOWN") == -EINVAL, "state parse: state 0 has no name");
	CHECK(!strcmp(tw_state_name(0), "UNKNOWN") && !tw_state_name(13),
	      "state name: 0 is UNKNOWN, 13 has none");
}

static void test_names(void)
{
	CHECK(!strcmp(tw_sk_kind_name(TCPWATCH_SK_TIMEWAIT), "timewait") &&
	      !strcmp(tw_sk_kind_name(TCPWATCH_SK_REQUEST), "request") &&
	      !strcmp(tw_sk_kind_name(TCPWATCH_SK_FULL), "full") && !tw_sk_kind_name(3),
	      "socket kind names");
	CHECK(!strcmp(tw_reason_name(TCPWATCH_REASON_ACCEPTED), "accepted") &&
	      !strcmp(tw_reason_name(TCPWATCH_REASON_HANDOFF), "handoff") &&
	      !tw_reason_name(0) && !tw_reason_name(TCPWATCH_NR_REASONS), "reason names");
	CHECK(!strcmp(tw_event_type_name(TCPWATCH_EV_SYN_DROP), "syn_drop") &&
	      !strcmp(tw_event_type_name(TCPWATCH_EV_LOST), "lost") &&
	      !tw_event_type_name(4), "event type names");
	CHECK(!strcmp(tw_family_name(AF_INET6), "inet6") && !tw_family_name(AF_UNIX),
	      "family names");
}

static void check_addr(int family, const char *text, uint16_t port, const char *want,
		       const char *name)
{
	char buf[TW_ADDRPORT_LEN];
	uint8_t a[16] = {};

	inet_pton(family, text, a);
	CHECK(!tw_addrport_format(family, a, port, buf, sizeof(buf)), "addr %s: formats", name);
	tap_streq(buf, want, "addr %s", name);
}

static void test_addrs(void)
{
	char buf[TW_ADDRPORT_LEN];
	uint8_t a[16] = {};

	check_addr(AF_INET, "192.0.2.1", 80, "192.0.2.1:80", "IPv4");
	check_addr(AF_INET, "0.0.0.0", 22, "*:22", "IPv4 any");
	check_addr(AF_INET6, "::1", 443, "[::1]:443", "IPv6 loopback");
	check_addr(AF_INET6, "::ffff:1.2.3.4", 8080, "[::ffff:1.2.3.4]:8080", "v4-mapped");
	check_addr(AF_INET6, "2001:db8::a:b", 1, "[2001:db8::a:b]:1", "IPv6");
	check_addr(AF_INET6, "::", 0, "*:0", "IPv6 any");
	inet_pton(AF_INET6, "::ffff:1.2.3.4", a);
	CHECK(!tw_addr_format(AF_INET6, a, buf, sizeof(buf)) &&
	      !strcmp(buf, "::ffff:1.2.3.4"), "bare v4-mapped address");
	CHECK(tw_addr_format(0, a, buf, sizeof(buf)) == -EAFNOSUPPORT, "unknown family refused");
	CHECK(tw_addrport_format(AF_INET6, a, 1, buf, 8) == -ENOSPC, "short buffer refused");
}

static void check_duration(const char *s, uint64_t want)
{
	uint64_t ns = 0;

	CHECK(!tw_duration_parse(s, &ns) && ns == want, "duration '%s' = %llu ns", s,
	      (unsigned long long)want);
}

static void test_durations(void)
{
	static const char *const bad[] = {
		"", "s", "-1s", "1x", "1 s", "inf", "nan", "0x10", "1e400", "1.5.5s", "+3",
		"99999999999h",
	};
	char buf[16];
	uint64_t ns;
	size_t i;

	check_duration("30s", 30000000000ull);
	check_duration("5m", 300000000000ull);
	check_duration("1h", 3600000000000ull);
	check_duration("250ms", 250000000ull);
	check_duration("0.5", 500000000ull);
	check_duration("15", 15000000000ull);
	check_duration("1.5s", 1500000000ull);
	check_duration("100us", 100000ull);
	check_duration("7ns", 7ull);
	check_duration("2d", 172800000000000ull);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(tw_duration_parse(bad[i], &ns) < 0, "duration '%s' refused", bad[i]);

	tw_duration_format(850, buf, sizeof(buf));
	tap_streq(buf, "850ns", "duration format ns");
	tw_duration_format(12345, buf, sizeof(buf));
	tap_streq(buf, "12.3us", "duration format us");
	tw_duration_format(4560000, buf, sizeof(buf));
	tap_streq(buf, "4.56ms", "duration format ms");
	tw_duration_format(1200000000, buf, sizeof(buf));
	tap_streq(buf, "1.20s", "duration format s");
	tw_duration_format(185000000000ull, buf, sizeof(buf));
	tap_streq(buf, "3m05s", "duration format m");
	tw_duration_format(7500000000000ull, buf, sizeof(buf));
	tap_streq(buf, "2h05m", "duration format h");
}

static void test_numbers(void)
{
	uint64_t v;
	char buf[8], cnt[16];

	CHECK(!tw_uint_parse("65535", 1, 65535, &v) && v == 65535, "uint: max accepted");
	CHECK(tw_uint_parse("70000", 1, 65535, &v) == -ERANGE, "uint: above max");
	CHECK(tw_uint_parse("0", 1, 65535, &v) == -ERANGE, "uint: below min");
	CHECK(tw_uint_parse("-1", 0, 10, &v) == -EINVAL, "uint: negative");
	CHECK(tw_uint_parse("12a", 0, 100, &v) == -EINVAL, "uint: trailing junk");
	CHECK(tw_uint_parse("", 0, 100, &v) == -EINVAL, "uint: empty");
	CHECK(tw_uint_parse("99999999999999999999", 0, UINT64_MAX, &v) == -EINVAL,
	      "uint: overflow");
	tw_count_format(999999, cnt, sizeof(cnt));
	tap_streq(cnt, "999999", "count: exact below a million");
	tw_count_format(1234567, cnt, sizeof(cnt));
	tap_streq(cnt, "1.23M", "count: millions");
	tw_count_format(999500000, cnt, sizeof(cnt));
	tap_streq(cnt, "1G", "count: rounds up into the next unit");
	tw_count_format(UINT64_MAX, cnt, sizeof(cnt));
	tap_streq(cnt, "18.4E", "count: the largest");
	tw_printable("a\x1b[2Jb", buf, sizeof(buf));
	tap_streq(buf, "a?[2Jb", "printable: escape sequence defused");
	tw_printable("0123456789", buf, sizeof(buf));
	tap_streq(buf, "0123456", "printable: truncated to buffer");
	tw_printable("a\xc2\x9b" "1m\x9b" "2J", buf, sizeof(buf));
	tap_streq(buf, "a?1m?2J", "printable: C1 CSI, as UTF-8 and as a lone byte, defused");
	tw_printable("\xff\xc3(\xe2\x82", buf, sizeof(buf));
	tap_streq(buf, "?" "?(?" "?", "printable: each byte that is not UTF-8 becomes '?'");
	tw_printable("\xc3\xa9t\xc3\xa9", buf, sizeof(buf));
	tap_streq(buf, "\xc3\xa9t\xc3\xa9", "printable: UTF-8 letters stay");
	tw_printable("abcdef\xc3\xa9", buf, sizeof(buf));
	tap_streq(buf, "abcdef", "printable: a character that does not fit is left out whole");
}

static void test_owners(void)
{
	char buf[64];

	tw_owner_format(1234, "nginx", true, buf, sizeof(buf));
	tap_streq(buf, "1234/nginx", "owner: pid/comm");
	tw_owner_format(1234, "nginx", false, buf, sizeof(buf));
	tap_streq(buf, "pid 1234 (nginx)", "owner: sentence form");
	tw_owner_format(0, "", true, buf, sizeof(buf));
	tap_streq(buf, "-", "owner: unknown, column");
	tw_owner_format(0, "", false, buf, sizeof(buf));
	tap_streq(buf, "unknown owner", "owner: unknown, sentence");
	tw_owner_format(7, "a\nb\x1b", true, buf, sizeof(buf));
	tap_streq(buf, "7/a?b?", "owner: control characters defused");
	CHECK(!strcmp(tw_sk_kind_short(TCPWATCH_SK_REQUEST), "req") &&
	      !strcmp(tw_sk_kind_short(TCPWATCH_SK_TIMEWAIT), "tw") &&
	      !strcmp(tw_sk_kind_short(9), "?"), "socket kind short names");
}

void test_format(void)
{
	test_states();
	test_names();
	test_addrs();
	test_durations();
	test_numbers();
	test_owners();
}
