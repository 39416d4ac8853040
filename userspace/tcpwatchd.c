// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatchd: keep a Prometheus textfile up to date and, on its log (stderr or
 * --log), report trouble every interval: listener overflows and SYN drops
 * (from the module's per-listener counters), and sockets leaking in
 * CLOSE_WAIT, FIN_WAIT2 or LAST_ACK. With --output it also follows the
 * "events" group and writes every event as a JSON line, saying what it
 * missed. Without, it never joins that group: the module then sends no
 * events at all, which is what makes the default cheap. It stays in the
 * foreground (systemd or a supervisor runs it) and survives the module
 * being absent or reloaded.
 *
 * One poll() loop over four things: the live socket (nlctrl's "notify" group,
 * which announces the family coming and going, and with --output the
 * "events" group), a signalfd, a timerfd for the interval, and a one-second
 * timeout while the module is away. Requests go on a second socket that
 * joins no group.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>

#include "cli.h"
#include "daemonlog.h"
#include "event_out.h"
#include "format.h"
#include "leaks.h"
#include "metrics.h"
#include "prom.h"
#include "query.h"
#include "sdnotify.h"
#include "seqtrack.h"
#include "sigfd.h"

#define PROG "tcpwatchd"
#define RETRY_NS 1000000000ull

struct daemon {
	const char *output;		/* "-" for stdout; NULL: no events followed */
	const char *log_path;		/* "-" for stderr */
	const char *prom;		/* NULL: no metrics file */
	bool netns_label;		/* listener series per (netns, port) */
	int prom_err;			/* the last write's -errno, said once */
	uint64_t last_read_ms;		/* Unix time the module last answered */
	struct utsname uts;
	uint64_t interval_ns;
	uint64_t leak_age_ns;

	struct evout out;		/* lines it could not take are counted */
	FILE *log;
	struct listenlog listen;	/* overflows and SYN drops, per dump */
	struct leaklog leaks;
	struct nl live;			/* subscribed: nlctrl notify, events if output */
	struct nl req;			/* requests; knows the family id */
	uint32_t joined_group;		/* our "events" membership, 0 if none */
	bool present;			/* module loaded and subscribed to */
	bool said_absent;		/* "not loaded" said for this absence */
	uint64_t last_attempt_ns;
	int sigfd, timerfd;

	struct seqtrack seq;
	struct daemon_stats stats;
	uint64_t reported_missed;	/* at the last loss report */
	uint64_t reported_enobufs;
	uint64_t kernel_lost;		/* module's own counter, last read */
	uint64_t reported_kernel_lost;
	/* Counters must not go down when a reloaded module restarts its seqs. */
	uint64_t missed_base, missed_kernel_base;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [--prom FILE] [--interval T] [--log FILE|-]\n"
		"                 [--leak-age T] [--output FILE|-] [--netns-label]\n\n"
		"Every interval, write Prometheus metrics for node_exporter's textfile\n"
		"collector and log trouble: listener accept-queue overflows and SYN drops\n"
		"since the last interval (at most a line per listener), and sockets in\n"
		"CLOSE_WAIT, FIN_WAIT2 or LAST_ACK for longer than the leak age (each\n"
		"once) with a line per owner. No per-event output unless --output is\n"
		"given: then it also writes every tcpwatch event as one JSON line (the\n"
		"format of 'tcpwatch events --json'), which costs far more. Runs in the\n"
		"foreground; SIGINT or SIGTERM flush, write the metrics once more and\n"
		"exit; SIGHUP reopens the output and log files. Needs CAP_NET_ADMIN.\n\n"
		"  -p, --prom FILE     metrics file, e.g. .../textfile/tcpwatch.prom\n"
		"  -i, --interval T    metrics and trouble log every T (default 15s;\n"
		"                      '0.5', '500ms', '1m' work)\n"
		"  -l, --log FILE      append the trouble log to FILE; '-' is stderr\n"
		"                      (default)\n"
		"  -L, --leak-age T    a socket leaks after T in its state (default 60s)\n"
		"  -o, --output FILE   follow the events and append each to FILE; '-' is\n"
		"                      stdout (default: no per-event output)\n"
		"      --netns-label   listener metrics per namespace and port (a netns\n"
		"                      label, which churns with containers); default: per\n"
		"                      port, every namespace's listeners summed\n"
		"  -F, --foreground    accepted for compatibility: always the case\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          this help\n");
}

