// SPDX-License-Identifier: GPL-2.0
/*
 * Per-socket tracking: a hash table of RCU chains over a pool of entries
 * that grows with the sockets present, up to max_tracked. A bucket and an
 * entry's link hold pool indexes, not pointers: 4 bytes each instead of 8
 * (the head) and 16 (an hlist_node), a fifth of the memory per socket. Probes may not call the
 * allocator (on PREEMPT_RT it can sleep), so entries come from a lock-free
 * stack, which the drain worker keeps stocked by allocating chunks of entries
 * from process context (tw_track_keep_reserve()); removed entries go back
 * to it one RCU grace period after removal, when no lookup can still hold
 * them. Chunks are never freed before unload: an index names one entry for
 * the module's life, which lets readers walk the pool without locks.
 *
 * Why not rhashtable: its bucket lock is taken with local_bh_disable(), and
 * kprobe handlers that fire through int3 run with interrupts disabled, where
 * local_bh_enable() warns and may run softirqs (seen in the VM as a WARNING in
 * __local_bh_enable_ip() followed by a crash).
 *
 * The int3 handlers are NMI context as far as lockdep and RCU know
 * (exc_int3() enters with irqentry_nmi_enter()), which shapes both the bucket
 * locks and the free path:
 *  - lockdep cannot check a lock taken both in and out of NMI context (on
 *    the debug kernel it reported "inconsistent {INITIAL USE} -> {IN-NMI}
 *    usage" on the raw spinlock this table had). The locks are
 *    arch_spinlock_t, as in kernel/trace/: each is held with interrupts off
 *    around a few list operations that call nothing a probe is on, so it
 *    can never be re-entered on its own CPU.
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
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <linux/tcpwatch.h>

#include "bench.h"
#include "track.h"

/* The most entries ever, also for the load-time walk: max_tracked's limit. */
#define TW_TRACK_LIMIT		BIT(22)
/* Entries per chunk at most: 4096 * 88 bytes, one vmalloc of 352 KiB. */
#define TW_CHUNK_SHIFT		12
/* Locks for the buckets: enough that two CPUs rarely want the same one. */
#define TW_NR_LOCKS		1024U

/* Chunks of entries, [index >> chunk_shift]; set once, freed at unload. */
static struct tw_track **chunks;
static unsigned int chunk_shift;
/* Entries in chunks so far; a reader's acquire sees their chunk pointers. */
static unsigned int allocated;
static unsigned int max_entries;
/* Free stack: low 32 bits index + 1 (0 = empty), high 32 bits ABA tag. */
static u64 free_head;
/*
 * Per CPU, as an insert and its removal may be on different CPUs (one CPU's
 * count may be negative; only the sum means anything), and because a
 * shared counter would bounce between every CPU that opens or closes a
 * connection. @taken: entries off the free stack (in the table, in limbo,
 * or a listener's extension); @used: sockets in the table.
 */
static DEFINE_PER_CPU(int, taken);
static DEFINE_PER_CPU(int, used);
static atomic_t listen_exts = ATOMIC_INIT(0);
static atomic64_t failed_full = ATOMIC64_INIT(0);
static atomic64_t failed_growing = ATOMIC64_INIT(0);
/* A probe found the stack empty below max_tracked: grow at the next tick. */
static bool starved;
/* The load-time walk runs: entries past max_tracked are in play. */
static bool past_max_allowed;
static DEFINE_MUTEX(grow_lock);

/* Each the first entry of its chain: pool index + 1, 0 if empty. */
static u32 *buckets;
static unsigned int bucket_bits;
/* Writers of a bucket, and the gen change that goes with each; readers use RCU. */
static arch_spinlock_t *locks;
static unsigned int nr_locks;

/* Removed entries, waiting for tw_track_reclaim() to start their grace period. */
static DEFINE_PER_CPU(struct llist_head, limbo);

static struct tw_track *tw_entry(unsigned int idx)
{
	return &READ_ONCE(chunks[idx >> chunk_shift])[idx & ((1U << chunk_shift) - 1)];
}

static u32 *tw_bucket_of(const void *key)
{
	return &buckets[hash_ptr(key, bucket_bits)];
}

static arch_spinlock_t *tw_lock_of(const void *key)
{
	return &locks[hash_ptr(key, bucket_bits) & (nr_locks - 1)];
}

/*
 * Lockdep cannot see these locks (see above); sparse's context checking at
 * least proves that every path that takes one lets it go.
 */
