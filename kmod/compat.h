/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between kernel versions lives here; this header is
 * force-included into every file by Kbuild. tcpwatch targets Debian 12's 6.1
 * and 6.12 (generic and PREEMPT_RT); Documentation/design.md "Kernel series"
 * says what each difference means for what tcpwatch sees.
 */
#ifndef _TCPWATCH_COMPAT_H
#define _TCPWATCH_COMPAT_H

#include <asm/bitsperlong.h>
#include <linux/version.h>

/*
 * Per-CPU u64 counters are read from other CPUs without u64_stats_sync;
 * that is only tear-free where a u64 is one machine word.
 */
#if BITS_PER_LONG != 64
#error "tcpwatch needs a 64-bit kernel"
#endif

#define TW_KERNEL_SINCE(major, minor) \
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

/*
 * The states a socket's sk_state can hold. 6.6 added TCP_BOUND_INACTIVE
 * after TCP_NEW_SYN_RECV, a pseudo-state only inet_diag reports (for bound,
 * unconnected sockets); the tracepoint never shows it.
 */
#if TW_KERNEL_SINCE(6, 6)
#define TW_TCP_SK_STATES	TCP_BOUND_INACTIVE
#else
#define TW_TCP_SK_STATES	TCP_MAX_STATES
#endif

/* A dump request's attributes; 6.2 moved them to genl_dumpit_info(cb)->info. */
#if TW_KERNEL_SINCE(6, 2)
#define tw_dumpit_attrs(cb)	(genl_dumpit_info(cb)->info.attrs)
#else
#define tw_dumpit_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#endif

/*
 * The global TCP hash tables (listeners, and the ehash of every netns
 * without a table of its own). tcp_hashinfo is no longer exported to
 * modules on 6.12; init_net reaches it on every kernel since 6.1.
 */
#define tw_tcp_hashinfo()	(init_net.ipv4.tcp_death_row.hashinfo)

/* A namespace's timewait sockets as sockstat counts them (either substate). */
#define tw_netns_timewait(net) \
	(refcount_read(&(net)->ipv4.tcp_death_row.tw_refcount) - 1)

/* Debug build only (bench.c). 6.3 dropped the event argument. */
#if TW_KERNEL_SINCE(6, 3)
#define tw_ring_buffer_unlock_commit(rb, ev)	ring_buffer_unlock_commit(rb)
#else
#define tw_ring_buffer_unlock_commit(rb, ev)	ring_buffer_unlock_commit(rb, ev)
#endif

/*
 * Kprobes whose function differs between kernel series, expanded into
 * hooks.c's table (TW_KPROBE() is defined there). Everything else tcpwatch
 * probes has the same name and argument positions on 6.1 and 6.12.
 *
 * 6.11 ("prepare for tw_timer un-pinning") folded inet_twsk_hashdance()
 * and the timer arming of tcp_time_wait() into inet_twsk_hashdance_schedule();
 * its first two arguments (tw, sk) are the same. __inet_twsk_schedule() is
 * then called from inside it with rearm=false, which the handler ignores.
 */
#define TW_KPROBES_6_1 \
	TW_KPROBE("inet_twsk_hashdance", tw_kp_twsk_hashdance, \
		  "timewait sockets: their births, dwell and owner")
#define TW_KPROBES_6_11 \
	TW_KPROBE("inet_twsk_hashdance_schedule", tw_kp_twsk_hashdance, \
		  "timewait sockets: their births, dwell and owner")

#if TW_KERNEL_SINCE(6, 11)
#define TW_KPROBES_SERIES	TW_KPROBES_6_11
#else
#define TW_KPROBES_SERIES	TW_KPROBES_6_1
#endif

#endif /* _TCPWATCH_COMPAT_H */
