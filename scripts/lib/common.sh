# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the tcpwatch test rig (sourced, not executed).
# shellcheck shell=bash

TCPWATCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TCPWATCH_BUILD=${TCPWATCH_BUILD:-$TCPWATCH_ROOT/build}
TCPWATCH_VM_LOCK=${TCPWATCH_VM_LOCK:-/tmp/tcpwatch-vm.lock}

# What, in a console log, says the kernel failed (vm-init.sh, inside the VM,
# has its own, longer list for the kernel log of a run that completed).
TCPWATCH_KERNEL_FAILURES='Oops|BUG:|WARNING:|general protection|detected stall|soft lockup|blocked for more than|Kernel panic|kernel BUG'

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

note() {
	echo "${0##*/}: $*" >&2
}

# select_kernel FLAVOUR: print the newest installed kernel release of that
# flavour ("generic" or "rt") whose image, modules and headers all exist.
select_kernel() {
	local flavour=$1 img kver found=

	case $flavour in
	generic|rt) ;;
	*) die "unknown kernel flavour '$flavour' (use generic or rt)" ;;
	esac

	while read -r img; do
		kver=${img#/boot/vmlinuz-}
		case $flavour in
		generic) [[ $kver == *-amd64 && $kver != *-rt-amd64 ]] || continue ;;
		rt) [[ $kver == *-rt-amd64 ]] || continue ;;
		esac
		[ -d "/lib/modules/$kver/kernel" ] || continue
		[ -e "/lib/modules/$kver/build/Makefile" ] || continue
		found=$kver
	done < <(printf "%s\n" /boot/vmlinuz-* | sort -V)

	[ -n "$found" ] ||
		die "no $flavour kernel with image, modules and headers installed (run scripts/install-deps.sh${flavour/generic/}${flavour/rt/ with WITH_RT=1})"
	echo "$found"
}
