// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seqtrack.h"

void seqtrack_init(struct seqtrack *st)
{
	st->cpu = NULL;
	st->ncpus = 0;
}

void seqtrack_free(struct seqtrack *st)
{
	free(st->cpu);
	seqtrack_init(st);
}

void seqtrack_reset(struct seqtrack *st)
{
	if (st->cpu)
		memset(st->cpu, 0, st->ncpus * sizeof(*st->cpu));
}

static struct seqtrack_cpu *seqtrack_cpu(struct seqtrack *st, uint32_t cpu)
{
	struct seqtrack_cpu *p;
	size_t n;

	if (cpu >= SEQTRACK_MAX_CPUS) {
		errno = ERANGE;
		return NULL;
	}
	if (cpu < st->ncpus)
		return &st->cpu[cpu];
	n = cpu + 1;
	p = reallocarray(st->cpu, n, sizeof(*p));
	if (!p)
		return NULL;
	memset(p + st->ncpus, 0, (n - st->ncpus) * sizeof(*p));
	st->cpu = p;
	st->ncpus = n;
	return &p[cpu];
}

/*
 * Move @c's expectation to @end, the seq after [@first, @end): what lies
 * between the old expectation and @first was never announced.
 */
static int advance(struct seqtrack_cpu *c, uint64_t first, uint64_t end)
{
	if (c->seen && end <= c->next)
		return 0;
	/* The first thing seen on a CPU is the baseline, not a gap. */
	if (c->seen && first > c->next)
		c->by_netlink += first - c->next;
	c->seen = true;
	c->next = end;
	return 1;
}

int seqtrack_see(struct seqtrack *st, uint32_t cpu, uint64_t seq)
{
	struct seqtrack_cpu *c = seqtrack_cpu(st, cpu);

	if (!c)
		return -errno;
	return advance(c, seq, seq + 1);
}

int seqtrack_lost(struct seqtrack *st, uint32_t cpu, uint64_t first, uint64_t count)
{
	struct seqtrack_cpu *c = seqtrack_cpu(st, cpu);
	uint64_t from;

	if (!c)
		return -errno;
	/* Only the part of the range not already accounted for is news. */
	from = c->seen && c->next > first ? c->next : first;
	if (!advance(c, first, first + count))
		return 0;
	c->by_kernel += first + count - from;
	return 1;
}

int seqtrack_event(struct seqtrack *st, const struct tw_event *ev)
{
	if (!tw_event_has(ev, TCPWATCH_A_EV_SEQ))
		return 1;
	if (ev->type == TCPWATCH_EV_LOST)
		return seqtrack_lost(st, ev->cpu, ev->seq, ev->lost);
	return seqtrack_see(st, ev->cpu, ev->seq);
}

void seqtrack_totals(const struct seqtrack *st, struct seqtrack_totals *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < st->ncpus; i++) {
		t->by_kernel += st->cpu[i].by_kernel;
		t->by_netlink += st->cpu[i].by_netlink;
	}
	t->missed = t->by_kernel + t->by_netlink;
}
