// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatch top: a live view, refreshed every interval: sockets per state
 * with the rate at which they enter it, the listeners with the most trouble
 * (overflows and drops per second, queue fill), the processes holding
 * sockets in a leak state longest, and loss. On a terminal it redraws in
 * place and quits on 'q' (or ^C), the terminal restored; otherwise (a pipe,
 * a file) it prints one frame after another, each with its time.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "cli.h"
#include "cmds.h"
#include "format.h"
#include "leaks.h"
#include "query.h"
#include "sigfd.h"

#define PROG "tcpwatch top"
#define TOP_LISTENERS 8
#define TOP_OWNERS 5

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [--interval T] [--count N] [--leak-age T]\n"
		"                    [--netns INODE] [--netns-cookie N]\n\n"
		"A live view, refreshed every interval: sockets per state and how many\n"
		"enter each state per second, the listeners with the most accept-queue\n"
		"overflows and SYN drops per second and their queues, the processes\n"
		"holding sockets in CLOSE_WAIT, FIN_WAIT2 or LAST_ACK longest (needs\n"
		"CAP_NET_ADMIN; without it that part is left out), and loss. On a\n"
		"terminal it redraws in place; 'q' or ^C quits. Piped, it prints one\n"
		"frame after another.\n\n"
		"  -i, --interval T    refresh every T (default 1s; '500ms', '2' work)\n"
		"  -c, --count N       stop after N frames (default: until quit)\n"
		"  -L, --leak-age T    a socket leaks after T in its state (default 60s)\n"
		"  -N, --netns INODE   only this network namespace (inode number)\n"
		"      --netns-cookie N\n"
		"                      only this network namespace (its cookie)\n"
		"  -h, --help          this help\n");
}

/* Rates over @secs between two summaries (a counter that went down: 0). */
static double rate(uint64_t now, uint64_t before, double secs)
{
	return now > before && secs > 0 ? (double)(now - before) / secs : 0;
}

/* Transitions of any kind into @state, summed. */
static uint64_t entered(const struct tw_summary *sum, unsigned int state)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; sum && i < sum->n_transitions; i++)
		if (sum->transitions[i].new_state == state)
			n += sum->transitions[i].count;
	return n;
}

static void frame_states(FILE *f, const struct top_view *v)
{
	unsigned int s;

	fprintf(f, "%-13s %9s %9s\n", "STATE", "SOCKETS", "IN/S");
	for (s = 1; s < TCPWATCH_NR_STATES; s++) {
		if (s == TCPWATCH_CLOSE)
			continue;	/* never counted: in no kernel table */
		fprintf(f, "%-13s %9" PRIu64 " %9.1f\n", tw_state_name(s), v->cur->states[s],
			v->prev ? rate(entered(v->cur, s), entered(v->prev, s), v->secs) : 0.0);
	}
	fprintf(f, "%-13s %9" PRIu64 " %9.1f  (either substate; ended %.1f/s)\n", "timewait",
		v->cur->timewait.current,
		v->prev ? rate(v->cur->timewait.entered, v->prev->timewait.entered, v->secs) : 0.0,
		v->prev ? rate(v->cur->timewait.ended, v->prev->timewait.ended, v->secs) : 0.0);
}

struct listener_row {
	const struct tw_listener *l;
	double overflows, drops;	/* per second */
	double fill;			/* accept queue / backlog */
};

static const struct tw_listener *find_listener(const struct tw_listeners *ls, uint64_t cookie)
{
	size_t i;

	for (i = 0; ls && i < ls->n; i++)
		if (ls->v[i].cookie == cookie)
			return &ls->v[i];
	return NULL;
}

/* Most overflows and drops per second first, then the fullest queues. */
static int by_trouble(const void *pa, const void *pb)
{
	const struct listener_row *a = pa, *b = pb;
	double ta = a->overflows + a->drops, tb = b->overflows + b->drops;

	if (ta != tb)
		return ta < tb ? 1 : -1;
	if (a->fill != b->fill)
		return a->fill < b->fill ? 1 : -1;
	return a->l->port - b->l->port;
}

