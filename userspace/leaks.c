// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "leaks.h"

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int oldest_first(const void *pa, const void *pb)
{
	const struct tw_event *a = pa, *b = pb;

	return a->age_ns != b->age_ns ? cmp_u64(b->age_ns, a->age_ns) :
					cmp_u64(a->cookie, b->cookie);
}

void leaks_select(struct tw_sockets *s, const struct tw_filter *f, uint64_t min_age_ns)
{
	size_t i, n = 0;

	filter_sockets(s, f);
	for (i = 0; i < s->n; i++)
		if (s->v[i].age_ns >= min_age_ns)
			s->v[n++] = s->v[i];
	s->n = n;
	if (n)
		qsort(s->v, n, sizeof(*s->v), oldest_first);
}

static int most_first(const void *pa, const void *pb)
{
	const struct leak_owner *a = pa, *b = pb;

	if (a->total != b->total)
		return cmp_u64(b->total, a->total);
	if (a->oldest_ns != b->oldest_ns)
		return cmp_u64(b->oldest_ns, a->oldest_ns);
	return cmp_u64(a->pid, b->pid);
}

static int by_owner(const void *pa, const void *pb)
{
	const struct tw_event *a = *(const struct tw_event *const *)pa;
	const struct tw_event *b = *(const struct tw_event *const *)pb;

	return a->pid != b->pid ? cmp_u64(a->pid, b->pid) : strcmp(a->comm, b->comm);
}

long leaks_owners(const struct tw_event *v, size_t n, struct leak_owner **out)
{
	const struct tw_event **byown = calloc(n + 1, sizeof(*byown));
	struct leak_owner *owners = calloc(n + 1, sizeof(*owners)), *o = NULL;
	size_t n_owners = 0, i;

	if (!byown || !owners) {
		free(byown);
		free(owners);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		byown[i] = &v[i];
	qsort(byown, n, sizeof(*byown), by_owner);
	for (i = 0; i < n; i++) {
		const struct tw_event *e = byown[i];

		if (!i || by_owner(&byown[i - 1], &byown[i])) {
			o = &owners[n_owners++];
			o->pid = e->pid;
			memcpy(o->comm, e->comm, sizeof(o->comm));
		}
		o->total++;
		if (e->new_state < TCPWATCH_NR_STATES)
			o->count[e->new_state]++;
		if (e->age_ns > o->oldest_ns)
			o->oldest_ns = e->age_ns;
	}
	free(byown);
	qsort(owners, n_owners, sizeof(*owners), most_first);
	*out = owners;
	return n_owners;
}

/* snprintf at the end of what @buf holds, never past @len. */
static size_t append(char *buf, size_t len, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t len, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (pos >= len)
		return pos;
	va_start(ap, fmt);
	n = vsnprintf(buf + pos, len - pos, fmt, ap);
	va_end(ap);
	return n < 0 ? len : pos + n;
}

void leak_owner_format(const struct leak_owner *o, char *buf, size_t len)
{
	char owner[TW_OWNER_LEN], age[16];
	const char *sep = " ";
	unsigned int s;
	size_t pos;

	tw_owner_format(o->pid, o->comm, false, owner, sizeof(owner));
	tw_duration_format(o->oldest_ns, age, sizeof(age));
	pos = append(buf, len, 0, "%s:", owner);
	for (s = 1; s < TCPWATCH_NR_STATES; s++) {
		if (!o->count[s])
			continue;
		pos = append(buf, len, pos, "%s%" PRIu64 " %s", sep, o->count[s],
			     tw_state_name(s));
		sep = " + ";
	}
	append(buf, len, pos, " socket%s, oldest %s", o->total == 1 ? "" : "s", age);
}
