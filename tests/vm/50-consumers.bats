#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Two consumers at once, the daemon and `tcpwatch events --follow`: each
# gets every event, the same ones, and as many as the kernel traced.

load lib

PORT=5401
CANARY=5402
CONNECTIONS=200

setup() {
	load_module ring_size=16384
}

# has_port FILE PORT: FILE holds an event with PORT as destination.
has_port() {
	grep -qE "\"dport\": ?$2[,}]" "$1"
}

# canary: one more connection on the canary port, then whether both
# consumers have shown one.
canary() {
	sockdrv handshake 127.0.0.1 "$CANARY" >/dev/null || return 1
	has_port "$DAEMON_OUT" "$CANARY" && has_port "$(bg_out follow)" "$CANARY"
}

# port_count FILE: full-socket events of PORT in FILE.
port_count() {
	tw_port_events "$PORT" <"$1" | tw_tuples | wc -l
}

both_have() {
	[ "$(port_count "$DAEMON_OUT")" -ge "$1" ] && [ "$(port_count "$(bg_out follow)")" -ge "$1" ]
}

# cpu_seqs FILE: the (cpu, seq) of every event of PORT's sockets.
cpu_seqs() {
	tw_port_events "$PORT" <"$1" | jq -r '"\(.cpu) \(.seq)"' | sort -n -k1,1 -k2,2
}

# no_duplicates NAME SEQFILE EVENTS: no (cpu, seq) was written twice.
no_duplicates() {
	local dup
	dup=$(uniq -d "$2" | head -n 5)
	[ -z "$dup" ] && return 0
	echo "--- events written more than once by $1:" >&2
	while read -r cpu seq; do
		grep -E "\"seq\": ?$seq," "$3" | grep -E "\"cpu\": ?$cpu," >&2 || true
	done <<<"$dup"
	fail "$1 wrote the same (cpu, seq) more than once"
}

@test "tcpwatchd and events --follow both receive all $CONNECTIONS connections' events, the same (cpu, seq)" {
	local dir kernel_n
	dir=$(tw_tmp)
	DAEMON_OUT=$dir/daemon.jsonl

	bg_start daemon tcpwatchd --output "$DAEMON_OUT" --prom "$dir/tcpwatch.prom" --interval 1
	bg_start follow tcpwatch events --json --follow
	# Both are subscribed once both have shown a connection made after they
	# started (neither offers a readiness signal of its own yet).
	wait_for "tcpwatchd and tcpwatch events --follow to show events" 30 canary

	trace_start
	run sockdrv churn 127.0.0.1 "$PORT" "$CONNECTIONS"
	[ "$status" -eq 0 ] || fail "sockdrv churn failed: $output"
	wait_port_quiet "$PORT" 60
	trace_stop
	kernel_n=$(trace_port "$PORT" | wc -l)
	wait_for "both consumers to show $kernel_n transitions of port $PORT" 30 both_have "$kernel_n"

	bg_stop daemon TERM || fail "tcpwatchd exited with status $? on SIGTERM: $(tail -n 5 "$(bg_out daemon)")"
	bg_stop follow TERM || fail "tcpwatch events --follow exited with status $? on SIGTERM"

	cpu_seqs "$DAEMON_OUT" >"$dir/daemon.seq"
	cpu_seqs "$(bg_out follow)" >"$dir/follow.seq"
	no_duplicates tcpwatchd "$dir/daemon.seq" "$DAEMON_OUT"
	no_duplicates "events --follow" "$dir/follow.seq" "$(bg_out follow)"
	diff -u "$dir/daemon.seq" "$dir/follow.seq" >&2 ||
		fail "tcpwatchd (-) and events --follow (+) saw different (cpu, seq) sets"

	trace_port "$PORT" >"$dir/kernel.txt"
	tw_port_events "$PORT" <"$DAEMON_OUT" | tw_tuples >"$dir/daemon.txt"
	tw_port_events "$PORT" <"$(bg_out follow)" | tw_tuples >"$dir/follow.txt"
	same_transition_counts tracefs "$dir/kernel.txt" tcpwatchd "$dir/daemon.txt"
	same_transition_counts tracefs "$dir/kernel.txt" "events --follow" "$dir/follow.txt"
	[ -s "$dir/tcpwatch.prom" ] || fail "tcpwatchd wrote no Prometheus textfile"
}
