#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# How request sockets end, from the listener's own network namespace
# ("rq80"), with a veth to a second one ("fl80") that sends raw SYNs from
# spoofed sources nobody owns (10.180.0.100 on: their SYN-ACKs go
# unanswered) and runs the real clients:
#  - a request migrated to another SO_REUSEPORT listener
#    (net.ipv4.tcp_migrate_req) is freed by reqsk_timer_handler() without
#    any end the probes see: its clone carries on, and ends, in its place;
#  - under a flood whose requests time out while real clients' complete,
#    every request born ends once;
#  - a child made from a SYN cookie does not take another connection's
#    socket cookie.
# Everything is checked against the kernel's own truth in that namespace:
# TcpExt counters, ss -tan and the socket cookies of ss -e.

load lib
load lib-lifecycle

RQ=rq80
FL=fl80
LADDR=10.180.0.1
CADDR=10.180.0.2
SPOOF=10.180.0.100

setup() {
	lc_load
	lc_netns "$RQ"
	lc_netns "$FL"
	modprobe veth 2>/dev/null || true
	ip -n "$RQ" link add twrq0 type veth peer name twrq1 netns "$FL" ||
		fail "ip link add twrq0 (veth $RQ <-> $FL) failed"
	ip -n "$RQ" addr add "$LADDR/24" dev twrq0
	ip -n "$RQ" link set twrq0 up
	ip -n "$FL" addr add "$CADDR/24" dev twrq1
	ip -n "$FL" link set twrq1 up
	RQ_INO=$(stat -L -c %i "/run/netns/$RQ") || fail "no inode for netns $RQ"
}

# rq_silent_sources N: the first N spoofed sources get a static neighbour
# entry (a MAC nobody has), so that their SYN-ACKs leave and vanish. Left to
# ARP, the neighbour fails after ~3 s and its queued SYN-ACKs come back as
# ICMP host unreachable, which tcp_req_err() ends the request with (reason
# "dropped", and a ListenDrops): a race with the SYN-ACK timer.
rq_silent_sources() {
	local i
	for ((i = 0; i < $1; i++)); do
		ip -n "$RQ" neigh replace "${SPOOF%.*}.$((${SPOOF##*.} + i))" \
			lladdr 02:00:00:00:80:01 dev twrq0 nud permanent ||
			fail "ip neigh replace for spoofed source $i failed"
	done
}

# rq_sysctl NAME VALUE: net.ipv4.NAME in the listener's namespace (gone
# with it at teardown).
rq_sysctl() {
	ip netns exec "$RQ" sh -c "echo $2 >/proc/sys/net/ipv4/$1" ||
		fail "cannot set net.ipv4.$1 to $2 in $RQ"
}

# rq_ss ARGS...: ss -Htan ARGS in the listener's namespace.
rq_ss() {
	ip netns exec "$RQ" ss -Htan "$@"
}

rq_syn_recv() {
	rq_ss state syn-recv | wc -l
}

rq_syn_recv_is() {
	[ "$(rq_syn_recv)" = "$1" ]
}

rq_summary() {
	tcpwatch summary --json --netns "$RQ_INO" >"$1" ||
		fail "tcpwatch summary --json --netns $RQ_INO failed"
}

# tw_requests_gauge: tcpwatch's NEW_SYN_RECV count in the listener's netns.
tw_requests_gauge() {
	tcpwatch summary --json --netns "$RQ_INO" | jq -r .states.NEW_SYN_RECV
}

tw_requests_gauge_is() {
	[ "$(tw_requests_gauge)" = "$1" ]
}

ALL_STATES=ESTABLISHED,SYN_SENT,SYN_RECV,FIN_WAIT1,FIN_WAIT2,TIME_WAIT,CLOSE,CLOSE_WAIT,LAST_ACK,LISTEN,CLOSING,NEW_SYN_RECV