static unsigned long tw_bucket_lock(arch_spinlock_t *lock)
	__acquires(lock)
{
	unsigned long flags;

	local_irq_save(flags);
	arch_spin_lock(lock);
	__acquire(lock);
	return flags;
}

static void tw_bucket_unlock(arch_spinlock_t *lock, unsigned long flags)
	__releases(lock)
{
	__release(lock);
	arch_spin_unlock(lock);
	local_irq_restore(flags);
}

static void __free_push(struct tw_track *t)
{
	u64 old = READ_ONCE(free_head), new;

	do {
		/* A racing free_pop() may read it, and then fail its cmpxchg. */
		WRITE_ONCE(t->next_free, (u32)old);
		new = ((old >> 32) + 1) << 32 | (t->index + 1);
	} while (!try_cmpxchg64(&free_head, &old, new));
}

static void free_push(struct tw_track *t)
{
	/*
	 * Past max_tracked, an entry served the load-time walk only: once
	 * that is over it is not reused, and the pool is back to its ceiling
	 * as those sockets end. (Its memory stays until unload.)
	 */
	if (unlikely(t->index >= max_entries) && !READ_ONCE(past_max_allowed))
		return;
	__free_push(t);
	this_cpu_dec(taken);
}

static struct tw_track *free_pop(void)
{
	struct tw_track *t;
	u64 old, new;

	do {
		/* Pairs with the cmpxchg of __free_push(): the chunk is set. */
		old = smp_load_acquire(&free_head);
		if (!(u32)old)
			return NULL;
		t = tw_entry((u32)old - 1);
		new = ((old >> 32) + 1) << 32 | READ_ONCE(t->next_free);
	} while (cmpxchg64(&free_head, old, new) != old);
	this_cpu_inc(taken);
	return t;
}

/* An entry for a socket (or an extension), or NULL, counted by cause. */
static struct tw_track *tw_track_take(void)
{
	struct tw_track *t;

	/* Left free by the walk past max_tracked: retired, as in free_push(). */
	while ((t = free_pop()) && unlikely(t->index >= max_entries) &&
	       !READ_ONCE(past_max_allowed))
		;
	if (likely(t))
		return t;
	if (READ_ONCE(allocated) < max_entries) {
		atomic64_inc(&failed_growing);
		WRITE_ONCE(starved, true);
	} else {
		atomic64_inc(&failed_full);
	}
	return NULL;
}

static int tw_sum_percpu(int __percpu *count)
{
	unsigned int cpu;
	int sum = 0;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(count, cpu));
	return sum;
}

/* One more chunk, if @limit allows; under grow_lock. */
static bool tw_track_add_chunk(unsigned int limit)
{
	unsigned int base = allocated, n = 1U << chunk_shift, i;
	struct tw_track *c;

	lockdep_assert_held(&grow_lock);
	if (base >= limit || base + n > TW_TRACK_LIMIT)
		return false;
	c = vzalloc(array_size(n, sizeof(*c)));
	if (!c)
		return false;
	for (i = 0; i < n; i++)
		c[i].index = base + i;
	WRITE_ONCE(chunks[base >> chunk_shift], c);
	/* Pairs with tw_track_slots(): readers see the chunk pointer. */
	smp_store_release(&allocated, base + n);
	for (i = n; i-- > 0;) {
		/* The rounding up to a whole chunk does not raise the ceiling. */
		if (c[i].index < max_entries || READ_ONCE(past_max_allowed))
			__free_push(&c[i]);
		else
			this_cpu_inc(taken);
	}
	return true;
}

bool tw_track_grow(unsigned int want, bool past_max)
{
	unsigned int limit = past_max ? TW_TRACK_LIMIT : max_entries;
	bool ok = true;

	mutex_lock(&grow_lock);
	if (past_max)
		WRITE_ONCE(past_max_allowed, true);
	while ((int)allocated - tw_sum_percpu(&taken) < (int)want) {
		ok = tw_track_add_chunk(limit);
		if (!ok)
			break;
	}
	mutex_unlock(&grow_lock);
	return ok;
}

void tw_track_walk_done(void)
{
	WRITE_ONCE(past_max_allowed, false);
}

void tw_track_keep_reserve(void)
{
	/* An eighth of what exists, at least a chunk: growth keeps ahead of churn. */
	unsigned int want = max(1U << chunk_shift, READ_ONCE(allocated) / 8);

	if (READ_ONCE(starved)) {
		WRITE_ONCE(starved, false);
		want *= 2;
	}
	tw_track_grow(want, false);
}

