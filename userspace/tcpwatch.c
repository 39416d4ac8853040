// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatch: the command-line front end. A table of subcommands, the way wg(8)
 * does it: `tcpwatch <subcommand> [options]`.
 */
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "cli.h"
#include "cmds.h"

static const struct subcommand {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *description;
} subcommands[] = {
	{ "summary", summary_main, "socket states, transitions, TIME_WAIT, listener queues" },
	{ "events", events_main, "recent (and with --follow, live) connection events" },
	{ "listeners", listeners_main, "listening sockets: SYN/accept queues, drops, owner" },
	{ "leaks", leaks_main, "sockets stuck in CLOSE_WAIT, FIN_WAIT2, ... and who owns them" },
	{ "dwell", dwell_main, "histograms of the time spent in each state" },
	{ "timewait", timewait_main, "TIME_WAIT sockets: count, rates, end reasons, ports" },
	{ "status", status_main, "module version, probes, rings, per-CPU event loss" },
	{ "top", top_main, "a live view: states, troubled listeners, leaks, loss" },
	{ "graph", graph_main, "the TCP state diagram drawn from live counts (Graphviz)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: tcpwatch <subcommand> [options]\n"
		"       tcpwatch help <subcommand> | --help | --version\n\n"
		"Watch the life of every TCP connection on this host.\n\n"
		"Subcommands:\n");
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(f, "  %-9s %s\n", subcommands[i].name, subcommands[i].description);
	fprintf(f, "\n'tcpwatch <subcommand> --help' describes each one.\n");
}

int main(int argc, char *argv[])
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	size_t i;

	if (!cmd) {
		usage(stderr);
		return TW_EXIT_USAGE;
	}
	if (!strcmp(cmd, "help") && argc > 2) {
		/* tcpwatch help CMD: CMD's own help */
		for (i = 0; i < ARRAY_SIZE(subcommands); i++)
			if (!strcmp(argv[2], subcommands[i].name))
				return subcommands[i].fn(2, (char *[]){ argv[2], "--help", NULL });
		fprintf(stderr, "tcpwatch: unknown subcommand '%s'\n\n", argv[2]);
		usage(stderr);
		return TW_EXIT_USAGE;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("tcpwatch %s\n", TCPWATCH_VERSION);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(cmd, subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "tcpwatch: unknown subcommand '%s'\n\n", cmd);
	usage(stderr);
	return TW_EXIT_USAGE;
}
