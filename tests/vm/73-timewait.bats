#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# TIME_WAIT: the active closer's connection moves into a timewait socket,
# counted like /proc/net/sockstat and ss count it; a new SYN on the same
# 4-tuple takes it over (reason "reused"); and a port held by TIME_WAIT
# sockets can be bound again only with SO_REUSEADDR.

load lib
load lib-lifecycle

setup() {
	lc_load
}

# tw_on PORT: timewait sockets in TIME_WAIT with PORT as local port.
tw_on() {
	ss -Htan state time-wait "( sport = :$1 )" | wc -l
}

tw_count_is() {
	[ "$(tw_on "$1")" = "$2" ]
}

# both_close FAMILY ADDR PORT
both_close() {
	local family=$1 addr=$2 port=$3 dir cport cookie
	dir=$(tw_tmp)
	trace_start
	run sockdrv handshake "$addr" "$port"
	[ "$status" -eq 0 ] || fail "sockdrv handshake: $output"
	trace_stop
	cport=$(echo "$output" | sed -n 's/^connected .*:\([0-9]*\) -> .*/\1/p')
	[ "$(tw_on "$cport")" = 1 ] || fail "ss shows no TIME-WAIT on the client port $cport: $(ss -tan)"

	tw_summary "$dir/s.json"
	[ "$(jq -r .states.TIME_WAIT "$dir/s.json")" = "$(ss -Htan state time-wait | wc -l)" ] ||
		fail "summary TIME_WAIT $(jq -r .states.TIME_WAIT "$dir/s.json"), ss $(ss -Htan state time-wait | wc -l)"
	[ "$(jq -r .timewait.current "$dir/s.json")" = "$(lc_sockstat_tw)" ] ||
		fail "timewait.current $(jq -r .timewait.current "$dir/s.json"), sockstat tw $(lc_sockstat_tw)"
	echo "#   sockstat: $(grep '^TCP:' /proc/net/sockstat)" >&3
	show tcpwatch timewait --interval 100ms --port "$port"
	tcpwatch timewait --json --interval 100ms --port "$port" | sed 's/^/#   /' >&3

	tcpwatch events --json --port "$port" >"$dir/ev.json"
	cookie=$(jq -r --argjson c "$cport" 'select(.sk == "full" and .sport == $c and .new == "CLOSE") | .cookie' "$dir/ev.json")
	# Either the peer's FIN came before close() returned (handoff straight
	# into TIME_WAIT), or close() orphaned the socket first: handoff into the
	# FIN_WAIT2 substate, then FIN_WAIT2 -> TIME_WAIT inside the timewait
	# socket when the FIN arrives (tcp_timewait_state_process()).
	run jq -r --argjson k "$cookie" 'select(.cookie == $k and .sk == "timewait") | "\(.old) \(.new) \(.reason) \(.comm)"' "$dir/ev.json"
	[ "$output" = "FIN_WAIT2 TIME_WAIT handoff sockdrv" ] ||
		[ "$output" = "FIN_WAIT2 FIN_WAIT2 handoff sockdrv"$'\n'"FIN_WAIT2 TIME_WAIT null sockdrv" ] ||
		fail "the client's timewait socket (cookie $cookie): '$output', expected a handoff by sockdrv ending in TIME_WAIT"
	jq -c --argjson k "$cookie" 'select(.cookie == $k and .sk == "timewait")' "$dir/ev.json" | sed 's/^/#   /' >&3

	expect "$family" "$addr" "$cport" "$addr" "$port" FIN_WAIT2 CLOSE
	trace_port "$port" | awk -v c="$cport" '$3 == c && $7 == "CLOSE"' >"$dir/kernel.txt"
	check_transitions tracefs "$dir/kernel.txt"
	lc_invariants
}

@test "both close, client first: the client's TIME_WAIT is counted = sockstat tw = ss" {
	both_close inet 127.0.0.1 7301
}

@test "IPv6: both close, client first: the client's TIME_WAIT is counted = sockstat tw = ss" {
	both_close inet6 ::1 7304
}

