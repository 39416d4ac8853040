#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench inside the VM: scripts/bench.sh boots it with this script and
# the bench's artefacts in /opt/tcpwatch/extra/. Every arm runs every
# workload once per round; the arms' order changes from round to round (a
# Williams design: each arm as often first as last, each after each other
# once per six rounds); round 0 is a warm-up, reported but not counted.
#
# Arms: A no tracing; B the floor (tests/floor: an empty probe counting
# tracepoint hits); C tcpwatch, no consumer; D tcpwatch + tcpwatchd as an
# operator runs it (--prom, --log); E tcpwatch + tcpwatchd writing every
# event as JSON to a file; F bpftrace running tests/floor/tcpstates.bt.
# Workloads: churn (loopback connect/accept/close, TIME_WAIT), rst (the
# same with SO_LINGER {1,0}), overflow (connects to a listener whose accept
# queue is full), synflood (spoofed SYNs from another netns over veth).
#
# Output: one line "BENCH {json}" per measured window, "BENCH-MEM {json}"
# per module load, "BENCH-MICRO {json}" per case of kmod/bench.c.
#
# usage: bench-guest.sh [--rounds R] [--arms "A B C D E F"]
#                       [--works "churn rst overflow synflood"] [--conns N]
#                       [--flood N] [--micro EVENTS] [--marks]
set -euo pipefail

X=/opt/tcpwatch/extra
FLOOR_KO=$X/tcpwatch_floor.ko
DEBUG_KO=$X/tcpwatch-debug.ko
TCPSTATES=$X/tcpstates.bt
KO=${TCPWATCH_KO:?no tcpwatch.ko in this VM}

rounds=5 arms="A B C D E F" works="churn rst overflow synflood" conns=2000 flood=4000
micro=0 marks=0
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--arms) arms=$2; shift 2 ;;
	--works) works=$2; shift 2 ;;
	--conns) conns=$2; shift 2 ;;
	--flood) flood=$2; shift 2 ;;
	--micro) micro=$2; shift 2 ;;
	--marks) marks=1; shift ;;
	*) echo "bench-guest.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

say() {
	echo "bench: $*" >&2
}

now_ns() {
	echo $((${EPOCHREALTIME/./} * 1000))
}

# wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s.
wait_for() {
	local limit=$(($1 * 10)) i=0
	shift
	until "$@"; do
		i=$((i + 1))
		[ $i -lt $limit ] || return 1
		sleep 0.1
	done
}

# meminfo FIELD: kB of FIELD in /proc/meminfo.
meminfo() {
	awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo
}

# netstat_tcpext FIELD: a TcpExt counter of /proc/net/netstat.
netstat_tcpext() {
	awk -v f="$1" '$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == "TcpExt:" { print $col[f] }' /proc/net/netstat
}

# cpu_ticks PID: utime + stime of PID, in clock ticks (USER_HZ).
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# ---- arms ------------------------------------------------------------------

consumer_pid=''

tcpwatch_load() {
	local before after
	before=$(jq -n --arg p "$(meminfo Percpu)" --arg v "$(meminfo VmallocUsed)" \
		--arg s "$(meminfo SUnreclaim)" --arg a "$(meminfo MemAvailable)" \
		'{percpu: ($p|tonumber), vmalloc: ($v|tonumber), slab: ($s|tonumber), avail: ($a|tonumber)}')
	insmod "$KO"
	after=$(jq -n --arg p "$(meminfo Percpu)" --arg v "$(meminfo VmallocUsed)" \
		--arg s "$(meminfo SUnreclaim)" --arg a "$(meminfo MemAvailable)" \
		'{percpu: ($p|tonumber), vmalloc: ($v|tonumber), slab: ($s|tonumber), avail: ($a|tonumber)}')
	echo "BENCH-MEM $(tcpwatch status --json | jq -c --argjson b "$before" --argjson a "$after" \
		--arg core "$(cat /sys/module/tcpwatch/coresize)" --arg ncpu "$(nproc)" '{
		ncpu: ($ncpu|tonumber), module_kb: (($core|tonumber) / 1024 | floor),
		percpu_kb: ($a.percpu - $b.percpu), vmalloc_kb: ($a.vmalloc - $b.vmalloc),
		slab_kb: ($a.slab - $b.slab), total_kb: ($b.avail - $a.avail),
		ring_size: .ring_size, tracked_max: .tracked.max}')"
}

