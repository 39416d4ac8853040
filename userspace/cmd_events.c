// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatch events: the kernel's recent event history and, with --follow, the
 * live stream. The multicast group is joined before the history is dumped (on
 * a second socket), so nothing falls between the two; records that arrive
 * both ways are told apart by their per-CPU sequence numbers.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "array.h"
#include "cli.h"
#include "cmds.h"
#include "event_out.h"
#include "format.h"
#include "query.h"
#include "seqtrack.h"
#include "sigfd.h"
#include "tuplecache.h"

#define PROG "tcpwatch events"

struct events_opts {
	struct cli_report r;
	bool follow;
	uint64_t count;			/* 0: no limit */
};

struct events {
	struct events_opts o;
	struct seqtrack seq;
	struct tuplecache *tuples;
	struct tw_event *hist;		/* the history dump, before it is shown */
	size_t n_hist, cap_hist;
	uint64_t shown;
	uint64_t enobufs;
	uint64_t malformed;
	bool done;			/* --count reached */
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [--json] [--follow] [--port N] [--addr ADDR]\n"
		"                       [--state STATE] [--netns INODE] [--netns-cookie N]\n"
		"                       [--count N] [--wide] [--no-header] [--wall-clock]\n\n"
		"Print the connection events still held in the module's per-CPU rings,\n"
		"oldest first; with --follow keep printing new ones until interrupted.\n"
		"Lost-event markers are always printed.\n\n"
		"  -j, --json          one JSON object per line (see tcpwatch(8))\n"
		"  -f, --follow        keep going with live events (needs CAP_NET_ADMIN)\n"
		"  -P, --port N        only events whose local or peer port is N\n"
		"  -a, --addr ADDR     only events whose local or peer address is ADDR\n"
		"  -s, --state STATE   only transitions from or to STATE (e.g. TIME_WAIT);\n"
		"                      repeat it or give a comma list for several\n"
		"  -N, --netns INODE   only this network namespace (inode number)\n"
		"      --netns-cookie N\n"
		"                      only this network namespace (its cookie: unlike\n"
		"                      the inode number, never reused)\n"
		"  -c, --count N       stop after N events\n"
		"  -w, --wide          add cpu:seq and socket cookie columns\n"
		"  -H, --no-header     no header line (for scripts)\n"
		"  -T, --wall-clock    TIME as the date and time of day, not seconds since\n"
		"                      boot (--json keeps ts_ns)\n"
		"  -h, --help          this help\n");
}

static bool matches(const struct tw_filter *f, const struct tw_event *ev)
{
	if (ev->type == TCPWATCH_EV_LOST)
		return true;		/* loss is never filtered away */
	if (!filter_tuple(f, ev->netns, ev->netns_cookie, &ev->t))
		return false;
	if (!f->states)
		return true;
	return (tw_event_has(ev, TCPWATCH_A_EV_OLD) && filter_state(f, ev->old_state)) ||
	       (tw_event_has(ev, TCPWATCH_A_EV_NEW) && filter_state(f, ev->new_state));
}

/*
 * Filters and people see the tuple completed from earlier events of the same
 * socket; JSON shows exactly what the kernel said.
 */
static void show(struct events *e, const struct tw_event *ev)
{
	struct tw_event full = *ev;

	if (e->done)
		return;
	tuplecache_fill(e->tuples, full.cookie, &full.t);
	if (!matches(&e->o.r.filter, &full))
		return;
	if (e->o.r.json)
		event_print_json(stdout, ev);
	else
		event_print_human(stdout, &full, e->o.r.table);
	if (ev->type == TCPWATCH_EV_LOST)
		return;
	if (e->o.count && ++e->shown >= e->o.count)
		e->done = true;
}

