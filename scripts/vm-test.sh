#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run tcpwatch's in-VM test suite (bats, TAP output) in one VM boot.
#
# usage: vm-test.sh [--kernel 6.1|6.12] [--flavour generic|rt|debug|debug-kcsan]
#                   [--timeout SECS] [--tap FILE]
#                   [--log FILE] [--no-build] [--smp SPEC] [TEST.bats...]
#
# --kernel: the kernel series (default 6.1, or $KERNEL), as vm-run.sh's.
# TEST.bats are files of tests/vm/ (a path or a bare name; default: all).
# The TAP stream, free of kernel messages, is written to --tap FILE (default
# build/vm-test.tap). Prints "vm-test: N passed, N failed" at the end; exits
# non-zero when a test failed or the VM run failed (kernel log failure,
# timeout, panic). --smp is vm-run.sh's (QEMU's -smp, e.g. 2,maxcpus=240).
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

flavour=generic timeout_s='' tap='' run_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) set_kernel "$2"; shift 2 ;;
	--kernel=*) set_kernel "${1#*=}"; shift ;;
	--flavour) flavour=$2; shift 2 ;;
	--flavour=*) flavour=${1#*=}; shift ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--tap) tap=$2; shift 2 ;;
	--log) run_args+=(--log "$2"); shift 2 ;;
	--no-build) run_args+=(--no-build); shift ;;
	--smp) run_args+=(--smp "$2"); shift 2 ;;
	-h|--help) sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done

files=()
if [ $# -eq 0 ]; then
	for f in "$TCPWATCH_ROOT"/tests/vm/*.bats; do
		files+=("tests/vm/${f##*/}")
	done
else
	for f in "$@"; do
		f=${f##*/}
		[[ $f == *.bats ]] || f=$f.bats
		[ -f "$TCPWATCH_ROOT/tests/vm/$f" ] || die "no test file tests/vm/$f"
		files+=("tests/vm/$f")
	done
fi
[ ${#files[@]} -gt 0 ] || die "no test files in tests/vm/"

# The default limit, a guard against hangs rather than a budget: the whole
# generic suite takes about 1000 s on an idle 2-core machine and 1480 s in CI,
# where the debug kernel builds alongside it. A debug kernel (KASAN,
# lockdep...) is about four times slower under TCG (tests/vm/README.md has
# the timings).
if [ -z "$timeout_s" ]; then
	timeout_s=3000
	is_debug_flavour "$flavour" && timeout_s=6000
fi

mkdir -p "$TCPWATCH_BUILD"
tap=${tap:-$TCPWATCH_BUILD/vm-test.tap}
: >"$tap"

# Paths are relative to /opt/tcpwatch, where the VM's /init starts.
set +e
"$TCPWATCH_ROOT/scripts/vm-run.sh" --flavour "$flavour" --timeout "$timeout_s" \
	--out "$tap" "${run_args[@]}" -- bats --tap --timing "${files[@]}"
rc=$?
set -e

# A VM run that failed on its own (kernel log, timeout, panic) is one more
# failed test, so that counting TAP lines never hides it.
if [ "$rc" -ne 0 ] && ! grep -qE '^not ok ' "$tap"; then
	echo "not ok - the VM run itself failed with status $rc (see the console log)" >>"$tap"
fi

passed=$(grep -cE '^ok ' "$tap" || true)
failed=$(grep -cE '^not ok ' "$tap" || true)
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n 1)
if [ -n "$planned" ] && [ $((passed + failed)) -lt "$planned" ]; then
	note "only $((passed + failed)) of $planned planned tests reported (the run was cut short)"
	failed=$((failed + planned - passed - failed))
fi
grep -E '^not ok ' "$tap" | sed 's/^/vm-test: /' >&2 || true
echo "vm-test: $passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
