// SPDX-License-Identifier: GPL-2.0
/*
 * The programs as a user runs them: exit codes and messages for bad usage,
 * help, a missing module, and tcpwatchd's signal handling. Runs the binaries
 * built next to this test (TEST_BINDIR), sanitizers and all.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"
#include "tap.h"

#define MAX_ARGS 8

struct run {
	int status;			/* exit status, or 128 + signal */
	char out[16384];
	char err[16384];
	double cpu_s;			/* user + system time of the child */
};

static void slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static pid_t spawn(const char *prog, const char *const *args, FILE *out, FILE *err)
{
	char *argv[MAX_ARGS + 2];
	char path[512];
	pid_t pid;
	int i;

	snprintf(path, sizeof(path), "%s/%s", TEST_BINDIR, prog);
	argv[0] = (char *)prog;
	for (i = 0; args[i] && i < MAX_ARGS; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

static void reap(struct run *r, pid_t pid, FILE *out, FILE *err)
{
	struct rusage ru;
	int status = 0;

	wait4(pid, &status, 0, &ru);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->cpu_s = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		   (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

/* Run @prog with the NULL-terminated arguments, wait for it. */
static void run(struct run *r, const char *prog, ...)
{
	const char *args[MAX_ARGS + 1];
	FILE *out = tmpfile(), *err = tmpfile();
	va_list ap;
	int n = 0;

	va_start(ap, prog);
	while (n < MAX_ARGS && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	reap(r, spawn(prog, args, out, err), out, err);
}

/* On a failure, show what the program did, as TAP comments. */
static void diag(const struct run *r)
{
	const char *p;

	printf("#   exit %d, stderr:\n#   ", r->status);
	for (p = r->err; *p; p++)
		fputs(*p == '\n' ? "\n#   " : (char[]){ *p, 0 }, stdout);
	putchar('\n');
}

static void expect_usage_error(const char *msg, const char *prog, const char *a,
			       const char *b, const char *c)
{
	struct run r;

	run(&r, prog, a, b, c, NULL);
	if (!CHECK(r.status == 2 && strstr(r.err, msg) && !r.out[0],
		   "cli: %s %s %s %s -> exit 2 (usage), \"%s\" on stderr", prog, a ? a : "",
		   b ? b : "", c ? c : "", msg))
		diag(&r);
}

static void test_usage_errors(void)
{
	expect_usage_error("unknown subcommand 'bogus'", "tcpwatch", "bogus", NULL, NULL);
	expect_usage_error("Usage: tcpwatch", "tcpwatch", NULL, NULL, NULL);
	expect_usage_error("--port '70000' out of range (1-65535)", "tcpwatch", "events",
			   "--port", "70000");
	expect_usage_error("--port '0' out of range", "tcpwatch", "events", "--port", "0");
	expect_usage_error("--port 'http' is not a number", "tcpwatch", "events", "-P", "http");
	expect_usage_error("unknown state 'BOGUS'", "tcpwatch", "events", "--state", "BOGUS");
	expect_usage_error("unknown option '--frobnicate'", "tcpwatch", "events",
			   "--frobnicate", NULL);
	expect_usage_error("unknown option '-x'", "tcpwatch", "summary", "-x", NULL);
	expect_usage_error("option '--count' needs an argument", "tcpwatch", "events",
			   "--count", NULL);
	expect_usage_error("--netns 'self' is not a number", "tcpwatch", "summary",
			   "--netns", "self");
	expect_usage_error("unexpected argument 'now'", "tcpwatch", "status", "now", NULL);
	expect_usage_error("Try 'tcpwatch events --help'", "tcpwatch", "events", "-s", "");
	expect_usage_error("--interval '0' out of range", "tcpwatchd", "--interval", "0", NULL);
	expect_usage_error("--interval 'soon' is not a duration", "tcpwatchd", "-i", "soon",
			   NULL);
	expect_usage_error("unknown option '--daemon'", "tcpwatchd", "--daemon", NULL, NULL);
}

/* The subcommands and options of issue 3. */
static void test_new_usage_errors(void)
{
	static const char *const e[][4] = {
		{ "--older-than 'soon' is not a duration", "leaks", "--older-than", "soon" },
		{ "--older-than '-1' is not a duration", "leaks", "-o", "-1" },
		{ "--older-than '5x' is not a duration", "leaks", "--older-than", "5x" },
		{ "unknown state 'BOGUS'", "leaks", "--state", "BOGUS" },
		{ "unknown state 'BOGUS'", "leaks", "--state", "CLOSE_WAIT,BOGUS" },
		{ "unknown state ''", "leaks", "--state", "CLOSE_WAIT," },
		{ "option '--older-than' needs an argument", "leaks", "--older-than", NULL },
		{ "unexpected argument 'nginx'", "leaks", "nginx", NULL },
		{ "--top '0' out of range (1-65535)", "timewait", "--top", "0" },
		{ "--top 'ten' is not a number", "timewait", "-t", "ten" },
		{ "--interval '-1' is not a duration", "timewait", "--interval", "-1" },
		{ "--interval '0' out of range", "timewait", "--interval", "0" },
		{ "--interval '2h' out of range", "timewait", "-i", "2h" },
		{ "unknown option '--state'", "timewait", "--state", "TIME_WAIT" },
		{ "--addr 'bogus' is not an IPv4 or IPv6 address", "listeners", "--addr", "bogus" },
		{ "--addr '1.2.3.4:80' is not an IPv4 or IPv6 address", "listeners", "-a",
		  "1.2.3.4:80" },
		{ "--port '0' out of range (1-65535)", "listeners", "--port", "0" },
		{ "--netns '-5' is not a number", "listeners", "--netns", "-5" },
		{ "unknown option '--state'", "listeners", "--state", "LISTEN" },
		{ "unknown state 'BOGUS'", "dwell", "-s", "BOGUS" },
		{ "unknown option '--port'", "dwell", "--port", "80" },
		{ "unknown option '--wide'", "dwell", "--wide", NULL },
		{ "--addr '1.2.3' is not an IPv4 or IPv6 address", "summary", "--addr", "1.2.3" },
		{ "--port '99999' out of range", "summary", "-P", "99999" },
		{ "--addr '::g' is not an IPv4 or IPv6 address", "events", "--addr", "::g" },
		{ "unknown state 'CLOSED'", "events", "-s", "LISTEN,CLOSED" },
		{ "unknown option '--netns'", "status", "--netns", "1" },
	};
	static const char *const cookie[][4] = {
		{ "--netns-cookie 'x' is not a number", "summary", "--netns-cookie", "x" },
		{ "--netns-cookie '0' out of range (1-18446744073709551615)", "events",
		  "--netns-cookie", "0" },
		{ "--netns-cookie '-1' is not a number", "listeners", "--netns-cookie", "-1" },
		{ "--netns-cookie '12abc' is not a number", "leaks", "--netns-cookie", "12abc" },
		{ "--netns-cookie '' is not a number", "dwell", "--netns-cookie", "" },
		{ "--netns-cookie '99999999999999999999' is not a number", "timewait",
		  "--netns-cookie", "99999999999999999999" },
		{ "option '--netns-cookie' needs an argument", "listeners", "--netns-cookie", NULL },
		{ "unknown option '--netns-cookie'", "status", "--netns-cookie", "1" },
	};
	size_t i;

	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		expect_usage_error(e[i][0], "tcpwatch", e[i][1], e[i][2], e[i][3]);
	for (i = 0; i < sizeof(cookie) / sizeof(cookie[0]); i++)
		expect_usage_error(cookie[i][0], "tcpwatch", cookie[i][1], cookie[i][2],
				   cookie[i][3]);
	expect_usage_error("--leak-age 'soon' is not a duration", "tcpwatchd", "--leak-age",
			   "soon", NULL);
	expect_usage_error("option '--log' needs an argument", "tcpwatchd", "--log", NULL, NULL);
}

static void expect_help(const char *prog, const char *sub, const char *flag, const char *want)
{
	struct run r;

	run(&r, prog, sub, flag, NULL);
	CHECK(r.status == 0 && strstr(r.out, want) && !r.err[0],
	      "cli: %s %s %s -> exit 0, help on stdout", prog, sub ? sub : "", flag ? flag : "");
}

static void test_help(void)
{
	expect_help("tcpwatch", "--help", NULL, "summary");
	expect_help("tcpwatch", "-h", NULL, "events");
	expect_help("tcpwatch", "summary", "--help", "Usage: tcpwatch summary");
	expect_help("tcpwatch", "events", "-h", "Usage: tcpwatch events");
	expect_help("tcpwatch", "status", "--help", "Usage: tcpwatch status");
	expect_help("tcpwatch", "listeners", "--help", "Usage: tcpwatch listeners");
	expect_help("tcpwatch", "leaks", "-h", "Usage: tcpwatch leaks");
	expect_help("tcpwatch", "dwell", "--help", "Usage: tcpwatch dwell");
	expect_help("tcpwatch", "timewait", "--help", "Usage: tcpwatch timewait");
	expect_help("tcpwatch", "--help", NULL, "timewait");
	expect_help("tcpwatchd", "--help", NULL, "--leak-age");
	expect_help("tcpwatchd", "--help", NULL, "Usage: tcpwatchd");
	expect_help("tcpwatch", "--version", NULL, "tcpwatch ");
	expect_help("tcpwatch", "help", "events", "Usage: tcpwatch events");
	expect_help("tcpwatch", "help", "timewait", "Usage: tcpwatch timewait");
	expect_help("tcpwatchd", "--version", NULL, "tcpwatchd ");
	expect_help("tcpwatchd", "-V", NULL, "tcpwatchd ");
	expect_help("tcpwatchd", "--help", NULL, "--netns-label");
}

/* This host never has the module; in a VM that has it, exit 0 is right. */
static void test_no_module(void)
{
	static const char *const subs[] = {
		"summary", "status", "events", "listeners", "leaks", "dwell", "timewait",
	};
	struct run r;
	size_t i;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		run(&r, "tcpwatch", subs[i], NULL);
		CHECK(r.status == 0 || (r.status == 3 && strstr(r.err,
		      "tcpwatch: module not loaded (no generic netlink family \"tcpwatch\"); "
		      "load it with: modprobe tcpwatch (after make install), or insmod "
		      "tcpwatch.ko from a build tree\n")),
		      "cli: tcpwatch %s without the module -> exit 3 and how to load it", subs[i]);
	}
}

static unsigned int count(const char *haystack, const char *needle)
{
	unsigned int n = 0;

	while ((haystack = strstr(haystack, needle))) {
		n++;
		haystack++;
	}
	return n;
}

static void no_usage(FILE *f)
{
	(void)f;
}

/* --netns-cookie as the subcommands parse it, in this process. */
static void test_netns_cookie_opt(void)
{
	char *ok[] = { "x", "--netns-cookie", "18446744073709551615", "-N", "4026531840",
		       "--port", "80", NULL };
	char *no_ns[] = { "x", "--netns-cookie", "7", NULL };
	struct cli_report r = {};
	FILE *err = tmpfile();
	char text[256];
	struct run run_;
	int ret, saved;

	optind = 0;
	ret = cli_report_opts("x", 7, ok, no_usage, CLI_FILTERS, &r, NULL);
	CHECK(ret == 0 && r.filter.netns_cookie == UINT64_MAX && r.filter.netns == 4026531840u &&
	      r.filter.port == 80, "cli: --netns-cookie up to 2^64-1, beside --netns and --port");
	optind = 0;
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(err), 2);
	ret = cli_report_opts("x", 3, no_ns, no_usage, CLI_WIDE, &r, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	slurp(err, text, sizeof(text));
	CHECK(ret == 2 && strstr(text, "x: unknown option '--netns-cookie'"),
	      "cli: --netns-cookie only where --netns is taken");
	optind = 0;

	/* Accepted: what follows is the missing module, not a usage error. */
	run(&run_, "tcpwatch", "listeners", "--netns-cookie", "4096", "--json", NULL);
	CHECK(run_.status == 0 || (run_.status == 3 && strstr(run_.err, "module not loaded")),
	      "cli: tcpwatch listeners --netns-cookie 4096 is accepted");
}

/* Absent module: says so once, keeps writing metrics, stops on SIGTERM. */
static void test_daemon_lifecycle(void)
{
	char dir[] = "/tmp/tcpwatchd-test-XXXXXX", prom[64], log[64], text[4096] = "";
	const char *args[] = { "--prom", prom, "--interval", "0.1", "--foreground",
			       "--log", log, NULL };
	struct stat st;
	FILE *out = tmpfile(), *err = tmpfile(), *f;
	struct timespec wait = { 1, 500000000 };
	struct run r;
	pid_t pid;

	mkdtemp(dir);
	snprintf(prom, sizeof(prom), "%s/tcpwatch.prom", dir);
	snprintf(log, sizeof(log), "%s/trouble.log", dir);
	pid = spawn("tcpwatchd", args, out, err);
	nanosleep(&wait, NULL);
	kill(pid, SIGTERM);
	reap(&r, pid, out, err);
	if (!CHECK(r.status == 0, "tcpwatchd: SIGTERM -> exit 0"))
		diag(&r);
	CHECK(count(r.err, "module not loaded") <= 1,
	      "tcpwatchd: the absent module is reported once, not every retry");
	CHECK(r.cpu_s < 0.5, "tcpwatchd: no busy loop (%.3f s CPU in 1.5 s)", r.cpu_s);
	f = fopen(prom, "r");
	if (f) {
		slurp(f, text, sizeof(text));
		unlink(prom);
	}
	CHECK(strstr(text, "tcpwatch_up") && strstr(text, "\ntcpwatch_daemon_event_output 0\n") &&
	      !strstr(text, "tcpwatch_daemon_events_"),
	      "tcpwatchd: metrics file written; it says per-event output is off");
	CHECK(count(r.err, "per-event output off") == 1 && r.out[0] == '\0',
	      "tcpwatchd: without --output, no events and the startup line says so");
	f = fopen(log, "r");
	text[0] = '\0';
	if (f)
		slurp(f, text, sizeof(text));
	CHECK(!stat(log, &st) && count(text, "tcpwatchd: module not loaded") == 1 &&
	      count(text, "\n") == 1,
	      "tcpwatchd: --log file opened; the absent module said there too, once, nothing else");
	unlink(log);
	rmdir(dir);
}

/* A metrics file it cannot write: said once, not every interval. */
static void test_daemon_unwritable(void)
{
	const char *args[] = { "--prom", "/nonexistent-tcpwatch-dir/tcpwatch.prom",
			       "--interval", "0.1", NULL };
	FILE *out = tmpfile(), *err = tmpfile();
	struct timespec wait = { 1, 0 };
	struct run r;
	pid_t pid;

	pid = spawn("tcpwatchd", args, out, err);
	nanosleep(&wait, NULL);
	kill(pid, SIGTERM);
	reap(&r, pid, out, err);
	if (!CHECK(count(r.err, "writing /nonexistent-tcpwatch-dir/tcpwatch.prom") == 1 &&
		   strstr(r.err, "No such file or directory"),
		   "tcpwatchd: an unwritable metrics path is said once in ten intervals"))
		diag(&r);
}

/*
 * Type=notify: with $NOTIFY_SOCKET set, it sends READY=1 there once set up
 * (module absent or not); a path, and "@name" in the abstract namespace.
 */
static void test_daemon_notify_one(const char *name, bool abstract)
{
	const char *args[] = { "--interval", "10", NULL };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { 5, 0 };
	FILE *out = tmpfile(), *err = tmpfile();
	char buf[64] = "";
	struct run r;
	ssize_t n;
	pid_t pid;
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", name);
	if (abstract)
		sun.sun_path[0] = '\0';
	/* An abstract name is as long as its address says, no NUL padding. */
	if (!CHECK(fd >= 0 && !bind(fd, (struct sockaddr *)&sun,
				    offsetof(struct sockaddr_un, sun_path) + strlen(name)) &&
		   !setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		   "tcpwatchd notify: a socket at %s", name))
		return;
	setenv("NOTIFY_SOCKET", name, 1);
	pid = spawn("tcpwatchd", args, out, err);
	unsetenv("NOTIFY_SOCKET");
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	kill(pid, SIGTERM);
	reap(&r, pid, out, err);
	if (!CHECK(n == 7 && !strcmp(buf, "READY=1"),
		   "tcpwatchd: READY=1 to $NOTIFY_SOCKET %s (got %zd bytes '%s')", name, n, buf))
		diag(&r);
	close(fd);
	if (!abstract)
		unlink(name);
}

static void test_daemon_notify(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/tmp/tcpwatchd-notify-%d", (int)getpid());
	test_daemon_notify_one(path, false);
	snprintf(path, sizeof(path), "@tcpwatchd-notify-%d", (int)getpid());
	test_daemon_notify_one(path, true);
}

void test_cli(void)
{
	test_usage_errors();
	test_new_usage_errors();
	test_help();
	test_netns_cookie_opt();
	test_no_module();
	test_daemon_lifecycle();
	test_daemon_unwritable();
	test_daemon_notify();
}
