# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the lifecycle tests (70-*.bats on): kernel counters, sysctls
# and network namespaces restored at teardown, and the invariants every test
# checks at its end. Load after lib (`load lib` then `load lib-lifecycle`):
# its teardown() replaces lib's and calls common_teardown().
#
# The kernel's truth used here:
#  - /proc/net/netstat TcpExt counters (ListenOverflows, ListenDrops,
#    SyncookiesSent, TCPReqQFullDrop, TCPSynRetrans), per network namespace;
#  - /proc/net/sockstat "tw", timewait sockets of the namespace;
#  - `ss -tan`, which shows request sockets as SYN-RECV and a timewait
#    socket in its substate (TIME-WAIT or FIN-WAIT-2).
# An initial-namespace reader of tcpwatch sees every namespace, so the
# kernel's figures are summed over the initial one and all of `ip netns`.

LC_SYSCTLS=()
LC_NETNS=()
declare -gA LC_BASE=()

# lc_netns_list: "" (the initial namespace) and every named one.
lc_netns_list() {
	echo ""
	ip netns list 2>/dev/null | awk '{print $1}'
}

# lc_in NS COMMAND...: COMMAND in namespace NS ("" = the initial one).
lc_in() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@"
	else
		"$@"
	fi
}

# lc_mib FILE GROUP NAME [NS]: counter NAME of the GROUP lines ("TcpExt:",
# "Tcp:") of /proc/net/FILE in NS ("" = initial); without NS, the sum over
# all namespaces.
lc_mib() {
	local file=$1 group=$2 name=$3 ns sum=0 v
	if [ $# -ge 4 ]; then
		lc_in "$4" cat "/proc/net/$file" | awk -v g="$group" -v k="$name" '
			$1 == g && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
			$1 == g && h { for (i = 2; i <= NF; i++) if (n[i] == k) print $i }'
		return
	fi
	while read -r ns; do
		v=$(lc_mib "$file" "$group" "$name" "$ns")
		sum=$((sum + ${v:-0}))
	done < <(lc_netns_list)
	echo "$sum"
}

# lc_tcpext NAME [NS]: the TcpExt counter NAME (/proc/net/netstat).
lc_tcpext() {
	lc_mib netstat TcpExt: "$@"
}

# lc_tcp_mib NAME [NS]: the Tcp counter NAME (/proc/net/snmp), e.g. OutRsts.
lc_tcp_mib() {
	lc_mib snmp Tcp: "$@"
}

# lc_sockstat_tw: timewait sockets per /proc/net/sockstat, all namespaces.
lc_sockstat_tw() {
	local ns sum=0 v
	while read -r ns; do
		v=$(lc_in "$ns" awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' /proc/net/sockstat)
		sum=$((sum + ${v:-0}))
	done < <(lc_netns_list)
	echo "$sum"
}

# lc_ss_states: "STATE COUNT" for all twelve states, tcpwatch's names,
# counted by `ss -tan` over all namespaces. ss shows request sockets as
# SYN-RECV; they are reported as NEW_SYN_RECV+SYN_RECV under SYN_RECV.
lc_ss_states() {
	local ns
	while read -r ns; do
		lc_in "$ns" ss -Htan
	done < <(lc_netns_list) | awk '
		BEGIN {
			m["ESTAB"] = "ESTABLISHED"; m["SYN-SENT"] = "SYN_SENT"; m["SYN-RECV"] = "SYN_RECV"
			m["FIN-WAIT-1"] = "FIN_WAIT1"; m["FIN-WAIT-2"] = "FIN_WAIT2"; m["TIME-WAIT"] = "TIME_WAIT"
			m["CLOSE-WAIT"] = "CLOSE_WAIT"; m["LAST-ACK"] = "LAST_ACK"; m["LISTEN"] = "LISTEN"
			m["CLOSING"] = "CLOSING"
			split("ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE_WAIT LAST_ACK LISTEN CLOSING", all, " ")
			for (i in all) c[all[i]] = 0
		}
		{ if ($1 in m) c[m[$1]]++; else c["?" $1]++ }
		END { for (s in c) print s, c[s] }' | sort
}

# lc_tw_states FILE: the same from a tcpwatch summary (SYN_RECV summed with
# NEW_SYN_RECV, CLOSE left out: the kernel keeps no closed sockets).
lc_tw_states() {
	jq -r '.states | to_entries[]
		| select(.key != "CLOSE" and .key != "NEW_SYN_RECV")
		| "\(.key) \(if .key == "SYN_RECV" then .value + $s.NEW_SYN_RECV else .value end)"' \
		--argjson s "$(jq -c .states "$1")" "$1" | sort
}

# ---- the module, with the kernel's counters at load ----------------------------

LC_COUNTERS=(ListenOverflows ListenDrops SyncookiesSent TCPReqQFullDrop TCPSynRetrans)

# lc_load [PARAM=VALUE...]: load the module and note the TcpExt counters.
lc_load() {
	local c
	load_module "$@"
	for c in "${LC_COUNTERS[@]}"; do
		LC_BASE[$c]=$(lc_tcpext "$c")
	done
}

# lc_mark: note the TcpExt counters now (for a delta over a scenario).
declare -gA LC_MARK=()
lc_mark() {
	local c
	for c in "${LC_COUNTERS[@]}"; do
		LC_MARK[$c]=$(lc_tcpext "$c")
	done
}

# lc_delta NAME: growth of TcpExt NAME since lc_mark.
lc_delta() {
	echo $(($(lc_tcpext "$1") - ${LC_MARK[$1]}))
}

# lc_since_load NAME: growth of TcpExt NAME since lc_load.
lc_since_load() {
	echo $(($(lc_tcpext "$1") - ${LC_BASE[$1]}))
}

# lc_listener FILE PORT KEY: KEY of the listener on PORT in a listeners
# --json FILE (sum over the sockets listening on it).
lc_listener() {
	jq -r --argjson p "$2" --arg k "$3" '[.[] | select(.port == $p) | .[$k]] | add // "none"' "$1"
}

# lc_listeners FILE: tcpwatch listeners --json into FILE.
lc_listeners() {
	tcpwatch listeners --json >"$1" || fail "tcpwatch listeners --json failed"
	jq -e 'type == "array"' "$1" >/dev/null || fail "tcpwatch listeners --json is not an array: $(head -c 300 "$1")"
}

# lc_end_count FILE SK REASON: summary .ends count (0 if absent).
lc_end_count() {
	jq -r --arg sk "$2" --arg r "$3" '[.ends[]? | select(.sk == $sk and .reason == $r) | .count] | add // 0' "$1"
}

# ---- invariants -------------------------------------------------------------

# lc_states_agree: tcpwatch's per-state counts equal ss's (one attempt).
lc_states_agree() {
	local dir
	dir=$(tw_tmp)
	tcpwatch summary --json >"$dir/inv-summary.json" || return 1
	lc_tw_states "$dir/inv-summary.json" >"$dir/inv-tw.txt"
	lc_ss_states >"$dir/inv-ss.txt"
	cmp -s "$dir/inv-tw.txt" "$dir/inv-ss.txt"
}

# lc_tw_hashed: timewait sockets in the kernel's hash tables (ss walks them
# like tcpwatch's seeding does), all namespaces, in either substate.
lc_tw_hashed() {
	local ns sum=0 v
	while read -r ns; do
		v=$(lc_in "$ns" ss -Htan state time-wait state fin-wait-2 | wc -l)
		sum=$((sum + v))
	done < <(lc_netns_list)
	echo "$sum"
}

# lc_tw_disagreement: what to say when timewait.current != sockstat tw, with
# ss's count of hashed timewait and FIN_WAIT2 sockets to tell a socket the
# kernel counts but no longer hashes from one tcpwatch missed.
lc_tw_disagreement() {
	echo "tcpwatch timewait.current is $(tcpwatch summary --json | jq -r .timewait.current)," \
		"/proc/net/sockstat tw is $(lc_sockstat_tw), ss lists $(lc_tw_hashed) TIME-WAIT + FIN-WAIT-2" \
		"(FIN-WAIT-2 includes full sockets); timewait ends by reason" \
		"$(tcpwatch summary --json | jq -c '[.ends[] | select(.sk == "timewait")]' 2>&1);" \
		"status: $(tcpwatch status --json | jq -c '{tracked, seeded, seeded_untracked,
			probes_missed: [.probes[] | select(.missed > 0) | {name, missed}]}' 2>&1)"
}

# lc_tw_agree: timewait.current equals sockstat's tw (one attempt). sockstat
# is read before and after: if a TIME_WAIT came or went in between, the two
# differ and the attempt fails rather than compare different moments.
lc_tw_agree() {
	local before cur
	before=$(lc_sockstat_tw)
	cur=$(tcpwatch summary --json | jq -r .timewait.current) || return 1
	[ "$cur" = "$before" ] && [ "$before" = "$(lc_sockstat_tw)" ]
}

# lc_invariants: what must hold at the end of every scenario, once the
# sockets are quiet (each polled for up to 10 s, since the two sides are
# read at different moments):
#  - timewait.current == sockstat tw (all namespaces);
#  - per-state counts == ss -tan (request sockets as SYN-RECV);
#  - summary listen.overflows == ListenOverflows growth since load, and the
#    live listeners' overflows add up to no more than that.
lc_invariants() {
	local dir tw ovf kovf lsum
	dir=$(tw_tmp)
	if ! wait_for "timewait.current == sockstat tw" 10 lc_tw_agree; then
		fail "$(lc_tw_disagreement)"
	fi
	if ! wait_for "tcpwatch's state counts to equal ss -tan" 10 lc_states_agree; then
		paste "$dir/inv-tw.txt" "$dir/inv-ss.txt" | awk '{ printf "%-12s tcpwatch %-6s ss %s\n", $1, $2, $4 }' >&2
		ss -tan >&2
		fail "tcpwatch summary's state counts differ from ss -tan"
	fi
	tw_summary "$dir/inv-summary.json"
	ovf=$(jq -r .listen.overflows "$dir/inv-summary.json")
	kovf=$(lc_since_load ListenOverflows)
	[ "$ovf" = "$kovf" ] ||
		fail "summary listen.overflows is $ovf, TcpExt ListenOverflows grew by $kovf since load"
	lsum=$(jq -r '[.listeners[].overflows] | add // 0' "$dir/inv-summary.json")
	[ "$lsum" -le "$ovf" ] ||
		fail "the listeners' overflows add up to $lsum, more than the total $ovf"
}

# ---- sysctls and namespaces, restored at teardown ------------------------------

# lc_sysctl NAME VALUE: set NAME (dotted) in the initial namespace; the old
# value comes back at teardown.
lc_sysctl() {
	local path=/proc/sys/${1//.//}
	LC_SYSCTLS+=("$path=$(cat "$path")")
	echo "$2" >"$path" || fail "cannot set $1 to $2"
}

# lc_netns NAME: create namespace NAME with lo up; deleted at teardown.
lc_netns() {
	ip netns add "$1" || fail "ip netns add $1 failed"
	LC_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# lc_veth NS HOSTIF HOSTADDR NSIF NSADDR: a veth pair between the initial
# namespace (HOSTIF, HOSTADDR/24) and NS (NSIF, NSADDR/24), both up.
lc_veth() {
	modprobe veth 2>/dev/null || true
	ip link add "$2" type veth peer name "$4" netns "$1" || fail "ip link add $2 (veth) failed"
	ip addr add "$3/24" dev "$2"
	ip link set "$2" up
	ip -n "$1" addr add "$5/24" dev "$4"
	ip -n "$1" link set "$4" up
}

lc_teardown() {
	local i kv
	common_teardown
	for ((i = ${#LC_SYSCTLS[@]} - 1; i >= 0; i--)); do
		kv=${LC_SYSCTLS[$i]}
		echo "${kv#*=}" >"${kv%%=*}" || true
	done
	LC_SYSCTLS=()
	for i in "${LC_NETNS[@]}"; do
		ip netns del "$i" 2>/dev/null || true
	done
	LC_NETNS=()
}

teardown() {
	lc_teardown
}

# ---- tcpwatch's events of one scenario ----------------------------------------

# lc_trace_start: trace_start, and note each CPU's next sequence number so
# that lc_events_since keeps only what tcpwatch recorded from here on (its
# rings also hold the history of earlier tests and of the setup).
lc_trace_start() {
	tcpwatch status --json | jq -c '[.cpus[] | {(.cpu | tostring): .written}] | add' \
		>"$(tw_tmp)/seqmark.json" || fail "tcpwatch status --json failed"
	trace_start
}

# lc_events_since FILE: tcpwatch's events since lc_trace_start into FILE.
lc_events_since() {
	tw_events "$1.all"
	jq -c --slurpfile m "$(tw_tmp)/seqmark.json" \
		'select(.type == "lost" or .seq >= ($m[0][.cpu | tostring] // 0))' "$1.all" >"$1"
}

# ---- shared by the lifecycle test files -----------------------------------------

# show COMMAND...: run a tcpwatch command and copy its output to the TAP
# stream (what an operator would see).
show() {
	echo "# \$ $*" >&3
	"$@" 2>&1 | sed 's/^/#   /' >&3
}

# check_both PORT: traced and reported full-socket transitions of PORT
# against the expectations.
check_both() {
	local dir
	dir=$(tw_tmp)
	trace_port "$1" >"$dir/kernel.txt"
	lc_events_since "$dir/events.json"
	tw_port_events "$1" <"$dir/events.json" >"$dir/port-events.json"
	tw_tuples <"$dir/port-events.json" >"$dir/tcpwatch.txt"
	check_transitions tracefs "$dir/kernel.txt"
	check_transitions tcpwatch "$dir/tcpwatch.txt"
	same_transition_counts tracefs "$dir/kernel.txt" tcpwatch "$dir/tcpwatch.txt"
}

# ---- a listener whose accept queue overflows (78, 92) ----------------------

no_syn_sent_to() {
	[ -z "$(ss -Htan state syn-sent "( dport = :$1 )")" ]
}

# overflow_clients PORT: connections to PORT (a listener with backlog 1 that
# never accepts) until two of them overflow its accept queue, then none.
overflow_clients() {
	local i
	# backlog 1 holds 2; the other 2 clients' SYNs overflow until they give up
	for i in 1 2 3 4; do
		bg_start "cl$i" sockdrv clients 127.0.0.1 "$1" 1 --wait-ms 300
		wait_for_line "$(bg_out "cl$i")" '^clients ready' 20 || return 1
	done
}

stop_clients() {
	local i
	for i in 4 3 2 1; do
		bg_stop "cl$i" || true
	done
	wait_for "no client of :$1 in SYN_SENT" 10 no_syn_sent_to "$1"
}

# listener_overflows PORT: the overflows of the listener on PORT, once they
# are at least 2 and equal TcpExt ListenOverflows' growth since lc_load.
listener_overflows() {
	local json ovf kovf
	json=$(tw_tmp)/l.json
	lc_listeners "$json"
	ovf=$(lc_listener "$json" "$1" overflows)
	kovf=$(lc_since_load ListenOverflows)
	[ "$ovf" = "$kovf" ] || fail "listener overflows $ovf, TcpExt ListenOverflows grew by $kovf since load" || return
	[ "$ovf" -ge 2 ] || fail "only $ovf overflows: the test did not overflow the queue" || return
	echo "$ovf"
}
