// SPDX-License-Identifier: GPL-2.0
/*
 * Per-listener accept-queue overflows, SYN drops and SYN cookies.
 *
 * The kernel counts these only per netns, in per-CPU TcpExt counters
 * (ListenOverflows, ListenDrops, SyncookiesSent), and for TCP only inside
 * functions that are handed the listener: tcp_v[46]_conn_request(),
 * tcp_conn_request() (also called by MPTCP's subflow_v[46]_conn_request()),
 * tcp_v[46]_syn_recv_sock(), tcp_req_err() and tcp_get_syncookie_mss().
 * They run in softirq or with BH off and do not interleave on a CPU (on
 * PREEMPT_RT, BH sections of a CPU are serialized by its softirq lock);
 * where one calls another it is for the same listener. So a kprobe on each
 * entry opens an account for its listener on its CPU and settles the one it
 * replaces: whatever this CPU's counters grew by since the previous entry,
 * that listener did. (DCCP and SMC bump the same counters; their growth goes
 * to the last TCP listener of the CPU: see Documentation/design.md.)
 *
 * An account stays open until the next entry on its CPU. Readers add its
 * growth so far, under the account's seqcount, so netns totals are exact
 * at any moment; the drain worker has a CPU whose account grew settle it
 * by IPI, so overflow events go out within drain_ms. Return probes would
 * close an account at once, but arming kretprobes under traffic crashed
 * Debian's 6.1 (Documentation/design.md).
 *
 * An account is written only on its own CPU with interrupts off, or, for
 * an offline CPU, under cpus_read_lock(); readers use its seqcount (the
 * drain worker's "did it grow" peek needs none). Its writers use the raw_
 * seqcount calls, which lockdep does not follow: a probe that fires through
 * int3 is NMI context to lockdep, which reports any lock class used both
 * in and out of NMI ("inconsistent {INITIAL USE} -> {IN-NMI} usage" on the
 * debug kernel), and a write section, with interrupts off and nothing
 * probed inside, can never be re-entered on its CPU. Its netns is dereferenced
 * under RCU: tw_overflows_forget_dying() clears the accounts of a dying
 * netns and waits for a grace period before ipv4 frees its counters.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <linux/smp.h>
#include <linux/tcpwatch.h>
#include <net/inet_connection_sock.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <uapi/linux/snmp.h>

#include "observe.h"
#include "overflows.h"
#include "stats.h"
#include "track.h"

enum { TW_MIB_OVERFLOWS, TW_MIB_DROPS, TW_MIB_COOKIES, TW_NR_MIBS };

static const int tw_mib_item[TW_NR_MIBS] = {
	[TW_MIB_OVERFLOWS] = LINUX_MIB_LISTENOVERFLOWS,
	[TW_MIB_DROPS] = LINUX_MIB_LISTENDROPS,
	[TW_MIB_COOKIES] = LINUX_MIB_SYNCOOKIESSENT,
};

struct tw_listen_account {
	seqcount_t seq;
	/*
	 * NULL: none open. Written only by tw_account_net()'s owners; other
	 * CPUs compare it (rcu_access_pointer()) or, to read the netns'
	 * counters, rcu_dereference() it: see tw_overflows_forget_dying().
	 */
	struct net __rcu *net;
	const struct sock *sk;		/* the listener; read only while tracked */
	u64 cookie;			/* ... and its cookie: tells a reused address */
	unsigned long base[TW_NR_MIBS];	/* this CPU's counters at the last settle */
	bool lone_overflows;		/* overflows without a listen drop are whole */
};

/* Tries to read a listener's counts while no CPU settles into them. */
#define TW_LISTENER_READ_TRIES	4

static DEFINE_PER_CPU(struct tw_listen_account, listen_account) = {
	.seq = SEQCNT_ZERO(listen_account.seq),
};

static void tw_mib_read(const struct net *net, unsigned int cpu,
			unsigned long val[TW_NR_MIBS])
{
	const struct linux_mib *mib = per_cpu_ptr(net->mib.net_statistics, cpu);
	int i;

	for (i = 0; i < TW_NR_MIBS; i++)
		val[i] = READ_ONCE(mib->mibs[tw_mib_item[i]]);
}

/*
 * Add the growth of @net's counters on @cpu since @base to @c; leave the
 * counters in @now.
 */
static void tw_growth_add(const struct net *net, unsigned int cpu,
			  const unsigned long base[TW_NR_MIBS],
			  unsigned long now[TW_NR_MIBS], struct tw_listen_counts *c)
{
	unsigned long overflows, drops;

	tw_mib_read(net, cpu, now);
	overflows = now[TW_MIB_OVERFLOWS] - base[TW_MIB_OVERFLOWS];
	drops = now[TW_MIB_DROPS] - base[TW_MIB_DROPS];
	c->overflows += overflows;
	/*
	 * An overflow is also a listen drop (tcp_listendrop()), except in
	 * tcp_get_syncookie_mss(), which only BPF calls.
	 */
	c->syn_drops += drops > overflows ? drops - overflows : 0;
	c->syncookies += now[TW_MIB_COOKIES] - base[TW_MIB_COOKIES];
}

