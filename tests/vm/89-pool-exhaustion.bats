#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The tracking pool exhausted: tcpwatch loaded with max_tracked=64 while
# 2 x 200 connected sockets live at once, then 200 TIME_WAIT ones. What
# does not fit must be counted, not silently skipped (SPEC.md); what needs
# no tracking entry (per-state counts, the transition matrix, TIME_WAIT
# counts) must stay exact; once the sockets are gone the pool is whole
# again and new sockets are tracked. setup_file runs the whole scenario and
# keeps a snapshot of each moment (tcpwatch's status and summary, ss's
# states, /proc/net/sockstat); each test checks one property on them.
#
#   held      CONNECTIONS clients ESTABLISHED to a server that accepts one
#             at a time (the others wait in its accept queue, ESTABLISHED)
#   timewait  the clients killed: the server closed every connection after
#             the client, and CONNECTIONS client sockets sit in TIME_WAIT
#   recovered TIME_WAIT expired (60 s): no socket on the port is left

load lib

PORT=8901
NEWPORT=8902
POOL=64
CONNECTIONS=${POOL_CONNECTIONS:-200}
NEW=10

# snapshot NAME: tcpwatch's status and summary, ss and sockstat, now.
snapshot() {
	local d=$BATS_FILE_TMPDIR
	tcpwatch status --json >"$d/$1.status" || fail "tcpwatch status --json failed"
	tw_summary "$d/$1.summary"
	ss_states >"$d/$1.ss"
	cp /proc/net/sockstat "$d/$1.sockstat"
	tcpwatch leaks --older-than 0 --state ESTABLISHED,TIME_WAIT,FIN_WAIT2,LISTEN,CLOSE_WAIT \
		--json >"$d/$1.tracked" || fail "tcpwatch leaks --json failed"
}

status_of() {
	jq -r "$2" "$BATS_FILE_TMPDIR/$1.status"
}

# all_held: every client and its server-side socket ESTABLISHED.
all_held() {
	[ "$(ss_count state established "( sport = :$PORT or dport = :$PORT )")" -eq $((2 * CONNECTIONS)) ]
}

# only_timewait_left: nothing on PORT but its listener and CONNECTIONS
# sockets in TIME_WAIT (the server has closed every connection).
only_timewait_left() {
	[ "$(ss_count exclude listening exclude time-wait "( sport = :$PORT or dport = :$PORT )")" -eq 0 ] &&
		[ "$(ss_count state time-wait "( sport = :$PORT or dport = :$PORT )")" -eq "$CONNECTIONS" ]
}

pool_at() {
	[ "$(tcpwatch status --json | jq -r .tracked.used)" -eq "$1" ]
}

setup_file() {
	local d=$BATS_FILE_TMPDIR base

	load_module max_tracked=$POOL
	snapshot before
	base=$(status_of before .tracked.used)
	[ "$base" -lt $((POOL / 2)) ] ||
		fail "$base of $POOL tracking entries in use before the test: the VM is not idle"

	trace_start
	bg_start serve sockdrv serve 127.0.0.1 "$PORT" --count 0 --backlog 1024
	wait_for_line "$(bg_out serve)" '^listening' 20
	bg_start clients sockdrv clients 127.0.0.1 "$PORT" "$CONNECTIONS"
	wait_for_line "$(bg_out clients)" 'clients ready' 120
	wait_for "all $CONNECTIONS connections ESTABLISHED on both ends" 30 all_held
	snapshot held
	trace_parse <"$TRACEFS/trace" >"$d/held.trace"

	# Clients close first; the server reads each EOF and closes in turn.
	bg_stop clients TERM || true
	wait_for "the server to close all $CONNECTIONS connections" 120 only_timewait_left
	bg_stop serve TERM || true
	wait_port_quiet "$PORT" 30
	snapshot timewait
	trace_stop

	# TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN); the pool frees an entry one
	# RCU grace period after its socket ended.
	wait_until "every TIME_WAIT socket to expire" 150 no_timewait
	wait_until "the tracking pool to return to its $base entries" 30 pool_at "$base"
	snapshot recovered

	bg_start closewait sockdrv closewait 127.0.0.1 "$NEWPORT" --count "$NEW"
	wait_for_line "$(bg_out closewait)" 'closewait ready' 60
	bg_pid closewait >"$d/owner.pid"
	snapshot new
	tcpwatch leaks --older-than 0 --state CLOSE_WAIT --port "$NEWPORT" --json >"$d/new.closewait" ||
		fail "tcpwatch leaks --json failed"
	bg_stop closewait TERM || true
}

teardown_file() {
	common_teardown
}

# the module stays loaded for all tests of this file
teardown() {
	:
}

