#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# A server that never closes: its sockets stay in CLOSE_WAIT, and tcpwatch
# counts them like ss and tracefs do, and names the process that owns them.

load lib

PORT=5201
COUNT=3

setup() {
	load_module
	trace_start
	bg_start cw sockdrv closewait 127.0.0.1 "$PORT" --count "$COUNT"
	wait_for_line "$(bg_out cw)" '^closewait ready'
	trace_stop
}

@test "CLOSE_WAIT count: tcpwatch summary = ss state close-wait = tracefs" {
	local dir ss_n tw_n kernel_n
	dir=$(tw_tmp)

	ss_n=$(ss -Htan state close-wait | wc -l)
	tw_summary "$dir/summary.json"
	tw_n=$(jq -r '.states.CLOSE_WAIT' "$dir/summary.json")
	# sockets that went into CLOSE_WAIT and did not leave it while traced
	kernel_n=$(awk '$7 == "CLOSE_WAIT" { n++ } $6 == "CLOSE_WAIT" { n-- } END { print n + 0 }' "$dir/trace.txt")

	[ "$ss_n" -eq "$COUNT" ] || fail "ss shows $ss_n sockets in CLOSE_WAIT, sockdrv made $COUNT"
	[ "$kernel_n" -eq "$COUNT" ] || fail "tracefs shows $kernel_n sockets entering CLOSE_WAIT, sockdrv made $COUNT"
	[ "$tw_n" = "$COUNT" ] || fail "tcpwatch summary says $tw_n sockets in CLOSE_WAIT; ss and tracefs say $COUNT"
}

@test "CLOSE_WAIT sockets are attributed to the process that accepted them" {
	local dir pid bad
	dir=$(tw_tmp)
	pid=$(bg_pid cw)
	tw_events "$dir/events.json"
	tw_port_events "$PORT" <"$dir/events.json" >"$dir/port.json"

	run jq -r 'select(.sk == "full" and .new == "CLOSE_WAIT") | "\(.pid) \(.comm)"' "$dir/port.json"
	[ "${#lines[@]}" -eq "$COUNT" ] ||
		fail "tcpwatch shows ${#lines[@]} ESTABLISHED->CLOSE_WAIT events, expected $COUNT: $output"
	bad=$(printf '%s\n' "${lines[@]}" | grep -v "^$pid sockdrv\$" || true)
	[ -z "$bad" ] || fail "CLOSE_WAIT events not owned by sockdrv (pid $pid): $bad"
}

@test "the CLOSE_WAIT sockets close when their owner dies" {
	local dir
	dir=$(tw_tmp)
	bg_stop cw KILL || true
	wait_port_quiet "$PORT"
	tw_summary "$dir/summary.json"
	run jq -r '.states.CLOSE_WAIT' "$dir/summary.json"
	[ "$output" = 0 ] || fail "tcpwatch still counts $output sockets in CLOSE_WAIT after their owner died"
}
