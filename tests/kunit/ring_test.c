// SPDX-License-Identifier: GPL-2.0
/*
 * The per-CPU rings (kmod/ring.c) and their reader, the drain worker's
 * tw_drain_cpu() (kmod/drain.c): wrap-around, the PENDING and GONE answers
 * of tw_ring_read(), and that the loss the reader reports is exact: every
 * seq is either delivered once or counted in one TCPWATCH_EV_LOST marker
 * that names it. Both files are included for drain.c's static reader;
 * netlink, hooks and overflows are stubs that hand records to the test.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>

#include "ring.c"
#include "drain.c"

#define TW_TEST_RING	8		/* slots per CPU */
#define TW_TEST_MAGIC	0x7477746573747477ULL

struct tw_uint_param tw_drain_ms = { 20, 1, 1000, false };

/* What tw_drain_cpu() sent: checked record by record as it arrives. */
struct tw_sink {
	u64 next;		/* the seq the next record or marker must name */
	u64 delivered;
	u64 lost;		/* sum of the markers' counts */
	u64 markers;
	u64 misordered;		/* a seq skipped or repeated without a marker */
	u64 torn;		/* a record whose fields are not all its seq's */
	u64 first_lost;		/* seq named by the first marker */
};

static struct tw_sink sink;

bool tw_nl_has_listeners(void)
{
	return true;
}

void tw_overflows_poll(void)
{
}

u64 tw_hooks_missed(void)
{
	return 0;
}

/* The writer's record for @seq: every field derived from it. */
static void tw_test_fill(struct tw_record *rec, u64 seq)
{
	rec->ts_ns = seq ^ TW_TEST_MAGIC;
	rec->cookie = seq;
	rec->dwell_ns = ~seq;
	rec->netns_cookie = seq * 3;
	rec->netns = (u32)seq;
	rec->type = TCPWATCH_EV_STATE;
	memset(rec->saddr, (u8)seq, sizeof(rec->saddr));
	memset(rec->comm, 'a' + seq % 26, sizeof(rec->comm));
}

static bool tw_test_intact(const struct tw_record *rec, u64 seq)
{
	unsigned int i;

	if (rec->ts_ns != (seq ^ TW_TEST_MAGIC) || rec->cookie != seq ||
	    rec->dwell_ns != ~seq || rec->netns_cookie != seq * 3 ||
	    rec->netns != (u32)seq || rec->type != TCPWATCH_EV_STATE)
		return false;
	for (i = 0; i < sizeof(rec->saddr); i++)
		if (rec->saddr[i] != (u8)seq)
			return false;
	for (i = 0; i < sizeof(rec->comm); i++)
		if (rec->comm[i] != 'a' + seq % 26)
			return false;
	return true;
}

void tw_nl_send_events(const struct tw_record *recs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct tw_record *rec = &recs[i];
		u64 seq = rec->commit - 1;

		if (seq != sink.next)
			sink.misordered++;
		if (rec->type == TCPWATCH_EV_LOST) {
			if (!sink.markers++)
				sink.first_lost = seq;
			sink.lost += rec->lost;
			sink.next = seq + rec->lost;
			continue;
		}
		if (!tw_test_intact(rec, seq))
			sink.torn++;
		sink.delivered++;
		sink.next = seq + 1;
	}
}

/* Write @n records on this CPU; returns the CPU. */
static unsigned int tw_test_write(unsigned int n)
{
	unsigned int cpu = smp_processor_id();
	struct tw_record *rec;
	u64 seq;

	while (n--) {
		preempt_disable();
		rec = tw_ring_reserve(&seq);
		tw_test_fill(rec, seq);
		tw_ring_commit(rec, seq);
		preempt_enable();
	}
	return cpu;
}

/* One pass of the drain worker over @cpu's ring. */
static void tw_test_drain(unsigned int cpu)
{
	tw_drain_cpu(cpu, true);
	tw_drain_flush();
}

