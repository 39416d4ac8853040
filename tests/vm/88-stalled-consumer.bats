#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# A consumer that stops reading while connections churn on: three of them
# (tcpwatch events --follow --json, the same in text with --wide, and
# tcpwatchd) are stopped with SIGSTOP while thousands of connections are
# made, until the kernel drops messages for each of their netlink sockets
# (the Drops column of /proc/net/netlink), then continued. A fourth,
# `events --follow --json` never stopped, is the reference. setup_file runs
# the scenario once; each test checks one property:
#
#   - the stack never waits for a consumer: every connection completes, in
#     bounded time, as tracefs and the kernel's Tcp counters show;
#   - loss is counted exactly: the per-CPU (cpu, seq) gaps in what each
#     stalled consumer wrote are what it reports (the CLI's exit line,
#     tcpwatchd's metrics), the reference's loss markers add up to
#     `tcpwatch status`'s per-CPU lost, and status's totals are consistent;
#   - the aggregates stay exact: summary transition counts equal tracefs's;
#   - the consumers recover: connections made after SIGCONT reach each of
#     them whole, with no new gap.

load lib

PORT=8801	# the churn while the consumers are stopped
AFTER=8803	# the churn after they were continued
# One connection at a time, to see the consumers read: before the stall,
# after it, at the end.
CANARY=8802
CAUGHT_UP=8804
LAST=8805
ROUND=1000	# connections per churn round
MAX_ROUNDS=12
AFTER_CONNECTIONS=200
# tracefs: 7 transitions per connection, for up to 13k connections
# shellcheck disable=SC2034 # read by lib.bash's trace_start
TRACE_BUFFER_KB=16384
STALLED=(json text daemon)

# The outputs: what each consumer wrote.
out_of() {
	case $1 in
	json) echo "$BATS_FILE_TMPDIR/json.out" ;;
	ref) echo "$BATS_FILE_TMPDIR/ref.out" ;;
	text) echo "$BATS_FILE_TMPDIR/text.out" ;;
	daemon) echo "$BATS_FILE_TMPDIR/daemon.jsonl" ;;
	esac
}

# canary_in NAME PORT: NAME's output shows a connection to PORT.
canary_in() {
	if [ "$1" = text ]; then
		grep -q -- "127.0.0.1:$2 " "$(out_of text)"
	else
		grep -qE "\"dport\": ?$2[,}]" "$(out_of "$1")"
	fi
}

# canary PORT NAME...: one more connection to PORT, then whether all NAMEs
# show one.
canary() {
	local port=$1 n
	shift
	sockdrv handshake 127.0.0.1 "$port" >/dev/null || return 1
	for n in "$@"; do
		canary_in "$n" "$port" || return 1
	done
}

# seqs NAME [FILE]: "CPU SEQ R 1" for each record and "CPU SEQ L N" for each
# loss marker (seqs [SEQ, SEQ + N) lost in the kernel ring) in NAME's output
# (or FILE, holding lines of it), in the order written.
seqs() {
	local f=${2:-$(out_of "$1")}
	if [ "$1" = text ]; then
		awk '$1 ~ /^[0-9]+:[0-9]+$/ {
			split($1, cs, ":")
			if ($4 == "lost") print cs[1], cs[2], "L", $5; else print cs[1], cs[2], "R", 1
		}' "$f"
	else
		grep '^{' "$f" | jq -r 'select(.seq != null)
			| "\(.cpu) \(.seq) \(if .type == "lost" then "L \(.lost)" else "R 1" end)"'
	fi
}

