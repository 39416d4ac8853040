// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
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

static void metrics_totals(FILE *f, const struct tw_summary *sum)
{
	metric(f, "tcpwatch_timewait_sockets", "gauge",
	       "Timewait sockets now.", sum->timewait.current);
	metric(f, "tcpwatch_timewait_entered_total", "counter",
	       "Timewait sockets created.", sum->timewait.entered);
	metric(f, "tcpwatch_timewait_ended_total", "counter",
	       "Timewait sockets destroyed.", sum->timewait.ended);
	metric(f, "tcpwatch_events_written_total", "counter",
	       "Events the module wrote to its rings.", sum->events.written);
	metric(f, "tcpwatch_events_lost_total", "counter",
	       "Events the module lost (ring full, probe misses).", sum->events.lost);
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
 * two series with the same labels would break the scrape: sum them.
 */
enum { LS_SYNQ, LS_ACCQ, LS_BACKLOG, LS_OVERFLOWS, LS_SYNDROPS, LS_NR };

static const struct {
	const char *name, *type, *help;
} ls_metrics[LS_NR] = {
	[LS_SYNQ] = { "tcpwatch_listener_syn_queue", "gauge",
		      "Request sockets in the listener's SYN queue." },
	[LS_ACCQ] = { "tcpwatch_listener_accept_queue", "gauge",
		      "Connections waiting in the listener's accept queue." },
	[LS_BACKLOG] = { "tcpwatch_listener_backlog", "gauge",
			 "The listener's backlog (sk_max_ack_backlog)." },
	[LS_OVERFLOWS] = { "tcpwatch_listener_overflows_total", "counter",
			   "Accept queue overflows." },
	[LS_SYNDROPS] = { "tcpwatch_listener_syn_drops_total", "counter",
			  "SYNs the listener dropped." },
};

struct ls_sum {
	uint32_t netns;
	uint16_t port;
	uint64_t v[LS_NR];
};

static int by_netns_port(const void *pa, const void *pb)
{
	const struct tw_listener *a = pa, *b = pb;

	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	return (int)a->port - (int)b->port;
}

static void ls_add(struct ls_sum *s, const struct tw_listener *l)
{
	s->v[LS_SYNQ] += l->syn_queue;
	s->v[LS_ACCQ] += l->accept_queue;
	s->v[LS_BACKLOG] += l->backlog;
	s->v[LS_OVERFLOWS] += l->overflows;
	s->v[LS_SYNDROPS] += l->syn_drops;
}

/* Sorts @ls; returns the number of distinct (netns, port) in @out. */
static size_t ls_group(struct tw_listeners *ls, struct ls_sum *out)
{
	size_t i, n = 0;

	qsort(ls->v, ls->n, sizeof(*ls->v), by_netns_port);
	for (i = 0; i < ls->n; i++) {
		const struct tw_listener *l = &ls->v[i];

		if (!n || out[n - 1].netns != l->netns || out[n - 1].port != l->port) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].netns = l->netns;
			out[n].port = l->port;
			n++;
		}
		ls_add(&out[n - 1], l);
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
}

void metrics_write(FILE *f, const struct tw_summary *sum,
		   const struct tw_listeners *ls, const struct daemon_stats *d)
{
	metric(f, "tcpwatch_up", "gauge",
	       "1 if the tcpwatch module answered the last scrape.", sum != NULL);
	if (sum) {
		metrics_states(f, sum);
		metrics_transitions(f, sum);
		metrics_totals(f, sum);
		metrics_dwell(f, sum);
	}
	if (ls)
		metrics_listeners(f, ls);
	metrics_daemon(f, d);
}