arm_up() {
	case $1 in
	B) insmod "$FLOOR_KO" ;;
	C|D|E) tcpwatch_load ;;
	esac
}

arm_down() {
	case $1 in
	B) rmmod tcpwatch_floor ;;
	C|D|E) rmmod tcpwatch ;;
	esac
}

# consumer_start ARM: the arm's consumer, started (and ready) before the
# window: tcpwatchd for D and E, bpftrace for F.
consumer_start() {
	rm -f /tmp/tcpwatchd.* /tmp/bpftrace.* /run/bpftrace.*
	case $1 in
	# What an operator runs; its per-event stream goes nowhere.
	D) tcpwatchd --prom /tmp/tcpwatchd.prom --log /tmp/tcpwatchd.log >/dev/null 2>&1 & ;;
	# Every event as a JSON line in the VM's tmpfs (--prom for the loss counters).
	E) tcpwatchd --output /tmp/tcpwatchd.json --prom /tmp/tcpwatchd.prom \
		--log /tmp/tcpwatchd.log >/dev/null 2>&1 & ;;
	# bpftrace buffers a file's output until it exits, and prints nothing
	# when its probes are attached: -c runs a command once they are, which
	# says so and then waits for the end of the window.
	F)
		# (bpftrace 0.17 takes an ELF file there, not a script.)
		mkfifo /run/bpftrace.fifo
		printf 'touch /run/bpftrace.ready\nread -r _ </run/bpftrace.fifo\n' >/run/bpftrace.hold
		bpftrace -o /tmp/bpftrace.out -c "/usr/bin/busybox sh /run/bpftrace.hold" \
			"$TCPSTATES" 2>/tmp/bpftrace.err &
		;;
	*) return 0 ;;
	esac
	consumer_pid=$!
	case $1 in
	D|E) sleep 1 ;;
	# Compiling the script takes seconds of the VM's time.
	F) wait_for 300 test -e /run/bpftrace.ready || true ;;
	esac
	if ! kill -0 "$consumer_pid" || { [ "$1" = F ] && [ ! -e /run/bpftrace.ready ]; }; then
		cat /tmp/tcpwatchd.log /tmp/bpftrace.err /tmp/bpftrace.out >&2 2>/dev/null || true
		ps >&2
		say "the consumer of arm $1 did not start"
		return 1
	fi
}

# consumer_stop ARM: stop the consumer; its counters as JSON go to
# /tmp/consumer.json (not through $(...): only this shell can wait for it).
consumer_stop() {
	local rss
	rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$consumer_pid/status")
	case $1 in
	D|E) kill -TERM "$consumer_pid" ;;
	F) echo >/run/bpftrace.fifo ;;
	esac
	wait "$consumer_pid" || true
	consumer_pid=''
	case $1 in
	D|E)
		awk -v rss="$rss" '
			$1 == "tcpwatch_daemon_events_received_total" { r = $2 }
			$1 == "tcpwatch_daemon_events_missed_total" { m = $2 }
			$1 == "tcpwatch_daemon_receive_overruns_total" { e = $2 }
			END { printf "{\"received\":%d,\"missed\":%d,\"enobufs\":%d,\"rss_kb\":%d}\n", r, m, e, rss }
		' /tmp/tcpwatchd.prom
		;;
	F)
		awk -v rss="$rss" '
			/^[0-9a-f]+ / { n++ }
			/^Lost [0-9]+ events/ { l += $2 }
			END { printf "{\"received\":%d,\"missed\":%d,\"enobufs\":0,\"rss_kb\":%d}\n", n, l, rss }
		' /tmp/bpftrace.out
		;;
	esac >/tmp/consumer.json
}

