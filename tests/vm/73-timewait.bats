#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# TIME_WAIT: the active closer's connection moves into a timewait socket,
# counted like /proc/net/sockstat and ss count it; a new SYN on the same
# 4-tuple takes it over (reason "reused"), and so does a connect() from the
# same port; an RST kills it (reason "reset"), and so does the end of its
# namespace (reason "purged"); and a port held by TIME_WAIT sockets can be
# bound again only with SO_REUSEADDR.

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

# wait_client_tw PORT: the client's socket on PORT reaches TIME_WAIT; the
# server's FIN may still be on its way (FIN_WAIT2 until it lands).
wait_client_tw() {
	wait_for "a TIME-WAIT on the client port $1" 10 tw_count_is "$1" 1 ||
		fail "ss shows no TIME-WAIT on the client port $1: $(ss -tan)"
}

tw_in_netns_is() {
	[ "$(ip netns exec "$1" ss -Htan state time-wait | wc -l)" = "$2" ]
}

# tw_cookie_of EVENTS LPORT [PPORT]: the cookie of the one timewait socket
# with local port LPORT (and peer port PPORT) in an events --json file;
# fails unless there is exactly one.
tw_cookie_of() {
	local cookie
	cookie=$(jq -r --argjson l "$2" --argjson p "${3:-0}" \
		'select(.sk == "timewait" and .sport == $l and ($p == 0 or .dport == $p)) | .cookie' "$1" | sort -u)
	[[ $cookie =~ ^[0-9]+$ ]] || fail "the timewait socket on :$2${3:+ <- $3}: cookies '$cookie'" || return
	echo "$cookie"
}

# tw_end_reason EVENTS COOKIE: how the timewait socket COOKIE ended.
tw_end_reason() {
	jq -r --argjson k "$2" 'select(.sk == "timewait" and .cookie == $k and .new == "CLOSE") | .reason' "$1"
}

# tw_counts_agree SUMMARY: the summary (saved to SUMMARY) counts as many
# TIME_WAIT sockets as ss and sockstat, both read before and after it.
tw_counts_agree() {
	local ss_n sockstat_n
	ss_n=$(ss -Htan state time-wait | wc -l)
	sockstat_n=$(lc_sockstat_tw)
	tw_summary "$1"
	[ "$(jq -r .states.TIME_WAIT "$1")" = "$ss_n" ] &&
		[ "$(jq -r .timewait.current "$1")" = "$sockstat_n" ] &&
		[ "$(ss -Htan state time-wait | wc -l)" = "$ss_n" ] &&
		[ "$(lc_sockstat_tw)" = "$sockstat_n" ]
}

