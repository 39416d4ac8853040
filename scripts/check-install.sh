#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install and make uninstall into a staging tree (DESTDIR), checked on
# the host; TAP lines. Nothing is loaded: the module is found through the
# index depmod made (modinfo -b), as modprobe would find it. Then the
# systemd pieces as systemd takes them: the unit passes systemd-analyze
# verify, its exposure is at most SECURITY_MAX (systemd-analyze security,
# 0-10, lower is safer), systemd-tmpfiles makes node_exporter's link.
# DKMS the same way, its trees staged (dkms --sourcetree, --dkmstree,
# --installtree). Finally uninstall leaves no file behind.
#
# usage: check-install.sh [KERNEL_SERIES]   (default 6.1)
set -uo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

series=${1:-6.1}
SECURITY_MAX=1.5
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
TAP_PREFIX=install
# shellcheck source=scripts/lib/tap.sh
. "$TCPWATCH_ROOT/scripts/lib/tap.sh"


make -s -C "$TCPWATCH_ROOT" install DESTDIR="$stage" KERNEL="$series" >"$stage.log" 2>&1
tap $? "make install DESTDIR=... KERNEL=$series" || tail -n 20 "$stage.log" >&2
release=$(ls "$stage/lib/modules" 2>/dev/null | head -n 1)

found=$(modinfo -b "$stage" -k "$release" -F filename tcpwatch 2>&1)
[ "$found" = "$stage/lib/modules/$release/updates/tcpwatch.ko" ]
tap $? "depmod indexed the module: modinfo -b finds tcpwatch for $release ($found)"
[ "$(modinfo -F vermagic "$stage/lib/modules/$release/updates/tcpwatch.ko" | cut -d' ' -f1)" = "$release" ]
tap $? "the module is built for $release"

sbin=$stage/usr/local/sbin
"$sbin/tcpwatch" --version | grep -q '^tcpwatch ' && "$sbin/tcpwatchd" --version | grep -q '^tcpwatchd '
tap $? "the installed programs run (--version)"
[ -s "$stage/usr/local/share/man/man8/tcpwatch.8" ] && [ -s "$stage/usr/local/share/man/man8/tcpwatchd.8" ]
tap $? "the man pages tcpwatch(8) and tcpwatchd(8) are installed"
grep -qx tcpwatch "$stage/usr/local/lib/modules-load.d/tcpwatch.conf"
tap $? "modules-load.d loads tcpwatch at boot"

unit=$stage/usr/local/lib/systemd/system/tcpwatchd.service
grep -qx 'ExecStart=/usr/local/sbin/tcpwatchd --prom /run/tcpwatch/tcpwatch.prom' "$unit"
tap $? "the unit runs the installed tcpwatchd (PREFIX put in)"
if command -v systemd-analyze >/dev/null; then
	# Verified as installed but for ExecStart, which must exist to verify.
	mkdir -p "$stage/verify"
	sed "s|^ExecStart=/usr/local/sbin/|ExecStart=$sbin/|" "$unit" >"$stage/verify/tcpwatchd.service"
	systemd-analyze verify --man=no "$stage/verify/tcpwatchd.service" >"$stage.log" 2>&1
	tap $? "systemd-analyze verify tcpwatchd.service" || cat "$stage.log" >&2
	score=$(systemd-analyze security --offline=true "$stage/verify/tcpwatchd.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for tcpwatchd.service: \([0-9.]*\).*/\1/p')
	awk -v s="${score:-99}" -v m="$SECURITY_MAX" 'BEGIN { exit !(s <= m) }'
	tap $? "systemd-analyze security: exposure ${score:-unknown}, at most $SECURITY_MAX"
	systemd-tmpfiles --root="$stage" --create "$stage/usr/local/lib/tmpfiles.d/tcpwatch.conf" &&
		[ "$(readlink "$stage/var/lib/prometheus/node-exporter/tcpwatch.prom")" = /run/tcpwatch/tcpwatch.prom ]
	tap $? "systemd-tmpfiles links node_exporter's textfile directory to /run/tcpwatch/tcpwatch.prom"
	rm -rf "$stage/verify" "$stage/var"
else
	tap_skip "systemd checks" "no systemd-analyze"
fi

# DKMS, staged: its trees in the stage, the kernel's own headers to build.
if command -v dkms >/dev/null; then
	d=$stage/dkms
	mkdir -p "$d/usr/src" "$d/var/lib/dkms" "$d/lib/modules/$release"
	ln -s "/lib/modules/$release/build" "$d/lib/modules/$release/build"
	args="--sourcetree $d/usr/src --dkmstree $d/var/lib/dkms --installtree $d/lib/modules --no-depmod"
	make -s -C "$TCPWATCH_ROOT" dkms-install DESTDIR="$d" KERNEL="$series" DKMS_ARGS="$args" >"$stage.log" 2>&1
	tap $? "make dkms-install: dkms add, build and install for $release" || tail -n 20 "$stage.log" >&2
	ko=$(find "$d/lib/modules/$release/updates/dkms" -name 'tcpwatch.ko*' 2>/dev/null | head -n 1)
	"$TCPWATCH_ROOT/scripts/depmod.sh" "$release" "$d" &&
		[ "$(modinfo -b "$d" -k "$release" -F filename tcpwatch 2>/dev/null)" = "$ko" ] &&
		[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$release" ]
	tap $? "DKMS built the module for $release, where modprobe finds it (${ko#"$d"})"
	make -s -C "$TCPWATCH_ROOT" dkms-uninstall DESTDIR="$d" KERNEL="$series" DKMS_ARGS="$args" >"$stage.log" 2>&1
	tap $? "make dkms-uninstall" || tail -n 20 "$stage.log" >&2
	"$TCPWATCH_ROOT/scripts/depmod.sh" "$release" "$d"
	rm "$d/lib/modules/$release/build"
	left=$(find "$d" ! -type d)
	[ -z "$left" ]
	tap $? "dkms-uninstall leaves no file behind${left:+: $left}"
	rm -rf "$d"
else
	tap_skip DKMS "dkms is not installed"
fi

make -s -C "$TCPWATCH_ROOT" uninstall DESTDIR="$stage" KERNEL="$series" >"$stage.log" 2>&1
tap $? "make uninstall DESTDIR=..." || tail -n 20 "$stage.log" >&2
left=$(find "$stage" ! -type d)
[ -z "$left" ]
tap $? "uninstall leaves no file behind${left:+: $left}"
rm -f "$stage.log"
tap_done