static void frame_listeners(FILE *f, const struct top_view *v)
{
	struct listener_row *rows;
	char local[TW_ADDRPORT_LEN], owner[TW_OWNER_LEN], accq[24], synq[24];
	size_t i, n = v->ls ? v->ls->n : 0;

	fprintf(f, "\n%-21s %11s %11s %8s %8s %s\n", "LISTENER", "ACCQ/BKLOG", "SYNQ/PEAK",
		"OVFL/S", "DROP/S", "PROCESS");
	rows = calloc(n + 1, sizeof(*rows));
	if (!rows) {
		fprintf(f, "(out of memory)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		const struct tw_listener *l = &v->ls->v[i], *p = find_listener(v->prev_ls, l->cookie);

		rows[i].l = l;
		rows[i].overflows = p ? rate(l->overflows, p->overflows, v->secs) : 0;
		rows[i].drops = p ? rate(l->syn_drops, p->syn_drops, v->secs) : 0;
		rows[i].fill = l->backlog ? (double)l->accept_queue / l->backlog : 0;
	}
	qsort(rows, n, sizeof(*rows), by_trouble);
	for (i = 0; i < n && i < TOP_LISTENERS; i++) {
		const struct tw_listener *l = rows[i].l;

		if (tw_addrport_format(l->family, l->addr, l->port, local, sizeof(local)))
			snprintf(local, sizeof(local), "?:%u", l->port);
		snprintf(accq, sizeof(accq), "%" PRIu32 "/%" PRIu32, l->accept_queue, l->backlog);
		snprintf(synq, sizeof(synq), "%" PRIu32 "/%" PRIu32, l->syn_queue, l->syn_queue_peak);
		tw_owner_format(l->pid, l->comm, true, owner, sizeof(owner));
		fprintf(f, "%-21s %11s %11s %8.1f %8.1f %s\n", local, accq, synq,
			rows[i].overflows, rows[i].drops, owner);
	}
	if (!n)
		fprintf(f, "(none)\n");
	else if (n > TOP_LISTENERS)
		fprintf(f, "(%zu more)\n", n - TOP_LISTENERS);
	free(rows);
}

static void frame_leaks(FILE *f, const struct top_view *v)
{
	char age[16], owner[TW_OWNER_LEN];
	struct leak_owner *owners;
	long n, i;

	fprintf(f, "\n%-28s %8s %8s %8s %9s\n", "LEAKING (older than leak age)", "CLOSE_WT",
		"FIN_WT2", "LAST_ACK", "OLDEST");
	if (!v->leaks) {
		fprintf(f, "(not shown: the socket list needs CAP_NET_ADMIN)\n");
		return;
	}
	n = leaks_owners(v->leaks->v, v->leaks->n, &owners);
	if (n < 0) {
		fprintf(f, "(out of memory)\n");
		return;
	}
	for (i = 0; i < n && i < TOP_OWNERS; i++) {
		tw_owner_format(owners[i].pid, owners[i].comm, true, owner, sizeof(owner));
		tw_duration_format(owners[i].oldest_ns, age, sizeof(age));
		fprintf(f, "%-28s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %9s\n", owner,
			owners[i].count[TCPWATCH_CLOSE_WAIT], owners[i].count[TCPWATCH_FIN_WAIT2],
			owners[i].count[TCPWATCH_LAST_ACK], age);
	}
	if (!n)
		fprintf(f, "(none)\n");
	else if (n > TOP_OWNERS)
		fprintf(f, "(%ld more processes)\n", n - TOP_OWNERS);
	free(owners);
}

void top_print_frame(FILE *f, const struct top_view *v)
{
	fprintf(f, "tcpwatch top  %s  every %.1fs  events lost %" PRIu64 "%s\n", v->clock,
		v->interval_s, v->cur->events.lost,
		v->cur->has_untracked && v->cur->untracked ? "  (some sockets untracked)" : "");
	frame_states(f, v);
	frame_listeners(f, v);
	frame_leaks(f, v);
}

/* --- the loop ----------------------------------------------------------- */

struct top_opts {
	struct cli_report r;
	uint64_t interval_ns, leak_age_ns, count;
};

struct top_data {
	struct tw_summary sum;
	struct tw_listeners ls;
	struct tw_sockets leaks;
	bool have_leaks;
	struct timespec at;
};

static void top_data_free(struct top_data *d)
{
	tw_listeners_free(&d->ls);
	tw_sockets_free(&d->leaks);
	d->have_leaks = false;
}

static int top_read(struct nl *nl, const struct top_opts *o, struct top_data *d)
{
	const struct tw_filter leak = { .states = LEAK_STATES_DAEMON, .netns = o->r.filter.netns,
					.netns_cookie = o->r.filter.netns_cookie };
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &d->at);
	ret = query_summary(nl, &o->r.filter, &d->sum);
	if (ret) {
		nl_perror(nl, "tcpwatch", "reading the summary", ret);
		return ret;
	}
	ret = listeners_read(nl, &o->r.filter, &d->ls);
	if (ret)
		return ret;
	/* Without CAP_NET_ADMIN: the view goes on without the leaks. */
	d->have_leaks = !query_sockets(nl, &leak, o->leak_age_ns, &d->leaks);
	if (d->have_leaks)
		leaks_select(&d->leaks, &leak, o->leak_age_ns);
	return 0;
}