static bool following(const struct daemon *d)
{
	return d->output != NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * What happens to the module and to events: on stderr (the journal, a
 * supervisor), and on the trouble log too when that is a file of its own.
 */
static void say(const struct daemon *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const struct daemon *d, const char *fmt, ...)
{
	va_list ap;

	/* The log first (line-buffered): who sees it on stderr finds it there. */
	if (d->log && d->log != stderr) {
		va_start(ap, fmt);
		vfprintf(d->log, fmt, ap);
		va_end(ap);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void detach(struct daemon *d, const char *why)
{
	if (d->joined_group)
		nl_leave(&d->live, d->joined_group);
	d->joined_group = 0;
	d->present = false;
	d->said_absent = true;
	say(d, PROG ": %s; waiting for it to come back\n", why);
}

/* --- output ------------------------------------------------------------- */

static void close_log(struct daemon *d)
{
	if (!d->log)
		return;
	if (d->log == stderr)
		fflush(stderr);
	else if (fclose(d->log))
		fprintf(stderr, PROG ": closing %s: %s\n", d->log_path, strerror(errno));
	d->log = NULL;
}

/*
 * (Re)open the trouble log for appending; "-" is stderr. When reopening
 * (SIGHUP), a file that cannot be opened leaves the old one in use.
 */
static int open_log(struct daemon *d)
{
	FILE *f = stderr;

	if (strcmp(d->log_path, "-")) {
		f = fopen(d->log_path, "ae");
		if (!f) {
			int err = errno;

			fprintf(stderr, PROG ": %s%s: %s%s\n", d->log ? "reopening " : "",
				d->log_path, strerror(err),
				d->log ? "; still writing to the old file" : "");
			return -err;
		}
	} else if (d->log) {
		return 0;	/* stderr: nothing to reopen */
	}
	close_log(d);
	d->log = f;
	/* A line at a time, so `tail -f` and log shippers see whole lines. */
	setvbuf(f, NULL, _IOLBF, 0);
	return 0;
}

/* Each file on its own: one that cannot be reopened keeps no other from it. */
static int open_files(struct daemon *d)
{
	int out = following(d) ? evout_open(&d->out, stderr) : 0;
	int log = open_log(d);

	return out ?: log;
}

/*
 * Sockets older than --leak-age in the leak states: log the new ones, count
 * them per state for the gauge. Returns 0 or -errno.
 */
static int scan_leaks(struct daemon *d, uint64_t leaked[TCPWATCH_NR_STATES])
{
	const struct tw_filter f = { .states = LEAK_STATES_DAEMON };
	struct tw_sockets s = {};
	size_t i;
	int ret = query_sockets(&d->req, &f, d->leak_age_ns, &s);

	if (!ret) {
		leaks_select(&s, &f, d->leak_age_ns);
		for (i = 0; i < s.n; i++)
			leaked[s.v[i].new_state]++;
		ret = leaklog_scan(&d->leaks, d->log, &s);
	}
	tw_sockets_free(&s);
	return ret;
}

/*
 * Read the aggregates, scan for leaks and write the metrics; with
 * @log_listeners, also log the listeners' overflows and SYN drops since the
 * last time (once an interval: each line covers the time since the last).
 */
static uint64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* The write failed (-errno) or worked (0): said when that changes, not each time. */
static void prom_result(struct daemon *d, int ret)
{
	if (ret && ret != d->prom_err)
		fprintf(stderr, PROG ": writing %s: %s%s\n", d->prom, strerror(-ret),
			"; said once, tried again every interval");
	else if (!ret && d->prom_err)
		fprintf(stderr, PROG ": writing %s works again\n", d->prom);
	d->prom_err = ret;
}

static void write_metrics(struct daemon *d, bool log_listeners)
{
	static struct tw_summary sum;
	uint64_t leaked[TCPWATCH_NR_STATES] = {};
	struct tw_listeners ls = {};
	struct tw_status st = {};
	struct prom_file p;
	bool up = false, scanned = false, status = false;
	int ret;

	if (d->present) {
		ret = query_summary(&d->req, NULL, &sum);
		if (!ret)
			ret = query_listeners(&d->req, NULL, &ls);
		up = !ret;
		if (up) {
			d->kernel_lost = sum.events.lost;
			d->last_read_ms = unix_ms();
			/* Its health: an error here costs those series, not tcpwatch_up. */
			status = !query_status(&d->req, &st) && !query_cpus(&d->req, &st);
		} else if (ret == -ENOENT)
			detach(d, "module gone");
		else
			nl_perror(&d->req, PROG, "reading the aggregates", ret);
	}
	if (up && log_listeners && listenlog_scan(&d->listen, d->log, &ls, now_ns()))
		fprintf(stderr, PROG ": logging listener overflows: %s\n", strerror(ENOMEM));
	if (up) {
		ret = scan_leaks(d, leaked);
		scanned = !ret;
		if (ret)
			nl_perror(&d->req, PROG, "scanning for leaking sockets", ret);
	}
	if (!d->prom)
		goto out;
	d->stats.output_lost = d->out.lost;
	ret = prom_begin(&p, d->prom);
	if (!ret) {
		const struct metrics_input in = {
			.sum = up ? &sum : NULL,
			.ls = up ? &ls : NULL,
			.st = status ? &st : NULL,
			.leaked = scanned ? leaked : NULL,
			.daemon = following(d) ? &d->stats : NULL,
			.netns_label = d->netns_label,
			.daemon_version = TCPWATCH_VERSION,
			.kernel = d->uts.release,
			.last_read_ms = d->last_read_ms,
		};

		metrics_write(p.f, &in);
		ret = prom_commit(&p);
	}
	prom_result(d, ret);
out:
	tw_listeners_free(&ls);
	tw_status_free(&st);
}

/* At most once per interval, and only when something new was lost. */
static void report_loss(struct daemon *d)
{
	struct daemon_stats *s = &d->stats;
	uint64_t missed = s->missed - d->reported_missed;
	uint64_t enobufs = s->enobufs - d->reported_enobufs;
	uint64_t kernel = d->kernel_lost - d->reported_kernel_lost;

	if (!missed && !enobufs && !kernel)
		return;
	say(d, PROG ": lost events: %" PRIu64 " missed by us (%" PRIu64
		" in total, %" PRIu64 " of them in the kernel ring), %" PRIu64
		" receive queue overflows, module lost %" PRIu64 "\n",
		missed, s->missed, s->missed_kernel, enobufs, kernel);
	d->reported_missed = s->missed;
	d->reported_enobufs = s->enobufs;
	d->reported_kernel_lost = d->kernel_lost;
}

/* --- events ------------------------------------------------------------- */

static int handle_event(struct daemon *d, const struct nlmsghdr *nlh)
{
	struct seqtrack_totals t;
	struct tw_event ev;
	int ret;

	if (!tw_is_event_msg(nlh))
		return 0;
	if (tw_parse_event(nlh, &ev)) {
		d->stats.malformed++;
		return 0;
	}
	ret = seqtrack_event(&d->seq, &ev);
	if (ret <= 0)
		return ret;
	evout_event(&d->out, &ev, stderr);	/* a failure is counted and said */
	d->stats.received++;
	seqtrack_totals(&d->seq, &t);
	d->stats.missed = d->missed_base + t.missed;
	d->stats.missed_kernel = d->missed_kernel_base + t.by_kernel;
	return 0;
}

static int history_cb(const struct nlmsghdr *nlh, void *data)
{
	return tw_cb_result(handle_event(data, nlh));
}

/* Since the daemon started: a baseline; after an absence: counts from 0. */
static void listen_baseline(struct daemon *d)
{
	struct tw_listeners ls = {};

	if (d->said_absent)
		listenlog_restart(&d->listen, now_ns());
	else if (!query_listeners(&d->req, NULL, &ls))
		listenlog_scan(&d->listen, d->log, &ls, now_ns());
	tw_listeners_free(&ls);
}

/*
 * Find the family and, following events, join its group: seqs restart with a
 * new module.
 */
static int attach(struct daemon *d)
{
	int ret;

	d->last_attempt_ns = now_ns();
	ret = nl_resolve(&d->req);
	if (!ret && following(d))
		ret = nl_join(&d->live, d->req.events_group);
	if (ret == -ENOENT) {
		if (!d->said_absent)
			say(d, PROG ": module not loaded (no generic netlink family "
				"\"%s\"); retrying every second\n", TCPWATCH_GENL_NAME);
		d->said_absent = true;
		return 0;
	}
	if (ret) {
		nl_join_perror(&d->req, PROG, ret);
		return ret;
	}
	d->live.family = d->req.family;
	d->joined_group = following(d) ? d->req.events_group : 0;
	d->present = true;
	listen_baseline(d);
	if (d->said_absent)
		say(d, PROG ": module is back, %s\n",
			following(d) ? "following events" : "reading its counters");
	d->said_absent = false;
	/* A new module instance: new seqs, its loss counter starts at 0. */
	seqtrack_reset(&d->seq);
	d->missed_base = d->stats.missed;
	d->missed_kernel_base = d->stats.missed_kernel;
	d->kernel_lost = d->reported_kernel_lost = 0;
	return 0;
}

static int live_cb(const struct nlmsghdr *nlh, void *data)
{
	struct daemon *d = data;

	switch (nl_ctrl_notification(nlh, TCPWATCH_GENL_NAME)) {
	case CTRL_CMD_DELFAMILY:
		if (d->present)
			detach(d, "module unloaded");
		return MNL_CB_OK;
	case CTRL_CMD_NEWFAMILY:
		return tw_cb_result(d->present ? 0 : attach(d));
	}
	if (!d->present || nlh->nlmsg_type != d->live.family)
		return MNL_CB_OK;
	return tw_cb_result(handle_event(d, nlh));
}

/*
 * The kernel dropped messages for us. Following events: re-read the
 * aggregates now, and fetch the history still in the rings: whatever is
 * there of what we missed gets written (seqtrack skips what we already
 * have). Else only nlctrl's notifications were lost: see for ourselves
 * whether the module went or came back meanwhile.
 */
static void recover(struct daemon *d)
{
	uint16_t family = d->live.family;
	int ret;

	if (!following(d)) {
		ret = nl_resolve(&d->req);
		if (ret && ret != -ENOENT) {
			d->req.family = family;	/* no answer: keep what we knew */
			return;
		}
		if (d->present && (ret || d->req.family != family))
			detach(d, "module gone");
		if (!d->present)
			attach(d);
		return;
	}
	write_metrics(d, false);
	ret = query_history(&d->req, NULL, history_cb, d);
	if (ret && ret != -ENOENT)
		nl_perror(&d->req, PROG, "reading the event history", ret);
}

static int read_events(struct daemon *d)
{
	int ret = nl_drain(&d->live, live_cb, d);

	if (ret == -ENOBUFS) {
		/*
		 * What is still queued is older than the rings' history, and
		 * seqtrack takes each CPU's seqs in order: read it first, or
		 * it would all be dropped as already seen.
		 */
		do {
			d->stats.enobufs++;
			ret = nl_drain(&d->live, live_cb, d);
		} while (ret == -ENOBUFS);
		recover(d);
	}
	if (ret < 0)
		nl_perror(&d->live, PROG, "receiving events", ret);
	return ret < 0 ? ret : 0;
}

/* --- setup and main loop ------------------------------------------------ */

static int setup_timer(struct daemon *d)
{
	struct itimerspec it = {
		.it_value = { d->interval_ns / 1000000000, d->interval_ns % 1000000000 },
	};

	it.it_interval = it.it_value;
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->timerfd < 0 || timerfd_settime(d->timerfd, 0, &it, NULL))
		return -errno;
	return 0;
}

static int setup_sockets(struct daemon *d)
{
	uint16_t ctrl;
	uint32_t notify;
	int ret;

	ret = nl_open_unresolved(&d->live);
	if (!ret)
		ret = nl_open_unresolved(&d->req);
	if (!ret && following(d))
		ret = nl_event_socket(&d->live);
	if (!ret)
		ret = nl_resolve_family(&d->req, "nlctrl", "notify", &ctrl, &notify);
	if (!ret)
		ret = nl_join(&d->live, notify);
	if (ret)
		nl_perror(NULL, PROG, "netlink", ret);
	return ret;
}

static int daemon_setup(struct daemon *d)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, 0 };
	int ret;

	ret = open_files(d);
	if (ret)
		return ret;
	d->sigfd = ret = sigfd_open(sigs);
	if (ret < 0 || (ret = setup_timer(d))) {
		fprintf(stderr, PROG ": %s\n", strerror(-ret));
		return ret;
	}
	ret = setup_sockets(d);
	if (!ret)
		ret = attach(d);
	if (ret)
		return ret;
	/* After the first attempt: from here on, trouble is counted. */
	if (following(d))
		fprintf(stderr, PROG ": per-event output on: following the events, writing "
			"each to %s\n", strcmp(d->output, "-") ? d->output : "standard output");
	else
		fprintf(stderr, PROG ": per-event output off: metrics and trouble log only, "
			"not subscribed to events (--output FILE|- writes each event)\n");
	/* Type=notify: running, whether or not the module is there yet. */
	ret = sd_notify_state("READY=1");
	if (ret)
		fprintf(stderr, PROG ": telling systemd it is ready: %s\n", strerror(-ret));
	return 0;
}

