#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of the VM rig (no tcpwatch module needed): a passing command
# passes, and every way a run can fail is reported as a failure with the
# right status. TAP on stdout.
#
#   exit status         the command's own status comes back
#   kernel WARNING      a "WARNING:" line in the kernel log fails the run (99)
#   output != kernel    the same text on the command's stdout does not
#   timeout             a hung command is killed and reported (124)
#
# usage: vm-selftest.sh [--flavour generic|rt]
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

flavour=generic
case ${1:-} in
--flavour) flavour=$2 ;;
--flavour=*) flavour=${1#*=} ;;
"") ;;
*) die "usage: vm-selftest.sh [--flavour generic|rt]" ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# check NAME EXPECTED_STATUS [VM-RUN ARGS...] -- COMMAND...
check() {
	local name=$1 want=$2 rc=0
	shift 2
	n=$((n + 1))
	"$TCPWATCH_ROOT/scripts/vm-run.sh" --flavour "$flavour" --no-module --no-build \
		--out "$tmp/out" "$@" >"$tmp/console" 2>&1 || rc=$?
	if [ "$rc" -eq "$want" ]; then
		echo "ok $n rig: $name"
	else
		echo "not ok $n rig: $name (vm-run.sh exited $rc, expected $want)"
		sed 's/^/# /' "$tmp/console" | tail -n 30
		failed=$((failed + 1))
	fi
}

echo "1..6"
check "a passing command passes, its output comes back" 0 \
	-- bash -c 'uname -r; echo rig-output-ok'
n=$((n + 1))
if grep -q '^rig-output-ok$' "$tmp/out"; then
	echo "ok $n rig: the command's output reaches --out, free of kernel messages"
else
	echo "not ok $n rig: the command's output reaches --out, free of kernel messages"
	failed=$((failed + 1))
fi
check "the command's exit status comes back" 3 -- bash -c 'exit 3'
check "a WARNING in the kernel log fails the run" 99 \
	-- bash -c 'echo "WARNING: CPU: 0 PID: 1 at injected by vm-selftest" >/dev/kmsg'
check "kernel failure words on the command's own output do not" 0 \
	-- bash -c 'echo "WARNING: BUG: Oops: Call Trace: soft lockup (just test output)"'
check "a hung command times out" 124 --timeout 25 -- sleep 600

[ "$failed" -eq 0 ]
