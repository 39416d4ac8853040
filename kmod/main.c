// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatch: records the life of every TCP connection. This file only wires
 * the parts together: data structures first, probes next, readers last, so
 * that nothing fires before there is somewhere to put it and nobody reads
 * before the sockets older than the module are counted; exit mirrors it.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "bench.h"
#include "drain.h"
#include "hooks.h"
#include "netlink.h"
#include "params.h"
#include "proc.h"
#include "ring.h"
#include "seed.h"
#include "stats.h"
#include "track.h"

static int __init tw_init(void)
{
	unsigned int seeded;
	u64 seed_ms;
	int err;

	err = tw_ring_init(tw_ring_size.value);
	if (err)
		goto err_ring;
	err = tw_track_init(tw_max_tracked.value);
	if (err)
		goto err_track;
	err = tw_stats_init();
	if (err)
		goto err_stats;
	err = tw_hooks_init();
	if (err)
		goto err_hooks;
	seed_ms = ktime_get_ns();
	seeded = tw_seed();
	seed_ms = div_u64(ktime_get_ns() - seed_ms, NSEC_PER_MSEC);
	/*
	 * Readers last: until the walk has counted the sockets older than the
	 * module, an answer would be short of them. Before this the family
	 * does not exist, which userspace reports as "not loaded".
	 */
	err = tw_nl_init();
	if (err)
		goto err_nl;
	err = tw_drain_init();
	if (err)
		goto err_drain;
	err = tw_proc_init();
	if (err)
		goto err_proc;
	tw_bench_run();
	pr_info("loaded %s: ring_size=%u max_tracked=%u drain_ms=%u lifecycle=%d, %u sockets seeded in %llu ms\n",
		TCPWATCH_VERSION, tw_ring_size.value, tw_max_tracked.value,
		tw_drain_ms.value, tw_lifecycle, seeded, seed_ms);
	return 0;

err_proc:
	tw_drain_exit();
err_drain:
	tw_nl_exit();
err_nl:
	tw_hooks_exit();
err_hooks:
	tw_stats_exit();
err_stats:
	tw_track_exit();
err_track:
	tw_ring_exit();
err_ring:
	return err;
}

static void __exit tw_exit(void)
{
	tw_proc_exit();
	tw_drain_exit();
	tw_nl_exit();
	tw_hooks_exit();
	tw_stats_exit();
	tw_track_exit();
	tw_ring_exit();
	pr_info("unloaded\n");
}

module_init(tw_init);
module_exit(tw_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Records the life of every TCP connection");
MODULE_VERSION(TCPWATCH_VERSION);
