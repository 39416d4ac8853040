#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# A probe that cannot attach (a kernel without the function): the module
# still loads, status names the probe and what goes missing, and exactly
# that goes missing. The test-only parameter test_missing_probe=FUNCTION
# sends the probe meant for FUNCTION to a symbol no kernel has.

load lib

MISSING=tcp_v4_send_synack

teardown() {
	unload_module
}

# request_births FILE: request births (CLOSE -> NEW_SYN_RECV) in a summary.
request_births() {
	jq -r '[.transitions[] | select(.sk == "request" and .old == "CLOSE" and
		.new == "NEW_SYN_RECV") | .count] | add // 0' "$1"
}

@test "test_missing_probe=$MISSING: loads, status names the probe and what it loses" {
	local dir json
	dir=$(tw_tmp)
	load_module test_missing_probe=$MISSING
	dmesg | grep -qE "tcpwatch: cannot probe $MISSING \(-[0-9]+\): missing IPv4 request sockets" ||
		fail "no 'cannot probe $MISSING' warning naming the loss: $(dmesg | tail -n 5)"

	run tcpwatch status
	[ "$status" -eq 0 ] || fail "tcpwatch status exited $status: $output"
	echo "$output" | grep -qE "^$MISSING +NO " ||
		fail "status does not show $MISSING as not attached: $output"
	echo "$output" | grep -qE "^missing: IPv4 request sockets.*\(no probe on $MISSING\)$" ||
		fail "status does not say what is missing: $output"
	[ "$(echo "$output" | grep -c '^missing:')" -eq 1 ] ||
		fail "status names more than the one missing probe: $output"

	tcpwatch status --json >"$dir/status.json" || fail "tcpwatch status --json failed"
	json=$(jq -c --arg p "$MISSING" '.probes[] | select(.name == $p)' "$dir/status.json")
	[ "$(jq -r .attached <<<"$json")" = false ] || fail "JSON: $MISSING attached: $json"
	jq -e '.loses | test("IPv4 request sockets")' <<<"$json" >/dev/null ||
		fail "JSON: $MISSING has no 'loses': $json"
	jq -e '[.probes[] | select(.name != $p) | .attached] | all' --arg p "$MISSING" \
		"$dir/status.json" >/dev/null || fail "another probe is not attached: $(cat "$dir/status.json")"
}

@test "test_missing_probe=$MISSING: IPv4 request births go missing, IPv6 ones are still seen" {
	local dir before after
	dir=$(tw_tmp)
	load_module test_missing_probe=$MISSING

	tw_summary "$dir/before.json"
	before=$(request_births "$dir/before.json")
	sockdrv handshake 127.0.0.1 8301 || fail "IPv4 handshake failed"
	tw_summary "$dir/v4.json"
	after=$(request_births "$dir/v4.json")
	[ "$after" -eq "$before" ] ||
		fail "an IPv4 request birth was counted ($before -> $after) without its probe"

	sockdrv handshake ::1 8302 || fail "IPv6 handshake failed"
	tw_summary "$dir/v6.json"
	[ "$(request_births "$dir/v6.json")" -eq $((after + 1)) ] ||
		fail "the IPv6 request birth was not counted: $after -> $(request_births "$dir/v6.json")"
}

@test "test_missing_probe naming a function tcpwatch does not probe is refused" {
	require_tcpwatch
	run insmod "$TCPWATCH_KO" test_missing_probe=no_such_function
	[ "$status" -ne 0 ] || fail "insmod with test_missing_probe=no_such_function succeeded"
	! module_loaded || fail "tcpwatch is loaded after a refused insmod"
	dmesg | grep -qE 'tcpwatch: invalid test_missing_probe=no_such_function' ||
		fail "no message naming the parameter: $(dmesg | tail -n 5)"
}