# account: seqs on stdin -> one line per CPU, then the totals:
#   CPU FIRST END RECORDS KERNEL MISSED NETLINK
# END is one past the last seq seen, KERNEL the seqs loss markers name,
# MISSED every seq in [FIRST, END) not received (a consumer's first record
# on a CPU is its baseline), NETLINK the part no marker explains. This is
# how Documentation/netlink.md tells a consumer to count.
account() {
	awk '{
		c = $1; s = $2; e = s + $4
		if (!(c in first) || s < first[c]) first[c] = s
		if (!(c in end) || e > end[c]) end[c] = e
		if ($3 == "R") rec[c]++; else ker[c] += $4
	}
	END {
		for (c in first) {
			m = end[c] - first[c] - rec[c]
			print c, first[c], end[c], rec[c] + 0, ker[c] + 0, m, m - ker[c]
			tr += rec[c]; tk += ker[c]; tm += m; tn += m - ker[c]
		}
		print "total", "-", "-", tr + 0, tk + 0, tm + 0, tn + 0
	}' | sort -k1,1
}

# nl_drops PID: messages the kernel dropped for PID's first netlink socket
# (its portid is PID), which is the one tcpwatch and tcpwatchd subscribe.
nl_drops() {
	awk -v p="$1" '$2 == 16 && $3 == p { print $9 }' /proc/net/netlink
}

all_dropped() {
	local n d
	for n in "${STALLED[@]}"; do
		d=$(nl_drops "$(bg_pid "$n")")
		[ "${d:-0}" -gt 0 ] || return 1
	done
}

# port_transitions NAME PORT: NAME's full-socket transitions of PORT in
# what it wrote after it caught up (its .mark).
port_transitions() {
	local from
	from=$(($(cat "$BATS_FILE_TMPDIR/$1.mark") + 1))
	if [ "$1" = text ]; then
		# The text output fills in tuples from earlier events by cookie.
		tail -n +"$from" "$(out_of text)" | awk -v p=":$2" '
			$1 ~ /^[0-9]+:[0-9]+$/ && $4 == "full" && $5 ~ />/ &&
			(substr($6, length($6) - length(p) + 1) == p || substr($7, length($7) - length(p) + 1) == p) {
			split($5, t, ">"); print "inet", $6, "-", $7, "-", t[1], t[2] }'
	else
		tail -n +"$from" "$(out_of "$1")" | grep '^{' | tw_port_events "$2" | tw_tuples
	fi
}

has_all_after() {
	local n
	for n in "${STALLED[@]}" ref; do
		[ "$(port_transitions "$n" "$AFTER" | wc -l)" -ge "$1" ] || return 1
	done
}

# progress: how far each consumer got, for a failure message.
progress() {
	local n pid
	for n in "${STALLED[@]}" ref; do
		pid=$(bg_pid "$n")
		log "$n (pid $pid, $(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)): $(wc -l <"$(out_of "$n")") lines; netlink drops $(nl_drops "$pid")"
	done
}

# ref_reached STATUS: the reference shows, on every CPU, the last seq
# STATUS says was written (or a later one).
ref_reached() {
	local cpu written
	seqs ref | account >"$BATS_FILE_TMPDIR/ref.reached"
	while read -r cpu written; do
		[ "$written" -eq 0 ] && continue
		awk -v c="$cpu" -v w="$written" '$1 == c && $3 >= w { ok = 1 } END { exit !ok }' \
			"$BATS_FILE_TMPDIR/ref.reached" || return 1
	done < <(jq -r '.cpus[] | "\(.cpu) \(.written)"' "$1")
}

snmp_tcp() {
	awk -v f="$1" '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1 } else print $col[f] }' /proc/net/snmp
}

