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

void listenlog_init(struct listenlog *l, uint64_t interval_ns)
{
	memset(l, 0, sizeof(*l));
	l->interval_ns = interval_ns;
}

/*
 * Socket cookies are unique on the host. Without one, a listener is its
 * namespace and address; a namespace is its cookie, since a later one can
 * get the same inode number.
 */
static bool same_listener(const struct listenlog_entry *e, const struct tw_event *ev)
{
	if (e->cookie || ev->cookie)
		return e->cookie == ev->cookie;
	return e->netns_cookie == ev->netns_cookie && e->netns == ev->netns &&
	       e->t.family == ev->t.family &&
	       e->t.sport == ev->t.sport && !memcmp(e->t.saddr, ev->t.saddr, 16);
}

static void listenlog_line(struct listenlog_entry *e, FILE *log, uint64_t now_ns)
{
	char local[TW_ADDRPORT_LEN], owner[TW_OWNER_LEN], window[16];
	const char *plural = e->overflows == 1 ? "" : "s";

	if (tw_addrport_format(e->t.family, e->t.saddr, e->t.sport, local, sizeof(local)))
		snprintf(local, sizeof(local), "?:%u", e->t.sport);
	owner_paren(e->pid, e->comm, owner, sizeof(owner));
	fprintf(log, "tcpwatchd: listener %s %s", local, owner);
	if (e->overflows)
		fprintf(log, " accept queue overflowed %" PRIu64 " time%s", e->overflows, plural);
	if (e->syn_drops)
		fprintf(log, "%s dropped %" PRIu64 " SYN%s", e->overflows ? " and" : "",
			e->syn_drops, e->syn_drops == 1 ? "" : "s");
	if (e->last_line_ns) {
		tw_duration_format(now_ns - e->last_line_ns, window, sizeof(window));
		fprintf(log, " in the last %s", window);
	}
	if (e->overflows && e->syn_drops)
		fprintf(log, " (accept queue %" PRIu32 "/%" PRIu32 ", SYN queue %" PRIu32 ")\n",
			e->accept_queue, e->backlog, e->syn_queue);
	else if (e->overflows)
		fprintf(log, " (queue %" PRIu32 "/%" PRIu32 ")\n", e->accept_queue, e->backlog);
	else
		fprintf(log, " (SYN queue %" PRIu32 "/%" PRIu32 ")\n", e->syn_queue, e->backlog);
	e->overflows = e->syn_drops = 0;
	e->last_line_ns = now_ns;
}

static bool may_log(const struct listenlog *l, const struct listenlog_entry *e,
		    uint64_t now_ns)
{
	return !e->last_line_ns || now_ns - e->last_line_ns >= l->interval_ns;
}

/* The entry for @ev's listener, or a fresh one in place of the stalest. */
static struct listenlog_entry *listenlog_slot(struct listenlog *l, FILE *log,
					      const struct tw_event *ev, uint64_t now_ns)
{
	struct listenlog_entry *e, *stalest = &l->e[0];

	for (e = l->e; e < l->e + LISTENLOG_SLOTS; e++) {
		if (!e->used)
			stalest = e;
		else if (same_listener(e, ev))
			return e;
		else if (stalest->used && e->last_seen_ns < stalest->last_seen_ns)
			stalest = e;
	}
	/* Say what it was holding back before forgetting it. */
	if (stalest->used && (stalest->overflows || stalest->syn_drops))
		listenlog_line(stalest, log, now_ns);
	memset(stalest, 0, sizeof(*stalest));
	stalest->used = true;
	stalest->cookie = ev->cookie;
	stalest->netns_cookie = ev->netns_cookie;
	stalest->netns = ev->netns;
	stalest->t = ev->t;
	return stalest;
}

void listenlog_event(struct listenlog *l, FILE *log, const struct tw_event *ev,
		     uint64_t now_ns)
{
	struct listenlog_entry *e;

	if (ev->type != TCPWATCH_EV_OVERFLOW && ev->type != TCPWATCH_EV_SYN_DROP)
		return;
	e = listenlog_slot(l, log, ev, now_ns);
	e->last_seen_ns = now_ns;
	e->pid = ev->pid;
	memcpy(e->comm, ev->comm, sizeof(e->comm));
	e->syn_queue = ev->syn_queue;
	e->accept_queue = ev->accept_queue;
	e->backlog = ev->backlog;
	if (ev->type == TCPWATCH_EV_OVERFLOW)
		e->overflows++;
	else
		e->syn_drops++;
	if (may_log(l, e, now_ns))
		listenlog_line(e, log, now_ns);
}

void listenlog_flush(struct listenlog *l, FILE *log, uint64_t now_ns)
{
	struct listenlog_entry *e;

	for (e = l->e; e < l->e + LISTENLOG_SLOTS; e++)
		if (e->used && (e->overflows || e->syn_drops) && may_log(l, e, now_ns))
			listenlog_line(e, log, now_ns);
}

/* --- leaking sockets ---------------------------------------------------- */

static int cmp_cookie(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
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
