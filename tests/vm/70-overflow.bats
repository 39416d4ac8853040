#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# listen() without accept(): the accept queue fills at backlog+1, and what
# comes after overflows. tcpwatch's per-listener counts must equal the
# kernel's TcpExt ListenOverflows growth.
#
# On loopback a whole handshake runs inside connect(), so once the accept
# queue is full the next SYN is dropped at once (tcp_conn_request(): the
# client stays in SYN_SENT and retransmits; each drop is a ListenOverflows).
# The textbook case -- the client's final ACK arriving when the queue is
# full, the client ESTABLISHED while the server keeps the request and
# retransmits SYN-ACKs -- needs requests that wait: TCP_DEFER_ACCEPT holds
# a request until data comes (tcp_check_req()), so the clients connect
# first, the queue is filled, then they send.

load lib
load lib-lifecycle

setup() {
	lc_load
}

# recvq_is PORT N: the listener's accept queue (ss Recv-Q) holds N.
recvq_is() {
	[ "$(ss -Hltn "sport = :$1" | awk '{print $2}')" = "$2" ]
}

no_syn_sent() {
	[ -z "$(ss -Htan state syn-sent "( dport = :$1 )")" ]
}

# accept_overflow ADDR PORT: backlog 2 (the queue admits 3), 5 clients, one
# at a time: each waits until the previous handshake reached the accept
# queue (under TCG the final ACK may be handled after connect() returned,
# and a SYN let in before it would make the textbook race instead).
accept_overflow() {
	local addr=$1 port=$2 dir i kovf kdrops
	dir=$(tw_tmp)
	lc_mark
	bg_start srv sockdrv serve "$addr" "$port" --no-accept --backlog 2
	wait_for_line "$(bg_out srv)" '^listening'
	for i in 1 2 3 4 5; do
		bg_start "cl$i" sockdrv clients "$addr" "$port" 1 --wait-ms 300
		wait_for_line "$(bg_out "cl$i")" '^clients ready' 20
		[ "$i" -le 3 ] && wait_for "the accept queue to hold $i" 10 recvq_is "$port" "$i"
	done

	run grep -c '^connected' "$(bg_out cl1)" "$(bg_out cl2)" "$(bg_out cl3)" "$(bg_out cl4)" "$(bg_out cl5)"
	[ "$(echo "$output" | awk -F: '{ n += $NF } END { print n }')" = 3 ] ||
		fail "clients connected: $output; expected backlog+1 = 3"
	recvq_is "$port" 3 || fail "ss shows Recv-Q $(ss -Hltn "sport = :$port" | awk '{print $2}') on the listener, expected 3"
	lc_listeners "$dir/l.json"
	show tcpwatch listeners --port "$port"
	[ "$(lc_listener "$dir/l.json" "$port" accept_queue)" = 3 ] || fail "listener accept_queue: $(cat "$dir/l.json")"
	[ "$(lc_listener "$dir/l.json" "$port" accept_queue_peak)" = 3 ] || fail "listener accept_queue_peak: $(cat "$dir/l.json")"
	[ "$(lc_listener "$dir/l.json" "$port" backlog)" = 2 ] || fail "listener backlog: $(cat "$dir/l.json")"
	[ "$(ss -Htan state syn-sent "( dport = :$port )" | wc -l)" = 2 ] ||
		fail "expected the 2 extra clients in SYN_SENT: $(ss -tan)"

	# the extra clients give up; then the counters stand still
	for i in 5 4 3 2 1; do
		bg_stop "cl$i" || true
	done
	wait_for "no client of port $port in SYN_SENT" 10 no_syn_sent "$port"
	kovf=$(lc_delta ListenOverflows)
	kdrops=$(lc_delta ListenDrops)
	[ "$kovf" -ge 2 ] || fail "TcpExt ListenOverflows grew by $kovf, expected >= 2 (one per dropped SYN)"
	lc_listeners "$dir/l.json"
	show tcpwatch listeners --port "$port"
	run lc_listener "$dir/l.json" "$port" overflows
	if [ "$output" != "$kovf" ]; then
		tcpwatch status >&2
		tcpwatch events --port "$port" >&2
		fail "listener overflows $output, TcpExt ListenOverflows grew by $kovf"
	fi
	run lc_listener "$dir/l.json" "$port" syn_drops
	[ "$output" = $((kdrops - kovf)) ] || fail "listener syn_drops $output, ListenDrops-ListenOverflows grew by $((kdrops - kovf))"
	tw_summary "$dir/s.json"
	run jq -r .listen.overflows "$dir/s.json"
	[ "$output" = "$(lc_since_load ListenOverflows)" ] || fail "summary listen.overflows $output, ListenOverflows since load $(lc_since_load ListenOverflows)"
	tcpwatch events --json --port "$port" >"$dir/ev.json"
	run jq -s '[.[] | select(.type == "overflow")] | length' "$dir/ev.json"
	[ "$output" = "$kovf" ] || fail "$output overflow events, ListenOverflows grew by $kovf"
	show tcpwatch events --port "$port" --state LISTEN
	jq -c 'select(.type == "overflow")' "$dir/ev.json" | head -n 1 | sed 's/^/#   /' >&3

	bg_stop srv || true
	wait_port_quiet "$port"
	lc_invariants
}

