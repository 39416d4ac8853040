// SPDX-License-Identifier: GPL-2.0
/*
 * The tracking table (kmod/track.c), included for its static pool and free
 * stack: insert, lookup, a duplicate refused, delete, an entry that a
 * reader holds under rcu_read_lock() while it is deleted (not reused before
 * a grace period), a pool too small for the sockets offered (every
 * failure counted, entries back after deletion and a grace period), growth
 * by chunks up to max_tracked (and past it for the load-time walk), and a
 * listener's extension.
 *
 * The keys are fake request sockets: a struct sock_common in init_net,
 * which is all tw_track_add() reads for a request (tw_local_port()).
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>

#include "track.c"

#define TW_TEST_POOL	4
#define TW_TEST_SOCKS	256

static struct sock_common *socks;

static int tw_track_test_init(struct kunit *test)
{
	unsigned int i;

	socks = kunit_kcalloc(test, TW_TEST_SOCKS, sizeof(*socks), GFP_KERNEL);
	if (!socks)
		return -ENOMEM;
	for (i = 0; i < TW_TEST_SOCKS; i++) {
		socks[i].skc_family = AF_INET;
		socks[i].skc_num = 5000 + i;
		socks[i].skc_dport = htons(6000 + i);
		socks[i].skc_rcv_saddr = htonl(0x7f000001);
		socks[i].skc_daddr = htonl(0x7f000002 + i);
		write_pnet(&socks[i].skc_net, &init_net);
	}
	/*
	 * tw_track_init() runs once per load in the module, on zeroed
	 * statics: an old free stack would chain into the new pool.
	 */
	free_head = 0;
	for_each_possible_cpu(i) {
		*per_cpu_ptr(&used, i) = 0;
		*per_cpu_ptr(&taken, i) = 0;
	}
	atomic_set(&listen_exts, 0);
	WRITE_ONCE(starved, false);
	WRITE_ONCE(past_max_allowed, false);
	return tw_track_init(TW_TEST_POOL);
}

/* Whatever a test left in the table goes, as at unload. */
static void tw_track_test_exit(struct kunit *test)
{
	unsigned int i;

	if (!chunks)
		return;
	for (i = 0; i < allocated; i++) {
		struct tw_track *t;

		rcu_read_lock();
		t = tw_track_at(i);
		if (t)
			tw_track_del(t);
		rcu_read_unlock();
	}
	tw_track_exit();
}

static struct tw_track *tw_test_add(unsigned int i)
{
	return tw_track_add(&socks[i], TCPWATCH_SK_REQUEST, TCP_NEW_SYN_RECV);
}

/* Entries on the free stack; *@found set if @t is one of them. */
static unsigned int tw_test_free_count(const struct tw_track *t, bool *found)
{
	u32 idx = (u32)READ_ONCE(free_head);
	unsigned int n = 0;

	if (found)
		*found = false;
	while (idx && n <= allocated) {
		if (found && tw_entry(idx - 1) == t)
			*found = true;
		idx = tw_entry(idx - 1)->next_free;
		n++;
	}
	return n;
}

/* Until every removed entry is back on the free stack. */
static void tw_test_grace(void)
{
	tw_track_reclaim();
	rcu_barrier();
}

static bool tw_test_limbo_empty(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (!llist_empty(per_cpu_ptr(&limbo, cpu)))
			return false;
	return true;
}

