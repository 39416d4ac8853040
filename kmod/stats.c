// SPDX-License-Identifier: GPL-2.0
/* Per-netns, per-CPU aggregates, and their sums for readers. */
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "drain.h"
#include "overflows.h"
#include "stats.h"
#include "track.h"
#include "view.h"

unsigned int tw_net_id;

/*
 * What namespaces that are gone did, so that init_net's counters never go
 * backwards when one ends: tw_departed counts what happens while they are
 * dismantled (their timewait sockets purged), tw_folded holds the counts
 * each one had when it went. Their gauges (sockets now) are left out: a
 * dying namespace's sockets are in no namespace a reader can look at.
 */
struct tw_stats __percpu *tw_departed;
static struct tw_stats tw_folded;

/*
 * Every namespace's stats, listed here until they are folded: readers walk
 * this list rather than the kernel's, which a dying namespace leaves before
 * its stats are folded.
 */
static LIST_HEAD(tw_nets);
/*
 * Protects tw_nets and tw_folded, so that a reader summing every namespace
 * sees each one's counts exactly once: listed, or folded, never both.
 */
static DEFINE_MUTEX(tw_nets_lock);

static int __net_init tw_net_init(struct net *net)
{
	struct tw_pernet *twn = net_generic(net, tw_net_id);

	twn->alloc = alloc_percpu(struct tw_stats);
	if (!twn->alloc)
		return -ENOMEM;
	/* Probes read it locklessly (tw_stats_of()). */
	WRITE_ONCE(twn->stats, twn->alloc);
	twn->net = net;
	mutex_lock(&tw_nets_lock);
	list_add_tail(&twn->node, &tw_nets);
	mutex_unlock(&tw_nets_lock);
	return 0;
}

/*
 * Probes still fire in a dying netns (timewait purge, kernel sockets); from
 * here on they count into tw_departed. cleanup_net() runs synchronize_rcu()
 * between pre_exit and exit, so no probe still writes the netns' own stats
 * when tw_net_exit_batch() folds them.
 */
static void __net_exit tw_net_pre_exit(struct net *net)
{
	struct tw_pernet *twn = net_generic(net, tw_net_id);

	WRITE_ONCE(twn->stats, NULL);
}

/*
 * Every field of struct tw_stats is a 64-bit counter or gauge, summed alike;
 * but the gauges (sockets now) of a namespace that is gone are no one's.
 */
static void tw_stats_fold(struct tw_stats *to, const struct tw_stats *from)
{
	u64 *t = (u64 *)to;
	const u64 *f = (const u64 *)from;
	size_t i;

	BUILD_BUG_ON(sizeof(struct tw_stats) % sizeof(u64));
	for (i = 0; i < sizeof(struct tw_stats) / sizeof(u64); i++)
		t[i] += f[i];
	memset(to->sockets, 0, sizeof(to->sockets));
}

/*
 * After a grace period since pre_exit, so no probe still counts into the
 * namespaces' own stats, and before TCP's exit_batch purges their timewait
 * sockets (exit hooks run in the reverse order of registration): close
 * their listener accounts, settling them into their own stats, then fold
 * those into tw_folded. Also at unload, for every namespace.
 */
static void __net_exit tw_net_exit_batch(struct list_head *net_exit_list)
{
	struct tw_pernet *twn;
	unsigned int cpu;
	struct net *net;

	tw_overflows_forget_dying();
	mutex_lock(&tw_nets_lock);
	list_for_each_entry(net, net_exit_list, exit_list) {
		twn = net_generic(net, tw_net_id);
		for_each_possible_cpu(cpu)
			tw_stats_fold(&tw_folded, per_cpu_ptr(twn->alloc, cpu));
		list_del(&twn->node);
	}
	mutex_unlock(&tw_nets_lock);
	list_for_each_entry(net, net_exit_list, exit_list) {
		twn = net_generic(net, tw_net_id);
		free_percpu(twn->alloc);
	}
}

static struct pernet_operations tw_net_ops = {
	.init = tw_net_init,
	.pre_exit = tw_net_pre_exit,
	.exit_batch = tw_net_exit_batch,
	.id = &tw_net_id,
	.size = sizeof(struct tw_pernet),
};

int tw_stats_init(void)
{
	int err;

	tw_departed = alloc_percpu(struct tw_stats);
	if (!tw_departed)
		return -ENOMEM;
	err = register_pernet_subsys(&tw_net_ops);
	if (err)
		free_percpu(tw_departed);
	return err;
}

/* After the probes are gone: nothing counts into tw_departed any more. */
void tw_stats_exit(void)
{
	unregister_pernet_subsys(&tw_net_ops);
	free_percpu(tw_departed);
}

