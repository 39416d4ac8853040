#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Two rarer ways through the state machine: a socket that connects to
# itself (simultaneous open: its own SYN arrives in SYN_SENT, so
# SYN_SENT -> SYN_RECV -> ESTABLISHED), and keepalive finding a peer that
# vanished (its veth set down): ESTABLISHED -> CLOSE after the unanswered
# probes, the application reading ETIMEDOUT.

load lib
load lib-lifecycle

setup() {
	lc_load
}

@test "TCP self-connect: simultaneous open SYN_SENT -> SYN_RECV -> ESTABLISHED" {
	local port=7501
	lc_trace_start
	bg_start self sockdrv selfconnect 127.0.0.1 "$port" --hold
	wait_for_line "$(bg_out self)" 'holding'
	[ "$(ss -Htan state established "( sport = :$port and dport = :$port )" | wc -l)" = 1 ] ||
		fail "ss shows no self-connected socket: $(ss -tan)"
	trace_stop
	expect inet 127.0.0.1 '*' 127.0.0.1 "$port" CLOSE SYN_SENT
	expect inet 127.0.0.1 "$port" 127.0.0.1 "$port" SYN_SENT SYN_RECV
	expect inet 127.0.0.1 "$port" 127.0.0.1 "$port" SYN_RECV ESTABLISHED
	check_both "$port"
	show tcpwatch events --port "$port"
	bg_stop self || true
	wait_port_quiet "$port"
	lc_invariants
}

peer_quiet() {
	[ -z "$(ip netns exec peer ss -Htan)" ]
}

@test "keepalive finds a vanished peer: ESTABLISHED -> CLOSE after TCP_KEEPCNT unanswered probes" {
	local dir port=7502 cport
	dir=$(tw_tmp)
	lc_netns peer
	lc_veth peer twka0 10.201.0.1 twka1 10.201.0.2
	bg_start srv ip netns exec peer sockdrv serve 10.201.0.2 "$port" --timeout-ms 60000
	wait_for_line "$(bg_out srv)" '^listening'
	lc_trace_start
	bg_start cl sockdrv connect 10.201.0.2 "$port" --keepalive 1,1,2 --wait-eof --timeout-ms 30000
	wait_for_line "$(bg_out cl)" '^connected'
	wait_for_line "$(bg_out srv)" '^accepted'
	cport=$(sed -n 's/^connected .*:\([0-9]*\) -> .*/\1/p' "$(bg_out cl)")
	ip -n peer link set twka1 down
	wait_for_line "$(bg_out cl)" '^timed out \(ETIMEDOUT\)' 20
	trace_stop
	sed 's/^/#   client: /' "$(bg_out cl)" >&3

	expect inet 10.201.0.1 0 10.201.0.2 "$port" CLOSE SYN_SENT
	expect inet 10.201.0.1 "$cport" 10.201.0.2 "$port" SYN_SENT ESTABLISHED
	expect inet '*' '*' '*' '*' LISTEN SYN_RECV
	expect inet 10.201.0.2 "$port" 10.201.0.1 "$cport" SYN_RECV ESTABLISHED
	expect inet 10.201.0.1 "$cport" 10.201.0.2 "$port" ESTABLISHED CLOSE
	check_both "$port"
	show tcpwatch events --port "$port"
	# the server, in the peer namespace, never learnt
	[ "$(ip netns exec peer ss -Htan state established | wc -l)" = 1 ] ||
		fail "the peer's socket should still be ESTABLISHED: $(ip netns exec peer ss -tan)"
	# let the peer's close reach us (our RST ends it), so no orphan keeps
	# the namespace alive after `ip netns del` where ss cannot count it
	ip -n peer link set twka1 up
	bg_stop srv || true
	wait_for "the peer's socket to close" 20 peer_quiet
	lc_invariants
}