static void tw_track_test_add_lookup(struct kunit *test)
{
	u64 failed = tw_track_failed();
	struct tw_track_copy snap;
	struct tw_track *t;

	KUNIT_EXPECT_EQ(test, max_entries, TW_TEST_POOL);
	KUNIT_EXPECT_EQ(test, tw_track_slots(), TW_TEST_POOL);
	KUNIT_EXPECT_EQ(test, tw_track_used(), 0U);
	t = tw_test_add(3);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, tw_track_used(), 1U);
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed);
	KUNIT_EXPECT_EQ(test, tw_test_free_count(NULL, NULL), TW_TEST_POOL - 1U);

	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, tw_track_lookup(&socks[3]), t);
	KUNIT_EXPECT_NULL(test, tw_track_lookup(&socks[4]));
	rcu_read_unlock();

	KUNIT_EXPECT_PTR_EQ(test, t->key, (const void *)&socks[3]);
	KUNIT_EXPECT_EQ(test, t->gen & 1, 1U);
	KUNIT_EXPECT_EQ(test, t->kind, (u8)TCPWATCH_SK_REQUEST);
	KUNIT_EXPECT_EQ(test, t->state, (u8)TCP_NEW_SYN_RECV);
	KUNIT_EXPECT_EQ(test, t->family, (u8)AF_INET);
	KUNIT_EXPECT_EQ(test, t->netns, init_net.ns.inum);
	KUNIT_EXPECT_EQ(test, t->netns_cookie, init_net.net_cookie);
	KUNIT_EXPECT_FALSE(test, t->ended);

	KUNIT_EXPECT_EQ(test, t->ext, 0U);
	KUNIT_EXPECT_TRUE(test, tw_track_snapshot_live(t->index, &snap, NULL, NULL));
	KUNIT_EXPECT_PTR_EQ(test, snap.t.key, (const void *)&socks[3]);
	/* The tuple is the live socket's, read by the snapshot. */
	KUNIT_EXPECT_EQ(test, snap.sport, 5003);
	KUNIT_EXPECT_EQ(test, snap.dport, 6003);
	KUNIT_EXPECT_EQ(test, memcmp(snap.daddr, &socks[3].skc_daddr, 4), 0);
}

static void tw_track_test_duplicate(struct kunit *test)
{
	struct tw_track *t;
	u64 failed;

	t = tw_test_add(0);
	KUNIT_ASSERT_NOT_NULL(test, t);
	failed = tw_track_failed();

	/* Tracked already: refused, and not a failure to track. */
	KUNIT_EXPECT_NULL(test, tw_test_add(0));
	KUNIT_EXPECT_NULL(test, tw_track_add(&socks[0], TCPWATCH_SK_REQUEST, TCP_SYN_RECV));
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed);

	KUNIT_EXPECT_EQ(test, tw_track_used(), 1U);
	/* The entries the refused inserts took are back. */
	KUNIT_EXPECT_EQ(test, tw_test_free_count(NULL, NULL), TW_TEST_POOL - 1U);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, tw_track_lookup(&socks[0]), t);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, t->state, (u8)TCP_NEW_SYN_RECV);
}

/* Two sockets of one bucket: deleting one leaves the other found. */
static void tw_track_test_delete(struct kunit *test)
{
	unsigned int a = 0, b, used;
	struct tw_track_copy snap;
	struct tw_track *ta, *tb;
	u32 gen;

	for (b = 1; b < TW_TEST_SOCKS; b++)
		if (tw_bucket_of(&socks[b]) == tw_bucket_of(&socks[a]))
			break;
	KUNIT_ASSERT_LT_MSG(test, b, TW_TEST_SOCKS, "no two keys share a bucket");
	ta = tw_test_add(a);
	tb = tw_test_add(b);
	KUNIT_ASSERT_NOT_NULL(test, ta);
	KUNIT_ASSERT_NOT_NULL(test, tb);
	gen = ta->gen;

	rcu_read_lock();
	tw_track_del(ta);
	KUNIT_EXPECT_NULL(test, tw_track_lookup(&socks[a]));
	KUNIT_EXPECT_PTR_EQ(test, tw_track_lookup(&socks[b]), tb);
	KUNIT_EXPECT_EQ(test, ta->gen, gen + 1);
	KUNIT_EXPECT_EQ(test, ta->gen & 1, 0U);
	KUNIT_EXPECT_FALSE(test, tw_track_snapshot_live(ta->index, &snap, NULL, NULL));
	used = tw_track_used();
	/* A second delete of the same entry (a racing path) is a no-op. */
	tw_track_del(ta);
	KUNIT_EXPECT_EQ(test, tw_track_used(), used);
	KUNIT_EXPECT_EQ(test, ta->gen, gen + 1);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, used, 1U);

	tw_track_forget(&socks[b]);
	tw_track_forget(&socks[b]);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, tw_track_lookup(&socks[b]));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, tw_track_used(), 0U);
	tw_test_grace();
	KUNIT_EXPECT_EQ(test, tw_test_free_count(NULL, NULL), TW_TEST_POOL);
}

