#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# A busy server's scale with the default module parameters: HELD loopback
# connections held open (2 x HELD ESTABLISHED sockets) and about TIMEWAIT
# sockets in TIME_WAIT, made by churn to two listeners from one source
# address (TIME_WAIT reuse off, a wide ephemeral range, so that the 4-tuples
# do not run out). Every count tcpwatch gives must equal the kernel's:
#
#   over   tcpwatch loaded over the sockets (insmod, then query): the
#          load-time walk must count every one, whatever max_tracked says
#   first  tcpwatch loaded before them: the pool grows as they come
#   tiny   loaded over them with max_tracked=64: the counts stay exact,
#          and status says how many sockets have no entry
#
# TIME_WAIT sockets expire while the test reads (60 s after each was made),
# so tcpwatch's TIME_WAIT count must lie between /proc/net/sockstat's read
# just before and just after it. The ESTABLISHED ones do not move: equal.
# Everything runs in a namespace of its own, with its own sysctls, and
# tcpwatch is read from inside it; deleting it at the end takes its
# TIME_WAIT sockets along, so that later files find an idle host.
#
# SCALE_HELD_CONNECTIONS and SCALE_TIMEWAIT_CONNECTIONS size it (defaults 5000 and 100000; CI runs
# a subset, see tests/vm/README.md). Memory per socket and the time each
# view takes are make bench's to report, not this file's.

load lib

HELD=${SCALE_HELD_CONNECTIONS:-5000}
TIMEWAIT=${SCALE_TIMEWAIT_CONNECTIONS:-100000}
HOLD_PORT=9100
CHURN_PORT=9200
NS=tw-scale

in_ns() {
	ip netns exec "$NS" "$@"
}

ns_count() {
	in_ns ss -Htan "$@" | wc -l
}

ns_tw() {
	in_ns awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' \
		/proc/net/sockstat
}

all_held() {
	[ "$(ns_count state established "( sport = :$HOLD_PORT or dport = :$HOLD_PORT )")" -eq $((2 * HELD)) ]
}

none_held() {
	[ "$(ns_count state established "( sport = :$HOLD_PORT or dport = :$HOLD_PORT )")" -eq 0 ]
}

# summary_state FILE STATE
summary_state() {
	jq -r ".states.$2" "$1"
}

# proc_state STATE: the count /proc/tcpwatch/summary gives the namespace.
proc_state() {
	in_ns awk -v s="$1" '$1 == s { print $2; exit }' /proc/tcpwatch/summary
}

# proc_tw: the namespace's timewait sockets in /proc/tcpwatch/summary.
proc_tw() {
	in_ns awk '$1 == "timewait:" && $2 == "current" { print $3; exit }' /proc/tcpwatch/summary
}

# check_counts NAME: tcpwatch's ESTABLISHED equals ss's, its timewait
# sockets (timewait.current: either substate, as sockstat's tw counts them;
# a client's in FIN_WAIT2 waits for tcp_fin_timeout) lie between sockstat's
# before and after, in the netlink summary and in /proc.
check_counts() {
	local d=$BATS_FILE_TMPDIR tw_before tw_after est tw ptw pest

	tw_before=$(ns_tw)
	in_ns tcpwatch summary --json >"$d/$1.summary" || fail "tcpwatch summary --json failed"
	ptw=$(proc_tw)
	pest=$(proc_state ESTABLISHED)
	tw_after=$(ns_tw)
	est=$(summary_state "$d/$1.summary" ESTABLISHED)
	tw=$(jq -r .timewait.current "$d/$1.summary")
	tcpwatch status --json >"$d/$1.status" || fail "tcpwatch status --json failed"
	log "$1: ESTABLISHED tcpwatch $est /proc $pest (ss: $(ns_count state established));" \
		"timewait tcpwatch $tw /proc $ptw (TIME_WAIT $(summary_state "$d/$1.summary" TIME_WAIT)), sockstat $tw_before .. $tw_after;" \
		"status $(jq -c .tracked "$d/$1.status") seeded $(jq .seeded "$d/$1.status")" \
		"probes missed $(jq -c '[.probes[] | select(.missed > 0) | {(.name): .missed}] | add // 0' "$d/$1.status")" \
		"events $(jq -c .events "$d/$1.status")"
	[ "$est" -eq "$(ns_count state established)" ] ||
		fail "$1: tcpwatch counts $est ESTABLISHED, ss shows $(ns_count state established)"
	[ "$pest" -eq "$est" ] || fail "$1: /proc/tcpwatch/summary says $pest ESTABLISHED, netlink $est"
	[ "$tw" -le "$tw_before" ] && [ "$tw" -ge "$tw_after" ] ||
		fail "$1: tcpwatch counts $tw timewait sockets, sockstat $tw_before before and $tw_after after"
	[ "$ptw" -le "$tw_before" ] && [ "$ptw" -ge "$tw_after" ] ||
		fail "$1: /proc/tcpwatch/summary says $ptw timewait sockets, sockstat $tw_before before and $tw_after after"
}

