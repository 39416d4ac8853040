#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: what tcpwatch costs, side by side with no tracing, the floor
# and a peer, in one VM boot.
#
# The VM runs with QEMU's icount clock (-icount shift=3,sleep=off, one
# vCPU): guest time then follows executed instructions, 8 ns each, so the
# figures repeat to a few tenths of a percent whatever the host's load, and
# an overhead in ns divided by 8 is the instructions added. Arms, each
# running every workload, interleaved over --rounds rounds after a warm-up
# round (scripts/bench-guest.sh, which runs in the VM):
#   A no tracing        B the floor (tests/floor, an empty counting probe)
#   C tcpwatch          D tcpwatch + tcpwatchd --prom --log (operator)
#   E tcpwatch + tcpwatchd --output FILE (every event as JSON)
#   F bpftrace running tests/floor/tcpstates.bt (bcc's tcpstates)
# Workloads: churn (loopback, TIME_WAIT), rst (SO_LINGER {1,0}), overflow
# (connects to a full accept queue), synflood (from a second netns).
# Also kmod/bench.c's per-stage micro benchmark (a debug build of the
# module, bench=N) at the start of the boot.
#
# usage: bench.sh [--kernel 6.1|6.12] [--flavour generic|rt] [--rounds R] [--conns N]
#                 [--flood N] [--micro N] [--arms "A B ..."]
#                 [--works "churn ..."] [--wall] [--stages] [--timeout S]
#
#   --kernel   the kernel series (default 6.1, or $KERNEL); the results
#              name the release
#   --wall     two vCPUs on the wall clock instead (no icount): two-CPU
#              behaviour; ns depend on the host's load, instructions are
#              not derived
#   --stages   also count instructions exactly with QEMU's insncount plugin
#              (tests/insncount.c) in the same boot: per micro case and per
#              window (slower to run, same guest figures)
#   --scale    instead, tcpwatch at a busy server's scale, in a boot of its
#              own on the wall clock (2 vCPUs): loaded over 10 000 and
#              100 000 sockets, its load time, memory per tracked socket,
#              the time each view takes beside ss doing the same job and
#              beside an idle VM, and tcpwatchd's CPU at a 1 s interval
#              (scripts/bench-scale-guest.sh); --sizes "0 10000 100000"
#
# Results: a table on stdout and in build/bench.txt, everything in
# build/bench.json (--wall: build/bench-wall.{txt,json}; --scale:
# build/bench-scale.{txt,json}).
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

flavour=generic rounds=5 conns=2000 flood=4000 micro=200000
arms="A B C D E F" works="churn rst overflow synflood" wall=0 stages=0 timeout_s=3600
scale=0 sizes="0 10000 100000"
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) set_kernel "$2"; shift 2 ;;
	--flavour) flavour=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--conns|--connections) conns=$2; shift 2 ;;
	--flood) flood=$2; shift 2 ;;
	--micro|--events) micro=$2; shift 2 ;;
	--arms) arms=$2; shift 2 ;;
	--works) works=$2; shift 2 ;;
	--wall) wall=1; shift ;;
	--stages) stages=1; shift ;;
	--scale) scale=1; shift ;;
	--sizes) sizes=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	-h|--help) sed -n '3,44p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive number"
for a in $arms; do
	[[ $a =~ ^[A-F]$ ]] || die "unknown arm '$a' (A to F)"
done
[[ " $arms " == *" A "* ]] || die "arm A (no tracing) is what the others are measured against"

