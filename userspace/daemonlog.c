// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemonlog.h"
#include "event_out.h"
#include "format.h"
#include "leaks.h"

/* "(pid 12 nginx)" */
static void owner_paren(uint32_t pid, const char *comm, char *buf, size_t len)
{
	char c[TW_COMM_LEN];

	tw_printable(comm, c, sizeof(c));
	if (!pid && !c[0])
		snprintf(buf, len, "(owner unknown)");
	else
		snprintf(buf, len, "(pid %" PRIu32 " %s)", pid, c);
}

/* --- listener overflows and SYN drops ----------------------------------- */

uint64_t listenlog_delta(uint64_t before, uint64_t now)
{
	return now >= before ? now - before : now;
}

void listenlog_init(struct listenlog *l)
{
	memset(l, 0, sizeof(*l));
}

void listenlog_restart(struct listenlog *l, uint64_t now_ns)
{
	free(l->prev);
	l->prev = NULL;
	l->n_prev = 0;
	l->have_prev = true;
	l->prev_ns = now_ns;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* Socket cookies are unique on the host; the rest matters only without one. */
static int cmp_listener(const void *pa, const void *pb)
{
	const struct listenlog_count *a = pa, *b = pb;

	return cmp_u64(a->cookie, b->cookie) ?: cmp_u64(a->netns_cookie, b->netns_cookie) ?:
	       cmp_u64(a->family, b->family) ?: cmp_u64(a->port, b->port) ?:
	       memcmp(a->addr, b->addr, sizeof(a->addr));
}

static struct listenlog_count listenlog_count_of(const struct tw_listener *ls)
{
	struct listenlog_count c = {
		.cookie = ls->cookie, .netns_cookie = ls->netns_cookie, .family = ls->family,
		.port = ls->port, .overflows = ls->overflows, .syn_drops = ls->syn_drops,
	};

	memcpy(c.addr, ls->addr, sizeof(c.addr));
	return c;
}

/*
 * "tcpwatchd: listener 127.0.0.1:8080 (pid 12 nginx) accept queue overflowed
 * 3 times in the last 15.00s (queue 129/128)", the queues as the dump found
 * them.
 */
static void listenlog_line(FILE *log, const struct tw_listener *ls, uint64_t overflows,
			   uint64_t syn_drops, uint64_t window_ns)
{
	char local[TW_ADDRPORT_LEN], owner[TW_OWNER_LEN], window[16];

	if (tw_addrport_format(ls->family, ls->addr, ls->port, local, sizeof(local)))
		snprintf(local, sizeof(local), "?:%u", ls->port);
	owner_paren(ls->pid, ls->comm, owner, sizeof(owner));
	tw_duration_format(window_ns, window, sizeof(window));
	fprintf(log, "tcpwatchd: listener %s %s", local, owner);
	if (overflows)
		fprintf(log, " accept queue overflowed %" PRIu64 " time%s", overflows,
			overflows == 1 ? "" : "s");
	if (syn_drops)
		fprintf(log, "%s dropped %" PRIu64 " SYN%s", overflows ? " and" : "", syn_drops,
			syn_drops == 1 ? "" : "s");
	fprintf(log, " in the last %s", window);
	if (overflows && syn_drops)
		fprintf(log, " (accept queue %" PRIu32 "/%" PRIu32 ", SYN queue %" PRIu32 ")\n",
			ls->accept_queue, ls->backlog, ls->syn_queue);
	else if (overflows)
		fprintf(log, " (queue %" PRIu32 "/%" PRIu32 ")\n", ls->accept_queue, ls->backlog);
	else
		fprintf(log, " (SYN queue %" PRIu32 "/%" PRIu32 ")\n", ls->syn_queue, ls->backlog);
}

int listenlog_scan(struct listenlog *l, FILE *log, const struct tw_listeners *ls,
		   uint64_t now_ns)
{
	struct listenlog_count *now = malloc((ls->n + 1) * sizeof(*now));
	size_t i;

	if (!now) {
		listenlog_free(l);	/* no baseline: none is better than a wrong one */
		return -ENOMEM;
	}
	for (i = 0; i < ls->n; i++) {
		const struct listenlog_count *was;
		uint64_t overflows, syn_drops;

		now[i] = listenlog_count_of(&ls->v[i]);
		if (!l->have_prev)
			continue;
		/* One it has not seen is new since: its counts are too. */
		was = l->n_prev ? bsearch(&now[i], l->prev, l->n_prev, sizeof(*l->prev),
					  cmp_listener) : NULL;
		overflows = listenlog_delta(was ? was->overflows : 0, now[i].overflows);
		syn_drops = listenlog_delta(was ? was->syn_drops : 0, now[i].syn_drops);
		if (overflows || syn_drops)
			listenlog_line(log, &ls->v[i], overflows, syn_drops, now_ns - l->prev_ns);
	}
	qsort(now, ls->n, sizeof(*now), cmp_listener);
	free(l->prev);
	l->prev = now;
	l->n_prev = ls->n;
	l->have_prev = true;
	l->prev_ns = now_ns;
	return 0;
}

void listenlog_free(struct listenlog *l)
{
	free(l->prev);
	listenlog_init(l);
}

/* --- leaking sockets ---------------------------------------------------- */

static int cmp_cookie(const void *pa, const void *pb)
{
	return cmp_u64(*(const uint64_t *)pa, *(const uint64_t *)pb);
}

static bool leaklog_seen(const struct leaklog *l, uint64_t cookie)
{
	return l->n_seen && bsearch(&cookie, l->seen, l->n_seen, sizeof(*l->seen), cmp_cookie);
}

static void leak_line(FILE *log, const struct tw_event *s)
{
	char local[TW_ADDRPORT_LEN], peer[TW_ADDRPORT_LEN], age[16], owner[TW_OWNER_LEN];

	event_endpoints(s, local, peer, sizeof(local));
	tw_duration_format(s->age_ns, age, sizeof(age));
	owner_paren(s->pid, s->comm, owner, sizeof(owner));
	fprintf(log, "tcpwatchd: leak: %s socket in %s for %s, %s -> %s %s, cookie %" PRIu64
		"\n", tw_sk_kind_name(s->sk) ?: "?", tw_state_name(s->new_state) ?: "?", age,
		local, peer, owner, s->cookie);
}

static bool same_owner(const struct leak_owner *o, const struct leak_owner *v, long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (v[i].pid == o->pid && !strcmp(v[i].comm, o->comm))
			return true;
	return false;
}

/* A line for each owner with new leaking sockets, most sockets first. */
static int leaklog_owners(FILE *log, const struct tw_sockets *leaking,
			  const struct tw_event *fresh, size_t n_fresh)
{
	struct leak_owner *all = NULL, *news = NULL;
	long n_all, n_news, i, shown = 0;
	char line[256];

	n_all = leaks_owners(leaking->v, leaking->n, &all);
	n_news = n_all < 0 ? n_all : leaks_owners(fresh, n_fresh, &news);
	for (i = 0; i < n_all && n_news > 0; i++) {
		if (!same_owner(&all[i], news, n_news))
			continue;
		if (shown++ == LEAKLOG_MAX_OWNERS) {
			fprintf(log, "tcpwatchd: leaks: more owners not shown (tcpwatch leaks "
				"lists them)\n");
			break;
		}
		leak_owner_format(&all[i], line, sizeof(line));
		fprintf(log, "tcpwatchd: %s\n", line);
	}
	free(all);
	free(news);
	return n_all < 0 || n_news < 0 ? -ENOMEM : 0;
}

int leaklog_scan(struct leaklog *l, FILE *log, const struct tw_sockets *leaking)
{
	size_t n = leaking->n < LEAKLOG_MAX_SEEN ? leaking->n : LEAKLOG_MAX_SEEN;
	struct tw_event *fresh = calloc(leaking->n + 1, sizeof(*fresh));
	uint64_t *seen = calloc(n + 1, sizeof(*seen));
	size_t i, n_fresh = 0;
	int ret = -ENOMEM;

	if (!fresh || !seen)
		goto out;
	for (i = 0; i < leaking->n; i++) {
		if (leaklog_seen(l, leaking->v[i].cookie))
			continue;
		if (n_fresh < LEAKLOG_MAX_LINES)
			leak_line(log, &leaking->v[i]);
		fresh[n_fresh++] = leaking->v[i];
	}
	if (n_fresh > LEAKLOG_MAX_LINES)
		fprintf(log, "tcpwatchd: leak: %zu more sockets not shown (tcpwatch leaks "
			"lists them)\n", n_fresh - LEAKLOG_MAX_LINES);
	ret = n_fresh ? leaklog_owners(log, leaking, fresh, n_fresh) : 0;
	/* The oldest are kept when there are too many to remember. */
	for (i = 0; i < n; i++)
		seen[i] = leaking->v[i].cookie;
	qsort(seen, n, sizeof(*seen), cmp_cookie);
	free(l->seen);
	l->seen = seen;
	l->n_seen = n;
	seen = NULL;
out:
	free(fresh);
	free(seen);
	return ret;
}

void leaklog_free(struct leaklog *l)
{
	free(l->seen);
	l->seen = NULL;
	l->n_seen = 0;
}
