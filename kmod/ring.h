/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_RING_H
#define _TCPWATCH_RING_H

#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <asm/local.h>

#define TW_DWELL_UNKNOWN	U64_MAX

/*
 * One event as it sits in a per-CPU ring. Fixed size so that a slot is
 * reserved by one local_inc_return() and found by index arithmetic.
 */
struct tw_record {
	u64 commit;		/* seq + 1 once written, 0 while being written */
	u64 ts_ns;		/* CLOCK_MONOTONIC */
	union {
		u64 cookie;	/* socket cookie, 0 if not known yet */
		u64 lost;	/* TCPWATCH_EV_LOST: records lost */
	};
	u64 dwell_ns;		/* time in oldstate, or TW_DWELL_UNKNOWN */
	u64 netns_cookie;	/* the netns' net_cookie: its identity */
	u32 netns;		/* netns inode number: for people */
	u32 pid;		/* owner tgid, 0 if unknown */
	u8 saddr[16];		/* network order; IPv4 in the first 4 bytes */
	u8 daddr[16];
	u16 sport;		/* host order */
	u16 dport;
	u16 cpu;
	u8 type;		/* enum tcpwatch_event_type */
	u8 sk_kind;		/* enum tcpwatch_sk_kind */
	u8 family;		/* AF_INET or AF_INET6 */
	u8 oldstate;
	u8 newstate;
	u8 reason;		/* enum tcpwatch_reason */
	u8 has_queues;		/* the three queue fields below are valid */
	u32 syn_queue;
	u32 accept_queue;
	u32 backlog;
	char comm[TASK_COMM_LEN];
} __aligned(64);

/*
 * A per-CPU flight recorder: writers never wait and never fail; the oldest
 * records are overwritten. The drain worker and dump readers copy a slot and
 * check its commit word before and after, seqcount style, so a torn or
 * overwritten record is detected and counted as lost, never delivered.
 */
struct tw_ring {
	local_t head;			/* next position; a record's seq */
	struct tw_record *slots;
	/*
	 * The drain worker's own (one delayed work, never concurrent with
	 * itself): no lock. @lost is also read by status and GET_CPUS from
	 * any CPU, so it is written with WRITE_ONCE().
	 */
	u64 cursor;			/* next position to send */
	u64 lost;			/* overwritten before sent */
};

extern struct tw_ring __percpu *tw_rings;
extern unsigned int tw_ring_mask;

/*
 * Reserve the next slot on this CPU. Nesting-safe: a softirq that interrupts
 * a writer between reserve and commit takes the following slot. Called with
 * preemption disabled (every tracepoint and kprobe handler is).
 */
static __always_inline struct tw_record *tw_ring_reserve(u64 *seq)
{
	struct tw_ring *ring = this_cpu_ptr(tw_rings);
	u64 pos = local_inc_return(&ring->head) - 1;
	struct tw_record *rec = &ring->slots[pos & tw_ring_mask];

	WRITE_ONCE(rec->commit, 0);
	/* Readers see commit == 0 before any field of the new record. */
	smp_wmb();
	*seq = pos;
	return rec;
}

static __always_inline void tw_ring_commit(struct tw_record *rec, u64 seq)
{
	/* Pairs with tw_ring_read(): every field is visible before commit. */
	smp_store_release(&rec->commit, seq + 1);
}

enum tw_ring_read {
	TW_RING_OK,		/* *out holds the record of that position */
	TW_RING_PENDING,	/* a writer is still filling that slot */
	TW_RING_GONE,		/* overwritten: that record is lost */
};

int tw_ring_init(unsigned int size);
void tw_ring_exit(void);
u64 tw_ring_head(unsigned int cpu);
enum tw_ring_read tw_ring_read(unsigned int cpu, u64 pos, struct tw_record *out);

#endif
