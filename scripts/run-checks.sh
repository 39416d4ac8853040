#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make check` runs: with --demo, `make demo` first; the host unit
# tests (make -C userspace check) and the in-VM suite (scripts/vm-test.sh),
# both TAP; with --beside, another kernel series' suite in a second VM at
# the same time; then, for the generic kernel, tests/vm/82-many-cpus.bats in
# a VM of its own with 240 possible CPUs; then, with --debug, the
# debug-kernel lane (scripts/check-debug.sh), whose kernel is built in the
# background from the start, with the PREEMPT_RT run (if asked for) beside
# it in a second VM. Prints every ok /
# not ok line and ends with exactly one line "N passed, N failed". Exits
# non-zero when a test failed, a build failed, or a VM run failed (Oops,
# WARNING, lockdep, KASAN, stall, timeout, panic: vm-test.sh counts those as
# failed tests).
#
# usage: run-checks.sh [--kernel 6.1|6.12] [--beside SERIES]
#                      [--flavour generic|rt|all] [--rt-tests "FILE..."]
#                      [--debug "FILE..."|all [--debug-full]] [--no-vm]
#                      [--no-unit] [--lane-env "VAR=VALUE..."] [--demo]
#                      [TEST.bats...]
#   --kernel: the kernel series of the generic and PREEMPT_RT runs (default
#     6.1, or $KERNEL; the debug kernels are built from 6.1's source)
#   --beside: the whole suite on SERIES' generic kernel too, in a second VM
#     beside the first (its own VM lock), results joined (its PREEMPT_RT
#     kernel: make check-all)
#   --demo: first of all, `make demo` as a newcomer runs it (from a fresh
#     clone it builds what the VM needs itself), one test
#   --rt-tests: the PREEMPT_RT kernel runs only these files (default: all)
#   --lane-env: size knobs for the PREEMPT_RT and debug kernels' runs
#   --debug: the debug lane on these files, or on all of them
#   --debug-full: that with the planted-bug proof and the KCSAN kernel too
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

flavours=(generic) late_rt=0 late_rt_pid='' unit=1 vm=1 demo=0 beside='' rt_tests='' debug_tests='' debug_args=(--no-selftest)
lane_env=()
while [ $# -gt 0 ]; do
	case $1 in
	--flavour|--flavour=*)
		if [ "$1" = --flavour ]; then f=$2; shift 2; else f=${1#*=}; shift; fi
		case $f in
		all) flavours=(generic rt) ;;
		generic|rt) flavours=("$f") ;;
		*) die "unknown flavour '$f' (generic, rt or all)" ;;
		esac
		;;
	--kernel) set_kernel "$2"; shift 2 ;;
	--kernel=*) set_kernel "${1#*=}"; shift ;;
	--rt-tests) rt_tests=$2; shift 2 ;;
	--debug) debug_tests=$2; shift 2 ;;
	--debug-full) debug_args=(--kcsan); shift ;;
	--lane-env) read -ra lane_env <<<"$2"; shift 2 ;;
	--no-vm) vm=0; shift ;;
	--no-unit) unit=0; shift ;;
	--demo) demo=1; shift ;;
	--beside) beside=$2; shift 2 ;;
	-h|--help) sed -n '3,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done

# 6.1's results where they always were; another series' beside them.
out=$TCPWATCH_BUILD/checks
[ "$TCPWATCH_KERNEL" = 6.1 ] || out=$TCPWATCH_BUILD/checks-$TCPWATCH_KERNEL
echo "== kernel series $TCPWATCH_KERNEL"
rm -rf "$out"
mkdir -p "$out"
status=0

# A step that fails without a TAP "not ok" of its own still counts as one
# failed test.
step_failed() {
	echo "not ok - $1" >>"$out/$2"
	status=1
}

MANY_CPUS_TEST=82-many-cpus

