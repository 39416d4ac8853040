#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# One connection's life, IPv4 and IPv6: the transitions tcpwatch reports
# match the ones the kernel traced (sock:inet_sock_set_state) in the same
# run, and both match what TCP must do.
#
# What Debian's 6.1 really shows (checked against tracefs):
# - the client's CLOSE->SYN_SENT has source port 0 (connect() has not
#   picked it yet);
# - a server child's first transition LISTEN->SYN_RECV fires in
#   inet_csk_clone_lock() before its tuple is set: tracefs shows the
#   listener's port and destination port 0, tcpwatch says 0 where it had no
#   value; both are wildcards here;
# - the active closer's full socket ends FIN_WAIT2->CLOSE: tcp_time_wait()
#   hands the connection to a timewait socket, which the tracepoint never
#   sees.

load lib

setup() {
	load_module
}

# client_port NAME: the ephemeral port sockdrv reported for its client.
client_port() {
	sed -n 's/^connected .*:\([0-9]*\) -> .*/\1/p' "$(bg_out "$1")" | head -n 1
}

# collect PORT: the traced and the reported transitions of PORT into
# kernel.txt and tcpwatch.txt.
collect() {
	local dir
	dir=$(tw_tmp)
	trace_port "$1" >"$dir/kernel.txt"
	tw_events "$dir/events.json"
	tw_port_events "$1" <"$dir/events.json" >"$dir/port-events.json"
	tw_tuples <"$dir/port-events.json" >"$dir/tcpwatch.txt"
}

check_both() {
	local dir
	dir=$(tw_tmp)
	check_transitions tracefs "$dir/kernel.txt"
	check_transitions tcpwatch "$dir/tcpwatch.txt"
	same_transition_counts tracefs "$dir/kernel.txt" tcpwatch "$dir/tcpwatch.txt"
	tw_check_chains "$dir/port-events.json"
}

# expect_handshake FAMILY ADDR ANY PORT CPORT
expect_handshake() {
	local fam=$1 addr=$2 any=$3 port=$4 cport=$5
	expect "$fam" "$addr" "$port" "$any" 0 CLOSE LISTEN
	expect "$fam" "$addr" 0 "$addr" "$port" CLOSE SYN_SENT
	expect "$fam" "$addr" "$cport" "$addr" "$port" SYN_SENT ESTABLISHED
	expect "$fam" '*' '*' '*' '*' LISTEN SYN_RECV
	expect "$fam" "$addr" "$port" "$addr" "$cport" SYN_RECV ESTABLISHED
}

# handshake FAMILY ADDR ANY PORT: connect and accept, both ends stay
# ESTABLISHED; the listener stays open.
handshake() {
	local fam=$1 addr=$2 any=$3 port=$4 cport
	trace_start
	bg_start hs sockdrv handshake "$addr" "$port" --hold
	wait_for_line "$(bg_out hs)" '^established'
	trace_stop
	collect "$port"
	cport=$(client_port hs)
	[ -n "$cport" ] || fail "sockdrv did not report its client port: $(cat "$(bg_out hs)")"

	expect_handshake "$fam" "$addr" "$any" "$port" "$cport"
	check_both
}

# whole_connection ADDR PORT: connect, accept, the client closes first, the
# server reads EOF and closes; traced and collected.
whole_connection() {
	trace_start
	run sockdrv handshake "$1" "$2"
	echo "$output" >"$(bg_out hs)"
	[ "$status" -eq 0 ] || fail "sockdrv handshake failed: $output"
	wait_port_quiet "$2"
	trace_stop
	collect "$2"
}

# four_way_close FAMILY ADDR ANY PORT: a whole connection, the client
# closing first.
four_way_close() {
	local fam=$1 addr=$2 any=$3 port=$4 cport
	whole_connection "$addr" "$port"
	cport=$(client_port hs)

	expect_handshake "$fam" "$addr" "$any" "$port" "$cport"
	# client: the active close
	expect "$fam" "$addr" "$cport" "$addr" "$port" ESTABLISHED FIN_WAIT1
	expect "$fam" "$addr" "$cport" "$addr" "$port" FIN_WAIT1 FIN_WAIT2
	expect "$fam" "$addr" "$cport" "$addr" "$port" FIN_WAIT2 CLOSE
	# server child: the passive close
	expect "$fam" "$addr" "$port" "$addr" "$cport" ESTABLISHED CLOSE_WAIT
	expect "$fam" "$addr" "$port" "$addr" "$cport" CLOSE_WAIT LAST_ACK
	expect "$fam" "$addr" "$port" "$addr" "$cport" LAST_ACK CLOSE
	# the listener
	expect "$fam" "$addr" "$port" "$any" 0 LISTEN CLOSE
	check_both
}

@test "IPv4 three-way handshake: client, server child and listener transitions" {
	handshake inet 127.0.0.1 0.0.0.0 5101
}

@test "IPv4 connect to a port without listener: SYN_SENT->CLOSE, ECONNREFUSED" {
	trace_start
	run sockdrv connect 127.0.0.1 5102 --expect-refused
	[ "$status" -eq 0 ] || fail "sockdrv connect --expect-refused: $output"
	trace_stop
	collect 5102

	expect inet 127.0.0.1 0 127.0.0.1 5102 CLOSE SYN_SENT
	expect inet 127.0.0.1 '*' 127.0.0.1 5102 SYN_SENT CLOSE
	check_both
}

@test "IPv4 four-way close, client first: FIN_WAIT1/FIN_WAIT2 and CLOSE_WAIT/LAST_ACK" {
	four_way_close inet 127.0.0.1 0.0.0.0 5103
}

@test "IPv4 client's connection moves into a timewait socket with the same cookie" {
	local dir cookie
	dir=$(tw_tmp)
	whole_connection 127.0.0.1 5104
	# the client's full socket, the one that went FIN_WAIT2 -> CLOSE
	cookie=$(jq -r 'select(.sk == "full" and .old == "FIN_WAIT2" and .new == "CLOSE") | .cookie' \
		"$dir/port-events.json" | head -n 1)
	[ -n "$cookie" ] || fail "no FIN_WAIT2->CLOSE event in tcpwatch's history"
	# -s: with -e, jq judges by the last output only, not "any matched"
	jq -se --argjson c "$cookie" 'any(.[]; .sk == "timewait" and .cookie == $c and .new == "TIME_WAIT")' \
		"$dir/port-events.json" >/dev/null ||
		fail "no timewait-socket event entering TIME_WAIT with the client's cookie $cookie: $(cat "$dir/port-events.json")"
}

@test "IPv6 (::1) three-way handshake: client, server child and listener transitions" {
	handshake inet6 ::1 :: 5105
}

@test "IPv6 (::1) four-way close, client first" {
	four_way_close inet6 ::1 :: 5106
}

@test "IPv6 (::1) connect to a port without listener: ECONNREFUSED" {
	trace_start
	run sockdrv connect ::1 5107 --expect-refused
	[ "$status" -eq 0 ] || fail "sockdrv connect --expect-refused: $output"
	trace_stop
	collect 5107

	expect inet6 ::1 0 ::1 5107 CLOSE SYN_SENT
	expect inet6 ::1 '*' ::1 5107 SYN_SENT CLOSE
	check_both
}