# tw_unlisted: tracked.used less the entries of the tracked-socket dump
# (all namespaces): entries kept after their object ended, as a request's
# until its destructor. Not tracked.used itself: other files' sockets
# (seeded TIME_WAITs) come and go while this file runs. Fails when
# tracked.used moved during the reading.
tw_unlisted() {
	local used listed
	used=$(tcpwatch status --json | jq -r .tracked.used)
	listed=$(tcpwatch leaks --state "$ALL_STATES" --older-than 0 --json | jq -r length)
	[ -n "$used" ] && [ -n "$listed" ] &&
		[ "$used" = "$(tcpwatch status --json | jq -r .tracked.used)" ] || return 1
	echo $((used - listed))
}

tw_unlisted_into() {
	tw_unlisted >"$1"
}

tw_unlisted_at_most() {
	local n
	n=$(tw_unlisted) && [ "$n" -le "$1" ]
}

# requests_born FILE: request sockets created, per a summary FILE.
requests_born() {
	jq -r '[.transitions[] | select(.sk == "request" and .old == "CLOSE" and .new == "NEW_SYN_RECV") | .count] | add // 0' "$1"
}

# requests_ended FILE: request sockets ended for any reason.
requests_ended() {
	jq -r '[.ends[]? | select(.sk == "request") | .count] | add // 0' "$1"
}

# rq_mark NAME...: note TcpExt NAME in the listener's namespace.
declare -gA RQ_MARK=()
rq_mark() {
	local c
	for c in "$@"; do
		RQ_MARK[$c]=$(lc_tcpext "$c" "$RQ")
	done
}

# rq_delta NAME: growth of TcpExt NAME in the listener's namespace.
rq_delta() {
	echo $(($(lc_tcpext "$1" "$RQ") - ${RQ_MARK[$1]}))
}

rq_delta_is() {
	[ "$(rq_delta "$1")" = "$2" ]
}

# tracked_requests FILE: the request sockets of the listener's netns in
# tcpwatch's tracked-socket dump (GET_SOCKETS, read by `leaks`).
tracked_requests() {
	tcpwatch leaks --state NEW_SYN_RECV --older-than 0 --json --netns "$RQ_INO" >"$1" ||
		fail "tcpwatch leaks --state NEW_SYN_RECV --json --netns $RQ_INO failed"
	jq -r length "$1"
}

# request_events FILE: tcpwatch's request-socket state events of the netns.
request_events() {
	tcpwatch events --json --netns "$RQ_INO" >"$1.all" ||
		fail "tcpwatch events --json --netns $RQ_INO failed"
	jq -c 'select(.type == "state" and .sk == "request")' "$1.all" >"$1"
	! jq -e -s 'any(.[]; .type == "lost")' "$1.all" >/dev/null ||
		fail "tcpwatch lost events: $(jq -c 'select(.type == "lost")' "$1.all" | head -n 3)"
}

