#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel in QEMU (TCG) with a busybox initramfs holding the
# project's artefacts, run COMMAND in it, and exit with COMMAND's status.
#
# usage: vm-run.sh [--kernel 6.1|6.12] [--flavour generic|rt|debug|debug-kcsan]
#                  [--timeout SECS] [--log FILE]
#                  [--out FILE] [--no-build] [--no-module] [--smp SPEC]
#                  [--] COMMAND [ARG...]
#
#   --kernel    kernel series to boot and build for: 6.1 (default, or
#               $KERNEL) or 6.12; the newest installed release of it
#   --flavour   kernel to boot: generic (default) or rt (PREEMPT_RT), or
#               debug / debug-kcsan: the KASAN+lockdep+kmemleak (or KCSAN)
#               kernel built by scripts/debug-kernel.sh
#   --timeout   hard limit for the whole run, boot included (default 600;
#               1800 on a debug kernel)
#   --log       keep the console log in FILE (default: build/vm-logs/, kept
#               only when the run failed)
#   --out       write COMMAND's own output (stdout and stderr, free of kernel
#               messages) to FILE
#   --no-build  do not (re)build the module and tests/sockdrv (userspace/ is
#               never built here: run make)
#   --no-module boot without tcpwatch.ko (to work on the rig itself)
#   --ko FILE   use this prebuilt tcpwatch.ko (e.g. a debug build)
#   --qemu-arg A  pass A to QEMU (repeatable), e.g. --qemu-arg -icount
#   --smp SPEC  QEMU's -smp (default 2), e.g. 2,maxcpus=240: 2 CPUs online
#               and 240 possible (the rest hot-pluggable)
#
# Exit status: COMMAND's; 124 when the run timed out; 99 when COMMAND passed
# but the kernel log shows an Oops/BUG/WARNING/lockdep/stall...; 125 when the
# VM died without a result (kernel panic, QEMU failure).
#
# Only one VM runs at a time on this machine: the run holds an exclusive
# flock on /tmp/tcpwatch-vm.lock, and concurrent invocations wait for it.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

flavour=generic timeout_s=600 log='' out='' build=1 module=1 prebuilt_ko='' smp=2
qemu_args=()
timeout_given=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) set_kernel "$2"; shift 2 ;;
	--kernel=*) set_kernel "${1#*=}"; shift ;;
	--flavour) flavour=$2; shift 2 ;;
	--flavour=*) flavour=${1#*=}; shift ;;
	--timeout) timeout_s=$2; timeout_given=1; shift 2 ;;
	--timeout=*) timeout_s=${1#*=}; timeout_given=1; shift ;;
	--log) log=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--no-build) build=0; shift ;;
	--no-module) module=0; shift ;;
	--ko) prebuilt_ko=$2; shift 2 ;;
	--qemu-arg) qemu_args+=("$2"); shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--smp=*) smp=${1#*=}; shift ;;
	-h|--help) sed -n '3,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || die "no command given (see --help)"
# A debug kernel is several times slower under TCG.
is_debug_flavour "$flavour" && [ $timeout_given = 0 ] && timeout_s=1800
{ [[ $timeout_s =~ ^[0-9]+$ ]] && [ "$timeout_s" -ge 20 ]; } || die "--timeout must be a number of seconds >= 20"
[[ $smp =~ ^[0-9]+(,[a-z-]+=[0-9]+)*$ ]] || die "--smp must be QEMU's -smp, e.g. 2 or 2,maxcpus=240"

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found: run scripts/install-deps.sh"

mkdir -p "$TCPWATCH_BUILD"
exec 9>"$TCPWATCH_VM_LOCK"
if ! flock -n 9; then
	note "another VM is running; waiting for $TCPWATCH_VM_LOCK"
	flock 9
fi

kver=$(select_kernel "$flavour")
kernel=/boot/vmlinuz-$kver
kdir=/lib/modules/$kver/build
if is_debug_flavour "$flavour"; then
	kdir=$(debug_kernel_dir "$flavour")
	kernel=$kdir/arch/x86/boot/bzImage