struct tw_reader {
	struct completion holding;
	struct completion done;
	atomic_t release;
	const void *key;
	struct tw_track *held;
	u32 gen_before;
	u32 gen_after;
	const void *key_after;
	bool timed_out;
};

/*
 * A lookup, like a probe's, that keeps its entry under rcu_read_lock()
 * until told to let go, then notes what the entry still says.
 */
static int tw_reader_fn(void *arg)
{
	struct tw_reader *r = arg;
	unsigned long end = jiffies + 10 * HZ;

	rcu_read_lock();
	r->held = tw_track_lookup(r->key);
	/* Pairs with the gen stores of tw_track_add() and tw_track_del(). */
	r->gen_before = r->held ? smp_load_acquire(&r->held->gen) : 0;
	complete(&r->holding);
	while (!atomic_read(&r->release)) {
		if (time_after(jiffies, end)) {
			r->timed_out = true;
			break;
		}
		cpu_relax();
	}
	if (r->held) {
		/* As above: the delete's even gen, before any later field. */
		r->gen_after = smp_load_acquire(&r->held->gen);
		r->key_after = READ_ONCE(r->held->key);
	}
	rcu_read_unlock();
	complete(&r->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/*
 * An entry deleted while a reader holds it is not reused (not on the free
 * stack, not handed out by an insert, its key unchanged) until the reader
 * is done and a grace period has passed; its gen is even at once, so a
 * snapshot that began before fails.
 */
static void tw_track_test_free_under_reader(struct kunit *test)
{
	struct tw_reader r = { .key = &socks[0] };
	struct task_struct *reader;
	struct tw_track *t[TW_TEST_POOL], *again;
	unsigned int i, cpu;
	bool on_free;
	u64 failed;

	for (i = 0; i < TW_TEST_POOL; i++) {
		t[i] = tw_test_add(i);
		KUNIT_ASSERT_NOT_NULL(test, t[i]);
	}
	init_completion(&r.holding);
	init_completion(&r.done);
	atomic_set(&r.release, 0);
	reader = kthread_create(tw_reader_fn, &r, "tw_track_reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(reader));
	/* Elsewhere if possible: a spinning reader must not hold up this one. */
	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	if (cpu < nr_cpu_ids)
		kthread_bind(reader, cpu);
	wake_up_process(reader);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&r.holding, 10 * HZ), 0UL);
	KUNIT_EXPECT_PTR_EQ(test, r.held, t[0]);

	failed = tw_track_failed();
	tw_track_del(t[0]);
	KUNIT_EXPECT_FALSE(test, tw_test_limbo_empty());
	/* Its call_rcu() is queued; the reader keeps the grace period open. */
	tw_track_reclaim();
	KUNIT_EXPECT_TRUE(test, tw_test_limbo_empty());
	msleep(100);
	KUNIT_EXPECT_EQ(test, t[0]->gen & 1, 0U);
	KUNIT_EXPECT_EQ(test, tw_test_free_count(t[0], &on_free), 0U);
	KUNIT_EXPECT_FALSE(test, on_free);
	KUNIT_EXPECT_NULL(test, tw_test_add(TW_TEST_POOL));
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed + 1);
	KUNIT_EXPECT_EQ(test, tw_track_used(), TW_TEST_POOL - 1U);

	atomic_set(&r.release, 1);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&r.done, 10 * HZ), 0UL);
	kthread_stop(reader);
	KUNIT_EXPECT_FALSE(test, r.timed_out);
	KUNIT_EXPECT_EQ(test, r.gen_before & 1, 1U);
	KUNIT_EXPECT_EQ(test, r.gen_after, r.gen_before + 1);
	KUNIT_EXPECT_PTR_EQ(test, r.key_after, (const void *)&socks[0]);

	tw_test_grace();
	KUNIT_EXPECT_EQ(test, tw_test_free_count(t[0], &on_free), 1U);
	KUNIT_EXPECT_TRUE(test, on_free);
	again = tw_test_add(TW_TEST_POOL);
	KUNIT_EXPECT_PTR_EQ(test, again, t[0]);
	if (again)
		KUNIT_EXPECT_EQ(test, again->gen, r.gen_before + 2);
	KUNIT_EXPECT_EQ(test, tw_track_used(), TW_TEST_POOL);
}

