#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures, injected by the kernel's failslab and fail_page_alloc
# (the debug kernel has them; Debian's kernels do not, and skip this file):
#  - at load: the Nth allocation of finit_module() fails, for every N until
#    the load no longer reaches it; each failure is a clean refusal that
#    leaves nothing behind (kmemleak, at the end of the run, sees any leak);
#  - under churn: the sockets' own processes and the readers' queries see
#    one in ten of their socket buffers fail (failslab on skbuff_head_cache
#    alone: failing their exec or page faults would kill them before they
#    ran); nothing crashes, each query answers or fails with a one-line
#    error, and the aggregates still equal what the kernel traced.

load lib

PORT=9001
FI=/sys/kernel/debug
# More than finit_module() of tcpwatch.ko with these parameters allocates.
MAX_NTH=${FAULTS_MAX_NTH:-3000}
SMALL="ring_size=64 max_tracked=64"
# Socket buffers' heads: every skb, and nothing exec or a page fault needs.
# vm-run.sh boots the debug kernels with slub_debug=A for this cache: its
# failslab flag can be set only at boot.
SKB_CACHE=/sys/kernel/slab/skbuff_head_cache

setup() {
	require_tcpwatch
	[ -d "$FI/failslab" ] && [ -d "$FI/fail_page_alloc" ] ||
		skip "this kernel has no failslab/fail_page_alloc (CONFIG_FAULT_INJECTION)"
	command -v modload >/dev/null || skip "tests/modload is not in this VM"
	fi_quiet failslab
	fi_quiet fail_page_alloc
}

teardown() {
	[ -d "$FI/failslab" ] && fi_off
	common_teardown
}

# only_alloc_warnings: the kernel log holds no failure but the allocator's
# own reports of the failures injected here ("page allocation failure",
# "vmalloc error", each with a Call Trace the rig would count); checked,
# they are cleared, so that the rig's scan at the end sees what follows.
only_alloc_warnings() {
	local log bad reports traces
	log=$(dmesg)
	bad=$(grep -E 'BUG:|WARNING:|Oops|general protection|KASAN|KFENCE|KCSAN|lockdep|inconsistent lock state|suspicious RCU|ODEBUG|sleeping function called|scheduling while atomic|refcount_t:|list_(add|del) corruption' <<<"$log" |
		grep -vE 'RCU lockdep checking is enabled|kcsan: ' || true)
	[ -z "$bad" ] || fail "the kernel log shows more than injected allocation failures: $bad"
	reports=$(grep -cE 'page allocation failure|vmalloc error' <<<"$log" || true)
	traces=$(grep -c 'Call Trace:' <<<"$log" || true)
	[ "$traces" -eq "$reports" ] ||
		fail "$traces call traces in the kernel log, but only $reports allocation failure reports: $(grep -B3 'Call Trace:' <<<"$log" | head -n 40)"
	dmesg -c >/dev/null
}

# fi_quiet NAME: no stack dump per injected failure (they are expected).
fi_quiet() {
	echo 0 >"$FI/$1/verbose"
	echo 0 >"$FI/$1/probability"
	echo -1 >"$FI/$1/times"
	echo 0 >"$FI/$1/space"
	echo 1 >"$FI/$1/interval"
}

fi_off() {
	echo 0 >"$FI/failslab/probability"
	echo 0 >"$FI/fail_page_alloc/probability"
	echo Y >"$FI/failslab/ignore-gfp-wait"
	echo Y >"$FI/fail_page_alloc/ignore-gfp-wait"
	echo Y >"$FI/fail_page_alloc/ignore-gfp-highmem"
	echo 1 >"$FI/fail_page_alloc/min-order"
	echo N >"$FI/failslab/task-filter"
	echo N >"$FI/fail_page_alloc/task-filter"
	echo N >"$FI/failslab/cache-filter"
}

