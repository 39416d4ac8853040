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

	CHECK(filter_tuple(&f, 7, 5, &v4) && filter_tuple(&f, 7, 5, &v6),
	      "filter: empty matches all");
	f.netns = 7;
	CHECK(filter_tuple(&f, 7, 5, &v4) && !filter_tuple(&f, 8, 5, &v4), "filter: netns");
	/* Inode 7 reused by a later namespace (cookie 6) is still inode 7. */
	CHECK(filter_tuple(&f, 7, 6, &v4),
	      "filter: --netns alone matches any namespace of the inode");
	f = (struct tw_filter){ .netns_cookie = 5 };
	CHECK(filter_tuple(&f, 7, 5, &v4) && filter_tuple(&f, 8, 5, &v6) &&
	      !filter_tuple(&f, 7, 6, &v4) && !filter_tuple(&f, 7, 0, &v4),
	      "filter: --netns-cookie tells apart namespaces that shared an inode");
	f.netns = 7;
	CHECK(filter_netns(&f, 7, 5) && !filter_netns(&f, 7, 6) && !filter_netns(&f, 8, 5),
	      "filter: --netns and --netns-cookie together: both must hold");
	CHECK(filter_netns(&(struct tw_filter){}, 0, 0), "filter: no namespace filter matches all");
	f = (struct tw_filter){ .port = 80 };
	CHECK(filter_tuple(&f, 1, 5, &v4) && !filter_tuple(&f, 1, 5, &v6), "filter: peer port");
	f.port = 43210;
	CHECK(filter_tuple(&f, 1, 5, &v4), "filter: local port");
	f = addr_filter("10.0.0.1");
	CHECK(filter_tuple(&f, 1, 5, &v4) && !filter_tuple(&f, 1, 5, &v6), "filter: local IPv4");
	f = addr_filter("10.0.0.2");
	CHECK(filter_tuple(&f, 1, 5, &v4) && filter_tuple(&f, 1, 5, &v6),
	      "filter: IPv4 also matches its IPv4-mapped IPv6 form");
	f = addr_filter("::ffff:10.0.0.2");
	CHECK(filter_tuple(&f, 1, 5, &v4) && filter_tuple(&f, 1, 5, &v6),
	      "filter: IPv4-mapped IPv6 also matches plain IPv4");
	f = addr_filter("2001:db8::1");
	CHECK(filter_tuple(&f, 1, 5, &v6) && !filter_tuple(&f, 1, 5, &v4), "filter: IPv6 binary");
	f = addr_filter("2001:db8:0:0::1");
	CHECK(filter_tuple(&f, 1, 5, &v6), "filter: IPv6 compared as binary, not as text");
	f = addr_filter("10.0.0.3");
	CHECK(!filter_tuple(&f, 1, 5, &v4), "filter: other address");
	f = addr_filter("10.0.0.1");
	f.port = 80;
	f.netns = 1;
	CHECK(filter_tuple(&f, 1, 5, &v4) && !filter_tuple(&f, 2, 5, &v4), "filter: all together");
}

static void test_lists(void)
{
	struct tw_listener l[3] = {
		{ .netns = 1, .netns_cookie = 11, .family = AF_INET, .port = 80 },
		{ .netns = 2, .netns_cookie = 12, .family = AF_INET6, .port = 80 },
		{ .netns = 1, .netns_cookie = 13, .family = AF_INET, .port = 22 },
	};
	struct tw_listeners ls = { .v = l, .n = 3 };
	struct tw_event ev[4] = {
		{ .netns = 1, .netns_cookie = 11, .new_state = TCPWATCH_CLOSE_WAIT,
		  .t = { .family = AF_INET } },
		{ .netns = 1, .netns_cookie = 11, .new_state = TCPWATCH_ESTABLISHED,
		  .t = { .family = AF_INET } },
		{ .netns = 2, .netns_cookie = 12, .new_state = TCPWATCH_CLOSE_WAIT,
		  .t = { .family = AF_INET } },
		{ .netns = 1, .netns_cookie = 13, .new_state = TCPWATCH_CLOSE_WAIT,
		  .t = { .family = AF_INET } },
	};
	struct tw_sockets s = { .v = ev, .n = 4 };
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
	CHECK(s.n == 2 && ev[0].new_state == TCPWATCH_CLOSE_WAIT && ev[1].netns_cookie == 13,
	      "filter sockets: state, netns (both namespaces of inode 1)");
	CHECK(filter_state(&(struct tw_filter){}, TCPWATCH_LISTEN) &&
	      !filter_state(&f, TCPWATCH_LISTEN) && !filter_state(&f, 40),
	      "filter state: empty set is all, out of range is none");
	f.netns_cookie = 13;
	filter_sockets(&s, &f);
	CHECK(s.n == 1 && ev[0].netns_cookie == 13, "filter sockets: netns cookie");
	ls.n = 3;
	f = (struct tw_filter){ .netns_cookie = 13 };
	filter_listeners(&ls, &f);
	CHECK(ls.n == 1 && l[0].netns_cookie == 13 && l[0].port == 22,
	      "filter listeners: netns cookie");
}

void test_filter(void)
{
	test_addr_parse();
	test_tuple();
	test_lists();
}
