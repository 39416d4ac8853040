// SPDX-License-Identifier: GPL-2.0
/* tcpwatch summary: the module's aggregates, for a person or as JSON. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "array.h"
#include "cli.h"
#include "cmds.h"
#include "event_out.h"
#include "format.h"
#include "hist.h"
#include "json.h"
#include "query.h"

#define PROG "tcpwatch summary"

static const double dwell_quantiles[] = { 0.5, 0.9, 0.99 };
static const char *const dwell_quantile_keys[] = { "p50_ns", "p90_ns", "p99_ns" };

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [--json] [--netns INODE] [--netns-cookie N]\n"
		"                        [--port N] [--addr ADDR]\n\n"
		"Counts of sockets per TCP state, state transitions, TIME_WAIT sockets,\n"
		"how request and timewait sockets ended, listener queues and totals,\n"
		"time spent per state and events written/lost.\n\n"
		"  -j, --json         one JSON object (see tcpwatch(8))\n"
		"  -N, --netns INODE  only this network namespace (inode number)\n"
		"      --netns-cookie N\n"
		"                     only this network namespace (its cookie: unlike\n"
		"                     the inode number, never reused)\n"
		"  -P, --port N       only listeners on port N\n"
		"  -a, --addr ADDR    only listeners bound to ADDR (IPv4 or IPv6)\n"
		"  -h, --help         this help\n");
}

/* --- JSON --------------------------------------------------------------- */

static void json_states(struct json *j, const struct tw_summary *sum)
{
	unsigned int s;

	json_object_begin(j, "states");
	for (s = 1; s < TCPWATCH_NR_STATES; s++)
		json_u64(j, tw_state_name(s), sum->states[s]);
	json_object_end(j);
}