# check_each_request_once FILE: in request events FILE, every cookie is born
# once and ends once, after its birth.
check_each_request_once() {
	local bad
	bad=$(jq -r -s 'group_by(.cookie)[]
		| [.[] | select(.old == "CLOSE")] as $born
		| [.[] | select(.new == "CLOSE")] as $ended
		| select(($born | length) != 1 or ($ended | length) != 1
			or ($born[0].ts_ns > $ended[0].ts_ns))
		| "cookie \(.[0].cookie): born \($born | length) time(s), ended \($ended | length) time(s): \([.[] | "\(.old)->\(.new) \(.reason // "")"] | join(", "))"' "$1")
	[ -z "$bad" ] && return 0
	echo "$bad" | head -n 20 >&2
	fail "request sockets not born and ended exactly once each"
}

# The old request is freed by reqsk_put() in reqsk_timer_handler(), with no
# __inet_csk_reqsk_queue_drop(); its clone, made by inet_reqsk_clone(), was
# never created by tcp_conn_request(). Only the request's destructor tells
# that the old one is gone.
@test "a request migrated to another reuseport listener (tcp_migrate_req) leaves no tracked entry: gauge 0 = ss, dump empty, pool back" {
	local dir base n=6 out
	dir=$(tw_tmp)
	rq_sysctl tcp_migrate_req 1
	# Requests migrate at a SYN-ACK retransmission that does not expire
	# them: with 3 retries, at 1, 3 or 7 s after the SYN, then expire at
	# 15 s (2 retries left a debug kernel too little time to close A).
	rq_sysctl tcp_synack_retries 3
	out=$(tcpwatch status --json | jq -r '[.probes[] | select(.name | test("reqsk_destructor")) | "\(.name)=\(.attached)"] | join(" ")')
	echo "#   destructor probes: ${out:-none}" >&3
	# (checked at the end, after what the test is about)
	wait_for "a steady reading of tracked.used" 10 tw_unlisted_into "$dir/base" || true
	base=$(cat "$dir/base")
	rq_silent_sources "$n"

	# Listener A alone gets every SYN; then B joins A's reuseport group,
	# and A closes with its requests still in the SYN queue.
	bg_start srva ip netns exec "$RQ" sockdrv serve "$LADDR" 8001 --reuseport --no-accept
	wait_for_line "$(bg_out srva)" '^listening'
	rq_mark TCPMigrateReqSuccess TCPMigrateReqFailure TCPSynRetrans
	run ip netns exec "$FL" synflood "$LADDR" 8001 "$n" --src-base "$SPOOF" --src-count "$n" --interval-us 2000
	[ "$status" -eq 0 ] || fail "synflood failed: $output"
	echo "#   $output" >&3
	wait_for "$n requests in $RQ's SYN queue" 10 rq_syn_recv_is "$n" ||
		fail "ss in $RQ shows $(rq_syn_recv) SYN-RECV, expected $n: $(rq_ss)"
	bg_start srvb ip netns exec "$RQ" sockdrv serve "$LADDR" 8001 --reuseport --no-accept
	wait_for_line "$(bg_out srvb)" '^listening'
	bg_stop srva || true

	# reqsk_timer_handler() clones each request onto B and frees the old one.
	wait_for "TcpExt TCPMigrateReqSuccess to grow by $n in $RQ" 15 rq_delta_is TCPMigrateReqSuccess "$n" ||
		fail "TCPMigrateReqSuccess grew by $(rq_delta TCPMigrateReqSuccess), TCPMigrateReqFailure by $(rq_delta TCPMigrateReqFailure) in $RQ; expected $n migrations (was A closed within 7 s of the SYNs?)"
	echo "#   TcpExt in $RQ: TCPMigrateReqSuccess +$(rq_delta TCPMigrateReqSuccess), TCPMigrateReqFailure +$(rq_delta TCPMigrateReqFailure)" >&3
	# The clones time out on B.
	wait_for "the migrated requests to time out" 30 rq_syn_recv_is 0 ||
		fail "ss in $RQ still shows $(rq_syn_recv) SYN-RECV: $(rq_ss)"

	# No tracked entry of a request is left in the namespace...
	out=$(tracked_requests "$dir/leaks.json")
	if [ "$out" != 0 ]; then
		show tcpwatch leaks --state NEW_SYN_RECV --older-than 0 --wide --netns "$RQ_INO"
		fail "$out request socket(s) of $RQ still in tcpwatch's tracked-socket dump after every request ended (ss: 0 SYN-RECV): $(jq -c '.[0]' "$dir/leaks.json")"
	fi
	# ...its gauge is ss's...
	wait_for "tcpwatch's NEW_SYN_RECV in $RQ to be 0" 5 tw_requests_gauge_is 0 ||
		fail "tcpwatch counts $(tw_requests_gauge) NEW_SYN_RECV in $RQ, ss shows $(rq_syn_recv) SYN-RECV"
	# ...and every request born ended once, by timeout (the clone's).
	rq_summary "$dir/s.json"
	[ "$(requests_born "$dir/s.json")" = "$n" ] ||
		fail "$(requests_born "$dir/s.json") requests born in $RQ, expected $n: $(jq -c '.transitions' "$dir/s.json")"
	[ "$(requests_ended "$dir/s.json")" = "$n" ] && [ "$(lc_end_count "$dir/s.json" request timeout)" = "$n" ] ||
		fail "request ends in $RQ: $(jq -c .ends "$dir/s.json"), expected $n timeouts"
	request_events "$dir/req.json"
	check_each_request_once "$dir/req.json"
	jq -c 'select(.new == "CLOSE")' "$dir/req.json" | head -n 1 | sed 's/^/#   /' >&3
	# The SYN-ACKs A and then B resent for them, counted once each.
	[ "$(jq -r .listen.synack_retrans "$dir/s.json")" = "$(rq_delta TCPSynRetrans)" ] ||
		fail "summary listen.synack_retrans $(jq -r .listen.synack_retrans "$dir/s.json") in $RQ, TcpExt TCPSynRetrans grew by $(rq_delta TCPSynRetrans)"

	# The pool keeps no more ended entries than before: the requests' went
	# with their destructor.
	bg_stop srvb || true
	[ -n "$base" ] || fail "tcpwatch status gave no steady tracked.used at the start"
	wait_for "tracked.used - listed entries to return to $base" 10 tw_unlisted_at_most "$base" ||
		fail "tcpwatch status tracked.used less the dump's entries is $(tw_unlisted), was $base before the test"
	lc_invariants
}

@test "SYN flood timing out while real clients connect: every request ends once (timeout or accepted), gauge 0 = ss" {
	local dir flood=40 clients=20 i born ended
	dir=$(tw_tmp)
	rq_sysctl tcp_synack_retries 1
	# Every SYN makes a request: no cookies, and a queue with room for all.
	rq_sysctl tcp_syncookies 0
	rq_silent_sources "$flood"
	bg_start srv ip netns exec "$RQ" sockdrv serve "$LADDR" 8002 --count 0 --backlog 256
	wait_for_line "$(bg_out srv)" '^listening'
	rq_mark TCPReqQFullDrop ListenDrops ListenOverflows SyncookiesSent TCPSynRetrans

	# Spoofed SYNs over about 2 s, real clients connecting meanwhile.
	bg_start flood ip netns exec "$FL" synflood "$LADDR" 8002 "$flood" \
		--src-base "$SPOOF" --src-count "$flood" --interval-us 50000
	for ((i = 0; i < clients; i++)); do
		ip netns exec "$FL" sockdrv connect "$LADDR" 8002 >>"$dir/clients.out" 2>&1 ||
			fail "client $i: $(tail -n 3 "$dir/clients.out")"
	done
	wait_for_line "$(bg_out flood)" '^sent ' 20
	bg_stop flood || true
	sed 's/^/#   /' "$(bg_out flood)" >&3

	wait_for "every request in $RQ to end" 20 rq_syn_recv_is 0 ||
		fail "ss in $RQ still shows $(rq_syn_recv) SYN-RECV: $(rq_ss)"
	wait_for "tcpwatch's NEW_SYN_RECV in $RQ to be 0" 5 tw_requests_gauge_is 0 ||
		fail "tcpwatch counts $(tw_requests_gauge) NEW_SYN_RECV in $RQ, ss shows $(rq_syn_recv) SYN-RECV"

	# The kernel made a request of every SYN: none dropped, no cookie.
	for i in TCPReqQFullDrop ListenDrops ListenOverflows SyncookiesSent; do
		[ "$(rq_delta "$i")" = 0 ] || fail "TcpExt $i grew by $(rq_delta "$i") in $RQ; the scenario expects none"
	done
	rq_summary "$dir/s.json"
	born=$(requests_born "$dir/s.json")
	ended=$(requests_ended "$dir/s.json")
	echo "#   born $born, ends $(jq -c '[.ends[]? | select(.sk == "request")]' "$dir/s.json")" >&3
	[ "$born" = $((flood + clients)) ] ||
		fail "$born requests born in $RQ, expected $flood spoofed + $clients clients"
	[ "$ended" = "$born" ] || fail "$ended request ends for $born requests born: $(jq -c .ends "$dir/s.json")"
	[ "$(lc_end_count "$dir/s.json" request timeout)" = "$flood" ] ||
		fail "$(lc_end_count "$dir/s.json" request timeout) requests timed out, expected the $flood spoofed ones"
	[ "$(lc_end_count "$dir/s.json" request accepted)" = "$clients" ] ||
		fail "$(lc_end_count "$dir/s.json" request accepted) requests accepted, expected the $clients clients'"
	# The listener's counters are the kernel's, once each.
	run jq -r --argjson p 8002 '[.listeners[] | select(.port == $p)] | "\(map(.syn_drops) | add) \(map(.synack_retrans) | add)"' "$dir/s.json"
	[ "$output" = "0 $(rq_delta TCPSynRetrans)" ] ||
		fail "listener syn_drops synack_retrans '$output', TcpExt TCPReqQFullDrop +$(rq_delta TCPReqQFullDrop) TCPSynRetrans +$(rq_delta TCPSynRetrans)"
	[ "$(jq -r .listen.syn_drops "$dir/s.json")" = 0 ] ||
		fail "summary listen.syn_drops $(jq -r .listen.syn_drops "$dir/s.json") in $RQ; TcpExt TCPReqQFullDrop grew by 0"
	# Each request's own story: born once, ended once.
	request_events "$dir/req.json"
	check_each_request_once "$dir/req.json"
	bg_stop srv || true
	lc_invariants
}

# ss_cookies PORT: "PEERPORT COOKIE" of the server's ESTABLISHED children on
# PORT in the listener's namespace (ss -e prints the cookie as sk:HEX).
ss_cookies() {
	ip netns exec "$RQ" ss -Htne state established "( sport = :$1 )" 2>/dev/null |
		sed -n 's/^.* 127\.0\.0\.1:'"$1"' *127\.0\.0\.1:\([0-9]*\) .* sk:\([0-9a-f]*\).*$/\1 \2/p' |
		while read -r peer hex; do
			echo "$peer $((16#$hex))"
		done | sort -n
}

@test "a SYN-cookie child does not take an earlier request's socket cookie (tcp_syncookies=2)" {
	local dir port=8003 normal=1 cookied=4 total bad peer cookie
	dir=$(tw_tmp)
	total=$((normal + cookied))
	bg_start srv ip netns exec "$RQ" sockdrv serve 127.0.0.1 "$port" --no-accept --backlog 64
	wait_for_line "$(bg_out srv)" '^listening'
	rq_mark SyncookiesSent SyncookiesRecv
	# Clients on CPU 0: the ACK that completes each handshake is processed
	# in the same CPU's softirq, where the probes leave their per-CPU hints.
	# First one through a request (tcp_check_req()), then the rest from
	# cookies (cookie_v4_check(): no tcp_check_req()).
	rq_sysctl tcp_syncookies 1
	bg_start c1 ip netns exec "$RQ" taskset 1 sockdrv clients 127.0.0.1 "$port" "$normal"
	wait_for_line "$(bg_out c1)" '^clients ready'
	rq_sysctl tcp_syncookies 2
	bg_start c2 ip netns exec "$RQ" taskset 1 sockdrv clients 127.0.0.1 "$port" "$cookied"
	wait_for_line "$(bg_out c2)" '^clients ready'
	! grep -q '^pending' "$(bg_out c1)" "$(bg_out c2)" || fail "a client is still pending: $(cat "$(bg_out c1)" "$(bg_out c2)")"
	[ "$(rq_delta SyncookiesRecv)" = "$cookied" ] ||
		fail "TcpExt SyncookiesRecv grew by $(rq_delta SyncookiesRecv) in $RQ, expected $cookied (SyncookiesSent +$(rq_delta SyncookiesSent))"

	ss_cookies "$port" >"$dir/ss.txt"
	[ "$(wc -l <"$dir/ss.txt")" = "$total" ] ||
		fail "ss -te in $RQ shows $(wc -l <"$dir/ss.txt") children on :$port with a cookie, expected $total: $(ip netns exec "$RQ" ss -tne 2>/dev/null)"
	sed 's/^/#   ss: peer port, cookie: /' "$dir/ss.txt" >&3
	[ "$(awk '{print $2}' "$dir/ss.txt" | sort -u | wc -l)" = "$total" ] ||
		fail "the kernel gave two children one cookie: $(cat "$dir/ss.txt")"

	tcpwatch events --json --netns "$RQ_INO" >"$dir/ev.all" || fail "tcpwatch events --json failed"
	jq -c --argjson p "$port" 'select(.type == "state" and .sk == "full" and .sport == $p)' "$dir/ev.all" >"$dir/ev.json"
	jq -c 'select(.old == "LISTEN" and .new == "SYN_RECV")' "$dir/ev.json" >"$dir/births.json"
	jq -c '"birth cookie \(.cookie) cpu \(.cpu)"' "$dir/births.json" | sed 's/^/#   /' >&3

	# Every child: its move to ESTABLISHED carries its own cookie.
	bad=$(jq -r -n --rawfile ss "$dir/ss.txt" --slurpfile all "$dir/ev.json" '
		$ss | split("\n") | map(select(. != "") | split(" "))[]
		| .[0] as $peer | (.[1] | tonumber) as $cookie
		| [$all[] | select(.old == "SYN_RECV" and .new == "ESTABLISHED" and (.dport | tostring) == $peer) | .cookie] as $got
		| select($got != [$cookie])
		| "child <- :\($peer): ss cookie \($cookie), tcpwatch SYN_RECV->ESTABLISHED cookie(s) \($got)"') ||
		fail "jq failed on $dir/ev.json"
	[ -z "$bad" ] || fail "$bad"
	# ...and its birth its own: the births' cookies are the children's, one
	# each (a cookie child's request, never hashed, gets its cookie at
	# tcp_v4_syn_recv_sock(), which the clone copies).
	[ "$(wc -l <"$dir/births.json")" = "$total" ] ||
		fail "$(wc -l <"$dir/births.json") LISTEN->SYN_RECV events on :$port, expected $total: $(cat "$dir/births.json")"
	peer=$(sed -n 's/^connected 0 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$(bg_out c1)")
	cookie=$(awk -v p="$peer" '$1 == p { print $2 }' "$dir/ss.txt")
	[ -n "$cookie" ] && jq -e -s --argjson c "$cookie" 'any(.[]; .cookie == $c)' "$dir/births.json" >/dev/null ||
		fail "the child made through a request (<- :$peer, ss cookie ${cookie:-none}) has no birth with its cookie: $(cat "$dir/births.json")"
	bad=$(jq -r -s --rawfile ss "$dir/ss.txt" '
		($ss | split("\n") | map(select(. != "") | split(" ")[1] | tonumber)) as $mine
		| map(.cookie) as $c
		| ($c | group_by(.)[] | select(length > 1) | "cookie \(.[0]) on \(length) births"),
		  ($c[] | select(. as $x | $mine | index($x) | not) | "birth cookie \(.) is no child of :'"$port"'")' \
		"$dir/births.json")
	[ -z "$bad" ] || fail "children's births carry another connection's cookie: $bad"
	# The tracked-socket dump has each child under its own cookie.
	tcpwatch leaks --state ESTABLISHED --older-than 0 --json --netns "$RQ_INO" --port "$port" >"$dir/leaks.json" ||
		fail "tcpwatch leaks --state ESTABLISHED --json failed"
	run jq -r --argjson p "$port" '.[] | select(.sport == $p) | "\(.dport) \(.cookie)"' "$dir/leaks.json"
	[ "$(echo "$output" | sort -n)" = "$(cat "$dir/ss.txt")" ] ||
		fail "tracked children (peer port, cookie): $(echo "$output" | sort -n | tr '\n' ' '), ss: $(tr '\n' ' ' <"$dir/ss.txt")"
	bg_stop c1 || true
	bg_stop c2 || true
	bg_stop srv || true
	lc_invariants
}
