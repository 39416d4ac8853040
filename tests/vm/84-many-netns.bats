#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# A host with many network namespaces (a container host): a reader of its
# own namespace costs one pass over the CPUs, whatever their number; the
# host administrator's sum over every namespace stays exact while they come
# and go, and nobody's request stalls the kernel (the run's kernel-log
# check fails on a soft lockup, a hung task or an RCU stall).

load lib
load lib-lifecycle

NNS=1000
PORT=8401

setup() {
	lc_load
}

teardown() {
	local i
	for ((i = 0; i < NNS; i++)); do
		ip netns del "mn$i" 2>/dev/null || true
	done
	lc_teardown
}

# total_transitions FILE: the sum of every transition count in a summary.
total_transitions() {
	jq '[.transitions[].count] | add // 0' "$1"
}

@test "$NNS namespaces: own-namespace readers see theirs, the host's administrator all, and counts never go back as they die" {
	local dir i inum before after
	dir=$(tw_tmp)
	for ((i = 0; i < NNS; i++)); do
		ip netns add "mn$i" || fail "ip netns add mn$i failed (namespace $i of $NNS)"
	done
	# traffic in a few of them, so that their counts are not all zero
	for i in 0 1 2 3 4 $((NNS - 1)); do
		ip -n "mn$i" link set lo up
		run ip netns exec "mn$i" sockdrv handshake 127.0.0.1 "$PORT"
		[ "$status" -eq 0 ] || fail "handshake in mn$i failed: $output"
	done
	inum=$(stat -L -c %i /run/netns/mn1)

	# the administrator: every namespace, or the one it names
	tcpwatch summary --json >"$dir/all.json" || fail "summary over $NNS namespaces failed"
	tcpwatch summary --json --netns "$inum" >"$dir/mn1.json" || fail "summary --netns $inum failed"
	run jq -r '.transitions[] | select(.sk == "full" and .old == "SYN_SENT" and .new == "ESTABLISHED") | .count' "$dir/mn1.json"
	[ "$output" = 1 ] || fail "mn1 made one connection; its summary says SYN_SENT>ESTABLISHED '$output'"

	# an unprivileged reader in a namespace: that namespace only
	ip netns exec mn1 nlpriv as --uid 65534 -- \
		tcpwatch summary --json >"$dir/own.json" || fail "unprivileged summary in mn1 failed"
	run jq -S .transitions "$dir/own.json"
	[ "$output" = "$(jq -S .transitions "$dir/mn1.json")" ] ||
		fail "the unprivileged reader in mn1 sees other transitions than the administrator's view of mn1"
	# ... and naming another one is refused
	run ip netns exec mn2 nlpriv as --uid 65534 -- \
		tcpwatch summary --json --netns "$inum"
	[ "$status" -ne 0 ] || fail "an unprivileged reader in mn2 read mn1's summary: $output"
	echo "$output" | grep -q "Operation not permitted" || fail "refusal without EPERM: $output"

	# the namespaces die while the administrator sums them: the totals of
	# what happened (transitions) never go back
	before=$(total_transitions "$dir/all.json")
	bg_start reader bash -c 'while tcpwatch summary --json | jq "[.transitions[].count] | add // 0"; do :; done'
	for ((i = 0; i < NNS; i++)); do
		ip netns del "mn$i"
	done
	# The kernel dismantles them in the background: done when their
	# TIME_WAIT sockets (the clients' of the handshakes) are purged.
	wait_for "the $NNS namespaces to be dismantled" 300 lc_tw_agree
	bg_stop reader || true
	after=$(total_transitions <(tcpwatch summary --json))
	[ "$after" -ge "$before" ] || fail "the transitions total went back from $before to $after"
	awk -v b="$before" 'NF && $1 + 0 < b { print "went back to " $1; exit 1 }' "$(bg_out reader)" ||
		fail "a read while namespaces died saw fewer transitions than $before"
	lc_invariants
}
