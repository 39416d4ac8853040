// SPDX-License-Identifier: GPL-2.0
/* The --netns/--port/--addr/--state filters, and addresses as users type them. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "filter.h"
#include "format.h"
#include "tap.h"

static struct tw_filter addr_filter(const char *text)
{
	struct tw_filter f = {};

	if (tw_addr_parse(text, &f.family, f.addr))
		memset(&f, 0xee, sizeof(f));	/* poison: the check will fail */
	return f;
}

static void test_addr_parse(void)
{
	static const char *const bad[] = {
		"", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "::g", "[::1", "::1]",
		"[1.2.3.4]", "1.2.3.4:80", " 1.2.3.4", "[]",
	};
	uint8_t family = 0, a[16];
	size_t i;

	CHECK(!tw_addr_parse("192.0.2.1", &family, a) && family == AF_INET && a[0] == 192 &&
	      a[3] == 1, "addr parse: IPv4");
	CHECK(!tw_addr_parse("2001:db8::1", &family, a) && family == AF_INET6 &&
	      a[0] == 0x20 && a[15] == 1, "addr parse: IPv6");
	CHECK(!tw_addr_parse("[::1]", &family, a) && family == AF_INET6 && a[15] == 1,
	      "addr parse: bracketed IPv6");
	CHECK(!tw_addr_parse("::ffff:10.0.0.1", &family, a) && family == AF_INET6 &&
	      a[10] == 0xff && a[12] == 10, "addr parse: IPv4-mapped IPv6");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(tw_addr_parse(bad[i], &family, a) == -EINVAL, "addr parse: '%s' refused",
		      bad[i]);
}

static struct tw_tuple tuple(int family, const char *src, uint16_t sport, const char *dst,
			     uint16_t dport)
{
	struct tw_tuple t = { .family = family, .sport = sport, .dport = dport };

	inet_pton(family, src, t.saddr);
	inet_pton(family, dst, t.daddr);
	return t;
}

static void test_tuple(void)
{
	struct tw_tuple v4 = tuple(AF_INET, "10.0.0.1", 43210, "10.0.0.2", 80);
	struct tw_tuple v6 = tuple(AF_INET6, "2001:db8::1", 443, "::ffff:10.0.0.2", 5000);
	struct tw_filter f = {};

	CHECK(filter_tuple(&f, 7, &v4) && filter_tuple(&f, 7, &v6), "filter: empty matches all");
	f.netns = 7;
	CHECK(filter_tuple(&f, 7, &v4) && !filter_tuple(&f, 8, &v4), "filter: netns");
	f = (struct tw_filter){ .port = 80 };
	CHECK(filter_tuple(&f, 1, &v4) && !filter_tuple(&f, 1, &v6), "filter: peer port");
	f.port = 43210;
	CHECK(filter_tuple(&f, 1, &v4), "filter: local port");
	f = addr_filter("10.0.0.1");
	CHECK(filter_tuple(&f, 1, &v4) && !filter_tuple(&f, 1, &v6), "filter: local IPv4");
	f = addr_filter("10.0.0.2");
	CHECK(filter_tuple(&f, 1, &v4) && filter_tuple(&f, 1, &v6),
	      "filter: IPv4 also matches its IPv4-mapped IPv6 form");
	f = addr_filter("::ffff:10.0.0.2");
	CHECK(filter_tuple(&f, 1, &v4) && filter_tuple(&f, 1, &v6),
	      "filter: IPv4-mapped IPv6 also matches plain IPv4");
	f = addr_filter("2001:db8::1");
	CHECK(filter_tuple(&f, 1, &v6) && !filter_tuple(&f, 1, &v4), "filter: IPv6 binary");
	f = addr_filter("2001:db8:0:0::1");
	CHECK(filter_tuple(&f, 1, &v6), "filter: IPv6 compared as binary, not as text");
	f = addr_filter("10.0.0.3");
	CHECK(!filter_tuple(&f, 1, &v4), "filter: other address");
	f = addr_filter("10.0.0.1");
	f.port = 80;
	f.netns = 1;
	CHECK(filter_tuple(&f, 1, &v4) && !filter_tuple(&f, 2, &v4), "filter: all together");
}

static void test_lists(void)
{
	struct tw_listener l[3] = {
		{ .netns = 1, .family = AF_INET, .port = 80 },
		{ .netns = 2, .family = AF_INET6, .port = 80 },
		{ .netns = 1, .family = AF_INET, .port = 22 },
	};
	struct tw_listeners ls = { .v = l, .n = 3 };
	struct tw_event ev[3] = {
		{ .netns = 1, .new_state = TCPWATCH_CLOSE_WAIT, .t = { .family = AF_INET } },
		{ .netns = 1, .new_state = TCPWATCH_ESTABLISHED, .t = { .family = AF_INET } },
		{ .netns = 2, .new_state = TCPWATCH_CLOSE_WAIT, .t = { .family = AF_INET } },
	};
	struct tw_sockets s = { .v = ev, .n = 3 };
	struct tw_filter f = { .port = 80 };

	inet_pton(AF_INET, "127.0.0.1", l[2].addr);
	filter_listeners(&ls, &f);
	CHECK(ls.n == 2 && l[0].netns == 1 && l[1].netns == 2, "filter listeners: by port");
	f = addr_filter("::");
	ls.n = 2;
	filter_listeners(&ls, &f);
	CHECK(ls.n == 1 && l[0].family == AF_INET6, "filter listeners: wildcard :: only");
	f = (struct tw_filter){ .netns = 1, .states = TW_STATE_BIT(TCPWATCH_CLOSE_WAIT) };
	filter_sockets(&s, &f);
	CHECK(s.n == 1 && ev[0].new_state == TCPWATCH_CLOSE_WAIT, "filter sockets: state, netns");
	CHECK(filter_state(&(struct tw_filter){}, TCPWATCH_LISTEN) &&
	      !filter_state(&f, TCPWATCH_LISTEN) && !filter_state(&f, 40),
	      "filter state: empty set is all, out of range is none");
}

void test_filter(void)
{
	test_addr_parse();
	test_tuple();
	test_lists();
}
