// SPDX-License-Identifier: GPL-2.0
/*
 * How many tracked sockets each local and each remote port holds, counted
 * in the kernel over the tracking pool (TCPWATCH_CMD_GET_PORTS): `tcpwatch
 * timewait` ranks the ports of 100 000 TIME_WAIT sockets from a few dozen
 * messages instead of a dump of every socket.
 */
#include <linux/in6.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/tcpwatch.h>

#include "ports.h"
#include "track.h"

#define TW_PORTS	65536

static bool tw_ports_wants(const struct tw_ports_filter *f, const struct tw_track_copy *c)
{
	size_t alen = c->t.family == AF_INET6 ? 16 : 4;

	if (!(f->kinds & BIT(c->t.kind)) || !(f->states & BIT(c->t.state)))
		return false;
	if (f->port && c->sport != f->port && c->dport != f->port)
		return false;
	if (!f->family)
		return true;
	return c->t.family == f->family &&
	       (!memcmp(c->saddr, f->addr, alen) || !memcmp(c->daddr, f->addr, alen));
}

/* Most sockets first; among equals, the lower port. */
static int tw_port_count_cmp(const void *pa, const void *pb)
{
	const struct tw_port_count *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return a->port - b->port;
}

/* The @top busiest of one side's @count[] into @out; returns how many. */
static unsigned int tw_ports_rank(const u32 *count, u8 side, struct tw_port_count *all,
				  struct tw_port_count *out, unsigned int top)
{
	unsigned int port, n = 0;

	/* Port 0: the socket has none yet (a connect() in progress). */
	for (port = 1; port < TW_PORTS; port++)
		if (count[port])
			all[n++] = (struct tw_port_count){ count[port], port, side };
	sort(all, n, sizeof(*all), tw_port_count_cmp, NULL);
	n = min(n, top);
	memcpy(out, all, n * sizeof(*out));
	return n;
}

/*
 * Counts the sockets @f and @view take in, by local and by remote port (in
 * process context: it sleeps to allocate and yields while it walks).
 * Sockets without an entry (status: untracked) are not in it; the reply
 * says how many it counted. NULL when memory is short.
 */
struct tw_ports *tw_ports_count(const struct tw_ports_filter *f,
				const struct tw_view *view, unsigned int top)
{
	struct tw_port_count *all = NULL;
	struct tw_ports *p = NULL;
	unsigned int idx;
	u32 *count;

	top = min(top, TW_PORTS - 1);
	count = kvcalloc(2 * TW_PORTS, sizeof(*count), GFP_KERNEL);
	if (!count)
		return NULL;
	all = kvmalloc_array(TW_PORTS, sizeof(*all), GFP_KERNEL);
	p = kvzalloc(struct_size(p, top, 2 * top), GFP_KERNEL);
	if (!all || !p) {
		kvfree(p);
		p = NULL;
		goto out;
	}

	for (idx = 0; (idx = tw_track_next_in(idx, f->states)) < tw_track_slots(); idx++) {
		struct tw_track_copy c;

		if (!tw_track_snapshot_live(idx, &c, NULL, NULL) ||
		    !tw_view_sees(view, c.t.netns_cookie, c.t.netns) || !tw_ports_wants(f, &c))
			continue;
		p->sockets++;
		count[c.sport]++;
		count[TW_PORTS + c.dport]++;
	}
	p->n = tw_ports_rank(count, TCPWATCH_PORT_LOCAL, all, p->top, top);
	p->n += tw_ports_rank(count + TW_PORTS, TCPWATCH_PORT_REMOTE, all, p->top + p->n, top);
out:
	kvfree(all);
	kvfree(count);
	return p;
}

void tw_ports_free(struct tw_ports *p)
{
	kvfree(p);
}
