// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "format.h"

int cli_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	return 1;
}

int cli_option_error(const char *prog, int c, char *argv[])
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		return cli_error(prog, "option '%s' needs an argument", opt);
	if (optopt)
		return cli_error(prog, "unknown option '-%c'", optopt);
	return cli_error(prog, "unknown option '%s'", opt);
}

int cli_number(const char *prog, const char *opt, const char *arg,
	       uint64_t min, uint64_t max, uint64_t *out)
{
	int ret = tw_uint_parse(arg, min, max, out);

	if (ret == -ERANGE)
		return cli_error(prog, "%s '%s' out of range (%" PRIu64 "-%" PRIu64 ")",
				 opt, arg, min, max);
	if (ret)
		return cli_error(prog, "%s '%s' is not a number", opt, arg);
	return 0;
}

int cli_no_args(const char *prog, int argc, char *argv[])
{
	if (optind < argc)
		return cli_error(prog, "unexpected argument '%s'", argv[optind]);
	return 0;
}

int cli_report_opts(const char *prog, int argc, char *argv[], void (*usage)(FILE *),
		    bool *json, uint64_t *netns)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "netns", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *optstring = netns ? ":jn:h" : ":jh";
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'n':
			/* getopt_long takes --netns even when optstring has no 'n'. */
			if (!netns)
				return cli_error(prog, "unknown option '--netns'");
			if (cli_number(prog, "--netns", optarg, 1, UINT32_MAX, netns))
				return 1;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli_option_error(prog, c, argv);
		}
	}
	return cli_no_args(prog, argc, argv);
}
