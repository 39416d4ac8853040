#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# What a dump guarantees while sockets change state under it: each socket
# in a GET_SOCKETS dump is one moment of one socket's life (its kind and
# state go together, its age is no more than the time since boot), and no
# age or dwell time is a negative difference wrapped into a huge u64 when
# another CPU stored a start after the reader read the clock. And the loss
# that status reports is the rings' plus the probes' misses, exactly.

load lib
load lib-lifecycle

PORT=8501
CONNECTIONS=3000

setup() {
	lc_load
}

uptime_ns() {
	awk '{ printf "%.0f\n", $1 * 1e9 }' /proc/uptime
}

# check_dump FILE UPTIME_NS: every socket of a leaks --json dump is sane.
check_dump() {
	jq -r --argjson up "$2" '.[] |
		select(.age_ns > $up
		       or (.sk == "request" and .state != "NEW_SYN_RECV")
		       or (.sk == "timewait" and .state != "TIME_WAIT" and .state != "FIN_WAIT2")
		       or (.sk == "full" and (.state == "NEW_SYN_RECV" or .state == "TIME_WAIT"
					       or .state == "CLOSE")))
		| "\(.sk) \(.state) age_ns=\(.age_ns) cookie=\(.cookie)"' "$1"
}

@test "socket dumps during churn on both CPUs: every socket one moment, no wrapped age" {
	local dir up bad n=0 i
	dir=$(tw_tmp)
	bg_start churn sockdrv churn 127.0.0.1 "$PORT" "$CONNECTIONS" --workers 2
	for ((i = 0; i < 200; i++)); do
		kill -0 "$(bg_pid churn)" 2>/dev/null || break
		tcpwatch leaks --older-than 0 --state ESTABLISHED,SYN_SENT,SYN_RECV,FIN_WAIT1,FIN_WAIT2,TIME_WAIT,CLOSE_WAIT,LAST_ACK,LISTEN,CLOSING,NEW_SYN_RECV \
			--json >"$dir/dump.json" || fail "tcpwatch leaks --json failed during churn"
		up=$(uptime_ns)
		bad=$(check_dump "$dir/dump.json" "$up")
		[ -z "$bad" ] || fail "dump $i has impossible sockets (uptime ${up} ns):"$'\n'"$bad"
		n=$((n + $(jq length "$dir/dump.json")))
	done
	bg_stop churn || fail "sockdrv churn failed: $(cat "$(bg_out churn)")"
	log "$i dumps, $n sockets checked"
	[ "$n" -gt 0 ] || fail "the dumps during churn held no socket"
	lc_invariants
}

@test "dwell histograms during churn: no time longer than the time since boot" {
	local dir up top
	dir=$(tw_tmp)
	run sockdrv churn 127.0.0.1 "$((PORT + 1))" "$CONNECTIONS" --workers 2
	[ "$status" -eq 0 ] || fail "sockdrv churn failed: $output"
	tw_summary "$dir/summary.json"
	up=$(uptime_ns)
	# bucket i holds [2^i, 2^(i+1)) ns: the highest non-empty one starts below uptime
	top=$(jq -r '[.dwell[] | .buckets | to_entries[] | select(.value > 0) | .key] | max // 0' "$dir/summary.json")
	[ "$top" -lt 62 ] && (((1 << top) < up)) ||
		fail "a dwell time in bucket $top (>= 2^$top ns) is longer than the uptime ($up ns)"
}

@test "status: events lost are the rings' losses plus every probe's misses" {
	local dir cpus probes lost
	dir=$(tw_tmp)
	tcpwatch status --json >"$dir/status.json" || fail "tcpwatch status --json failed"
	cpus=$(jq '[.cpus[].lost] | add // 0' "$dir/status.json")
	probes=$(jq '[.probes[].missed] | add // 0' "$dir/status.json")
	lost=$(jq .events.lost "$dir/status.json")
	[ "$lost" = $((cpus + probes)) ] ||
		fail "status says $lost events lost; its CPUs lost $cpus and its probes missed $probes"
	run jq -r '.cpus | length' "$dir/status.json"
	[ "$output" = "$(($(cut -d- -f2 /sys/devices/system/cpu/possible) + 1))" ] ||
		fail "status lists $output CPUs, /sys says $(cat /sys/devices/system/cpu/possible)"
}
