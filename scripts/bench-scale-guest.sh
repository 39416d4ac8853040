#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench's scale part, inside the VM (scripts/bench.sh --scale boots it
# with this script): for each size N, a namespace of its own holding N/10
# ESTABLISHED sockets (N/20 loopback pairs, held open) and about N TIME_WAIT
# ones (churn to two listeners), then tcpwatch loaded over them with its
# default parameters. Measured, per size:
#   - load: insmod's wall time, and the walk's own ("seeded in X ms");
#   - memory: the pool's bytes per tracked socket (status), and what
#     vmalloc and slab grew by at insmod;
#   - views: the wall time of each tcpwatch view and of /proc/tcpwatch/
#     summary, median of 3, beside ss doing the same job;
#   - tcpwatchd at --interval 1s for 10 s: its share of a CPU, and the size
#     of its metrics file.
# Size 0 is the idle VM that the views' times are compared with.
#
# Output: one line "BENCH-SCALE {json}" per size.
#
# usage: bench-scale-guest.sh [SIZE...]   (default: 0 10000 100000)
set -euo pipefail

NS=bench-scale
KO=${TCPWATCH_KO:?}
sizes=${*:-0 10000 100000}

say() {
	echo "bench-scale: $*" >&2
}

now_ms() {
	local us=${EPOCHREALTIME/./}
	echo $((us / 1000))
}

meminfo() {
	awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo
}

in_ns() {
	ip netns exec "$NS" "$@"
}

# wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || { say "timed out: $*"; return 1; }
		sleep 0.1
	done
}

# shellcheck disable=SC2016 # awk's fields
ns_tw() {
	in_ns awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' \
		/proc/net/sockstat
}

established() {
	[ "$(in_ns ss -Htan state established | wc -l)" -ge "$1" ]
}

# time_ms COMMAND...: the median wall time of three runs, in ms.
time_ms() {
	local t0 ts=()
	for _ in 1 2 3; do
		t0=$(now_ms)
		"$@" >/dev/null 2>&1 || true
		ts+=($(($(now_ms) - t0)))
	done
	printf '%s\n' "${ts[@]}" | sort -n | sed -n 2p
}

make_load() {
	local n=$1 pairs=$(($1 / 20)) pids=()

	ip netns add "$NS"
	ip -n "$NS" link set lo up
	in_ns sysctl -qw net.ipv4.tcp_tw_reuse=0
	in_ns sysctl -qw net.ipv4.ip_local_port_range="10000 64999"
	in_ns sysctl -qw net.ipv4.tcp_max_tw_buckets=1000000
	in_ns sysctl -qw net.core.somaxconn=65535
	in_ns sysctl -qw net.ipv4.tcp_max_syn_backlog=65535
	[ "$n" -gt 0 ] || return 0
	in_ns sockdrv serve 127.0.0.1 9100 --no-accept --backlog 65535 >/dev/null 2>&1 &
	server=$!
	wait_for 20 in_ns ss -Htln "sport = :9100"
	in_ns sockdrv clients 127.0.0.1 9100 "$pairs" >/dev/null 2>&1 &
	clients=$!
	wait_for 600 established $((2 * pairs))
	in_ns sockdrv churn 127.0.0.2 9200 $((n / 2)) >/dev/null &
	pids+=($!)
	in_ns sockdrv churn 127.0.0.3 9200 $((n - n / 2)) >/dev/null &
	pids+=($!)
	wait "${pids[@]}"
}

drop_load() {
	kill "${clients:-}" "${server:-}" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$NS"
}

daemon_cpu() {
	local pid t0 t1 hz
	hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
	rm -f /tmp/bench-scale.prom
	tcpwatchd --interval 1s --prom /tmp/bench-scale.prom 2>/dev/null &
	pid=$!
	wait_for 10 test -s /tmp/bench-scale.prom
	t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	sleep 10	# a benchmark's window, not a wait for a condition
	t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	jq -n --argjson t "$((t1 - t0))" --argjson hz "$hz" \
		--argjson bytes "$(stat -c %s /tmp/bench-scale.prom)" \
		'{cpu: ($t / $hz / 10), prom_bytes: $bytes}'
}

# N/20 clients hold a socket each, and sockdrv holds them all.
ulimit -n 65536

for n in $sizes; do
	say "size $n: making the load"
	make_load "$n"
	tw=$(ns_tw)
	est=$(in_ns ss -Htan state established | wc -l)
	v0=$(meminfo VmallocUsed) s0=$(meminfo SUnreclaim)
	dmesg -c >/dev/null 2>&1 || true
	t0=$(now_ms)
	insmod "$KO"
	insmod_ms=$(($(now_ms) - t0))
	seed_ms=$(dmesg | sed -n 's/.*sockets seeded in \([0-9]*\) ms.*/\1/p' | tail -n 1)
	v1=$(meminfo VmallocUsed) s1=$(meminfo SUnreclaim)
	status=$(tcpwatch status --json)
	say "size $n: timing the views"
	views=$(jq -n \
		--argjson summary "$(time_ms in_ns tcpwatch summary)" \
		--argjson status "$(time_ms tcpwatch status)" \
		--argjson listeners "$(time_ms in_ns tcpwatch listeners)" \
		--argjson timewait "$(time_ms in_ns tcpwatch timewait --interval 10ms)" \
		--argjson leaks "$(time_ms in_ns tcpwatch leaks)" \
		--argjson proc "$(time_ms in_ns cat /proc/tcpwatch/summary)" \
		--argjson ss_s "$(time_ms in_ns ss -s)" \
		--argjson ss_tw "$(time_ms in_ns ss -tan state time-wait)" \
		--argjson ss_leaks "$(time_ms in_ns ss -tanpo state close-wait)" \
		'{summary: $summary, status: $status, listeners: $listeners, timewait: $timewait,
		  leaks: $leaks, proc: $proc, ss_s: $ss_s, ss_timewait: $ss_tw, ss_leaks: $ss_leaks}')
	say "size $n: tcpwatchd for 10 s"
	daemon=$(daemon_cpu)
	# Every count against the kernel's, after all that: TIME_WAIT moves.
	tw_before=$(ns_tw)
	summary=$(in_ns tcpwatch summary --json)
	tw_after=$(ns_tw)
	late=$(tcpwatch status --json)
	rmmod tcpwatch
	drop_load
	echo "BENCH-SCALE $(jq -cn --argjson n "$n" --argjson tw "${tw:-0}" --argjson est "$est" \
		--argjson insmod "$insmod_ms" --argjson seed "${seed_ms:-null}" \
		--argjson vm "$((v1 - v0))" --argjson slab "$((s1 - s0))" \
		--argjson st "$status" --argjson views "$views" --argjson daemon "$daemon" \
		--argjson sum "$summary" --argjson late "$late" \
		--argjson twb "${tw_before:-0}" --argjson twa "${tw_after:-0}" '
		{size: $n, timewait: $tw, established: $est, insmod_ms: $insmod, seed_ms: $seed,
		 tracked: $st.tracked.used, pool_bytes: $st.tracked.bytes,
		 bytes_per_socket: (if $st.tracked.used > 0 then $st.tracked.bytes / $st.tracked.used else null end),
		 vmalloc_kb: $vm, slab_kb: $slab, untracked: $st.tracked.untracked,
		 views_ms: $views, daemon_cpu: $daemon.cpu, prom_bytes: $daemon.prom_bytes,
		 end: {timewait: $sum.states.TIME_WAIT, sockstat_tw: [$twb, $twa],
		       probes_missed: ([$late.probes[].missed] | add), events_lost: $late.events.lost}}')"
done
