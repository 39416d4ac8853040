/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_TRACK_H
#define _TCPWATCH_TRACK_H

#include <linux/list.h>
#include <linux/llist.h>
#include <linux/sched.h>
#include <linux/types.h>

struct sock_common;

/* What a listener's entry adds: its queue peaks and counters, from any CPU. */
struct tw_listen_ext {
	u32 syn_queue_peak;		/* cmpxchg: tw_track_raise_peak() */
	u32 accept_queue_peak;
	atomic64_t overflows;		/* accept queue full: ListenOverflows */
	atomic64_t syn_drops;		/* SYNs dropped for other reasons */
	atomic64_t syncookies;		/* SYN cookies sent */
	atomic64_t synack_retrans;	/* SYN-ACKs retransmitted */
};

/*
 * What tcpwatch remembers about one live socket (full, request or timewait):
 * when it entered its state and who owns it. Keyed by the kernel object's
 * address, which never leaves the module. 88 bytes: the tuple is read from
 * the live socket by readers (tw_track_snapshot_live()), never stored; a
 * listener's peaks and counters live in a second pool entry (@ext), so that
 * the many connections do not carry what only the few listeners need; and
 * links are pool indexes (u32), not pointers.
 *
 * Entries are found under RCU (the bucket's chain of @next) and also read
 * by index from the pool, so no lock covers their fields; each says how it
 * is shared: identity is set before the entry is published (@gen), probes
 * update the rest between tw_track_write_begin() and _end() for readers'
 * copies, and what other CPUs read or change outside that is marked
 * (READ_ONCE(), cmpxchg, atomics).
 */
struct tw_track {
	const void *key;		/* struct sock / request_sock / tw sock */
	union {
		/*
		 * In the table: the next entry of its bucket, pool index + 1
		 * (0: the last). Kept when the entry is removed, so that a
		 * lookup standing on it goes on; free one grace period later.
		 */
		u32 next;
		u32 next_free;		/* on the free stack; see free_pop() */
	};
	u32 gen;			/* odd while in use and in the table */
	u32 seq;			/* odd while a probe updates the fields below */
	u8 state;			/* also READ_ONCE() outside @seq */
	u8 kind;			/* enum tcpwatch_sk_kind */
	u8 family;
	bool ended;			/* a tombstone; xchg, see tw_track_claim_end() */
	u32 ext;			/* a listener's tw_listen_ext: pool index + 1, or 0 */
	u32 index;			/* its own, in the pool */
	union {
		struct {
			u64 cookie;	/* overflows.c compares it outside @seq */
			u64 since_ns;	/* entered @state at this time */
			u64 netns_cookie;	/* net_cookie: the netns' identity */
			u32 netns;	/* inode number, for people */
			u32 pid;
			char comm[TASK_COMM_LEN];
		};
		/* In an entry that is some listener's @ext, never in the table. */
		struct tw_listen_ext listen;
	};
	struct llist_node retire;	/* removed: in limbo, then its batch */
};

/*
 * A reader's copy of an entry (tw_track_snapshot_live()): the entry, the
 * tuple read from its live socket at the same moment, and for a listener
 * its extension.
 */
struct tw_track_copy {
	struct tw_track t;
	struct tw_listen_ext listen;	/* zero unless t.ext */
	u8 saddr[16];
	u8 daddr[16];
	u16 sport;
	u16 dport;
};

/*
 * ns from @since to @now, both ktime_get_ns(); 0, not a wrapped u64, when
 * another CPU stored @since after this one read @now.
 */
static inline u64 tw_ns_since(u64 now, u64 since)
{
	return now > since ? now - since : 0;
}

/*
 * A probe updates @t's state, start, cookie or owner between these two, so
 * that a reader's copy is of one moment (tw_track_snapshot_live()). Writers
 * of one entry are serialized by the kernel (the socket's lock, one softirq
 * per timewait socket); should two ever overlap, the end still leaves the
 * count even, and a reader may take a copy as they write.
 */
