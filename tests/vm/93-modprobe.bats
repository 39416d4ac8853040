#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# An installed module, as make install and DKMS put it (under
# /lib/modules/RELEASE/updates/, then depmod): modprobe finds it by name,
# passes its parameters, and removes it again; the CLI's hint for a missing
# module names modprobe. The module file is the VM's $TCPWATCH_KO, built by
# the same kbuild call DKMS makes (make KDIR=... module).

load lib

MODDIR=/lib/modules/$(uname -r)
INSTALLED=$MODDIR/updates/dkms/tcpwatch.ko

# The VM's module index as it was: later files modprobe their modules.
setup() {
	mkdir -p "$BATS_FILE_TMPDIR/index"
	cp -a "$MODDIR"/modules.* "$BATS_FILE_TMPDIR/index/"
}

teardown() {
	modprobe -r tcpwatch 2>/dev/null || true
	rm -f "$INSTALLED"
	rm -f "$MODDIR"/modules.*
	cp -a "$BATS_FILE_TMPDIR/index"/modules.* "$MODDIR/"
	common_teardown
}

@test "modprobe loads the installed module by name, with its parameters, and removes it" {
	require_tcpwatch
	run tcpwatch summary
	[ "$status" -eq 3 ] && [[ $output == *"load it with: modprobe tcpwatch"* ]] ||
		fail "without the module: exit $status, '$output' (expected 3 and the modprobe hint)"
	mkdir -p "${INSTALLED%/*}"
	cp "$TCPWATCH_KO" "$INSTALLED"
	depmod -a || fail "depmod failed"
	grep -q 'updates/dkms/tcpwatch.ko:' "/lib/modules/$(uname -r)/modules.dep" ||
		fail "depmod did not index it: $(grep tcpwatch "/lib/modules/$(uname -r)/modules.dep")"
	modprobe tcpwatch ring_size=128 || fail "modprobe tcpwatch failed"
	module_loaded || fail "tcpwatch is not in /proc/modules after modprobe"
	[ "$(cat /sys/module/tcpwatch/parameters/ring_size)" = 128 ] ||
		fail "modprobe did not pass ring_size=128: $(cat /sys/module/tcpwatch/parameters/ring_size)"
	run tcpwatch status --json
	[ "$status" -eq 0 ] || fail "tcpwatch status after modprobe: exit $status: $output"
	modprobe -r tcpwatch || fail "modprobe -r tcpwatch failed"
	! module_loaded || fail "tcpwatch still loaded after modprobe -r"
}
