#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# tcpwatchd's trouble log, as an operator reads it: a line when a listener's
# accept queue overflows (its counts adding up to the listener's, which add
# up to TcpExt ListenOverflows, also across a module reload), and a line for
# each socket that stays in CLOSE_WAIT longer than --leak-age, naming its
# owner, once. By default the daemon does all that without joining the
# "events" group (so the module sends no events at all); with --output it
# joins it and writes every event.

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

# log_overflows_since LOG LINE PORT N: from LOG's line LINE on, the log
# reports N overflows for PORT.
log_overflows_since() {
	tail -n +"$2" "$1" >"$1.since"
	log_overflows_are "$1.since" "$3" "$4"
}

# prom_replaced FILE INODE: the daemon renamed a new metrics file over FILE.
prom_replaced() {
	[ "$(stat -c %i "$1" 2>/dev/null)" != "$2" ]
}

# nl_groups PID: the multicast groups 1-32 (a hex mask, as /proc/net/netlink
# shows them) of PID's first generic netlink socket (its portid is PID): the
# one tcpwatch and tcpwatchd subscribe.
nl_groups() {
	awk -v p="$1" '$2 == 16 && $3 == p { print $4 }' /proc/net/netlink
}

in_a_group() {
	[ -n "$(nl_groups "$1")" ] && [ "$(nl_groups "$1")" != 00000000 ]
}