fi
[ -r "$kernel" ] || die "cannot read $kernel"

# The module is built out of tree per kernel release, so generic and rt
# builds never clobber each other (or a developer's in-tree build).
ko=
kbuild=$TCPWATCH_BUILD/kmod-$kver
if [ $module = 0 ]; then
	note "running without tcpwatch.ko (--no-module)"
elif [ -n "$prebuilt_ko" ]; then
	[ -f "$prebuilt_ko" ] || die "no such module: $prebuilt_ko"
	ko=$prebuilt_ko
elif [ -e "$TCPWATCH_ROOT/kmod/Makefile" ]; then
	if [ $build = 1 ]; then
		mkdir -p "$kbuild"
		rsync -a --delete \
			--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
			--exclude='.*.cmd' --exclude='Module.symvers' --exclude='modules.order' \
			--exclude='.tmp_versions' --exclude='*.d' \
			"$TCPWATCH_ROOT/kmod/" "$kbuild/"
		note "building tcpwatch.ko for $kver"
		make -s -C "$kbuild" KDIR="$kdir" >&2 ||
			die "building the module for $kver failed"
	fi
	[ -f "$kbuild/tcpwatch.ko" ] || die "no $kbuild/tcpwatch.ko after building the module"
	ko=$kbuild/tcpwatch.ko
else
	note "kmod/ has no Makefile yet: the VM runs without tcpwatch.ko"
fi

# userspace/ is built by the top-level `make` (its developers rebuild it all
# the time); the VM takes the binaries as they are.
for f in tcpwatch tcpwatchd; do
	[ -x "$TCPWATCH_ROOT/userspace/$f" ] || note "userspace/$f is not built: the VM runs without it (run make)"
done
if [ $build = 1 ] && [ -e "$TCPWATCH_ROOT/tests/Makefile" ]; then
	make -s -C "$TCPWATCH_ROOT/tests" >&2 || die "building tests/ failed"
fi

run_dir=$(mktemp -d "$TCPWATCH_BUILD/vm-run.XXXXXX")
trap 'rm -rf "$run_dir"' EXIT

printf '%q ' "$@" >"$run_dir/cmd"
echo >>"$run_dir/cmd"
nonce=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
# The VM stops the command itself a little before the hard limit, so that a
# hung run still reports its blocked tasks and kernel log.
cmd_timeout=0
[ "$timeout_s" -gt 60 ] && cmd_timeout=$((timeout_s - 30))

initrd=$TCPWATCH_BUILD/initramfs/vm-$kver.img
"$TCPWATCH_ROOT/scripts/mkinitramfs.sh" --kver "$kver" --flavour "$flavour" \
	--out "$initrd" ${ko:+--ko "$ko"} --cmd "$run_dir/cmd" --nonce "$nonce" \
	--cmd-timeout "$cmd_timeout"

keep_log=0
if [ -n "$log" ]; then
	keep_log=1
	mkdir -p "$(dirname "$log")"
else
	mkdir -p "$TCPWATCH_BUILD/vm-logs"
	log=$TCPWATCH_BUILD/vm-logs/vm-$(date +%Y%m%d-%H%M%S)-$flavour-$$.log
fi
: >"$log"

# console=ttyS0 is the console; ttyS1 carries the command's output only.
# No oops=panic: an oops is printed, the run goes on and /init fails it from
# the kernel log. panic=-1 plus -no-reboot ends QEMU at once on a panic.
append="console=ttyS0,115200 loglevel=5 panic=-1 rdinit=/init"
append+=" mitigations=off random.trust_cpu=on"
append+=" rcupdate.rcu_cpu_stall_timeout=60 watchdog_thresh=20"
# A CPU stuck in the kernel does not come back: panic at once (the console
# shows why) instead of waiting for the timeout.
append+=" softlockup_panic=1 sysctl.kernel.panic_on_rcu_stall=1"
# ...and show every CPU's stack then, not only the stuck one's.
append+=" softlockup_all_cpu_backtrace=1"
# A debug kernel reports every KASAN error, not only the first, and has
# kmemleak on (vm-init.sh scans at the end).
# slub_debug=A: skb heads may be failed by failslab's cache filter, for
# 90-faults (a flag set only at boot since 5.14).
is_debug_flavour "$flavour" && append+=" kasan_multi_shot kmemleak=on slub_debug=A,skbuff_head_cache"

