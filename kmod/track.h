/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_TRACK_H
#define _TCPWATCH_TRACK_H

#include <linux/list.h>
#include <linux/llist.h>
#include <linux/sched.h>
#include <linux/types.h>

struct sock_common;

/*
 * What tcpwatch remembers about one live socket (full, request or timewait):
 * when it entered its state and who owns it. Keyed by the kernel object's
 * address, which never leaves the module.
 *
 * Entries are found under RCU (the bucket's hlist) and also read by index
 * from the pool, so no lock covers their fields; each says how it is shared:
 * identity is set before the entry is published (@gen), probes update the
 * rest between tw_track_write_begin() and _end() for readers' copies, and
 * what other CPUs read or change outside that is marked (READ_ONCE(),
 * cmpxchg, atomics).
 */
struct tw_track {
	struct hlist_node node;		/* in its hash bucket */
	const void *key;		/* struct sock / request_sock / tw sock */
	u64 cookie;			/* overflows.c compares it outside @seq */
	u64 since_ns;			/* entered @state at this time */
	u32 gen;			/* odd while in use; see tw_track_snapshot_live() */
	u32 seq;			/* odd while a probe updates the fields below */
	u32 netns;			/* inode number, for people */
	u64 netns_cookie;		/* net_cookie: the netns' identity */
	u32 pid;
	u8 state;			/* also READ_ONCE() outside @seq */
	u8 kind;			/* enum tcpwatch_sk_kind */
	u8 family;
	bool ended;			/* a tombstone; xchg, see tw_track_claim_end() */
	char comm[TASK_COMM_LEN];
	/*
	 * Only in readers' copies: tw_track_snapshot_live() reads the tuple
	 * from the live socket, so probes never write it (connect() picks
	 * the local port after SYN_SENT, and it would cost every event).
	 */
	u8 saddr[16];
	u8 daddr[16];
	u16 sport;
	u16 dport;
	/* Listener accounting (kind full, state LISTEN), from any CPU. */
	u32 syn_queue_peak;		/* cmpxchg: tw_track_raise_peak() */
	u32 accept_queue_peak;
	atomic64_t overflows;		/* accept queue full: ListenOverflows */
	atomic64_t syn_drops;		/* SYNs dropped for other reasons */
	atomic64_t syncookies;		/* SYN cookies sent */
	atomic64_t synack_retrans;	/* SYN-ACKs retransmitted */
	struct llist_node retire;	/* removed: in limbo, then its batch */
	struct rcu_head rcu;
	u32 next_free;			/* pool free stack, index + 1; see free_pop() */
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

int tw_track_init(unsigned int max);
void tw_track_exit(void);

struct tw_track *tw_track_lookup(const void *key);
/*
 * Track @skc, an object of @kind in @state: its identity (kind, state,
 * netns, family) is set before any lookup can find the entry. NULL if
 * it is tracked already or the pool is full.
 */
struct tw_track *tw_track_add(const struct sock_common *skc, u8 kind, u8 state);
/* As tw_track_add(), but a tracked @skc is not counted as a failure. */
struct tw_track *tw_track_add_new(const struct sock_common *skc, u8 kind, u8 state);
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
/* Remove the tombstones, once no probe can leave one any more. */
void tw_track_sweep_tombstones(void);
void tw_track_set_owner(struct tw_track *t, struct task_struct *task);
/* The local port as the tracepoint reports it, for an object of @kind. */
u16 tw_local_port(u8 kind, const struct sock_common *skc);
/* Raise *@peak to @depth if it is lower, from any CPU. */
void tw_track_raise_peak(u32 *peak, u32 depth);

/* Statistics of the pool, for status. */
unsigned int tw_track_max(void);
unsigned int tw_track_used(void);
u64 tw_track_failed(void);

/*
 * Consistent copy of pool entry @idx, its tuple read from the live socket
 * now along with whatever @read (if set) reads from the live entry and its
 * socket, all validated by the entry's generation; false if the entry is
 * not (or no longer) in use. @read runs under rcu_read_lock().
 */
bool tw_track_snapshot_live(unsigned int idx, struct tw_track *out,
			    void (*read)(const struct tw_track *t, void *arg), void *arg);

#endif
