// SPDX-License-Identifier: GPL-2.0
/*
 * planted.ko: one planted bug per value of bug=, to prove that the debug
 * kernel's detectors fire and fail the run (scripts/debug-selftest.sh).
 * Built only by that script, against the debug kernel, and loaded only in
 * its VM; never shipped, never loaded anywhere else.
 *
 *   none   nothing (the clean run)
 *   uaf    reads a freed object                    KASAN
 *   abba   takes two mutexes in both orders        lockdep
 *   sleep  allocates with GFP_KERNEL under a spinlock   DEBUG_ATOMIC_SLEEP
 *   leak   drops the only pointer to 4 objects     kmemleak
 *   timer  frees an object whose timer is armed    DEBUG_OBJECTS
 *   rcu    rcu_dereference() outside a read section   PROVE_RCU
 *   kfence reads a freed object KFENCE sampled     KFENCE
 *   race   two threads ++ a plain int              KCSAN (debug-kcsan)
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kfence.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

static char *bug = "none";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "none, uaf, abba, sleep, leak, timer, rcu, kfence or race");

/* Keeps the compiler from proving the planted accesses dead. */
static volatile char sink;

static noinline void plant_uaf(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	sink = p[8];
}

static DEFINE_MUTEX(lock_a);
static DEFINE_MUTEX(lock_b);

static noinline void plant_abba(void)
{
	mutex_lock(&lock_a);
	mutex_lock(&lock_b);
	mutex_unlock(&lock_b);
	mutex_unlock(&lock_a);

	mutex_lock(&lock_b);
	mutex_lock(&lock_a);
	mutex_unlock(&lock_a);
	mutex_unlock(&lock_b);
}

static DEFINE_SPINLOCK(spin);

static noinline void plant_sleep(void)
{
	void *p;

	spin_lock(&spin);
	p = kmalloc(64, GFP_KERNEL);
	spin_unlock(&spin);
	kfree(p);
}

static noinline void plant_leak(void)
{
	int i;

	for (i = 0; i < 4; i++)
		sink = *(char *)kzalloc(128, GFP_KERNEL);
}

struct armed {
	struct timer_list timer;
};

static void armed_fn(struct timer_list *t)
{
}

static noinline void plant_timer(void)
{
	struct armed *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a)
		return;
	timer_setup(&a->timer, armed_fn, 0);
	mod_timer(&a->timer, jiffies + 3600 * HZ);
	kfree(a);
}

struct rcu_thing {
	int v;
};

static struct rcu_thing __rcu *rcu_ptr;
static struct rcu_thing rcu_obj;

static noinline void plant_rcu(void)
{
	rcu_assign_pointer(rcu_ptr, &rcu_obj);
	sink = rcu_dereference(rcu_ptr)->v;
}

static noinline void plant_kfence(void)
{
	char *p = NULL;
	int i;

	/* KFENCE samples one allocation per interval (100 ms): wait for one. */
	for (i = 0; i < 3000; i++) {
		p = kmalloc(32, GFP_KERNEL);
		if (!p || is_kfence_address(p))
			break;
		kfree(p);
		p = NULL;
		usleep_range(2000, 4000);
	}
	if (!p) {
		pr_err("planted: no KFENCE allocation after %d tries\n", i);
		return;
	}
	kfree(p);
	sink = p[0];
}

static int racy_counter;
static DECLARE_COMPLETION(racer_done);

/*
 * One racer per CPU, for two seconds: under QEMU's single-threaded TCG the
 * vCPUs take turns, so KCSAN's watch window must meet the other CPU's
 * access (debug-selftest.sh widens the window for this run).
 */
static int racer(void *unused)
{
	unsigned long end = jiffies + 2 * HZ;

	while (time_before(jiffies, end)) {
		racy_counter++;
		/* Not kept in a register: every round reads and writes memory. */
		barrier();
	}
	complete(&racer_done);
	return 0;
}

static noinline void plant_race(void)
{
	struct task_struct *t;
	int cpu;

	for (cpu = 0; cpu < 2; cpu++) {
		t = kthread_create_on_cpu(racer, NULL, cpu, "racer%u");
		if (IS_ERR(t))
			return;
		wake_up_process(t);
	}
	wait_for_completion(&racer_done);
	wait_for_completion(&racer_done);
	pr_info("planted: racy_counter=%d\n", racy_counter);
}

static const struct {
	const char *name;
	void (*fn)(void);
} plants[] = {
	{ "uaf", plant_uaf },
	{ "abba", plant_abba },
	{ "sleep", plant_sleep },
	{ "leak", plant_leak },
	{ "timer", plant_timer },
	{ "rcu", plant_rcu },
	{ "kfence", plant_kfence },
	{ "race", plant_race },
};

static int __init planted_init(void)
{
	int i;

	if (!strcmp(bug, "none"))
		return 0;
	for (i = 0; i < ARRAY_SIZE(plants); i++) {
		if (strcmp(bug, plants[i].name))
			continue;
		pr_info("planted: planting %s\n", bug);
		plants[i].fn();
		return 0;
	}
	pr_err("planted: unknown bug=%s\n", bug);
	return -EINVAL;
}

static void __exit planted_exit(void)
{
}

module_init(planted_init);
module_exit(planted_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("planted bugs for the debug-kernel lane's self-test; never ship");