struct tw_retire_batch {
	struct rcu_head rcu;
	struct llist_node *first;
};

static void tw_track_free_list(struct llist_node *first)
{
	struct tw_track *t, *next;

	llist_for_each_entry_safe(t, next, first, retire)
		free_push(t);
}

static void tw_track_free_batch(struct rcu_head *head)
{
	struct tw_retire_batch *batch = container_of(head, struct tw_retire_batch, rcu);

	tw_track_free_list(batch->first);
	kfree(batch);
}

void tw_track_reclaim(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct llist_node *first = llist_del_all(per_cpu_ptr(&limbo, cpu));
		struct tw_retire_batch *batch;

		if (!first)
			continue;
		batch = kmalloc(sizeof(*batch), GFP_KERNEL);
		if (!batch) {
			synchronize_rcu();
			tw_track_free_list(first);
			continue;
		}
		batch->first = first;
		call_rcu(&batch->rcu, tw_track_free_batch);
	}
}

int tw_track_init(unsigned int max)
{
	unsigned int i;

	max_entries = max;
	/* A chunk is never more than max_tracked: a tiny pool stays tiny. */
	chunk_shift = min_t(unsigned int, TW_CHUNK_SHIFT, ilog2(max));
	/* For the walk's growth too: 8 KiB, more for a pool of tiny chunks. */
	chunks = kvcalloc(DIV_ROUND_UP(TW_TRACK_LIMIT, 1U << chunk_shift),
			  sizeof(*chunks), GFP_KERNEL);
	if (!chunks)
		return -ENOMEM;

	/* Eight entries per bucket at max_tracked, under one at a tenth of it. */
	bucket_bits = max_t(int, 6, ilog2(roundup_pow_of_two(max)) - 3);
	buckets = vzalloc(array_size(1U << bucket_bits, sizeof(*buckets)));
	nr_locks = min(1U << bucket_bits, TW_NR_LOCKS);
	locks = kmalloc_array(nr_locks, sizeof(*locks), GFP_KERNEL);
	if (!buckets || !locks)
		goto err;
	for (i = 0; i < nr_locks; i++)
		locks[i] = (arch_spinlock_t)__ARCH_SPIN_LOCK_UNLOCKED;
	if (!tw_track_grow(1, false))
		goto err;
	return 0;
err:
	kfree(locks);
	vfree(buckets);
	kvfree(chunks);
	chunks = NULL;
	return -ENOMEM;
}

void tw_track_exit(void)
{
	unsigned int i;

	/* Callers have unhooked every probe: nothing is removed any more. */
	tw_track_reclaim();
	rcu_barrier();		/* tw_track_free_batch() */
	for (i = 0; i < allocated >> chunk_shift; i++)
		vfree(chunks[i]);
	kvfree(chunks);
	chunks = NULL;
	allocated = 0;
	free_head = 0;
	kfree(locks);
	locks = NULL;
	vfree(buckets);
	buckets = NULL;
}

/* Under rcu_read_lock(), or in a probe (preemption disabled). */
struct tw_track *tw_track_lookup(const void *key)
{
	struct tw_track *t;
	u32 i;

	/*
	 * As rcu_dereference(): the entry's address depends on the index read,
	 * so its fields are read after whatever published it.
	 */
	for (i = READ_ONCE(*tw_bucket_of(key)); i; i = READ_ONCE(t->next)) {
		t = tw_entry(i - 1);
		if (READ_ONCE(t->key) == key)
			return t;
	}
	return NULL;
}

/*
 * A listener's extension, from the pool like an entry but never in the
 * table: its gen stays even, so pool walkers skip it. NULL if none is free.
 */
static struct tw_track *tw_track_take_listen(void)
{
	struct tw_track *ext = tw_track_take();

	if (ext) {
		memset(&ext->listen, 0, sizeof(ext->listen));
		atomic_inc(&listen_exts);
	}
	return ext;
}

static void tw_track_put_listen(u32 ext)
{
	if (ext) {
		atomic_dec(&listen_exts);
		free_push(tw_entry(ext - 1));
	}
}

struct tw_track *tw_track_add(const struct sock_common *skc, u8 kind, u8 state)
{
	const struct net *net = read_pnet(&skc->skc_net);
	struct tw_track *t = tw_track_take();
	const void *key = skc;
	arch_spinlock_t *lock;
	unsigned long flags;