# ---- counters --------------------------------------------------------------

# snapshot ARM: the counters a window is judged by, as JSON.
snapshot() {
	local tw='{}' hits=null
	case $1 in
	B) hits=$(cat /sys/module/tcpwatch_floor/parameters/hits) ;;
	C|D|E)
		tw=$(jq -cs '.[0] as $st | .[1] as $su | {
			written: $st.events.written, lost: $st.events.lost, unsent: $st.events.unsent,
			probe_missed: ([$st.probes[].missed] | add), track_failed: $st.tracked.failed,
			tracked: $st.tracked.used,
			full: ([$su.transitions[] | select(.sk == "full") | .count] | add // 0),
			tw_overflows: $su.listen.overflows, tw_syncookies: $su.listen.syncookies}' \
			<(tcpwatch status --json) <(tcpwatch summary --json))
		;;
	esac
	jq -nc --argjson tw "$tw" --argjson hits "$hits" --arg lo "$(netstat_tcpext ListenOverflows)" \
		--arg ck "$(netstat_tcpext SyncookiesSent)" \
		'$tw + {hits: $hits, k_overflows: ($lo|tonumber), k_syncookies: ($ck|tonumber)}'
}

# ---- workloads -------------------------------------------------------------

flood_setup() {
	modprobe veth
	ip netns add flood
	ip link add veth0 type veth peer name veth1 netns flood
	ip addr add 10.200.0.1/24 dev veth0
	ip link set veth0 up
	ip -n flood link set lo up
	ip -n flood addr add 10.200.0.2/24 dev veth1
	ip -n flood link set veth1 up
}

listener_pid=''

# work_pre/work_run/work_post WORK: set up outside the window, the window's
# command, and what is cleaned up after it.
work_pre() {
	case $1 in
	synflood)
		rm -f /run/flood-listener.pid
		sockdrv serve 10.200.0.1 7003 --backlog 1024 --no-accept \
			--pidfile /run/flood-listener.pid >/dev/null &
		listener_pid=$!
		wait_for 10 test -s /run/flood-listener.pid
		;;
	esac
}

work_run() {
	case $1 in
	churn) sockdrv churn 127.0.0.1 7000 "$conns" ;;
	rst) sockdrv churn 127.0.0.1 7001 "$conns" --linger0 ;;
	overflow) sockdrv overflow 127.0.0.1 7002 "$conns" ;;
	synflood) ip netns exec flood synflood 10.200.0.1 7003 "$flood" ;;
	esac >/dev/null
}

work_post() {
	case $1 in
	synflood)
		kill "$listener_pid"
		wait "$listener_pid" 2>/dev/null || true
		# The closed listener's request sockets go at their first
		# SYN-ACK timer (1 s): not in the next window.
		sleep 2
		;;
	esac
}

work_ops() {
	case $1 in
	synflood) echo "$flood" ;;
	*) echo "$conns" ;;
	esac
}

# ---- one window ------------------------------------------------------------

window=0

