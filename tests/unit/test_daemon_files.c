// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatchd's own files: SIGHUP reopens the event output and the log, each on
 * its own. Runs the tcpwatchd built next to this test (TEST_BINDIR); it needs
 * no module to reopen its files.
 */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tap.h"

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
	test_sighup();
}
