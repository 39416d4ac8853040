// SPDX-License-Identifier: GPL-2.0
/*
 * Per-socket tracking: a hash table of RCU lists, sized at load, over a
 * preallocated pool of entries. Probes may not call the allocator (on
 * PREEMPT_RT it can sleep), so entries come from a lock-free stack and go back
 * to it one RCU grace period after removal, when no lookup can still hold
 * them.
 *
 * Why not rhashtable: its bucket lock is taken with local_bh_disable(), and
 * kprobe handlers that fire through int3 run with interrupts disabled, where
 * local_bh_enable() warns and may run softirqs (seen in the VM as a WARNING in
 * __local_bh_enable_ip() followed by a crash).
 *
 * The int3 handlers are NMI context as far as lockdep and RCU know
 * (exc_int3() enters with irqentry_nmi_enter()), which shapes both the bucket
 * lock and the free path:
 *  - lockdep cannot check a lock taken both in and out of NMI context (on
 *    the debug kernel it reported "inconsistent {INITIAL USE} -> {IN-NMI}
 *    usage" on the raw spinlock this table had). The lock is an
 *    arch_spinlock_t, as in kernel/trace/: it is held with interrupts off
 *    around a few list operations that call nothing a probe is on, so it can
 *    never be re-entered on its own CPU.
 *  - call_rcu() is not NMI-safe. A removed entry goes on its CPU's
 *    lock-free limbo list; the drain worker hands each CPU's list to
 *    call_rcu() as one batch (tw_track_reclaim()), and the entries are back
 *    on the free stack one grace period later. An irq_work per removal did
 *    the same from a self-IPI, which cost more than the rest of the
 *    removal (make bench; Documentation/design.md).
 */
#include <linux/hash.h>
#include <linux/llist.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <linux/tcpwatch.h>

#include "bench.h"
#include "track.h"

static struct tw_track *pool;
static unsigned int pool_size;
/* Free stack: low 32 bits index + 1 (0 = empty), high 32 bits ABA tag. */
static u64 free_head;
/*
 * Entries in use, per CPU: an insert and its removal may be on different
 * CPUs, so one CPU's count may be negative; only the sum means anything.
 * Per CPU because a shared counter would bounce between every CPU that
 * opens or closes a connection.
 */
static DEFINE_PER_CPU(int, used);
static atomic64_t failed = ATOMIC64_INIT(0);

struct tw_bucket {
	struct hlist_head head;
	/* Writers of @head, and the gen change that goes with each; readers use RCU. */
	arch_spinlock_t lock;
};

static struct tw_bucket *buckets;
static unsigned int bucket_bits;

/* Removed entries, waiting for tw_track_reclaim() to start their grace period. */
static DEFINE_PER_CPU(struct llist_head, limbo);

static struct tw_bucket *tw_bucket_of(const void *key)
{
	return &buckets[hash_ptr(key, bucket_bits)];
}

/*
 * Lockdep cannot see this lock (see above); sparse's context checking at
 * least proves that every path that takes it lets it go.
 */
static unsigned long tw_bucket_lock(struct tw_bucket *b)
	__acquires(&b->lock)
{
	unsigned long flags;

	local_irq_save(flags);
	arch_spin_lock(&b->lock);
	__acquire(&b->lock);
	return flags;
}

static void tw_bucket_unlock(struct tw_bucket *b, unsigned long flags)
	__releases(&b->lock)
{
	__release(&b->lock);
	arch_spin_unlock(&b->lock);
	local_irq_restore(flags);
}

static void free_push(struct tw_track *t)
{
	u64 old = READ_ONCE(free_head), new;

	do {
		/* A racing free_pop() may read it, and then fail its cmpxchg. */
		WRITE_ONCE(t->next_free, (u32)old);
		new = ((old >> 32) + 1) << 32 | (u32)(t - pool + 1);
	} while (!try_cmpxchg64(&free_head, &old, new));
}

static struct tw_track *free_pop(void)
{
	u64 old = READ_ONCE(free_head), new;
	struct tw_track *t;

	do {
		if (!(u32)old)
			return NULL;
		t = &pool[(u32)old - 1];
		new = ((old >> 32) + 1) << 32 | READ_ONCE(t->next_free);
	} while (!try_cmpxchg64(&free_head, &old, new));
	return t;
}

/* A batch from one CPU's limbo: its first entry's rcu_head stands for all. */
static void tw_track_free_batch(struct rcu_head *head)
{
	struct llist_node *batch = &container_of(head, struct tw_track, rcu)->retire;
	struct tw_track *t, *next;

	llist_for_each_entry_safe(t, next, batch, retire)
		free_push(t);
}

void tw_track_reclaim(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct llist_node *batch = llist_del_all(per_cpu_ptr(&limbo, cpu));

		if (batch)
			call_rcu(&llist_entry(batch, struct tw_track, retire)->rcu,
				 tw_track_free_batch);
	}
}

