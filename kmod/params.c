// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters. A bad value makes insmod fail with -EINVAL and a
 * message that says what is allowed, instead of being clamped silently.
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "params.h"

struct tw_uint_param tw_ring_size = { 4096, 64, 1U << 20, true };
struct tw_uint_param tw_max_tracked = { 1U << 20, 64, 1U << 22, false };
struct tw_uint_param tw_drain_ms = { 20, 1, 1000, false };

static int tw_param_set(const char *val, const struct kernel_param *kp)
{
	struct tw_uint_param *p = kp->arg;
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < p->min || v > p->max ||
	    (p->pow2 && !is_power_of_2(v))) {
		pr_err("invalid %s=%s: must be %s%u..%u\n", kp->name, val,
		       p->pow2 ? "a power of two in " : "", p->min, p->max);
		return -EINVAL;
	}
	p->value = v;
	return 0;
}

static int tw_param_get(char *buf, const struct kernel_param *kp)
{
	const struct tw_uint_param *p = kp->arg;

	return sysfs_emit(buf, "%u\n", p->value);
}

static const struct kernel_param_ops tw_uint_param_ops = {
	.set = tw_param_set,
	.get = tw_param_get,
};

bool tw_lifecycle = true;
module_param_named(lifecycle, tw_lifecycle, bool, 0444);
MODULE_PARM_DESC(lifecycle,
		 "Attach the kprobes that follow request and timewait sockets, listener queues and accept (default 1; 0: the tracepoint alone)");

module_param_cb(ring_size, &tw_uint_param_ops, &tw_ring_size, 0444);
MODULE_PARM_DESC(ring_size,
		 "Records in each per-CPU event ring, a power of two (64..1048576, default 4096; 128 bytes each)");
module_param_cb(max_tracked, &tw_uint_param_ops, &tw_max_tracked, 0444);
MODULE_PARM_DESC(max_tracked,
		 "Most sockets tracked at once for dwell time and owner (64..4194304, default 1048576); memory grows with the sockets present, 88 bytes each");
module_param_cb(drain_ms, &tw_uint_param_ops, &tw_drain_ms, 0444);
MODULE_PARM_DESC(drain_ms,
		 "Milliseconds between deliveries of ring records to netlink listeners (1..1000, default 20)");
