// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "tuplecache.h"

void tuplecache_init(struct tuplecache *tc)
{
	memset(tc, 0, sizeof(*tc));
}

static struct tuplecache_slot *slot_of(struct tuplecache *tc, uint64_t cookie)
{
	/* Fibonacci hashing: cookies are sequential, spread them. */
	uint64_t h = cookie * 0x9e3779b97f4a7c15ull;

	return &tc->slot[h >> (64 - 12)];
}

_Static_assert(TUPLECACHE_SLOTS == 1 << 12, "slot_of() shifts for 4096 slots");

static bool addr_zero(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, sizeof(zero));
}

/* Copy each part of @from that is set into @to where @to's is not. */
static void merge_missing(struct tw_tuple *to, const struct tw_tuple *from)
{
	if (!to->sport)
		to->sport = from->sport;
	if (!to->dport)
		to->dport = from->dport;
	if (addr_zero(to->saddr))
		memcpy(to->saddr, from->saddr, sizeof(to->saddr));
	if (addr_zero(to->daddr))
		memcpy(to->daddr, from->daddr, sizeof(to->daddr));
}

void tuplecache_fill(struct tuplecache *tc, uint64_t cookie, struct tw_tuple *t)
{
	struct tuplecache_slot *s;
	struct tw_tuple learned;

	if (!cookie || !t->family)
		return;
	s = slot_of(tc, cookie);
	if (s->cookie != cookie || s->t.family != t->family) {
		s->cookie = cookie;
		s->t = *t;
		return;
	}
	/* What the kernel says now wins; memory only fills its blanks. */
	learned = *t;
	merge_missing(&learned, &s->t);
	s->t = learned;
	*t = learned;
}
