#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make check-debug` runs: the debug-kernel lane. Builds the debug
# kernel (KASAN, lockdep, kmemleak, DEBUG_OBJECTS, KFENCE; cached) and
# tcpwatch.ko against it, proves the detectors fire (debug-selftest.sh),
# runs the KUnit suites (tests/kunit/run.sh) and the VM suite on that kernel.
# With --kcsan, the same on the KCSAN kernel too. Prints every ok / not ok
# line and ends with exactly one line "N passed, N failed", like run-checks.sh.
#
# usage: check-debug.sh [--kcsan] [--no-selftest] [TEST.bats...]
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

flavours=(debug) selftest=1
while [ $# -gt 0 ]; do
	case $1 in
	--kcsan) flavours=(debug debug-kcsan); shift ;;
	--no-selftest) selftest=0; shift ;;
	-h|--help) sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done

out=$TCPWATCH_BUILD/checks-debug
rm -rf "$out"
mkdir -p "$out"
status=0

step_failed() {
	echo "not ok - $1" >>"$out/$2"
	status=1
}

TCPWATCH_TIMINGS=$out/timings.txt

make -s -C "$TCPWATCH_ROOT/userspace" >&2 || step_failed "building userspace failed" build.tap
make -s -C "$TCPWATCH_ROOT/tests" >&2 || step_failed "building tests/ failed" build.tap

for f in "${flavours[@]}"; do
	echo "== $f kernel (scripts/debug-kernel.sh --flavour $f)"
	if ! timed "kernel $f" "$TCPWATCH_ROOT/scripts/debug-kernel.sh" --flavour "$f" >/dev/null; then
		step_failed "building the $f kernel failed" "$f-build.tap"
		continue
	fi
	kdir=$(debug_kernel_dir "$f")
	kver=$(cat "$kdir/include/config/kernel.release")

	# tcpwatch.ko against that tree, where vm-run.sh builds it (kmod/ stays
	# clean); its vermagic must name the debug kernel.
	kbuild=$TCPWATCH_BUILD/kmod-$kver
	mkdir -p "$kbuild"
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude='Module.symvers' --exclude='modules.order' --exclude='*.d' \
		"$TCPWATCH_ROOT/kmod/" "$kbuild/"
	if ! timed "module $f" make -s -C "$kbuild" KDIR="$kdir" >&2; then
		step_failed "building tcpwatch.ko against the $f kernel failed" "$f-build.tap"
		continue
	fi
	vermagic=$(modinfo -F vermagic "$kbuild/tcpwatch.ko")
	if [ "${vermagic%% *}" != "$kver" ]; then
		step_failed "tcpwatch.ko's vermagic '$vermagic' is not the $f kernel's ($kver)" "$f-build.tap"
		continue
	fi
	echo "ok - tcpwatch.ko built against $kver (vermagic $vermagic)" >>"$out/$f-build.tap"

	if [ $selftest = 1 ]; then
		echo "== the detectors fire (scripts/debug-selftest.sh --flavour $f)"
		set +e
		timed "selftest $f" "$TCPWATCH_ROOT/scripts/debug-selftest.sh" --flavour "$f" |
			tee "$out/$f-selftest.tap"
		rc=${PIPESTATUS[0]}
		set -e
		cp "$TCPWATCH_BUILD/debug-selftest/$f/proof.txt" "$out/$f-proof.txt" 2>/dev/null || true
		[ "$rc" -eq 0 ] || status=1
	fi

	# The KUnit suites (ring, tracking table, histogram) over the same
	# kmod/ snapshot, in one boot of this kernel.
	echo "== KUnit suites, $f kernel (tests/kunit/run.sh --flavour $f)"
	if ! timed "kunit $f" "$TCPWATCH_ROOT/tests/kunit/run.sh" --flavour "$f" --kmod "$kbuild" \
		--tap "$out/$f-kunit.tap" --log "$out/vm-$f-kunit.console" >/dev/null; then
		grep -qE '^not ok' "$out/$f-kunit.tap" 2>/dev/null ||
			step_failed "tests/kunit/run.sh --flavour $f failed" "$f-kunit.tap"
		status=1
	fi

	echo "== VM tests, $f kernel (scripts/vm-test.sh --flavour $f $*)"
	if ! timed "vm-test $f $*" "$TCPWATCH_ROOT/scripts/vm-test.sh" --flavour "$f" \
		--tap "$out/vm-$f.tap" --log "$out/vm-$f.console" "$@"; then
		grep -qE '^not ok' "$out/vm-$f.tap" 2>/dev/null ||
			step_failed "scripts/vm-test.sh --flavour $f failed" "vm-$f.tap"
		status=1
	fi
done

echo "== results"
passed=0 failed=0
for tap in "$out"/*.tap; do
	[ -e "$tap" ] || continue
	name=${tap##*/}
	name=${name%.tap}
	while IFS= read -r line; do
		case $line in
		"not ok"*) failed=$((failed + 1)) ;;
		ok*) passed=$((passed + 1)) ;;
		*) continue ;;
		esac
		echo "$name: $line"
	done < <(grep -E '^(ok|not ok)( |$)' "$tap" || true)
done
[ "$failed" -eq 0 ] || status=1
sed 's/^/timing: /' "$out/timings.txt" 2>/dev/null || true
if [ "$status" -ne 0 ]; then
	echo "== what the kernel said (${out#"$TCPWATCH_ROOT"/}/vm-*.console)"
	for console in "$out"/vm-*.console; do
		[ -e "$console" ] || continue
		tr -d '\r' <"$console" | grep -E "TCPWATCH-VM-(KLOG|KMEMLEAK)" | head -n 20 || true
	done
fi
echo "$passed passed, $failed failed"
exit $status