# check_ports NAME PORT: tcpwatch timewait's busiest remote port is PORT, the
# churn's listeners, with every timewait socket of the namespace on it:
# between sockstat's count before and after (the module counts them itself:
# GET_PORTS, no dump of 100 000 sockets).
check_ports() {
	local d=$BATS_FILE_TMPDIR tw_before tw_after top count counted

	tw_before=$(ns_tw)
	in_ns tcpwatch timewait --json --interval 10ms --top 3 >"$d/$1.timewait" ||
		fail "tcpwatch timewait --json failed"
	tw_after=$(ns_tw)
	top=$(jq '.remote_ports[0].port' "$d/$1.timewait")
	count=$(jq '.remote_ports[0].count' "$d/$1.timewait")
	counted=$(jq '.ports_counted' "$d/$1.timewait")
	log "$1: timewait remote ports $(jq -c .remote_ports "$d/$1.timewait"), counted $counted," \
		"sockstat $tw_before .. $tw_after"
	[ "$top" = "$2" ] || fail "$1: the busiest remote port is $top, not the churn's $2"
	[ "$count" -le "$tw_before" ] && [ "$count" -ge "$tw_after" ] ||
		fail "$1: $count timewait sockets on remote port $2, sockstat $tw_before before and $tw_after after"
	[ "$counted" -le "$tw_before" ] && [ "$counted" -ge "$tw_after" ] ||
		fail "$1: the port lists count $counted sockets, sockstat $tw_before before and $tw_after after"
}

# make_load PORT: HELD pairs held open, then TIMEWAIT connections churned
# to PORT.
make_load() {
	local per=$((TIMEWAIT / 2)) port=$1

	bg_start held_server ip netns exec "$NS" sockdrv serve 127.0.0.1 "$HOLD_PORT" --no-accept \
		--backlog 65535 --reuseaddr
	wait_for_line "$(bg_out held_server)" '^listening' 20
	bg_start held ip netns exec "$NS" sockdrv clients 127.0.0.1 "$HOLD_PORT" "$HELD"
	wait_for_line "$(bg_out held)" 'clients ready' 300
	wait_for "all $HELD connections ESTABLISHED on both ends" 60 all_held
	# Two listeners: one source address has 55 000 ports for each.
	bg_start churn2 ip netns exec "$NS" sockdrv churn 127.0.0.2 "$port" "$per" --timeout-ms 60000
	bg_start churn3 ip netns exec "$NS" sockdrv churn 127.0.0.3 "$port" "$((TIMEWAIT - per))" --timeout-ms 60000
	bg_wait churn2 600 || fail "churn to 127.0.0.2 failed: $(tail -n 3 "$(bg_out churn2)")"
	bg_wait churn3 600 || fail "churn to 127.0.0.3 failed: $(tail -n 3 "$(bg_out churn3)")"
	log "load made: $(ns_tw) TIME_WAIT, $(ns_count state established) ESTABLISHED"
}

drop_load() {
	bg_stop held TERM || true
	bg_stop held_server TERM || true
}