static void json_transitions(struct json *j, const struct tw_summary *sum)
{
	size_t i;

	json_array_begin(j, "transitions");
	for (i = 0; i < sum->n_transitions; i++) {
		const struct tw_transition *tr = &sum->transitions[i];

		json_object_begin(j, NULL);
		json_string(j, "sk", tw_sk_kind_name(tr->sk));
		json_string(j, "old", tw_state_name(tr->old_state));
		json_string(j, "new", tw_state_name(tr->new_state));
		json_u64(j, "count", tr->count);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_ends(struct json *j, const struct tw_summary *sum)
{
	size_t i;

	json_array_begin(j, "ends");
	for (i = 0; i < sum->n_ends; i++) {
		json_object_begin(j, NULL);
		json_string(j, "sk", tw_sk_kind_name(sum->ends[i].sk));
		json_string(j, "reason", tw_reason_name(sum->ends[i].reason));
		json_u64(j, "count", sum->ends[i].count);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_listen(struct json *j, const struct tw_summary *sum)
{
	json_object_begin(j, "listen");
	json_u64(j, "overflows", sum->listen.overflows);
	json_u64(j, "syn_drops", sum->listen.syn_drops);
	json_u64(j, "syncookies", sum->listen.syncookies);
	json_u64(j, "synack_retrans", sum->listen.synack_retrans);
	json_object_end(j);
}

static void json_dwell(struct json *j, const struct tw_summary *sum)
{
	unsigned int s, q, i;

	json_object_begin(j, "dwell");
	for (s = 1; s < TCPWATCH_NR_STATES; s++) {
		if (!(sum->dwell_present & (1u << s)))
			continue;
		json_object_begin(j, tw_state_name(s));
		json_u64(j, "samples", hist_count(sum->dwell[s]));
		/* Whole nanoseconds: "%.9g" wrote 1.61061274e+09 past a second. */
		for (q = 0; q < ARRAY_SIZE(dwell_quantiles); q++)
			json_u64(j, dwell_quantile_keys[q],
				 (uint64_t)llround(hist_quantile_ns(sum->dwell[s], dwell_quantiles[q])));
		json_array_begin(j, "buckets");
		for (i = 0; i < TCPWATCH_DWELL_BUCKETS; i++)
			json_u64(j, NULL, sum->dwell[s][i]);
		json_array_end(j);
		json_object_end(j);
	}
	json_object_end(j);
}

void summary_print_json(FILE *f, const struct tw_summary *sum,
			const struct tw_listeners *ls)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_states(&j, sum);
	json_transitions(&j, sum);
	json_object_begin(&j, "timewait");
	json_u64(&j, "current", sum->timewait.current);
	json_u64(&j, "entered", sum->timewait.entered);
	json_u64(&j, "ended", sum->timewait.ended);
	json_object_end(&j);
	json_ends(&j, sum);
	json_listen(&j, sum);
	json_array_begin(&j, "listeners");
	for (i = 0; i < ls->n; i++)
		json_listener(&j, &ls->v[i]);
	json_array_end(&j);
	json_dwell(&j, sum);
	if (sum->has_untracked)
		json_u64(&j, "untracked", sum->untracked);
	json_evcounts(&j, &sum->events);
	json_object_end(&j);
	fputc('\n', f);
}

/* --- text --------------------------------------------------------------- */

/* Four rows of three "STATE COUNT" pairs: all twelve states, always. */
static void human_states(FILE *f, const struct tw_summary *sum)
{
	unsigned int row, col, s;

	fprintf(f, "%-12s %11s   %-12s %11s   %-12s %11s\n",
		"STATE", "SOCKETS", "STATE", "SOCKETS", "STATE", "SOCKETS");
	for (row = 0; row < 4; row++) {
		for (col = 0; col < 3; col++) {
			s = 1 + row * 3 + col;
			fprintf(f, "%s%-12s %11" PRIu64, col ? "   " : "",
				tw_state_name(s), sum->states[s]);
		}
		fputc('\n', f);
	}
}

static const char *name_or_q(const char *name)
{
	return name ? name : "?";
}

static void human_transitions(FILE *f, const struct tw_summary *sum)
{
	size_t i;

	fprintf(f, "\n%-9s %-13s %-13s %20s\n", "SK", "OLD", "NEW", "TRANSITIONS");
	if (!sum->n_transitions)
		fprintf(f, "(none yet)\n");
	for (i = 0; i < sum->n_transitions; i++) {
		const struct tw_transition *tr = &sum->transitions[i];

		fprintf(f, "%-9s %-13s %-13s %20" PRIu64 "\n",
			name_or_q(tw_sk_kind_name(tr->sk)),
			name_or_q(tw_state_name(tr->old_state)),
			name_or_q(tw_state_name(tr->new_state)), tr->count);
	}
}

/* "ENDS  request   accepted 40  timeout 1", a line per kind that has any. */
static void human_ends(FILE *f, const struct tw_summary *sum)
{
	const char *label = "ENDS";
	unsigned int sk;
	size_t i;

	for (sk = 0; sk < TCPWATCH_NR_SK_KINDS; sk++) {
		bool any = false;

		for (i = 0; i < sum->n_ends; i++) {
			const struct tw_end *e = &sum->ends[i];

			if (e->sk != sk)
				continue;
			if (!any)
				fprintf(f, "%-10s %-9s", label, tw_sk_kind_name(sk));
			fprintf(f, " %s %" PRIu64, name_or_q(tw_reason_name(e->reason)),
				e->count);
			any = true;
			label = "";
		}
		if (any)
			fputc('\n', f);
	}
}

static void human_dwell(FILE *f, const struct tw_summary *sum)
{
	char q[3][16];
	unsigned int s, i;

	if (!sum->dwell_present)
		return;
	/* Log2 buckets give upper bounds: "P50<" = half the samples took less. */
	fprintf(f, "\n%-12s %12s %10s %10s %10s\n", "DWELL", "SAMPLES", "P50<", "P90<",
		"P99<");
	for (s = 1; s < TCPWATCH_NR_STATES; s++) {
		if (!(sum->dwell_present & (1u << s)))
			continue;
		for (i = 0; i < 3; i++)
			tw_duration_format(hist_quantile_ns(sum->dwell[s], dwell_quantiles[i]),
					   q[i], sizeof(q[i]));
		fprintf(f, "%-12s %12" PRIu64 " %10s %10s %10s\n", tw_state_name(s),
			hist_count(sum->dwell[s]), q[0], q[1], q[2]);
	}
}

void summary_print_human(FILE *f, const struct tw_summary *sum,
			 const struct tw_listeners *ls)
{
	human_states(f, sum);
	human_transitions(f, sum);
	fprintf(f, "\nTIME_WAIT  now %" PRIu64 "  entered %" PRIu64 "  ended %" PRIu64 "\n",
		sum->timewait.current, sum->timewait.entered, sum->timewait.ended);
	human_ends(f, sum);
	fprintf(f, "LISTEN     overflows %" PRIu64 "  syn_drops %" PRIu64 "  syncookies %"
		PRIu64 "  synack_retrans %" PRIu64 "\n\n", sum->listen.overflows,
		sum->listen.syn_drops, sum->listen.syncookies, sum->listen.synack_retrans);
	listeners_print_human(f, ls, 0);
	human_dwell(f, sum);
	if (sum->has_untracked && sum->untracked)
		fprintf(f, "\nUNTRACKED  %" PRIu64 " sockets counted without dwell time or owner"
			" (max_tracked reached)\n", sum->untracked);
	fprintf(f, "\nEVENTS     written %" PRIu64 "  lost %" PRIu64 "  unsent %" PRIu64 "\n",
		sum->events.written, sum->events.lost, sum->events.unsent);
}

/* --- command ------------------------------------------------------------ */

static int summary_run(const struct cli_report *r)
{
	static struct tw_summary sum;	/* ~20 KiB: keep it off the stack */
	struct tw_listeners ls = {};
	struct nl nl;
	int ret;

	ret = nl_open_report(&nl, "tcpwatch");
	if (ret)
		return cli_exit_status(ret);
	ret = query_summary(&nl, &r->filter, &sum);
	if (ret) {
		nl_perror(&nl, "tcpwatch", "reading the summary", ret);
		goto out;
	}
	ret = listeners_read(&nl, &r->filter, &ls);
	if (ret)
		goto out;
	if (r->json)
		summary_print_json(stdout, &sum, &ls);
	else
		summary_print_human(stdout, &sum, &ls);
out:
	tw_listeners_free(&ls);
	nl_close(&nl);
	return cli_exit_status(ret);
}

int summary_main(int argc, char *argv[])
{
	struct cli_report r = {};
	int ret = cli_report_opts(PROG, argc, argv, usage, CLI_NETNS | CLI_ADDRPORT, &r, NULL);

	if (ret)
		return ret < 0 ? 0 : ret;
	return summary_run(&r);
}
