#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# tcpwatchd's trouble log, as an operator reads it: a line when a listener's
# accept queue overflows (its counts adding up to the listener's, which add
# up to TcpExt ListenOverflows), and a line for each socket that stays in
# CLOSE_WAIT longer than --leak-age, naming its owner, once.

load lib
load lib-lifecycle

setup() {
	lc_load
}

# overflowed_in_log LOG PORT: the overflows the log reports for the listener
# on PORT, summed over its lines.
overflowed_in_log() {
	sed -n "s/^tcpwatchd: listener [^ ]*:$2 .* accept queue overflowed \([0-9]*\) time.*/\1/p" "$1" |
		awk '{ n += $1 } END { print n + 0 }'
}

log_overflows_are() {
	[ "$(overflowed_in_log "$1" "$2")" = "$3" ]
}

# prom_replaced FILE INODE: the daemon renamed a new metrics file over FILE.
prom_replaced() {
	[ "$(stat -c %i "$1" 2>/dev/null)" != "$2" ]
}

no_syn_sent_to() {
	[ -z "$(ss -Htan state syn-sent "( dport = :$1 )")" ]
}

@test "tcpwatchd logs a listener's accept-queue overflows, adding up to its counter and to ListenOverflows" {
	local dir port=7801 i lpid ovf kovf
	dir=$(tw_tmp)
	bg_start daemon tcpwatchd --output /dev/null --log "$dir/log" --interval 1
	bg_start srv sockdrv serve 127.0.0.1 "$port" --no-accept --backlog 1
	wait_for_line "$(bg_out srv)" '^listening'
	lpid=$(bg_pid srv)
	# backlog 1 holds 2; the other 2 clients' SYNs overflow until they give up
	for i in 1 2 3 4; do
		bg_start "cl$i" sockdrv clients 127.0.0.1 "$port" 1 --wait-ms 300
		wait_for_line "$(bg_out "cl$i")" '^clients ready' 20
	done
	wait_for "an overflow line for :$port in tcpwatchd's log" 20 \
		grep -qE "^tcpwatchd: listener 127\.0\.0\.1:$port \(pid $lpid sockdrv\) accept queue overflowed" "$dir/log"
	for i in 4 3 2 1; do
		bg_stop "cl$i" || true
	done
	wait_for "no client of :$port in SYN_SENT" 10 no_syn_sent_to "$port"

	lc_listeners "$dir/l.json"
	ovf=$(lc_listener "$dir/l.json" "$port" overflows)
	kovf=$(lc_since_load ListenOverflows)
	[ "$ovf" = "$kovf" ] || fail "listener overflows $ovf, TcpExt ListenOverflows grew by $kovf since load"
	[ "$ovf" -ge 2 ] || fail "only $ovf overflows: the test did not overflow the queue"
	wait_for "the log's overflow counts for :$port to add up to $ovf" 10 log_overflows_are "$dir/log" "$port" "$ovf" ||
		fail "the log reports $(overflowed_in_log "$dir/log" "$port") overflows for :$port, the listener $ovf: $(cat "$dir/log")"
	sed 's/^/#   /' "$dir/log" >&3

	bg_stop daemon || fail "tcpwatchd did not exit cleanly: $(tail -n 5 "$(bg_out daemon)")"
	bg_stop srv || true
	wait_port_quiet "$port"
	lc_invariants
}

@test "tcpwatchd logs a CLOSE_WAIT older than --leak-age once, with its owner" {
	local dir port=7802 cport spid i ino
	dir=$(tw_tmp)
	bg_start daemon tcpwatchd --output /dev/null --log "$dir/log" --interval 500ms --leak-age 1s \
		--prom "$dir/m.prom"
	bg_start srv sockdrv serve 127.0.0.1 "$port" --no-close
	wait_for_line "$(bg_out srv)" '^listening'
	spid=$(bg_pid srv)
	run sockdrv connect 127.0.0.1 "$port"
	[ "$status" -eq 0 ] || fail "sockdrv connect: $output"
	cport=$(echo "$output" | sed -n 's/^connected .*:\([0-9]*\) -> .*/\1/p')
	wait_for_line "$(bg_out srv)" '^eof from'
	[ "$(ss -Htan state close-wait "( sport = :$port )" | wc -l)" = 1 ] || fail "ss: $(ss -tan)"

	wait_for_line "$dir/log" "^tcpwatchd: leak: full socket in CLOSE_WAIT for [0-9.ms]+, 127\.0\.0\.1:$port -> 127\.0\.0\.1:$cport \(pid $spid sockdrv\), cookie [0-9]+$" 15
	wait_for_line "$dir/log" "^tcpwatchd: pid $spid \(sockdrv\): 1 CLOSE_WAIT socket, oldest " 5
	# logged once, not again at every interval: let two more intervals
	# pass, each marked by the daemon replacing its metrics file
	for i in 1 2; do
		ino=$(stat -c %i "$dir/m.prom")
		wait_for "tcpwatchd's next interval" 5 prom_replaced "$dir/m.prom" "$ino"
	done
	[ "$(grep -c "127\.0\.0\.1:$port -> 127\.0\.0\.1:$cport" "$dir/log")" = 1 ] ||
		fail "the leak was logged more than once: $(cat "$dir/log")"
	sed 's/^/#   /' "$dir/log" >&3

	bg_stop daemon || fail "tcpwatchd did not exit cleanly: $(tail -n 5 "$(bg_out daemon)")"
	bg_stop srv KILL || true
	wait_port_quiet "$port"
	lc_invariants
}