# reuse_timewait ADDR PORT
reuse_timewait() {
	local addr=$1 port=$2 dir cport n
	dir=$(tw_tmp)
	bg_start srv sockdrv serve "$addr" "$port" --count 2 --close-first --reuseaddr
	wait_for_line "$(bg_out srv)" '^listening'
	run sockdrv connect "$addr" "$port" --wait-eof
	[ "$status" -eq 0 ] || fail "first connection: $output"
	cport=$(echo "$output" | sed -n 's/^connected .*:\([0-9]*\) -> .*/\1/p')
	wait_for "the server's TIME_WAIT on :$port" 10 tw_count_is "$port" 1
	ss -Htan state time-wait "( sport = :$port )" | sed 's/^/#   ss: /' >&3
	show tcpwatch leaks --older-than 0 --state TIME_WAIT --port "$port"
	tw_summary "$dir/s0.json"

	run sockdrv connect "$addr" "$port" --wait-eof --bind-port "$cport" --reuseaddr
	[ "$status" -eq 0 ] || fail "second connection from port $cport: $output"
	echo "$output" | sed 's/^/#   /' >&3
	wait_for_line "$(bg_out srv)" '^done'
	tw_summary "$dir/s1.json"
	n=$(($(lc_end_count "$dir/s1.json" timewait reused) - $(lc_end_count "$dir/s0.json" timewait reused)))
	[ "$n" = 1 ] || fail "summary ends timewait/reused grew by $n, expected 1: $(jq -c .ends "$dir/s1.json")"
	tcpwatch events --json --port "$port" >"$dir/ev.json"
	run jq -r --argjson c "$cport" --argjson p "$port" \
		'select(.sk == "timewait" and .sport == $p and .dport == $c and .new == "CLOSE") | .reason' "$dir/ev.json"
	[ "$output" = reused ] || fail "the server's timewait socket $port <- $cport ended with '$output', expected reused"
	show tcpwatch events --port "$port" --state TIME_WAIT
	# the second connection left a TIME_WAIT of its own, on the same tuple
	[ "$(tw_on "$port")" = 1 ] || fail "ss: $(ss -tan)"
	lc_invariants
}

@test "server closes first; a new SYN from the same client port reuses its TIME_WAIT (reason reused)" {
	reuse_timewait 127.0.0.1 7302
}

@test "IPv6: a new SYN from the same client port reuses the server's TIME_WAIT (reason reused)" {
	reuse_timewait ::1 7305
}

@test "SO_REUSEADDR: a port with a TIME_WAIT socket cannot be bound without it, can with it" {
	local dir port=7303
	dir=$(tw_tmp)
	bg_start srv sockdrv serve 127.0.0.1 "$port" --count 1 --close-first --reuseaddr
	wait_for_line "$(bg_out srv)" '^listening'
	run sockdrv connect 127.0.0.1 "$port" --wait-eof
	[ "$status" -eq 0 ] || fail "connection: $output"
	wait_for_line "$(bg_out srv)" '^done'
	wait_for "the server's TIME_WAIT on :$port" 10 tw_count_is "$port" 1
	[ -z "$(ss -Hltn "sport = :$port")" ] || fail "the listener is still there: $(ss -ltn)"

	tcpwatch timewait --json --interval 100ms --port "$port" >"$dir/tw.json"
	show tcpwatch timewait --interval 100ms --port "$port"
	run jq -r --argjson p "$port" '.local_ports[] | select(.port == $p) | .count' "$dir/tw.json"
	[ "$output" = 1 ] || fail "tcpwatch timewait shows '$output' TIME_WAIT sockets on local port $port: $(cat "$dir/tw.json")"

	run sockdrv bind 127.0.0.1 "$port" --expect-inuse
	[ "$status" -eq 0 ] || fail "bind without SO_REUSEADDR: $output"
	echo "#   $output" >&3
	run sockdrv bind 127.0.0.1 "$port" --reuseaddr
	[ "$status" -eq 0 ] || fail "bind with SO_REUSEADDR: $output"
	echo "#   $output" >&3
	lc_invariants
}