/*
 * More sockets than entries: each refused insert is counted, by either
 * add; a deleted entry is not back within a read-side critical section,
 * and all are back after deletion and a grace period.
 */
static void tw_track_test_pool_exhausted(struct kunit *test)
{
	u64 failed = tw_track_failed(), full = atomic64_read(&failed_full);
	struct tw_track *t[TW_TEST_POOL], *late;
	unsigned int i;

	for (i = 0; i < TW_TEST_POOL; i++) {
		t[i] = tw_test_add(i);
		KUNIT_ASSERT_NOT_NULL(test, t[i]);
	}
	KUNIT_EXPECT_EQ(test, tw_track_used(), TW_TEST_POOL);
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed);

	KUNIT_EXPECT_NULL(test, tw_test_add(TW_TEST_POOL));
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed + 1);
	KUNIT_EXPECT_NULL(test, tw_test_add(TW_TEST_POOL + 1));
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed + 2);
	KUNIT_EXPECT_NULL(test, tw_track_add(&socks[TW_TEST_POOL + 2],
					     TCPWATCH_SK_REQUEST, TCP_NEW_SYN_RECV));
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed + 3);
	/* At max_tracked: every failure is for that cause, and it does not grow. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&failed_full), full + 3);
	tw_track_keep_reserve();
	KUNIT_EXPECT_EQ(test, tw_track_slots(), TW_TEST_POOL);
	KUNIT_EXPECT_EQ(test, tw_track_used(), TW_TEST_POOL);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, tw_track_lookup(&socks[TW_TEST_POOL]));
	rcu_read_unlock();

	rcu_read_lock();
	tw_track_del(t[0]);
	late = tw_test_add(TW_TEST_POOL);
	rcu_read_unlock();
	KUNIT_EXPECT_NULL(test, late);
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed + 4);
	KUNIT_EXPECT_EQ(test, tw_track_used(), TW_TEST_POOL - 1U);

	tw_test_grace();
	late = tw_test_add(TW_TEST_POOL);
	KUNIT_EXPECT_PTR_EQ(test, late, t[0]);
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed + 4);

	for (i = 1; i < TW_TEST_POOL; i++)
		tw_track_forget(&socks[i]);
	tw_track_forget(&socks[TW_TEST_POOL]);
	KUNIT_EXPECT_EQ(test, tw_track_used(), 0U);
	tw_test_grace();
	KUNIT_EXPECT_EQ(test, tw_test_free_count(NULL, NULL), TW_TEST_POOL);
	for (i = 0; i < TW_TEST_POOL; i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, tw_test_add(8 + i), "socket %u", 8 + i);
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed + 4);
	KUNIT_EXPECT_EQ(test, tw_track_used(), TW_TEST_POOL);
}

/*
 * A removed entry waits in its CPU's limbo, whatever grace periods pass,
 * until tw_track_reclaim() starts the one that frees it.
 */
