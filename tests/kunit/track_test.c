// SPDX-License-Identifier: GPL-2.0
/*
 * The tracking table (kmod/track.c), included for its static pool and free
 * stack: insert, lookup, a duplicate refused, delete, an entry that a
 * reader holds under rcu_read_lock() while it is deleted (not reused before
 * a grace period), and a pool too small for the sockets offered (every
 * failure counted, entries back after deletion and a grace period).
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
#define TW_TEST_SOCKS	16

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
	for_each_possible_cpu(i)
		*per_cpu_ptr(&used, i) = 0;
	return tw_track_init(TW_TEST_POOL);
}

/* Whatever a test left in the table goes, as at unload. */
static void tw_track_test_exit(struct kunit *test)
{
	unsigned int i;

	if (!pool)
		return;
	for (i = 0; i < pool_size; i++) {
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
	while (idx && n <= pool_size) {
		if (found && &pool[idx - 1] == t)
			*found = true;
		idx = pool[idx - 1].next_free;
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
	struct tw_track *t, snap;

	KUNIT_EXPECT_EQ(test, tw_track_max(), TW_TEST_POOL);
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

	KUNIT_EXPECT_TRUE(test, tw_track_snapshot_live(t - pool, &snap, NULL, NULL));
	KUNIT_EXPECT_PTR_EQ(test, snap.key, (const void *)&socks[3]);
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

	KUNIT_EXPECT_NULL(test, tw_test_add(0));
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed + 1);
	/* tw_track_add_new(): already tracked is expected, not a failure. */
	KUNIT_EXPECT_NULL(test, tw_track_add_new(&socks[0], TCPWATCH_SK_REQUEST, TCP_SYN_RECV));
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed + 1);

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
	struct tw_track *ta, *tb, snap;
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
	KUNIT_EXPECT_FALSE(test, tw_track_snapshot_live(ta - pool, &snap, NULL, NULL));
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
	struct tw_track *t[TW_TEST_POOL], *late;
	u64 failed = tw_track_failed();
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
	KUNIT_EXPECT_NULL(test, tw_track_add_new(&socks[TW_TEST_POOL + 2],
						 TCPWATCH_SK_REQUEST, TCP_NEW_SYN_RECV));
	KUNIT_EXPECT_EQ(test, tw_track_failed(), failed + 3);
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

static struct kunit_case tw_track_cases[] = {
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