skipped=()
if [[ " $arms " == *" F "* ]] && ! command -v bpftrace >/dev/null; then
	skipped+=("F: bpftrace is not installed on this host (apt-get install bpftrace)")
	arms=${arms//F/}
fi

kver=$(select_kernel "$flavour")
bdir=$TCPWATCH_BUILD/bench
mkdir -p "$bdir/extra"

# build_kmod DIR TARGET: tcpwatch.ko out of tree in DIR, for this kernel.
build_kmod() {
	mkdir -p "$1"
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' \
		--exclude='.*.cmd' --exclude='*.d' "$TCPWATCH_ROOT/kmod/" "$1/"
	make -s -C "$1" KDIR="/lib/modules/$kver/build" "$2" >&2
}
build_kmod "$bdir/kmod-$kver" module
build_kmod "$bdir/kmod-debug-$kver" module-debug
mkdir -p "$bdir/floor-$kver"
rsync -a "$TCPWATCH_ROOT/tests/floor/" "$bdir/floor-$kver/"
make -s -C "$bdir/floor-$kver" KDIR="/lib/modules/$kver/build" module >&2
make -s -C "$TCPWATCH_ROOT" userspace tests >&2
cp "$bdir/kmod-debug-$kver/tcpwatch.ko" "$bdir/extra/tcpwatch-debug.ko"
cp "$bdir/floor-$kver/tcpwatch_floor.ko" "$TCPWATCH_ROOT/tests/floor/tcpstates.bt" \
	"$TCPWATCH_ROOT/scripts/bench-guest.sh" "$bdir/extra/"

if [ $scale = 1 ]; then
	cp "$TCPWATCH_ROOT/scripts/bench-scale-guest.sh" "$bdir/extra/"
	export TCPWATCH_VM_EXTRA="$bdir/extra/bench-scale-guest.sh" TCPWATCH_VM_BPFTRACE=0
	out=$TCPWATCH_BUILD/bench-scale
	read -ra size_list <<<"$sizes"
	note "scale: tcpwatch loaded over $sizes sockets; QEMU TCG, wall clock, 2 vCPUs"
	"$TCPWATCH_ROOT/scripts/vm-run.sh" --flavour "$flavour" --no-build \
		--ko "$bdir/kmod-$kver/tcpwatch.ko" --timeout "$timeout_s" --out "$out.raw" \
		--smp 2 -- bash /opt/tcpwatch/extra/bench-scale-guest.sh "${size_list[@]}" >/dev/null ||
		die "the benchmark VM failed (its output: $out.raw)"
	sed -n 's/^BENCH-SCALE //p' "$out.raw" | tr -d '\r' | jq -s --arg kver "$kver" \
		'{kernel: $kver, mode: "QEMU TCG, wall clock, 2 vCPUs", sizes: .}' >"$out.json"
	jq -r '
	def pad(n): tostring | if length >= n then . else (" " * (n - length)) + . end;
	def r(d): if . == null then "-" else (. * pow(10; d) | round) / pow(10; d) | tostring end;
	(.sizes | map(select(.size == 0))[0].views_ms // {}) as $idle |
	"tcpwatch at scale: kernel \(.kernel), \(.mode); loaded over each size",
	"(N TIME_WAIT and N/10 ESTABLISHED sockets, default parameters).",
	"",
	("sockets" | pad(8)) + ("TW" | pad(8)) + ("EST" | pad(7)) + ("insmod" | pad(8)) + ("walk" | pad(7)) +
	("tracked" | pad(9)) + ("B/sock" | pad(8)) + ("vmalloc" | pad(9)) + ("untracked" | pad(10)) +
	("tcpwatchd" | pad(10)) + ("prom" | pad(8)),
	(.sizes[] | (.size | pad(8)) + (.timewait | pad(8)) + (.established | pad(7)) +
	 ("\(.insmod_ms) ms" | pad(8)) + ("\(.seed_ms // "-") ms" | pad(7)) + (.tracked | pad(9)) +
	 (.bytes_per_socket | r(0) | pad(8)) + ("\(.vmalloc_kb) kB" | pad(9)) + (.untracked | pad(10)) +
	 ("\(.daemon_cpu * 100 | r(1))%" | pad(10)) + ("\(.prom_bytes / 1024 | r(0)) kB" | pad(8))),
	"",
	"View times, ms (median of 3; x: against the idle VM); ss doing the same job:",
	("sockets" | pad(8)) + ("summary" | pad(12)) + ("status" | pad(12)) + ("listeners" | pad(12)) +
	("timewait" | pad(12)) + ("leaks" | pad(12)) + ("/proc" | pad(12)) + ("ss -s" | pad(8)) +
	("ss tw" | pad(8)) + ("ss cw" | pad(8)),
	(.sizes[] | .views_ms as $v | (.size | pad(8)) +
	 ([("summary", "status", "listeners", "timewait", "leaks", "proc") as $k |
	   "\($v[$k])" + (if $idle[$k] and $idle[$k] > 0 and .size > 0 then " x\($v[$k] / $idle[$k] | r(1))" else "" end) | pad(12)] | join("")) +
	 ($v.ss_s | pad(8)) + ($v.ss_timewait | pad(8)) + ($v.ss_leaks | pad(8))),
	"",
	"At the end of each size (after the views and tcpwatchd), against the kernel:",
	(.sizes[] | select(.size > 0) | "  \(.size): TIME_WAIT tcpwatch \(.end.timewait), sockstat \(.end.sockstat_tw[0])..\(.end.sockstat_tw[1]); kprobe misses \(.end.probes_missed), events lost \(.end.events_lost)")
	' "$out.json" | tee "$out.txt"
	exit 0
fi

TCPWATCH_VM_EXTRA="$bdir/extra/tcpwatch-debug.ko $bdir/extra/tcpwatch_floor.ko"
TCPWATCH_VM_EXTRA+=" $bdir/extra/tcpstates.bt $bdir/extra/bench-guest.sh"
TCPWATCH_VM_BPFTRACE=0
[[ " $arms " == *" F "* ]] && TCPWATCH_VM_BPFTRACE=1
export TCPWATCH_VM_EXTRA TCPWATCH_VM_BPFTRACE

name=bench
vm_args=(--smp 1 --qemu-arg -icount --qemu-arg "shift=3,sleep=off")
mode="QEMU TCG, icount shift=3 (8 ns per instruction), 1 vCPU"
if [ $wall = 1 ]; then
	name=bench-wall
	vm_args=(--smp 2)
	mode="QEMU TCG, wall clock, 2 vCPUs"
fi
out=$TCPWATCH_BUILD/$name
rm -f "$out.plugin-log"
guest_args=(--rounds "$rounds" --arms "$arms" --works "$works" --conns "$conns"
	--flood "$flood" --micro "$micro")
if [ $stages = 1 ]; then
	make -s -C "$TCPWATCH_ROOT/tests" insncount.so >&2
	vm_args+=(--qemu-arg -plugin --qemu-arg "$TCPWATCH_ROOT/tests/insncount.so"
		--qemu-arg -d --qemu-arg plugin --qemu-arg -D --qemu-arg "$out.plugin-log")
	guest_args+=(--marks)
	mode+=", insncount plugin"
fi

note "$mode; arms $arms; workloads $works; $rounds rounds after a warm-up"
"$TCPWATCH_ROOT/scripts/vm-run.sh" --flavour "$flavour" --no-build \
	--ko "$bdir/kmod-$kver/tcpwatch.ko" --timeout "$timeout_s" --out "$out.raw" \
	"${vm_args[@]}" -- bash /opt/tcpwatch/extra/bench-guest.sh "${guest_args[@]}" >/dev/null ||
	die "the benchmark VM failed (its output: $out.raw)"

# The plugin's counts: per window (tags 65520/65521, in window order) and
# per micro case (tags 2/3), as JSON lines.
plugin_json() {
	[ -s "$out.plugin-log" ] || return 0
	awk '$1 == "insncount:" {
		if ($3 == 2) { s = $7; next }
		if ($3 == 3) { printf "{\"micro\":%d,\"insns\":%d}\n", nm++, $7 - s; next }
		if ($3 == 65520) { b = $9; next }
		if ($3 == 65521) printf "{\"window\":%d,\"insns\":%d}\n", nw++, $9 - b
	}' "$out.plugin-log"
}

skipped_json=$(printf '%s\n' "${skipped[@]}" | jq -R . | jq -sc 'map(select(length > 0))')
jq -n --slurpfile plugin <(plugin_json) \
	--rawfile raw "$out.raw" --arg kver "$kver" --arg mode "$mode" \
	--argjson icount "$((1 - wall))" --argjson skipped "$skipped_json" \
	--arg arms "$arms" --arg works "$works" '
def median: sort | if length == 0 then null
	elif length % 2 == 1 then .[length / 2 | floor]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def stats: {median: median, min: min, max: max};
def lines(p): [$raw | split("\n")[] | select(startswith(p + " ")) | .[(p | length) + 1:] | fromjson];
($plugin | map(select(.window != null)) | map({key: (.window | tostring), value: .insns}) | from_entries) as $pw |
($plugin | map(select(.micro != null))) as $pm |
(lines("BENCH") | map(. + {plugin_insns: $pw[.window | tostring]})) as $w |
($w | map(select(.round > 0))) as $m |
{
  kernel: $kver, mode: $mode, icount: ($icount == 1),
  skipped: ($skipped + [lines("BENCH-SKIP")[] | "\(.arm): \(.why)"]),
  rounds: ($m | map(.round) | unique | length),
  micro: [lines("BENCH-MICRO") | to_entries[] | .value + {
	insns_icount: (if $icount == 1 then .value.ns / 8 else null end),
	insns_plugin: (if $pm[.key] then $pm[.key].insns / .value.events else null end)}],
  memory: (lines("BENCH-MEM") as $mm | if ($mm | length) == 0 then null else
	reduce ($mm[0] | keys[]) as $k ({}; .[$k] = ($mm | map(.[$k]) | median)) end),
  results: [($works | split(" ") | map(select(length > 0)))[] as $work |
	($m | map(select(.work == $work))) as $ww |
	($ww | map(select(.arm == "A")) | map({key: (.round | tostring), value: .}) | from_entries) as $base |
	($ww | map(select(.arm == "B")) | map({key: (.round | tostring), value: .}) | from_entries) as $floor |
	($arms | split(" ") | map(select(length > 0)))[] as $arm |
	($ww | map(select(.arm == $arm))) as $r |
	select($r | length > 0) |
	{work: $work, arm: $arm, ops: $r[0].ops, windows: ($r | length),
	 ops_per_s: ($r | map(.ops * 1e9 / .ns) | stats),
	 overhead: (if $arm == "A" then null else
		$r | map(select($base[.round | tostring]) | .ns / $base[.round | tostring].ns - 1) | stats end),
	 insns_per_op: (if $icount != 1 or $arm == "A" then null else
		$r | map(select($base[.round | tostring]) | (.ns - $base[.round | tostring].ns) / 8 / .ops) | median end),
	 insns_per_op_plugin: (if $arm == "A" or ($r[0].plugin_insns == null) then null else
		$r | map(select($base[.round | tostring].plugin_insns) |
			(.plugin_insns - $base[.round | tostring].plugin_insns) / .ops) | median end),
	 floor_hits_per_op: ($floor | [.[] | .hits / .ops] | median),
	 floor_hits: ($r | map($floor[.round | tostring].hits // null)),
	 events_per_op: ($r | map(if $arm == "B" then .hits elif $arm == "C" then .written
		elif $arm == "D" or $arm == "E" or $arm == "F" then .daemon.received else null end | select(. != null)) | median | if . then . / $r[0].ops else null end),
	 written_per_op: ($r | map(.written | select(. != null)) | median | if . then . / $r[0].ops else null end),
	 full: ($r | map(.full)),
	 lost: ($r | map((.lost // 0) + (.probe_missed // 0) + (.unsent // 0)
		+ (.daemon.missed // 0)) | add),
	 ring_lost: ($r | map(.lost // 0) | add), probe_missed: ($r | map(.probe_missed // 0) | add),
	 unsent: ($r | map(.unsent // 0) | add), track_failed: ($r | map(.track_failed // 0) | add),
	 daemon_missed: ($r | map(.daemon.missed // 0) | add),
	 daemon_enobufs: ($r | map(.daemon.enobufs // 0) | add),
	 daemon_rss_kb: ($r | map(.daemon.rss_kb | select(. != null)) | median),
	 undelivered: (if $arm == "F" then
		$r | map(($floor[.round | tostring].hits // null) as $h | if $h then $h - .daemon.received else null end) else null end),
	 consumer_cpu: ($r | map(.consumer_cpu | select(. != null)) | median),
	 overflows: {tcpwatch: ($r | map(.tw_overflows | select(. != null)) | add),
		kernel: ($r | map(.k_overflows) | add)},
	 syncookies: {tcpwatch: ($r | map(.tw_syncookies | select(. != null)) | add),
		kernel: ($r | map(.k_syncookies) | add)}}],
  windows: $w
}' >"$out.json.tmp" 2>"$out.jq-err" || die "could not read the results: $(cat "$out.jq-err") (see $out.raw)"
mv "$out.json.tmp" "$out.json"
rm -f "$out.jq-err"

# The table for people.
jq -r --arg conns "$conns" --arg flood "$flood" '
def pad(n): tostring | if length >= n then . else (" " * (n - length)) + . end;
def rpad(n): tostring | if length >= n then . else . + (" " * (n - length)) end;
def r(d): if . == null then "-" else (. * pow(10; d) | round) / pow(10; d) | tostring end;
def pct: if . == null then "-" else (. * 1000 | round) as $n | ($n | fabs) as $a |
	(if $n < 0 then "-" else "+" end) + ($a / 10 | floor | tostring) + "." + ($a % 10 | tostring) + "%" end;
def armname: {A: "A no tracing", B: "B floor (empty probe)", C: "C tcpwatch",
	D: "D + tcpwatchd operator", E: "E + tcpwatchd --output", F: "F bpftrace tcpstates"}[.];
def workname: {churn: "churn: loopback connect/accept/close, client TIME_WAIT",
	rst: "rst: the same churn, client closes with SO_LINGER {1,0}",
	overflow: "overflow: connects to a listener whose accept queue is full",
	synflood: "synflood: spoofed SYNs from a second netns over veth (ops = SYNs)"}[.];
. as $all |
"tcpwatch bench: kernel \(.kernel), \(.mode), \(.rounds) rounds after a warm-up",
"ops/s median (min-max); overhead: paired with arm A of the same round, median",
"(min..max); insn/hit: instructions added per tracepoint hit (per op where",
"there are none); ev/op: events the arm delivered per op (B: tracepoint hits,",
"C: records written, D/E: received by tcpwatchd, F: lines written); lost:",
"ring + kprobe misses + unsent + consumer gaps over all rounds (F: floor",
"hits the file lacks); cpu: the consumer process, share of the window.",
(.skipped[] | "skipped arm \(.)"),
($all.skipped | map(select(startswith("F:"))) | first // null) as $fskip |
(.results | group_by(.work) | sort_by(.[0].work as $w | ["churn", "rst", "overflow", "synflood"] | index($w))[] |
	"", (.[0].work | workname),
	("arm" | rpad(24)) + ("ops/s" | pad(7)) + ("min-max" | pad(12)) + ("overhead" | pad(10)) +
	("min..max" | pad(20)) + ("insn/hit" | pad(10)) + ("ev/op" | pad(7)) + ("lost" | pad(8)) + ("cpu" | pad(6)),
	(.[] | (.floor_hits_per_op // 0) as $h |
	 (.arm | armname | rpad(24)) + (.ops_per_s.median | r(0) | pad(7)) +
	 ("\(.ops_per_s.min | r(0))-\(.ops_per_s.max | r(0))" | pad(12)) +
	 (.overhead.median | pct | pad(10)) +
	 (if .overhead then "\(.overhead.min | pct)..\(.overhead.max | pct)" else "-" end | pad(20)) +
	 (if .insns_per_op == null then "-" elif $h > 0 then .insns_per_op / $h | r(0)
	  else (.insns_per_op | r(0)) + "/op" end | pad(10)) +
	 (.events_per_op | r(2) | pad(7)) +
	 (if .arm == "A" then "-" elif .arm == "F" then
		([.undelivered[] | select(. != null)] | add) // "-" else .lost end | tostring | pad(8)) +
	 (if .consumer_cpu then (.consumer_cpu * 100 | round | tostring) + "%" else "-" end | pad(6))),
	(if $fskip then ("F" | armname | rpad(24)) + "skipped (" + ($fskip | ltrimstr("F: ")) + ")" else empty end),
	(map(select(.arm == "C")) | .[] |
	 "  tcpwatch full-socket transitions per round: \(.full | map(tostring) | join(" ")); floor hits: \(.floor_hits | map(tostring) | join(" "))",
	 "  tcpwatch records per op \(.written_per_op | r(2)); listen overflows tcpwatch \(.overflows.tcpwatch) kernel \(.overflows.kernel); syncookies tcpwatch \(.syncookies.tcpwatch) kernel \(.syncookies.kernel)")),
"",
"kmod/bench.c, per event (debug build, bench=N; insns = ns/8 under icount):",
(.micro[] | "  " + (.case | rpad(9)) + (.ns | tostring | pad(6)) + " ns" +
	(if .insns_icount then (.insns_icount | r(1) | pad(9)) + " insns" else "" end) +
	(if .insns_plugin then (.insns_plugin | r(1) | pad(9)) + " insns (plugin)" else "" end)),
(if .memory then .memory | "",
 "tcpwatch memory at load (\(.ncpu) CPUs, ring_size \(.ring_size), tracking pool \(.tracked_max)):",
 "  module \(.module_kb) kB, per-CPU \(.percpu_kb) kB, vmalloc \(.vmalloc_kb) kB, slab \(.slab_kb) kB; MemAvailable -\(.total_kb) kB"
 else empty end),
(if .icount then
 (.results | map(select(.work == "churn")) | map({key: .arm, value: .}) | from_entries) as $c |
 ($c.B.floor_hits_per_op // null) as $h |
 if $h and $h > 0 then "",
  "Per-stage cost on churn, instructions per tracepoint hit (\($h | r(2)) hits per connection):",
  "  tracepoint entry + empty probe (B - A)        \($c.B.insns_per_op / $h | r(0))",
  (if $c.C then "  tcpwatch, everything in the kernel (C - A)    \($c.C.insns_per_op / $h | r(0))" else empty end),
  (if $c.C and ($all.micro | map(select(.case == "observe")) | length) > 0 then
   "    of which outside tw_observe_full() (C - B - observe): \(($c.C.insns_per_op - $c.B.insns_per_op) / $h - ($all.micro | map(select(.case == "observe"))[0].insns_icount) | r(0))" else empty end),
  (if $c.D and $c.C then "  tcpwatchd, operator configuration (D - C)     \(($c.D.insns_per_op - $c.C.insns_per_op) / $h | r(0))" else empty end),
  (if $c.E and $c.C then "  tcpwatchd, every event as JSON (E - C)        \(($c.E.insns_per_op - $c.C.insns_per_op) / $h | r(0))" else empty end),
  (if $c.F then "  bpftrace tcpstates (F - A)                    \($c.F.insns_per_op / $h | r(0))" else empty end)
 else empty end
 else empty end)
' "$out.json" | tee "$out.txt"
