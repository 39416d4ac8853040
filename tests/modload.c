// SPDX-License-Identifier: GPL-2.0
/*
 * modload: load a module with finit_module(2), optionally with the Nth
 * fault-injection point of that one syscall armed to fail
 * (/proc/thread-self/fail-nth, on a kernel with CONFIG_FAULT_INJECTION).
 * insmod cannot be used for this: arming fail-nth before exec would fail
 * the exec's own allocations instead of the module's.
 *
 *   modload [--fail-nth N] MODULE.ko [PARAM=VALUE...]
 *
 * Prints one line: "loaded" or "refused: <errno text>", then
 * " (fault N fired)" or " (fault N not reached)" when --fail-nth was given.
 * Exit status: 0 loaded, 1 refused, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FAIL_NTH "/proc/thread-self/fail-nth"

static void usage(FILE *f)
{
	fprintf(f, "usage: modload [--fail-nth N] MODULE.ko [PARAM=VALUE...]\n");
}

/* The module parameters, space-separated, as finit_module() takes them. */
static char *join_params(int argc, char **argv)
{
	size_t len = 1;
	char *params;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	params = calloc(1, len);
	if (!params)
		return NULL;
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(params, " ");
		strcat(params, argv[i]);
	}
	return params;
}

static int write_fail_nth(unsigned int n)
{
	char buf[16];
	int fd, len, ret = 0;

	fd = open(FAIL_NTH, O_WRONLY);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%u", n);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* What is left of the countdown: 0 once the armed fault fired. */
static long read_fail_nth(void)
{
	char buf[16] = "";
	long left = -1;
	int fd;

	fd = open(FAIL_NTH, O_RDONLY);
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		left = strtol(buf, NULL, 10);
	close(fd);
	return left;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fail-nth", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long nth = 0;
	char *params, *end;
	int fd, opt, err;
	long left = 0, ret;

	while ((opt = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			errno = 0;
			nth = strtoul(optarg, &end, 10);
			if (errno || *end || !nth || nth > 1000000) {
				fprintf(stderr, "modload: --fail-nth wants 1..1000000, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "modload: %s: %s\n", argv[optind], strerror(errno));
		return 2;
	}
	params = join_params(argc - optind - 1, argv + optind + 1);
	if (!params) {
		fprintf(stderr, "modload: out of memory\n");
		return 2;
	}
	if (nth) {
		err = write_fail_nth(nth);
		if (err) {
			fprintf(stderr, "modload: %s: %s\n", FAIL_NTH, strerror(-err));
			return 2;
		}
	}
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	if (nth) {
		left = read_fail_nth();
		write_fail_nth(0);	/* disarm what was not reached */
	}
	if (ret)
		printf("refused: %s", strerror(err));
	else
		printf("loaded");
	if (nth)
		printf(" (fault %lu %s)", nth, left == 0 ? "fired" : "not reached");
	printf("\n");
	free(params);
	close(fd);
	return ret ? 1 : 0;
}
