#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove the debug-kernel lane catches what it is for: boot the debug kernel
# once per bug planted by tests/debug/planted/planted.ko and check that the
# detector's report appears on the console AND fails the run (vm-run.sh
# exits 99); and that a clean run (bug=none) passes. TAP on stdout; the
# first lines of each report go to build/debug-selftest/FLAVOUR/proof.txt.
#
# usage: debug-selftest.sh [--flavour debug|debug-kcsan] [BUG...]
#
# BUG: none uaf abba sleep leak timer rcu kfence (debug), none race
# (debug-kcsan); default: all of the flavour's. The kernel must be built
# (scripts/debug-kernel.sh); planted.ko is built here, against it.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

flavour=debug
while [ $# -gt 0 ]; do
	case $1 in
	--flavour) flavour=$2; shift 2 ;;
	--flavour=*) flavour=${1#*=}; shift ;;
	-h|--help) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done

# What each planted bug must make the kernel say (an extended regex).
declare -A report=(
	[none]=''
	[uaf]='BUG: KASAN: [a-z-]*use-after-free in plant_uaf'
	[abba]='WARNING: possible circular locking dependency detected'
	[sleep]='BUG: sleeping function called from invalid context'
	[leak]='kmemleak: [0-9]+ new suspected memory leaks'
	[timer]='ODEBUG: free active .*object type: timer_list'
	[rcu]='WARNING: suspicious RCU usage'
	[kfence]='BUG: KFENCE: use-after-free'
	[race]='BUG: KCSAN: data-race in racer'
)
case $flavour in
debug) all=(none uaf abba sleep leak timer rcu kfence) ;;
debug-kcsan) all=(none race) ;;
*) die "unknown debug flavour '$flavour' (debug or debug-kcsan)" ;;
esac
bugs=("$@")
[ ${#bugs[@]} -gt 0 ] || bugs=("${all[@]}")
for b in "${bugs[@]}"; do
	[ -n "${report[$b]+set}" ] || die "unknown bug '$b' (${all[*]})"
done

kdir=$(debug_kernel_dir "$flavour")
[ -s "$kdir/arch/x86/boot/bzImage" ] ||
	die "the $flavour kernel is not built (run scripts/debug-kernel.sh --flavour $flavour)"

out=$TCPWATCH_BUILD/debug-selftest/$flavour
mod=$out/planted
rm -rf "$out"
mkdir -p "$mod"
cp "$TCPWATCH_ROOT"/tests/debug/planted/{planted.c,Kbuild} "$mod/"
make -s -C "$kdir" M="$mod" modules >&2 || die "building planted.ko against $kdir failed"

proof=$out/proof.txt
{
	echo "# debug-selftest.sh --flavour $flavour, kernel $(cat "$kdir/include/config/kernel.release")"
	echo "# $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$proof"

echo "1..${#bugs[@]}"
n=0 failed=0
for b in "${bugs[@]}"; do
	n=$((n + 1))
	want=99
	[ "$b" = none ] && want=0
	console=$out/$b.console
	start=$(date +%s)
	rc=0
	# KCSAN watches an access for 80 us, but TCG runs one vCPU at a time
	# for up to 100 ms: widen the window so that the other CPU runs in it.
	widen=
	[ "$b" = race ] && widen="echo 20000 >/sys/module/kcsan/parameters/udelay_task && "
	"$TCPWATCH_ROOT/scripts/vm-run.sh" --flavour "$flavour" --no-build --timeout 900 \
		--ko "$mod/planted.ko" --log "$console" \
		-- bash -c "${widen}insmod \"\$TCPWATCH_KO\" bug=$b && rmmod planted" >/dev/null 2>&1 || rc=$?
	secs=$(($(date +%s) - start))
	tr -d '\r' <"$console" >"$console.txt"
	what="bug=$b"
	[ "$b" = none ] && what="a clean run"
	if [ "$rc" -ne "$want" ]; then
		echo "not ok $n $flavour: $what: vm-run.sh exited $rc, expected $want (${secs}s; $console)"
		grep -E "TCPWATCH-VM-KLOG|TCPWATCH-VM-KMEMLEAK" "$console.txt" | head -n 10 | sed 's/^/# /'
		failed=$((failed + 1))
	elif [ -n "${report[$b]}" ] && ! grep -qE "${report[$b]}" "$console.txt"; then
		echo "not ok $n $flavour: $what failed the run but without '${report[$b]}' (${secs}s; $console)"
		failed=$((failed + 1))
	else
		verdict=passed
		[ -n "${report[$b]}" ] && verdict="was reported and failed the run"
		echo "ok $n $flavour: $what $verdict (${secs}s)"
	fi
	{
		echo "== bug=$b: vm-run.sh exited $rc (wanted $want) in ${secs}s"
		# The kernel log as /init dumps it for a failed run (the console
		# shows only warnings and worse), then kmemleak's own report.
		[ -z "${report[$b]}" ] ||
			sed -n 's/^TCPWATCH-VM-DMESG: //p' "$console.txt" |
			grep -m1 -A5 -E "${report[$b]}" || true
		sed -n 's/^TCPWATCH-VM-KMEMLEAK: //p' "$console.txt" | head -n 8
	} >>"$proof"
done
echo "# first lines of each report: ${proof#"$TCPWATCH_ROOT"/}"
[ "$failed" -eq 0 ]
