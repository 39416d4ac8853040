#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: measure tcpwatch's hot path.
#
# The debug module's load-time benchmark (kmod/bench.c) times an empty probe,
# tcpwatch's ring, the kernel's tracing ring buffer and tcpwatch's whole
# transition handler; a loopback connection churn timed with and without the
# module gives the overhead on real traffic. Under TCG a guest nanosecond is
# not a fixed number of instructions, so compare the rows with each other, not
# with other machines. (QEMU's -icount, which would make them instruction
# counts, hangs the guest at boot with Debian's QEMU 7.2.) Results go to
# stdout and build/bench.txt.
#
# usage: bench.sh [--flavour generic|rt] [--events N] [--connections N]
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

flavour=generic events=200000 connections=2000
while [ $# -gt 0 ]; do
	case $1 in
	--flavour) flavour=$2; shift 2 ;;
	--events) events=$2; shift 2 ;;
	--connections) connections=$2; shift 2 ;;
	-h|--help) sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

kver=$(select_kernel "$flavour")
kbuild=$TCPWATCH_BUILD/kmod-bench-$kver
mkdir -p "$kbuild"
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' \
	--exclude='.*.cmd' "$TCPWATCH_ROOT/kmod/" "$kbuild/"
make -s -C "$kbuild" KDIR="/lib/modules/$kver/build" module-debug >&2
make -s -C "$TCPWATCH_ROOT" userspace tests >&2

# Inside the VM: the micro-benchmark, then churn without and with tcpwatch.
inside=$(cat <<EOF_INSIDE
set -e
churn() {
	local t0 t1
	t0=\${EPOCHREALTIME/./}
	sockdrv churn 127.0.0.1 7000 $connections >/dev/null
	t1=\${EPOCHREALTIME/./}
	echo \$(( (t1 - t0) * 1000 / $connections ))
}
insmod \$TCPWATCH_KO bench=$events ring_size=65536
dmesg | sed -n 's/.*tcpwatch: bench: /micro: /p'
rmmod tcpwatch
churn >/dev/null	# warm up caches and the port range
base=\$(churn)
insmod \$TCPWATCH_KO
with=\$(churn)
rmmod tcpwatch
echo "churn: \$base ns per connection without tcpwatch, \$with with it"
echo "churn: overhead \$(( (with - base) * 1000 / base / 10 )).\$(( (with - base) * 1000 / base % 10 ))%"
EOF_INSIDE
)

out=$TCPWATCH_BUILD/bench.txt
"$TCPWATCH_ROOT/scripts/vm-run.sh" --flavour "$flavour" --no-build \
	--ko "$kbuild/tcpwatch.ko" --timeout 600 --out "$out.raw" -- bash -c "$inside" >/dev/null
{
	echo "tcpwatch bench, kernel $kver, QEMU TCG, $(nproc) host CPUs"
	grep -E '^(micro|churn):' "$out.raw"
} | tee "$out"