static inline void tw_track_write_begin(struct tw_track *t)
{
	WRITE_ONCE(t->seq, t->seq | 1);
	smp_wmb();	/* odd before any field; pairs with tw_track_snapshot() */
}

static inline void tw_track_write_end(struct tw_track *t)
{
	smp_wmb();	/* every field before even; pairs with tw_track_snapshot() */
	WRITE_ONCE(t->seq, (t->seq | 1) + 1);
}

/*
 * Entries are allocated in chunks as sockets appear, up to @max (the
 * max_tracked parameter); the load-time walk may go past it, so that every
 * socket older than the module is counted exactly (seed.c).
 */
int tw_track_init(unsigned int max);
void tw_track_exit(void);

struct tw_track *tw_track_lookup(const void *key);
/*
 * Track @skc, an object of @kind in @state: its identity (kind, state,
 * netns, family) and, for a listener, its extension are set before any
 * lookup can find the entry. NULL if it is tracked already or no entry is
 * free (counted by cause: tw_track_stats()).
 */
struct tw_track *tw_track_add(const struct sock_common *skc, u8 kind, u8 state);
void tw_track_del(struct tw_track *t);
/*
 * @t's object ends: true for the one caller that claims it. The entry stays
 * as a tombstone, hidden from readers, until tw_track_del() (at once, or
 * when the load-time walk or the request can no longer meet it).
 */
bool tw_track_claim_end(struct tw_track *t);
/* @key's object is freed: its entry, if any, goes. */
void tw_track_forget(const void *key);
/*
 * Start the grace period of the entries removed since the last call; they
 * are free for reuse once it ends. Process context (the drain worker).
 */
void tw_track_reclaim(void);
/*
 * Allocate chunks until at least @want entries are free, up to max_tracked
 * or, for the load-time walk (@past_max), up to the hard limit. Process
 * context; returns false if it could not.
 */
bool tw_track_grow(unsigned int want, bool past_max);
/* The walk is over: entries past max_tracked are not reused once freed. */
void tw_track_walk_done(void);
/* What the drain worker calls every interval: keep a reserve free. */
void tw_track_keep_reserve(void);
/* @t's extension if it has one, under rcu_read_lock() or in a probe. */
struct tw_listen_ext *tw_track_listen(const struct tw_track *t);
/* Remove the tombstones, once no probe can leave one any more. */
void tw_track_sweep_tombstones(void);
void tw_track_set_owner(struct tw_track *t, struct task_struct *task);
/* The local port as the tracepoint reports it, for an object of @kind. */
u16 tw_local_port(u8 kind, const struct sock_common *skc);
/* Raise *@peak to @depth if it is lower, from any CPU. */
void tw_track_raise_peak(u32 *peak, u32 depth);

/* Statistics of the pool, for status. */
struct tw_track_stats {
	unsigned int max;		/* max_tracked */
	unsigned int allocated;		/* entries allocated so far */
	unsigned int used;		/* sockets tracked now */
	u64 failed_full;		/* sockets not tracked: max_tracked reached */
	u64 failed_growing;		/* ... below it, but the reserve was empty */
	u64 bytes;			/* entries and hash table */
};

void tw_track_stats(struct tw_track_stats *st);
unsigned int tw_track_used(void);
u64 tw_track_failed(void);
/* Pool indexes in use now lie below this; readers walk [0, it). */
unsigned int tw_track_slots(void);

/*
 * Consistent copy of pool entry @idx, its tuple read from the live socket
 * now along with whatever @read (if set) reads from the live entry and its
 * socket, all validated by the entry's generation; false if the entry is
 * not (or no longer) in use. @read runs under rcu_read_lock().
 */
/*
 * The first pool index at @idx or after whose entry is in use in one of
 * @states (bit n: state n), tw_track_slots() if none: a glance, before
 * tw_track_snapshot_live() tells for sure. Process context: it may sleep.
 */
unsigned int tw_track_next_in(unsigned int idx, u32 states);
bool tw_track_snapshot_live(unsigned int idx, struct tw_track_copy *out,
			    void (*read)(const struct tw_track *t, void *arg), void *arg);

#endif
