// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatch graph: the TCP state diagram of RFC 9293 (section 3.3.2), drawn
 * from the module's live transition counts as Graphviz DOT: an edge's width
 * and label from how often it was taken, the diagram's edges never taken
 * faint, and what Linux does beyond the RFC's diagram (request sockets in
 * NEW_SYN_RECV, resets to CLOSE, a full socket handing over to its timewait
 * socket) drawn where it happened. --format svg or png runs Graphviz's dot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "array.h"
#include "cli.h"
#include "cmds.h"
#include "format.h"
#include "query.h"

#define PROG "tcpwatch graph"

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [--format dot|svg|png] [--netns INODE]\n"
		"                      [--netns-cookie N]\n\n"
		"The TCP state diagram of RFC 9293 drawn from the transitions counted\n"
		"since the module was loaded: each edge's width and label from its\n"
		"count, edges of the diagram never taken faint. DOT goes to standard\n"
		"output; svg and png run Graphviz's dot on it (apt-get install graphviz):\n\n"
		"  tcpwatch graph --format svg > tcp.svg\n\n"
		"  -f, --format F      dot (default), svg or png\n"
		"  -N, --netns INODE   only this network namespace (inode number)\n"
		"      --netns-cookie N\n"
		"                      only this network namespace (its cookie: unlike\n"
		"                      the inode number, never reused)\n"
		"  -h, --help          this help\n");
}

/* The diagram's edges, in the kernel's state names (CLOSE is CLOSED). */
static const struct { uint8_t old, new; } rfc9293_edges[] = {
	{ TCPWATCH_CLOSE, TCPWATCH_LISTEN },		/* passive OPEN */
	{ TCPWATCH_CLOSE, TCPWATCH_SYN_SENT },		/* active OPEN, snd SYN */
	{ TCPWATCH_LISTEN, TCPWATCH_SYN_RECV },		/* rcv SYN, snd SYN,ACK */
	{ TCPWATCH_LISTEN, TCPWATCH_SYN_SENT },		/* SEND */
	{ TCPWATCH_LISTEN, TCPWATCH_CLOSE },		/* CLOSE */
	{ TCPWATCH_SYN_SENT, TCPWATCH_SYN_RECV },	/* simultaneous open */
	{ TCPWATCH_SYN_SENT, TCPWATCH_ESTABLISHED },	/* rcv SYN,ACK, snd ACK */
	{ TCPWATCH_SYN_SENT, TCPWATCH_CLOSE },		/* CLOSE */
	{ TCPWATCH_SYN_RECV, TCPWATCH_ESTABLISHED },	/* rcv ACK of SYN */
	{ TCPWATCH_SYN_RECV, TCPWATCH_FIN_WAIT1 },	/* CLOSE, snd FIN */
	{ TCPWATCH_ESTABLISHED, TCPWATCH_FIN_WAIT1 },	/* CLOSE, snd FIN */
	{ TCPWATCH_ESTABLISHED, TCPWATCH_CLOSE_WAIT },	/* rcv FIN, snd ACK */
	{ TCPWATCH_FIN_WAIT1, TCPWATCH_FIN_WAIT2 },	/* rcv ACK of FIN */
	{ TCPWATCH_FIN_WAIT1, TCPWATCH_CLOSING },	/* rcv FIN, snd ACK */
	{ TCPWATCH_FIN_WAIT2, TCPWATCH_TIME_WAIT },	/* rcv FIN, snd ACK */
	{ TCPWATCH_CLOSING, TCPWATCH_TIME_WAIT },	/* rcv ACK of FIN */
	{ TCPWATCH_CLOSE_WAIT, TCPWATCH_LAST_ACK },	/* CLOSE, snd FIN */
	{ TCPWATCH_LAST_ACK, TCPWATCH_CLOSE },		/* rcv ACK of FIN */
	{ TCPWATCH_TIME_WAIT, TCPWATCH_CLOSE },		/* timeout = 2MSL */
};

static bool in_rfc_diagram(unsigned int old, unsigned int new)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rfc9293_edges); i++)
		if (rfc9293_edges[i].old == old && rfc9293_edges[i].new == new)
			return true;
	return false;
}

/* Every socket kind's count of old -> new, summed. */
static void edge_counts(const struct tw_summary *sum,
			uint64_t counts[TCPWATCH_NR_STATES][TCPWATCH_NR_STATES])
{
	size_t i;

	memset(counts, 0, sizeof(uint64_t) * TCPWATCH_NR_STATES * TCPWATCH_NR_STATES);
	for (i = 0; i < sum->n_transitions; i++) {
		const struct tw_transition *t = &sum->transitions[i];

		if (t->old_state < TCPWATCH_NR_STATES && t->new_state < TCPWATCH_NR_STATES)
			counts[t->old_state][t->new_state] += t->count;
	}
}

