#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The module loads, attaches its core probe, shows itself in /proc, and
# refuses bad parameters with a message that says why.

load lib

# count_dmesg REGEX: how many kernel log lines match REGEX so far.
count_dmesg() {
	dmesg | grep -cE "$1" || true
}

@test "module loads, attaches sock:inet_sock_set_state and creates /proc/tcpwatch/summary" {
	load_module

	run tcpwatch status
	[ "$status" -eq 0 ] || fail "tcpwatch status exited $status: $output"
	echo "$output" | grep -E 'sock:inet_sock_set_state' | grep -qiwE 'yes|attached|true' ||
		fail "tcpwatch status does not list sock:inet_sock_set_state as attached: $output"

	[ -r /proc/tcpwatch/summary ] || fail "/proc/tcpwatch/summary does not exist"
	[ -s /proc/tcpwatch/summary ] || [ -n "$(cat /proc/tcpwatch/summary)" ] ||
		fail "/proc/tcpwatch/summary is empty"
}

@test "summary --json counts all twelve states, CLOSE always 0" {
	load_module
	tw_summary "$(tw_tmp)/summary.json"

	run jq -r '.states | keys | sort | join(" ")' "$(tw_tmp)/summary.json"
	[ "$output" = "CLOSE CLOSE_WAIT CLOSING ESTABLISHED FIN_WAIT1 FIN_WAIT2 LAST_ACK LISTEN NEW_SYN_RECV SYN_RECV SYN_SENT TIME_WAIT" ] ||
		fail "summary .states keys are: $output"
	run jq -r '.states.CLOSE' "$(tw_tmp)/summary.json"
	[ "$output" = 0 ] || fail "summary .states.CLOSE is $output, expected 0"
	run jq -r '.events | "\(.written) \(.lost)"' "$(tw_tmp)/summary.json"
	[[ $output =~ ^[0-9]+\ [0-9]+$ ]] || fail "summary .events is not {written, lost}: $output"
}

@test "tcpwatch graph draws the state diagram with the counts of real connections" {
	local dir n=20
	load_module
	dir=$(tw_tmp)
	sockdrv churn 127.0.0.1 5190 "$n" >/dev/null || fail "sockdrv churn failed"
	tcpwatch graph >"$dir/g.dot" || fail "tcpwatch graph failed"
	tw_summary "$dir/s.json"
	grep -q '^digraph tcp_states {$' "$dir/g.dot" || fail "not a digraph: $(head -n 5 "$dir/g.dot")"
	# every connection was made here: n handshakes on each side
	grep -qF "\"SYN_SENT\" -> \"ESTABLISHED\" [label=\"$n\"," "$dir/g.dot" ||
		fail "SYN_SENT -> ESTABLISHED is not $n: $(grep '"SYN_SENT" ->' "$dir/g.dot")"
	grep -qF "\"SYN_RECV\" -> \"ESTABLISHED\" [label=\"$n\"," "$dir/g.dot" ||
		fail "SYN_RECV -> ESTABLISHED is not $n: $(grep '"SYN_RECV" ->' "$dir/g.dot")"
	[ "$(jq '[.transitions[] | select(.old == "SYN_SENT" and .new == "ESTABLISHED") | .count] | add' "$dir/s.json")" = "$n" ] ||
		fail "the summary disagrees: $(jq -c .transitions "$dir/s.json")"
	grep -qF '"CLOSING" -> "TIME_WAIT" [style=dashed' "$dir/g.dot" ||
		fail "an edge of the diagram never taken is not faint: $(grep '"CLOSING" ->' "$dir/g.dot")"
}

# refused_param PARAM=VALUE: insmod fails, nothing stays loaded, and the
# kernel log says which parameter was wrong.
refused_param() {
	local before after
	require_tcpwatch
	before=$(count_dmesg "tcpwatch: .*${1%%=*}")
	run insmod "$TCPWATCH_KO" "$1"
	[ "$status" -ne 0 ] || fail "insmod tcpwatch.ko $1 succeeded"
	! module_loaded || fail "tcpwatch is loaded after a refused insmod"
	after=$(count_dmesg "tcpwatch: .*${1%%=*}")
	[ "$after" -gt "$before" ] ||
		fail "no 'tcpwatch: ... ${1%%=*}' message in the kernel log: $(dmesg | tail -n 5)"
}

@test "ring_size=1000 (not a power of two) is refused with a clear message" {
	refused_param ring_size=1000
}

@test "ring_size=0 is refused with a clear message" {
	refused_param ring_size=0
}

@test "every numeric parameter's out-of-range values are refused, naming the parameter and its range" {
	local bad range
	for bad in ring_size=32:64..1048576 ring_size=2097152:64..1048576 \
		max_tracked=63:64..4194304 max_tracked=4194305:64..4194304 \
		max_tracked=-1:64..4194304 drain_ms=0:1..1000 drain_ms=1001:1..1000 \
		drain_ms=abc:1..1000; do
		range=${bad##*:}
		refused_param "${bad%:*}"
		dmesg | tail -n 3 | grep -qF "tcpwatch: invalid ${bad%:*}: must be" ||
			fail "no 'invalid ${bad%:*}: must be ...' message: $(dmesg | tail -n 3)"
		dmesg | tail -n 3 | grep -qF "$range" ||
			fail "the message for ${bad%:*} does not give the range $range: $(dmesg | tail -n 3)"
	done
}

@test "lifecycle=maybe (not a boolean) is refused by the kernel, naming the parameter" {
	refused_param lifecycle=maybe
}
