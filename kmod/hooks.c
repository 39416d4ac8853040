// SPDX-License-Identifier: GPL-2.0
/*
 * Where tcpwatch attaches to the kernel. The core is the tracepoint
 * sock:inet_sock_set_state; its __tracepoint symbol is not exported to
 * modules, so it is found by name with for_each_kernel_tracepoint(). What
 * the tracepoint cannot see (request and timewait sockets, listener drops,
 * accept) needs kprobes; one that cannot attach is reported by status and
 * costs only what it would have shown.
 */
#include <linux/kernel.h>
#include <linux/ftrace.h>
#include <linux/jump_label.h>
#include <linux/kprobes.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <net/sock.h>

#include "bench.h"
#include "hooks.h"
#include "listeners.h"
#include "overflows.h"
#include "params.h"
#include "observe.h"
#include "request.h"
#include "timewait.h"

#define TW_CORE_TRACEPOINT "inet_sock_set_state"

static struct tracepoint *set_state_tp;

/*
 * Probes attach one after another, so until the last one is in, a socket
 * could be seen to begin and not to end (or the reverse): every handler
 * stays quiet until all are attached, and then all go live at once.
 */
static DEFINE_STATIC_KEY_FALSE(tw_hooks_live);

/*
 * Times each handler ran (on TCP sockets, while live), for status: so a
 * test can tell that every probe fires on the running kernel, where a
 * probe on a moved or inlined path would attach and stay silent.
 */
static DEFINE_PER_CPU(u64, tw_set_state_hits);

static void tw_probe_set_state(void *data, const struct sock *sk,
			       int oldstate, int newstate)
{
	if (!static_branch_likely(&tw_hooks_live))
		return;
	/* The tracepoint hands out a const socket; cookies are generated in it. */
	if (sk->sk_protocol == IPPROTO_TCP) {
		this_cpu_inc(tw_set_state_hits);
		tw_stage_begin(TW_STAGE_SET_STATE);
		tw_observe_full((struct sock *)sk, oldstate, newstate);
		tw_stage_end(TW_STAGE_SET_STATE);
	}
}

static void tw_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, TW_CORE_TRACEPOINT))
		set_state_tp = tp;
}

/* A kprobe on a kernel function, and whether it is attached. */
struct tw_kprobe {
	const char *symbol;
	kprobe_pre_handler_t pre;
	const char *loses;	/* what status says is missing without it */
	bool optional;		/* in code a kernel may leave out (MPTCP) */
	struct kprobe kp;
	bool attached;		/* set before the family registers, cleared after it goes */
};

#define TW_KPROBE(sym, handler, what) \
	{ .symbol = sym, .pre = handler, .loses = what }
#define TW_KPROBE_OPTIONAL(sym, handler, what) \
	{ .symbol = sym, .pre = handler, .loses = what, .optional = true }

#define TW_LOSES_REQ_BIRTH	"request sockets: their births (SYN_RECV), dwell, owner, SYN queue depth"
#define TW_LOSES_REQ_FREE	"request entries freed without an end stay tracked until unload"
#define TW_LOSES_LISTENER	"per-listener drops and accept queue overflows"
#define TW_LOSES_CHILD		"per-listener overflows; cookies of children of SYN-cookie and TFO requests"
#define TW_LOSES_GRAFT		"owners of accepted connections (the accepting process)"

