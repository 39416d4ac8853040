#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Many possible CPUs. GET_STATUS used to carry the per-CPU table, and one
# netlink message held it for about 180 CPUs only: beyond, `tcpwatch status`
# failed with EMSGSIZE. The table is now the GET_CPUS dump, one message per
# CPU. Run in a VM with hot-pluggable CPUs, 2 online of 240 possible:
#
#     scripts/vm-test.sh --smp 2,maxcpus=240 82-many-cpus
#
# (scripts/run-checks.sh does so). In an ordinary run the tests are skipped.

load lib

PORT=8201
MIN_CPUS=200

# cpu_list FILE: the CPUs of a sysfs CPU list ("0-1,4,6-239"), one a line.
cpu_list() {
	tr ',' '\n' <"$1" | awk -F- 'NF == 2 { for (i = $1; i <= $2; i++) print i; next } NF == 1 { print $1 }'
}

setup() {
	local n
	require_tcpwatch
	n=$(cpu_list /sys/devices/system/cpu/possible | wc -l)
	[ "$n" -ge "$MIN_CPUS" ] ||
		skip "$n possible CPUs, fewer than $MIN_CPUS (boot with scripts/vm-test.sh --smp 2,maxcpus=240)"
	POSSIBLE=$n
	load_module
}

@test "status --json lists every possible CPU (GET_CPUS dump), no EMSGSIZE" {
	local dir
	dir=$(tw_tmp)
	echo "#   possible CPUs $(cat /sys/devices/system/cpu/possible) ($POSSIBLE), online $(cat /sys/devices/system/cpu/online)" >&3
	# Something on the rings of the online CPUs.
	run sockdrv handshake 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ] || fail "sockdrv handshake: $output"

	tcpwatch status --json >"$dir/status.json" 2>"$dir/status.err" ||
		fail "tcpwatch status --json failed with $POSSIBLE possible CPUs: $(cat "$dir/status.err")"
	run jq -r '.cpus | length' "$dir/status.json"
	[ "$output" = "$POSSIBLE" ] ||
		fail "tcpwatch status lists $output CPUs, /sys/devices/system/cpu/possible has $POSSIBLE"
	# Exactly the possible CPUs, each once, in order.
	run jq -r '.cpus[].cpu' "$dir/status.json"
	[ "$output" = "$(cpu_list /sys/devices/system/cpu/possible)" ] ||
		fail "tcpwatch status lists CPUs $(echo "$output" | tr '\n' ' ' | head -c 300), not the possible ones"
	# A CPU that never ran wrote nothing; the online ones wrote the total.
	run jq -r --argjson on "[$(cpu_list /sys/devices/system/cpu/online | paste -sd,)]" \
		'[.cpus[] | select((.cpu as $c | $on | index($c)) == null) | select(.written != 0 or .lost != 0)] | length' \
		"$dir/status.json"
	[ "$output" = 0 ] || fail "$output offline CPUs have events written or lost: $(jq -c '[.cpus[] | select(.written != 0)]' "$dir/status.json")"
	run jq -r '([.cpus[].written] | add) > 0' "$dir/status.json"
	[ "$output" = true ] || fail "no CPU has any event written after a handshake"

	# The human table has a row per CPU; the other readers that walk every
	# CPU answer too.
	run tcpwatch status
	[ "$status" -eq 0 ] || fail "tcpwatch status failed: $(echo "$output" | tail -n 3)"
	[ "$(echo "$output" | grep -cE '^[0-9]+ +[0-9]+ +[0-9]+$')" = "$POSSIBLE" ] ||
		fail "tcpwatch status shows $(echo "$output" | grep -cE '^[0-9]+ +[0-9]+ +[0-9]+$') CPU rows, expected $POSSIBLE"
	echo "$output" | tail -n 4 | sed 's/^/#   /' >&3
	tcpwatch events --json --port "$PORT" >"$dir/ev.json" || fail "tcpwatch events --json failed"
	[ "$(jq -s 'map(select(.type == "state")) | length' "$dir/ev.json")" -gt 0 ] ||
		fail "tcpwatch events shows no event on port $PORT"
	tcpwatch summary --json >/dev/null || fail "tcpwatch summary --json failed"
}