setup_file() {
	local d=$BATS_FILE_TMPDIR n round start

	load_module ring_size=16384
	# stderr apart from the JSON lines; exec: the pid is tcpwatch's
	# shellcheck disable=SC2016 # $0 is sh's
	bg_start ref sh -c 'exec tcpwatch events --json --follow 2>"$0"' "$d/ref.err"
	# shellcheck disable=SC2016
	bg_start json sh -c 'exec tcpwatch events --json --follow 2>"$0"' "$d/json.err"
	bg_start text tcpwatch events --follow --wide
	bg_start daemon tcpwatchd --output "$d/daemon.jsonl" --prom "$d/daemon.prom" --interval 0.5
	wait_until "every consumer to show events" 60 canary "$CANARY" ref "${STALLED[@]}"

	tw_summary "$d/before.json"
	snmp_tcp ActiveOpens >"$d/active.before"
	snmp_tcp AttemptFails >"$d/fails.before"
	trace_start
	for n in "${STALLED[@]}"; do
		kill -STOP "$(bg_pid "$n")"
	done

	# Churn until the kernel has dropped messages for every stopped
	# consumer, then one round more.
	start=$SECONDS
	for ((round = 1; round <= MAX_ROUNDS; round++)); do
		timeout 300 sockdrv churn 127.0.0.1 "$PORT" "$ROUND" >"$d/churn.$round" 2>&1 ||
			fail "churn round $round failed or took over 300 s: $(tail -n 3 "$d/churn.$round")"
		all_dropped && break
	done
	echo "$round" >"$d/rounds"
	[ "$round" -le "$MAX_ROUNDS" ] ||
		fail "after $MAX_ROUNDS x $ROUND connections the kernel dropped nothing for a stopped consumer: $(cat /proc/net/netlink)"
	timeout 300 sockdrv churn 127.0.0.1 "$PORT" "$ROUND" >"$d/churn.last" 2>&1 ||
		fail "the last churn round failed: $(tail -n 3 "$d/churn.last")"
	echo $((SECONDS - start)) >"$d/churn.secs"
	wait_port_quiet "$PORT" 120
	for n in "${STALLED[@]}"; do
		echo "$n $(nl_drops "$(bg_pid "$n")")" >>"$d/drops"
	done
	tcpwatch status --json >"$d/stalled.status" || fail "tcpwatch status failed"

	for n in "${STALLED[@]}"; do
		kill -CONT "$(bg_pid "$n")"
	done
	# Caught up: each has read its backlog and shows a new connection.
	wait_until "the continued consumers to catch up" 300 canary "$CAUGHT_UP" ref "${STALLED[@]}" || {
		progress
		return 1
	}
	for n in "${STALLED[@]}" ref; do
		wc -l <"$(out_of "$n")" >"$d/$n.mark"
	done
	# From the seqs this gives on, each consumer must get every record.
	tcpwatch status --json >"$d/caught-up.status" || fail "tcpwatch status failed"

	timeout 120 sockdrv churn 127.0.0.1 "$AFTER" "$AFTER_CONNECTIONS" >"$d/churn.after" 2>&1 ||
		fail "the churn after SIGCONT failed: $(tail -n 3 "$d/churn.after")"
	wait_port_quiet "$AFTER" 60
	wait_port_quiet "$CAUGHT_UP" 60
	trace_stop
	tw_summary "$d/after.json"
	snmp_tcp ActiveOpens >"$d/active.after"
	snmp_tcp AttemptFails >"$d/fails.after"
	trace_port "$AFTER" >"$d/after.kernel"
	wait_until "every consumer to show the $(wc -l <"$d/after.kernel") transitions of port $AFTER" 60 \
		has_all_after "$(wc -l <"$d/after.kernel")" || {
		progress
		awk '{ print $6, $7 }' "$d/after.kernel" | sort | uniq -c >"$d/k.cnt"
		for n in "${STALLED[@]}" ref; do
			port_transitions "$n" "$AFTER" | awk '{ print $6, $7 }' | sort | uniq -c >"$d/n.cnt"
			log "$n: tracefs (-), $n (+):"
			diff "$d/k.cnt" "$d/n.cnt" >&2 || true
		done
		return 1
	}
	wait_until "every consumer to show the last canary" 60 canary "$LAST" ref "${STALLED[@]}"
	# TIME_WAIT sockets of the churn expire (60 s) as they like: the
	# reference must reach what status says was written, then stop.
	tcpwatch status --json >"$d/final.status" || fail "tcpwatch status failed"
	wait_until "the reference consumer to reach the seqs status gave" 60 ref_reached "$d/final.status"
	for n in "${STALLED[@]}" ref; do
		bg_stop "$n" TERM || fail "$n exited with status $? on SIGTERM"
	done
	tcpwatch status --json >"$d/last.status" || fail "tcpwatch status failed"
}