static struct tw_kprobe tw_kprobes[] = {
	TW_KPROBE("tcp_v4_send_synack", tw_kp_send_synack, "IPv4 " TW_LOSES_REQ_BIRTH),
	TW_KPROBE("tcp_v6_send_synack", tw_kp_send_synack, "IPv6 " TW_LOSES_REQ_BIRTH),
	TW_KPROBE("tcp_check_req", tw_kp_check_req,
		  "the reason of request ends by a reset (reported as dropped)"),
	TW_KPROBE("inet_csk_complete_hashdance", tw_kp_complete_hashdance,
		  "request ends by the final ACK (accepted), accept queue depth"),
	TW_KPROBE("__inet_csk_reqsk_queue_drop", tw_kp_reqsk_queue_drop,
		  "request ends by timeout, reset or drop"),
	TW_KPROBE("tcp_rtx_synack", tw_kp_rtx_syn_ack, "per-listener SYN-ACK retransmits"),
	TW_KPROBE("tcp_v4_reqsk_destructor", tw_kp_reqsk_destructor, "IPv4 " TW_LOSES_REQ_FREE),
	TW_KPROBE("tcp_v6_reqsk_destructor", tw_kp_reqsk_destructor, "IPv6 " TW_LOSES_REQ_FREE),
	TW_KPROBES_SERIES,	/* compat.h: the ones that differ by kernel series */
	TW_KPROBE("__inet_twsk_schedule", tw_kp_twsk_schedule,
		  "timewait sockets' FIN_WAIT2 -> TIME_WAIT"),
	TW_KPROBE("tw_timer_handler", tw_kp_tw_timer_handler,
		  "the reason of timewait ends by their timer (expired)"),
	TW_KPROBE("tcp_timewait_state_process", tw_kp_timewait_state_process,
		  "the reason of timewait ends by a segment (reset, reused 4-tuple)"),
	TW_KPROBE("inet_twsk_put", tw_kp_twsk_put,
		  "the reason of timewait ends may be stale (a hint is not cleared)"),
	TW_KPROBE("inet_twsk_deschedule_put", tw_kp_twsk_deschedule_put,
		  "timewait ends by a segment or a namespace purge"),
	TW_KPROBE("inet_twsk_kill", tw_kp_twsk_kill, "timewait ends"),
	TW_KPROBE("tcp_v4_conn_request", tw_kp_listener_arg0, "IPv4 " TW_LOSES_LISTENER),
	TW_KPROBE("tcp_v6_conn_request", tw_kp_listener_arg0, "IPv6 " TW_LOSES_LISTENER),
	TW_KPROBE("tcp_conn_request", tw_kp_tcp_conn_request, TW_LOSES_LISTENER),
	TW_KPROBE_OPTIONAL("subflow_v4_conn_request", tw_kp_listener_arg0,
			   "MPTCP IPv4 " TW_LOSES_LISTENER),
	TW_KPROBE_OPTIONAL("subflow_v6_conn_request", tw_kp_listener_arg0,
			   "MPTCP IPv6 " TW_LOSES_LISTENER),
	TW_KPROBE("tcp_v4_syn_recv_sock", tw_kp_syn_recv_sock, "IPv4 " TW_LOSES_CHILD),
	TW_KPROBE("tcp_v6_syn_recv_sock", tw_kp_syn_recv_sock, "IPv6 " TW_LOSES_CHILD),
	TW_KPROBE("tcp_req_err", tw_kp_req_err, "per-listener drops of requests by ICMP errors"),
	TW_KPROBE("tcp_get_syncookie_mss", tw_kp_get_syncookie_mss, "per-listener SYN cookies"),
	TW_KPROBE("security_sock_graft", tw_kp_sock_graft, TW_LOSES_GRAFT),
	TW_KPROBE_OPTIONAL("mptcp_sock_graft", tw_kp_sock_graft, "MPTCP " TW_LOSES_GRAFT),
};

static DEFINE_PER_CPU(u64 [ARRAY_SIZE(tw_kprobes)], tw_kprobe_hits);

/*
 * Test only: the kprobe meant for this function goes to a symbol no kernel
 * has, as on a kernel without the function, to test what status says then.
 */
static char *test_missing_probe;
module_param(test_missing_probe, charp, 0444);
MODULE_PARM_DESC(test_missing_probe,
		 "Test only: attach the probe on this kernel function to a symbol that does not exist");

#define TW_NO_SUCH_SYMBOL	"tcpwatch_test_no_such_symbol"

