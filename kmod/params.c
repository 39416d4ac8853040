// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters. Each is checked by its own setter so that a bad value
 * makes insmod fail with -EINVAL and a message that says what is allowed.
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>

#include "params.h"

unsigned int tw_ring_size = 4096;
unsigned int tw_max_tracked = 32768;
unsigned int tw_drain_ms = 20;

struct tw_param_range {
	const char *name;
	unsigned int min, max;
	bool pow2;
};

static int tw_param_set(const char *val, const struct kernel_param *kp,
			const struct tw_param_range *r)
{
	unsigned int v;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err || v < r->min || v > r->max || (r->pow2 && !is_power_of_2(v))) {
		pr_err("invalid %s=%s: must be %s%u..%u\n", r->name, val,
		       r->pow2 ? "a power of two in " : "", r->min, r->max);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = v;
	return 0;
}

#define TW_PARAM(_name, _var, _min, _max, _pow2, _desc)			\
	static int _name##_set(const char *val, const struct kernel_param *kp) \
	{								\
		static const struct tw_param_range r = {		\
			#_name, _min, _max, _pow2 };			\
		return tw_param_set(val, kp, &r);			\
	}								\
	static const struct kernel_param_ops _name##_ops = {		\
		.set = _name##_set,					\
		.get = param_get_uint,					\
	};								\
	module_param_cb(_name, &_name##_ops, &_var, 0444);		\
	MODULE_PARM_DESC(_name, _desc)

TW_PARAM(ring_size, tw_ring_size, 64, 1U << 20, true,
	 "Records in each per-CPU event ring, a power of two (64..1048576, default 4096; 128 bytes each)");
TW_PARAM(max_tracked, tw_max_tracked, 64, 1U << 22, false,
	 "Sockets tracked at once for dwell time and owner (64..4194304, default 32768; about 160 bytes each)");
TW_PARAM(drain_ms, tw_drain_ms, 1, 1000, false,
	 "Milliseconds between deliveries of ring records to netlink listeners (1..1000, default 20)");