note "booting $kver (flavour $flavour, -smp $smp, timeout ${timeout_s}s)"
start=$(date +%s)
# QEMU runs under timeout(1) in the background, so that a signal to this
# script (Ctrl-C, an outer timeout) ends the VM too instead of orphaning it.
# shellcheck disable=SC2317 # invoked by the trap
stop_vm() {
	[ -s "$run_dir/qemu.pid" ] && kill -TERM "$(cat "$run_dir/qemu.pid")" 2>/dev/null
	wait
	[ -n "$out" ] && tr -d '\r' <"$run_dir/ttyS1" >"$out"
	note "interrupted; the VM was stopped (console log: $log)"
	exit 130
}
trap stop_vm INT TERM HUP
# One TCG thread runs both vCPUs in turn (thread=single). With a thread per
# vCPU (QEMU 7.2's default), a vCPU sometimes stopped for good while the
# other live-patched kernel text (text_poke_bp(): tracefs event on/off,
# insmod, kprobes): it answered neither the sync IPI nor the backtrace NMI,
# and the soft-lockup watchdog ended the run. The suite takes about a
# fifth longer on one thread.
(
	timeout -k 10 "$timeout_s" qemu-system-x86_64 \
		-accel tcg,thread=single -cpu max -smp "$smp" -m 1024 \
		-nographic -no-reboot -nic none -monitor none \
		-serial stdio -serial "file:$run_dir/ttyS1" \
		-kernel "$kernel" -initrd "$initrd" -append "$append" "${qemu_args[@]}" \
		</dev/null 2>&1 &
	echo $! >"$run_dir/qemu.pid"
	rc=0
	wait $! || rc=$?
	echo $rc >"$run_dir/qemu.rc"
) | tee "$log" &
wait $! || true
trap - INT TERM HUP
qemu_rc=$(cat "$run_dir/qemu.rc" 2>/dev/null || echo 125)
elapsed=$(($(date +%s) - start))

[ -n "$out" ] && tr -d '\r' <"$run_dir/ttyS1" >"$out"

result=$(tr -d '\r' <"$log" | sed -n "s/^TCPWATCH-VM-RESULT $nonce rc=\([0-9]\{1,3\}\)\$/\1/p" | tail -n 1)
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	note "TIMEOUT: the VM was killed after ${timeout_s}s"
	rc=124
elif [ -z "$result" ]; then
	note "FAILED: the VM ended without a result line (kernel panic? QEMU exit status $qemu_rc)"
	rc=125
fi
if [ -z "$result" ]; then
	# Without /init's verdict, show what the kernel printed on the console.
	tr -d '\r' <"$log" | grep -E "^\\[ *[0-9]+\\.[0-9]+\\] .*($TCPWATCH_KERNEL_FAILURES)" |
		head -n 20 | sed 's/^/vm-run.sh: console: /' >&2 || true
else
	rc=$result
	case $rc in
	0) note "PASSED in ${elapsed}s" ;;
	99) note "FAILED: the command passed but the kernel log shows failures (TCPWATCH-VM-KLOG lines above)" ;;
	124) note "TIMEOUT: the command was stopped inside the VM after ${cmd_timeout}s" ;;
	*) note "FAILED: the command exited with status $rc" ;;
	esac
fi

if [ "$rc" -ne 0 ] || [ $keep_log = 1 ]; then
	note "console log: $log"
else
	rm -f "$log"
fi
exit "$rc"
