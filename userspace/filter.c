// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <sys/socket.h>

#include "filter.h"

static const uint8_t v4mapped_prefix[12] = { [10] = 0xff, [11] = 0xff };

/* The 4 bytes of an IPv4 address, also inside ::ffff:a.b.c.d; else NULL. */
static const uint8_t *as_v4(unsigned int family, const uint8_t *addr)
{
	if (family == AF_INET)
		return addr;
	if (family == AF_INET6 && !memcmp(addr, v4mapped_prefix, sizeof(v4mapped_prefix)))
		return addr + 12;
	return NULL;
}

bool filter_addr(const struct tw_filter *f, unsigned int family, const uint8_t *addr)
{
	const uint8_t *a, *b;

	if (!f->family)
		return true;
	if (f->family == family && family == AF_INET6)
		return !memcmp(f->addr, addr, 16);
	a = as_v4(f->family, f->addr);
	b = as_v4(family, addr);
	return a && b && !memcmp(a, b, 4);
}

bool filter_netns(const struct tw_filter *f, uint32_t netns, uint64_t netns_cookie)
{
	return (!f->netns || netns == f->netns) &&
	       (!f->netns_cookie || netns_cookie == f->netns_cookie);
}

bool filter_tuple(const struct tw_filter *f, uint32_t netns, uint64_t netns_cookie,
		  const struct tw_tuple *t)
{
	if (!filter_netns(f, netns, netns_cookie))
		return false;
	if (f->port && t->sport != f->port && t->dport != f->port)
		return false;
	return filter_addr(f, t->family, t->saddr) || filter_addr(f, t->family, t->daddr);
}

bool filter_listener(const struct tw_filter *f, const struct tw_listener *l)
{
	if (!filter_netns(f, l->netns, l->netns_cookie))
		return false;
	if (f->port && l->port != f->port)
		return false;
	return filter_addr(f, l->family, l->addr);
}

void filter_listeners(struct tw_listeners *ls, const struct tw_filter *f)
{
	size_t i, n = 0;

	for (i = 0; i < ls->n; i++)
		if (filter_listener(f, &ls->v[i]))
			ls->v[n++] = ls->v[i];
	ls->n = n;
}

void filter_sockets(struct tw_sockets *s, const struct tw_filter *f)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (filter_state(f, s->v[i].new_state) &&
		    filter_tuple(f, s->v[i].netns, s->v[i].netns_cookie, &s->v[i].t))
			s->v[n++] = s->v[i];
	s->n = n;
}
