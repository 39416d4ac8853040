// SPDX-License-Identifier: GPL-2.0
/*
 * The consumer side of the rings: every drain_ms a worker copies what each
 * CPU wrote since its last visit and multicasts it. Records a writer lapped
 * before the worker got to them are counted per CPU and announced to
 * listeners with a TCPWATCH_EV_LOST record that names the missing seqs.
 */
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/tcpwatch.h>

#include "drain.h"
#include "hooks.h"
#include "netlink.h"
#include "overflows.h"
#include "params.h"
#include "ring.h"
#include "track.h"

#define TW_DRAIN_BATCH	256

static struct tw_record *batch;
static unsigned int batched;
static struct delayed_work drain_work;

static void tw_drain_flush(void)
{
	if (batched)
		tw_nl_send_events(batch, batched);
	batched = 0;
}

static struct tw_record *tw_drain_slot(void)
{
	if (batched == TW_DRAIN_BATCH)
		tw_drain_flush();
	return &batch[batched++];
}

static void tw_drain_mark_lost(unsigned int cpu, u64 first, u64 count)
{
	struct tw_record *rec;
	struct tw_ring *ring;

	if (!count)
		return;
	ring = per_cpu_ptr(tw_rings, cpu);
	/* Only this worker writes it; status reads it from any CPU. */
	WRITE_ONCE(ring->lost, ring->lost + count);
	rec = tw_drain_slot();
	memset(rec, 0, sizeof(*rec));
	rec->commit = first + 1;
	rec->type = TCPWATCH_EV_LOST;
	rec->cpu = cpu;
	rec->ts_ns = ktime_get_ns();
	rec->lost = count;
}

static void tw_drain_cpu(unsigned int cpu, bool listening)
{
	struct tw_ring *ring = per_cpu_ptr(tw_rings, cpu);
	u64 head = tw_ring_head(cpu), size = tw_ring_mask + 1ULL;
	u64 lost_from = ring->cursor, lost = 0;

	if (!listening) {
		ring->cursor = head;	/* nobody to lose anything */
		return;
	}
	if (head - ring->cursor > size) {
		lost = head - size - ring->cursor;
		ring->cursor = head - size;
	}
	while (ring->cursor < head) {
		struct tw_record rec;
		enum tw_ring_read res = tw_ring_read(cpu, ring->cursor, &rec);

		if (res == TW_RING_PENDING)
			break;
		if (res == TW_RING_GONE) {
			if (!lost)
				lost_from = ring->cursor;
			lost++;
		} else {
			/* The marker goes before the record after the gap. */
			tw_drain_mark_lost(cpu, lost_from, lost);
			lost = 0;
			*tw_drain_slot() = rec;
		}
		ring->cursor++;
	}
	tw_drain_mark_lost(cpu, lost_from, lost);
}

static void tw_drain_work(struct work_struct *work)
{
	bool listening = tw_nl_has_listeners();
	unsigned int cpu;

	tw_overflows_poll();
	tw_track_reclaim();
	tw_track_keep_reserve();
	for_each_possible_cpu(cpu)
		tw_drain_cpu(cpu, listening);
	tw_drain_flush();
	queue_delayed_work(system_power_efficient_wq, &drain_work,
			   msecs_to_jiffies(tw_drain_ms.value));
}

int tw_drain_init(void)
{
	batch = vmalloc(array_size(TW_DRAIN_BATCH, sizeof(*batch)));
	if (!batch)
		return -ENOMEM;
	INIT_DELAYED_WORK(&drain_work, tw_drain_work);
	queue_delayed_work(system_power_efficient_wq, &drain_work,
			   msecs_to_jiffies(tw_drain_ms.value));
	return 0;
}

void tw_drain_exit(void)
{
	cancel_delayed_work_sync(&drain_work);
	vfree(batch);
	batch = NULL;
}

u64 tw_drain_lost(unsigned int cpu)
{
	return READ_ONCE(per_cpu_ptr(tw_rings, cpu)->lost);
}

void tw_drain_totals(u64 *written, u64 *lost)
{
	unsigned int cpu;

	*written = 0;
	*lost = tw_hooks_missed();
	for_each_possible_cpu(cpu) {
		*written += tw_ring_head(cpu);
		*lost += tw_drain_lost(cpu);
	}
}
