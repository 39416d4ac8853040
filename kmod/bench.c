// SPDX-License-Identifier: GPL-2.0
/*
 * Debug builds only (make module-debug): measure the hot path at load with
 * bench=N; scripts/bench.sh (make bench) runs it in the VM. Compared side by
 * side, in nanoseconds per event and, with QEMU's insncount plugin, in
 * instructions:
 *   empty     an empty probe, the floor any tracepoint user pays
 *   clock     ktime_get_ns(), which every event reads once
 *   lookup    finding a socket's tracking entry
 *   ring      one 128-byte record into tcpwatch's per-CPU ring
 *   rb        one 128-byte record into the kernel's tracing ring buffer
 *   observe   everything tcpwatch does for one transition
 */
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/ring_buffer.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "bench.h"
#include "observe.h"
#include "ring.h"
#include "track.h"

static unsigned int bench;
module_param(bench, uint, 0444);
MODULE_PARM_DESC(bench, "Debug builds: run the hot-path benchmark N times at load");

static noinline void tw_bench_empty(void *data, struct sock *sk, int o, int n)
{
	barrier();
}

static noinline void tw_bench_ring(void)
{
	struct tw_record *rec;
	u64 seq;

	rec = tw_ring_reserve(&seq);
	memset((u8 *)rec + sizeof(rec->commit), 0, sizeof(*rec) - sizeof(rec->commit));
	tw_ring_commit(rec, seq);
}

static noinline void tw_bench_lookup(const struct sock *sk)
{
	rcu_read_lock();
	WARN_ON_ONCE(!tw_track_lookup(sk));
	rcu_read_unlock();
}

static noinline void tw_bench_rb(struct trace_buffer *rb)
{
	struct ring_buffer_event *ev = ring_buffer_lock_reserve(rb, sizeof(struct tw_record));

	if (ev) {
		memset(ring_buffer_event_data(ev), 0, sizeof(struct tw_record));
		tw_ring_buffer_unlock_commit(rb, ev);
	}
}

/*
 * NOPs that make bench's QEMU plugin (tests/insncount.c) recognises: it
 * prints the vCPU's instruction count at each, so every case below is also
 * measured in instructions. Tag 2 starts a case, tag 3 ends it.
 */
static __always_inline void tw_bench_mark_start(void)
{
	asm volatile("nopl 0x54570002(%rax,%rax,1)");
}

static __always_inline void tw_bench_mark_end(void)
{
	asm volatile("nopl 0x54570003(%rax,%rax,1)");
}

#define TW_BENCH(label, stmt) do {					\
	u64 t0 = ktime_get_ns(), i;					\
	tw_bench_mark_start();						\
	for (i = 0; i < bench; i++)					\
		stmt;							\
	tw_bench_mark_end();						\
	pr_info("bench: %-8s %llu ns/event over %u events\n", label,	\
		div_u64(ktime_get_ns() - t0, bench), bench);		\
} while (0)

void tw_bench_run(void)
{
	struct trace_buffer *rb;
	struct socket *sock;
	struct sock *sk;

	if (!bench)
		return;
	if (sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP, &sock))
		return;
	sk = sock->sk;
	rb = ring_buffer_alloc(1 << 20, RB_FL_OVERWRITE);

	preempt_disable();	/* as in a tracepoint handler */
	TW_BENCH("loop", barrier());
	TW_BENCH("empty", tw_bench_empty(NULL, sk, TCP_ESTABLISHED, TCP_FIN_WAIT1));
	TW_BENCH("clock", ktime_get_ns());
	tw_observe_full(sk, TCP_CLOSE, TCP_SYN_SENT);
	TW_BENCH("lookup", tw_bench_lookup(sk));
	TW_BENCH("ring", tw_bench_ring());
	if (rb)
		TW_BENCH("rb", tw_bench_rb(rb));
	/* A tracked socket moving between two states, as in a busy host. */
	TW_BENCH("observe",
		 tw_observe_full(sk, i & 1 ? TCP_FIN_WAIT1 : TCP_ESTABLISHED,
				 i & 1 ? TCP_ESTABLISHED : TCP_FIN_WAIT1));
	tw_observe_full(sk, TCP_ESTABLISHED, TCP_CLOSE);
	preempt_enable();

	if (rb)
		ring_buffer_free(rb);
	sock_release(sock);
}