teardown_file() {
	common_teardown
}

# the module stays loaded for all tests of this file
teardown() {
	:
}

@test "stalled consumers: every connection of the churn completes, in bounded time" {
	local d=$BATS_FILE_TMPDIR total opens fails

	total=$((($(cat "$d/rounds") + 1) * ROUND))
	log "$total connections in $(cat "$d/churn.secs") s with three consumers stopped; netlink drops: $(tr '\n' ' ' <"$d/drops")"
	run awk -v p="$PORT" '$5 == p && $6 == "SYN_SENT" && $7 == "ESTABLISHED"' "$d/trace.txt"
	[ "${#lines[@]}" -eq "$total" ] ||
		fail "tracefs saw ${#lines[@]} clients connect to port $PORT, expected $total"
	run awk -v p="$PORT" '$3 == p && $6 == "LAST_ACK" && $7 == "CLOSE"' "$d/trace.txt"
	[ "${#lines[@]}" -eq "$total" ] ||
		fail "tracefs saw ${#lines[@]} server sockets on port $PORT finish, expected $total"
	opens=$(($(cat "$d/active.after") - $(cat "$d/active.before")))
	fails=$(($(cat "$d/fails.after") - $(cat "$d/fails.before")))
	[ "$opens" -ge $((total + AFTER_CONNECTIONS)) ] ||
		fail "Tcp ActiveOpens grew by $opens, fewer than the $((total + AFTER_CONNECTIONS)) connections made"
	[ "$fails" -eq 0 ] || fail "Tcp AttemptFails grew by $fails"
}

@test "stalled consumers: the (cpu, seq) gaps in what each wrote are exactly the loss it reports" {
	local d=$BATS_FILE_TMPDIR n tot missed kernel netlink reported

	for n in "${STALLED[@]}"; do
		seqs "$n" | account >"$d/$n.acct"
		log "$n: $(tail -n 1 "$d/$n.acct") (records kernel missed netlink)"
	done

	# The CLI in text mode says at exit what it missed, and how.
	read -r _ _ _ _ kernel missed netlink < <(tail -n 1 "$d/text.acct")
	[ "$netlink" -gt 0 ] ||
		fail "events --follow (text) shows no gap beyond loss markers, but the kernel dropped $(grep text "$d/drops") messages for it"
	reported=$(grep -E '^tcpwatch: missed [0-9]+ events' "$(out_of text)" || true)
	[ "$reported" = "tcpwatch: missed $missed events ($kernel by the kernel ring, $netlink by netlink)" ] ||
		fail "events --follow (text) reported '$reported'; its output lacks $missed events ($kernel by the kernel ring, $netlink by netlink)"
	grep -q 'receive queue overflowed' "$(out_of text)" ||
		fail "events --follow (text) never said its receive queue overflowed"

	# JSON: the stream's own gaps; the ENOBUFS it had is said on stderr.
	read -r _ _ _ _ kernel missed netlink < <(tail -n 1 "$d/json.acct")
	[ "$netlink" -gt 0 ] ||
		fail "events --follow --json shows no gap beyond loss markers, but the kernel dropped $(grep json "$d/drops") messages for it"
	grep -q 'receive queue overflowed (ENOBUFS)' "$d/json.err" ||
		fail "events --follow --json lost $netlink events and said nothing: $(cat "$d/json.err")"

	# tcpwatchd: its metrics, written at exit, and its loss line. After an
	# ENOBUFS it fetches from the rings what the kernel dropped for it, so
	# its output may have no gap at all; whatever gap it has, it reports.
	read -r _ _ _ _ kernel missed netlink < <(tail -n 1 "$d/daemon.acct")
	log "tcpwatchd: $missed missed after the kernel dropped $(grep daemon "$d/drops") messages for it"
	run awk '$1 == "tcpwatch_daemon_events_missed_total" { print $2 }' "$d/daemon.prom"
	[ "$output" = "$missed" ] ||
		fail "tcpwatchd's tcpwatch_daemon_events_missed_total is $output; its output lacks $missed events"
	run awk '$1 == "tcpwatch_daemon_events_missed_kernel_total" { print $2 }' "$d/daemon.prom"
	[ "$output" = "$kernel" ] ||
		fail "tcpwatchd's tcpwatch_daemon_events_missed_kernel_total is $output; loss markers in its output name $kernel"
	run awk '$1 == "tcpwatch_daemon_events_received_total" { print $2 }' "$d/daemon.prom"
	tot=$(awk '$1 == "total" { print $4 }' "$d/daemon.acct")
	[ "$output" -ge "$tot" ] ||
		fail "tcpwatchd's tcpwatch_daemon_events_received_total is $output, its output holds $tot records"
	run awk '$1 == "tcpwatch_daemon_receive_overruns_total" { print $2 }' "$d/daemon.prom"
	[ "$output" -ge 1 ] || fail "tcpwatchd's tcpwatch_daemon_receive_overruns_total is $output after the kernel dropped messages for it"
	run grep -E '^tcpwatchd: lost events: ' "$BATS_FILE_TMPDIR/daemon.out"
	[[ ${lines[-1]} == *" missed by us ($missed in total, $kernel of them in the kernel ring)"* ]] ||
		fail "tcpwatchd's last loss line does not say $missed missed ($kernel in the kernel ring): ${lines[-1]}"
}