static void tw_counts_add(struct tw_listen_counts *sum, const struct tw_listen_counts *c)
{
	sum->overflows += c->overflows;
	sum->syn_drops += c->syn_drops;
	sum->syncookies += c->syncookies;
}

static void tw_listener_event(const struct sock *sk, u8 type, const struct tw_track *t)
{
	struct tw_transition tr = {
		.skc = &sk->__sk_common,
		.kind = TCPWATCH_SK_FULL,
		.oldstate = TCP_LISTEN,
		.newstate = TCP_LISTEN,
		.listener = sk,
		.syn_queue = inet_csk_reqsk_queue_len(sk),
		.accept_queue = READ_ONCE(sk->sk_ack_backlog),
		.inherit = t,
		.cookie = READ_ONCE(t->cookie),
	};

	tw_observe_event(&tr, type);
}

/*
 * The tracking entry of @a's listener, if it is still that listener. Its
 * cookie is read without the entry's seq: it is one aligned word, and a
 * probe on another CPU may set it (tw_observe()) while this compares.
 */
static struct tw_track *tw_account_listener(const struct tw_listen_account *a)
{
	struct tw_track *t = tw_track_lookup(a->sk);

	return t && a->cookie && READ_ONCE(t->cookie) == a->cookie ? t : NULL;
}

/*
 * @a's netns, for one of its writers: code on @a's own CPU with interrupts
 * off (a probe, an IPI), or tw_overflows_forget_dying() for an offline CPU,
 * also with interrupts off. Nothing else writes it, so they need no RCU.
 */
static struct net *tw_account_net(const struct tw_listen_account *a)
{
	return rcu_dereference_protected(a->net, irqs_disabled());
}

/* Move what @a's listener did on @cpu since the last settle into the counters. */
static void tw_account_settle(struct tw_listen_account *a, unsigned int cpu)
{
	struct net *net = tw_account_net(a);
	unsigned long now[TW_NR_MIBS];
	struct tw_listen_counts grew = {};
	struct tw_stats __percpu *stats;
	struct tw_listen_ext *l;
	struct tw_stats *s;
	struct tw_track *t;

	if (!net)
		return;
	tw_growth_add(net, cpu, a->base, now, &grew);
	memcpy(a->base, now, sizeof(now));
	if (likely(!(grew.overflows | grew.syn_drops | grew.syncookies)))
		return;
	/* Its own, also while dying: they are folded once its accounts are closed. */
	stats = tw_stats_own(net);

	s = per_cpu_ptr(stats, cpu);
	WRITE_ONCE(s->overflows, s->overflows + grew.overflows);
	WRITE_ONCE(s->syn_drops, s->syn_drops + grew.syn_drops);
	WRITE_ONCE(s->syncookies, s->syncookies + grew.syncookies);

	rcu_read_lock();
	/* A listener still tracked is still open: its socket is not yet freed. */
	t = tw_account_listener(a);
	l = t ? tw_track_listen(t) : NULL;
	if (l) {
		atomic64_add(grew.overflows, &l->overflows);
		atomic64_add(grew.syn_drops, &l->syn_drops);
		atomic64_add(grew.syncookies, &l->syncookies);
	}
	if (t) {
		if (grew.overflows)
			tw_listener_event(a->sk, TCPWATCH_EV_OVERFLOW, t);
		if (grew.syn_drops)
			tw_listener_event(a->sk, TCPWATCH_EV_SYN_DROP, t);
	}
	rcu_read_unlock();
}

/*
 * Whether @a is open for @sk already and its counters have not grown since:
 * then settling and opening it again would change nothing. That is every
 * SYN on a host whose listener drops nothing, so it is the hot path.
 */
static bool tw_account_unchanged(const struct tw_listen_account *a, const struct sock *sk,
				 bool lone_overflows, unsigned int cpu)
{
	const struct net *net = sock_net(sk);
	unsigned long now[TW_NR_MIBS];
	int i;

	if (a->sk != sk || rcu_access_pointer(a->net) != net ||
	    a->lone_overflows != lone_overflows ||
	    a->cookie != atomic64_read(&sk->sk_cookie))
		return false;
	tw_mib_read(net, cpu, now);
	for (i = 0; i < TW_NR_MIBS; i++)
		if (now[i] != a->base[i])
			return false;
	return tw_stats_of(net);
}

