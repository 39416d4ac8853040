# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the tcpwatch test rig (sourced, not executed).
# shellcheck shell=bash

TCPWATCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TCPWATCH_BUILD=${TCPWATCH_BUILD:-$TCPWATCH_ROOT/build}
TCPWATCH_VM_LOCK=${TCPWATCH_VM_LOCK:-/tmp/tcpwatch-vm.lock}

# The kernel series the rig builds for and boots: each script's --kernel,
# or KERNEL= as make passes it; 6.1 (Debian 12's own) unless one is named,
# so that installing 6.12 never changes silently what is tested.
TCPWATCH_KERNEL=${TCPWATCH_KERNEL:-${KERNEL:-6.1}}
export TCPWATCH_KERNEL

# set_kernel SERIES: what --kernel does (for this script and those it runs).
set_kernel() {
	[[ $1 =~ ^[0-9]+\.[0-9]+$ ]] || die "--kernel takes a kernel series such as 6.1 or 6.12, not '$1'"
	TCPWATCH_KERNEL=$1
	export TCPWATCH_KERNEL
}

# What, in a console log, says the kernel failed (vm-init.sh, inside the VM,
# has its own, longer list for the kernel log of a run that completed).
TCPWATCH_KERNEL_FAILURES='Oops|BUG:|WARNING:|general protection|detected stall|soft lockup|blocked for more than|Kernel panic|kernel BUG'
# ...and what the debug kernels add (KASAN, KFENCE and KCSAN reports and
# "sleeping function called" start with "BUG:", lockdep's with "WARNING:").
TCPWATCH_KERNEL_FAILURES+='|ODEBUG: .*object type|circular locking|inconsistent lock state|suspicious RCU usage|new suspected memory leak'

# timed NAME COMMAND...: run COMMAND and append how long it took, and the
# load then, to $TCPWATCH_TIMINGS (tests/vm/README.md quotes these).
timed() {
	local name=$1 start rc=0
	shift
	start=$(date +%s)
	"$@" || rc=$?
	echo "$name: $(($(date +%s) - start))s (load $(cut -d' ' -f1-3 /proc/loadavg))" \
		>>"$TCPWATCH_TIMINGS"
	return $rc
}

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

note() {
	echo "${0##*/}: $*" >&2
}

# debug_kernel_dir FLAVOUR: the build tree of the debug kernel of FLAVOUR
# (debug: KASAN, lockdep, kmemleak...; debug-kcsan), made by
# scripts/debug-kernel.sh: the KDIR of its tcpwatch.ko, and its bzImage.
debug_kernel_dir() {
	echo "$TCPWATCH_BUILD/debug-kernel/$1"
}

# is_debug_flavour FLAVOUR: FLAVOUR is a kernel built by debug-kernel.sh
# (everything built in, no /lib/modules), not one of Debian's.
is_debug_flavour() {
	[[ $1 == debug || $1 == debug-* ]]
}

# select_kernel FLAVOUR: print the newest installed kernel release of the
# series $TCPWATCH_KERNEL and that flavour ("generic" or "rt") whose image,
# modules and headers all exist; for a debug flavour, the release of its
# built tree (always 6.1: scripts/debug-kernel.sh).
select_kernel() {
	local flavour=$1 img kver found=

	case $flavour in
	generic|rt) ;;
	debug|debug-kcsan)
		kver=$(cat "$(debug_kernel_dir "$flavour")/include/config/kernel.release" 2>/dev/null) ||
			die "the $flavour kernel is not built (run scripts/debug-kernel.sh --flavour $flavour)"
		echo "$kver"
		return 0
		;;
	*) die "unknown kernel flavour '$flavour' (use generic, rt, debug or debug-kcsan)" ;;
	esac

	while read -r img; do
		kver=${img#/boot/vmlinuz-}
		# One series at a time: a newer one installed must not be picked silently.
		[[ $kver == "$TCPWATCH_KERNEL".* ]] || continue
		case $flavour in
		generic) [[ $kver == *-amd64 && $kver != *-rt-amd64 && $kver != *-cloud-amd64 ]] || continue ;;
		rt) [[ $kver == *-rt-amd64 ]] || continue ;;
		esac
		[ -d "/lib/modules/$kver/kernel" ] || continue
		[ -e "/lib/modules/$kver/build/Makefile" ] || continue
		found=$kver
	done < <(printf "%s\n" /boot/vmlinuz-* | sort -V)

	[ -n "$found" ] ||
		die "no $TCPWATCH_KERNEL $flavour kernel with image, modules and headers installed (run make deps KERNEL=$TCPWATCH_KERNEL FLAVOUR=$flavour)"
	echo "$found"
}
