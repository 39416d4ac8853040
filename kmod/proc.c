// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/tcpwatch/summary. A reader sees the namespace it lives in; one in
 * init_net whose file was opened with CAP_NET_ADMIN in the initial user
 * namespace sees every namespace, like the netlink summary. Listener owners
 * are shown only to an opener with CAP_NET_ADMIN over the namespace.
 */
#include <linux/capability.h>
#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/tcp_states.h>

#include "listeners.h"
#include "netlink.h"
#include "proc.h"
#include "states.h"
#include "stats.h"
#include "view.h"

static struct proc_dir_entry *proc_dir;

static void tw_format_addr(char *buf, size_t len, const struct tw_track_copy *c)
{
	if (c->t.family == AF_INET6)
		snprintf(buf, len, "[%pI6c]:%u", c->saddr, c->sport);
	else
		snprintf(buf, len, "%pI4:%u", c->saddr, c->sport);
}

static void tw_show_listeners(struct seq_file *m, const struct tw_view *view)
{
	struct tw_listener_view v;
	unsigned int idx = 0;

	seq_puts(m, "\nlisteners:\n");
	seq_printf(m, "  %-10s %-24s %9s %9s %7s %9s %9s  %s\n", "netns", "local",
		   "synq/peak", "accq/peak", "backlog", "overflows", "syn_drops",
		   "owner");
	for (; tw_listener_next(&idx, &v); idx++) {
		char synq[24], accq[24], local[56];

		if (!tw_view_sees(view, v.c.t.netns_cookie, v.c.t.netns))
			continue;
		snprintf(synq, sizeof(synq), "%u/%u", v.syn_queue,
			 v.c.listen.syn_queue_peak);
		snprintf(accq, sizeof(accq), "%u/%u", v.accept_queue,
			 v.c.listen.accept_queue_peak);
		tw_format_addr(local, sizeof(local), &v.c);
		seq_printf(m, "  %-10u %-24s %9s %9s %7u %9llu %9llu  ",
			   v.c.t.netns, local, synq, accq, v.backlog,
			   v.counts.overflows, v.counts.syn_drops);
		if (view->admin)
			seq_printf(m, "%u/%s\n", v.c.t.pid, v.c.t.comm);
		else
			seq_puts(m, "-\n");
	}
}

static int tw_summary_show(struct seq_file *m, void *v)
{
	struct net *viewer = current->nsproxy->net_ns;
	/* The opener's rights, as for /proc/net files. */
	struct tw_view view = {
		.net = viewer,
		.all = net_eq(viewer, &init_net) &&
		       file_ns_capable(m->file, &init_user_ns, CAP_NET_ADMIN),
		.admin = file_ns_capable(m->file, viewer->user_ns, CAP_NET_ADMIN),
	};
	struct tw_summary *sum;
	unsigned int k, i, j;

	sum = kvmalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	tw_stats_sum(&view, sum);

	seq_printf(m, "tcpwatch %s, %s\n\nsockets by state:\n", TCPWATCH_VERSION,
		   view.all ? "all network namespaces" : "this network namespace");
	for (i = 1; i < TCPWATCH_NR_STATES; i++)
		seq_printf(m, "  %-13s %10lld\n", tw_state_name(i),
			   max_t(s64, sum->sockets[i], 0));

	seq_printf(m, "\ntransitions:\n  %-9s %-13s %-13s %10s\n", "sk", "old",
		   "new", "count");
	for (k = 0; k < TCPWATCH_NR_SK_KINDS; k++)
		for (i = 0; i < TCPWATCH_NR_STATES; i++)
			for (j = 0; j < TCPWATCH_NR_STATES; j++)
				if (sum->transitions[k][i][j])
					seq_printf(m, "  %-9s %-13s %-13s %10llu\n",
						   tw_sk_kind_name(k), tw_state_name(i),
						   tw_state_name(j),
						   sum->transitions[k][i][j]);

	if (sum->untracked >= 0)
		seq_printf(m, "\nuntracked: %lld sockets counted without a tracking entry (no dwell time or owner)\n",
			   sum->untracked);
	seq_printf(m, "\ntimewait: current %lld entered %llu ended %llu\n",
		   max_t(s64, sum->tw_current, 0), sum->tw_entered, sum->tw_ended);
	seq_puts(m, "\nrequest and timewait ends:\n");
	for (k = 0; k < TCPWATCH_NR_SK_KINDS; k++)
		for (i = 1; i < TCPWATCH_NR_REASONS; i++)
			if (sum->ends[k][i])
				seq_printf(m, "  %-9s %-10s %10llu\n", tw_sk_kind_name(k),
					   tw_reason_name(i), sum->ends[k][i]);
	seq_printf(m, "\nlistener totals: overflows %llu syn_drops %llu syncookies %llu synack_retrans %llu\n",
		   sum->overflows, sum->syn_drops, sum->syncookies, sum->synack_retrans);
	tw_show_listeners(m, &view);
	seq_printf(m, "\nevents: written %llu lost %llu unsent %llu\n", sum->events_written,
		   sum->events_lost, tw_nl_unsent());
	kvfree(sum);
	return 0;
}

int tw_proc_init(void)
{
	proc_dir = proc_mkdir("tcpwatch", NULL);
	if (!proc_dir)
		return -ENOMEM;
	if (!proc_create_single("summary", 0444, proc_dir, tw_summary_show)) {
		proc_remove(proc_dir);
		return -ENOMEM;
	}
	return 0;
}

void tw_proc_exit(void)
{
	proc_remove(proc_dir);	/* waits for readers still inside */
}