static int tw_ring_test_init(struct kunit *test)
{
	memset(&sink, 0, sizeof(sink));
	batched = 0;
	batch = vmalloc(array_size(TW_DRAIN_BATCH, sizeof(*batch)));
	if (!batch)
		return -ENOMEM;
	if (tw_ring_init(TW_TEST_RING)) {
		vfree(batch);
		batch = NULL;
		return -ENOMEM;
	}
	/*
	 * The test's writes all go to one CPU's ring: its thread stays on
	 * this CPU (only the thread: it ends with the test, even aborted).
	 */
	return set_cpus_allowed_ptr(current, cpumask_of(raw_smp_processor_id()));
}

static void tw_ring_test_exit(struct kunit *test)
{
	tw_ring_exit();
	vfree(batch);
	batch = NULL;
}

/* An empty ring: nothing written is PENDING (commit 0), one write is OK. */
static void tw_ring_test_fresh(struct kunit *test)
{
	unsigned int cpu = smp_processor_id();
	struct tw_record rec;

	KUNIT_EXPECT_EQ(test, tw_ring_head(cpu), 0ULL);
	KUNIT_EXPECT_EQ(test, tw_ring_read(cpu, 0, &rec), TW_RING_PENDING);
	tw_test_write(1);
	KUNIT_EXPECT_EQ(test, tw_ring_head(cpu), 1ULL);
	KUNIT_ASSERT_EQ(test, tw_ring_read(cpu, 0, &rec), TW_RING_OK);
	KUNIT_EXPECT_EQ(test, rec.commit, 1ULL);
	KUNIT_EXPECT_TRUE(test, tw_test_intact(&rec, 0));
	KUNIT_EXPECT_EQ(test, tw_ring_read(cpu, 1, &rec), TW_RING_PENDING);
}

/*
 * After the writer laps the ring, exactly the last TW_TEST_RING positions
 * read back, each from slot pos & mask; every older one is GONE.
 */
static void tw_ring_test_wrap(struct kunit *test)
{
	unsigned int cpu = smp_processor_id();
	const u64 total = 3 * TW_TEST_RING + 3;
	struct tw_record rec;
	u64 pos;

	tw_test_write(TW_TEST_RING);
	for (pos = 0; pos < TW_TEST_RING; pos++)
		KUNIT_EXPECT_EQ(test, tw_ring_read(cpu, pos, &rec), TW_RING_OK);
	tw_test_write(1);
	KUNIT_EXPECT_EQ(test, tw_ring_read(cpu, 0, &rec), TW_RING_GONE);
	KUNIT_EXPECT_EQ(test, tw_ring_read(cpu, 1, &rec), TW_RING_OK);
	KUNIT_EXPECT_EQ(test, tw_ring_read(cpu, TW_TEST_RING, &rec), TW_RING_OK);
	/* Position TW_TEST_RING went to slot 0. */
	KUNIT_EXPECT_EQ(test, TW_TEST_RING & tw_ring_mask, 0U);
	KUNIT_EXPECT_EQ(test, per_cpu_ptr(tw_rings, cpu)->slots[0].commit, TW_TEST_RING + 1ULL);

	tw_test_write(total - TW_TEST_RING - 1);
	KUNIT_ASSERT_EQ(test, tw_ring_head(cpu), total);
	for (pos = 0; pos < total; pos++) {
		enum tw_ring_read res = tw_ring_read(cpu, pos, &rec);

		if (pos < total - TW_TEST_RING) {
			KUNIT_EXPECT_EQ_MSG(test, res, TW_RING_GONE, "pos %llu", pos);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, res, TW_RING_OK, "pos %llu", pos);
		KUNIT_EXPECT_TRUE_MSG(test, tw_test_intact(&rec, pos), "pos %llu", pos);
	}
}

/*
 * A writer interrupted between reserve and commit by a nested one (a
 * softirq): the outer slot is PENDING while the inner is already OK, and
 * the reader stops there rather than skip it, then delivers both in order.
 */
