// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwatch_floor: make bench's floor, never shipped. An empty probe on the
 * tracepoint sock:inet_sock_set_state that only counts its hits, per CPU:
 * what any user of the tracepoint pays at the least, and the exact number
 * of transitions every other arm of the benchmark is held to. The sum is
 * read from /sys/module/tcpwatch_floor/parameters/hits.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#define FLOOR_TRACEPOINT "inet_sock_set_state"

static struct tracepoint *floor_tp;
static DEFINE_PER_CPU(unsigned long, floor_hits);

/* The tracepoint's prototype, TP_PROTO() of include/trace/events/sock.h. */
static void floor_probe(void *data, const struct sock *sk, int oldstate, int newstate)
{
	this_cpu_inc(floor_hits);
}

static int floor_hits_get(char *buf, const struct kernel_param *kp)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(floor_hits, cpu);
	return sysfs_emit(buf, "%lu\n", sum);
}

static const struct kernel_param_ops floor_hits_ops = {
	.get = floor_hits_get,
};

module_param_cb(hits, &floor_hits_ops, NULL, 0444);
MODULE_PARM_DESC(hits, "Hits of sock:" FLOOR_TRACEPOINT " since load, all CPUs");

/* The kernel exports no __tracepoint_* symbol of it to modules. */
static void floor_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, FLOOR_TRACEPOINT))
		floor_tp = tp;
}

static int __init floor_init(void)
{
	for_each_kernel_tracepoint(floor_find_tracepoint, NULL);
	if (!floor_tp) {
		pr_err("tracepoint sock:%s not found\n", FLOOR_TRACEPOINT);
		return -ENOENT;
	}
	return tracepoint_probe_register(floor_tp, floor_probe, NULL);
}

static void __exit floor_exit(void)
{
	tracepoint_probe_unregister(floor_tp, floor_probe, NULL);
	tracepoint_synchronize_unregister();
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpwatch bench floor: an empty, counting probe on sock:inet_sock_set_state");