@test "IPv4 listen() without accept(): accept queue stops at backlog+1, the rest overflow = ListenOverflows" {
	accept_overflow 127.0.0.1 7001
}

@test "IPv6 (::1) listen() without accept(): accept queue stops at backlog+1, the rest overflow = ListenOverflows" {
	accept_overflow ::1 7002
}

# overflows_grew N: TcpExt ListenOverflows grew by N or more since lc_mark.
overflows_grew() {
	[ "$(lc_delta ListenOverflows)" -ge "$1" ]
}

# deferred_overflow PORT DEFER: 2 clients connect and wait (their requests
# held by TCP_DEFER_ACCEPT=DEFER s), 3 more fill the accept queue (backlog 2);
# then the test makes the first 2 send: their final step meets a full queue.
deferred_overflow() {
	local port=$1 dir
	dir=$(tw_tmp)
	bg_start srv sockdrv serve 127.0.0.1 "$port" --no-accept --backlog 2 --defer-accept "$2"
	wait_for_line "$(bg_out srv)" '^listening'
	bg_start late sockdrv clients 127.0.0.1 "$port" 2 --usr1-data --timeout-ms 60000
	wait_for_line "$(bg_out late)" '^clients ready'
	[ "$(ss -Htan state syn-recv "( sport = :$port )" | wc -l)" = 2 ] ||
		fail "expected 2 request sockets (SYN-RECV) held by TCP_DEFER_ACCEPT: $(ss -tan)"
	bg_start fill sockdrv clients 127.0.0.1 "$port" 3 --data
	wait_for_line "$(bg_out fill)" '^clients ready'
	wait_for "the accept queue to hold 3" 10 \
		bash -c "[ \"\$(ss -Hltn 'sport = :$port' | awk '{print \$2}')\" = 3 ]"
	lc_mark
}

# synretrans_grew N: TcpExt TCPSynRetrans grew by N or more since lc_mark.
synretrans_grew() {
	[ "$(lc_delta TCPSynRetrans)" -ge "$1" ]
}

# listener_overflows_agree PORT: the listener's overflows equal the growth
# of ListenOverflows since load (read tcpwatch first, then the kernel, so a
# drop in between shows as a difference and the caller polls again).
listener_overflows_agree() {
	local t k
	t=$(tcpwatch listeners --json | jq -r --argjson p "$1" '[.[] | select(.port == $p) | .overflows] | add')
	k=$(lc_since_load ListenOverflows)
	echo "listener $t, ListenOverflows since load $k" >"$(tw_tmp)/ovf-agree.txt"
	[ "$t" = "$k" ]
}