static void edge_print(FILE *f, unsigned int old, unsigned int new, uint64_t count)
{
	char label[16];

	fprintf(f, "  \"%s\" -> \"%s\"", tw_state_name(old), tw_state_name(new));
	if (!count) {
		/* The diagram's, never taken here. */
		fprintf(f, " [style=dashed, color=gray75];\n");
		return;
	}
	tw_count_format(count, label, sizeof(label));
	fprintf(f, " [label=\"%s\", penwidth=%.1f%s];\n", label, 1.0 + 1.5 * log10((double)count),
		in_rfc_diagram(old, new) ? "" : ", color=steelblue, fontcolor=steelblue");
}

void graph_print_dot(FILE *f, const struct tw_summary *sum)
{
	uint64_t counts[TCPWATCH_NR_STATES][TCPWATCH_NR_STATES];
	unsigned int old, new;

	edge_counts(sum, counts);
	fprintf(f, "// tcpwatch graph: the TCP state diagram of RFC 9293 with the transitions\n"
		"// counted since the module was loaded; blue: Linux beyond the diagram\n"
		"digraph tcp_states {\n"
		"  rankdir=TB;\n"
		"  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
		"  edge [fontname=\"Helvetica\", fontsize=10];\n");
	for (old = 1; old < TCPWATCH_NR_STATES; old++)
		fprintf(f, "  \"%s\";\n", tw_state_name(old));
	for (old = 1; old < TCPWATCH_NR_STATES; old++)
		for (new = 1; new < TCPWATCH_NR_STATES; new++)
			if (counts[old][new] || in_rfc_diagram(old, new))
				edge_print(f, old, new, counts[old][new]);
	fprintf(f, "}\n");
}

/* Feed @dot to `dot -T@format`, its output on our standard output. */
static int run_dot(const char *format, const char *dot, size_t len)
{
	char arg[16];
	int fds[2], status;
	pid_t pid;

	snprintf(arg, sizeof(arg), "-T%s", format);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		dup2(fds[0], STDIN_FILENO);
		execlp("dot", "dot", arg, (char *)NULL);
		fprintf(stderr, PROG ": cannot run Graphviz's dot (%s): apt-get install graphviz, "
			"or use --format dot\n", strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	fflush(stdout);
	if (write(fds[1], dot, len) != (ssize_t)len) {
		close(fds[1]);
		waitpid(pid, &status, 0);
		return -EPIPE;
	}
	close(fds[1]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

struct graph_opts {
	struct cli_report r;
	const char *format;
};

static int graph_opt(const char *prog, int c, const char *arg, void *ctx)
{
	struct graph_opts *o = ctx;

	(void)c;	/* --format, its only option */
	if (strcmp(arg, "dot") && strcmp(arg, "svg") && strcmp(arg, "png"))
		return cli_error(prog, "--format '%s' is not dot, svg or png", arg);
	o->format = arg;
	return 0;
}

static int graph_run(const struct graph_opts *o)
{
	static struct tw_summary sum;
	char *dot = NULL;
	size_t len = 0;
	struct nl nl;
	FILE *mem;
	int ret;

	ret = nl_open_report(&nl, "tcpwatch");
	if (ret)
		return cli_exit_status(ret);
	ret = query_summary(&nl, &o->r.filter, &sum);
	nl_close(&nl);
	if (ret) {
		nl_perror(NULL, "tcpwatch", "reading the summary", ret);
		return cli_exit_status(ret);
	}
	if (!strcmp(o->format, "dot")) {
		graph_print_dot(stdout, &sum);
		return 0;
	}
	mem = open_memstream(&dot, &len);
	if (!mem) {
		perror("tcpwatch");
		return TW_EXIT_FAILED;
	}
	graph_print_dot(mem, &sum);
	if (fclose(mem)) {
		free(dot);
		perror("tcpwatch");
		return TW_EXIT_FAILED;
	}
	ret = run_dot(o->format, dot, len);
	free(dot);
	if (ret)
		fprintf(stderr, PROG ": dot -T%s failed: %s\n", o->format, strerror(-ret));
	return ret ? TW_EXIT_FAILED : 0;
}

int graph_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{}
	};
	struct graph_opts o = { .format = "dot" };
	const struct cli_extra extra = { opts, graph_opt, &o };
	int ret = cli_report_opts(PROG, argc, argv, usage, CLI_NETNS, &o.r, &extra);

	if (ret)
		return ret < 0 ? 0 : ret;
	return graph_run(&o);
}
