#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Ways a connection ends besides the four-way close: the owner killed by
# SIGKILL (the kernel closes its sockets and sends FIN), shutdown() of one
# direction, and SO_LINGER {1, 0} (an abort: RST, no TIME_WAIT). tracefs
# and tcpwatch must show the same transitions.

load lib
load lib-lifecycle

setup() {
	lc_load
}

# client_port_of FILE: the client port in sockdrv's "connected" line
# ("connected 0 127.0.0.1:P" of clients, "connected 127.0.0.1:P -> ..." of
# connect).
client_port_of() {
	sed -n -e 's/^connected [0-9]* [^ ]*:\([0-9]*\)$/\1/p' \
		-e 's/^connected [^ ]*:\([0-9]*\) -> .*/\1/p' "$1" | head -n 1
}

@test "server killed with SIGKILL: the kernel closes its sockets with FIN; the client goes to CLOSE_WAIT" {
	local dir port=7401 cport
	dir=$(tw_tmp)
	bg_start srv sockdrv serve 127.0.0.1 "$port" --timeout-ms 60000
	wait_for_line "$(bg_out srv)" '^listening'
	bg_start cl sockdrv clients 127.0.0.1 "$port" 1
	wait_for_line "$(bg_out cl)" '^clients ready'
	wait_for_line "$(bg_out srv)" '^accepted'
	cport=$(client_port_of "$(bg_out cl)")
	lc_trace_start
	bg_stop srv KILL || true
	wait_for_line "$(bg_out cl)" '^eof 0'
	wait_for "the client in CLOSE-WAIT" 10 \
		bash -c "[ \"\$(ss -Htan state close-wait '( sport = :$cport )' | wc -l)\" = 1 ]"
	trace_stop

	expect inet 127.0.0.1 "$port" '*' 0 LISTEN CLOSE
	expect inet 127.0.0.1 "$port" 127.0.0.1 "$cport" ESTABLISHED FIN_WAIT1
	expect inet 127.0.0.1 "$port" 127.0.0.1 "$cport" FIN_WAIT1 FIN_WAIT2
	expect inet 127.0.0.1 "$port" 127.0.0.1 "$cport" FIN_WAIT2 CLOSE
	expect inet 127.0.0.1 "$cport" 127.0.0.1 "$port" ESTABLISHED CLOSE_WAIT
	check_both "$port"
	show tcpwatch events --port "$port"
	show tcpwatch leaks --older-than 0 --port "$port"
	tcpwatch leaks --older-than 0 --state CLOSE_WAIT --port "$port" --json >"$dir/leaks.json"
	run jq -r '.[] | "\(.pid) \(.comm)"' "$dir/leaks.json"
	[ "$output" = "$(bg_pid cl) sockdrv" ] || fail "leaks names '$output' for the client's CLOSE_WAIT, expected $(bg_pid cl) sockdrv"
	bg_stop cl || true
	wait_port_quiet "$port"
	lc_invariants
}

@test "shutdown(SHUT_RD) changes no state: both ends stay ESTABLISHED" {
	local dir port=7402 cport
	dir=$(tw_tmp)
	bg_start srv sockdrv serve 127.0.0.1 "$port" --timeout-ms 60000
	wait_for_line "$(bg_out srv)" '^listening'
	lc_trace_start
	bg_start cl sockdrv connect 127.0.0.1 "$port" --shutdown rd --hold
	wait_for_line "$(bg_out cl)" 'holding'
	wait_for_line "$(bg_out srv)" '^accepted'
	cport=$(client_port_of "$(bg_out cl)")
	[ "$(ss -Htan state established "( sport = :$port or dport = :$port )" | wc -l)" = 2 ] ||
		fail "both ends should be ESTABLISHED after SHUT_RD: $(ss -tan)"
	trace_stop
	expect inet 127.0.0.1 0 127.0.0.1 "$port" CLOSE SYN_SENT
	expect inet 127.0.0.1 "$cport" 127.0.0.1 "$port" SYN_SENT ESTABLISHED
	expect inet '*' '*' '*' '*' LISTEN SYN_RECV
	expect inet 127.0.0.1 "$port" 127.0.0.1 "$cport" SYN_RECV ESTABLISHED
	check_both "$port"
	show tcpwatch events --port "$port"
	bg_stop cl || true
	bg_stop srv || true
	wait_port_quiet "$port"
	lc_invariants
}

