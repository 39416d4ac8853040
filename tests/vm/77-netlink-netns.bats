#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Malformed netlink requests are refused with an extack message and the
# module keeps answering; a reader in a non-initial network namespace sees
# only that namespace.

load lib
load lib-lifecycle

setup() {
	lc_load
}

@test "malformed genetlink requests are refused with an extack message; the module keeps answering" {
	local bad
	# from a non-initial namespace, so that naming another namespace is
	# refused too (an initial-namespace reader may name any)
	lc_netns nsbad
	run ip netns exec nsbad nlbad
	echo "$output" | sed 's/^/#   /' >&3
	bad=$(echo "$output" | grep -v '^ok ' || true)
	[ -z "$bad" ] || fail "nlbad: $bad"
	echo "$output" | grep -q '^ok still-answers' || fail "nlbad: the family stopped answering: $output"
	run tcpwatch summary --json
	[ "$status" -eq 0 ] || fail "tcpwatch summary after nlbad: $output"
	run tcpwatch status
	[ "$status" -eq 0 ] || fail "tcpwatch status after nlbad: $output"
	lc_invariants
}

@test "naming an invisible netns in a dump is refused with an extack message" {
	lc_netns nsbad
	run ip netns exec nsbad nlbad
	echo "$output" | grep -q '^ok invisible-netns' || fail "nlbad: $(echo "$output" | grep invisible-netns)"
}

@test "a reader in a non-initial netns sees only its own namespace" {
	local dir
	dir=$(tw_tmp)
	lc_netns nsr
	bg_start inner ip netns exec nsr sockdrv serve 127.0.0.1 7701 --no-accept
	bg_start outer sockdrv serve 127.0.0.1 7702 --no-accept
	wait_for_line "$(bg_out inner)" '^listening'
	wait_for_line "$(bg_out outer)" '^listening'
	ip netns exec nsr tcpwatch summary --json >"$dir/inner.json"
	run jq -r '[.listeners[].port] | sort | join(" ")' "$dir/inner.json"
	[ "$output" = 7701 ] || fail "the reader in netns nsr sees listeners '$output', expected only 7701"
	run jq -r .states.LISTEN "$dir/inner.json"
	[ "$output" = 1 ] || fail "the reader in netns nsr counts $output LISTEN sockets, expected 1"
	ip netns exec nsr tcpwatch listeners --json >"$dir/inner-l.json"
	run jq -r '[.[].port] | join(" ")' "$dir/inner-l.json"
	[ "$output" = 7701 ] || fail "listeners in netns nsr: '$output', expected 7701"
	echo "#   \$ ip netns exec nsr tcpwatch listeners" >&3
	ip netns exec nsr tcpwatch listeners | sed 's/^/#   /' >&3
	tcpwatch listeners --json >"$dir/outer-l.json"
	run jq -r '[.[].port | select(. == 7701 or . == 7702)] | sort | join(" ")' "$dir/outer-l.json"
	[ "$output" = "7701 7702" ] || fail "the initial-namespace reader sees '$output', expected both 7701 and 7702"
	bg_stop inner || true
	bg_stop outer || true
	lc_invariants
}