# tw_expect_end PORT COOKIE REASON WHAT: PORT's events (left in ev.json)
# say the timewait socket COOKIE, WHAT, ended with REASON.
tw_expect_end() {
	local dir
	dir=$(tw_tmp)
	tcpwatch events --json --port "$1" >"$dir/ev.json"
	show tcpwatch events --port "$1" --state TIME_WAIT
	run tw_end_reason "$dir/ev.json" "$2"
	[ "$output" = "$3" ] || fail "$4 (cookie $2) ended with '$output', expected $3"
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
	wait_client_tw "$cport"

	# Older timewait sockets (other files' churn) may be expiring meanwhile.
	wait_for "summary TIME_WAIT == ss, timewait.current == sockstat tw" 10 \
		tw_counts_agree "$dir/s.json" ||
		fail "summary TIME_WAIT $(jq -r .states.TIME_WAIT "$dir/s.json"), ss $(ss -Htan state time-wait | wc -l); timewait.current $(jq -r .timewait.current "$dir/s.json"), sockstat tw $(lc_sockstat_tw)"
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

# reuse_timewait ADDR PORT: all on CPU 0, where segments cannot overtake each
# other (see below).
reuse_timewait() {
	local addr=$1 port=$2 dir cport cookie n rsts ss_tw ended
	dir=$(tw_tmp)
	bg_start srv taskset 1 sockdrv serve "$addr" "$port" --count 2 --close-first --reuseaddr
	wait_for_line "$(bg_out srv)" '^listening'
	# A fixed client port of this file's range: an ephemeral one may also
	# be held by an earlier file's churn, whose TIME_WAITs block the rebind.
	cport=$((port + 80))
	run taskset 1 sockdrv connect "$addr" "$port" --wait-eof --bind-port "$cport" --reuseaddr
	[ "$status" -eq 0 ] || fail "first connection: $output"
	wait_for "the server's TIME_WAIT on :$port" 10 tw_count_is "$port" 1
	ss -Htan state time-wait "( sport = :$port )" | sed 's/^/#   ss: /' >&3
	show tcpwatch leaks --older-than 0 --state TIME_WAIT --port "$port"
	tw_summary "$dir/s0.json"
	tcpwatch events --json --port "$port" >"$dir/ev0.json"
	cookie=$(tw_cookie_of "$dir/ev0.json" "$port" "$cport")
	rsts=$(lc_tcp_mib OutRsts)

	run taskset 1 sockdrv connect "$addr" "$port" --wait-eof --bind-port "$cport" --reuseaddr
	[ "$status" -eq 0 ] || fail "second connection from port $cport: $output"
	echo "$output" | sed 's/^/#   /' >&3
	wait_for_line "$(bg_out srv)" '^done'
	tw_summary "$dir/s1.json"
	n=$(($(lc_end_count "$dir/s1.json" timewait reused) - $(lc_end_count "$dir/s0.json" timewait reused)))
	[ "$n" = 1 ] || fail "summary ends timewait/reused grew by $n, expected 1: $(jq -c .ends "$dir/s1.json")"
	ss_tw=$(tw_on "$port")
	tw_expect_end "$port" "$cookie" reused "the server's timewait socket $port <- $cport"

	# The second connection leaves a TIME_WAIT of its own on the same tuple.
	# A late ACK could get it killed at once: the client's delayed ACK of
	# the server's FIN, sent by a timer on another CPU, can arrive after the
	# client's own FIN; the timewait socket answers it, the client, closed
	# by then, answers with an RST, and the RST kills the timewait socket
	# (TIME_WAIT assassination, RFC 1337). On one CPU that cannot happen;
	# should it still, tcpwatch must say reset, and an RST must have been
	# sent.
	ended=$(jq -r --argjson k "$cookie" --argjson c "$cport" --argjson p "$port" \
		'select(.sk == "timewait" and .sport == $p and .dport == $c and .cookie != $k and .new == "CLOSE") | .reason' "$dir/ev.json")
	if [ -z "$ended" ]; then
		[ "$ss_tw" = 1 ] || fail "ss lists $ss_tw TIME_WAIT sockets on :$port, tcpwatch saw none end: $(ss -tan)"
	else
		[ "$ended" = reset ] || fail "the second timewait socket $port <- $cport ended with '$ended', expected reset or none"
		[ "$(tw_on "$port")" = 0 ] || fail "tcpwatch ended the second timewait socket, ss still lists it"
		[ "$(lc_tcp_mib OutRsts)" -gt "$rsts" ] || fail "tcpwatch says reset, Tcp OutRsts did not grow"
		echo "#   the second connection's TIME_WAIT was killed by an RST" >&3
	fi
	lc_invariants
}

@test "server closes first; a new SYN from the same client port reuses its TIME_WAIT (reason reused)" {
	reuse_timewait 127.0.0.1 7302
}

@test "IPv6: a new SYN from the same client port reuses the server's TIME_WAIT (reason reused)" {
	reuse_timewait ::1 7305
}

# connect_reuse ADDR PORT CLIENT_PORT: the client closes first and keeps a
# timewait socket on its bound port; a connect() from that port to the same
# server takes it over (tcp_twsk_unique(), counted as TcpExt TWRecycled).
# Everything runs on CPU 0, where the server's FIN, arriving after the
# client's close(), is the last segment the timewait socket processed: what
# tcpwatch learnt from that segment must not decide the reason of its end.
connect_reuse() {
	local addr=$1 port=$2 cport=$3 dir cookie recycled
	dir=$(tw_tmp)
	# The server keeps its end in CLOSE_WAIT until it is stopped.
	bg_start srv taskset 1 sockdrv serve "$addr" "$port" --count 0 --no-close --reuseaddr
	wait_for_line "$(bg_out srv)" '^listening'
	run taskset 1 sockdrv connect "$addr" "$port" --bind-port "$cport" --reuseaddr \
		--shutdown wr --fin-wait2
	[ "$status" -eq 0 ] || fail "first connection: $output"
	wait_for "the client's timewait socket in FIN_WAIT2 on :$cport" 10 \
		eval '[ "$(ss -Htan state fin-wait-2 "( sport = :$cport )" | wc -l)" = 1 ]'
	bg_stop srv || true
	wait_for "the client's TIME_WAIT on :$cport" 10 tw_count_is "$cport" 1
	tcpwatch events --json --port "$port" >"$dir/ev0.json"
	cookie=$(tw_cookie_of "$dir/ev0.json" "$cport")
	run jq -r --argjson k "$cookie" 'select(.sk == "timewait" and .cookie == $k) | "\(.old) \(.new)"' "$dir/ev0.json"
	[ "$output" = "FIN_WAIT1 FIN_WAIT2"$'\n'"FIN_WAIT2 TIME_WAIT" ] ||
		[ "$output" = "FIN_WAIT2 FIN_WAIT2"$'\n'"FIN_WAIT2 TIME_WAIT" ] ||
		fail "the client's timewait socket (cookie $cookie): '$output', expected a handoff in FIN_WAIT2, then TIME_WAIT"

	bg_start srv2 taskset 1 sockdrv serve "$addr" "$port" --count 1 --reuseaddr
	wait_for_line "$(bg_out srv2)" '^listening'
	recycled=$(lc_tcpext TWRecycled)
	run taskset 1 sockdrv connect "$addr" "$port" --bind-port "$cport" --reuseaddr
	[ "$status" -eq 0 ] || fail "second connection from port $cport: $output"
	wait_for_line "$(bg_out srv2)" '^done'
	[ "$(($(lc_tcpext TWRecycled) - recycled))" = 1 ] ||
		fail "TcpExt TWRecycled grew by $(($(lc_tcpext TWRecycled) - recycled)), expected 1: connect() did not take the TIME_WAIT over"
	tw_expect_end "$port" "$cookie" reused "the client's timewait socket"
	lc_invariants
}

@test "a connect() from the same port takes over the client's TIME_WAIT (reason reused, TcpExt TWRecycled)" {
	connect_reuse 127.0.0.1 7306 17306
}

@test "IPv6: a connect() from the same port takes over the client's TIME_WAIT (reason reused)" {
	connect_reuse ::1 7307 17307
}

# assassinate ADDR PORT: the client's TIME_WAIT is killed by an RST.
assassinate() {
	local addr=$1 port=$2 dir cport cookie rsts
	dir=$(tw_tmp)
	lc_sysctl net.ipv4.tcp_rfc1337 0
	run sockdrv handshake "$addr" "$port"
	[ "$status" -eq 0 ] || fail "sockdrv handshake: $output"
	cport=$(echo "$output" | sed -n 's/^connected .*:\([0-9]*\) -> .*/\1/p')
	wait_client_tw "$cport"
	tcpwatch events --json --port "$port" >"$dir/ev0.json"
	cookie=$(tw_cookie_of "$dir/ev0.json" "$cport")
	rsts=$(lc_tcp_mib OutRsts)

	# A SYN from the server's old port: no listener takes it, so the
	# timewait socket answers with an ACK; the connecting socket answers
	# that with an RST carrying the very sequence number the timewait
	# socket expects, and the RST kills it. Its next SYN finds nothing.
	run sockdrv connect "$addr" "$cport" --bind-port "$port" --reuseaddr --expect-refused
	[ "$status" -eq 0 ] || fail "the SYN from :$port to the TIME_WAIT on :$cport: $output"
	wait_for "the client's TIME_WAIT on :$cport to go" 10 tw_count_is "$cport" 0
	[ "$(lc_tcp_mib OutRsts)" -gt "$rsts" ] || fail "Tcp OutRsts did not grow: no RST was sent"
	tw_expect_end "$port" "$cookie" reset "the client's timewait socket"
	lc_invariants
}

@test "an RST kills a TIME_WAIT (assassination, tcp_rfc1337=0): reason reset" {
	assassinate 127.0.0.1 7308
}

@test "IPv6: an RST kills a TIME_WAIT: reason reset" {
	assassinate ::1 7309
}

# tw_purged_is N: tcpwatch counts N timewait sockets ended by purge.
tw_purged_is() {
	local dir
	dir=$(tw_tmp)
	tw_summary "$dir/purged.json" && [ "$(lc_end_count "$dir/purged.json" timewait purged)" = "$1" ]
}

@test "a namespace's end purges its TIME_WAITs: reason purged, timewait.current = sockstat" {
	local dir ns=tw-purge n0 cport
	dir=$(tw_tmp)
	lc_netns "$ns"
	run ip netns exec "$ns" sockdrv handshake 127.0.0.1 7310
	[ "$status" -eq 0 ] || fail "sockdrv handshake in $ns: $output"
	cport=$(echo "$output" | sed -n 's/^connected .*:\([0-9]*\) -> .*/\1/p')
	# The server's FIN may still be on its way: FIN_WAIT2 until it lands.
	wait_for "a TIME_WAIT in $ns" 10 tw_in_netns_is "$ns" 1 ||
		fail "no TIME_WAIT in $ns: $(ip netns exec "$ns" ss -tan)"
	lc_invariants
	tw_summary "$dir/s0.json"
	n0=$(lc_end_count "$dir/s0.json" timewait purged)

	# The TIME_WAIT holds no reference on its namespace: deleting the
	# namespace dismantles it, and inet_twsk_purge() kills the socket.
	ip netns del "$ns"
	wait_for "tcpwatch to count the TIME_WAIT of $ns purged" 60 tw_purged_is $((n0 + 1))
	tcpwatch events --json --port 7310 >"$dir/ev.json"
	show tcpwatch events --port 7310 --state TIME_WAIT
	run jq -r --argjson c "$cport" 'select(.sk == "timewait" and .sport == $c and .new == "CLOSE") | .reason' "$dir/ev.json"
	[ "$output" = purged ] || fail "the timewait socket on :$cport ended with '$output', expected purged"
	lc_invariants
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

# ss_tw_top NS local|remote N [ADDR]: "port count" of the N ports holding the
# most timewait sockets (either substate) in NS, by ss, most first, then by
# port; with ADDR, only sockets with ADDR at either end.
ss_tw_top() {
	ip netns exec "$1" ss -Htan state time-wait state fin-wait-2 |
		awk -v side="$2" -v addr="${4:-}" '
			$1 == "FIN-WAIT-2" || $1 == "TIME-WAIT" { $1 = "" ; $0 = $0 }
			{ l = $3; p = $4 }
			addr != "" && index(l, addr ":") != 1 && index(p, addr ":") != 1 { next }
			{ a = side == "local" ? l : p; sub(/.*:/, "", a); n[a]++ }
			END { for (k in n) print k, n[k] }' |
		sort -k2,2nr -k1,1n | head -n "$3"
}

# tw_top JSON local|remote: "port count" of tcpwatch timewait --json's list.
tw_top() {
	jq -r --arg k "$2_ports" '.[$k][] | "\(.port) \(.count)"' "$1"
}

@test "timewait port lists: the module's per-port counts equal ss's, local and remote, with --top, --addr and --port" {
	local dir ns inum i side
	dir=$(tw_tmp)
	ns=tw-ports
	lc_netns "$ns"
	# every connection leaves its TIME_WAIT: none taken over by a later
	# connect() (tcp_tw_reuse=2, the default, allows it on loopback)
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=0
	inum=$(stat -L -c %i "/run/netns/$ns")
	# clients close first: 40 timewait sockets with remote port 7321, 25
	# with 7322 (at 127.0.0.2); the server closes first: 15 with local 7323
	ip netns exec "$ns" sockdrv churn 127.0.0.1 7321 40 >/dev/null || fail "churn to 7321 failed"
	ip netns exec "$ns" sockdrv churn 127.0.0.2 7322 25 >/dev/null || fail "churn to 7322 failed"
	bg_start srv ip netns exec "$ns" sockdrv serve 127.0.0.1 7323 --count 15 --close-first
	wait_for_line "$(bg_out srv)" '^listening'
	for i in $(seq 15); do
		ip netns exec "$ns" sockdrv connect 127.0.0.1 7323 --wait-eof >/dev/null ||
			fail "connection $i to 7323 failed"
	done
	bg_wait srv 20
	wait_for "80 timewait sockets in $ns" 30 tw_in_netns_is "$ns" 80 ||
		fail "ss shows $(ip netns exec "$ns" ss -Htan state time-wait | wc -l) TIME-WAIT in $ns, not 80"

	tcpwatch timewait --json --interval 10ms --netns "$inum" --top 3 >"$dir/tw.json" ||
		fail "tcpwatch timewait failed"
	show tcpwatch timewait --interval 10ms --netns "$inum" --top 3
	for side in local remote; do
		[ "$(tw_top "$dir/tw.json" $side)" = "$(ss_tw_top "$ns" $side 3)" ] ||
			fail "$side ports: tcpwatch '$(tw_top "$dir/tw.json" $side | xargs)', ss '$(ss_tw_top "$ns" $side 3 | xargs)'"
	done
	[ "$(jq .ports_counted "$dir/tw.json")" = 80 ] ||
		fail "ports_counted is $(jq .ports_counted "$dir/tw.json"), not the 80 timewait sockets"
	[ "$(tw_top "$dir/tw.json" remote | head -n 1)" = "7321 40" ] ||
		fail "remote port 7321 (40 sockets) does not come first: $(tw_top "$dir/tw.json" remote | xargs)"

	tcpwatch timewait --json --interval 10ms --netns "$inum" --addr 127.0.0.2 >"$dir/tw-addr.json" ||
		fail "tcpwatch timewait --addr failed"
	[ "$(tw_top "$dir/tw-addr.json" remote)" = "$(ss_tw_top "$ns" remote 10 127.0.0.2)" ] ||
		fail "--addr 127.0.0.2: tcpwatch '$(tw_top "$dir/tw-addr.json" remote | xargs)', ss '$(ss_tw_top "$ns" remote 10 127.0.0.2 | xargs)'"
	[ "$(jq .ports_counted "$dir/tw-addr.json")" = 25 ] ||
		fail "--addr 127.0.0.2 counts $(jq .ports_counted "$dir/tw-addr.json") sockets, not 25"

	tcpwatch timewait --json --interval 10ms --netns "$inum" --port 7323 >"$dir/tw-port.json" ||
		fail "tcpwatch timewait --port failed"
	[ "$(tw_top "$dir/tw-port.json" local | head -n 1)" = "7323 15" ] &&
		[ "$(jq .ports_counted "$dir/tw-port.json")" = 15 ] ||
		fail "--port 7323: $(jq -c . "$dir/tw-port.json")"
	lc_invariants
}