	if (unlikely(!t))
		return NULL;
	t->key = key;
	t->kind = kind;
	t->state = state;
	t->family = skc->skc_family;
	t->ended = false;
	t->ext = 0;
	if (kind == TCPWATCH_SK_FULL && state == TCP_LISTEN) {
		struct tw_track *ext = tw_track_take_listen();

		t->ext = ext ? ext->index + 1 : 0;
	}
	t->cookie = 0;
	t->since_ns = 0;
	t->netns_cookie = net->net_cookie;
	t->netns = net->ns.inum;
	t->pid = 0;
	t->comm[0] = '\0';
	lock = tw_lock_of(key);
	flags = tw_bucket_lock(lock);
	if (unlikely(tw_track_lookup(key))) {
		tw_bucket_unlock(lock, flags);
		tw_track_put_listen(t->ext);
		free_push(t);
		return NULL;
	}
	/*
	 * Odd: in use, and every field above is visible to readers. Under the
	 * lock, like the even store in tw_track_del(): a delete that found
	 * the entry right after it was linked must not be undone by this one.
	 */
	smp_store_release(&t->gen, t->gen + 1);
	WRITE_ONCE(t->next, *tw_bucket_of(key));
	/* As rcu_assign_pointer(): @t is complete before lookups can reach it. */
	smp_store_release(tw_bucket_of(key), t->index + 1);
	tw_bucket_unlock(lock, flags);
	this_cpu_inc(used);
	return t;
}

/*
 * Under @t's bucket lock: the link that names @t (its bucket, or the entry
 * before it), NULL if @t is in no chain. Chains are short: eight entries
 * each on average with max_tracked sockets, under one with a tenth of it.
 */
static u32 *tw_chain_link(const struct tw_track *t)
{
	u32 *link = tw_bucket_of(t->key);

	while (*link && *link != t->index + 1)
		link = &tw_entry(*link - 1)->next;
	return *link ? link : NULL;
}

static void tw_track_retire(struct tw_track *t)
{
	/* Any CPU's list will do: a sweep may have been migrated. */
	llist_add(&t->retire, raw_cpu_ptr(&limbo));
}

void tw_track_del(struct tw_track *t)
{
	arch_spinlock_t *lock = tw_lock_of(t->key);
	unsigned long flags;
	u32 *link;

	tw_stage_begin(TW_STAGE_DELETE);
	flags = tw_bucket_lock(lock);
	/*
	 * gen turns odd and even under the lock, as @t is linked and
	 * unlinked: even, someone else removed it.
	 */
	link = tw_chain_link(t);
	if (!(t->gen & 1) || WARN_ON_ONCE(!link)) {
		tw_bucket_unlock(lock, flags);
		tw_stage_end(TW_STAGE_DELETE);
		return;
	}
	/* @t->next stays: a lookup standing on @t goes on past it. */
	WRITE_ONCE(*link, t->next);
	/* Even: free; a reader's snapshot that began before fails. */
	smp_store_release(&t->gen, t->gen + 1);
	tw_bucket_unlock(lock, flags);
	this_cpu_dec(used);
	/* Readers that still hold @t may read its extension until they are done. */
	if (t->ext) {
		atomic_dec(&listen_exts);
		tw_track_retire(tw_entry(t->ext - 1));
	}
	tw_track_retire(t);
	tw_stage_end(TW_STAGE_DELETE);
}

struct tw_listen_ext *tw_track_listen(const struct tw_track *t)
{
	/* Set before @t was published, and fixed for its life. */
	u32 ext = READ_ONCE(t->ext);

