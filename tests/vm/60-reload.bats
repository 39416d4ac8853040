#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# insmod/rmmod in a loop while connections churn on both CPUs, some of the
# unloads with a live `events --follow` subscriber; then 100 cycles under
# full load: tcpwatchd (one with --output, one without) and `events
# --follow` attached, /proc and netlink
# dumps read in loops, and a namespace's TIME_WAIT sockets being purged as
# the module goes. The rig fails the run on any Oops/WARNING/lockdep/RCU
# report or hung task in the kernel log (and, on the debug kernel, on a
# KASAN report or a kmemleak leak).

load lib

PORT=5501
ITERATIONS=${RELOAD_ITERATIONS:-20}
FULL_ITERATIONS=${RELOAD_FULL_ITERATIONS:-100}

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
	bg_wait churn 60 || fail "the background churn failed (status $?): $(tail -n 5 "$(bg_out churn)")"

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

# loop_while FILE COMMAND...: run COMMAND over and over while FILE exists;
# fail (exit 1) if it ever dies of a signal, which a module going away
# under a reader must never cause. Errors ("not loaded") are expected.
loop_while() {
	local flag=$1 rc
	shift
	while [ -e "$flag" ]; do
		"$@" >/dev/null 2>&1 && continue
		rc=$?
		if [ "$rc" -gt 128 ]; then
			echo "'$*' died of signal $((rc - 128))"
			exit 1
		fi
	done
}

# daemon_said NAME TEXT N: the tcpwatchd started as NAME has said TEXT N times.
daemon_said() {
	[ "$(grep -cF -- "$2" "$(bg_out "$1")")" -eq "$3" ]
}

# daemon_state NAME: where NAME waits, for a failure message.
daemon_state() {
	local pid
	pid=$(bg_pid "$1")
	echo "$1 said: $(cat "$(bg_out "$1")"); it waits in $(cat /proc/"$pid"/wchan 2>&1): $(cat /proc/"$pid"/stack 2>&1); status: $(grep -E 'State|SigBlk' /proc/"$pid"/status 2>&1)"
}

# purge_ns NAME PORT: a namespace whose connections end in TIME_WAIT, deleted
# at once, so that cleanup_net() purges its timewait sockets while the
# module is unloaded.
purge_ns() {
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
	ip netns exec "$1" sockdrv churn 127.0.0.1 "$2" 20 >/dev/null || return 1
	ip netns del "$1"
}

@test "insmod/rmmod $FULL_ITERATIONS times under full load: churn on every CPU, tcpwatchd with and without --output, events --follow, /proc and dump readers, a timewait purge" {
	local dir i cpu ncpu d
	require_tcpwatch
	[ "$FULL_ITERATIONS" -gt 0 ] || skip "RELOAD_FULL_ITERATIONS=0"
	dir=$(tw_tmp)
	ncpu=$(nproc)
	export -f loop_while

	touch "$dir/running"
	for ((cpu = 0; cpu < ncpu; cpu++)); do
		bg_start "churn$cpu" taskset -c "$cpu" bash -c \
			"while [ -e '$dir/running' ]; do sockdrv churn 127.0.0.1 $((PORT + 10 + cpu)) 50 >/dev/null || exit 1; done"
	done
	bg_start procreader bash -c "loop_while '$dir/running' cat /proc/tcpwatch/summary"
	bg_start dumper bash -c "loop_while '$dir/running' tcpwatch events --json"
	bg_start summarizer bash -c "loop_while '$dir/running' tcpwatch listeners --json"
	# /dev/null: it now keeps up, and a file of every event would fill the
	# VM's memory within the 100 reloads
	bg_start daemon tcpwatchd --output /dev/null --interval 1
	# the default: no events; dumps of the listeners and sockets every 2 s
	# (each reads thousands of TIME_WAIT sockets under this churn)
	bg_start quiet tcpwatchd --prom "$dir/quiet.prom" --interval 2
	wait_for_line "$(bg_out daemon)" 'module not loaded' 10
	wait_for_line "$(bg_out quiet)" 'module not loaded' 10

	for ((i = 1; i <= FULL_ITERATIONS; i++)); do
		insmod "$TCPWATCH_KO" || fail "insmod #$i failed: $(dmesg | tail -n 5)"
		for d in daemon quiet; do
			wait_until "tcpwatchd ($d) to say the module is back (#$i)" 30 \
				daemon_said "$d" "module is back" "$i" || fail "$(daemon_state "$d")"
		done
		bg_start follow tcpwatch events --json --follow
		wait_until "events --follow to print something (#$i)" 30 test -s "$(bg_out follow)"
		purge_ns "purge60" $((PORT + 50)) || fail "the namespace to purge could not be set up (#$i)"
		# A reader in a netlink dump holds a reference: "in use" until it ends.
		wait_until "rmmod #$i to succeed" 30 rmmod tcpwatch
		for d in daemon quiet; do
			wait_until "tcpwatchd ($d) to say the module is gone (#$i)" 30 \
				daemon_said "$d" "; waiting for it to come back" "$i" || fail "$(daemon_state "$d")"
		done
		bg_stop follow TERM || true
	done

	rm -f "$dir/running"
	for ((cpu = 0; cpu < ncpu; cpu++)); do
		bg_wait "churn$cpu" 60 || fail "the churn on CPU $cpu failed (status $?): $(tail -n 5 "$(bg_out "churn$cpu")")"
	done
	for i in procreader dumper summarizer; do
		bg_wait "$i" 60 || fail "the $i loop failed (status $?): $(tail -n 5 "$(bg_out "$i")")"
	done
	for d in daemon quiet; do
		kill -0 "$(bg_pid "$d")" || fail "tcpwatchd ($d) died: $(tail -n 5 "$(bg_out "$d")")"
		bg_stop "$d" TERM || fail "tcpwatchd ($d) exited with status $? on SIGTERM: $(tail -n 5 "$(bg_out "$d")")"
		[ "$(grep -c 'module is back' "$(bg_out "$d")")" -eq "$FULL_ITERATIONS" ] ||
			fail "tcpwatchd ($d) said 'module is back' $(grep -c 'module is back' "$(bg_out "$d")") times, not $FULL_ITERATIONS"
	done
	grep -qx 'tcpwatch_daemon_event_output 0' "$dir/quiet.prom" || fail "tcpwatchd without --output does not say so in its metrics"
	! grep -q '^{' "$(bg_out quiet)" || fail "tcpwatchd without --output wrote events"
	! module_loaded || fail "tcpwatch is still loaded"
	[ ! -e /proc/tcpwatch ] || fail "/proc/tcpwatch is still there after rmmod"
}
