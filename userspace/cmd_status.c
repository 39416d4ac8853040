// SPDX-License-Identifier: GPL-2.0
/* tcpwatch status: is the module healthy, and is anything being lost? */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "event_out.h"
#include "json.h"
#include "query.h"

#define PROG "tcpwatch status"

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [--json]\n\n"
		"Module version, attached probes and their misses, ring size, socket\n"
		"tracking pool, sockets seeded at load, events written and lost per CPU.\n"
		"Needs CAP_NET_ADMIN.\n\n"
		"  -j, --json   one JSON object (see tcpwatch(8))\n"
		"  -h, --help   this help\n");
}

void status_print_json(FILE *f, const struct tw_status *st)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_string(&j, "version", st->version);
	json_string(&j, "cli_version", TCPWATCH_VERSION);
	json_u64(&j, "ring_size", st->ring_size);
	json_object_begin(&j, "tracked");
	json_u64(&j, "used", st->track_used);
	json_u64(&j, "max", st->track_max);
	json_u64(&j, "allocated", st->track_allocated);
	json_u64(&j, "bytes", st->track_bytes);
	json_u64(&j, "untracked", st->untracked);
	json_u64(&j, "failed", st->track_failed);
	json_u64(&j, "failed_full", st->track_failed_full);
	json_u64(&j, "failed_growing", st->track_failed_growing);
	json_object_end(&j);
	json_u64(&j, "seeded", st->seeded);
	json_u64(&j, "seeded_untracked", st->seeded_untracked);
	json_array_begin(&j, "probes");
	for (i = 0; i < st->n_probes; i++) {
		json_object_begin(&j, NULL);
		json_string(&j, "name", st->probes[i].name);
		json_bool(&j, "attached", st->probes[i].attached);
		json_u64(&j, "missed", st->probes[i].missed);
		json_u64(&j, "hits", st->probes[i].hits);
		json_string(&j, "loses", st->probes[i].loses);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "cpus");
	for (i = 0; i < st->n_cpus; i++) {
		json_object_begin(&j, NULL);
		json_u64(&j, "cpu", st->cpus[i].id);
		json_u64(&j, "written", st->cpus[i].written);
		json_u64(&j, "lost", st->cpus[i].lost);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_evcounts(&j, &st->events);
	json_object_end(&j);
	fputc('\n', f);
}

static void human_probes(FILE *f, const struct tw_status *st)
{
	size_t i;

	fprintf(f, "\n%-36s %-8s %16s %16s\n", "PROBE", "ATTACHED", "HITS", "MISSED");
	for (i = 0; i < st->n_probes; i++)
		fprintf(f, "%-36s %-8s %16" PRIu64 " %16" PRIu64 "\n", st->probes[i].name,
			st->probes[i].attached ? "yes" : "NO", st->probes[i].hits,
			st->probes[i].missed);
	for (i = 0; i < st->n_probes; i++)
		if (!st->probes[i].attached)
			fprintf(f, "missing: %s (no probe on %s)\n",
				st->probes[i].loses, st->probes[i].name);
}

static void human_cpus(FILE *f, const struct tw_status *st)
{
	uint64_t written = 0, lost = 0;
	size_t i;

	fprintf(f, "\n%-8s %20s %20s\n", "CPU", "WRITTEN", "LOST");
	for (i = 0; i < st->n_cpus; i++) {
		fprintf(f, "%-8" PRIu32 " %20" PRIu64 " %20" PRIu64 "\n",
			st->cpus[i].id, st->cpus[i].written, st->cpus[i].lost);
		written += st->cpus[i].written;
		lost += st->cpus[i].lost;
	}
	fprintf(f, "%-8s %20" PRIu64 " %20" PRIu64 "\n", "total", written, lost);
}

void status_print_human(FILE *f, const struct tw_status *st)
{
	fprintf(f, "module           %s (tcpwatch %s)\n", st->version, TCPWATCH_VERSION);
	fprintf(f, "ring             %" PRIu32 " records per CPU\n", st->ring_size);
	fprintf(f, "tracked sockets  %" PRIu32 " (at most %" PRIu32 "), %" PRIu64
		" counted but not tracked now\n", st->track_used, st->track_max,
		st->untracked);
	fprintf(f, "tracking memory  %" PRIu64 " KiB, %" PRIu32 " entries allocated\n",
		(st->track_bytes + 1023) / 1024, st->track_allocated);
	fprintf(f, "not tracked      %" PRIu64 " since load: %" PRIu64
		" at max_tracked, %" PRIu64 " while the pool grew\n",
		st->track_failed, st->track_failed_full, st->track_failed_growing);
	fprintf(f, "seeded at load   %" PRIu32 " sockets", st->seeded);
	if (st->seeded_untracked)
		fprintf(f, ", %" PRIu32 " without an entry (their counts are exact"
			" unless they changed state during the walk)", st->seeded_untracked);
	fputc('\n', f);
	human_probes(f, st);
	human_cpus(f, st);
	fprintf(f, "\nevents           written %" PRIu64 ", lost %" PRIu64
		" (ring full and probe misses), unsent %" PRIu64 " (no memory)\n",
		st->events.written, st->events.lost, st->events.unsent);
}

static int status_run(bool json)
{
	struct tw_status st = {};
	struct nl nl;
	int ret;

	ret = nl_open_report(&nl, "tcpwatch");
	if (ret)
		return cli_exit_status(ret);
	ret = query_status(&nl, &st);
	if (ret)
		nl_perror(&nl, "tcpwatch", "reading the status", ret);
	else if ((ret = query_cpus(&nl, &st)))
		nl_perror(&nl, "tcpwatch", "reading the per-CPU counters", ret);
	else if (json)
		status_print_json(stdout, &st);
	else
		status_print_human(stdout, &st);
	tw_status_free(&st);
	nl_close(&nl);
	return cli_exit_status(ret);
}

int status_main(int argc, char *argv[])
{
	struct cli_report r = {};
	int ret = cli_report_opts(PROG, argc, argv, usage, 0, &r, NULL);

	if (ret)
		return ret < 0 ? 0 : ret;
	return status_run(r.json);
}
