// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "metrics.h"
#include "prom.h"
#include "tap.h"

/* Lines of @out that start with @prefix. */
static unsigned int count_lines(const char *out, const char *prefix)
{
	unsigned int n = 0;
	const char *p;

	for (p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

static void test_histogram(void)
{
	uint64_t b[TCPWATCH_DWELL_BUCKETS] = { [0] = 1, [9] = 2, [63] = 1 };
	struct capture c;
	const char *out;

	prom_histogram(capture_begin(&c), "x_seconds", "state=\"CLOSE\"", b);
	out = capture_end(&c);
	CHECK(!strncmp(out, "x_seconds_bucket{state=\"CLOSE\",le=\"1.024e-06\"} 3\n"
		       "x_seconds_bucket{state=\"CLOSE\",le=\"1.6384e-05\"} 3\n", 98),
	      "prom histogram: first bounds, le = 2^k ns in seconds, cumulative from bucket 0");
	CHECK(strstr(out, "le=\"2e-09\"") == NULL && strstr(out, "le=\"5.12e-07\"") == NULL,
	      "prom histogram: only the documented bounds");
	CHECK(strstr(out, "le=\"4398.04651\"} 3\nx_seconds_bucket{state=\"CLOSE\","
		     "le=\"+Inf\"} 4\nx_seconds_sum{state=\"CLOSE\"} ") &&
	      strstr(out, "x_seconds_count{state=\"CLOSE\"} 4\n"),
	      "prom histogram: last bound (73 min), +Inf with the longest, _sum, _count");
	CHECK(count_lines(out, "x_seconds_bucket{") == 12,
	      "prom histogram: 11 bounds and +Inf, a dozen series per state");
	capture_free(&c);

	memset(b, 0, sizeof(b));
	prom_histogram(capture_begin(&c), "y", NULL, b);
	out = capture_end(&c);
	CHECK(!strncmp(out, "y_bucket{le=\"1.024e-06\"} 0\n", 27) &&
	      strstr(out, "y_sum 0\ny_count 0\n"), "prom histogram: no labels, empty");
	capture_free(&c);
}

/* A summary with a bit of everything, for the tests below. */
static void sample_summary(struct tw_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	sum->states[TCPWATCH_TIME_WAIT] = 5;
	sum->n_transitions = 1;
	sum->transitions[0] = (struct tw_transition){ 1, TCPWATCH_NEW_SYN_RECV,
						      TCPWATCH_ESTABLISHED, 9 };
	sum->n_ends = 3;
	sum->ends[0] = (struct tw_end){ TCPWATCH_SK_REQUEST, TCPWATCH_REASON_ACCEPTED, 9 };
	sum->ends[1] = (struct tw_end){ TCPWATCH_SK_TIMEWAIT, TCPWATCH_REASON_EXPIRED, 4 };
	sum->ends[2] = (struct tw_end){ TCPWATCH_SK_TIMEWAIT, 200, 1 };	/* newer module */
	sum->listen.overflows = 5;
	sum->listen.syn_drops = 6;
	sum->listen.syncookies = 7;
	sum->listen.synack_retrans = 8;
	sum->timewait.current = 3;
	sum->has_untracked = true;
	sum->untracked = 2;
}

static void test_metrics(void)
{
	static struct tw_summary sum;
	struct tw_listener l[3] = {
		{ .netns = 1, .family = AF_INET, .port = 80, .accept_queue = 2, .overflows = 1,
		  .accept_queue_peak = 7, .syncookies = 2, .synack_retrans = 1 },
		{ .netns = 1, .family = AF_INET6, .port = 80, .accept_queue = 3, .overflows = 4,
		  .accept_queue_peak = 5, .syncookies = 3, .synack_retrans = 2 },
		{ .netns = 1, .family = AF_INET, .port = 22, .backlog = 128 },
	};
	struct tw_listeners ls = { .v = l, .n = 3 };
	struct daemon_stats d = { .received = 10, .missed = 2, .enobufs = 3 };
	uint64_t leaked[TCPWATCH_NR_STATES] = { [TCPWATCH_CLOSE_WAIT] = 12 };
	struct metrics_input in = {
		.sum = &sum, .ls = &ls, .leaked = leaked, .daemon = &d,
		.netns_label = true, .daemon_version = "v1", .kernel = "6.1.0-57-amd64",
		.last_read_ms = 1700000000123ull,
	};
	struct capture c;
	const char *out;

	sample_summary(&sum);
	metrics_write(capture_begin(&c), &in);
	out = capture_end(&c);
	CHECK(strstr(out, "# TYPE tcpwatch_sockets gauge\n") &&
	      strstr(out, "tcpwatch_sockets{state=\"TIME_WAIT\"} 5\n") &&
	      strstr(out, "tcpwatch_sockets{state=\"NEW_SYN_RECV\"} 0\n"),
	      "metrics: all states as gauges");
	CHECK(strstr(out, "tcpwatch_transitions_total{sk=\"request\",old=\"NEW_SYN_RECV\","
		     "new=\"ESTABLISHED\"} 9\n") != NULL, "metrics: transitions");
	CHECK(strstr(out, "tcpwatch_listener_accept_queue{netns=\"1\",port=\"80\"} 5\n") &&
	      strstr(out, "tcpwatch_listener_accept_queue_overflows_total{netns=\"1\",port=\"80\"} 5\n") &&
	      strstr(out, "tcpwatch_listener_backlog{netns=\"1\",port=\"22\"} 128\n") &&
	      !strstr(out, "port=\"80\"} 2\n"),
	      "metrics: --netns-label: listeners summed per (netns, port)");
	CHECK(strstr(out, "tcpwatch_up 1\n") && strstr(out, "tcpwatch_daemon_event_output 1\n") &&
	      strstr(out, "tcpwatch_daemon_events_received_total 10\n") &&
	      strstr(out, "tcpwatch_daemon_events_missed_total 2\n") &&
	      strstr(out, "tcpwatch_daemon_receive_overruns_total 3\n") &&
	      strstr(out, "tcpwatch_dwell_seconds_count{state=\"ESTABLISHED\"} 0\n"),
	      "metrics: up, daemon counters, dwell");
	CHECK(strstr(out, "tcpwatch_build_info{version=\"\",daemon_version=\"v1\","
		     "kernel=\"6.1.0-57-amd64\"} 1\n") &&
	      strstr(out, "tcpwatch_daemon_last_read_timestamp_seconds 1700000000.123\n"),
	      "metrics: build_info (no status: module version empty), last read time");
	CHECK(l[0].port == 80 && l[2].port == 22 && l[0].netns == 1,
	      "metrics: caller's listeners untouched");
	CHECK(strstr(out, "# TYPE tcpwatch_socket_ends_total counter\n"
		     "tcpwatch_socket_ends_total{sk=\"request\",reason=\"accepted\"} 9\n"
		     "tcpwatch_socket_ends_total{sk=\"timewait\",reason=\"expired\"} 4\n#") != NULL,
	      "metrics: ends by kind and reason, unknown reason left out");
	CHECK(strstr(out, "tcpwatch_accept_queue_overflows_total 5\n") &&
	      strstr(out, "tcpwatch_syn_drops_total 6\n") &&
	      strstr(out, "tcpwatch_syncookies_sent_total 7\n") &&
	      strstr(out, "tcpwatch_synack_retransmits_total 8\n") &&
	      strstr(out, "tcpwatch_timewait_sockets 3\n"), "metrics: listen totals, timewait");
	CHECK(strstr(out, "tcpwatch_listener_accept_queue_peak{netns=\"1\",port=\"80\"} 7\n") &&
	      strstr(out, "tcpwatch_listener_syncookies_sent_total{netns=\"1\",port=\"80\"} 5\n") &&
	      strstr(out, "tcpwatch_listener_synack_retransmits_total{netns=\"1\",port=\"80\"} 3\n"),
	      "metrics: listener peaks are the largest, counters summed");
	CHECK(strstr(out, "# TYPE tcpwatch_leaked_sockets gauge\n") &&
	      strstr(out, "tcpwatch_leaked_sockets{state=\"CLOSE_WAIT\"} 12\n") &&
	      strstr(out, "tcpwatch_leaked_sockets{state=\"LAST_ACK\"} 0\n") &&
	      !strstr(out, "tcpwatch_leaked_sockets{state=\"ESTABLISHED\"}"),
	      "metrics: leaked sockets per leak state");
	CHECK(!strstr(out, "tcpwatch_probe_") && !strstr(out, "tcpwatch_events_lost_total"),
	      "metrics: no status read -> no probe or loss series");
	capture_free(&c);

	in.sum = NULL;
	in.ls = NULL;
	in.leaked = NULL;
	metrics_write(capture_begin(&c), &in);
	out = capture_end(&c);
	CHECK(strstr(out, "tcpwatch_up 0\n") && !strstr(out, "tcpwatch_sockets") &&
	      !strstr(out, "tcpwatch_leaked_sockets") && strstr(out, "tcpwatch_build_info{") &&
	      strstr(out, "tcpwatch_daemon_last_read_timestamp_seconds 1700000000.123\n"),
	      "metrics: module absent -> up 0, build info, the last read's time, daemon counters");
	capture_free(&c);

	in = (struct metrics_input){ .sum = &sum, .ls = &ls, .leaked = leaked };
	metrics_write(capture_begin(&c), &in);
	out = capture_end(&c);
	CHECK(strstr(out, "tcpwatch_daemon_event_output 0\n") &&
	      !strstr(out, "tcpwatch_daemon_events_") && !strstr(out, "output_lost") &&
	      !strstr(out, "last_read_timestamp"),
	      "metrics: no per-event output -> said, and no event counters");
	CHECK(strstr(out, "tcpwatch_listener_accept_queue_overflows_total{port=\"80\"} 5\n") &&
	      strstr(out, "tcpwatch_listener_backlog{port=\"22\"} 128\n") && !strstr(out, "netns="),
	      "metrics: by default, listeners per port, no netns label");
	capture_free(&c);
}

static void test_metrics_status(void)
{
	static struct tw_summary sum;
	struct tw_probe probes[2] = {
		{ .name = "inet_twsk_kill", .attached = true, .missed = 598 },
		{ .name = "odd\"name\\\n", .attached = false, .missed = 2 },
	};
	struct tw_cpu cpus[2] = { { .id = 0, .lost = 3 }, { .id = 1, .lost = 4 } };
	struct tw_status st = {
		.version = "abc", .ring_size = 4096, .track_max = 1048576, .track_used = 17,
		.track_bytes = 4096, .track_failed_full = 5, .track_failed_growing = 6,
		.probes = probes, .n_probes = 2, .cpus = cpus, .n_cpus = 2,
	};
	struct metrics_input in = { .sum = &sum, .st = &st };
	struct capture c;
	const char *out;

	sample_summary(&sum);
	metrics_write(capture_begin(&c), &in);
	out = capture_end(&c);
	CHECK(strstr(out, "tcpwatch_build_info{version=\"abc\",daemon_version=\"\",kernel=\"\"} 1\n") != NULL,
	      "metrics: build_info has the module's version");
	CHECK(strstr(out, "tcpwatch_probe_attached{probe=\"inet_twsk_kill\"} 1\n") &&
	      strstr(out, "tcpwatch_probe_attached{probe=\"odd\\\"name\\\\\\n\"} 0\n") &&
	      strstr(out, "tcpwatch_probe_missed_total{probe=\"inet_twsk_kill\"} 598\n"),
	      "metrics: probes attached and missed, label values escaped");
	CHECK(strstr(out, "tcpwatch_events_lost_total{cause=\"ring_full\"} 7\n") &&
	      strstr(out, "tcpwatch_events_lost_total{cause=\"probe_missed\"} 600\n"),
	      "metrics: events lost by cause, ring (over CPUs) and probes");
	CHECK(strstr(out, "tcpwatch_ring_size_records 4096\n") &&
	      strstr(out, "tcpwatch_tracked_sockets 17\n") &&
	      strstr(out, "tcpwatch_tracked_sockets_limit 1048576\n") &&
	      strstr(out, "tcpwatch_tracking_memory_bytes 4096\n") &&
	      strstr(out, "tcpwatch_track_failures_total{cause=\"full\"} 5\n") &&
	      strstr(out, "tcpwatch_track_failures_total{cause=\"growing\"} 6\n"),
	      "metrics: ring size, tracking pool use, limit, memory, failures by cause");
	capture_free(&c);
}

static void test_label_value(void)
{
	char buf[16];

	prom_label_value(buf, sizeof(buf), "a\"b\\c\nd");
	CHECK(!strcmp(buf, "a\\\"b\\\\c\\nd"), "prom label: quote, backslash, newline escaped (%s)", buf);
	prom_label_value(buf, 6, "a\"b\\c");
	CHECK(!strcmp(buf, "a\\\"b"), "prom label: cut before an escape that does not fit (%s)", buf);
	prom_label_value(buf, sizeof(buf), "plain");
	CHECK(!strcmp(buf, "plain"), "prom label: plain text as it is");
}

/*
 * promtool's linter on a file with every series tcpwatchd writes: names,
 * units, _total, HELP and TYPE as Prometheus wants them. Skipped where
 * promtool is not installed (scripts/install-deps.sh installs it).
 */
static void test_promtool(void)
{
	static struct tw_summary sum;
	struct tw_listener l = { .netns = 1, .port = 80, .backlog = 5 };
	struct tw_listeners ls = { .v = &l, .n = 1 };
	struct tw_probe probe = { .name = "tcp_v4_send_synack", .attached = true };
	struct tw_cpu cpu = { .id = 0, .lost = 1 };
	struct tw_status st = { .version = "v", .probes = &probe, .n_probes = 1,
				.cpus = &cpu, .n_cpus = 1 };
	struct daemon_stats d = { .received = 1 };
	uint64_t leaked[TCPWATCH_NR_STATES] = {};
	struct metrics_input in = {
		.sum = &sum, .ls = &ls, .st = &st, .leaked = leaked, .daemon = &d,
		.daemon_version = "v", .kernel = "k", .last_read_ms = 1,
	};
	const char *path = TEST_BINDIR "/metrics-sample.prom";
	char cmd[PATH_MAX + 64];
	int status;
	FILE *f;

	/* Kept: userspace/monitoring/check.sh finds every metric it uses in it. */
	sample_summary(&sum);
	f = fopen(path, "w");
	if (!CHECK(f, "promtool: %s", path))
		return;
	metrics_write(f, &in);
	fclose(f);
	if (system("command -v promtool >/dev/null 2>&1")) {
		CHECK(true, "promtool check metrics # SKIP promtool not installed");
		return;
	}
	snprintf(cmd, sizeof(cmd), "promtool check metrics <%s >&2", path);
	status = system(cmd);
	CHECK(status == 0, "promtool check metrics: every series tcpwatchd writes is clean (%d)",
	      status);
}

static unsigned int occurrences(const char *haystack, const char *needle)
{
	unsigned int n = 0;

	while ((haystack = strstr(haystack, needle))) {
		n++;
		haystack++;
	}
	return n;
}

/*
 * Within one dump, a namespace that is gone and a later one can hold the
 * same inode number: never summed, never two series with one label set.
 */
static void test_metrics_netns_reuse(void)
{
	struct tw_listener l[4] = {
		{ .netns = 7, .netns_cookie = 20, .family = AF_INET, .port = 80,
		  .overflows = 1, .accept_queue = 2 },
		{ .netns = 7, .netns_cookie = 9, .family = AF_INET, .port = 80,
		  .overflows = 100, .accept_queue = 50 },
		{ .netns = 7, .netns_cookie = 20, .family = AF_INET6, .port = 80,
		  .overflows = 2, .accept_queue = 3 },
		{ .netns = 7, .netns_cookie = 9, .family = AF_INET, .port = 22, .backlog = 5 },
	};
	struct tw_listeners ls = { .v = l, .n = 4 };
	static struct tw_summary sum;
	struct metrics_input in = { .sum = &sum, .ls = &ls, .netns_label = true };
	struct capture c;
	const char *out;

	metrics_write(capture_begin(&c), &in);
	out = capture_end(&c);
	CHECK(strstr(out, "tcpwatch_listener_accept_queue_overflows_total{netns=\"7\",port=\"80\"} 3\n") &&
	      strstr(out, "tcpwatch_listener_accept_queue{netns=\"7\",port=\"80\"} 5\n"),
	      "metrics: one namespace's listeners summed, not the other's of the same inode");
	CHECK(occurrences(out, "tcpwatch_listener_accept_queue_overflows_total{netns=\"7\",port=\"80\"}") == 1 &&
	      occurrences(out, "tcpwatch_listener_backlog{netns=\"7\",port=\"80\"}") == 1,
	      "metrics: no label set twice when two namespaces shared an inode");
	CHECK(strstr(out, "tcpwatch_listener_backlog{netns=\"7\",port=\"22\"} 5\n") != NULL,
	      "metrics: the other namespace's listeners on other ports are kept");
	capture_free(&c);
}

static void slurp_line(const char *path, char *line, size_t size)
{
	FILE *f = fopen(path, "r");

	line[0] = '\0';
	if (f) {
		if (!fgets(line, size, f))
			line[0] = '\0';
		fclose(f);
	}
}

/* Names in @dir other than "." and "..", or -1. */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void test_file(void)
{
	char dir[] = "/tmp/tcpwatch-test-XXXXXX", path[64], line[64];
	struct prom_file p;
	struct stat st;
	mode_t umask_was;

	CHECK(mkdtemp(dir) != NULL, "prom file: temp dir");
	snprintf(path, sizeof(path), "%s/tcpwatch.prom", dir);
	/* node_exporter runs as another user: 0644 whatever the umask. */
	umask_was = umask(077);
	CHECK(!prom_begin(&p, path), "prom file: begin");
	umask(umask_was);
	prom_u64(p.f, "a_total", NULL, 1);
	CHECK(stat(path, &st) && dir_entries(dir) == 1, "prom file: written beside, not over");
	CHECK(!prom_commit(&p) && !lstat(path, &st) && S_ISREG(st.st_mode) &&
	      (st.st_mode & 0777) == 0644, "prom file: renamed into place, mode 0644");
	CHECK(dir_entries(dir) == 1, "prom file: no temp file left behind");
	slurp_line(path, line, sizeof(line));
	tap_streq(line, "a_total 1\n", "prom file: content");
	CHECK(prom_begin(&p, "/nonexistent/dir/x.prom") < 0, "prom file: bad dir reported");
	unlink(path);
	rmdir(dir);
}

/*
 * Someone who can write in the directory plants a symlink at the temp name
 * the daemon used to use: it must not be followed, nor renamed into place.
 */
static void test_file_symlink(void)
{
	char dir[] = "/tmp/tcpwatch-test-XXXXXX", path[64], tmp[80], victim[64], line[64];
	struct prom_file p;
	struct stat st;
	FILE *f;
	int ret;

	mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/tcpwatch.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	f = fopen(victim, "w");
	if (f) {
		fputs("precious\n", f);
		fclose(f);
	}
	CHECK(!symlink(victim, tmp), "prom symlink: planted at tcpwatch.prom.tmp");
	ret = prom_begin(&p, path);
	if (!ret) {
		prom_u64(p.f, "a_total", NULL, 1);
		ret = prom_commit(&p);
	}
	CHECK(!ret, "prom symlink: metrics written all the same");
	slurp_line(victim, line, sizeof(line));
	tap_streq(line, "precious\n", "prom symlink: its target is not written");
	CHECK(!lstat(path, &st) && S_ISREG(st.st_mode),
	      "prom symlink: the file in place is a regular file, not the link");
	CHECK(!lstat(tmp, &st) && S_ISLNK(st.st_mode), "prom symlink: the link is left alone");
	unlink(path);
	unlink(tmp);
	unlink(victim);
	rmdir(dir);
}

/*
 * A write that fails (EFBIG past RLIMIT_FSIZE stands in for ENOSPC or EIO)
 * is reported with its errno; the old file stays, the temp file goes.
 */
static void test_file_write_error(void)
{
	char dir[] = "/tmp/tcpwatch-test-XXXXXX", path[64], line[64];
	struct rlimit was, small;
	struct prom_file p;
	void (*sigxfsz)(int);
	FILE *f;
	int i, ret;

	mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/tcpwatch.prom", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("old 1\n", f);
		fclose(f);
	}
	ret = prom_begin(&p, path);
	CHECK(!ret, "prom write error: begin");
	if (ret)
		return;
	/* Nothing else may write a file while the limit holds (stdout too). */
	fflush(stdout);
	getrlimit(RLIMIT_FSIZE, &was);
	small = was;
	small.rlim_cur = 4096;
	sigxfsz = signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &small);
	for (i = 0; i < 1000; i++)
		prom_u64(p.f, "a_long_metric_name_total", NULL, i);
	ret = prom_commit(&p);
	setrlimit(RLIMIT_FSIZE, &was);
	signal(SIGXFSZ, sigxfsz);
	CHECK(ret == -EFBIG, "prom write error: -EFBIG returned (got %d)", ret);
	slurp_line(path, line, sizeof(line));
	tap_streq(line, "old 1\n", "prom write error: the old file is untouched");
	CHECK(dir_entries(dir) == 1, "prom write error: the temp file is removed");
	unlink(path);
	rmdir(dir);
}

void test_prom(void)
{
	test_histogram();
	test_metrics();
	test_metrics_status();
	test_label_value();
	test_promtool();
	test_metrics_netns_reuse();
	test_file();
	test_file_symlink();
	test_file_write_error();
}