static void tw_ring_test_pending(struct kunit *test)
{
	unsigned int cpu = smp_processor_id();
	struct tw_record *outer, *inner, rec;
	u64 outer_seq, inner_seq;

	tw_test_write(2);
	tw_test_drain(cpu);
	KUNIT_EXPECT_EQ(test, sink.delivered, 2ULL);

	preempt_disable();
	outer = tw_ring_reserve(&outer_seq);
	inner = tw_ring_reserve(&inner_seq);
	tw_test_fill(inner, inner_seq);
	tw_ring_commit(inner, inner_seq);
	preempt_enable();

	KUNIT_EXPECT_EQ(test, outer_seq, 2ULL);
	KUNIT_EXPECT_EQ(test, inner_seq, 3ULL);
	KUNIT_EXPECT_EQ(test, tw_ring_read(cpu, outer_seq, &rec), TW_RING_PENDING);
	KUNIT_EXPECT_EQ(test, tw_ring_read(cpu, inner_seq, &rec), TW_RING_OK);
	tw_test_drain(cpu);
	KUNIT_EXPECT_EQ(test, sink.delivered, 2ULL);
	KUNIT_EXPECT_EQ(test, per_cpu_ptr(tw_rings, cpu)->cursor, outer_seq);

	tw_test_fill(outer, outer_seq);
	tw_ring_commit(outer, outer_seq);
	KUNIT_EXPECT_EQ(test, tw_ring_read(cpu, outer_seq, &rec), TW_RING_OK);
	tw_test_drain(cpu);
	KUNIT_EXPECT_EQ(test, sink.delivered, 4ULL);
	KUNIT_EXPECT_EQ(test, sink.lost, 0ULL);
	KUNIT_EXPECT_EQ(test, sink.misordered, 0ULL);
	KUNIT_EXPECT_EQ(test, sink.torn, 0ULL);
}

/*
 * Rounds of writes between drains, some lapping the reader: each round's
 * loss is exactly what was overwritten (written - ring size, or nothing),
 * its marker names the first overwritten seq, and every seq is accounted
 * for once, delivered or lost.
 */
static void tw_ring_test_loss_exact(struct kunit *test)
{
	static const unsigned int rounds[] = {
		5, TW_TEST_RING, TW_TEST_RING + 1, 2 * TW_TEST_RING,
		3 * TW_TEST_RING + 5, 1, 100,
	};
	unsigned int cpu = smp_processor_id(), i;
	u64 written = 0, lost = 0, delivered = 0, all, all_lost;

	for (i = 0; i < ARRAY_SIZE(rounds); i++) {
		unsigned int n = rounds[i];
		u64 want_lost = n > TW_TEST_RING ? n - TW_TEST_RING : 0;

		sink.lost = 0;
		sink.delivered = 0;
		sink.markers = 0;
		tw_test_write(n);
		tw_test_drain(cpu);
		KUNIT_EXPECT_EQ_MSG(test, sink.lost, want_lost, "round %u: %u written", i, n);
		KUNIT_EXPECT_EQ_MSG(test, sink.delivered, n - want_lost, "round %u", i);
		KUNIT_EXPECT_EQ_MSG(test, sink.markers, want_lost ? 1ULL : 0ULL, "round %u", i);
		if (want_lost && sink.markers == 1)
			KUNIT_EXPECT_EQ_MSG(test, sink.first_lost, written, "round %u", i);
		written += n;
		lost += sink.lost;
		delivered += sink.delivered;
		KUNIT_EXPECT_EQ(test, per_cpu_ptr(tw_rings, cpu)->cursor, written);
	}
	KUNIT_EXPECT_EQ(test, sink.misordered, 0ULL);
	KUNIT_EXPECT_EQ(test, sink.torn, 0ULL);
	KUNIT_EXPECT_EQ(test, delivered + lost, written);
	KUNIT_EXPECT_EQ(test, tw_drain_lost(cpu), lost);
	tw_drain_totals(&all, &all_lost);
	KUNIT_EXPECT_EQ(test, all, written);
	KUNIT_EXPECT_EQ(test, all_lost, lost);
}

#define TW_RACE_RECORDS	20000
#define TW_RACE_WINDOW_US	20	/* every 64th record: a long reserve..commit */

struct tw_race {
	struct completion done;
	unsigned int n;
};