@test "tcp_abort_on_overflow=0: final ACK into a full accept queue; client ESTABLISHED, server keeps the request and resends SYN-ACKs" {
	local port=7003 dir n
	dir=$(tw_tmp)
	lc_sysctl net.ipv4.tcp_abort_on_overflow 0
	# TCP_DEFER_ACCEPT 5 s: 3 SYN-ACK rounds (tcp_check_req(), syn_ack_recalc()),
	# none resent before ~7 s, so no bare ACK completes a request early
	deferred_overflow "$port" 5
	kill -USR1 "$(bg_pid late)"
	wait_for_line "$(bg_out late)" '^sent 1'
	wait_for "ListenOverflows to grow by 2" 10 overflows_grew 2

	# the clients believe they are connected; the server holds requests
	run grep -cE '^(reset|eof|send)' "$(bg_out late)"
	[ "$output" = 0 ] || fail "a waiting client was closed: $(cat "$(bg_out late)")"
	n=$(ss -Htan state established "( dport = :$port )" | wc -l)
	[ "$n" = 5 ] || fail "$n clients ESTABLISHED, expected 5: $(ss -tan)"
	n=$(ss -Htan state syn-recv "( sport = :$port )" | wc -l)
	[ "$n" = 2 ] || fail "$n request sockets (SYN-RECV) on the server, expected 2: $(ss -tan)"
	tw_summary "$dir/s.json"
	run jq -r .states.NEW_SYN_RECV "$dir/s.json"
	[ "$output" = 2 ] || fail "summary NEW_SYN_RECV $output, ss shows 2 SYN-RECV"
	# the kernel resends SYN-ACKs for them (tcpwatch's count of these is
	# checked in 71-synflood.bats)
	wait_for "TcpExt TCPSynRetrans to grow" 30 synretrans_grew 1
	wait_for "listener overflows == ListenOverflows growth" 10 listener_overflows_agree "$port" ||
		fail "$(cat "$dir/ovf-agree.txt")"
	show tcpwatch listeners --wide --port "$port"
	show tcpwatch leaks --older-than 0 --state NEW_SYN_RECV --port "$port"
	show tcpwatch events --port "$port" --state NEW_SYN_RECV

	bg_stop late KILL || true
	bg_stop fill || true
	bg_stop srv || true
	wait_port_quiet "$port" 30
	lc_invariants
}

@test "tcp_abort_on_overflow=1: final ACK into a full accept queue; the client gets a RST" {
	local port=7004 dir kovf cports p
	dir=$(tw_tmp)
	lc_sysctl net.ipv4.tcp_abort_on_overflow 1
	# 30 s: no SYN-ACK is resent (and so no bare ACK completes a request)
	# for ~15 s, so nothing but the data overflows
	deferred_overflow "$port" 30
	trace_start
	kill -USR1 "$(bg_pid late)"
	# the RST may already be there when the write returns (loopback): then
	# the write fails or the next read sees the end
	wait_for "both waiting clients to be reset" 10 \
		bash -c "[ \$(grep -cE '^(reset|send [0-9]+ failed)' '$(bg_out late)') = 2 ]"
	trace_stop
	kovf=$(lc_delta ListenOverflows)
	[ "$kovf" = 2 ] || fail "ListenOverflows grew by $kovf, expected 2"
	lc_listeners "$dir/l.json"
	show tcpwatch listeners --port "$port"
	run lc_listener "$dir/l.json" "$port" overflows
	[ "$output" = "$(lc_since_load ListenOverflows)" ] || fail "listener overflows $output, ListenOverflows grew by $(lc_since_load ListenOverflows)"

	cports=$(sed -n 's/^connected [0-9]* .*:\([0-9]*\)$/\1/p' "$(bg_out late)")
	for p in $cports; do
		expect inet 127.0.0.1 "$p" 127.0.0.1 "$port" ESTABLISHED CLOSE
	done
	trace_port "$port" >"$dir/kernel.txt"
	check_transitions tracefs "$dir/kernel.txt"
	tw_events "$dir/ev.json"
	tw_port_events "$port" <"$dir/ev.json" | tw_tuples | awk -v p="$port" '$7 == "CLOSE" && $5 == p' >"$dir/tcpwatch.txt"
	check_transitions tcpwatch "$dir/tcpwatch.txt"
	show tcpwatch events --port "$port" --state NEW_SYN_RECV
	bg_stop late || true
	bg_stop fill || true
	bg_stop srv || true
	wait_port_quiet "$port"
	lc_invariants
}