# vm_lanes SERIES PREFIX FLAVOURS [TEST.bats...]: the suite on SERIES'
# kernels of FLAVOURS (PREEMPT_RT on --rt-tests, with --lane-env), TAP files
# named PREFIXvm-FLAVOUR.tap. Fails if any run did.
vm_lanes() {
	local series=$1 prefix=$2 f rc=0 files env lane_flavours
	read -ra lane_flavours <<<"$3"
	shift 3
	for f in "${lane_flavours[@]}"; do
		files=("$@") env=()
		# shellcheck disable=SC2206 # a list of file names
		[ "$f" = rt ] && [ -n "$rt_tests" ] && [ $# -eq 0 ] && files=($rt_tests)
		[ "$f" = rt ] && env=("${lane_env[@]}")
		echo "== VM tests, $series $f kernel (${env[*]} scripts/vm-test.sh --kernel $series --flavour $f ${files[*]})"
		if ! timed "vm-test $series $f" env "${env[@]}" "$TCPWATCH_ROOT/scripts/vm-test.sh" \
			--kernel "$series" --flavour "$f" --tap "$out/${prefix}vm-$f.tap" \
			--log "$out/${prefix}vm-$f.console" "${files[@]}"; then
			grep -qE '^not ok' "$out/${prefix}vm-$f.tap" 2>/dev/null ||
				step_failed "scripts/vm-test.sh --kernel $series --flavour $f failed" "${prefix}vm-$f.tap"
			rc=1
		fi
	done
	return $rc
}

# many_cpus_wanted [TEST.bats...]: the many-CPU run is due: the generic
# flavour is checked, and either every file or that one.
many_cpus_wanted() {
	local f
	[[ " ${flavours[*]} " == *" generic "* ]] || return 1
	[ -e "$TCPWATCH_ROOT/tests/vm/$MANY_CPUS_TEST.bats" ] || return 1
	[ $# -eq 0 ] && return 0
	for f in "$@"; do
		f=${f##*/}
		[ "${f%.bats}" = "$MANY_CPUS_TEST" ] && return 0
	done
	return 1
}

# The debug kernel takes minutes of CPU to build: start at once, niced, so
# that it builds beside the VM runs below (one host thread each).
debug_build_pid=
if [ $vm = 1 ] && [ -n "$debug_tests" ]; then
	echo "== building the debug kernel in the background (scripts/debug-kernel.sh, log: ${out#"$TCPWATCH_ROOT"/}/debug-kernel.log)"
	nice -n 15 "$TCPWATCH_ROOT/scripts/debug-kernel.sh" --flavour debug \
		>"$out/debug-kernel.log" 2>&1 &
	debug_build_pid=$!
fi

TCPWATCH_TIMINGS=$out/timings.txt

# the README's first command, before anything else builds userspace/
if [ $vm = 1 ] && [ $demo = 1 ]; then
	echo "== make demo (log: ${out#"$TCPWATCH_ROOT"/}/demo.log)"
	if timed "make demo" make -C "$TCPWATCH_ROOT" --no-print-directory demo \
		KERNEL="$TCPWATCH_KERNEL" >"$out/demo.log" 2>&1 && grep -q '^demo: done' "$out/demo.log"; then
		echo "ok 1 make demo" >"$out/demo.tap"
	else
		tail -n 30 "$out/demo.log"
		step_failed "make demo (the last lines of build/checks/demo.log above)" demo.tap
	fi
fi

# unit tests on the host
if [ $unit = 1 ]; then
	echo "== unit tests (make -C userspace check)"
	: >"$out/unit.tap"
	if [ ! -e "$TCPWATCH_ROOT/userspace/Makefile" ]; then
		step_failed "userspace/Makefile is missing" unit.tap
	elif ! make -C "$TCPWATCH_ROOT/userspace" >"$out/unit-build.log" 2>&1; then
		cat "$out/unit-build.log"
		step_failed "building userspace failed" unit.tap
	else
		set +e
		make -s -C "$TCPWATCH_ROOT/userspace" check 2>&1 | tee "$out/unit.log"
		rc=${PIPESTATUS[0]}
		set -e
		grep -E '^(ok|not ok)( |$)' "$out/unit.log" >>"$out/unit.tap" || true
		if [ "$rc" -ne 0 ]; then
			grep -qE '^not ok' "$out/unit.tap" ||
				step_failed "make -C userspace check exited with status $rc" unit.tap
			status=1
		fi
	fi
	echo "== make install and uninstall into a staging tree (scripts/check-install.sh)"
	set +e
	"$TCPWATCH_ROOT/scripts/check-install.sh" "$TCPWATCH_KERNEL" | tee "$out/install.tap"
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" -ne 0 ]; then
		grep -qE '^not ok' "$out/install.tap" ||
			step_failed "scripts/check-install.sh exited with status $rc" install.tap
		status=1
	fi
fi

# the rig itself, then the suite in the VM, per kernel flavour
if [ $vm = 1 ]; then
	echo "== VM rig self-test (scripts/vm-selftest.sh)"
	set +e
	"$TCPWATCH_ROOT/scripts/vm-selftest.sh" --flavour "${flavours[0]}" | tee "$out/rig.tap"
	rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" -eq 0 ] || status=1

	# tests/sockdrv and userspace binaries must exist before the VM is built
	make -s -C "$TCPWATCH_ROOT/tests" || step_failed "building tests/ failed" vm-build.tap
	# Another series beside this one: its own VM lock, so both VMs run at
	# once (a VM keeps about one host CPU busy), its output in a log.
	beside_pid=
	if [ -n "$beside" ]; then
		echo "== VM tests, $beside generic kernel, beside (log: ${out#"$TCPWATCH_ROOT"/}/beside-$beside.log)"
		TCPWATCH_VM_LOCK=$TCPWATCH_VM_LOCK-$beside vm_lanes "$beside" "$beside-" generic "$@" \
			>"$out/beside-$beside.log" 2>&1 &
		beside_pid=$!
	fi
	# With the debug lane, the PREEMPT_RT run waits for it and runs beside
	# it (its own VM lock): otherwise the debug kernel's VM runs alone at
	# the end, one host CPU idle (CI's clock: tests/vm/README.md).
	main_flavours=("${flavours[@]}")
	if [ -n "$debug_build_pid" ] && [ "${#flavours[@]}" -gt 1 ]; then
		main_flavours=(generic)
		late_rt=1
	fi
	vm_lanes "$TCPWATCH_KERNEL" "" "${main_flavours[*]}" "$@" || status=1

	# GET_CPUS past what one netlink message holds: a short boot of its own,
	# 240 possible CPUs (2 online), for the one file that needs them; the
	# runs above skip it.
	if many_cpus_wanted "$@"; then
		echo "== VM tests, generic kernel, 240 possible CPUs (scripts/vm-test.sh --smp 2,maxcpus=240 $MANY_CPUS_TEST)"
		if ! timed "vm-test 240 CPUs" "$TCPWATCH_ROOT/scripts/vm-test.sh" --flavour generic --smp 2,maxcpus=240 \
			--timeout 600 --tap "$out/vm-generic-240cpus.tap" \
			--log "$out/vm-generic-240cpus.console" "$MANY_CPUS_TEST"; then
			grep -qE '^not ok' "$out/vm-generic-240cpus.tap" 2>/dev/null ||
				step_failed "scripts/vm-test.sh --smp 2,maxcpus=240 $MANY_CPUS_TEST failed" vm-generic-240cpus.tap
			status=1
		fi
	fi
fi

if [ -n "$beside_pid" ]; then
	echo "== waiting for the $beside generic kernel's run"
	timed "vm-test $beside generic, beside (waited for)" wait "$beside_pid" || status=1
	tail -n 5 "$out/beside-$beside.log"
fi

if [ $late_rt = 1 ]; then
	echo "== VM tests, $TCPWATCH_KERNEL rt kernel, beside the debug lane (log: ${out#"$TCPWATCH_ROOT"/}/beside-rt.log)"
	TCPWATCH_VM_LOCK=$TCPWATCH_VM_LOCK-rt vm_lanes "$TCPWATCH_KERNEL" "" rt "$@" \
		>"$out/beside-rt.log" 2>&1 &
	late_rt_pid=$!
fi

# The debug lane: its kernel (waited for), KUnit, then the VM suite on it.
# Its TAP files join the results below under the name debug-*.
if [ -n "$debug_build_pid" ]; then
	echo "== waiting for the debug kernel"
	if ! timed "debug kernel build (waited for)" wait "$debug_build_pid"; then
		tail -n 20 "$out/debug-kernel.log"
		step_failed "building the debug kernel failed (log: ${out#"$TCPWATCH_ROOT"/}/debug-kernel.log)" debug-build.tap
	else
		debug_files=()
		# shellcheck disable=SC2206 # a list of file names
		[ "$debug_tests" = all ] || debug_files=($debug_tests)
		echo "== the debug lane (${lane_env[*]} scripts/check-debug.sh ${debug_args[*]} ${debug_files[*]})"
		timed "check-debug" env "${lane_env[@]}" "$TCPWATCH_ROOT/scripts/check-debug.sh" "${debug_args[@]}" \
			"${debug_files[@]}" || status=1
		for tap in "$TCPWATCH_BUILD/checks-debug"/*.tap "$TCPWATCH_BUILD/checks-debug"/*.console; do
			[ -e "$tap" ] || continue
			cp "$tap" "$out/debug-${tap##*/}"
		done
	fi
fi

if [ -n "$late_rt_pid" ]; then
	echo "== waiting for the $TCPWATCH_KERNEL rt kernel's run"
	timed "vm-test $TCPWATCH_KERNEL rt, beside the debug lane (waited for)" wait "$late_rt_pid" || status=1
	tail -n 5 "$out/beside-rt.log"
fi

echo "== results"
passed=0 failed=0 skipped=0
for tap in "$out"/*.tap; do
	[ -e "$tap" ] || continue
	name=${tap##*/}
	name=${name%.tap}
	while IFS= read -r line; do
		case $line in
		"not ok"*) failed=$((failed + 1)) ;;
		ok*"# skip"*|ok*"# SKIP"*) skipped=$((skipped + 1)) ;;
		ok*) passed=$((passed + 1)) ;;
		*) continue ;;
		esac
		echo "$name: $line"
	done < <(grep -E '^(ok|not ok)( |$)' "$tap" || true)
