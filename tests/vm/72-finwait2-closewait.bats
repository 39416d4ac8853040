#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The client closes, the server never does. The server's socket stays in
# CLOSE_WAIT, and `tcpwatch leaks` names the process that owns it. The
# client's socket is orphaned in FIN_WAIT2: tcp_close() hands it to a
# timewait socket in substate FIN_WAIT2 (tcp_time_wait(sk, TCP_FIN_WAIT2,
# tcp_fin_time())), which ends after net.ipv4.tcp_fin_timeout with reason
# "expired" -- it never reaches TIME_WAIT, the peer's FIN never comes.

load lib
load lib-lifecycle

FIN_TIMEOUT=8

setup() {
	lc_load
	# Long enough that the client's FIN_WAIT2 is still there when the
	# checks below look for it on a loaded host (3 s ran out in CI, with
	# two TCG VMs on two CPUs), short enough to wait for its end.
	lc_sysctl net.ipv4.tcp_fin_timeout "$FIN_TIMEOUT"
}

fin_wait2_gone() {
	[ -z "$(ss -Htan state fin-wait-2 "( dport = :$PORT )")" ]
}

# closewait_case FAMILY ADDR PORT: the whole scenario over one address family.
closewait_case() {
	local family=$1 addr=$2 dir cport spid cookie dwell
	PORT=$3
	dir=$(tw_tmp)
	bg_start srv sockdrv serve "$addr" "$PORT" --no-close
	wait_for_line "$(bg_out srv)" '^listening'
	spid=$(bg_pid srv)
	lc_trace_start
	# close() in FIN_WAIT2, so the handoff to a timewait socket is certain
	run sockdrv connect "$addr" "$PORT" --shutdown wr --fin-wait2
	[ "$status" -eq 0 ] || fail "sockdrv connect: $output"
	cport=$(echo "$output" | sed -n 's/^connected .*:\([0-9]*\) -> .*/\1/p')
	wait_for_line "$(bg_out srv)" '^eof from'

	# the server's CLOSE_WAIT, with its owner
	tcpwatch leaks --older-than 0 --state CLOSE_WAIT --port "$PORT" --json >"$dir/leaks.json"
	show tcpwatch leaks --older-than 0 --port "$PORT"
	run jq -r --argjson p "$PORT" --argjson c "$cport" \
		'.[] | select(.sport == $p and .dport == $c) | "\(.sk) \(.state) \(.pid) \(.comm)"' "$dir/leaks.json"
	[ "$output" = "full CLOSE_WAIT $spid sockdrv" ] ||
		fail "leaks shows '$output' for $addr port $PORT <- :$cport; expected the server (pid $spid sockdrv) in CLOSE_WAIT: $(cat "$dir/leaks.json")"
	[ "$(ss -Htan state close-wait "( sport = :$PORT )" | wc -l)" = 1 ] || fail "ss: $(ss -tan)"

	# the client's orphaned FIN_WAIT2, a timewait socket
	[ "$(ss -Htan state fin-wait-2 "( dport = :$PORT )" | wc -l)" = 1 ] ||
		fail "ss shows no client socket in FIN-WAIT-2: $(ss -tan)"
	tcpwatch leaks --older-than 0 --state FIN_WAIT2 --port "$PORT" --json >"$dir/leaks.json"
	run jq -r --argjson p "$PORT" --argjson c "$cport" \
		'.[] | select(.sport == $c and .dport == $p) | "\(.sk) \(.state)"' "$dir/leaks.json"
	[ "$output" = "timewait FIN_WAIT2" ] || fail "leaks shows '$output' for the client :$cport; expected a timewait socket in FIN_WAIT2: $(cat "$dir/leaks.json")"
	# Both read at once: tcp_fin_timeout can run out between two reads.
	wait_for "timewait.current == sockstat tw" 10 lc_tw_agree || fail "$(lc_tw_disagreement)"

	wait_for "the client's FIN_WAIT2 to expire (tcp_fin_timeout $FIN_TIMEOUT s)" $((FIN_TIMEOUT + 15)) fin_wait2_gone
	trace_stop

	tcpwatch events --json --port "$PORT" >"$dir/ev.json"
	show tcpwatch events --port "$PORT"
	cookie=$(jq -r --argjson c "$cport" 'select(.sk == "full" and .sport == $c and .old == "FIN_WAIT2" and .new == "CLOSE") | .cookie' "$dir/ev.json")
	[ -n "$cookie" ] || fail "no FIN_WAIT2->CLOSE of the client's full socket in tcpwatch's events"
	run jq -r --argjson k "$cookie" 'select(.cookie == $k and .sk == "timewait") | "\(.old) \(.new) \(.reason)"' "$dir/ev.json"
	[ "${lines[0]}" = "FIN_WAIT2 FIN_WAIT2 handoff" ] || [ "${lines[0]}" = "FIN_WAIT1 FIN_WAIT2 handoff" ] ||
		fail "the client's timewait socket starts with '${lines[0]}', expected a handoff into FIN_WAIT2: $output"
	[ "${lines[1]}" = "FIN_WAIT2 CLOSE expired" ] || fail "the client's timewait socket ends with '${lines[1]}', expected FIN_WAIT2 CLOSE expired: $output"
	[ "${#lines[@]}" = 2 ] || fail "the client's timewait socket has ${#lines[@]} events, expected 2 (no TIME_WAIT): $output"
	dwell=$(jq -r --argjson k "$cookie" 'select(.cookie == $k and .sk == "timewait" and .new == "CLOSE") | .dwell_ns' "$dir/ev.json")
	[ "$dwell" -ge $((FIN_TIMEOUT * 1000000000 - 500000000)) ] && [ "$dwell" -lt $((FIN_TIMEOUT * 3000000000)) ] ||
		fail "the FIN_WAIT2 timewait socket lived ${dwell} ns, expected about tcp_fin_timeout = $FIN_TIMEOUT s"
	tw_summary "$dir/s.json"
	[ "$(lc_end_count "$dir/s.json" timewait expired)" -ge 1 ] || fail "summary ends has no timewait/expired: $(jq -c .ends "$dir/s.json")"

	expect "$family" "$addr" 0 "$addr" "$PORT" CLOSE SYN_SENT
	expect "$family" "$addr" "$cport" "$addr" "$PORT" SYN_SENT ESTABLISHED
	expect "$family" '*' '*' '*' '*' LISTEN SYN_RECV
	expect "$family" "$addr" "$PORT" "$addr" "$cport" SYN_RECV ESTABLISHED
	expect "$family" "$addr" "$cport" "$addr" "$PORT" ESTABLISHED FIN_WAIT1
	expect "$family" "$addr" "$cport" "$addr" "$PORT" FIN_WAIT1 FIN_WAIT2
	# close() in FIN_WAIT2: tcp_close_state() sets the same state again
	expect "$family" "$addr" "$cport" "$addr" "$PORT" FIN_WAIT2 FIN_WAIT2
	expect "$family" "$addr" "$cport" "$addr" "$PORT" FIN_WAIT2 CLOSE
	expect "$family" "$addr" "$PORT" "$addr" "$cport" ESTABLISHED CLOSE_WAIT
	trace_port "$PORT" >"$dir/kernel.txt"
	check_transitions tracefs "$dir/kernel.txt"
	lc_events_since "$dir/all.json"
	tw_port_events "$PORT" <"$dir/all.json" | tw_tuples >"$dir/tcpwatch.txt"
	check_transitions tcpwatch "$dir/tcpwatch.txt"

	bg_stop srv KILL || true
	wait_port_quiet "$PORT"
	lc_invariants
}

