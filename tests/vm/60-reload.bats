#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# insmod/rmmod in a loop while connections churn on both CPUs, some of the
# unloads with a live `events --follow` subscriber. The rig fails the run on
# any Oops/WARNING/lockdep/RCU report in the kernel log.

load lib

PORT=5501
ITERATIONS=${RELOAD_ITERATIONS:-20}

# reload_under_churn [PARAM=VALUE...]: the loop, with these module parameters.
reload_under_churn() {
	local dir i
	require_tcpwatch
	dir=$(tw_tmp)

	touch "$dir/churning"
	bg_start churn bash -c "while [ -e '$dir/churning' ]; do sockdrv churn 127.0.0.1 $PORT 50 >/dev/null || exit 1; done"

	for ((i = 1; i <= ITERATIONS; i++)); do
		insmod "$TCPWATCH_KO" "$@" || fail "insmod #$i failed: $(dmesg | tail -n 5)"
		tcpwatch summary --json >/dev/null || fail "tcpwatch summary failed after insmod #$i"
		if ((i % 2)); then
			bg_start follow tcpwatch events --json --follow
			wait_for "events --follow to print something" 10 test -s "$(bg_out follow)"
		fi
		rmmod tcpwatch || fail "rmmod #$i failed: $(dmesg | tail -n 5)"
		if ((i % 2)); then
			bg_stop follow TERM || true
		fi
	done

	rm -f "$dir/churning"
	bg_stop churn || fail "the background churn failed: $(tail -n 5 "$(bg_out churn)")"

	! grep -q '^tcpwatch ' /proc/modules || fail "lsmod still lists tcpwatch"
	run lsmod
	! echo "$output" | grep -qw tcpwatch || fail "lsmod still lists tcpwatch: $output"
	[ ! -e /proc/tcpwatch ] || fail "/proc/tcpwatch is still there after rmmod"
}

@test "insmod/rmmod $ITERATIONS times under churn (all probes): unloads cleanly, nothing left behind" {
	reload_under_churn
}

@test "insmod/rmmod $ITERATIONS times under churn, tracepoint only (lifecycle=0)" {
	reload_under_churn lifecycle=0
}
