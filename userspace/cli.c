// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "cli.h"
#include "format.h"

int cli_exit_status(int err)
{
	switch (err) {
	case 0:
		return 0;
	case -ENOENT:		/* no such generic netlink family */
	case -EPROTONOSUPPORT:	/* the family is being unregistered */
		return TW_EXIT_NO_MODULE;
	case -EPERM:
	case -EACCES:
		return TW_EXIT_PERMISSION;
	}
	return err > 0 ? err : TW_EXIT_FAILED;
}

int cli_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	return TW_EXIT_USAGE;
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

int cli_duration(const char *prog, const char *opt, const char *arg,
		 uint64_t min_ns, uint64_t max_ns, uint64_t *ns)
{
	char lo[16], hi[16];
	int err = tw_duration_parse(arg, ns);

	if (err == -EINVAL)
		return cli_error(prog, "%s '%s' is not a duration (e.g. 15, 0.5, 500ms, 1m)",
				 opt, arg);
	if (err || *ns < min_ns || *ns > max_ns) {
		tw_duration_format(min_ns, lo, sizeof(lo));
		tw_duration_format(max_ns, hi, sizeof(hi));
		return cli_error(prog, "%s '%s' out of range (%s-%s)", opt, arg,
				 min_ns ? lo : "0", hi);
	}
	return 0;
}

int cli_states(const char *prog, const char *arg, uint32_t *mask)
{
	const char *p = arg;
	char name[32];
	size_t len;
	int s;

	do {
		len = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		s = len < sizeof(name) ? tw_state_parse(name) : -EINVAL;
		if (s < 0)
			return cli_error(prog, "unknown state '%.*s' (one of ESTABLISHED "
					 "SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT "
					 "CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING "
					 "NEW_SYN_RECV)", (int)len, p);
		*mask |= TW_STATE_BIT(s);
		p += len;
	} while (*p++ == ',');
	return 0;
}

int cli_no_args(const char *prog, int argc, char *argv[])
{
	if (optind < argc)
		return cli_error(prog, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Long-only options have a value beyond any short option's. */
enum { OPT_NETNS_COOKIE = 256 };

static const struct {
	unsigned int needs;		/* 0: always accepted */
	struct option opt;
} common_opts[] = {
	{ 0, { "json", no_argument, NULL, 'j' } },
	{ 0, { "help", no_argument, NULL, 'h' } },
	/* -N and -P, not ss's -n (numeric) and -p (processes) */
	{ CLI_NETNS, { "netns", required_argument, NULL, 'N' } },
	{ CLI_NETNS, { "netns-cookie", required_argument, NULL, OPT_NETNS_COOKIE } },
	{ CLI_ADDRPORT, { "port", required_argument, NULL, 'P' } },
	{ CLI_ADDRPORT, { "addr", required_argument, NULL, 'a' } },
	{ CLI_STATE, { "state", required_argument, NULL, 's' } },
	{ CLI_WIDE, { "wide", no_argument, NULL, 'w' } },
	{ CLI_WIDE, { "no-header", no_argument, NULL, 'H' } },
	{ CLI_WALL_CLOCK, { "wall-clock", no_argument, NULL, 'T' } },
};

#define CLI_MAX_OPTS 24

/* The accepted common options and @extra's, and getopt's short string. */
static void build_opts(unsigned int accept, const struct cli_extra *extra,
		       struct option *opts, char *shorts)
{
	const struct option *o;
	size_t n = 0, i;
	char *s = shorts;

	*s++ = ':';
	for (i = 0; i < ARRAY_SIZE(common_opts); i++)
		if (!common_opts[i].needs || (accept & common_opts[i].needs))
			opts[n++] = common_opts[i].opt;
	for (o = extra ? extra->opts : NULL; o && o->name && n + 1 < CLI_MAX_OPTS; o++)
		opts[n++] = *o;
	memset(&opts[n], 0, sizeof(opts[n]));
	for (i = 0; i < n; i++) {
		if (opts[i].val >= OPT_NETNS_COOKIE)
			continue;
		*s++ = opts[i].val;
		if (opts[i].has_arg == required_argument)
			*s++ = ':';
	}
	*s = '\0';
}

static int common_opt(const char *prog, int c, const char *arg, struct cli_report *r)
{
	struct tw_filter *f = &r->filter;
	uint64_t v;

	switch (c) {
	case 'j':
		r->json = true;
		return 0;
	case 'w':
		r->table |= TABLE_WIDE;
		return 0;
	case 'H':
		r->table |= TABLE_NO_HEADER;
		return 0;
	case 'T':
		r->table |= TABLE_WALL_CLOCK;
		return 0;
	case 'N':
		if (cli_number(prog, "--netns", arg, 1, UINT32_MAX, &v))
			return TW_EXIT_USAGE;
		f->netns = v;
		return 0;
	case OPT_NETNS_COOKIE:
		return cli_number(prog, "--netns-cookie", arg, 1, UINT64_MAX, &f->netns_cookie);
	case 'P':
		if (cli_number(prog, "--port", arg, 1, 65535, &v))
			return TW_EXIT_USAGE;
		f->port = v;
		return 0;
	case 'a':
		if (tw_addr_parse(arg, &f->family, f->addr))
			return cli_error(prog, "--addr '%s' is not an IPv4 or IPv6 address",
					 arg);
		return 0;
	case 's':
		return cli_states(prog, arg, &f->states);
	}
	return -1;
}

int cli_report_opts(const char *prog, int argc, char *argv[], void (*usage)(FILE *),
		    unsigned int accept, struct cli_report *r, const struct cli_extra *extra)
{
	struct option opts[CLI_MAX_OPTS];
	char shorts[3 * CLI_MAX_OPTS + 2];
	int c, ret;

	build_opts(accept, extra, opts, shorts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return -1;
		}
		if (c == '?' || c == ':')
			return cli_option_error(prog, c, argv);
		ret = common_opt(prog, c, optarg, r);
		if (ret < 0)
			ret = extra ? extra->fn(prog, c, optarg, extra->ctx) :
				      cli_option_error(prog, '?', argv);
		if (ret)
			return ret;
	}
	return cli_no_args(prog, argc, argv);
}
