#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sparse over every file of the module, in its debug flavour (which adds
# bench.c and the pr_debug() lines to what the plain build compiles), with
# the kernel's own CHECKFLAGS: address spaces (__rcu, __percpu, __user),
# endianness (__be16...) and lock context (__acquires...). Fails on any
# warning or error located in a file of the module (the compiler's too:
# they look alike, and the module builds without any).
#
# The module is copied to a scratch directory and built there with C=2
# (check every file): the tree's own objects are left as they are, and a
# build someone else runs in kmod/ at the same time is not disturbed.
#
# usage: check-sparse.sh KMOD_DIR KDIR
set -euo pipefail
kmod=$(cd "${1:-kmod}" && pwd)
kdir=${2:?usage: check-sparse.sh KMOD_DIR KDIR}

command -v "${SPARSE:-sparse}" >/dev/null ||
	{ echo "check-sparse: sparse not found (apt-get install sparse)" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/tcpwatch-sparse.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
(cd "$kmod" && cp -r Kbuild ./*.c ./*.h include "$scratch"/)
rm -f "$scratch"/*.mod.c

log=$scratch/sparse.log
if ! make -C "$kdir" M="$scratch" C=2 CHECK="${SPARSE:-sparse}" CONFIG_TCPWATCH_DEBUG=y \
	TCPWATCH_VERSION=sparse modules >"$log" 2>&1; then
	sed "s|$scratch/|kmod/|g" "$log" >&2
	echo "check-sparse: the build failed" >&2
	exit 1
fi

# sparse names the file a warning is in: ours are in the scratch copy.
# Warnings located in the kernel's headers are the kernel's (Debian's 6.1
# headers give none with its CHECKFLAGS), unless a macro of ours expanded
# there, in which case sparse names our line. A warning's "expected/got"
# lines follow it with the same location prefix.
ours=$(grep -E "^$scratch/[^:]+:[0-9]+:[0-9]+: " "$log" | sed "s|$scratch/|kmod/|" || true)
if grep -qE '^kmod/[^:]+:[0-9]+:[0-9]+: (warning|error):' <<<"$ours"; then
	echo "$ours" >&2
	echo "check-sparse: $(grep -cE ': (warning|error):' <<<"$ours") warning(s) in kmod/" >&2
	exit 1
fi
theirs=$(grep -cE ': (warning|error):' "$log" || true)
[ "$theirs" -eq 0 ] || echo "check-sparse: $theirs warning(s) in kernel headers, not counted" >&2
echo "check-sparse: no sparse warning in kmod/"
