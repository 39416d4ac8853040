/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_BENCH_H
#define _TCPWATCH_BENCH_H

#ifdef DEBUG
void tw_bench_run(void);
#else
static inline void tw_bench_run(void) { }
#endif

/*
 * Stage markers, for make bench's cost of each stage of an event on real
 * traffic: in debug builds (make module-debug) a NOP that QEMU's insncount
 * plugin (tests/insncount.c) reports with the vCPU's instruction count,
 * "nopl 0x5457TTTT(%rax,%rax,1)"; nothing in the module that ships. A
 * stage's begin tag is even, its end tag the next odd number. Tags below
 * 16 are bench.c's and the test tools'.
 */
enum tw_stage {
	TW_STAGE_SET_STATE = 16,	/* the tracepoint handler, all of it */
	TW_STAGE_CLOCK = 18,		/* ktime_get_ns() */
	TW_STAGE_LOOKUP = 20,		/* the tracking-table lookup */
	TW_STAGE_INSERT = 22,		/* a new tracking entry */
	TW_STAGE_DELETE = 24,		/* an entry removed */
	TW_STAGE_COUNT = 26,		/* the aggregate counters */
	TW_STAGE_RECORD = 28,		/* the ring record */
	TW_STAGE_KPROBE = 30,		/* a kprobe's handler, all of it */
};

#ifdef DEBUG
/* Inlined, @tag is a constant, as the "i" constraint needs. */
static __always_inline void tw_stage_mark(unsigned int tag)
{
	asm volatile("nopl %c0(%%rax,%%rax,1)" : : "i" (0x54570000 + tag));
}
#else
static inline void tw_stage_mark(unsigned int tag) { }
#endif
#define tw_stage_begin(stage)	tw_stage_mark(stage)
#define tw_stage_end(stage)	tw_stage_mark((stage) + 1)

#endif
