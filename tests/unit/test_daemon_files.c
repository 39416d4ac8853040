// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatchd's own files: event lines that cannot be written are counted and
 * said, not lost silently; SIGHUP reopens the event output and the log, each
 * on its own. The SIGHUP test runs the tcpwatchd built next to this test
 * (TEST_BINDIR); it needs no module to reopen its files.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "event_out.h"
#include "tap.h"

#define LOST_LINE "{\"type\":\"lost\",\"seq\":7,\"cpu\":1,\"ts_ns\":0,\"lost\":3}\n"

extern char **environ;

/* Polls for @path to exist, up to @ms milliseconds. */
static bool wait_for_file(const char *path, int ms)
{
	const struct timespec tick = { 0, 10000000 };
	struct stat st;

	for (; ms > 0; ms -= 10) {
		if (!stat(path, &st))
			return true;
		nanosleep(&tick, NULL);
	}
	return !stat(path, &st);
}

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* @text as TAP comments, a line each. */
static void diag(const char *what, const char *text)
{
	const char *nl;

	printf("#   %s:\n", what);
	for (; *text; text = nl + 1) {
		nl = strchrnul(text, '\n');
		printf("#   %.*s\n", (int)(nl - text), text);
		if (!*nl)
			break;
	}
}

/* tcpwatchd @args, its stdout and stderr in files; -1 if it did not start. */
static pid_t spawn_daemon(char *const args[], const char *out, const char *err)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int ret;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fflush(stdout);
	ret = posix_spawn(&pid, TEST_BINDIR "/tcpwatchd", &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	return ret ? -1 : pid;
}

static const struct tw_event lost_event = { .type = TCPWATCH_EV_LOST, .seq = 7, .cpu = 1,
					    .lost = 3 };

/*
 * A full disk: every line fails with ENOSPC and is counted, the error is said
 * once, the interval's report says how many; when the output works again the
 * report says so, and a new failure is said again. Lines go out when flushed.
 */
static void test_output_full(void)
{
	char dir[] = "/tmp/tcpwatchd-test-XXXXXX", path[64], text[512];
	struct capture c;
	struct evout o;
	FILE *err;
	int a, b, e;

	mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	err = capture_begin(&c);
	evout_init(&o, "/dev/full");
	CHECK(!evout_open(&o, err), "output: /dev/full opened");
	a = evout_event(&o, &lost_event, err);
	b = evout_event(&o, &lost_event, err);
	e = evout_flush(&o, err);
	CHECK(!a && !b && e == -ENOSPC && o.lost == 2,
	      "output full: the lines are queued; the flush fails with -ENOSPC, counts them");
	CHECK(!evout_event(&o, &lost_event, err) && evout_flush(&o, err) == -ENOSPC &&
	      o.lost == 3 && !evout_flush(&o, err), "output full: nothing queued twice");
	evout_report(&o, err);
	evout_event(&o, &lost_event, err);
	evout_flush(&o, err);
	tap_streq(capture_end(&c),
		  "tcpwatchd: writing events to /dev/full: No space left on device; "
		  "counting the lines lost\n"
		  "tcpwatchd: 3 event lines lost writing to /dev/full (3 in all); "
		  "still failing: No space left on device\n",
		  "output full: said once, then counted once an interval");
	capture_free(&c);

	/* SIGHUP onto a disk with room. */
	err = capture_begin(&c);
	o.path = path;
	CHECK(!evout_open(&o, err) && !evout_event(&o, &lost_event, err) &&
	      !evout_flush(&o, err), "output full: reopened elsewhere, a line goes out");
	evout_report(&o, err);
	o.path = "/dev/full";
	evout_open(&o, err);
	evout_event(&o, &lost_event, err);
	evout_flush(&o, err);
	evout_report(&o, err);
	evout_close(&o, err);
	snprintf(text, sizeof(text), "tcpwatchd: 1 event line lost writing to %s (4 in all); "
		 "writing again\n"
		 "tcpwatchd: writing events to /dev/full: No space left on device; "
		 "counting the lines lost\n"
		 "tcpwatchd: 1 event line lost writing to /dev/full (5 in all); "
		 "still failing: No space left on device\n", path);
	tap_streq(capture_end(&c), text,
		  "output full: working again is said, and a new failure again");
	capture_free(&c);
	slurp(path, text, sizeof(text));
	tap_streq(text, LOST_LINE, "output full: the line that could go out is whole");
	unlink(path);
	rmdir(dir);
}