static double secs_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

struct terminal {
	bool raw;
	struct termios saved;
};

static void terminal_raw(struct terminal *t)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t->saved))
		return;
	raw = t->saved;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	t->raw = !tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	fputs("\033[?25l", stdout);	/* cursor off */
}

static void terminal_restore(struct terminal *t)
{
	fputs("\033[?25h", stdout);	/* cursor back */
	fflush(stdout);
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	t->raw = false;
}

/* Wait up to @ms for 'q' or a signal: true to stop. */
static bool wait_or_quit(int sigfd, bool keys, int ms)
{
	struct pollfd pfd[2] = {
		{ .fd = sigfd, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	struct timespec end, now;
	char c;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000L;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (int)(secs_between(&now, &end) * 1000);
		if (ms <= 0)
			return false;
		if (poll(pfd, keys ? 2 : 1, ms) < 0 && errno != EINTR)
			return true;
		if (pfd[0].revents)
			return true;
		if (keys && pfd[1].revents) {
			if (read(STDIN_FILENO, &c, 1) != 1 || c == 'q' || c == 'Q')
				return true;
		}
	}
}

static int top_run(const struct top_opts *o)
{
	static const int sigs[] = { SIGINT, SIGTERM, 0 };
	static struct top_data data[2];
	bool tty = isatty(STDOUT_FILENO);
	struct terminal term = {};
	struct top_data *cur = &data[0], *prev = NULL;
	uint64_t frames = 0;
	char clock[32];
	struct nl nl;
	int ret, sigfd;

	ret = nl_open_report(&nl, "tcpwatch");
	if (ret)
		return cli_exit_status(ret);
	sigfd = sigfd_open(sigs);
	if (sigfd < 0) {
		nl_close(&nl);
		fprintf(stderr, PROG ": %s\n", strerror(-sigfd));
		return TW_EXIT_FAILED;
	}
	if (tty)
		terminal_raw(&term);
	for (;;) {
		struct top_view v = { .interval_s = o->interval_ns / 1e9 };
		time_t t = time(NULL);
		struct tm tm;

		ret = top_read(&nl, o, cur);
		if (ret)
			break;
		strftime(clock, sizeof(clock), "%H:%M:%S", localtime_r(&t, &tm));
		v.clock = clock;
		v.cur = &cur->sum;
		v.ls = &cur->ls;
		v.leaks = cur->have_leaks ? &cur->leaks : NULL;
		if (prev) {
			v.prev = &prev->sum;
			v.prev_ls = &prev->ls;
			v.secs = secs_between(&prev->at, &cur->at);
		}
		if (tty)
			fputs("\033[H\033[2J", stdout);
		else if (frames)
			fputc('\n', stdout);
		top_print_frame(stdout, &v);
		if (tty)
			fputs("\n('q' quits)", stdout);
		fflush(stdout);
		if (++frames == o->count ||
		    wait_or_quit(sigfd, term.raw, (int)(o->interval_ns / 1000000)))
			break;
		if (prev)
			top_data_free(prev);
		prev = cur;
		cur = cur == &data[0] ? &data[1] : &data[0];
	}
	if (tty) {
		terminal_restore(&term);
		fputc('\n', stdout);
	}
	top_data_free(&data[0]);
	top_data_free(&data[1]);
	close(sigfd);
	nl_close(&nl);
	return cli_exit_status(ret);
}

static int top_opt(const char *prog, int c, const char *arg, void *ctx)
{
	struct top_opts *o = ctx;

	switch (c) {
	case 'i':
		return cli_duration(prog, "--interval", arg, 100000000ull, 3600000000000ull,
				    &o->interval_ns);
	case 'c':
		return cli_number(prog, "--count", arg, 1, UINT64_MAX, &o->count);
	default:
		return cli_duration(prog, "--leak-age", arg, 0, UINT64_MAX, &o->leak_age_ns);
	}
}

int top_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "leak-age", required_argument, NULL, 'L' },
		{}
	};
	struct top_opts o = { .interval_ns = 1000000000ull, .leak_age_ns = 60000000000ull };
	const struct cli_extra extra = { opts, top_opt, &o };
	int ret = cli_report_opts(PROG, argc, argv, usage, CLI_NETNS, &o.r, &extra);

	if (ret)
		return ret < 0 ? 0 : ret;
	return top_run(&o);
}
