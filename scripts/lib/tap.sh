# SPDX-License-Identifier: GPL-2.0
#
# TAP lines for the host-side check scripts (check-install.sh, check-docs.sh,
# userspace/monitoring/check.sh, userspace/completion/test.sh). Set
# TAP_PREFIX first: each line reads "ok N - PREFIX: TEXT".

tap_n=0 tap_failures=0

# tap STATUS TEXT: "ok" when STATUS is 0, else "not ok"; returns STATUS, so
# that `tap $? "..." || cat log` shows the log of a failure.
tap() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - ${TAP_PREFIX:-check}: $2"
	else
		echo "not ok $tap_n - ${TAP_PREFIX:-check}: $2"
		tap_failures=$((tap_failures + 1))
	fi
	return "$1"
}

# tap_skip TEXT WHY: a check that cannot run here.
tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - ${TAP_PREFIX:-check}: $1 # SKIP $2"
}

# tap_done: the exit status, 1 if any check failed.
tap_done() {
	[ "$tap_failures" -eq 0 ]
}