int tw_track_init(unsigned int max)
{
	unsigned int i;

	pool = vzalloc(array_size(max, sizeof(*pool)));
	if (!pool)
		return -ENOMEM;
	pool_size = max;
	for (i = max; i-- > 0;)
		free_push(&pool[i]);

	/* At most one entry per bucket on average, and it never resizes. */
	bucket_bits = ilog2(roundup_pow_of_two(max));
	buckets = vmalloc(array_size(1U << bucket_bits, sizeof(*buckets)));
	if (!buckets) {
		vfree(pool);
		pool = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < 1U << bucket_bits; i++) {
		INIT_HLIST_HEAD(&buckets[i].head);
		buckets[i].lock = (arch_spinlock_t)__ARCH_SPIN_LOCK_UNLOCKED;
	}
	return 0;
}

void tw_track_exit(void)
{
	/* Callers have unhooked every probe: nothing is removed any more. */
	tw_track_reclaim();
	rcu_barrier();		/* tw_track_free_batch() */
	vfree(buckets);
	buckets = NULL;
	vfree(pool);
	pool = NULL;
}

/* Under rcu_read_lock(), or in a probe (preemption disabled). */
struct tw_track *tw_track_lookup(const void *key)
{
	struct tw_track *t;

	hlist_for_each_entry_rcu(t, &tw_bucket_of(key)->head, node)
		if (t->key == key)
			return t;
	return NULL;
}

static struct tw_track *tw_track_insert(const struct sock_common *skc, u8 kind, u8 state,
					bool count_exists)
{
	struct tw_track *t = free_pop();
	const void *key = skc;
	struct tw_bucket *b;
	unsigned long flags;

	if (unlikely(!t)) {
		atomic64_inc(&failed);
		return NULL;
	}
	t->key = key;
	t->kind = kind;
	t->state = state;
	t->netns = read_pnet(&skc->skc_net)->ns.inum;
	t->netns_cookie = read_pnet(&skc->skc_net)->net_cookie;
	t->family = skc->skc_family;
	t->cookie = 0;
	t->pid = 0;
	t->comm[0] = '\0';
	t->since_ns = 0;
	t->ended = false;
	t->syn_queue_peak = 0;
	t->accept_queue_peak = 0;
	atomic64_set(&t->overflows, 0);
	atomic64_set(&t->syn_drops, 0);
	atomic64_set(&t->syncookies, 0);
	atomic64_set(&t->synack_retrans, 0);
	b = tw_bucket_of(key);
	flags = tw_bucket_lock(b);
	if (unlikely(tw_track_lookup(key))) {
		tw_bucket_unlock(b, flags);
		if (count_exists)
			atomic64_inc(&failed);
		free_push(t);
		return NULL;
	}
	/*
	 * Odd: in use, and every field above is visible to readers. Under the
	 * lock, like the even store in tw_track_del(): a delete that found
	 * the entry right after it was linked must not be undone by this one.
	 */
	smp_store_release(&t->gen, t->gen + 1);
	hlist_add_head_rcu(&t->node, &b->head);
	tw_bucket_unlock(b, flags);
	this_cpu_inc(used);
	return t;
}

struct tw_track *tw_track_add(const struct sock_common *skc, u8 kind, u8 state)
{
	return tw_track_insert(skc, kind, state, true);
}

struct tw_track *tw_track_add_new(const struct sock_common *skc, u8 kind, u8 state)
{
	return tw_track_insert(skc, kind, state, false);
}

void tw_track_del(struct tw_track *t)
{
	struct tw_bucket *b = tw_bucket_of(t->key);
	unsigned long flags;

	tw_stage_begin(TW_STAGE_DELETE);
	flags = tw_bucket_lock(b);
	if (hlist_unhashed(&t->node)) {
		tw_bucket_unlock(b, flags);
		tw_stage_end(TW_STAGE_DELETE);
		return;		/* someone else removed it */
	}
	hlist_del_init_rcu(&t->node);
	/* Even: free; a reader's snapshot that began before fails. */
	smp_store_release(&t->gen, t->gen + 1);
	tw_bucket_unlock(b, flags);
	this_cpu_dec(used);
	/* Any CPU's list will do: a sweep may have been migrated. */
	llist_add(&t->retire, raw_cpu_ptr(&limbo));
	tw_stage_end(TW_STAGE_DELETE);
}

bool tw_track_claim_end(struct tw_track *t)
{
	return !xchg(&t->ended, true);
}

void tw_track_forget(const void *key)
{
	struct tw_track *t;

	rcu_read_lock();
	t = tw_track_lookup(key);
	if (t)
		tw_track_del(t);
	rcu_read_unlock();
}

