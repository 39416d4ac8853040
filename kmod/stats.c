// SPDX-License-Identifier: GPL-2.0
/* Per-netns, per-CPU aggregates, and their sums for readers. */
#include <linux/rtnetlink.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "drain.h"
#include "overflows.h"
#include "stats.h"

unsigned int tw_net_id;

static int __net_init tw_net_init(struct net *net)
{
	struct tw_pernet *twn = net_generic(net, tw_net_id);

	twn->alloc = alloc_percpu(struct tw_stats);
	twn->stats = twn->alloc;
	return twn->alloc ? 0 : -ENOMEM;
}

/*
 * Probes still fire in a dying netns (timewait purge, kernel sockets). Hide
 * the stats here; cleanup_net() runs synchronize_rcu() between pre_exit and
 * exit, so no probe can still be using them when tw_net_exit() frees them.
 */
static void __net_exit tw_net_pre_exit(struct net *net)
{
	struct tw_pernet *twn = net_generic(net, tw_net_id);

	WRITE_ONCE(twn->stats, NULL);
}

static void __net_exit tw_net_exit(struct net *net)
{
	struct tw_pernet *twn = net_generic(net, tw_net_id);

	free_percpu(twn->alloc);
}

/* Before ipv4's exit frees the TcpExt counters that overflows.c reads. */
static void __net_exit tw_net_exit_batch(struct list_head *net_exit_list)
{
	tw_overflows_forget_dying();
}

static struct pernet_operations tw_net_ops = {
	.init = tw_net_init,
	.pre_exit = tw_net_pre_exit,
	.exit = tw_net_exit,
	.exit_batch = tw_net_exit_batch,
	.id = &tw_net_id,
	.size = sizeof(struct tw_pernet),
};

int tw_stats_init(void)
{
	return register_pernet_subsys(&tw_net_ops);
}

void tw_stats_exit(void)
{
	unregister_pernet_subsys(&tw_net_ops);
}

bool tw_net_visible(const struct net *viewer, u32 netns)
{
	return net_eq(viewer, &init_net) || viewer->ns.inum == netns;
}

static void tw_stats_add(const struct net *net, struct tw_stats __percpu *stats,
			 struct tw_summary *sum)
{
	struct tw_listen_counts listen = {};
	unsigned int cpu, i, j, k;

	for_each_possible_cpu(cpu) {
		const struct tw_stats *s = per_cpu_ptr(stats, cpu);

		for (i = 0; i < TCPWATCH_NR_STATES; i++)
			sum->sockets[i] += READ_ONCE(s->sockets[i]);
		for (k = 0; k < TCPWATCH_NR_SK_KINDS; k++)
			for (i = 0; i < TCPWATCH_NR_STATES; i++)
				for (j = 0; j < TCPWATCH_NR_STATES; j++)
					sum->transitions[k][i][j] +=
						READ_ONCE(s->transitions[k][i][j]);
		for (i = 0; i < TCPWATCH_NR_STATES; i++)
			for (j = 0; j < TCPWATCH_DWELL_BUCKETS; j++)
				sum->dwell[i][j] += READ_ONCE(s->dwell[i][j]);
		for (k = 0; k < TCPWATCH_NR_SK_KINDS; k++)
			for (i = 0; i < TCPWATCH_NR_REASONS; i++)
				sum->ends[k][i] += READ_ONCE(s->ends[k][i]);
		sum->tw_entered += READ_ONCE(s->tw_entered);
		sum->tw_ended += READ_ONCE(s->tw_ended);
		sum->tw_current += READ_ONCE(s->tw_current);
		sum->synack_retrans += READ_ONCE(s->synack_retrans);
		tw_overflows_add_cpu(net, s, cpu, &listen);
	}
	sum->overflows += listen.overflows;
	sum->syn_drops += listen.syn_drops;
	sum->syncookies += listen.syncookies;
}

void tw_stats_sum(const struct net *viewer, u32 netns, struct tw_summary *sum)
{
	struct net *net;

	memset(sum, 0, sizeof(*sum));
	down_read(&net_rwsem);
	for_each_net(net) {
		struct tw_pernet *twn = net_generic(net, tw_net_id);
		struct tw_stats __percpu *stats = READ_ONCE(twn->stats);

		if (!stats || !tw_net_visible(viewer, net->ns.inum))
			continue;
		if (netns && net->ns.inum != netns)
			continue;
		tw_stats_add(net, stats, sum);
	}
	up_read(&net_rwsem);
	tw_drain_totals(&sum->events_written, &sum->events_lost);
}
