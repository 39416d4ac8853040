// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "format.h"
#include "leaks.h"
#include "metrics.h"
#include "prom.h"

#define LABELS_LEN 128

static void metrics_states(FILE *f, const struct tw_summary *sum)
{
	char labels[LABELS_LEN];
	unsigned int s;

	prom_family(f, "tcpwatch_sockets", "gauge", "TCP sockets now in each state.");
	for (s = 1; s < TCPWATCH_NR_STATES; s++) {
		snprintf(labels, sizeof(labels), "state=\"%s\"", tw_state_name(s));
		prom_u64(f, "tcpwatch_sockets", labels, sum->states[s]);
	}
}

static void metrics_transitions(FILE *f, const struct tw_summary *sum)
{
	const char *name = "tcpwatch_transitions_total";
	char labels[LABELS_LEN];
	size_t i;

	prom_family(f, name, "counter", "State transitions by socket kind.");
	for (i = 0; i < sum->n_transitions; i++) {
		const struct tw_transition *tr = &sum->transitions[i];
		const char *sk = tw_sk_kind_name(tr->sk);
		const char *old = tw_state_name(tr->old_state);
		const char *new = tw_state_name(tr->new_state);

		if (!sk || !old || !new)
			continue;	/* from a newer module: no bounded name */
		snprintf(labels, sizeof(labels), "sk=\"%s\",old=\"%s\",new=\"%s\"",
			 sk, old, new);
		prom_u64(f, name, labels, tr->count);
	}
}

/* A metric with no labels: its HELP, TYPE and value. */
static void metric(FILE *f, const char *name, const char *type, const char *help,
		   uint64_t v)
{
	prom_family(f, name, type, help);
	prom_u64(f, name, NULL, v);
}

#define SUM_U64(field)	offsetof(struct tw_summary, field)

/* Totals of the summary, one unlabelled series each. */
static const struct {
	const char *name, *type, *help;
	size_t offset;			/* of a uint64_t in struct tw_summary */
} totals[] = {
	{ "tcpwatch_timewait_sockets", "gauge", "Timewait sockets now.",
	  SUM_U64(timewait.current) },
	{ "tcpwatch_timewait_entered_total", "counter", "Timewait sockets created.",
	  SUM_U64(timewait.entered) },
	{ "tcpwatch_timewait_ended_total", "counter", "Timewait sockets destroyed.",
	  SUM_U64(timewait.ended) },
	{ "tcpwatch_synack_retransmits_total", "counter",
	  "SYN-ACKs retransmitted, all listeners.", SUM_U64(listen.synack_retrans) },
	{ "tcpwatch_listen_overflows_total", "counter",
	  "Accept-queue overflows, all listeners.", SUM_U64(listen.overflows) },
	{ "tcpwatch_syn_drops_total", "counter", "SYNs dropped, all listeners.",
	  SUM_U64(listen.syn_drops) },
	{ "tcpwatch_syncookies_total", "counter", "SYN cookies sent, all listeners.",
	  SUM_U64(listen.syncookies) },
	{ "tcpwatch_events_written_total", "counter",
	  "Events the module wrote to its rings.", SUM_U64(events.written) },
	{ "tcpwatch_events_lost_total", "counter",
	  "Events the module lost (ring full, probe misses).", SUM_U64(events.lost) },
	{ "tcpwatch_events_unsent_total", "counter",
	  "Events the module could not send: no memory for a message.", SUM_U64(events.unsent) },
};

static void metrics_totals(FILE *f, const struct tw_summary *sum)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(totals); i++)
		metric(f, totals[i].name, totals[i].type, totals[i].help,
		       *(const uint64_t *)((const char *)sum + totals[i].offset));
}

static void metrics_ends(FILE *f, const struct tw_summary *sum)
{
	const char *name = "tcpwatch_ends_total";
	char labels[LABELS_LEN];
	size_t i;

	prom_family(f, name, "counter",
		    "Request, timewait (and full) sockets that ended, by reason.");
	for (i = 0; i < sum->n_ends; i++) {
		const char *sk = tw_sk_kind_name(sum->ends[i].sk);
		const char *reason = tw_reason_name(sum->ends[i].reason);

		if (!sk || !reason)
			continue;	/* from a newer module: no bounded name */
		snprintf(labels, sizeof(labels), "sk=\"%s\",reason=\"%s\"", sk, reason);
		prom_u64(f, name, labels, sum->ends[i].count);
	}
}

