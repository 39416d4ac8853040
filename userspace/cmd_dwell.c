// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatch dwell: how long connections stay in each state, as the module's
 * log2 histograms drawn in the terminal the way bcc's tools draw them —
 * handshake time (SYN_SENT), TIME_WAIT length, CLOSE_WAIT age.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "format.h"
#include "hist.h"
#include "query.h"

#define PROG "tcpwatch dwell"

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [--state STATE] [--json] [--netns INODE]\n"
		"                      [--netns-cookie N]\n\n"
		"For each state sockets have left, a histogram of how long they stayed\n"
		"in it (power-of-two buckets), e.g. SYN_SENT is the handshake time.\n\n"
		"  -s, --state STATE   only these states (repeat it or give a comma list)\n"
		"  -j, --json          one JSON object (see tcpwatch(8))\n"
		"  -N, --netns INODE   only this network namespace (inode number)\n"
		"      --netns-cookie N\n"
		"                      only this network namespace (its cookie: unlike\n"
		"                      the inode number, never reused)\n"
		"  -h, --help          this help\n");
}

/* Asked for (then shown even when empty), or not filtered and with samples. */
static bool wanted(const struct tw_summary *sum, uint32_t states, unsigned int s)
{
	if (states)
		return states & TW_STATE_BIT(s);
	return (sum->dwell_present & TW_STATE_BIT(s)) && hist_count(sum->dwell[s]);
}

void dwell_print_json(FILE *f, const struct tw_summary *sum, uint32_t states)
{
	struct json j;
	unsigned int s, i;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	for (s = 1; s < TCPWATCH_NR_STATES; s++) {
		if (!wanted(sum, states, s))
			continue;
		json_object_begin(&j, tw_state_name(s));
		json_array_begin(&j, "buckets");
		for (i = 0; i < TCPWATCH_DWELL_BUCKETS; i++) {
			if (!sum->dwell[s][i])
				continue;
			json_object_begin(&j, NULL);
			json_u64(&j, "le_ns", hist_le_ns(i));
			json_u64(&j, "count", sum->dwell[s][i]);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_u64(&j, "count", hist_count(sum->dwell[s]));
		json_object_end(&j);
	}
	if (sum->has_untracked)
		json_u64(&j, "untracked", sum->untracked);
	json_object_end(&j);
	fputc('\n', f);
}

void dwell_print_human(FILE *f, const struct tw_summary *sum, uint32_t states)
{
	char p50[16], p99[16];
	bool any = false;
	unsigned int s;

	for (s = 1; s < TCPWATCH_NR_STATES; s++) {
		if (!wanted(sum, states, s))
			continue;
		fprintf(f, "%s%s: ", any ? "\n" : "", tw_state_name(s));
		any = true;
		if (!hist_count(sum->dwell[s])) {
			fprintf(f, "no samples\n");
			continue;
		}
		tw_duration_format(hist_quantile_ns(sum->dwell[s], 0.5), p50, sizeof(p50));
		tw_duration_format(hist_quantile_ns(sum->dwell[s], 0.99), p99, sizeof(p99));
		fprintf(f, "%" PRIu64 " samples, p50 < %s, p99 < %s\n",
			hist_count(sum->dwell[s]), p50, p99);
		hist_print(f, sum->dwell[s]);
	}
	if (!any)
		fprintf(f, "(no dwell times measured yet)\n");
	if (sum->has_untracked && sum->untracked)
		fprintf(f, "\nnot measured: %" PRIu64 " sockets now are counted but not"
			" tracked (max_tracked reached), so their dwell times are missing\n",
			sum->untracked);
}

static int dwell_run(const struct cli_report *r)
{
	static struct tw_summary sum;
	struct nl nl;
	int ret;

	ret = nl_open_report(&nl, "tcpwatch");
	if (ret)
		return cli_exit_status(ret);
	ret = query_summary(&nl, &r->filter, &sum);
	if (ret)
		nl_perror(&nl, "tcpwatch", "reading the summary", ret);
	else if (r->json)
		dwell_print_json(stdout, &sum, r->filter.states);
	else
		dwell_print_human(stdout, &sum, r->filter.states);
	nl_close(&nl);
	return cli_exit_status(ret);
}

int dwell_main(int argc, char *argv[])
{
	struct cli_report r = {};
	int ret = cli_report_opts(PROG, argc, argv, usage, CLI_NETNS | CLI_STATE, &r, NULL);

	if (ret)
		return ret < 0 ? 0 : ret;
	return dwell_run(&r);
}
