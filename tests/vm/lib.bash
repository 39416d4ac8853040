# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by tcpwatch's in-VM bats tests (load with `load lib`).
#
# Every test checks what tcpwatch reports against what the kernel itself
# recorded in tracefs (sock:inet_sock_set_state, TCP only) during the same
# run. Transitions are written as one line of seven fields,
#     FAMILY SADDR SPORT DADDR DPORT OLD NEW
# e.g. "inet 127.0.0.1 0 127.0.0.1 5000 CLOSE SYN_SENT", the same for both
# sources. Expectations use the same fields, '*' matching anything, in the
# style of tools/testing/selftests/net/tcp_ao/lib/ftrace-tcp.c: a test fails
# on a transition expected but not seen and on one seen but not expected.

TCPWATCH_KO=${TCPWATCH_KO:-/opt/tcpwatch/tcpwatch.ko}
TRACEFS=/sys/kernel/tracing
TRACE_EVENT=$TRACEFS/events/sock/inet_sock_set_state
# Per-CPU trace buffer; 1000 connections write ~1 MiB per CPU.
TRACE_BUFFER_KB=${TRACE_BUFFER_KB:-8192}

# ---- general ------------------------------------------------------------------

# Where a test keeps its files (bats gives each test its own directory).
tw_tmp() {
	echo "${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${BATS_TMPDIR:-/tmp}}}"
}

fail() {
	echo "FAIL: $*" >&2
	return 1
}

log() {
	echo "# $*" >&2
}

# wait_for DESCRIPTION TIMEOUT_SECS COMMAND...: run COMMAND every 100 ms
# until it succeeds; fail naming DESCRIPTION when TIMEOUT_SECS pass first.
wait_for() {
	local what=$1 secs=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >/dev/null 2>&1 && return 0
	fail "timed out after ${secs}s waiting for $what"
}

# wait_until DESCRIPTION SECS COMMAND...: wait_for bounded by the clock, not
# by a count of tries, for a COMMAND that itself takes a good part of a
# second under TCG (a connection and a few jq runs).
wait_until() {
	local what=$1 secs=$2 end=$((SECONDS + $2))
	shift 2
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >/dev/null 2>&1 && return 0
	fail "timed out after ${secs}s waiting for $what"
}

# wait_for_line FILE REGEX [SECS]: until a line of FILE matches REGEX.
wait_for_line() {
	wait_for "a line matching '$2' in ${1##*/}" "${3:-20}" grep -qE -- "$2" "$1"
}

require_tcpwatch() {
	[ -f "$TCPWATCH_KO" ] || skip "tcpwatch.ko is not in this VM"
	command -v tcpwatch >/dev/null || skip "the tcpwatch CLI is not in this VM"
}

# ---- background processes ------------------------------------------------------

BG_NAMES=()

# bg_start NAME COMMAND...: run COMMAND in the background, its output in
# $(tw_tmp)/NAME.out. fd 3 is bats' own and must not leak to it, or bats
# waits for the process at the end of the test.
bg_start() {
	local name=$1 dir
	shift
	dir=$(tw_tmp)
	"$@" >"$dir/$name.out" 2>&1 3>&- &
	echo $! >"$dir/$name.pid"
	BG_NAMES+=("$name")
}

bg_pid() {
	cat "$(tw_tmp)/$1.pid"
}

bg_out() {
	echo "$(tw_tmp)/$1.out"
}

# bg_stop NAME [SIGNAL]: signal NAME (default TERM), wait up to 10 s for it
# to end, then KILL it. Returns its exit status.
bg_stop() {
	local pid rc=0 i
	pid=$(bg_pid "$1") || return 0
	kill -"${2:-TERM}" "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$1 (pid $pid) ignored SIG${2:-TERM}; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	rm -f "$(tw_tmp)/$1.pid"
	return $rc
}

# bg_wait NAME SECS: wait up to SECS for NAME to end by itself (a loop whose
# flag file was removed), and return its exit status; a signal would make
# a loop that was doing fine look failed. Still running: stopped, 124.
bg_wait() {
	local pid rc=0 end=$((SECONDS + $2))
	pid=$(bg_pid "$1") || return 0
	while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$1 (pid $pid) still runs after ${2}s; stopping it"
		bg_stop "$1" || true
		return 124
	fi
	wait "$pid" 2>/dev/null || rc=$?
	rm -f "$(tw_tmp)/$1.pid"
	return $rc
}