@test "client closes, server never does: leaks names the CLOSE_WAIT owner; the client's FIN_WAIT2 expires after tcp_fin_timeout" {
	closewait_case inet 127.0.0.1 7201
}

@test "IPv6: client closes, server never does: CLOSE_WAIT owner in leaks, FIN_WAIT2 expires" {
	closewait_case inet6 ::1 7202
}

@test "the acceptor owns its CLOSE_WAIT sockets also while the kprobes are int3 probes (not yet optimized)" {
	local dir port=7203 spid
	dir=$(tw_tmp)
	# Right after insmod, and whenever optimization is off, a kprobe's
	# handler runs from int3, which x86 enters like an NMI.
	lc_sysctl debug.kprobes-optimization 0
	bg_start cw sockdrv closewait 127.0.0.1 "$port" --count 2
	wait_for_line "$(bg_out cw)" '^closewait ready'
	spid=$(bg_pid cw)
	tcpwatch leaks --older-than 0 --state CLOSE_WAIT --port "$port" --json >"$dir/leaks.json"
	show tcpwatch leaks --older-than 0 --port "$port"
	run jq -r '.[] | "\(.pid) \(.comm)"' "$dir/leaks.json"
	[ "$output" = "$spid sockdrv"$'\n'"$spid sockdrv" ] ||
		fail "leaks shows owners '$output' for the 2 CLOSE_WAIT sockets, expected pid $spid sockdrv: $(cat "$dir/leaks.json")"
	bg_stop cw KILL || true
	wait_port_quiet "$port"
	lc_invariants
}