@test "pool of $POOL, $((2 * CONNECTIONS + 1)) sockets: the sockets that do not fit are counted as not tracked" {
	local max used failed live

	max=$(status_of held .tracked.max)
	used=$(status_of held .tracked.used)
	failed=$(status_of held .tracked.failed)
	log "held: tracked used $used of $max, failed $failed; $(jq length "$BATS_FILE_TMPDIR/held.tracked") sockets in tcpwatch's dump"
	[ "$max" -eq "$POOL" ] || fail "status says max $max, loaded with max_tracked=$POOL"
	[ "$used" -le "$POOL" ] || fail "status says $used entries used of a pool of $POOL"
	[ "$(jq length "$BATS_FILE_TMPDIR/held.tracked")" -le "$POOL" ] ||
		fail "tcpwatch's socket dump lists $(jq length "$BATS_FILE_TMPDIR/held.tracked") sockets, more than the pool holds"
	[ "$(status_of before .tracked.failed)" -eq 0 ] ||
		fail "status counted $(status_of before .tracked.failed) untracked sockets before the test"
	# Each socket beyond the pool failed to get an entry at least once.
	live=$(awk '{ n += $2 } END { print n }' "$BATS_FILE_TMPDIR/held.ss")
	[ "$failed" -ge $((live - POOL)) ] ||
		fail "status counts $failed untracked, but $live sockets live on a pool of $POOL"
	# ... and at most once per transition it made.
	[ "$failed" -le $(($(wc -l <"$BATS_FILE_TMPDIR/held.trace") + CONNECTIONS)) ] ||
		fail "status counts $failed untracked, more than the $(wc -l <"$BATS_FILE_TMPDIR/held.trace") full-socket transitions and $CONNECTIONS requests"
}

# states_match MOMENT...: tcpwatch's per-state counts equal ss's at each.
states_match() {
	local d=$BATS_FILE_TMPDIR moment bad=0

	for moment in "$@"; do
		summary_states "$d/$moment.summary" >"$d/$moment.tw"
		diff -u "$d/$moment.ss" "$d/$moment.tw" >&2 || {
			log "at '$moment': tcpwatch's summary states (+) differ from ss (-)"
			bad=1
		}
	done
	[ "$bad" = 0 ] || fail "tcpwatch's per-state counts differ from ss's under pool exhaustion"
}

@test "pool exhausted: per-state counts equal ss, $CONNECTIONS connections held" {
	states_match held
	grep -qx "ESTABLISHED $((2 * CONNECTIONS))" "$BATS_FILE_TMPDIR/held.ss" ||
		fail "ss did not show $((2 * CONNECTIONS)) ESTABLISHED sockets: $(cat "$BATS_FILE_TMPDIR/held.ss")"
}

@test "pool exhausted: per-state counts equal ss, $CONNECTIONS sockets in TIME_WAIT and after they expired" {
	states_match timewait recovered
	grep -qx "TIME_WAIT $CONNECTIONS" "$BATS_FILE_TMPDIR/timewait.ss" ||
		fail "ss did not show $CONNECTIONS TIME_WAIT sockets: $(cat "$BATS_FILE_TMPDIR/timewait.ss")"
}

@test "pool exhausted: the TIME_WAIT count equals sockstat's, entered and ended add up" {
	local d=$BATS_FILE_TMPDIR moment tw kernel

	for moment in held timewait recovered; do
		tw=$(jq -r .timewait.current "$d/$moment.summary")
		kernel=$(awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' "$d/$moment.sockstat")
		[ "$tw" = "$kernel" ] ||
			fail "at '$moment': tcpwatch's timewait.current is $tw, /proc/net/sockstat says tw $kernel"
	done
	run jq -r '.timewait | "\(.entered) \(.ended)"' "$d/recovered.summary"
	[ "$output" = "$CONNECTIONS $CONNECTIONS" ] ||
		fail "after TIME_WAIT expired, timewait entered/ended are $output, expected $CONNECTIONS $CONNECTIONS"
}

@test "pool exhausted: summary transition counts equal tracefs, per transition" {
	local d=$BATS_FILE_TMPDIR

	transition_delta "$d/before.summary" "$d/timewait.summary" >"$d/tcpwatch-delta.txt"
	trace_transition_counts "$d/trace.txt" >"$d/kernel-counts.txt"
	[ "$(awk -v p="$PORT" '$5 == p && $6 == "SYN_SENT" && $7 == "ESTABLISHED"' "$d/trace.txt" | wc -l)" -eq "$CONNECTIONS" ] ||
		fail "tracefs did not see $CONNECTIONS clients connect"
	diff -u "$d/kernel-counts.txt" "$d/tcpwatch-delta.txt" >&2 ||
		fail "tcpwatch's transition counts (+) differ from tracefs (-) under pool exhaustion"
}

@test "after the sockets are gone the pool is whole again and $NEW new connections are tracked" {
	local d=$BATS_FILE_TMPDIR base pid

	base=$(status_of before .tracked.used)
	[ "$(status_of recovered .tracked.used)" -eq "$base" ] ||
		fail "the pool holds $(status_of recovered .tracked.used) entries after every socket went, $base before"
	[ "$(status_of new .tracked.failed)" -eq "$(status_of recovered .tracked.failed)" ] ||
		fail "$(($(status_of new .tracked.failed) - $(status_of recovered .tracked.failed))) new sockets were not tracked with the pool whole again"
	# Tracked: tcpwatch's socket dump lists every new CLOSE_WAIT socket
	# with its owner.
	pid=$(cat "$d/owner.pid")
	run jq -r --argjson pid "$pid" '[.[] | select(.pid == $pid and .state == "CLOSE_WAIT")] | length' "$d/new.closewait"
	[ "$output" = "$NEW" ] ||
		fail "tcpwatch's socket dump lists $output of the $NEW new CLOSE_WAIT sockets owned by pid $pid: $(cat "$d/new.closewait")"
	grep -qx "CLOSE_WAIT $NEW" "$d/new.ss" || fail "ss did not show $NEW CLOSE_WAIT sockets: $(cat "$d/new.ss")"
}
