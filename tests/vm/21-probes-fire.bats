#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Every probe tcpwatch attaches fires on the kernel this VM runs. A kprobe
# that attaches is not yet one that sees anything: between 6.1 and 6.12
# functions were renamed, split and inlined (a call inlined into its caller
# never reaches the probe), so each series is driven through every path
# once and `tcpwatch status` must show hits on every probe, not only
# "attached". The scenarios, over IPv4 and IPv6:
#   - a handshake, accept, the server closing first into TIME_WAIT, then a
#     new SYN from the same client port taking that TIME_WAIT over
#   - a client closing in FIN_WAIT2 into a FIN_WAIT2 timewait socket whose
#     peer then closes too (FIN_WAIT2 -> TIME_WAIT inside it), and one whose
#     peer never does (expiry by its timer, tcp_fin_timeout)
#   - a SYN flood from unanswered sources: SYN-ACK retransmits, ICMP host
#     unreachable (ARP fails), requests dropped and freed
# Probes no scenario here can reach are named, with the reason, below.

load lib
load lib-lifecycle

PORT=7601

# name reason: probes not expected to fire here.
declare -gA UNREACHED=(
	[tcp_get_syncookie_mss]="only bpf_tcp_gen_syncookie() calls it (BPF/XDP SYN cookies)"
	[subflow_v4_conn_request]="MPTCP: no MPTCP client here"
	[subflow_v6_conn_request]="MPTCP: no MPTCP client here"
	[mptcp_sock_graft]="inlined into mptcp_stream_accept() on 6.1 and 6.12"
)

setup() {
	lc_load
	lc_sysctl net.ipv4.tcp_fin_timeout 2
	lc_netns pflood
	lc_veth pflood twpf0 10.201.0.1 twpf1 10.201.0.2
	lc_sysctl net.ipv4.tcp_synack_retries 2
}

# handshake_reuse ADDR PORT: the server closes first (its TIME_WAIT), then a
# new SYN from the same client port takes it over (tcp_timewait_state_process
# says TCP_TW_SYN, inet_twsk_deschedule_put() ends it).
handshake_reuse() {
	local addr=$1 port=$2 cport=$(($2 + 50))
	bg_start srv taskset 1 sockdrv serve "$addr" "$port" --count 2 --close-first --reuseaddr
	wait_for_line "$(bg_out srv)" '^listening'
	run taskset 1 sockdrv connect "$addr" "$port" --wait-eof --bind-port "$cport" --reuseaddr
	[ "$status" -eq 0 ] || fail "first connection: $output"
	run taskset 1 sockdrv connect "$addr" "$port" --wait-eof --bind-port "$cport" --reuseaddr
	[ "$status" -eq 0 ] || fail "second connection from port $cport: $output"
	wait_for_line "$(bg_out srv)" '^done'
	bg_stop srv || true
}

fin_wait2_gone() {
	[ -z "$(ss -Htan state fin-wait-2 "( dport = :$1 )")" ]
}

# orphan_fin_wait2 ADDR PORT: two clients close in FIN_WAIT2 (timewait
# sockets in FIN_WAIT2); the first one's server closes, so a FIN moves it to
# TIME_WAIT; the second one's never does, so it expires.
orphan_fin_wait2() {
	local addr=$1 port=$2
	bg_start srv1 sockdrv serve "$addr" "$port" --no-close
	bg_start srv2 sockdrv serve "$addr" $((port + 1)) --no-close
	wait_for_line "$(bg_out srv1)" '^listening'
	wait_for_line "$(bg_out srv2)" '^listening'
	run sockdrv connect "$addr" "$port" --shutdown wr --fin-wait2
	[ "$status" -eq 0 ] || fail "sockdrv connect: $output"
	run sockdrv connect "$addr" $((port + 1)) --shutdown wr --fin-wait2
	[ "$status" -eq 0 ] || fail "sockdrv connect: $output"
	bg_stop srv1 KILL || true
	wait_for "the FIN_WAIT2 timewait socket on :$((port + 1)) to expire" 15 \
		fin_wait2_gone $((port + 1))
	bg_stop srv2 KILL || true
}

no_requests() {
	[ -z "$(ss -Htan state syn-recv "( sport = :$1 )")" ]
}

# syn_flood PORT: SYNs from sources nobody answers for; their SYN-ACKs are
# retransmitted until ARP gives up and ICMP host unreachable ends them.
syn_flood() {
	bg_start srv sockdrv serve 10.201.0.1 "$1" --no-accept --backlog 16
	wait_for_line "$(bg_out srv)" '^listening'
	run ip netns exec pflood synflood 10.201.0.1 "$1" 8 --src-base 10.201.0.100 \
		--src-count 8 --interval-us 2000
	[ "$status" -eq 0 ] || fail "synflood failed: $output"
	wait_for "the flood's requests on :$1 to end" 20 no_requests "$1"
	bg_stop srv || true
}

@test "every probe fires on this kernel ($(uname -r))" {
	local dir name attached hits silent=()
	dir=$(tw_tmp)
	handshake_reuse 127.0.0.1 $PORT
	handshake_reuse ::1 $((PORT + 1))
	orphan_fin_wait2 127.0.0.1 $((PORT + 10))
	orphan_fin_wait2 ::1 $((PORT + 20))
	syn_flood $((PORT + 30))

	tcpwatch status --json >"$dir/status.json"
	show tcpwatch status
	while read -r name attached hits; do
		if [ -n "${UNREACHED[$name]:-}" ]; then
			log "$name: $hits hits, not required (${UNREACHED[$name]})"
			continue
		fi
		[ "$attached" = true ] || fail "$name is not attached on $(uname -r)"
		[ "$hits" -gt 0 ] || silent+=("$name")
	done < <(jq -r '.probes[] | "\(.name) \(.attached) \(.hits)"' "$dir/status.json")
	[ ${#silent[@]} -eq 0 ] ||
		fail "attached but never fired on $(uname -r): ${silent[*]}"
}