static void metrics_leaked(FILE *f, const uint64_t *leaked)
{
	const char *name = "tcpwatch_leaked_sockets";
	char labels[LABELS_LEN];
	unsigned int s;

	prom_family(f, name, "gauge",
		    "Sockets in the state for longer than tcpwatchd's --leak-age.");
	for (s = 1; s < TCPWATCH_NR_STATES; s++) {
		if (!(LEAK_STATES_DAEMON & TW_STATE_BIT(s)))
			continue;
		snprintf(labels, sizeof(labels), "state=\"%s\"", tw_state_name(s));
		prom_u64(f, name, labels, leaked[s]);
	}
}

static void metrics_dwell(FILE *f, const struct tw_summary *sum)
{
	const char *name = "tcpwatch_dwell_seconds";
	char labels[LABELS_LEN];
	unsigned int s;

	prom_family(f, name, "histogram",
		    "Time spent in a state before leaving it (_sum estimated).");
	for (s = 1; s < TCPWATCH_NR_STATES; s++) {
		snprintf(labels, sizeof(labels), "state=\"%s\"", tw_state_name(s));
		prom_histogram(f, name, labels, sum->dwell[s]);
	}
}

/* --- listeners, summed per (netns, port) -------------------------------- */

/*
 * Several sockets can listen on one port (0.0.0.0 and ::, SO_REUSEPORT), and
 * two series with the same labels would break the scrape: sum them. A
 * namespace is its cookie: a namespace that is gone and a later one can have
 * the same inode number, the label, within one dump. Their listeners are
 * never summed; only one namespace's (the larger cookie, usually the newer
 * one) is exported under that label.
 */
enum {
	LS_SYNQ, LS_SYNQ_PEAK, LS_ACCQ, LS_ACCQ_PEAK, LS_BACKLOG, LS_OVERFLOWS,
	LS_SYNDROPS, LS_SYNCOOKIES, LS_SYNACK, LS_NR
};

static const struct {
	const char *name, *type, *help;
	bool peak;		/* the largest of the group, not the sum */
} ls_metrics[LS_NR] = {
	[LS_SYNQ] = { "tcpwatch_listener_syn_queue", "gauge",
		      "Request sockets in the listener's SYN queue.", false },
	[LS_SYNQ_PEAK] = { "tcpwatch_listener_syn_queue_peak", "gauge",
			   "Largest SYN queue seen (of the sockets on the port).", true },
	[LS_ACCQ] = { "tcpwatch_listener_accept_queue", "gauge",
		      "Connections waiting in the listener's accept queue.", false },
	[LS_ACCQ_PEAK] = { "tcpwatch_listener_accept_queue_peak", "gauge",
			   "Largest accept queue seen (of the sockets on the port).", true },
	[LS_BACKLOG] = { "tcpwatch_listener_backlog", "gauge",
			 "The listener's backlog (sk_max_ack_backlog).", false },
	[LS_OVERFLOWS] = { "tcpwatch_listener_overflows_total", "counter",
			   "Accept queue overflows.", false },
	[LS_SYNDROPS] = { "tcpwatch_listener_syn_drops_total", "counter",
			  "SYNs the listener dropped.", false },
	[LS_SYNCOOKIES] = { "tcpwatch_listener_syncookies_total", "counter",
			    "SYN cookies the listener sent.", false },
	[LS_SYNACK] = { "tcpwatch_listener_synack_retrans_total", "counter",
			"SYN-ACKs the listener retransmitted.", false },
};

struct ls_sum {
	uint32_t netns;			/* the label */
	uint64_t netns_cookie;		/* the identity */
	uint16_t port;
	uint64_t v[LS_NR];
};

/* By label (inode, port), then the larger namespace cookie first. */
static int by_netns_port(const void *pa, const void *pb)
{
	const struct tw_listener *a = pa, *b = pb;

	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	if (a->port != b->port)
		return (int)a->port - (int)b->port;
	if (a->netns_cookie != b->netns_cookie)
		return a->netns_cookie > b->netns_cookie ? -1 : 1;
	return 0;
}

static void ls_add(struct ls_sum *s, const struct tw_listener *l)
{
	const uint64_t v[LS_NR] = {
		[LS_SYNQ] = l->syn_queue, [LS_SYNQ_PEAK] = l->syn_queue_peak,
		[LS_ACCQ] = l->accept_queue, [LS_ACCQ_PEAK] = l->accept_queue_peak,
		[LS_BACKLOG] = l->backlog, [LS_OVERFLOWS] = l->overflows,
		[LS_SYNDROPS] = l->syn_drops, [LS_SYNCOOKIES] = l->syncookies,
		[LS_SYNACK] = l->synack_retrans,
	};
	unsigned int m;

	for (m = 0; m < LS_NR; m++)
		if (!ls_metrics[m].peak)
			s->v[m] += v[m];
		else if (v[m] > s->v[m])
			s->v[m] = v[m];
}