measure() {
	local round=$1 arm=$2 work=$3 pre post t0 t1 c0=0 c1=0 pid daemon=null ops
	ops=$(work_ops "$work")
	work_pre "$work"
	consumer_start "$arm"
	pid=$consumer_pid
	pre=$(snapshot "$arm")
	[ -n "$pid" ] && c0=$(cpu_ticks "$pid")
	[ $marks = 1 ] && sockdrv mark begin
	t0=$(now_ns)
	work_run "$work"
	t1=$(now_ns)
	[ $marks = 1 ] && sockdrv mark end
	[ -n "$pid" ] && c1=$(cpu_ticks "$pid")
	# What the consumers still have to read, they read now.
	sleep 1
	post=$(snapshot "$arm")
	if [ -n "$consumer_pid" ]; then
		consumer_stop "$arm"
		daemon=$(cat /tmp/consumer.json)
	fi
	work_post "$work"
	echo "BENCH $(jq -nc --argjson pre "$pre" --argjson post "$post" --argjson daemon "$daemon" \
		--arg round "$round" --arg arm "$arm" --arg work "$work" --arg ops "$ops" \
		--arg ns "$((t1 - t0))" --arg window "$window" --arg ticks "$((c1 - c0))" \
		--arg hz 100 '
		def d(k): if $post[k] == null then null else $post[k] - $pre[k] end;
		{round: ($round|tonumber), arm: $arm, work: $work, window: ($window|tonumber),
		 ops: ($ops|tonumber), ns: ($ns|tonumber),
		 consumer_cpu: (if $arm == "D" or $arm == "E" or $arm == "F"
			then ($ticks|tonumber) / ($hz|tonumber) * 1e9 / ($ns|tonumber) else null end),
		 hits: d("hits"), written: d("written"), lost: d("lost"), unsent: d("unsent"),
		 probe_missed: d("probe_missed"), track_failed: d("track_failed"), full: d("full"),
		 tw_overflows: d("tw_overflows"), tw_syncookies: d("tw_syncookies"),
		 k_overflows: d("k_overflows"), k_syncookies: d("k_syncookies"),
		 tracked: $post.tracked, daemon: $daemon}')"
	window=$((window + 1))
}

# ---- main ------------------------------------------------------------------

read -r -a arm_list <<<"$arms"
n=${#arm_list[@]}

# williams ROW: the arms' order in that row of a Williams design.
williams() {
	local row=$1 i k
	for ((i = 0; i < n; i++)); do
		if ((i == 0)); then
			k=0
		elif ((i % 2)); then
			k=$(((i + 1) / 2))
		else
			k=$((n - i / 2))
		fi
		echo "${arm_list[(k + row) % n]}"
	done
}

if [ "$micro" -gt 0 ]; then
	say "kmod/bench.c, $micro events per case"
	klog=$(dmesg | wc -l)
	insmod "$DEBUG_KO" bench="$micro" ring_size=65536
	rmmod tcpwatch
	dmesg | tail -n +$((klog + 1)) | sed -n 's/.*tcpwatch: bench: \([a-z]*\) *\([0-9]*\) ns\/event.*/\1 \2/p' |
		while read -r label ns; do
			echo "BENCH-MICRO {\"case\":\"$label\",\"ns\":$ns,\"events\":$micro}"
		done
fi

case " $works " in *" synflood "*) flood_setup ;; esac
# Arm F needs bpftrace in the image and the kernel's BTF; without them it is
# reported skipped, with the reason, and the other arms run.
if [[ " $arms " == *" F "* ]]; then
	why=''
	if ! command -v bpftrace >/dev/null; then
		why="no bpftrace in the VM image"
	elif [ ! -e /sys/kernel/btf/vmlinux ]; then
		why="the kernel has no BTF (/sys/kernel/btf/vmlinux)"
	elif ! err=$(bpftrace -e 'tracepoint:sock:inet_sock_set_state { @n = count(); } BEGIN { exit(); }' 2>&1 >/dev/null); then
		why="bpftrace fails in the VM: $(echo "$err" | tail -n 1)"
	fi
	if [ -n "$why" ]; then
		say "arm F skipped: $why"
		echo "BENCH-SKIP $(jq -nc --arg why "$why" '{arm: "F", why: $why}')"
		arms=${arms//F/}
		read -r -a arm_list <<<"$arms"
		n=${#arm_list[@]}
	fi
fi

for ((round = 0; round <= rounds; round++)); do
	order=$(williams $((round == 0 ? 0 : round - 1)) | tr '\n' ' ')
	if [ $round = 0 ]; then
		say "warm-up round: $order"
	else
		say "round $round of $rounds: $order"
	fi
	for arm in $order; do
		arm_up "$arm"
		for work in $works; do
			measure "$round" "$arm" "$work"
		done
		arm_down "$arm"
	done
done
say "done: $window windows"