done
[ "$skipped" -eq 0 ] || echo "($skipped skipped: counted as neither passed nor failed)"
[ "$failed" -eq 0 ] || status=1
sed 's/^/timing: /' "$out/timings.txt" 2>/dev/null || true

# CI shows only the end of the output: repeat what failed there, and what
# the kernel said when a VM run died (the console is far above by then).
if [ "$status" -ne 0 ]; then
	echo "== what failed"
	# each failed test with the lane it ran in and what bats printed for it
	# (its "# " lines: where it failed, and the test's own output)
	for tap in "$out"/*.tap; do
		[ -e "$tap" ] || continue
		name=${tap##*/}
		# where (the first 3 lines), then up to 30 lines that end 2 past
		# the last "FAIL:" (what follows it is the next test's chatter)
		awk -v lane="${name%.tap}" '
			function flush(i, end) {
				end = n
				for (i = n; i > 0; i--)
					if (diag[i] ~ /^# FAIL:/) {
						end = i + 2 < n ? i + 2 : n
						break
					}
				for (i = 1; i <= end; i++)
					if (i <= 3 || i > end - 30)
						print "    " diag[i]
					else if (i == 4)
						print "    # ..."
				n = 0; on = 0
			}
			/^not ok/ { flush(); on = 1; print lane ": " $0; next }
			/^(ok|1\.\.)/ { flush(); next }
			on && /^#/ { diag[++n] = $0 }
			END { flush() }
		' "$tap"
	done | head -n 300 || true
	for console in "$out"/*vm-*.console; do
		[ -e "$console" ] || continue
		tap=${console%.console}.tap
		grep -qE '^not ok' "$tap" 2>/dev/null || continue
		echo "-- ${console##*/}: the kernel's complaints, and how the run ended"
		tr -d '\r' <"$console" |
			grep -E "$TCPWATCH_KERNEL_FAILURES|RIP:|^\\[ *[0-9.]+\\]  [a-z_0-9.]+\\+0x" |
			head -n 20 || true
		tr -d '\r' <"$console" | tail -n 3
	done
fi
echo "$passed passed, $failed failed"
exit $status