	return ext ? &tw_entry(ext - 1)->listen : NULL;
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

/* Fill @c's ports and addresses from its kernel object. */
static void tw_track_copy_tuple(struct tw_track_copy *c, const struct sock_common *skc)
{
	c->sport = tw_local_port(c->t.kind, skc);
	c->dport = ntohs(skc->skc_dport);
#if IS_ENABLED(CONFIG_IPV6)
	if (skc->skc_family == AF_INET6) {
		memcpy(c->saddr, &skc->skc_v6_rcv_saddr, 16);
		memcpy(c->daddr, &skc->skc_v6_daddr, 16);
		return;
	}
#endif
	memset(c->saddr, 0, sizeof(c->saddr));
	memset(c->daddr, 0, sizeof(c->daddr));
	memcpy(c->saddr, &skc->skc_rcv_saddr, 4);
	memcpy(c->daddr, &skc->skc_daddr, 4);
}

void tw_track_raise_peak(u32 *peak, u32 depth)
{
	u32 old = READ_ONCE(*peak);

	while (depth > old && !try_cmpxchg(peak, &old, depth))
		;
}

unsigned int tw_track_used(void)
{
	return max(tw_sum_percpu(&used), 0);
}

u64 tw_track_failed(void)
{
	return atomic64_read(&failed_full) + atomic64_read(&failed_growing);
}

void tw_track_stats(struct tw_track_stats *st)
{
	st->max = max_entries;
	st->allocated = tw_track_slots();
	st->used = tw_track_used();
	st->failed_full = atomic64_read(&failed_full);
	st->failed_growing = atomic64_read(&failed_growing);
	st->bytes = (u64)st->allocated * sizeof(struct tw_track) +
		    ((u64)sizeof(*buckets) << bucket_bits) +
		    nr_locks * sizeof(*locks) +
		    DIV_ROUND_UP(TW_TRACK_LIMIT, 1U << chunk_shift) * sizeof(*chunks);
}

unsigned int tw_track_slots(void)
{
	/* Pairs with tw_track_add_chunk(): the chunks below it are set. */
	return smp_load_acquire(&allocated);
}

/*
 * The live entry at @idx if in use, else NULL; under rcu_read_lock() to read
 * more than its state (the entry itself is never freed before unload).
 */
static struct tw_track *tw_track_at(unsigned int idx)
{
	struct tw_track *t;

	if (idx >= tw_track_slots())
		return NULL;
	t = tw_entry(idx);
	/* Pairs with tw_track_add(): an odd gen means the fields are set. */
	return smp_load_acquire(&t->gen) & 1 ? t : NULL;
}

unsigned int tw_track_next_in(unsigned int idx, u32 states)
{
	unsigned int n = tw_track_slots();

	/* The entries stay (chunks are never freed): no lock is needed to look. */
	for (; idx < n; idx++) {
		const struct tw_track *t = tw_track_at(idx);

		if (t && (states & BIT(READ_ONCE(t->state))))
			break;
		if (!(idx & 4095))
			cond_resched();
	}
	return idx;
}

void tw_track_sweep_tombstones(void)
{
	unsigned int i, n = tw_track_slots();

	for (i = 0; i < n; i++) {
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
 * Consistent copy of @t, in use when its gen was read: one life (gen) and
 * one moment of it (seq); false if it changed under every try.
 */
static bool tw_track_snapshot(const struct tw_track *t, struct tw_track *out)
{
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

static void tw_track_copy_listen(struct tw_track_copy *c, const struct tw_track *live)
{
	const struct tw_listen_ext *l = tw_track_listen(live);

	if (!l) {
		memset(&c->listen, 0, sizeof(c->listen));
		return;
	}
	c->listen.syn_queue_peak = READ_ONCE(l->syn_queue_peak);
	c->listen.accept_queue_peak = READ_ONCE(l->accept_queue_peak);
	atomic64_set(&c->listen.overflows, atomic64_read(&l->overflows));
	atomic64_set(&c->listen.syn_drops, atomic64_read(&l->syn_drops));
	atomic64_set(&c->listen.syncookies, atomic64_read(&l->syncookies));
	atomic64_set(&c->listen.synack_retrans, atomic64_read(&l->synack_retrans));
}

bool tw_track_snapshot_live(unsigned int idx, struct tw_track_copy *out,
			    void (*read)(const struct tw_track *t, void *arg), void *arg)
{
	const struct tw_track *live;

	rcu_read_lock();
	live = tw_track_at(idx);
	if (!live || !tw_track_snapshot(live, &out->t)) {
		rcu_read_unlock();
		return false;
	}
	/*
	 * TCP's full, request and timewait sockets all come from
	 * SLAB_TYPESAFE_BY_RCU caches: the memory is a socket of the same kind
	 * under rcu_read_lock(), and the generation says it is still ours.
	 */
	tw_track_copy_tuple(out, out->t.key);
	tw_track_copy_listen(out, live);
	if (read)
		read(live, arg);
	/* The socket was read before gen is re-read. */
	smp_rmb();
	if (READ_ONCE(live->gen) != out->t.gen) {
		rcu_read_unlock();
		return false;
	}
	rcu_read_unlock();
	return true;
}