static void tw_track_test_limbo(struct kunit *test)
{
	struct tw_track *t = tw_test_add(1);
	bool on_free;

	KUNIT_ASSERT_NOT_NULL(test, t);
	tw_track_del(t);
	KUNIT_EXPECT_FALSE(test, tw_test_limbo_empty());
	synchronize_rcu();
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, tw_test_free_count(t, &on_free), TW_TEST_POOL - 1U);
	KUNIT_EXPECT_FALSE(test, on_free);
	tw_test_grace();
	KUNIT_EXPECT_TRUE(test, tw_test_limbo_empty());
	KUNIT_EXPECT_EQ(test, tw_test_free_count(t, &on_free), TW_TEST_POOL);
	KUNIT_EXPECT_TRUE(test, on_free);
}

/*
 * A listener gets a second entry for its peaks and counters: zeroed, never
 * seen by pool walkers, and back on the free stack with its listener.
 */
static void tw_track_test_listener_ext(struct kunit *test)
{
	struct tw_track_copy snap;
	struct tw_listen_ext *l;
	struct tw_track *t;
	unsigned int i, seen = 0;

	t = tw_track_add(&socks[2], TCPWATCH_SK_FULL, TCP_LISTEN);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_NE(test, t->ext, 0U);
	l = tw_track_listen(t);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_EXPECT_EQ(test, l->syn_queue_peak, 0U);
	KUNIT_EXPECT_EQ(test, atomic64_read(&l->overflows), 0LL);
	KUNIT_EXPECT_EQ(test, atomic_read(&listen_exts), 1);
	KUNIT_EXPECT_EQ(test, tw_track_used(), 1U);
	KUNIT_EXPECT_EQ(test, tw_test_free_count(NULL, NULL), TW_TEST_POOL - 2U);

	tw_track_raise_peak(&l->accept_queue_peak, 7);
	atomic64_add(3, &l->synack_retrans);
	for (i = 0; i < tw_track_slots(); i++) {
		if (!tw_track_snapshot_live(i, &snap, NULL, NULL))
			continue;
		seen++;
		KUNIT_EXPECT_PTR_EQ(test, snap.t.key, (const void *)&socks[2]);
		KUNIT_EXPECT_EQ(test, snap.listen.accept_queue_peak, 7U);
		KUNIT_EXPECT_EQ(test, atomic64_read(&snap.listen.synack_retrans), 3LL);
	}
	KUNIT_EXPECT_EQ(test, seen, 1U);

	/* A connection gets none. */
	t = tw_test_add(3);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_NULL(test, tw_track_listen(t));

	tw_track_forget(&socks[2]);
	tw_track_forget(&socks[3]);
	KUNIT_EXPECT_EQ(test, atomic_read(&listen_exts), 0);
	tw_test_grace();
	KUNIT_EXPECT_EQ(test, tw_test_free_count(NULL, NULL), TW_TEST_POOL);
}

#define TW_GROW_CHUNK	(1U << TW_CHUNK_SHIFT)
#define TW_GROW_MAX	(3 * TW_GROW_CHUNK)

/*
 * The pool starts with one chunk and grows a chunk at a time, from the
 * worker, up to max_tracked; a probe that finds it empty meanwhile is
 * counted as "growing", one past max_tracked as "full"; the load-time
 * walk may grow it past max_tracked.
 */