setup_file() {
	ulimit -n 65536
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	in_ns sysctl -qw net.ipv4.tcp_tw_reuse=0
	in_ns sysctl -qw net.ipv4.ip_local_port_range="10000 64999"
	in_ns sysctl -qw net.ipv4.tcp_max_tw_buckets=1000000
	in_ns sysctl -qw net.core.somaxconn=65535
	in_ns sysctl -qw net.ipv4.tcp_max_syn_backlog=65535
}

# Timewait sockets in the kernel's slab, of every namespace (the
# tw_sock_TCP cache's active objects, whether hashed or being freed).
tw_slab_active() {
	awk '$1 == "tw_sock_TCP" { print $2 }' /proc/slabinfo
}

tw_slab_drained() {
	local n
	n=$(tw_slab_active)
	[ "${n:-0}" -lt 1000 ]
}

teardown_file() {
	drop_load
	common_teardown
	ip netns del "$NS" 2>/dev/null || true
	# ~100 000 TIME_WAITs end by the namespace's purge, which runs later in
	# the kernel's cleanup_net work. Until it is done the next file would
	# share the CPUs with it and the ehash with them (on 6.12 89 then ran
	# out of its time): wait for them to go, bounded.
	wait_for "the timewait sockets of $NS to be purged" 180 tw_slab_drained ||
		log "still $(tw_slab_active) timewait sockets in the slab"
}

teardown() {
	common_teardown
}

@test "loaded over $((2 * HELD)) ESTABLISHED and about $TIMEWAIT TIME_WAIT sockets: every count is the kernel's" {
	make_load "$CHURN_PORT"
	load_module
	check_counts over
	[ "$(jq .tracked.untracked "$BATS_FILE_TMPDIR/over.status")" -eq 0 ] ||
		fail "status says $(jq .tracked.untracked "$BATS_FILE_TMPDIR/over.status") sockets are not tracked"
	[ "$(jq .seeded_untracked "$BATS_FILE_TMPDIR/over.status")" -eq 0 ] ||
		fail "the walk seeded $(jq .seeded_untracked "$BATS_FILE_TMPDIR/over.status") sockets without an entry"
	grep -q "tcpwatch: loaded .* sockets seeded in [0-9]* ms" <(dmesg) ||
		fail "the kernel log does not say how long seeding took: $(dmesg | grep 'tcpwatch: loaded')"
	check_ports over "$CHURN_PORT"
	unload_module
}

@test "loaded over them with max_tracked=64: the counts stay exact, status counts what has no entry" {
	[ "$(ns_tw)" -gt $((TIMEWAIT / 4)) ] || skip "the TIME_WAIT sockets of the first test are gone"
	load_module max_tracked=64
	check_counts tiny
	# New sockets past the ceiling: counted, not tracked, and said so.
	in_ns sockdrv churn 127.0.0.4 "$((CHURN_PORT + 2))" 200 >/dev/null ||
		fail "churn to 127.0.0.4 failed"
	check_counts tiny_after
	[ "$(jq .tracked.failed_full "$BATS_FILE_TMPDIR/tiny_after.status")" -gt 0 ] ||
		fail "200 connections past max_tracked=64, but status counts no failure at the ceiling"
	[ "$(jq .tracked.untracked "$BATS_FILE_TMPDIR/tiny_after.status")" -gt 0 ] ||
		fail "status says no socket lacks an entry, with max_tracked=64"
	unload_module
}

@test "loaded first, then $((2 * HELD)) ESTABLISHED and about $TIMEWAIT TIME_WAIT sockets: every count is the kernel's" {
	drop_load
	wait_for "the held connections to close" 60 none_held
	load_module
	make_load "$((CHURN_PORT + 1))"
	check_counts first
	check_ports first "$((CHURN_PORT + 1))"
	[ "$(jq .tracked.used "$BATS_FILE_TMPDIR/first.status")" -ge $((2 * HELD)) ] ||
		fail "only $(jq .tracked.used "$BATS_FILE_TMPDIR/first.status") sockets tracked"
	unload_module
}