# events_group_mask: the "events" group's bit in nl_groups, from a
# `tcpwatch events --follow`, which joins that group and no other.
events_group_mask() {
	local mask
	bg_start follow tcpwatch events --json --follow
	wait_for "tcpwatch events --follow to join the events group" 20 in_a_group "$(bg_pid follow)" ||
		return 1
	mask=$((16#$(nl_groups "$(bg_pid follow)")))
	bg_stop follow TERM >/dev/null || true
	echo "$mask"
}

# daemon_groups: the daemon's groups, as a number.
daemon_groups() {
	echo $((16#$(nl_groups "$(bg_pid daemon)")))
}

# next_interval FILE: wait until the daemon has replaced its metrics FILE.
next_interval() {
	local ino
	ino=$(stat -c %i "$1")
	wait_for "tcpwatchd's next interval" 10 prom_replaced "$1" "$ino"
}

@test "tcpwatchd, not in the events group, logs a listener's accept-queue overflows, adding up to its counter and to ListenOverflows" {
	local dir port=7801 lpid ovf mask
	dir=$(tw_tmp)
	mask=$(events_group_mask) || fail "no events group mask"
	[ "$mask" -ne 0 ] || fail "the events group's id is above 32: /proc/net/netlink cannot show it"
	bg_start daemon tcpwatchd --log "$dir/log" --prom "$dir/m.prom" --interval 1
	wait_for_line "$(bg_out daemon)" '^tcpwatchd: per-event output off'
	[ $(($(daemon_groups) & mask)) = 0 ] ||
		fail "tcpwatchd joined the events group (groups $(nl_groups "$(bg_pid daemon)"), events $mask)"
	[ "$(daemon_groups)" -ne 0 ] || fail "tcpwatchd is in no group: it would not see the module come and go"

	bg_start srv sockdrv serve 127.0.0.1 "$port" --no-accept --backlog 1
	wait_for_line "$(bg_out srv)" '^listening'
	lpid=$(bg_pid srv)
	overflow_clients "$port" || fail "the clients did not start"
	wait_for "an overflow line for :$port in tcpwatchd's log" 20 \
		grep -qE "^tcpwatchd: listener 127\.0\.0\.1:$port \(pid $lpid sockdrv\) accept queue overflowed [0-9]+ times? in the last [0-9.ms]+ \(queue 2/1\)$" "$dir/log"
	stop_clients "$port"
	ovf=$(listener_overflows "$port") || fail "the listener's overflows"
	wait_for "the log's overflow counts for :$port to add up to $ovf" 10 log_overflows_are "$dir/log" "$port" "$ovf" ||
		fail "the log reports $(overflowed_in_log "$dir/log" "$port") overflows for :$port, the listener $ovf: $(cat "$dir/log")"
	sed 's/^/#   /' "$dir/log" >&3

	[ $(($(daemon_groups) & mask)) = 0 ] || fail "tcpwatchd joined the events group later on"
	grep -qx 'tcpwatch_daemon_event_output 0' "$dir/m.prom" || fail "the metrics do not say per-event output is off"
	grep -qE "^tcpwatch_listener_accept_queue_overflows_total\{port=\"$port\"\} $ovf$" "$dir/m.prom" ||
		fail "the metrics lack $ovf overflows for :$port: $(grep "port=\"$port\"" "$dir/m.prom")"
	! grep -q 'tcpwatch_daemon_events_' "$dir/m.prom" || fail "per-event counters without per-event output"
	[ ! -s "$(bg_out daemon)" ] || ! grep -q '^{' "$(bg_out daemon)" || fail "events written without --output"
	bg_stop daemon || fail "tcpwatchd did not exit cleanly: $(tail -n 5 "$(bg_out daemon)")"
	bg_stop srv || true
	wait_port_quiet "$port"
	lc_invariants
}

@test "tcpwatchd, by default, logs a CLOSE_WAIT older than --leak-age once, with its owner" {
	local dir port=7802 cport spid i
	dir=$(tw_tmp)
	bg_start daemon tcpwatchd --log "$dir/log" --interval 500ms --leak-age 1s --prom "$dir/m.prom"
	wait_for_line "$(bg_out daemon)" '^tcpwatchd: per-event output off'
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
		next_interval "$dir/m.prom"
	done
	[ "$(grep -c "127\.0\.0\.1:$port -> 127\.0\.0\.1:$cport" "$dir/log")" = 1 ] ||
		fail "the leak was logged more than once: $(cat "$dir/log")"
	grep -qx 'tcpwatch_leaked_sockets{state="CLOSE_WAIT"} 1' "$dir/m.prom" ||
		fail "the metrics lack the leaking socket: $(grep leaked "$dir/m.prom")"
	sed 's/^/#   /' "$dir/log" >&3

	bg_stop daemon || fail "tcpwatchd did not exit cleanly: $(tail -n 5 "$(bg_out daemon)")"
	bg_stop srv KILL || true
	wait_port_quiet "$port"
	lc_invariants
}

daemon_said() {
	[ "$(grep -cF -- "$1" "$(bg_out daemon)")" -eq "$2" ]
}

@test "tcpwatchd, by default, across a module reload: no line for the counters restarting, then the new overflows exactly" {
	local dir port=7803 ovf before
	dir=$(tw_tmp)
	bg_start daemon tcpwatchd --log "$dir/log" --prom "$dir/m.prom" --interval 500ms
	wait_for_line "$(bg_out daemon)" '^tcpwatchd: per-event output off'
	bg_start srv sockdrv serve 127.0.0.1 "$port" --no-accept --backlog 1
	wait_for_line "$(bg_out srv)" '^listening'
	overflow_clients "$port" || fail "the clients did not start"
	stop_clients "$port"
	ovf=$(listener_overflows "$port") || fail "the listener's overflows"
	wait_for "the log's overflow counts for :$port to add up to $ovf" 10 log_overflows_are "$dir/log" "$port" "$ovf" ||
		fail "the log reports $(overflowed_in_log "$dir/log" "$port") overflows for :$port, the listener $ovf: $(cat "$dir/log")"

	# The listener stays; the module, and its counters, start again.
	rmmod tcpwatch || fail "rmmod failed"
	wait_for "tcpwatchd to say the module is gone" 10 daemon_said "; waiting for it to come back" 1 ||
		fail "tcpwatchd said: $(cat "$(bg_out daemon)")"
	lc_load
	wait_for "tcpwatchd to say the module is back" 10 daemon_said "module is back, reading its counters" 1 ||
		fail "tcpwatchd said: $(cat "$(bg_out daemon)")"
	before=$(wc -l <"$dir/log")
	next_interval "$dir/m.prom"
	next_interval "$dir/m.prom"
	[ "$(wc -l <"$dir/log")" = "$before" ] || fail "lines after the reload, with no overflow: $(tail -n +"$((before + 1))" "$dir/log")"

	overflow_clients "$port" || fail "the clients did not start after the reload"
	stop_clients "$port"
	ovf=$(listener_overflows "$port") || fail "the listener's overflows since the reload"
	wait_for "the log's overflow counts since the reload to add up to $ovf" 10 \
		log_overflows_since "$dir/log" "$((before + 1))" "$port" "$ovf" ||
		fail "since the reload the log reports $(overflowed_in_log "$dir/log.since" "$port") overflows for :$port, the listener $ovf: $(cat "$dir/log")"
	sed 's/^/#   /' "$dir/log" >&3

	bg_stop daemon || fail "tcpwatchd did not exit cleanly: $(tail -n 5 "$(bg_out daemon)")"
	bg_stop srv || true
	wait_port_quiet "$port"
	lc_invariants
}

# seen_port FILE PORT: FILE holds an event with PORT as destination.
seen_port() {
	grep -qE "\"dport\": ?$2[,}]" "$1"
}

canary() {
	sockdrv handshake 127.0.0.1 "$2" >/dev/null || return 1
	seen_port "$1" "$2"
}

port_events_are() {
	[ "$(tw_port_events "$2" <"$1" | tw_tuples | wc -l)" -ge "$3" ]
}

@test "tcpwatchd --output joins the events group and writes every event, as the kernel traced them" {
	local dir port=7804 mask n
	dir=$(tw_tmp)
	mask=$(events_group_mask) || fail "no events group mask"
	[ "$mask" -ne 0 ] || fail "the events group's id is above 32: /proc/net/netlink cannot show it"
	bg_start daemon tcpwatchd --output "$dir/ev.jsonl" --log "$dir/log" --prom "$dir/m.prom" --interval 1
	wait_for_line "$(bg_out daemon)" '^tcpwatchd: per-event output on'
	[ $(($(daemon_groups) & mask)) = "$mask" ] ||
		fail "tcpwatchd --output is not in the events group (groups $(nl_groups "$(bg_pid daemon)"), events $mask)"
	wait_for "tcpwatchd to write an event" 30 canary "$dir/ev.jsonl" 7805

	trace_start
	run sockdrv churn 127.0.0.1 "$port" 100
	[ "$status" -eq 0 ] || fail "sockdrv churn failed: $output"
	wait_port_quiet "$port" 60
	trace_stop
	trace_port "$port" >"$dir/kernel.txt"
	n=$(wc -l <"$dir/kernel.txt")
	wait_for "tcpwatchd to write $n transitions of :$port" 30 port_events_are "$dir/ev.jsonl" "$port" "$n"
	bg_stop daemon || fail "tcpwatchd did not exit cleanly: $(tail -n 5 "$(bg_out daemon)")"
	tw_port_events "$port" <"$dir/ev.jsonl" | tw_tuples >"$dir/daemon.txt"
	same_transition_counts tracefs "$dir/kernel.txt" tcpwatchd "$dir/daemon.txt"
	jq -e . "$dir/ev.jsonl" >/dev/null || fail "tcpwatchd's output is not JSON lines"
	grep -qx 'tcpwatch_daemon_event_output 1' "$dir/m.prom" || fail "the metrics do not say per-event output is on"
	grep -qx 'tcpwatch_daemon_events_missed_total 0' "$dir/m.prom" ||
		fail "tcpwatchd missed events: $(grep missed "$dir/m.prom")"
}