/*
 * A line cut short (the disk filled half-way; EFBIG past RLIMIT_FSIZE stands
 * in) is ended before the next, so the next line is whole.
 */
static void test_output_torn(void)
{
	char dir[] = "/tmp/tcpwatchd-test-XXXXXX", path[64], text[256];
	struct rlimit was, small;
	void (*sigxfsz)(int);
	struct capture c;
	struct evout o;
	FILE *err;
	int a, b;

	mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	err = capture_begin(&c);
	evout_init(&o, path);
	evout_open(&o, err);
	/* Nothing else may write a file while the limit holds (stdout too). */
	fflush(stdout);
	getrlimit(RLIMIT_FSIZE, &was);
	small = was;
	small.rlim_cur = 10;
	sigxfsz = signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &small);
	evout_event(&o, &lost_event, err);
	a = evout_flush(&o, err);
	setrlimit(RLIMIT_FSIZE, &was);
	signal(SIGXFSZ, sigxfsz);
	evout_event(&o, &lost_event, err);
	b = evout_flush(&o, err);
	evout_close(&o, err);
	capture_end(&c);
	capture_free(&c);
	CHECK(a == -EFBIG && !b && o.lost == 1, "output torn: the cut line is counted lost");
	slurp(path, text, sizeof(text));
	tap_streq(text, "{\"type\":\"l\n" LOST_LINE, "output torn: ended, the next line whole");
	unlink(path);
	rmdir(dir);
}

static size_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (size_t)st.st_size;
}

/*
 * Lines wait in memory for the flush (the daemon's, once a wakeup), or until
 * EVOUT_FLUSH_AT bytes wait; a reopen (SIGHUP) writes them to the old file.
 */