# load_sweep: modload --fail-nth N for N = 1, 2, ... until the armed fault
# is no longer reached; every refused load must leave no module behind.
load_sweep() {
	local n out refused=0 survived=0
	for ((n = 1; n <= MAX_NTH; n++)); do
		out=$(modload --fail-nth "$n" "$TCPWATCH_KO" $SMALL) && :
		case $out in
		refused:*"(fault $n fired)")
			refused=$((refused + 1))
			! module_loaded || fail "load #$n: '$out', yet tcpwatch is loaded"
			;;
		"loaded (fault $n fired)")
			survived=$((survived + 1))
			tcpwatch summary --json >/dev/null ||
				fail "load #$n survived its failed allocation but does not answer"
			rmmod tcpwatch || fail "rmmod after load #$n failed"
			;;
		"loaded (fault $n not reached)")
			rmmod tcpwatch || fail "rmmod after the last load failed"
			log "$n-1 allocations in the load: $refused refused it, $survived were survived"
			[ "$refused" -gt 0 ] || fail "no failed allocation ever refused the load"
			return 0
			;;
		*)
			fail "load #$n: unexpected answer '$out'"
			;;
		esac
	done
	fail "the load still reached fault $MAX_NTH: raise FAULTS_MAX_NTH"
}

@test "insmod with its Nth slab allocation failing, for every N: refused cleanly, nothing left behind" {
	echo N >"$FI/failslab/ignore-gfp-wait"
	load_sweep
	only_alloc_warnings
}

@test "insmod with its Nth page allocation failing, for every N: refused cleanly, nothing left behind" {
	echo N >"$FI/fail_page_alloc/ignore-gfp-wait"
	echo N >"$FI/fail_page_alloc/ignore-gfp-highmem"
	echo 0 >"$FI/fail_page_alloc/min-order"
	load_sweep
	only_alloc_warnings
}

# failing COMMAND...: COMMAND with make-it-fail set, so that the armed
# fault injection may fail its allocations.
failing() {
	echo 1 >/proc/self/make-it-fail && exec "$@"
}

@test "churn and queries with 10% of their socket buffers failing: no crash, clean errors, exact aggregates" {
	local dir f i rc answered=0 refused=0 unrun=0
	dir=$(tw_tmp)
	load_module
	export -f failing

	tw_summary "$dir/before.json"
	trace_start
	[ "$(cat "$SKB_CACHE/failslab" 2>/dev/null)" = 1 ] ||
		skip "$SKB_CACHE is not flagged for failslab (boot with slub_debug=A,skbuff_head_cache)"
	echo Y >"$FI/failslab/cache-filter"
	echo Y >"$FI/failslab/task-filter"
	echo N >"$FI/failslab/ignore-gfp-wait"
	echo 10 >"$FI/failslab/probability"
	touch "$dir/running"
	bg_start churn bash -c "while [ -e '$dir/running' ]; do failing sockdrv churn 127.0.0.1 $PORT 20 --timeout-ms 2000 >/dev/null 2>&1; done"
	for ((i = 0; i < 100; i++)); do
		rc=0
		bash -c 'failing tcpwatch summary --json' >"$dir/q.json" 2>"$dir/q.err" || rc=$?
		case $rc in
		0)
			jq -e .states "$dir/q.json" >/dev/null ||
				fail "query #$i succeeded with output that is not a summary: $(head -c 300 "$dir/q.json")"
			answered=$((answered + 1))
			;;
		1)
			[ "$(wc -l <"$dir/q.err")" -eq 1 ] ||
				fail "query #$i failed without a one-line error: $(cat "$dir/q.err")"
			refused=$((refused + 1))
			;;
		126|127)
			# exec or the dynamic loader failed: tcpwatch never ran
			unrun=$((unrun + 1))
			;;
		*)
			fail "query #$i exited $rc (a crash?): $(cat "$dir/q.err")"
			;;
		esac
	done
	rm -f "$dir/running"
	bg_wait churn 120 || fail "the churn loop failed (status $?)"
	fi_off
	wait_port_quiet "$PORT" 60
	trace_stop
	tw_summary "$dir/after.json"
	log "queries under failures: $answered answered, $refused refused, $unrun never ran"
	only_alloc_warnings
	[ "$answered" -gt 0 ] || fail "no query was ever answered"

	transition_delta "$dir/before.json" "$dir/after.json" >"$dir/tcpwatch-delta.txt"
	trace_transition_counts "$dir/trace.txt" >"$dir/kernel-counts.txt"
	[ -s "$dir/kernel-counts.txt" ] || fail "the kernel traced no transition: no churn happened"
	diff -u "$dir/kernel-counts.txt" "$dir/tcpwatch-delta.txt" >&2 ||
		fail "tcpwatch's transition counts (+) differ from tracefs (-) under allocation failures"
}