@test "stalled consumers: the reference consumer got every record or its loss marker, matching status's per-CPU counters" {
	local d=$BATS_FILE_TMPDIR cpu first end rec ker missed netlink written lost lost2 sum probes

	seqs ref | account >"$d/ref.acct"
	[ ! -s "$d/ref.err" ] || fail "the reference consumer complained: $(cat "$d/ref.err")"
	while read -r cpu first end rec ker missed netlink; do
		[ "$cpu" = total ] && continue
		written=$(jq -r --argjson c "$cpu" '.cpus[] | select(.cpu == $c) | .written' "$d/final.status")
		lost=$(jq -r --argjson c "$cpu" '.cpus[] | select(.cpu == $c) | .lost' "$d/final.status")
		lost2=$(jq -r --argjson c "$cpu" '.cpus[] | select(.cpu == $c) | .lost' "$d/last.status")
		log "cpu $cpu: reference seqs [$first, $end): $rec records, $ker in loss markers; status: written $written, lost $lost"
		[ "$first" -eq 0 ] && [ "$end" -ge "$written" ] ||
			fail "cpu $cpu: the reference saw seqs [$first, $end), the module had written [0, $written)"
		[ "$netlink" -eq 0 ] || fail "cpu $cpu: the reference consumer misses $netlink events no marker explains"
		# lost, as status said before and after the reference stopped
		[ "$ker" -ge "$lost" ] && [ "$ker" -le "$lost2" ] ||
			fail "cpu $cpu: loss markers name $ker lost records, tcpwatch status says $lost (then $lost2)"
	done <"$d/ref.acct"
	# status: the total is the sum of the CPUs' and the probes' misses
	sum=$(jq '[.cpus[].lost] | add' "$d/final.status")
	probes=$(jq '[.probes[].missed] | add' "$d/final.status")
	[ "$(jq .events.lost "$d/final.status")" -eq $((sum + probes)) ] ||
		fail "status: events.lost $(jq .events.lost "$d/final.status") is not the CPUs' $sum plus the probes' $probes"
	[ "$(jq .events.written "$d/final.status")" -eq "$(jq '[.cpus[].written] | add' "$d/final.status")" ] ||
		fail "status: events.written is not the sum of the CPUs'"
	tw_summary "$d/check.json"
	tcpwatch status --json >"$d/check.status"
	[ "$(jq .events.lost "$d/check.json")" -eq "$(jq .events.lost "$d/check.status")" ] ||
		fail "summary's events.lost $(jq .events.lost "$d/check.json") differs from status's $(jq .events.lost "$d/check.status")"
}