/* -1 (forever) while the module is there, else until the next retry. */
static int poll_timeout(const struct daemon *d)
{
	uint64_t since;

	if (d->present)
		return -1;
	since = now_ns() - d->last_attempt_ns;
	return since >= RETRY_NS ? 0 : (int)((RETRY_NS - since) / 1000000) + 1;
}

static void on_tick(struct daemon *d)
{
	uint64_t expirations;

	if (read(d->timerfd, &expirations, sizeof(expirations)) < 0)
		return;
	write_metrics(d, true);
	if (!following(d))
		return;
	report_loss(d);
	evout_report(&d->out, stderr);
}

/* Returns 1 when it is time to stop. */
static int on_signal(struct daemon *d)
{
	int sig = sigfd_read(d->sigfd);

	if (sig == SIGHUP) {
		open_files(d);	/* a failure is said, the old file kept */
		return 0;
	}
	return sig > 0;
}

static int daemon_loop(struct daemon *d)
{
	struct pollfd pfd[3] = {
		{ .fd = nl_fd(&d->live), .events = POLLIN },
		{ .fd = d->sigfd, .events = POLLIN },
		{ .fd = d->timerfd, .events = POLLIN },
	};
	int ret;

	for (;;) {
		ret = poll(pfd, 3, poll_timeout(d));
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (pfd[1].revents && on_signal(d))
			return 0;
		if (pfd[0].revents && (ret = read_events(d)))
			return ret;
		if (pfd[2].revents)
			on_tick(d);
		/* Once a wakeup, not once a line: what it received goes out. */
		evout_flush(&d->out, stderr);
		if (!d->present && now_ns() - d->last_attempt_ns >= RETRY_NS &&
		    (ret = attach(d)))
			return ret;
	}
}

