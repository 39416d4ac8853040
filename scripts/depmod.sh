#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# depmod.sh RELEASE [DESTDIR]: rebuild RELEASE's module index after
# tcpwatch.ko was installed or removed, so that `modprobe tcpwatch` finds it
# (or no longer does). Kbuild's own modules_install runs depmod only when
# the tree has a System.map, which Debian's headers do not ship.
#
# Into a DESTDIR (a staging tree) it indexes what is there: depmod's
# warnings that the kernel's own lists (modules.order, modules.builtin) are
# missing from it say nothing. Once no module is left there (uninstall),
# the index it made goes too, so the tree is as it was.
set -eu
release=$1
base=${2:-}
if [ -z "$base" ]; then
	exec depmod -a "$release"
fi
dir=$base/lib/modules/$release
if [ -n "$(find "$dir" -name '*.ko*' 2>/dev/null | head -n 1)" ]; then
	depmod -b "$base" -a "$release" 2>&1 |
		{ grep -v 'WARNING: could not open modules\.\(order\|builtin\)' >&2 || true; }
else
	rm -f "$dir"/modules.*
	rmdir -p "$dir" 2>/dev/null || true
fi