/* Add one copy of the stats, a CPU's or the folded ones, but its listen counts. */
static void tw_summary_add(struct tw_summary *sum, const struct tw_stats *s)
{
	unsigned int i, j, k;

	for (i = 0; i < TCPWATCH_NR_STATES; i++)
		sum->sockets[i] += READ_ONCE(s->sockets[i]);
	for (k = 0; k < TCPWATCH_NR_SK_KINDS; k++)
		for (i = 0; i < TCPWATCH_NR_STATES; i++)
			for (j = 0; j < TCPWATCH_NR_STATES; j++)
				sum->transitions[k][i][j] += READ_ONCE(s->transitions[k][i][j]);
	for (i = 0; i < TCPWATCH_NR_STATES; i++)
		for (j = 0; j < TCPWATCH_DWELL_BUCKETS; j++)
			sum->dwell[i][j] += READ_ONCE(s->dwell[i][j]);
	for (k = 0; k < TCPWATCH_NR_SK_KINDS; k++)
		for (i = 0; i < TCPWATCH_NR_REASONS; i++)
			sum->ends[k][i] += READ_ONCE(s->ends[k][i]);
	sum->tw_entered += READ_ONCE(s->tw_entered);
	sum->tw_ended += READ_ONCE(s->tw_ended);
	sum->synack_retrans += READ_ONCE(s->synack_retrans);
}

/* @net NULL: tw_departed, which no listener account is open for. */
static void tw_stats_add(const struct net *net, struct tw_stats __percpu *stats,
			 struct tw_summary *sum)
{
	struct tw_listen_counts listen = {};
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		const struct tw_stats *s = per_cpu_ptr(stats, cpu);

		tw_summary_add(sum, s);
		tw_overflows_add_cpu(net, s, cpu, &listen);
	}
	/*
	 * The kernel counts the timewait sockets of each namespace itself
	 * (sockstat's tw): exact even when a kprobe that tracks them was
	 * skipped (a timer softirq nested in another kprobe's handler skips
	 * every timewait end it runs; Documentation/design.md).
	 */
	if (net)
		sum->tw_current += tw_netns_timewait(net);
	sum->overflows += listen.overflows;
	sum->syn_drops += listen.syn_drops;
	sum->syncookies += listen.syncookies;
}

static void tw_folded_add(struct tw_summary *sum)
{
	lockdep_assert_held(&tw_nets_lock);
	tw_summary_add(sum, &tw_folded);
	sum->overflows += tw_folded.overflows;
	sum->syn_drops += tw_folded.syn_drops;
	sum->syncookies += tw_folded.syncookies;
}

/*
 * A reader of its own namespace costs one pass over the CPUs, with no lock:
 * its namespace is alive while it reads (its socket or task holds it).
 * Every namespace (an administrator's view) costs a pass per namespace,
 * under the mutex that keeps their folding out, preemptible between them.
 */
/* Of @counted sockets, those without a tracking entry: what views lack. */
static s64 tw_untracked(s64 counted)
{
	return max_t(s64, counted - tw_track_used(), 0);
}

void tw_stats_sum(const struct tw_view *view, struct tw_summary *sum)
{
	struct tw_pernet *twn;

	memset(sum, 0, sizeof(*sum));
	sum->untracked = -1;
	if (!view->all) {
		twn = net_generic(view->net, tw_net_id);
		tw_stats_add(view->net, twn->alloc, sum);
		goto out;
	}
	mutex_lock(&tw_nets_lock);
	list_for_each_entry(twn, &tw_nets, node) {
		if (!tw_view_sees(view, twn->net->net_cookie, twn->net->ns.inum))
			continue;
		tw_stats_add(twn->net, twn->alloc, sum);
		cond_resched();
	}
	if (!view->only_cookie && !view->only_inum) {
		tw_stats_add(NULL, tw_departed, sum);
		tw_folded_add(sum);
	}
	mutex_unlock(&tw_nets_lock);
	/* The pool is shared by every namespace: only the whole has a count. */
	if (!view->only_cookie && !view->only_inum) {
		s64 counted = 0;
		unsigned int i;

		for (i = 0; i < TCPWATCH_NR_STATES; i++)
			counted += sum->sockets[i];
		sum->untracked = tw_untracked(counted);
	}
out:
	tw_drain_totals(&sum->events_written, &sum->events_lost);
}

s64 tw_stats_untracked(void)
{
	struct tw_pernet *twn;
	unsigned int cpu, i;
	s64 n = 0;

	mutex_lock(&tw_nets_lock);
	list_for_each_entry(twn, &tw_nets, node) {
		for_each_possible_cpu(cpu) {
			const struct tw_stats *s = per_cpu_ptr(twn->alloc, cpu);

			for (i = 0; i < TCPWATCH_NR_STATES; i++)
				n += READ_ONCE(s->sockets[i]);
		}
		cond_resched();
	}
	mutex_unlock(&tw_nets_lock);
	return tw_untracked(n);
}
