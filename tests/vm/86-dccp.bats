#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# DCCP shares TCP's request and timewait code (inet_csk_reqsk_queue_hash_add,
# inet_csk_complete_hashdance, __inet_csk_reqsk_queue_drop, inet_twsk_*)
# and fires sock:inet_sock_set_state too: none of its connections may be
# counted, tracked or recorded as TCP.

load lib
load lib-lifecycle

PORT=8601
COUNT=20

setup() {
	modprobe dccp_ipv4 || skip "no dccp_ipv4 module in this VM"
	lc_load
}

# everything tcpwatch counted, as one comparable text
counted() {
	tcpwatch summary --json | jq -S '{transitions, ends, timewait, states}'
}

@test "$COUNT DCCP connections: the kernel traces them, tcpwatch counts none of them" {
	local dir used_before used_after dccp
	dir=$(tw_tmp)
	counted >"$dir/before.json"
	used_before=$(tcpwatch status --json | jq .tracked.used)
	# the kernel's own record, DCCP only (earlier tests leave tracing off)
	echo 'protocol == 33' >"$TRACE_EVENT/filter"
	echo 1 >"$TRACE_EVENT/enable"
	: >"$TRACEFS/trace"
	echo 1 >"$TRACEFS/tracing_on"
	run sockdrv dccp 127.0.0.1 "$PORT" --count "$COUNT"
	echo 0 >"$TRACEFS/tracing_on"
	echo 0 >"$TRACE_EVENT/enable"
	echo 0 >"$TRACE_EVENT/filter"
	[ "$status" -eq 0 ] || fail "sockdrv dccp failed: $output"
	dccp=$(grep -c 'protocol=IPPROTO_DCCP' "$TRACEFS/trace" || true)
	[ "$dccp" -ge "$COUNT" ] || fail "the kernel traced only $dccp DCCP state changes for $COUNT connections"
	counted >"$dir/after.json"
	diff -u "$dir/before.json" "$dir/after.json" >&2 ||
		fail "tcpwatch's counts changed over $COUNT DCCP connections (and no TCP traffic)"
	# DCCP timewait sockets expire later; a tracked one would stay counted
	used_after=$(tcpwatch status --json | jq .tracked.used)
	[ "$used_after" = "$used_before" ] ||
		fail "tcpwatch tracks $used_after sockets after DCCP traffic, $used_before before"
	run tcpwatch events --json
	[ "$status" -eq 0 ] || fail "tcpwatch events failed: $output"
	! echo "$output" | jq -r 'select(.sport == '"$PORT"' or .dport == '"$PORT"') | .type' | grep -q . ||
		fail "tcpwatch recorded events on the DCCP port $PORT"
}
