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
	{ "tcpwatch_accept_queue_overflows_total", "counter",
	  "Connections dropped by a full accept queue, all listeners (ListenOverflows).",
	  SUM_U64(listen.overflows) },
	{ "tcpwatch_syn_drops_total", "counter", "SYNs dropped, all listeners.",
	  SUM_U64(listen.syn_drops) },
	{ "tcpwatch_syncookies_sent_total", "counter", "SYN cookies sent, all listeners.",
	  SUM_U64(listen.syncookies) },
	{ "tcpwatch_events_written_total", "counter",
	  "Events the module wrote to its rings.", SUM_U64(events.written) },
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
	const char *name = "tcpwatch_socket_ends_total";
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
	[LS_OVERFLOWS] = { "tcpwatch_listener_accept_queue_overflows_total", "counter",
			   "Connections dropped by the listener's full accept queue.", false },
	[LS_SYNDROPS] = { "tcpwatch_listener_syn_drops_total", "counter",
			  "SYNs the listener dropped.", false },
	[LS_SYNCOOKIES] = { "tcpwatch_listener_syncookies_sent_total", "counter",
			    "SYN cookies the listener sent.", false },
	[LS_SYNACK] = { "tcpwatch_listener_synack_retransmits_total", "counter",
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

/*
 * Per (netns, port) with @netns_label, else per port: every namespace's
 * listeners on a port summed (their peaks: the largest).
 */
static void metrics_listeners(FILE *f, const struct tw_listeners *ls, bool netns_label)
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
	for (i = 0; !netns_label && i < ls->n; i++) {
		sorted.v[i].netns = 0;
		sorted.v[i].netns_cookie = 0;
	}
	n = ls_group(&sorted, sums);
	for (m = 0; m < LS_NR; m++) {
		prom_family(f, ls_metrics[m].name, ls_metrics[m].type, ls_metrics[m].help);
		for (i = 0; i < n; i++) {
			if (netns_label)
				snprintf(labels, sizeof(labels), "netns=\"%" PRIu32 "\",port=\"%u\"",
					 sums[i].netns, sums[i].port);
			else
				snprintf(labels, sizeof(labels), "port=\"%u\"", sums[i].port);
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
	metric(f, "tcpwatch_daemon_receive_overruns_total", "counter",
	       "Times tcpwatchd's netlink receive queue overflowed (ENOBUFS).", d->enobufs);
	metric(f, "tcpwatch_daemon_malformed_messages_total", "counter",
	       "Netlink messages tcpwatchd could not parse.", d->malformed);
	metric(f, "tcpwatch_daemon_output_lost_events_total", "counter",
	       "Event lines tcpwatchd could not write to its output.", d->output_lost);
}

/* --- tcpwatch's own health ---------------------------------------------- */

static void metrics_build_info(FILE *f, const struct metrics_input *in)
{
	char mod[64], daemon[64], kernel[128];
	char labels[sizeof(mod) + sizeof(daemon) + sizeof(kernel) + 64];

	prom_label_value(mod, sizeof(mod), in->st ? in->st->version : "");
	prom_label_value(daemon, sizeof(daemon), in->daemon_version ?: "");
	prom_label_value(kernel, sizeof(kernel), in->kernel ?: "");
	snprintf(labels, sizeof(labels), "version=\"%s\",daemon_version=\"%s\",kernel=\"%s\"",
		 mod, daemon, kernel);
	prom_family(f, "tcpwatch_build_info", "gauge",
		    "Always 1: the module's version (empty when not loaded), tcpwatchd's and the kernel's.");
	prom_u64(f, "tcpwatch_build_info", labels, 1);
}

/* @which: 0 attached, 1 missed. */
static void metrics_probes(FILE *f, const struct tw_status *st, int which)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{ "tcpwatch_probe_attached", "gauge",
		  "1 if the probe is attached; 0: what it shows is missing (tcpwatch status)." },
		{ "tcpwatch_probe_missed_total", "counter",
		  "Times the kernel skipped the probe (kprobe nmissed): each an event lost." },
	};
	char name[TW_NAME_LEN * 2 + 1], labels[sizeof(name) + 16];
	size_t i;

	prom_family(f, fam[which].name, fam[which].type, fam[which].help);
	for (i = 0; i < st->n_probes; i++) {
		const struct tw_probe *p = &st->probes[i];

		prom_label_value(name, sizeof(name), p->name);
		snprintf(labels, sizeof(labels), "probe=\"%s\"", name);
		prom_u64(f, fam[which].name, labels, which ? p->missed : p->attached);
	}
}

/*
 * Lost events by cause: records overwritten in a CPU's ring before they
 * were sent (GET_CPUS), and probe hits the kernel skipped. Two counters
 * read apart, each never going down, rather than one total split by a
 * subtraction that could.
 */
static void metrics_loss(FILE *f, const struct tw_status *st)
{
	const char *name = "tcpwatch_events_lost_total";
	uint64_t ring = 0, probes = 0;
	size_t i;

	for (i = 0; i < st->n_cpus; i++)
		ring += st->cpus[i].lost;
	for (i = 0; i < st->n_probes; i++)
		probes += st->probes[i].missed;
	prom_family(f, name, "counter",
		    "Events the module lost, by cause: ring_full (overwritten before sent), "
		    "probe_missed (a probe the kernel skipped). The counts stay exact.");
	prom_u64(f, name, "cause=\"ring_full\"", ring);
	prom_u64(f, name, "cause=\"probe_missed\"", probes);
}

static void metrics_status(FILE *f, const struct tw_status *st)
{
	metrics_probes(f, st, 0);
	metrics_probes(f, st, 1);
	metrics_loss(f, st);
	metric(f, "tcpwatch_ring_size_records", "gauge",
	       "Records each CPU's event ring holds (ring_size): the history a consumer may lag by.",
	       st->ring_size);
	metric(f, "tcpwatch_tracked_sockets", "gauge",
	       "Sockets with a tracking entry (dwell time, owner).", st->track_used);
	metric(f, "tcpwatch_tracked_sockets_limit", "gauge",
	       "The most sockets tracked at once (max_tracked).", st->track_max);
	metric(f, "tcpwatch_tracking_memory_bytes", "gauge",
	       "Memory of the tracking pool and its hash table.", st->track_bytes);
	prom_family(f, "tcpwatch_track_failures_total", "counter",
		    "Sockets left without a tracking entry, by cause: full (max_tracked reached), "
		    "growing (the pool's reserve was empty).");
	prom_u64(f, "tcpwatch_track_failures_total", "cause=\"full\"", st->track_failed_full);
	prom_u64(f, "tcpwatch_track_failures_total", "cause=\"growing\"",
		 st->track_failed_growing);
}

void metrics_write(FILE *f, const struct metrics_input *in)
{
	const struct tw_summary *sum = in->sum;

	metric(f, "tcpwatch_up", "gauge",
	       "1 if the tcpwatch module answered the last read.", sum != NULL);
	metrics_build_info(f, in);
	if (in->last_read_ms) {
		prom_family(f, "tcpwatch_daemon_last_read_timestamp_seconds", "gauge",
			    "When the module last answered tcpwatchd (Unix time).");
		prom_ms_as_seconds(f, "tcpwatch_daemon_last_read_timestamp_seconds", NULL,
				   in->last_read_ms);
	}
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
	if (sum && in->st)
		metrics_status(f, in->st);
	if (sum && in->ls)
		metrics_listeners(f, in->ls, in->netns_label);
	if (in->leaked)
		metrics_leaked(f, in->leaked);
	metrics_daemon(f, in->daemon);
}