@test "shutdown(SHUT_WR) half-closes: FIN_WAIT2 on the client, CLOSE_WAIT on the server, data still flows to the client" {
	local dir port=7403 cport
	dir=$(tw_tmp)
	bg_start srv sockdrv serve 127.0.0.1 "$port" --reply 100000
	wait_for_line "$(bg_out srv)" '^listening'
	lc_trace_start
	run sockdrv connect 127.0.0.1 "$port" --shutdown wr --wait-eof
	[ "$status" -eq 0 ] || fail "sockdrv connect: $output"
	echo "$output" | sed 's/^/#   client: /' >&3
	sed 's/^/#   server: /' "$(bg_out srv)" >&3
	echo "$output" | grep -q '^eof from .* after 100000 bytes' ||
		fail "the client did not read the server's 100000 bytes after SHUT_WR: $output"
	cport=$(echo "$output" | sed -n 's/^connected .*:\([0-9]*\) -> .*/\1/p')
	wait_for_line "$(bg_out srv)" '^done'
	wait_port_quiet "$port"
	trace_stop
	expect inet 127.0.0.1 0 127.0.0.1 "$port" CLOSE SYN_SENT
	expect inet 127.0.0.1 "$cport" 127.0.0.1 "$port" SYN_SENT ESTABLISHED
	expect inet '*' '*' '*' '*' LISTEN SYN_RECV
	expect inet 127.0.0.1 "$port" 127.0.0.1 "$cport" SYN_RECV ESTABLISHED
	expect inet 127.0.0.1 "$cport" 127.0.0.1 "$port" ESTABLISHED FIN_WAIT1
	expect inet 127.0.0.1 "$cport" 127.0.0.1 "$port" FIN_WAIT1 FIN_WAIT2
	expect inet 127.0.0.1 "$port" 127.0.0.1 "$cport" ESTABLISHED CLOSE_WAIT
	expect inet 127.0.0.1 "$port" 127.0.0.1 "$cport" CLOSE_WAIT LAST_ACK
	expect inet 127.0.0.1 "$port" 127.0.0.1 "$cport" LAST_ACK CLOSE
	expect inet 127.0.0.1 "$cport" 127.0.0.1 "$port" FIN_WAIT2 CLOSE
	expect inet 127.0.0.1 "$port" '*' 0 LISTEN CLOSE
	check_both "$port"
	show tcpwatch events --port "$port"
	lc_invariants
}

# abort FAMILY ADDR PORT: the client closes with SO_LINGER {1, 0}.
abort() {
	local fam=$1 addr=$2 port=$3 dir cport tw0 entered0 tw1
	dir=$(tw_tmp)
	tw_summary "$dir/s0.json"
	entered0=$(jq -r .timewait.entered "$dir/s0.json")
	tw0=$(lc_sockstat_tw)
	lc_trace_start
	run sockdrv handshake "$addr" "$port" --linger0
	[ "$status" -eq 0 ] || fail "sockdrv handshake --linger0: $output"
	echo "$output" | grep -q 'server got reset' || fail "the server saw no reset: $output"
	wait_port_quiet "$port"
	trace_stop
	cport=$(echo "$output" | sed -n 's/^connected .*:\([0-9]*\) -> .*/\1/p')
	expect "$fam" "$addr" 0 "$addr" "$port" CLOSE SYN_SENT
	expect "$fam" "$addr" "$port" '*' 0 CLOSE LISTEN
	expect "$fam" "$addr" "$cport" "$addr" "$port" SYN_SENT ESTABLISHED
	expect "$fam" '*' '*' '*' '*' LISTEN SYN_RECV
	expect "$fam" "$addr" "$port" "$addr" "$cport" SYN_RECV ESTABLISHED
	expect "$fam" "$addr" "$cport" "$addr" "$port" ESTABLISHED CLOSE
	expect "$fam" "$addr" "$port" "$addr" "$cport" ESTABLISHED CLOSE
	expect "$fam" "$addr" "$port" '*' 0 LISTEN CLOSE
	check_both "$port"
	run jq -c 'select(.sk == "timewait")' "$dir/port-events.json"
	[ -z "$output" ] || fail "timewait events after an abort: $output"
	[ -z "$(ss -Htan state time-wait "( sport = :$port or dport = :$port )")" ] || fail "ss shows TIME-WAIT: $(ss -tan)"
	tw_summary "$dir/s1.json"
	[ "$(jq -r .timewait.entered "$dir/s1.json")" = "$entered0" ] ||
		fail "timewait.entered went from $entered0 to $(jq -r .timewait.entered "$dir/s1.json") on an abort"
	tw1=$(lc_sockstat_tw)
	[ "$tw1" -le "$tw0" ] || fail "sockstat tw grew from $tw0 to $tw1 on an abort"
	show tcpwatch events --port "$port"
	lc_invariants
}

@test "SO_LINGER {1,0}: the close is an RST, no TIME_WAIT (IPv4)" {
	abort inet 127.0.0.1 7404
}

@test "SO_LINGER {1,0}: the close is an RST, no TIME_WAIT (IPv6)" {
	abort inet6 ::1 7405
}