static void daemon_teardown(struct daemon *d)
{
	if (following(d)) {
		evout_close(&d->out, stderr);
		evout_report(&d->out, stderr);
	}
	close_log(d);
	leaklog_free(&d->leaks);
	listenlog_free(&d->listen);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->timerfd >= 0)
		close(d->timerfd);
	nl_close(&d->live);
	nl_close(&d->req);
	seqtrack_free(&d->seq);
}

/* Long-only options have a value beyond any short option's. */
enum { OPT_NETNS_LABEL = 256 };

static int parse_opts(int argc, char *argv[], struct daemon *d)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "prom", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "log", required_argument, NULL, 'l' },
		{ "leak-age", required_argument, NULL, 'L' },
		{ "netns-label", no_argument, NULL, OPT_NETNS_LABEL },
		{ "foreground", no_argument, NULL, 'F' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:p:i:l:L:FVh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			d->output = optarg;
			break;
		case 'p':
			d->prom = optarg;
			break;
		case 'i':
			if (cli_duration(PROG, "--interval", optarg, 10000000ull,
					 86400000000000ull, &d->interval_ns))
				return TW_EXIT_USAGE;
			break;
		case 'l':
			d->log_path = optarg;
			break;
		case 'L':
			if (cli_duration(PROG, "--leak-age", optarg, 0, UINT64_MAX,
					 &d->leak_age_ns))
				return TW_EXIT_USAGE;
			break;
		case OPT_NETNS_LABEL:
			d->netns_label = true;
			break;
		case 'F':
			break;
		case 'V':
			printf(PROG " %s\n", TCPWATCH_VERSION);
			return -1;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli_option_error(PROG, c, argv);
		}
	}
	return cli_no_args(PROG, argc, argv);
}

int main(int argc, char *argv[])
{
	struct daemon d = {
		.log_path = "-",
		.interval_ns = 15000000000ull,
		.leak_age_ns = 60000000000ull,
		.sigfd = -1,
		.timerfd = -1,
	};
	int ret;

	ret = parse_opts(argc, argv, &d);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (uname(&d.uts))
		d.uts.release[0] = '\0';
	evout_init(&d.out, d.output ?: "-");
	seqtrack_init(&d.seq);
	listenlog_init(&d.listen);
	ret = daemon_setup(&d);
	if (!ret)
		ret = daemon_loop(&d);
	if (!ret) {
		evout_flush(&d.out, stderr);
		write_metrics(&d, true);
	}
	daemon_teardown(&d);
	return ret ? TW_EXIT_FAILED : 0;
}
