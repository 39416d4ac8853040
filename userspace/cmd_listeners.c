// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatch listeners: `ss -lnt` with what ss cannot show — how full each
 * listener's SYN and accept queues got, what overflowed or was dropped, SYN
 * cookies and SYN-ACK retransmits, and the owning process.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "event_out.h"
#include "format.h"
#include "query.h"

#define PROG "tcpwatch listeners"

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [--json] [--wide] [--no-header] [--netns INODE]\n"
		"                          [--netns-cookie N] [--port N] [--addr ADDR]\n\n"
		"Listening TCP sockets with their SYN queue and accept queue (now and\n"
		"peak), backlog (Linux admits backlog+1 to each queue), accept-queue\n"
		"overflows, dropped SYNs, SYN cookies sent, SYN-ACK retransmits and owner.\n\n"
		"  -j, --json          a JSON array of listener objects (see tcpwatch(8))\n"
		"  -w, --wide          add namespace (inode and cookie), SYN-ACK\n"
		"                      retransmits, socket cookie\n"
		"  -H, --no-header     no header line (for scripts)\n"
		"  -N, --netns INODE   only this network namespace (inode number)\n"
		"      --netns-cookie N\n"
		"                      only this network namespace (its cookie: unlike\n"
		"                      the inode number, never reused)\n"
		"  -P, --port N        only listeners on port N\n"
		"  -a, --addr ADDR     only listeners bound to ADDR (IPv4 or IPv6)\n"
		"  -h, --help          this help\n");
}

void json_listener(struct json *j, const struct tw_listener *l)
{
	json_object_begin(j, NULL);
	json_u64(j, "netns", l->netns);
	json_u64(j, "netns_cookie", l->netns_cookie);
	json_string(j, "family", tw_family_name(l->family));
	json_addr(j, "addr", l->family, l->addr);
	json_u64(j, "port", l->port);
	json_u64(j, "syn_queue", l->syn_queue);
	json_u64(j, "syn_queue_peak", l->syn_queue_peak);
	json_u64(j, "accept_queue", l->accept_queue);
	json_u64(j, "accept_queue_peak", l->accept_queue_peak);
	json_u64(j, "backlog", l->backlog);
	json_u64(j, "overflows", l->overflows);
	json_u64(j, "syn_drops", l->syn_drops);
	json_u64(j, "syncookies", l->syncookies);
	json_u64(j, "synack_retrans", l->synack_retrans);
	json_u64(j, "pid", l->pid);
	json_string(j, "comm", l->comm);
	json_u64(j, "cookie", l->cookie);
	json_object_end(j);
}

void listeners_print_json(FILE *f, const struct tw_listeners *ls)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_array_begin(&j, NULL);
	for (i = 0; i < ls->n; i++)
		json_listener(&j, &ls->v[i]);
	json_array_end(&j);
	fputc('\n', f);
}

/* Counters in 6 or 7 columns: exact up to 999999, then 1.23M. */
#define HUMAN_FMT	"%-21s %9s %9s %5s %6s %6s %7s"
#define WIDE_PRE_FMT	"%-10s %-12s "
#define WIDE_POST_FMT	" %9s %-20s"

static void human_header(FILE *f, bool wide)
{
	if (wide)
		fprintf(f, WIDE_PRE_FMT, "NETNS", "NETNS_COOKIE");
	fprintf(f, HUMAN_FMT, "LOCAL", "SYNQ/PEAK", "ACCQ/PEAK", "BKLOG", "OVERFL",
		"DROPS", "COOKIES");
	if (wide)
		fprintf(f, WIDE_POST_FMT, "SYNACKRTX", "COOKIE");
	fprintf(f, " %s\n", "PROCESS");
}

static void human_listener(FILE *f, const struct tw_listener *l, bool wide)
{
	char local[TW_ADDRPORT_LEN], synq[24], acceptq[24], backlog[12];
	char overflows[12], drops[12], cookies[12], rtx[12], cookie[24], netns[12];
	char nscookie[24], owner[TW_OWNER_LEN];

	if (tw_addrport_format(l->family, l->addr, l->port, local, sizeof(local)))
		snprintf(local, sizeof(local), "?:%u", l->port);
	snprintf(synq, sizeof(synq), "%" PRIu32 "/%" PRIu32, l->syn_queue, l->syn_queue_peak);
	snprintf(acceptq, sizeof(acceptq), "%" PRIu32 "/%" PRIu32,
		 l->accept_queue, l->accept_queue_peak);
	snprintf(backlog, sizeof(backlog), "%" PRIu32, l->backlog);
	tw_count_format(l->overflows, overflows, sizeof(overflows));
	tw_count_format(l->syn_drops, drops, sizeof(drops));
	tw_count_format(l->syncookies, cookies, sizeof(cookies));
	tw_owner_format(l->pid, l->comm, true, owner, sizeof(owner));
	if (wide) {
		snprintf(netns, sizeof(netns), "%" PRIu32, l->netns);
		snprintf(nscookie, sizeof(nscookie), "%" PRIu64, l->netns_cookie);
		fprintf(f, WIDE_PRE_FMT, netns, nscookie);
	}
	fprintf(f, HUMAN_FMT, local, synq, acceptq, backlog, overflows, drops, cookies);
	if (wide) {
		tw_count_format(l->synack_retrans, rtx, sizeof(rtx));
		snprintf(cookie, sizeof(cookie), "%" PRIu64, l->cookie);
		fprintf(f, WIDE_POST_FMT, rtx, cookie);
	}
	fprintf(f, " %s\n", owner);
}

void listeners_print_human(FILE *f, const struct tw_listeners *ls, unsigned int table)
{
	bool wide = table & TABLE_WIDE;
	size_t i;

	if (!(table & TABLE_NO_HEADER))
		human_header(f, wide);
	if (!ls->n)
		fprintf(f, "(none)\n");
	for (i = 0; i < ls->n; i++)
		human_listener(f, &ls->v[i], wide);
}

int listeners_read(struct nl *nl, const struct tw_filter *f, struct tw_listeners *ls)
{
	int ret = query_listeners(nl, f, ls);

	if (ret)
		nl_perror(nl, "tcpwatch", "reading the listeners", ret);
	else
		filter_listeners(ls, f);
	return ret;
}

static int listeners_run(const struct cli_report *r)
{
	struct tw_listeners ls = {};
	struct nl nl;
	int ret;

	ret = nl_open_report(&nl, "tcpwatch");
	if (ret)
		return cli_exit_status(ret);
	ret = listeners_read(&nl, &r->filter, &ls);
	if (ret)
		goto out;
	if (r->json)
		listeners_print_json(stdout, &ls);
	else
		listeners_print_human(stdout, &ls, r->table);
out:
	tw_listeners_free(&ls);
	nl_close(&nl);
	return cli_exit_status(ret);
}

int listeners_main(int argc, char *argv[])
{
	struct cli_report r = {};
	int ret = cli_report_opts(PROG, argc, argv, usage, CLI_NETNS | CLI_ADDRPORT | CLI_WIDE,
				  &r, NULL);

	if (ret)
		return ret < 0 ? 0 : ret;
	return listeners_run(&r);
}
