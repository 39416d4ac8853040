// SPDX-License-Identifier: GPL-2.0
/*
 * Where tcpwatch attaches to the kernel. The core is the tracepoint
 * sock:inet_sock_set_state; its __tracepoint symbol is not exported to
 * modules, so it is found by name with for_each_kernel_tracepoint().
 */
#include <linux/kprobes.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <net/sock.h>

#include "hooks.h"
#include "observe.h"

#define TW_CORE_TRACEPOINT "inet_sock_set_state"

static struct tracepoint *set_state_tp;

static void tw_probe_set_state(void *data, const struct sock *sk,
			       int oldstate, int newstate)
{
	/* The tracepoint hands out a const socket; cookies are generated in it. */
	if (sk->sk_protocol == IPPROTO_TCP)
		tw_observe_full((struct sock *)sk, oldstate, newstate);
}

static void tw_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, TW_CORE_TRACEPOINT))
		set_state_tp = tp;
}

int tw_hooks_init(void)
{
	int err;

	for_each_kernel_tracepoint(tw_find_tracepoint, NULL);
	if (!set_state_tp) {
		pr_err("tracepoint sock:%s not found\n", TW_CORE_TRACEPOINT);
		return -ENOENT;
	}
	err = tracepoint_probe_register(set_state_tp, tw_probe_set_state, NULL);
	if (err) {
		pr_err("cannot attach to sock:%s: %d\n", TW_CORE_TRACEPOINT, err);
		set_state_tp = NULL;
	}
	return err;
}

void tw_hooks_exit(void)
{
	if (set_state_tp)
		tracepoint_probe_unregister(set_state_tp, tw_probe_set_state, NULL);
	/* No probe may still run when the module text goes away. */
	tracepoint_synchronize_unregister();
	set_state_tp = NULL;
}

bool tw_hook_info(unsigned int i, const char **name, bool *attached, u64 *missed)
{
	if (i != 0)
		return false;
	*name = "sock:" TW_CORE_TRACEPOINT;
	*attached = set_state_tp;
	*missed = 0;
	return true;
}

u64 tw_hooks_missed(void)
{
	return 0;
}
