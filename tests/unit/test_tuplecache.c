// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tuplecache.h"

static struct tw_tuple tuple(const char *s, uint16_t sport, const char *d, uint16_t dport)
{
	struct tw_tuple t = { .family = AF_INET, .sport = sport, .dport = dport };

	inet_pton(AF_INET, s, t.saddr);
	inet_pton(AF_INET, d, t.daddr);
	return t;
}

void test_tuplecache(void)
{
	struct tuplecache *tc = malloc(sizeof(*tc));
	struct tw_tuple full = tuple("10.0.0.1", 43210, "10.0.0.2", 80);
	struct tw_tuple t;

	tuplecache_init(tc);
	/* CLOSE -> SYN_SENT: no source port yet. */
	t = tuple("0.0.0.0", 0, "10.0.0.2", 80);
	tuplecache_fill(tc, 42, &t);
	CHECK(t.sport == 0, "tuplecache: nothing to fill from at first");
	t = full;
	tuplecache_fill(tc, 42, &t);
	t = tuple("0.0.0.0", 0, "0.0.0.0", 0);
	tuplecache_fill(tc, 42, &t);
	CHECK(!memcmp(&t, &full, sizeof(t)), "tuplecache: zeros filled from the cookie");
	t = tuple("0.0.0.0", 0, "0.0.0.0", 0);
	tuplecache_fill(tc, 43, &t);
	CHECK(t.sport == 0 && t.dport == 0, "tuplecache: other cookies untouched");
	t = tuple("10.0.0.1", 5, "0.0.0.0", 0);
	tuplecache_fill(tc, 42, &t);
	CHECK(t.sport == 5 && t.dport == 80, "tuplecache: the kernel's value wins");
	free(tc);
}