# ---- the module ---------------------------------------------------------------

module_loaded() {
	grep -q '^tcpwatch ' /proc/modules
}

# load_module [PARAM=VALUE...]
load_module() {
	require_tcpwatch
	module_loaded && fail "tcpwatch is already loaded (a previous test did not unload it)"
	insmod "$TCPWATCH_KO" "$@" || fail "insmod tcpwatch.ko $* failed: $(dmesg | tail -n 5)"
}

unload_module() {
	module_loaded || return 0
	rmmod tcpwatch || fail "rmmod tcpwatch failed: $(dmesg | tail -n 5)"
}

# ---- tracefs -------------------------------------------------------------------

TRACE_ACTIVE=0

# trace_start: record every TCP state change from now on (older ones cleared).
trace_start() {
	echo 0 >"$TRACEFS/tracing_on"
	echo "$TRACE_BUFFER_KB" >"$TRACEFS/buffer_size_kb"
	echo 'protocol == 6' >"$TRACE_EVENT/filter"
	echo 1 >"$TRACE_EVENT/enable"
	: >"$TRACEFS/trace"
	echo 1 >"$TRACEFS/tracing_on"
	TRACE_ACTIVE=1
}

# trace_stop: stop recording; the raw trace goes to $(tw_tmp)/trace.raw and
# the parsed transitions to $(tw_tmp)/trace.txt. Fails when the buffer lost
# events (then the counts cannot be trusted).
trace_stop() {
	local dir header
	dir=$(tw_tmp)
	echo 0 >"$TRACEFS/tracing_on"
	cat "$TRACEFS/trace" >"$dir/trace.raw"
	echo 0 >"$TRACE_EVENT/enable"
	echo 0 >"$TRACE_EVENT/filter"
	TRACE_ACTIVE=0
	trace_parse <"$dir/trace.raw" >"$dir/trace.txt"
	header=$(grep -m1 'entries-in-buffer/entries-written:' "$dir/trace.raw" || true)
	if [[ $header =~ written:\ ([0-9]+)/([0-9]+) ]] && [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]; then
		fail "the trace buffer overflowed ($header); raise TRACE_BUFFER_KB"
	fi
}

# trace_parse: tracefs text on stdin -> transition lines on stdout.
trace_parse() {
	awk '/ inet_sock_set_state: / {
		delete f
		for (i = 1; i <= NF; i++)
			if (split($i, kv, "=") == 2)
				f[kv[1]] = kv[2]
		if (f["protocol"] != "IPPROTO_TCP")
			next
		fam = f["family"] == "AF_INET6" ? "inet6" : "inet"
		sa = fam == "inet6" ? f["saddrv6"] : f["saddr"]
		da = fam == "inet6" ? f["daddrv6"] : f["daddr"]
		old = f["oldstate"]; new = f["newstate"]
		sub(/^TCP_/, "", old); sub(/^TCP_/, "", new)
		print fam, sa, f["sport"], da, f["dport"], old, new
	}'
}

# trace_port PORT: the traced transitions with PORT as source or destination.
trace_port() {
	awk -v p="$1" '$3 == p || $5 == p' "$(tw_tmp)/trace.txt"
}

# ---- tcpwatch's view ------------------------------------------------------------

# tw_events FILE: tcpwatch's recent history (its flight-recorder rings).
tw_events() {
	tcpwatch events --json >"$1" || fail "tcpwatch events --json failed"
	jq -e . "$1" >/dev/null || fail "tcpwatch events --json printed invalid JSON: $(head -c 300 "$1")"
}