/*
 * Kprobes go on the first instruction after the function's fentry call,
 * where the arguments are still in their registers: there they are int3
 * (later jump-optimized) probes of their own, not ftrace-based ones.
 * Arming an ftrace-based probe under traffic sent a CPU to address 0 in
 * the VM (a CPU taking ftrace's temporary int3 as the kprobe's), and so did
 * kretprobes, whose return trampoline we therefore do without: nothing
 * here needs a function's return (Documentation/design.md).
 *
 * Where that call is, the kernel knows, not a constant: on 6.1 it is at +0;
 * with IBT (6.12) a function that may be called indirectly begins with a
 * 4-byte endbr64 and the call follows, so +5 is inside it (register_kprobe()
 * says -EILSEQ); a notrace function has no call at all. A disabled probe at
 * offset 0 is placed by the kernel's own rules (arch_adjust_kprobe_addr()
 * steps over an endbr) and flagged KPROBE_FLAG_FTRACE when it sits on the
 * fentry call; it is never armed. The real probe goes just after that call.
 */
static int tw_kprobe_locate(struct tw_kprobe *p)
{
	p->kp.symbol_name = p->symbol;
	if (test_missing_probe && !strcmp(p->symbol, test_missing_probe))
		p->kp.symbol_name = TW_NO_SUCH_SYMBOL;
	p->kp.flags = KPROBE_FLAG_DISABLED;
	return register_kprobe(&p->kp);
}

static kprobe_opcode_t *tw_kprobe_site(const struct kprobe *locator)
{
	if (locator->flags & KPROBE_FLAG_FTRACE)
		return (void *)locator->addr + MCOUNT_INSN_SIZE;
	return locator->addr;
}

static int tw_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct tw_kprobe *p = container_of(kp, struct tw_kprobe, kp);
	int ret;

	if (!static_branch_likely(&tw_hooks_live))
		return 0;
	this_cpu_inc(tw_kprobe_hits[p - tw_kprobes]);
	tw_stage_begin(TW_STAGE_KPROBE);
	ret = p->pre(kp, regs);
	tw_stage_end(TW_STAGE_KPROBE);
	return ret;
}

static int tw_kprobe_attach(struct tw_kprobe *p, kprobe_opcode_t *site)
{
	memset(&p->kp, 0, sizeof(p->kp));
	p->kp.addr = site;
	p->kp.pre_handler = tw_kprobe_pre;
	return register_kprobe(&p->kp);
}

static void tw_kprobe_failed(const struct tw_kprobe *p, int err)
{
	if (err == -ENOENT && p->optional)
		pr_debug("no %s in this kernel\n", p->symbol);
	else
		pr_warn("cannot probe %s (%d): missing %s\n", p->symbol, err, p->loses);
}

/* Locators go all at once: one RCU grace period instead of one per probe. */
static void tw_kprobes_attach(void)
{
	struct kprobe *locators[ARRAY_SIZE(tw_kprobes)];
	kprobe_opcode_t *sites[ARRAY_SIZE(tw_kprobes)];
	unsigned int i, n = 0;
	int err;

	for (i = 0; i < ARRAY_SIZE(tw_kprobes); i++) {
		sites[i] = NULL;
		err = tw_kprobe_locate(&tw_kprobes[i]);
		if (err) {
			tw_kprobe_failed(&tw_kprobes[i], err);
			continue;
		}
		sites[i] = tw_kprobe_site(&tw_kprobes[i].kp);
		locators[n++] = &tw_kprobes[i].kp;
	}
	if (n)
		unregister_kprobes(locators, n);
	for (i = 0; i < ARRAY_SIZE(tw_kprobes); i++) {
		if (!sites[i])
			continue;
		err = tw_kprobe_attach(&tw_kprobes[i], sites[i]);
		tw_kprobes[i].attached = !err;
		if (err)
			tw_kprobe_failed(&tw_kprobes[i], err);
	}
}

/* All at once: one RCU grace period instead of one per probe. */
static void tw_kprobes_detach(void)
{
	struct kprobe *kps[ARRAY_SIZE(tw_kprobes)];
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(tw_kprobes); i++) {
		if (tw_kprobes[i].attached)
			kps[n++] = &tw_kprobes[i].kp;
		tw_kprobes[i].attached = false;
	}
	if (n)
		unregister_kprobes(kps, n);
}