/* The kernel is about to count for listener @sk on this CPU. */
static void tw_account_open(const struct sock *sk, bool lone_overflows)
{
	struct tw_listen_account *a;
	struct net *net = sock_net(sk);
	unsigned long flags;
	unsigned int cpu;

	local_irq_save(flags);
	cpu = smp_processor_id();
	a = this_cpu_ptr(&listen_account);
	if (tw_account_unchanged(a, sk, lone_overflows, cpu)) {
		local_irq_restore(flags);
		return;
	}
	raw_write_seqcount_begin(&a->seq);
	tw_account_settle(a, cpu);
	/* Never open one in a dying netns: tw_overflows_forget_dying() ran. */
	if (likely(tw_stats_of(net))) {
		/* Settling an account of the same netns left its base at now. */
		if (rcu_access_pointer(a->net) != net)
			tw_mib_read(net, cpu, a->base);
		rcu_assign_pointer(a->net, net);
		a->sk = sk;
		a->cookie = atomic64_read(&sk->sk_cookie);
		a->lone_overflows = lone_overflows;
	} else {
		RCU_INIT_POINTER(a->net, NULL);
		a->sk = NULL;
	}
	raw_write_seqcount_end(&a->seq);
	local_irq_restore(flags);
}

int tw_kp_listener_arg0(struct kprobe *kp, struct pt_regs *regs)
{
	tw_account_open((const struct sock *)regs_get_kernel_argument(regs, 0), false);
	return 0;
}

int tw_kp_tcp_conn_request(struct kprobe *kp, struct pt_regs *regs)
{
	/* tcp_conn_request(rsk_ops, af_ops, sk, skb) */
	tw_account_open((const struct sock *)regs_get_kernel_argument(regs, 2), false);
	return 0;
}

int tw_kp_req_err(struct kprobe *kp, struct pt_regs *regs)
{
	/* tcp_req_err(sk, seq, abort): @sk is a request socket. */
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);

	tw_account_open(inet_reqsk(sk)->rsk_listener, false);
	return 0;
}

int tw_kp_get_syncookie_mss(struct kprobe *kp, struct pt_regs *regs)
{
	/* tcp_get_syncookie_mss(rsk_ops, af_ops, sk, th): no listen drop */
	tw_account_open((const struct sock *)regs_get_kernel_argument(regs, 2), true);
	return 0;
}

void tw_overflows_add_cpu(const struct net *net, const struct tw_stats *s,
			  unsigned int cpu, struct tw_listen_counts *sum)
{
	const struct tw_listen_account *a = per_cpu_ptr(&listen_account, cpu);
	unsigned long now[TW_NR_MIBS];
	struct tw_listen_counts c;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&a->seq);
		c.overflows = READ_ONCE(s->overflows);
		c.syn_drops = READ_ONCE(s->syn_drops);
		c.syncookies = READ_ONCE(s->syncookies);
		/*
		 * @net is alive: the caller found its stats listed. NULL: the
		 * namespaces that are gone, with no account open.
		 */
		if (net && rcu_access_pointer(a->net) == net)
			tw_growth_add(net, cpu, a->base, now, &c);
	} while (read_seqcount_retry(&a->seq, seq));

	tw_counts_add(sum, &c);
}

static void tw_track_counts(const struct tw_listen_ext *l, struct tw_listen_counts *c)
{
	c->overflows = atomic64_read(&l->overflows);
	c->syn_drops = atomic64_read(&l->syn_drops);
	c->syncookies = atomic64_read(&l->syncookies);
}

/*
 * Under rcu_read_lock(), with @t the live entry of a listener. Exact when
 * no CPU settles growth into @t during the read; while SYNs are being
 * dropped faster than the read takes it may miss the last few, which the
 * next read shows (the netns totals are exact regardless).
 */
void tw_overflows_of(const struct tw_track *t, struct tw_listen_counts *out)
{
	const struct tw_listen_ext *l = tw_track_listen(t);
	const struct sock *sk = t->key;
	u64 cookie = READ_ONCE(t->cookie);	/* as in tw_account_listener() */
	struct tw_listen_counts before, after;
	unsigned long now[TW_NR_MIBS];
	unsigned int cpu, seq, tries = 0;

	memset(out, 0, sizeof(*out));
	/* No extension (none was free): nothing is kept for this listener. */
	if (!l)
		return;
	do {
		tw_track_counts(l, &before);
		*out = before;
		for_each_possible_cpu(cpu) {
			const struct tw_listen_account *a =
				per_cpu_ptr(&listen_account, cpu);
			struct tw_listen_counts grew;

			do {
				seq = read_seqcount_begin(&a->seq);
				memset(&grew, 0, sizeof(grew));
				if (READ_ONCE(a->sk) == sk && cookie &&
				    a->cookie == cookie &&
				    rcu_access_pointer(a->net) == sock_net(sk))
					tw_growth_add(sock_net(sk), cpu, a->base, now, &grew);
			} while (read_seqcount_retry(&a->seq, seq));
			tw_counts_add(out, &grew);
		}
		/* A settle in between moved growth into the entry: read again. */
		tw_track_counts(l, &after);
	} while (memcmp(&before, &after, sizeof(before)) &&
		 ++tries < TW_LISTENER_READ_TRIES);
}