@test "stalled consumers: summary transition counts equal tracefs, per transition" {
	local d=$BATS_FILE_TMPDIR

	transition_delta "$d/before.json" "$d/after.json" >"$d/tcpwatch-delta.txt"
	trace_transition_counts "$d/trace.txt" >"$d/kernel-counts.txt"
	diff -u "$d/kernel-counts.txt" "$d/tcpwatch-delta.txt" >&2 ||
		fail "tcpwatch's transition counts (+) differ from tracefs (-) with stalled consumers"
}

@test "stalled consumers recover: after SIGCONT every event reaches each of them, no new gap" {
	local d=$BATS_FILE_TMPDIR n mark bad

	for n in "${STALLED[@]}" ref; do
		# every transition of the churn after SIGCONT
		port_transitions "$n" "$AFTER" >"$d/$n.after"
		if [ "$n" = text ]; then
			# text shows tuples, not ports 0: compare transitions only
			awk '{ print $6, $7 }' "$d/after.kernel" | sort | uniq -c >"$d/k.cnt"
			awk '{ print $6, $7 }' "$d/$n.after" | sort | uniq -c >"$d/t.cnt"
			diff -u "$d/k.cnt" "$d/t.cnt" >&2 ||
				fail "events --follow (text) (+) and tracefs (-) count port $AFTER's transitions differently"
		else
			same_transition_counts tracefs "$d/after.kernel" "$n" "$d/$n.after"
		fi
		# Each CPU's records written after the consumer caught up (from
		# the seq status gave then) all arrive, in order, none lost.
		mark=$(cat "$d/$n.mark")
		seqs "$n" <(tail -n +"$((mark + 1))" "$(out_of "$n")") >"$d/$n.post"
		bad=$(awk 'FNR == NR { next_[$1] = $2; next }
			$2 + $4 <= next_[$1] { next }
			$3 == "L" { print "cpu " $1 ": loss marker for " $4 " records at seq " $2; next }
			$2 != next_[$1] { print "cpu " $1 ": seq " next_[$1] " is followed by " $2 }
			{ next_[$1] = $2 + 1; seen[$1] = 1 }
			END { for (c in next_) if (!seen[c]) print "cpu " c ": nothing from seq " next_[c] " on" }' \
			<(jq -r '.cpus[] | "\(.cpu) \(.written)"' "$d/caught-up.status") "$d/$n.post" | head -n 10)
		[ -z "$bad" ] || fail "$n has new gaps after it caught up: $bad"
	done
}

@test "stalled tcpwatchd: after ENOBUFS it writes out what its socket had queued, missing no more than events --follow" {
	local d=$BATS_FILE_TMPDIR json daemon

	[ -s "$d/json.acct" ] || seqs json | account >"$d/json.acct"
	[ -s "$d/daemon.acct" ] || seqs daemon | account >"$d/daemon.acct"
	json=$(awk '$1 == "total" { print $6 }' "$d/json.acct")
	daemon=$(awk '$1 == "total" { print $6 }' "$d/daemon.acct")
	log "missed: events --follow --json $json, tcpwatchd $daemon; netlink drops: $(tr '\n' ' ' <"$d/drops")"
	# Both were stopped over the same churn with the same receive buffer;
	# after SIGCONT only canary connections (about 15 records each) ran.
	[ "$daemon" -le $((json + 1000)) ] ||
		fail "tcpwatchd missed $daemon events, events --follow --json stopped alongside it $json"
}