static int history_cb(const struct nlmsghdr *nlh, void *data)
{
	struct events *e = data;
	struct tw_event *ev = ARRAY_PUSH(e->hist, e->n_hist, e->cap_hist);

	if (!ev)
		return tw_cb_result(-ENOMEM);
	if (tw_parse_event(nlh, ev)) {
		e->n_hist--;
		e->malformed++;
	}
	return MNL_CB_OK;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int by_cpu_seq(const void *pa, const void *pb)
{
	const struct tw_event *a = pa, *b = pb;

	return a->cpu != b->cpu ? cmp_u64(a->cpu, b->cpu) : cmp_u64(a->seq, b->seq);
}

static int by_time(const void *pa, const void *pb)
{
	const struct tw_event *a = pa, *b = pb;

	return a->ts_ns != b->ts_ns ? cmp_u64(a->ts_ns, b->ts_ns) : by_cpu_seq(pa, pb);
}

/*
 * Account sequence numbers in each CPU's own order (a softirq may take a
 * later seq with an earlier timestamp than the task it interrupted), then
 * show the history as one timeline.
 */
static int show_history(struct events *e)
{
	size_t i, n = 0;
	int ret;

	qsort(e->hist, e->n_hist, sizeof(*e->hist), by_cpu_seq);
	for (i = 0; i < e->n_hist; i++) {
		ret = seqtrack_event(&e->seq, &e->hist[i]);
		if (ret < 0)
			return ret;
		if (ret)
			e->hist[n++] = e->hist[i];
	}
	qsort(e->hist, n, sizeof(*e->hist), by_time);
	for (i = 0; i < n; i++)
		show(e, &e->hist[i]);
	return 0;
}

static int live_cb(const struct nlmsghdr *nlh, void *data)
{
	struct events *e = data;
	struct tw_event ev;
	int ret;

	if (!tw_is_event_msg(nlh))
		return MNL_CB_OK;
	if (tw_parse_event(nlh, &ev)) {
		e->malformed++;
		return MNL_CB_OK;
	}
	ret = seqtrack_event(&e->seq, &ev);
	if (ret < 0)
		return tw_cb_result(ret);
	if (ret)
		show(e, &ev);
	return e->done ? MNL_CB_STOP : MNL_CB_OK;
}

static int subscribe(struct nl *live)
{
	int ret = nl_open_report(live, "tcpwatch");

	if (ret)
		return ret;
	ret = nl_event_socket(live);
	if (!ret)
		ret = nl_join(live, live->events_group);
	if (ret)
		nl_join_perror(live, "tcpwatch", ret);
	return ret;
}

static int follow(struct events *e, struct nl *live, int sigfd)
{
	struct pollfd pfd[2] = {
		{ .fd = nl_fd(live), .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};
	int ret;

	while (!e->done) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[1].revents && sigfd_read(sigfd) > 0)
			return 0;
		if (!pfd[0].revents)
			continue;
		ret = nl_drain(live, live_cb, e);
		if (ret == -ENOBUFS) {
			e->enobufs++;
			fprintf(stderr, "tcpwatch: receive queue overflowed (ENOBUFS): "
				"events dropped, carrying on\n");
		} else if (ret < 0) {
			nl_perror(live, "tcpwatch", "receiving events", ret);
			return ret;
		}
	}
	return 0;
}

static void report_missed(const struct events *e)
{
	struct seqtrack_totals t;

	seqtrack_totals(&e->seq, &t);
	if (t.missed)
		fprintf(stderr, "tcpwatch: missed %" PRIu64 " events (%" PRIu64
			" by the kernel ring, %" PRIu64 " by netlink)\n",
			t.missed, t.by_kernel, t.by_netlink);
	if (e->enobufs)
		fprintf(stderr, "tcpwatch: the receive queue overflowed %" PRIu64
			" times\n", e->enobufs);
	if (e->malformed)
		fprintf(stderr, "tcpwatch: skipped %" PRIu64 " malformed messages\n",
			e->malformed);
}

static int events_run(struct events *e)
{
	static const int sigs[] = { SIGINT, SIGTERM, 0 };
	struct nl live = {}, req = {};
	int sigfd = -1, ret;

	if (e->o.follow) {
		sigfd = ret = sigfd_open(sigs);
		if (ret < 0)
			goto out;
		ret = subscribe(&live);
		if (ret)
			goto out;
		setvbuf(stdout, NULL, _IOLBF, 0);
	}
	ret = nl_open_report(&req, "tcpwatch");
	if (ret)
		goto out;
	ret = query_history(&req, &e->o.r.filter, history_cb, e);
	if (ret) {
		nl_perror(&req, "tcpwatch", "reading the event history", ret);
		goto out;
	}
	if (!e->o.r.json)
		event_print_header(stdout, e->o.r.table);
	ret = show_history(e);
	if (!ret && e->o.follow)
		ret = follow(e, &live, sigfd);
out:
	fflush(stdout);
	/* On stderr also with --json: the stream stays events only. */
	report_missed(e);
	if (sigfd >= 0)
		close(sigfd);
	nl_close(&req);
	nl_close(&live);
	return cli_exit_status(ret);
}

static int events_opt(const char *prog, int c, const char *arg, void *ctx)
{
	struct events_opts *o = ctx;

	if (c == 'f') {
		o->follow = true;
		return 0;
	}
	return cli_number(prog, "--count", arg, 1, UINT64_MAX, &o->count);
}

static int parse_opts(int argc, char *argv[], struct events_opts *o)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{}
	};
	const struct cli_extra extra = { opts, events_opt, o };

	return cli_report_opts(PROG, argc, argv, usage, CLI_FILTERS | CLI_WIDE | CLI_WALL_CLOCK,
			       &o->r, &extra);
}

int events_main(int argc, char *argv[])
{
	struct events e = {};
	int ret;

	ret = parse_opts(argc, argv, &e.o);
	if (ret)
		return ret < 0 ? 0 : ret;
	e.tuples = malloc(sizeof(*e.tuples));
	if (!e.tuples) {
		perror("tcpwatch");
		return TW_EXIT_FAILED;
	}
	tuplecache_init(e.tuples);
	seqtrack_init(&e.seq);
	ret = events_run(&e);
	seqtrack_free(&e.seq);
	free(e.hist);
	free(e.tuples);
	return ret;
}