# tw_port_events PORT < JSON-LINES: the state events of every socket that was
# ever seen with PORT as source or destination. Sockets are joined by cookie:
# records carry port 0 where the kernel had none yet (the client before
# connect() picks its port, a server child's first transition).
tw_port_events() {
	jq -c -s --argjson p "$1" '
		[.[] | select(.type == "state")] as $ev
		| (reduce ($ev[] | select((.sport == $p or .dport == $p) and (.cookie // 0) != 0) | .cookie) as $c
			({}; .[$c | tostring] = true)) as $socks
		| $ev[] | select(.sport == $p or .dport == $p or $socks[.cookie | tostring])'
}

# tw_check_chains FILE: in tcpwatch's state events of FILE, each full socket
# (cookie) moves through a connected chain of states: every transition
# starts in the state the previous one ended in. Fails on cookie 0 too.
tw_check_chains() {
	local broken
	broken=$(jq -r -s '[.[] | select(.type == "state" and .sk == "full")]
		| (.[] | select((.cookie // 0) == 0) | "cookie 0: \(.old)->\(.new) seq \(.seq) cpu \(.cpu)"),
		  (group_by(.cookie)[] | sort_by(.ts_ns) as $c
			| range(1; $c | length) as $i
			| select($c[$i].old != $c[$i - 1].new)
			| "cookie \($c[0].cookie): \($c[$i - 1].old)->\($c[$i - 1].new) is followed by \($c[$i].old)->\($c[$i].new)")' "$1")
	[ -z "$broken" ] && return 0
	echo "$broken" | head -n 20 >&2
	fail "tcpwatch's events do not chain per socket cookie"
}

# tw_tuples: state events on stdin -> full-socket transition lines.
tw_tuples() {
	jq -r 'select(.type == "state" and .sk == "full")
		| "\(.family) \(.saddr) \(.sport) \(.daddr) \(.dport) \(.old) \(.new)"'
}

# ---- the kernel's own counts ------------------------------------------------

# ss_states: "STATE COUNT" of every TCP socket ss shows, in tcpwatch's
# names (ss shows a request socket as SYN-RECV, and a timewait socket in
# its substate: FIN-WAIT-2 or TIME-WAIT).
ss_states() {
	ss -Htan | awk '
		BEGIN {
			m["ESTAB"] = "ESTABLISHED"; m["SYN-SENT"] = "SYN_SENT"
			m["SYN-RECV"] = "SYN_RECV"; m["FIN-WAIT-1"] = "FIN_WAIT1"
			m["FIN-WAIT-2"] = "FIN_WAIT2"; m["TIME-WAIT"] = "TIME_WAIT"
			m["CLOSE-WAIT"] = "CLOSE_WAIT"; m["LAST-ACK"] = "LAST_ACK"
			m["LISTEN"] = "LISTEN"; m["CLOSING"] = "CLOSING"
		}
		{ n[($1 in m) ? m[$1] : $1]++ }
		END { for (k in n) print k, n[k] }' | sort
}

# summary_states FILE: the same from tcpwatch's summary (NEW_SYN_RECV
# folded into SYN_RECV, as ss shows it; states at 0 left out).
summary_states() {
	jq -r '.states | to_entries[] | "\(.key) \(.value)"' "$1" | awk '
		{ k = $1 == "NEW_SYN_RECV" ? "SYN_RECV" : $1; n[k] += $2 }
		END { for (k in n) if (n[k]) print k, n[k] }' | sort
}

sockstat_tw() {
	awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' /proc/net/sockstat
}

ss_count() {
	ss -Htan "$@" | wc -l
}

no_timewait() {
	[ "$(sockstat_tw)" -eq 0 ]
}

tw_summary() {
	tcpwatch summary --json >"$1" || fail "tcpwatch summary --json failed"
	jq -e .states "$1" >/dev/null || fail "tcpwatch summary --json has no .states: $(head -c 300 "$1")"
}

# transition_delta BEFORE.json AFTER.json: "OLD NEW COUNT" per full-socket
# transition counted between two summaries (none for 0), sorted.
transition_delta() {
	local before
	before=$(tw_tmp)/delta-before.$$
	tw_summary_transitions "$1" >"$before"
	tw_summary_transitions "$2" | awk -v before="$before" '
		BEGIN { while ((getline l < before) > 0) { split(l, f, " "); b[f[1] " " f[2]] = f[3] } }
		{ d = $3 - b[$1 " " $2]; if (d) print $1, $2, d }' | sort
	rm -f "$before"
}

# trace_transition_counts TRACE: "OLD NEW COUNT" per transition in a
# trace_stop file, sorted, to compare with transition_delta.
trace_transition_counts() {
	awk '{ n[$6 " " $7]++ } END { for (k in n) print k, n[k] }' "$1" | sort
}

# tw_summary_transitions FILE: "OLD NEW COUNT" of full sockets.
tw_summary_transitions() {
	jq -r '.transitions[] | select(.sk == "full") | "\(.old) \(.new) \(.count)"' "$1"
}

# ---- expected transitions -------------------------------------------------------

EXPECTED=()

expect_reset() {
	EXPECTED=()
}

# expect FAMILY SADDR SPORT DADDR DPORT OLD NEW [xN]: one transition seen
# exactly once, or N times ("x3"), or at least once ("x+"); '*' is a wildcard.
expect() {
	[ $# -eq 7 ] || [ $# -eq 8 ] || fail "expect needs 7 or 8 fields, got: $*"
	EXPECTED+=("$*")
}

# check_transitions SOURCE FILE: the lines of FILE against the expectations.
# Prints every mismatch and fails if there is any.
check_transitions() {
	local source=$1 file=$2 expfile
	expfile=$(tw_tmp)/expected.$$
	printf '%s\n' "${EXPECTED[@]}" >"$expfile"
	awk -v src="$source" '
	function matches(e, s,   i, ef, sf) {
		split(e, ef, " "); split(s, sf, " ")
		for (i = 1; i <= 7; i++)
			if (ef[i] != "*" && ef[i] != sf[i])
				return 0
		return 1
	}
	FNR == NR {
		if ($0 == "") next
		n++; ex[n] = $1 " " $2 " " $3 " " $4 " " $5 " " $6 " " $7
		want[n] = ($8 == "") ? 1 : ($8 == "x+") ? -1 : substr($8, 2) + 0
		got[n] = 0
		next
	}
	$0 != "" {
		line = $1 " " $2 " " $3 " " $4 " " $5 " " $6 " " $7
		hit = 0; over = 0
		for (i = 1; i <= n; i++) {
			if (!matches(ex[i], line)) continue
			if (want[i] < 0 || got[i] < want[i]) { got[i]++; hit = 1; break }
			over = i
		}
		if (!hit) {
			if (over) { got[over]++; }
			else { printf "%s: seen but not expected: %s\n", src, line; bad++ }
		}
	}
	END {
		for (i = 1; i <= n; i++) {
			if (want[i] < 0 && got[i] == 0) {
				printf "%s: expected but not seen: %s\n", src, ex[i]; bad++
			} else if (want[i] >= 0 && got[i] != want[i]) {
				printf "%s: expected %d time(s), seen %d: %s\n", src, want[i], got[i], ex[i]; bad++
			}
		}
		exit bad > 0
	}' "$expfile" "$file" >&2 || {
		echo "--- $source transitions:" >&2
		cat "$file" >&2
		fail "$source does not show the expected transitions"
	}
}

# same_transition_counts NAME_A FILE_A NAME_B FILE_B: both files hold the
# same number of each OLD->NEW transition.
same_transition_counts() {
	local a b
	a=$(awk '{print $6, $7}' "$2" | sort | uniq -c)
	b=$(awk '{print $6, $7}' "$4" | sort | uniq -c)
	[ "$a" = "$b" ] && return 0
	echo "--- $1 (count old new):" >&2
	echo "$a" >&2
	echo "--- $3 (count old new):" >&2
	echo "$b" >&2
	fail "$1 and $3 count transitions differently"
}

# ---- sockets ---------------------------------------------------------------

# port_quiet PORT: no socket on PORT is left but TIME_WAIT ones.
port_quiet() {
	! ss -Htan "( sport = :$1 or dport = :$1 )" | grep -qv '^TIME-WAIT'
}

wait_port_quiet() {
	wait_for "every socket on port $1 to close" "${2:-20}" port_quiet "$1"
}

# ---- teardown ------------------------------------------------------------------

common_teardown() {
	local name
	for name in "${BG_NAMES[@]}"; do
		if [ -e "$(tw_tmp)/$name.pid" ]; then
			bg_stop "$name" || true
		fi
	done
	BG_NAMES=()
	if [ "$TRACE_ACTIVE" = 1 ]; then
		echo 0 >"$TRACEFS/tracing_on"
		echo 0 >"$TRACE_EVENT/enable"
		TRACE_ACTIVE=0
	fi
	unload_module
}

teardown() {
	common_teardown
}
