#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Connection churn on both vCPUs, traced by the kernel and watched by
# tcpwatch in the same window (setup_file), then checked four ways: exact
# aggregates per transition, a gapless lossless event history, a history
# holding every transition, and every socket's events chaining by cookie.

load lib

PORT=5301
CONNECTIONS=${CHURN_CONNECTIONS:-1000}

setup_file() {
	# tw_tmp is $BATS_FILE_TMPDIR here: trace_stop leaves trace.txt there
	local dir=$BATS_FILE_TMPDIR
	# ring_size: 10 records per connection, all on one CPU at worst
	load_module ring_size=32768

	tw_summary "$dir/before.json"
	trace_start
	sockdrv churn 127.0.0.1 "$PORT" "$CONNECTIONS" >"$dir/churn.out" 2>&1 ||
		fail "sockdrv churn failed: $(cat "$dir/churn.out")"
	wait_port_quiet "$PORT" 60
	trace_stop
	tw_summary "$dir/after.json"
	tw_events "$dir/events.json"
	tw_port_events "$PORT" <"$dir/events.json" >"$dir/port-events.json"
}

teardown_file() {
	unload_module
}

# the module stays loaded for all tests of this file
teardown() {
	:
}

@test "churn of $CONNECTIONS connections over both CPUs: summary deltas equal tracefs, per transition" {
	local dir=$BATS_FILE_TMPDIR

	# tcpwatch: after - before, per (old, new), for full sockets
	transition_delta "$dir/before.json" "$dir/after.json" >"$dir/tcpwatch-delta.txt"
	# the kernel: every TCP transition it traced in the same window
	trace_transition_counts "$dir/trace.txt" >"$dir/kernel-counts.txt"

	[ -s "$dir/tcpwatch-delta.txt" ] ||
		fail "tcpwatch's summary shows no new full-socket transitions; before: $(jq -c .transitions "$dir/before.json") after: $(jq -c .transitions "$dir/after.json")"
	[ "$(wc -l <"$dir/trace.txt")" -ge $((CONNECTIONS * 10)) ] ||
		fail "tracefs saw only $(wc -l <"$dir/trace.txt") transitions for $CONNECTIONS connections"
	diff -u "$dir/kernel-counts.txt" "$dir/tcpwatch-delta.txt" >&2 ||
		fail "tcpwatch's transition counts (+) differ from tracefs (-)"
}

@test "churn: every CPU's event sequence is gapless, no loss marker, events.lost == 0" {
	local dir=$BATS_FILE_TMPDIR

	run jq -s '[.[] | select(.type == "lost")] | length' "$dir/events.json"
	[ "$output" = 0 ] || fail "tcpwatch events shows $output loss markers: $(jq -c 'select(.type == "lost")' "$dir/events.json" | head -n 5)"

	run jq -r '.events.lost' "$dir/after.json"
	[ "$output" = 0 ] || fail "tcpwatch summary .events.lost is $output"

	# per CPU, "seq" goes up by exactly one from record to record
	run jq -r -s '[.[] | select(.seq != null)] | group_by(.cpu)[]
		| sort_by(.seq) as $r
		| range(1; $r | length) as $i
		| select($r[$i].seq != $r[$i - 1].seq + 1)
		| "cpu \($r[$i].cpu): seq \($r[$i - 1].seq) is followed by \($r[$i].seq)"' "$dir/events.json"
	[ -z "$output" ] || fail "gaps in the event sequence: $(echo "$output" | head -n 10)"

	run jq -r -s '[.[] | select(.type == "state") | .cpu] | unique | length' "$dir/events.json"
	[ "$output" -ge 2 ] || fail "all events came from $output CPU(s); the churn should use both"
}

@test "churn: the event history holds every full-socket transition tracefs saw" {
	local dir=$BATS_FILE_TMPDIR
	tw_tuples <"$dir/port-events.json" >"$dir/tcpwatch.txt"
	awk -v p="$PORT" '$3 == p || $5 == p' "$dir/trace.txt" >"$dir/kernel.txt"
	same_transition_counts tracefs "$dir/kernel.txt" tcpwatch "$dir/tcpwatch.txt"
}

@test "churn: each socket's events chain by cookie (no cookie 0, no missing step)" {
	tw_check_chains "$BATS_FILE_TMPDIR/port-events.json"
}
