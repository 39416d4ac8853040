// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatch leaks: sockets stuck in a closing or half-open state for longer
 * than a threshold, oldest first, and a line per owning process — the answer
 * to "which process leaks CLOSE_WAIT sockets?".
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmds.h"
#include "event_out.h"
#include "format.h"
#include "leaks.h"
#include "query.h"

#define PROG "tcpwatch leaks"
#define DEFAULT_AGE_NS	60000000000ull

struct leaks_opts {
	struct cli_report r;
	uint64_t older_than_ns;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [--older-than DURATION] [--state STATE] [--json]\n"
		"                      [--wide] [--no-header] [--netns INODE] [--netns-cookie N]\n"
		"                      [--port N] [--addr ADDR]\n\n"
		"Sockets that have been in CLOSE_WAIT, FIN_WAIT2, LAST_ACK, SYN_RECV,\n"
		"NEW_SYN_RECV, SYN_SENT, FIN_WAIT1 or CLOSING for longer than DURATION,\n"
		"oldest first, with their owner; then one line per owning process.\n"
		"Needs CAP_NET_ADMIN.\n\n"
		"  -o, --older-than D  at least this long in the state (default 60s;\n"
		"                      '0' lists them all; '90', '5m', '1.5h' work)\n"
		"  -s, --state STATE   only these states instead (repeat it or give a\n"
		"                      comma list; any state, e.g. ESTABLISHED)\n"
		"  -j, --json          a JSON array of socket objects (see tcpwatch(8))\n"
		"  -w, --wide          add namespace (inode and cookie) and socket cookie\n"
		"                      columns\n"
		"  -H, --no-header     no header line (for scripts)\n"
		"  -N, --netns INODE   only this network namespace (inode number)\n"
		"      --netns-cookie N\n"
		"                      only this network namespace (its cookie: unlike\n"
		"                      the inode number, never reused)\n"
		"  -P, --port N        only sockets whose local or peer port is N\n"
		"  -a, --addr ADDR     only sockets whose local or peer address is ADDR\n"
		"  -h, --help          this help\n");
}

static void json_leak(struct json *j, const struct tw_event *s)
{
	json_object_begin(j, NULL);
	json_string(j, "sk", tw_sk_kind_name(s->sk));
	json_string(j, "state", tw_state_name(s->new_state));
	json_u64(j, "age_ns", s->age_ns);
	json_u64(j, "cookie", s->cookie);
	json_u64(j, "netns", s->netns);
	json_u64(j, "netns_cookie", s->netns_cookie);
	json_tuple(j, &s->t);
	json_u64(j, "pid", s->pid);
	json_string(j, "comm", s->comm);
	json_object_end(j);
}

void leaks_print_json(FILE *f, const struct tw_sockets *s)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_array_begin(&j, NULL);
	for (i = 0; i < s->n; i++)
		json_leak(&j, &s->v[i]);
	json_array_end(&j);
	fputc('\n', f);
}

#define HUMAN_FMT	"%-12s %-4s %8s %-21s %-20s %s\n"
#define WIDE_FMT	"%-10s %-12s %-20s "

static void human_leak(FILE *f, const struct tw_event *s, bool wide)
{
	char local[TW_ADDRPORT_LEN], peer[TW_ADDRPORT_LEN], age[16], owner[TW_OWNER_LEN];
	char netns[12], nscookie[24], cookie[24];

	if (wide) {
		snprintf(netns, sizeof(netns), "%" PRIu32, s->netns);
		snprintf(nscookie, sizeof(nscookie), "%" PRIu64, s->netns_cookie);
		snprintf(cookie, sizeof(cookie), "%" PRIu64, s->cookie);
		fprintf(f, WIDE_FMT, netns, nscookie, cookie);
	}
	event_endpoints(s, local, peer, sizeof(local));
	tw_duration_format(s->age_ns, age, sizeof(age));
	tw_owner_format(s->pid, s->comm, true, owner, sizeof(owner));
	fprintf(f, HUMAN_FMT, tw_state_name(s->new_state) ?: "?", tw_sk_kind_short(s->sk),
		age, local, peer, owner);
}

static int human_owners(FILE *f, const struct tw_sockets *s)
{
	struct leak_owner *owners;
	char line[256];
	long n, i;

	n = leaks_owners(s->v, s->n, &owners);
	if (n < 0)
		return n;
	if (n)
		fputc('\n', f);
	for (i = 0; i < n; i++) {
		leak_owner_format(&owners[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	free(owners);
	return 0;
}

void leaks_print_human(FILE *f, const struct tw_sockets *s, unsigned int table)
{
	bool wide = table & TABLE_WIDE;
	size_t i;

	if (!(table & TABLE_NO_HEADER)) {
		if (wide)
			fprintf(f, WIDE_FMT, "NETNS", "NETNS_COOKIE", "COOKIE");
		fprintf(f, HUMAN_FMT, "STATE", "SK", "AGE", "LOCAL", "PEER", "PROCESS");
	}
	if (!s->n)
		fprintf(f, "(none)\n");
	for (i = 0; i < s->n; i++)
		human_leak(f, &s->v[i], wide);
	if (human_owners(f, s))
		fprintf(f, "(out of memory for the per-process summary)\n");
}

/* What the list cannot show: sockets counted but not tracked. */
static void print_untracked(struct nl *nl, const struct tw_filter *filter)
{
	struct tw_summary *sum = calloc(1, sizeof(*sum));

	if (sum && !query_summary(nl, filter, sum) && sum->has_untracked && sum->untracked)
		printf("(%" PRIu64 " sockets are counted but not tracked, max_tracked reached:"
		       " no age or owner, so none of them is listed)\n", sum->untracked);
	free(sum);
}

static int leaks_run(struct leaks_opts *o)
{
	struct tw_sockets s = {};
	struct nl nl;
	int ret;

	ret = nl_open_report(&nl, "tcpwatch");
	if (ret)
		return cli_exit_status(ret);
	if (!o->r.filter.states)
		o->r.filter.states = LEAK_STATES_DEFAULT;
	ret = query_sockets(&nl, &o->r.filter, o->older_than_ns, &s);
	if (ret) {
		nl_perror(&nl, "tcpwatch", "reading the sockets", ret);
		goto out;
	}
	leaks_select(&s, &o->r.filter, o->older_than_ns);
	if (o->r.json) {
		leaks_print_json(stdout, &s);
	} else {
		leaks_print_human(stdout, &s, o->r.table);
		print_untracked(&nl, &o->r.filter);
	}
out:
	tw_sockets_free(&s);
	nl_close(&nl);
	return cli_exit_status(ret);
}

static int leaks_opt(const char *prog, int c, const char *arg, void *ctx)
{
	struct leaks_opts *o = ctx;

	(void)c;
	return cli_duration(prog, "--older-than", arg, 0, UINT64_MAX, &o->older_than_ns);
}

int leaks_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{}
	};
	struct leaks_opts o = { .older_than_ns = DEFAULT_AGE_NS };
	const struct cli_extra extra = { opts, leaks_opt, &o };
	int ret = cli_report_opts(PROG, argc, argv, usage, CLI_FILTERS | CLI_WIDE, &o.r, &extra);

	if (ret)
		return ret < 0 ? 0 : ret;
	return leaks_run(&o);
}