/*
 * An IPI may land between the kernel's ListenOverflows increment and the
 * ListenDrops one a few lines on (tcp_v4_syn_recv_sock(), tcp_conn_request()):
 * settling then would count the drop apart, as a SYN drop. Wait for them
 * to pair; the next entry on this CPU settles anyway.
 */
static bool tw_account_whole(const struct tw_listen_account *a, unsigned int cpu)
{
	unsigned long now[TW_NR_MIBS];

	tw_mib_read(tw_account_net(a), cpu, now);
	return a->lone_overflows ||
	       now[TW_MIB_OVERFLOWS] - a->base[TW_MIB_OVERFLOWS] <=
	       now[TW_MIB_DROPS] - a->base[TW_MIB_DROPS];
}

static void tw_overflows_settle_local(void *unused)
{
	struct tw_listen_account *a = this_cpu_ptr(&listen_account);
	unsigned int cpu = smp_processor_id();

	if (!rcu_access_pointer(a->net) || !tw_account_whole(a, cpu))
		return;
	raw_write_seqcount_begin(&a->seq);
	tw_account_settle(a, cpu);
	raw_write_seqcount_end(&a->seq);
}

/* The drain worker is single-threaded: one mask is enough. */
static struct cpumask tw_settle_mask;

void tw_overflows_poll(void)
{
	unsigned long now[TW_NR_MIBS];
	unsigned int cpu;

	cpumask_clear(&tw_settle_mask);
	rcu_read_lock();
	for_each_online_cpu(cpu) {
		const struct tw_listen_account *a = per_cpu_ptr(&listen_account, cpu);
		const struct net *net = rcu_dereference(a->net);
		struct tw_listen_counts grew = {};

		if (!net)
			continue;
		/* A peek without the seqcount: a wrong guess costs an IPI or a poll. */
		tw_growth_add(net, cpu, a->base, now, &grew);
		if (grew.overflows | grew.syn_drops | grew.syncookies)
			cpumask_set_cpu(cpu, &tw_settle_mask);
	}
	rcu_read_unlock();
	if (!cpumask_empty(&tw_settle_mask))
		on_each_cpu_mask(&tw_settle_mask, tw_overflows_settle_local, NULL, true);
}

/* Settle and close @a, an account of @cpu, if it is of a dying netns. */
static void tw_account_forget_dying(struct tw_listen_account *a, unsigned int cpu)
{
	const struct net *net = tw_account_net(a);

	if (net && !tw_stats_of(net)) {
		raw_write_seqcount_begin(&a->seq);
		tw_account_settle(a, cpu);
		RCU_INIT_POINTER(a->net, NULL);
		a->sk = NULL;
		a->cookie = 0;
		raw_write_seqcount_end(&a->seq);
	}
}

static void tw_overflows_forget_local(void *unused)
{
	tw_account_forget_dying(this_cpu_ptr(&listen_account), smp_processor_id());
}

/* Whether @cpu's account is of a dying netns; no new one can be opened. */
static bool tw_account_dying(int cpu, void *unused)
{
	const struct net *net;
	bool dying;

	rcu_read_lock();
	net = rcu_dereference(per_cpu_ptr(&listen_account, cpu)->net);
	dying = net && !tw_stats_of(net);
	rcu_read_unlock();
	return dying;
}

/*
 * From the pernet exit_batch, after the stats of the dying namespaces were
 * hidden and a grace period passed, so no probe opens an account for them
 * any more. Accounts of online CPUs are written on their CPU, by IPI.
 * ipv4 frees the counters later (its pernet ops were registered first, so
 * they exit after ours), and only after readers that found a dying netns
 * in an account under rcu_read_lock() are done.
 */
void tw_overflows_forget_dying(void)
{
	unsigned int cpu;

	cpus_read_lock();
	on_each_cpu_cond(tw_account_dying, tw_overflows_forget_local, NULL, true);
	for_each_possible_cpu(cpu) {
		/* Nothing runs on an offline CPU to race with. */
		if (!cpu_online(cpu)) {
			local_irq_disable();
			tw_account_forget_dying(per_cpu_ptr(&listen_account, cpu), cpu);
			local_irq_enable();
		}
	}
	cpus_read_unlock();
	synchronize_rcu();
}
