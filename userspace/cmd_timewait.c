// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatch timewait: how many TIME_WAIT sockets there are, how fast they come
 * and go (two summaries --interval apart), why they ended, and the ports that
 * hold the most of them (counted by the module: GET_PORTS).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmds.h"
#include "format.h"
#include "query.h"

#define PROG "tcpwatch timewait"
#define MAX_TOP	65535

struct timewait_opts {
	struct cli_report r;
	uint64_t interval_ns;
	uint64_t top;
};

/* The ways a timewait socket ends; always shown, 0 or not. */
static const unsigned int tw_reasons[] = {
	TCPWATCH_REASON_EXPIRED, TCPWATCH_REASON_REUSED, TCPWATCH_REASON_RESET,
	TCPWATCH_REASON_PURGED,
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [--json] [--interval T] [--top N] [--netns INODE]\n"
		"                         [--netns-cookie N] [--port N] [--addr ADDR]\n\n"
		"TIME_WAIT sockets now, created and destroyed per second over an\n"
		"interval, how they ended (expired, reused by a new SYN, reset, purged),\n"
		"and the local and remote ports holding the most of them (counting\n"
		"timewait sockets in either substate, TIME_WAIT or FIN_WAIT2).\n"
		"The port lists need CAP_NET_ADMIN.\n\n"
		"  -j, --json          one JSON object (see tcpwatch(8))\n"
		"  -i, --interval T    measure the rates over T (default 1s; 10ms-1h)\n"
		"  -t, --top N         this many ports in each list (default 10)\n"
		"  -N, --netns INODE   only this network namespace (inode number)\n"
		"      --netns-cookie N\n"
		"                      only this network namespace (its cookie: unlike\n"
		"                      the inode number, never reused)\n"
		"  -P, --port N        port lists: only sockets with local or peer port N\n"
		"  -a, --addr ADDR     port lists: only sockets with local or peer ADDR\n"
		"  -h, --help          this help\n");
}

/* Per second over the interval; 0 if the counter went back (module reloaded). */
static double rate(uint64_t before, uint64_t after, uint64_t interval_ns)
{
	return after >= before ? (after - before) / (interval_ns / 1e9) : 0;
}

static void json_ports(struct json *j, const char *key, const struct port_count *p,
		       size_t n)
{
	size_t i;

	json_array_begin(j, key);
	for (i = 0; i < n; i++) {
		json_object_begin(j, NULL);
		json_u64(j, "port", p[i].port);
		json_u64(j, "count", p[i].count);
		json_object_end(j);
	}
	json_array_end(j);
}

void timewait_print_json(FILE *f, const struct timewait_report *r)
{
	const struct tw_summary *b = r->before, *a = r->after;
	struct json j;
	size_t i;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_u64(&j, "current", a->timewait.current);
	json_u64(&j, "interval_ns", r->interval_ns);
	json_double(&j, "entered_per_s",
		    rate(b->timewait.entered, a->timewait.entered, r->interval_ns));
	json_double(&j, "ended_per_s", rate(b->timewait.ended, a->timewait.ended, r->interval_ns));
	json_u64(&j, "entered", a->timewait.entered);
	json_u64(&j, "ended", a->timewait.ended);
	json_object_begin(&j, "ended_by_reason");
	for (i = 0; i < sizeof(tw_reasons) / sizeof(tw_reasons[0]); i++)
		json_u64(&j, tw_reason_name(tw_reasons[i]),
			 tw_summary_ends(a, TCPWATCH_SK_TIMEWAIT, tw_reasons[i]));
	json_object_end(&j);
	json_u64(&j, "ports_counted", r->counted);
	json_ports(&j, "local_ports", r->local, r->n_local);
	json_ports(&j, "remote_ports", r->remote, r->n_remote);
	json_object_end(&j);
	fputc('\n', f);
}

void timewait_print_human(FILE *f, const struct timewait_report *r)
{
	const struct tw_summary *b = r->before, *a = r->after;
	char interval[16], cell[2][24];
	size_t i, k, rows = r->n_local > r->n_remote ? r->n_local : r->n_remote;

	tw_duration_format(r->interval_ns, interval, sizeof(interval));
	fprintf(f, "TIME_WAIT sockets now %" PRIu64 ", entered %.1f/s, ended %.1f/s "
		"(over %s)\n", a->timewait.current,
		rate(b->timewait.entered, a->timewait.entered, r->interval_ns),
		rate(b->timewait.ended, a->timewait.ended, r->interval_ns), interval);
	fprintf(f, "ended since load:");
	for (i = 0; i < sizeof(tw_reasons) / sizeof(tw_reasons[0]); i++)
		fprintf(f, " %s %" PRIu64, tw_reason_name(tw_reasons[i]),
			tw_summary_ends(a, TCPWATCH_SK_TIMEWAIT, tw_reasons[i]));
	fprintf(f, "\n\nthe busiest ports, over %" PRIu64 " tracked timewait sockets:\n",
		r->counted);
	fprintf(f, "%10s %10s   %11s %10s\n", "LOCAL PORT", "TIME_WAIT", "REMOTE PORT",
		"TIME_WAIT");
	if (!rows)
		fprintf(f, "(none)\n");
	for (i = 0; i < rows; i++) {
		for (k = 0; k < 2; k++) {
			const struct port_count *p = k ? r->remote : r->local;
			size_t n = k ? r->n_remote : r->n_local;

			if (i < n)
				snprintf(cell[k], sizeof(cell[k]), "%*u %10" PRIu64, k ? 11 : 10,
					 p[i].port, p[i].count);
			else
				snprintf(cell[k], sizeof(cell[k]), "%s", "");
		}
		fprintf(f, "%-21s   %s\n", cell[0], cell[1]);
	}
}