void tw_track_set_owner(struct tw_track *t, struct task_struct *task)
{
	/*
	 * get_task_comm() takes task_lock(), a sleeping lock on PREEMPT_RT;
	 * the sched tracepoints copy ->comm unlocked the same way.
	 */
	t->pid = task_tgid_nr(task);
	memcpy(t->comm, task->comm, TASK_COMM_LEN);
	t->comm[TASK_COMM_LEN - 1] = '\0';
}

u16 tw_local_port(u8 kind, const struct sock_common *skc)
{
	if (kind == TCPWATCH_SK_FULL)
		return ntohs(inet_sk((const struct sock *)skc)->inet_sport);
	return skc->skc_num;
}

/* Fill @t's ports and addresses from its kernel object. */
static void tw_track_set_tuple(struct tw_track *t, const struct sock_common *skc)
{
	t->sport = tw_local_port(t->kind, skc);
	t->dport = ntohs(skc->skc_dport);
#if IS_ENABLED(CONFIG_IPV6)
	if (skc->skc_family == AF_INET6) {
		memcpy(t->saddr, &skc->skc_v6_rcv_saddr, 16);
		memcpy(t->daddr, &skc->skc_v6_daddr, 16);
		return;
	}
#endif
	memcpy(t->saddr, &skc->skc_rcv_saddr, 4);
	memcpy(t->daddr, &skc->skc_daddr, 4);
}

void tw_track_raise_peak(u32 *peak, u32 depth)
{
	u32 old = READ_ONCE(*peak);

	while (depth > old && !try_cmpxchg(peak, &old, depth))
		;
}

unsigned int tw_track_max(void)
{
	return pool_size;
}

unsigned int tw_track_used(void)
{
	unsigned int cpu;
	int sum = 0;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(&used, cpu));
	return max(sum, 0);
}

u64 tw_track_failed(void)
{
	return atomic64_read(&failed);
}

/* The live entry at @idx if in use, under rcu_read_lock(); else NULL. */
static struct tw_track *tw_track_at(unsigned int idx)
{
	struct tw_track *t = &pool[idx];

	/* Pairs with tw_track_add(): an odd gen means the fields are set. */
	return smp_load_acquire(&t->gen) & 1 ? t : NULL;
}

void tw_track_sweep_tombstones(void)
{
	unsigned int i;

	for (i = 0; i < pool_size; i++) {
		struct tw_track *t;

		/* Held across the test and the removal: @t cannot be reused. */
		rcu_read_lock();
		t = tw_track_at(i);
		if (t && READ_ONCE(t->ended))
			tw_track_del(t);
		rcu_read_unlock();
		if (!(i & 1023))
			cond_resched();
	}
}

/* How often a reader tries to copy an entry that a probe keeps updating. */
#define TW_SNAPSHOT_TRIES	8

/*
 * Consistent copy of pool entry @idx: one life (gen) and one moment of it
 * (seq); false if it is not in use, or changed under every try.
 */
static bool tw_track_snapshot(unsigned int idx, struct tw_track *out)
{
	const struct tw_track *t = &pool[idx];
	/* Pairs with tw_track_add() and tw_track_del(). */
	u32 gen = smp_load_acquire(&t->gen);
	unsigned int tries;
	u32 seq;

	if (!(gen & 1))
		return false;
	for (tries = 0; tries < TW_SNAPSHOT_TRIES; tries++) {
		/* Pairs with tw_track_write_begin() and _end(). */
		seq = smp_load_acquire(&t->seq);
		if (seq & 1) {
			cpu_relax();
			continue;
		}
		/* May race with a probe: seq and gen, re-read, tell. */
		data_race(memcpy(out, t, sizeof(*out)));
		/* The copy is complete before seq and gen are re-read. */
		smp_rmb();
		if (READ_ONCE(t->seq) == seq)
			return READ_ONCE(t->gen) == gen && !out->ended;
	}
	return false;
}

bool tw_track_snapshot_live(unsigned int idx, struct tw_track *out,
			    void (*read)(const struct tw_track *t, void *arg), void *arg)
{
	const struct tw_track *live;

	rcu_read_lock();
	live = tw_track_at(idx);
	if (!live || !tw_track_snapshot(idx, out)) {
		rcu_read_unlock();
		return false;
	}
	/*
	 * TCP's full, request and timewait sockets all come from
	 * SLAB_TYPESAFE_BY_RCU caches: the memory is a socket of the same kind
	 * under rcu_read_lock(), and the generation says it is still ours.
	 */
	tw_track_set_tuple(out, out->key);
	if (read)
		read(live, arg);
	/* The socket was read before gen is re-read. */
	smp_rmb();
	if (READ_ONCE(live->gen) != out->gen) {
		rcu_read_unlock();
		return false;
	}
	rcu_read_unlock();
	return true;
}