/* Whether every kprobe with handler @pre is attached (and there is one). */
static bool tw_kprobe_attached(kprobe_pre_handler_t pre)
{
	bool found = false;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tw_kprobes); i++) {
		if (tw_kprobes[i].pre != pre)
			continue;
		if (!tw_kprobes[i].attached)
			return false;
		found = true;
	}
	return found;
}

static bool tw_kprobe_named(const char *symbol)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tw_kprobes); i++)
		if (!strcmp(tw_kprobes[i].symbol, symbol))
			return true;
	return false;
}

/* Counted by the kprobes core on any CPU, while status reads it. */
static u64 tw_kprobe_missed(const struct tw_kprobe *p)
{
	return READ_ONCE(p->kp.nmissed);
}

int tw_hooks_init(void)
{
	int err;

	if (test_missing_probe && !tw_kprobe_named(test_missing_probe)) {
		pr_err("invalid test_missing_probe=%s: not a function tcpwatch probes\n",
		       test_missing_probe);
		return -EINVAL;
	}
	for_each_kernel_tracepoint(tw_find_tracepoint, NULL);
	if (!set_state_tp) {
		pr_err("tracepoint sock:%s not found\n", TW_CORE_TRACEPOINT);
		return -ENOENT;
	}
	if (tw_lifecycle)
		tw_kprobes_attach();
	tw_requests_reaped = tw_kprobe_attached(tw_kp_reqsk_destructor);
	err = tracepoint_probe_register(set_state_tp, tw_probe_set_state, NULL);
	if (err) {
		pr_err("cannot attach to sock:%s: %d\n", TW_CORE_TRACEPOINT, err);
		set_state_tp = NULL;
		tw_hooks_exit();
		return err;
	}
	/* Patches every site and syncs every CPU before it returns. */
	static_branch_enable(&tw_hooks_live);
	/*
	 * A kernel path that passed a probe while it was quiet may still be
	 * about to hash or unhash its socket; let those in softirq or with BH
	 * or preemption off finish before tw_seed() walks the tables.
	 */
	synchronize_rcu();
	return 0;
}

void tw_hooks_exit(void)
{
	if (set_state_tp)
		tracepoint_probe_unregister(set_state_tp, tw_probe_set_state, NULL);
	tw_kprobes_detach();
	/* No probe may still run when the module text goes away. */
	tracepoint_synchronize_unregister();
	set_state_tp = NULL;
}

/* Probe @i's hits, summed over CPUs: 0 is the tracepoint, 1 + k kprobe k. */
static u64 tw_probe_hits(unsigned int i)
{
	unsigned int cpu;
	u64 sum = 0;

	for_each_possible_cpu(cpu) {
		if (i)
			sum += READ_ONCE(per_cpu(tw_kprobe_hits, cpu)[i - 1]);
		else
			sum += READ_ONCE(per_cpu(tw_set_state_hits, cpu));
	}
	return sum;
}

bool tw_hook_info(unsigned int i, struct tw_hook_info *info)
{
	if (i <= ARRAY_SIZE(tw_kprobes))
		info->hits = tw_probe_hits(i);
	if (i == 0) {
		info->name = "sock:" TW_CORE_TRACEPOINT;
		info->loses = "every state change of full sockets";
		info->attached = set_state_tp;
		info->missed = 0;
		return true;
	}
	if (--i >= ARRAY_SIZE(tw_kprobes))
		return false;
	info->name = tw_kprobes[i].symbol;
	info->loses = tw_kprobes[i].loses;
	info->attached = tw_kprobes[i].attached;
	info->missed = tw_kprobe_missed(&tw_kprobes[i]);
	return true;
}

u64 tw_hooks_missed(void)
{
	unsigned int i;
	u64 missed = 0;

	for (i = 0; i < ARRAY_SIZE(tw_kprobes); i++)
		missed += tw_kprobe_missed(&tw_kprobes[i]);
	return missed;
}
