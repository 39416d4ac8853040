// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU flight-recorder rings of fixed-size records. Why not the kernel's
 * tracing ring buffer: see Documentation/design.md ("Event rings").
 */
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>

#include "ring.h"

struct tw_ring __percpu *tw_rings;
unsigned int tw_ring_mask;

int tw_ring_init(unsigned int size)
{
	unsigned int cpu;

	static_assert(sizeof(struct tw_record) == 128);
	tw_rings = alloc_percpu(struct tw_ring);
	if (!tw_rings)
		return -ENOMEM;
	tw_ring_mask = size - 1;
	for_each_possible_cpu(cpu) {
		struct tw_ring *ring = per_cpu_ptr(tw_rings, cpu);

		ring->slots = vzalloc_node(array_size(size, sizeof(*ring->slots)),
					   cpu_to_node(cpu));
		if (!ring->slots) {
			tw_ring_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

void tw_ring_exit(void)
{
	unsigned int cpu;

	if (!tw_rings)
		return;
	for_each_possible_cpu(cpu)
		vfree(per_cpu_ptr(tw_rings, cpu)->slots);
	free_percpu(tw_rings);
	tw_rings = NULL;
}

u64 tw_ring_head(unsigned int cpu)
{
	return local_read(&per_cpu_ptr(tw_rings, cpu)->head);
}

enum tw_ring_read tw_ring_read(unsigned int cpu, u64 pos, struct tw_record *out)
{
	const struct tw_ring *ring = per_cpu_ptr(tw_rings, cpu);
	const struct tw_record *rec = &ring->slots[pos & tw_ring_mask];
	u64 head = tw_ring_head(cpu);
	u64 before, after;

	if (head - pos > tw_ring_mask + 1ULL)
		return TW_RING_GONE;
	/* Pairs with tw_ring_commit(): fields are read after commit. */
	before = smp_load_acquire(&rec->commit);
	/* 0 or an older generation: reserved, not yet written */
	if (before < pos + 1)
		return TW_RING_PENDING;
	if (before > pos + 1)
		return TW_RING_GONE;
	/* May race with a writer that laps us: commit, re-read, tells. */
	data_race(memcpy(out, rec, sizeof(*out)));
	/* The copy is complete before commit is re-read. */
	smp_rmb();
	after = READ_ONCE(rec->commit);
	return after == before ? TW_RING_OK : TW_RING_GONE;
}