/* Sorts @ls; returns the number of distinct (netns, port) labels in @out. */
static size_t ls_group(struct tw_listeners *ls, struct ls_sum *out)
{
	struct ls_sum *last;
	size_t i, n = 0;

	qsort(ls->v, ls->n, sizeof(*ls->v), by_netns_port);
	for (i = 0; i < ls->n; i++) {
		const struct tw_listener *l = &ls->v[i];

		last = n ? &out[n - 1] : NULL;
		if (last && last->netns == l->netns && last->port == l->port) {
			if (last->netns_cookie != l->netns_cookie)
				continue;	/* another namespace, same label */
			ls_add(last, l);
			continue;
		}
		memset(&out[n], 0, sizeof(out[n]));
		out[n].netns = l->netns;
		out[n].netns_cookie = l->netns_cookie;
		out[n].port = l->port;
		ls_add(&out[n++], l);
	}
	return n;
}

static void metrics_listeners(FILE *f, const struct tw_listeners *ls)
{
	struct tw_listeners sorted = *ls;
	char labels[LABELS_LEN];
	struct ls_sum *sums;
	size_t n, i;
	int m;

	sorted.v = malloc((ls->n + 1) * sizeof(*ls->v));
	sums = malloc((ls->n + 1) * sizeof(*sums));
	if (!sorted.v || !sums)
		goto out;
	memcpy(sorted.v, ls->v, ls->n * sizeof(*ls->v));
	n = ls_group(&sorted, sums);
	for (m = 0; m < LS_NR; m++) {
		prom_family(f, ls_metrics[m].name, ls_metrics[m].type, ls_metrics[m].help);
		for (i = 0; i < n; i++) {
			snprintf(labels, sizeof(labels), "netns=\"%" PRIu32 "\",port=\"%u\"",
				 sums[i].netns, sums[i].port);
			prom_u64(f, ls_metrics[m].name, labels, sums[i].v[m]);
		}
	}
out:
	free(sorted.v);
	free(sums);
}

static void metrics_daemon(FILE *f, const struct daemon_stats *d)
{
	metric(f, "tcpwatch_daemon_event_output", "gauge",
	       "1 if tcpwatchd follows the events and writes each one (--output); 0 if "
	       "it does not subscribe to them (then it exports no per-event counters).",
	       d != NULL);
	if (!d)
		return;
	metric(f, "tcpwatch_daemon_events_received_total", "counter",
	       "Events tcpwatchd received and wrote out.", d->received);
	metric(f, "tcpwatch_daemon_events_missed_total", "counter",
	       "Events tcpwatchd never received (per-CPU sequence gaps).", d->missed);
	metric(f, "tcpwatch_daemon_events_missed_kernel_total", "counter",
	       "Of the missed events, those lost in the kernel's ring.", d->missed_kernel);
	metric(f, "tcpwatch_daemon_enobufs_total", "counter",
	       "Times tcpwatchd's netlink receive queue overflowed.", d->enobufs);
	metric(f, "tcpwatch_daemon_malformed_total", "counter",
	       "Netlink messages tcpwatchd could not parse.", d->malformed);
	metric(f, "tcpwatch_daemon_output_lost_total", "counter",
	       "Event lines tcpwatchd could not write to its output.", d->output_lost);
}

void metrics_write(FILE *f, const struct tw_summary *sum, const struct tw_listeners *ls,
		   const uint64_t *leaked, const struct daemon_stats *d)
{
	metric(f, "tcpwatch_up", "gauge",
	       "1 if the tcpwatch module answered the last scrape.", sum != NULL);
	if (sum) {
		metrics_states(f, sum);
		metrics_transitions(f, sum);
		metrics_totals(f, sum);
		metrics_ends(f, sum);
		metrics_dwell(f, sum);
		if (sum->has_untracked)
			metric(f, "tcpwatch_untracked_sockets", "gauge",
			       "Sockets counted but not tracked (no dwell time or owner): max_tracked reached.",
			       sum->untracked);
	}
	if (ls)
		metrics_listeners(f, ls);
	if (leaked)
		metrics_leaked(f, leaked);
	metrics_daemon(f, d);
}