/* Writes records on its own CPU, now and then slowly between reserve and commit. */
static int tw_race_writer(void *arg)
{
	struct tw_race *race = arg;
	struct tw_record *rec;
	unsigned int i;
	u64 seq;

	for (i = 0; i < race->n; i++) {
		preempt_disable();
		rec = tw_ring_reserve(&seq);
		tw_test_fill(rec, seq);
		if (!(i % 64))
			udelay(TW_RACE_WINDOW_US);
		tw_ring_commit(rec, seq);
		preempt_enable();
		if (!(i % 256))
			cond_resched();
	}
	complete(&race->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

struct tw_race_counts {
	unsigned int ok, pending, gone, torn;
};

/* A copy that reads OK is whole and is the record of @pos. */
static void tw_race_read(unsigned int cpu, u64 pos, struct tw_race_counts *c)
{
	struct tw_record rec;

	switch (tw_ring_read(cpu, pos, &rec)) {
	case TW_RING_OK:
		c->ok++;
		if (rec.commit != pos + 1 || !tw_test_intact(&rec, pos))
			c->torn++;
		break;
	case TW_RING_PENDING:
		c->pending++;
		break;
	case TW_RING_GONE:
		c->gone++;
		break;
	}
}

/*
 * A writer on another CPU while this one reads its ring, both through
 * tw_ring_read() directly (each copy that reads OK is whole and is the
 * record of that seq) and through the drain worker (every seq delivered
 * or counted lost, exactly once, in order).
 */
static void tw_ring_test_race(struct kunit *test)
{
	unsigned int me = smp_processor_id(), cpu, spins = 0;
	struct tw_race race = { .n = TW_RACE_RECORDS };
	struct tw_race_counts counts = {};
	struct task_struct *writer;
	bool done = false;

	cpu = cpumask_any_but(cpu_online_mask, me);
	if (cpu >= nr_cpu_ids)
		kunit_skip(test, "needs two online CPUs");
	init_completion(&race.done);
	writer = kthread_create(tw_race_writer, &race, "tw_race_writer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(writer));
	kthread_bind(writer, cpu);
	wake_up_process(writer);

	while (!done) {
		u64 head = tw_ring_head(cpu);

		done = completion_done(&race.done);
		/* The newest record (maybe still being written) and the oldest. */
		if (head)
			tw_race_read(cpu, head - 1, &counts);
		if (head >= TW_TEST_RING)
			tw_race_read(cpu, head - TW_TEST_RING, &counts);
		tw_test_drain(cpu);
		if (!(++spins % 16))
			cond_resched();
	}
	/* Every record is committed now: the drain gets to the head. */
	tw_test_drain(cpu);
	kthread_stop(writer);

	kunit_info(test, "reads: %u ok, %u pending, %u gone; drain: %llu delivered, %llu lost in %llu markers",
		   counts.ok, counts.pending, counts.gone, sink.delivered, sink.lost,
		   sink.markers);
	KUNIT_EXPECT_EQ(test, counts.torn, 0U);
	KUNIT_EXPECT_GT(test, counts.ok, 0U);
	KUNIT_EXPECT_EQ(test, tw_ring_head(cpu), (u64)TW_RACE_RECORDS);
	KUNIT_EXPECT_EQ(test, per_cpu_ptr(tw_rings, cpu)->cursor, (u64)TW_RACE_RECORDS);
	KUNIT_EXPECT_EQ(test, sink.torn, 0ULL);
	KUNIT_EXPECT_EQ(test, sink.misordered, 0ULL);
	KUNIT_EXPECT_GT(test, sink.delivered, 0ULL);
	KUNIT_EXPECT_EQ(test, sink.delivered + sink.lost, (u64)TW_RACE_RECORDS);
	KUNIT_EXPECT_EQ(test, tw_drain_lost(cpu), sink.lost);
}

static struct kunit_case tw_ring_cases[] = {
	KUNIT_CASE(tw_ring_test_fresh),
	KUNIT_CASE(tw_ring_test_wrap),
	KUNIT_CASE(tw_ring_test_pending),
	KUNIT_CASE(tw_ring_test_loss_exact),
	KUNIT_CASE(tw_ring_test_race),
	{}
};

static struct kunit_suite tw_ring_suite = {
	.name = "tcpwatch_ring",
	.init = tw_ring_test_init,
	.exit = tw_ring_test_exit,
	.test_cases = tw_ring_cases,
};

kunit_test_suite(tw_ring_suite);