static void tw_track_test_grow(struct kunit *test)
{
	struct sock_common *many;
	unsigned int i, n = 0;
	u64 growing, full;

	tw_track_exit();
	KUNIT_ASSERT_EQ(test, tw_track_init(TW_GROW_MAX), 0);
	many = kvcalloc(TW_GROW_MAX + 2 * TW_GROW_CHUNK, sizeof(*many), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, many);
	for (i = 0; i < TW_GROW_MAX + 2 * TW_GROW_CHUNK; i++) {
		many[i].skc_family = AF_INET;
		write_pnet(&many[i].skc_net, &init_net);
	}
	KUNIT_EXPECT_EQ(test, tw_track_slots(), TW_GROW_CHUNK);

	growing = atomic64_read(&failed_growing);
	full = atomic64_read(&failed_full);
	for (; n < TW_GROW_CHUNK; n++)
		if (!tw_track_add(&many[n], TCPWATCH_SK_REQUEST, TCP_NEW_SYN_RECV))
			break;
	KUNIT_EXPECT_EQ(test, n, TW_GROW_CHUNK);
	KUNIT_EXPECT_NULL(test, tw_track_add(&many[n], TCPWATCH_SK_REQUEST, TCP_NEW_SYN_RECV));
	KUNIT_EXPECT_EQ(test, atomic64_read(&failed_growing), growing + 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&failed_full), full);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(starved));

	/* The worker's tick: grows, and a reserve is free again. */
	tw_track_keep_reserve();
	KUNIT_EXPECT_GT(test, tw_track_slots(), TW_GROW_CHUNK);
	KUNIT_EXPECT_LE(test, tw_track_slots(), TW_GROW_MAX);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(starved));
	for (; n < TW_GROW_MAX + TW_GROW_CHUNK; n++) {
		if (!tw_track_add(&many[n], TCPWATCH_SK_REQUEST, TCP_NEW_SYN_RECV))
			break;
		if (n % TW_GROW_CHUNK == 0)
			tw_track_keep_reserve();
	}
	/* Never past max_tracked from the worker. */
	KUNIT_EXPECT_EQ(test, n, TW_GROW_MAX);
	KUNIT_EXPECT_EQ(test, tw_track_slots(), TW_GROW_MAX);
	KUNIT_EXPECT_EQ(test, atomic64_read(&failed_full), full + 1);
	KUNIT_EXPECT_EQ(test, tw_track_used(), TW_GROW_MAX);

	/* The walk's growth goes past it. */
	KUNIT_EXPECT_TRUE(test, tw_track_grow(TW_GROW_CHUNK, true));
	KUNIT_EXPECT_EQ(test, tw_track_slots(), TW_GROW_MAX + TW_GROW_CHUNK);
	KUNIT_EXPECT_NOT_NULL(test, tw_track_add(&many[n], TCPWATCH_SK_REQUEST,
						 TCP_NEW_SYN_RECV));

	/* Every entry is found again, whichever chunk holds it. */
	rcu_read_lock();
	for (i = 0; i <= n; i++)
		if (!tw_track_lookup(&many[i]))
			break;
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, i, n + 1);
	/*
	 * After the walk, entries past max_tracked are not handed out again,
	 * those it left free or those freed later: the pool is back at its
	 * ceiling.
	 */
	tw_track_walk_done();
	full = atomic64_read(&failed_full);
	KUNIT_EXPECT_NULL(test, tw_track_add(&many[n + 1], TCPWATCH_SK_REQUEST,
					     TCP_NEW_SYN_RECV));
	KUNIT_EXPECT_EQ(test, atomic64_read(&failed_full), full + 1);
	for (i = 0; i <= n; i++)
		tw_track_forget(&many[i]);
	KUNIT_EXPECT_EQ(test, tw_track_used(), 0U);
	tw_test_grace();
	KUNIT_EXPECT_EQ(test, tw_test_free_count(NULL, NULL), TW_GROW_MAX);
	tw_track_keep_reserve();
	KUNIT_EXPECT_EQ(test, tw_track_slots(), TW_GROW_MAX + TW_GROW_CHUNK);
	kvfree(many);
}

static struct kunit_case tw_track_cases[] = {
	KUNIT_CASE(tw_track_test_listener_ext),
	KUNIT_CASE(tw_track_test_grow),
	KUNIT_CASE(tw_track_test_add_lookup),
	KUNIT_CASE(tw_track_test_duplicate),
	KUNIT_CASE(tw_track_test_delete),
	KUNIT_CASE(tw_track_test_free_under_reader),
	KUNIT_CASE(tw_track_test_limbo),
	KUNIT_CASE(tw_track_test_pool_exhausted),
	{}
};

static struct kunit_suite tw_track_suite = {
	.name = "tcpwatch_track",
	.init = tw_track_test_init,
	.exit = tw_track_test_exit,
	.test_cases = tw_track_cases,
};

kunit_test_suite(tw_track_suite);