static void test_output_batched(void)
{
	char dir[] = "/tmp/tcpwatchd-test-XXXXXX", path[64], moved[64];
	const size_t len = sizeof(LOST_LINE) - 1;
	struct evout o;
	size_t i, n = EVOUT_FLUSH_AT / len + 1;
	int ret = 0;

	mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	snprintf(moved, sizeof(moved), "%s/events.jsonl.1", dir);
	evout_init(&o, path);
	evout_open(&o, stderr);
	for (i = 0; i < 10; i++)
		ret |= evout_event(&o, &lost_event, stderr);
	CHECK(!ret && file_size(path) == 0, "output batched: lines wait for the flush");
	CHECK(!evout_flush(&o, stderr) && file_size(path) == 10 * len,
	      "output batched: the flush writes them all");
	for (i = 0; i < n; i++)
		ret |= evout_event(&o, &lost_event, stderr);
	CHECK(!ret && file_size(path) == (10 + n) * len,
	      "output batched: %zu bytes waiting are written without a flush", n * len);
	evout_event(&o, &lost_event, stderr);
	rename(path, moved);
	CHECK(!evout_open(&o, stderr) && file_size(moved) == (11 + n) * len &&
	      file_size(path) == 0, "output batched: a reopen writes what waits to the old file");
	evout_close(&o, stderr);
	CHECK(o.lost == 0, "output batched: nothing lost");
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

/* SIGHUP when the file cannot be reopened: the old one is still written. */
static void test_output_reopen(void)
{
	char dir[] = "/tmp/tcpwatchd-test-XXXXXX", path[96], moved[64], text[256], want[256];
	struct capture c;
	struct evout o;
	FILE *err;
	int ret;

	mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/sub/events.jsonl", dir);
	snprintf(moved, sizeof(moved), "%s/moved", dir);
	snprintf(text, sizeof(text), "%s/sub", dir);
	mkdir(text, 0755);
	err = capture_begin(&c);
	evout_init(&o, path);
	evout_open(&o, err);
	evout_event(&o, &lost_event, err);
	rename(text, moved);
	ret = evout_open(&o, err);
	CHECK(ret == -ENOENT && !evout_event(&o, &lost_event, err) && !evout_flush(&o, err),
	      "output reopen: fails with -ENOENT, the old file still written");
	evout_close(&o, err);
	snprintf(want, sizeof(want), "tcpwatchd: reopening %s: No such file or directory; "
		 "still writing to the old file\n", path);
	tap_streq(capture_end(&c), want, "output reopen: the failure is said");
	capture_free(&c);
	snprintf(path, sizeof(path), "%s/events.jsonl", moved);
	slurp(path, text, sizeof(text));
	tap_streq(text, LOST_LINE LOST_LINE, "output reopen: the lines are in the old file");
	unlink(path);
	rmdir(moved);
	rmdir(dir);

	evout_init(&o, "-");
	CHECK(!evout_open(&o, stderr) && o.fd == STDOUT_FILENO, "output: - is stdout");
	evout_close(&o, stderr);
	CHECK(fcntl(STDOUT_FILENO, F_GETFD) >= 0, "output: closing it leaves stdout open");
}

/*
 * logrotate moves both files away and sends SIGHUP. The output's directory
 * is gone, so that one cannot be reopened: the log must be all the same,
 * and the output once its directory is back.
 */
static void test_sighup(void)
{
	char dir[] = "/tmp/tcpwatchd-test-XXXXXX", out_dir[64], out_old[64], out[96];
	char log[64], log_old[64], prom[64], std_out[64], std_err[64], err[8192];
	char *args[] = { "tcpwatchd", "--output", out, "--log", log, "--prom", prom,
			 "--interval", "0.1", NULL };
	int status = -1;
	pid_t pid;

	mkdtemp(dir);
	snprintf(out_dir, sizeof(out_dir), "%s/out", dir);
	snprintf(out_old, sizeof(out_old), "%s/out.1", dir);
	snprintf(out, sizeof(out), "%s/events.jsonl", out_dir);
	snprintf(log, sizeof(log), "%s/trouble.log", dir);
	snprintf(log_old, sizeof(log_old), "%s/trouble.log.1", dir);
	snprintf(prom, sizeof(prom), "%s/tcpwatch.prom", dir);
	snprintf(std_out, sizeof(std_out), "%s/stdout", dir);
	snprintf(std_err, sizeof(std_err), "%s/stderr", dir);
	mkdir(out_dir, 0755);

	pid = spawn_daemon(args, std_out, std_err);
	/* Its first metrics come after its signals are set up. */
	if (!CHECK(pid > 0 && wait_for_file(prom, 10000), "sighup: tcpwatchd is running"))
		goto out;
	rename(log, log_old);
	rename(out_dir, out_old);
	kill(pid, SIGHUP);
	CHECK(wait_for_file(log, 5000),
	      "sighup: the log is reopened though the output cannot be");
	mkdir(out_dir, 0755);
	kill(pid, SIGHUP);
	CHECK(wait_for_file(out, 5000), "sighup: the output is reopened once it can be");
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	slurp(prom, err, sizeof(err));
	CHECK(strstr(err, "\ntcpwatch_daemon_output_lost_events_total 0\n") != NULL,
	      "sighup: the metrics count the output's lost lines");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sighup: then SIGTERM -> exit 0");
	slurp(std_err, err, sizeof(err));
	if (!CHECK(strstr(err, "tcpwatchd: reopening ") &&
		   strstr(err, "/out/events.jsonl: No such file or directory; still writing "
			  "to the old file\n"), "sighup: the failed reopen is said on stderr"))
		diag("stderr", err);
out:
	if (pid > 0 && !WIFEXITED(status)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	unlink(out);
	snprintf(out, sizeof(out), "%s/events.jsonl", out_old);
	unlink(out);
	rmdir(out_dir);
	rmdir(out_old);
	unlink(log);
	unlink(log_old);
	unlink(prom);
	unlink(std_out);
	unlink(std_err);
	rmdir(dir);
}

void test_daemon_files(void)
{
	test_output_full();
	test_output_torn();
	test_output_batched();
	test_output_reopen();
	test_sighup();
}