/* Two summaries @o->interval_ns apart, then the busiest ports. */
static int timewait_read(struct nl *nl, const struct timewait_opts *o,
			 struct tw_summary *before, struct tw_summary *after,
			 struct tw_ports *ports)
{
	struct timespec pause = { o->interval_ns / 1000000000, o->interval_ns % 1000000000 };
	int ret = query_summary(nl, &o->r.filter, before);
	struct tw_filter f;

	if (!ret) {
		nanosleep(&pause, NULL);
		ret = query_summary(nl, &o->r.filter, after);
	}
	if (ret) {
		nl_perror(nl, "tcpwatch", "reading the summary", ret);
		return ret;
	}
	/* Timewait sockets are in one of these two substates. */
	f = o->r.filter;
	if (!f.states)
		f.states = TW_STATE_BIT(TCPWATCH_TIME_WAIT) |
			   TW_STATE_BIT(TCPWATCH_FIN_WAIT2);
	ret = query_ports(nl, &f, 1u << TCPWATCH_SK_TIMEWAIT, o->top, ports);
	if (ret)
		nl_perror(nl, "tcpwatch", "reading the ports", ret);
	return ret;
}

/* The module's answer, local ports first, into the report's two lists. */
static void timewait_split(const struct tw_ports *ports, struct timewait_report *rep,
			   struct port_count *local, struct port_count *remote, size_t top)
{
	size_t i;

	for (i = 0; i < ports->n; i++) {
		const struct tw_port *p = &ports->v[i];

		if (p->side == TCPWATCH_PORT_LOCAL && rep->n_local < top)
			local[rep->n_local++] = (struct port_count){ p->port, p->count };
		else if (p->side == TCPWATCH_PORT_REMOTE && rep->n_remote < top)
			remote[rep->n_remote++] = (struct port_count){ p->port, p->count };
	}
	rep->counted = ports->sockets;
}

static int timewait_run(const struct timewait_opts *o)
{
	static struct tw_summary before, after;
	struct port_count *local = calloc(o->top, sizeof(*local));
	struct port_count *remote = calloc(o->top, sizeof(*remote));
	struct timewait_report rep = {
		.before = &before, .after = &after, .interval_ns = o->interval_ns,
		.local = local, .remote = remote,
	};
	struct tw_ports ports = {};
	struct nl nl = {};
	int ret = TW_EXIT_FAILED;

	if (!local || !remote) {
		fprintf(stderr, "tcpwatch: %s\n", strerror(ENOMEM));
		goto out;
	}
	ret = nl_open_report(&nl, "tcpwatch");
	if (!ret)
		ret = timewait_read(&nl, o, &before, &after, &ports);
	if (ret) {
		ret = cli_exit_status(ret);
		goto out;
	}
	timewait_split(&ports, &rep, local, remote, o->top);
	if (o->r.json)
		timewait_print_json(stdout, &rep);
	else
		timewait_print_human(stdout, &rep);
	ret = 0;
out:
	tw_ports_free(&ports);
	nl_close(&nl);
	free(local);
	free(remote);
	return ret;
}

static int timewait_opt(const char *prog, int c, const char *arg, void *ctx)
{
	struct timewait_opts *o = ctx;

	if (c == 'i')
		return cli_duration(prog, "--interval", arg, 10000000ull, 3600000000000ull,
				    &o->interval_ns);
	return cli_number(prog, "--top", arg, 1, MAX_TOP, &o->top);
}

int timewait_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "top", required_argument, NULL, 't' },
		{}
	};
	struct timewait_opts o = { .interval_ns = 1000000000ull, .top = 10 };
	const struct cli_extra extra = { opts, timewait_opt, &o };
	int ret = cli_report_opts(PROG, argc, argv, usage, CLI_NETNS | CLI_ADDRPORT, &o.r,
				  &extra);

	if (ret)
		return ret < 0 ? 0 : ret;
	return timewait_run(&o);
}
