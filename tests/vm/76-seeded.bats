#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Sockets that exist before insmod -- a listener, an established pair, a
# TIME_WAIT -- are counted from the first second: the module walks the
# kernel's TCP hash tables at load.

load lib
load lib-lifecycle

tw_present() {
	[ -n "$(ss -Htan state time-wait "( dport = :7602 )")" ]
}

@test "sockets that existed before insmod are counted right after it" {
	local dir seeded
	dir=$(tw_tmp)
	! module_loaded || fail "tcpwatch is loaded before the test"
	bg_start lst sockdrv serve 127.0.0.1 7601 --no-accept
	wait_for_line "$(bg_out lst)" '^listening'
	bg_start est sockdrv handshake 127.0.0.1 7603 --hold
	wait_for_line "$(bg_out est)" 'holding'
	run sockdrv handshake 127.0.0.1 7602
	[ "$status" -eq 0 ] || fail "sockdrv handshake: $output"
	wait_for "a TIME_WAIT towards :7602" 5 tw_present
	ss -tan | sed 's/^/#   before insmod: /' >&3

	lc_load
	# at once, not after a wait: the TIME_WAIT has ~60 s to live, and a
	# long poll would only compare the two once it expired (a second and
	# third try are for older TIME_WAITs ending during the first)
	lc_tw_agree || lc_tw_agree || lc_tw_agree ||
		fail "right after insmod: $(lc_tw_disagreement)"
	tw_summary "$dir/s.json"
	if ! lc_states_agree && ! lc_states_agree; then
		paste "$dir/inv-tw.txt" "$dir/inv-ss.txt" | awk '{ printf "%-12s tcpwatch %-6s ss %s\n", $1, $2, $4 }' >&2
		fail "right after insmod tcpwatch's state counts differ from ss -tan"
	fi
	jq -c '{states: .states, timewait: .timewait}' "$dir/s.json" | sed 's/^/#   /' >&3
	[ "$(jq -r .states.LISTEN "$dir/s.json")" -ge 2 ] || fail "summary LISTEN: $(jq -c .states "$dir/s.json")"
	[ "$(jq -r .states.ESTABLISHED "$dir/s.json")" -ge 2 ] || fail "summary ESTABLISHED: $(jq -c .states "$dir/s.json")"
	[ "$(jq -r .states.TIME_WAIT "$dir/s.json")" -ge 1 ] || fail "summary TIME_WAIT: $(jq -c .states "$dir/s.json")"
	seeded=$(tcpwatch status --json | jq -r .seeded)
	[ "$seeded" -ge 5 ] || fail "status says $seeded sockets seeded, expected >= 5 (2 listeners, 2 established, 1 TIME_WAIT)"
	show tcpwatch status
	show tcpwatch listeners --port 7601
	bg_stop est || true
	bg_stop lst || true
	lc_invariants
}

# churn_until FILE NS PORT [OPTION...]: sockdrv churn on PORT in namespace
# NS, over and over until FILE is removed.
churn_until() {
	local flag=$1 ns=$2 port=$3
	shift 3
	while [ -e "$flag" ]; do
		lc_in "$ns" sockdrv churn 127.0.0.1 "$port" 20 "$@" >/dev/null || return 1
	done
}

# The load-time walk races with the probes: a socket older than the module
# may change state, or end, after the probes are attached and before the
# walk reaches it. Two churns make that happen on every load: one moves full
# sockets through the four-way close, the other makes timewait sockets that
# the next SYN takes over at once (its client ports lie above the ephemeral
# range, so no other connection takes them). They run in a namespace of
# their own: the thousands of TIME_WAITs they leave (up to the namespace's
# tcp_max_tw_buckets) go with it at teardown instead of filling the initial
# namespace's table for the tests after this one.
@test "loaded while connections churn: once they stop, every count agrees with ss and sockstat" {
	local dir i ns=tw-churn
	dir=$(tw_tmp)
	lc_netns "$ns"
	for ((i = 1; i <= 5; i++)); do
		touch "$dir/churning"
		bg_start churn churn_until "$dir/churning" "$ns" 7610
		bg_start reuse churn_until "$dir/churning" "$ns" 7611 --close-first --bind-port 61610
		wait_for "TIME_WAIT sockets from both churns" 20 \
			bash -c "[ -n \"\$(ip netns exec $ns ss -Htan state time-wait '( sport = :7611 )')\" ] &&
				 [ -n \"\$(ip netns exec $ns ss -Htan state time-wait '( dport = :7610 )')\" ]"
		lc_load
		rm -f "$dir/churning"
		bg_stop churn 0 || fail "the churn on :7610 failed: $(tail -n 5 "$(bg_out churn)")"
		bg_stop reuse 0 || fail "the churn on :7611 failed: $(tail -n 5 "$(bg_out reuse)")"
		lc_invariants
		unload_module
	done
	# The namespace's end purges its TIME_WAITs; wait for that here, so
	# that the next test's load does not walk a dying namespace's sockets.
	lc_load
	ip netns del "$ns"
	wait_for "the TIME_WAITs of $ns to be purged, as tcpwatch counts them" 60 lc_tw_agree ||
		fail "after deleting $ns: $(lc_tw_disagreement)"
}
