#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# tcpwatchd's metrics as monitoring takes them: Debian's node_exporter, its
# textfile collector pointed at tcpwatchd's directory, serves them on its
# HTTP port, and a scrape finds the file parsed cleanly
# (node_textfile_scrape_error 0) with the values the kernel has: a
# listener's accept-queue overflows equal to TcpExt ListenOverflows, every
# probe's attached state as status says, the module's and the kernel's
# versions, the parameters' limits. Every tcpwatch metric the alert rules
# and the Grafana dashboard (userspace/monitoring/) use is in the scrape.
# Then the netns label: absent by default, the namespace's inode with
# --netns-label.

load lib
load lib-lifecycle

NE_ADDR=127.0.0.1:9290
MONITORING=/opt/tcpwatch/monitoring

setup() {
	command -v prometheus-node-exporter >/dev/null ||
		skip "no node_exporter in the VM (apt-get install prometheus-node-exporter on the host)"
	lc_load
}

teardown() {
	common_teardown
	ip netns del tw-ne 2>/dev/null || true
}

scrape() {
	wget -q -O - "http://$NE_ADDR/metrics"
}

# scraped METRIC: its value in a scrape (METRIC with its labels, as written).
scraped() {
	scrape | awk -v m="$1" '$1 == m { print $2 }'
}

# same_number A B: equal as numbers (node_exporter writes 1048576 as
# 1.048576e+06).
same_number() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 == b + 0) }'
}

scraped_is() {
	same_number "$(scraped "$1")" "$2"
}

# in_file FILE METRIC: its value in tcpwatchd's metrics FILE.
in_file() {
	awk -v m="$2" '$1 == m { print $2 }' "$1"
}

in_file_is() {
	[ "$(in_file "$1" "$2")" = "$3" ]
}

@test "node_exporter's textfile collector serves tcpwatchd's metrics with the kernel's values; the rules' and dashboard's metrics are all there" {
	local dir port=9201 ovf out status version attached name line
	dir=$(tw_tmp)
	bg_start ne prometheus-node-exporter --web.listen-address="$NE_ADDR" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$dir"
	wait_for "node_exporter to answer on $NE_ADDR" 30 scrape
	bg_start daemon tcpwatchd --prom "$dir/tcpwatch.prom" --interval 0.5 --log "$dir/log"

	bg_start srv sockdrv serve 127.0.0.1 "$port" --no-accept --backlog 1
	wait_for_line "$(bg_out srv)" '^listening'
	overflow_clients "$port" || fail "the clients did not start"
	stop_clients "$port"
	ovf=$(listener_overflows "$port") || fail "the listener's overflows"
	wait_for "node_exporter to serve $ovf overflows for :$port" 15 \
		scraped_is "tcpwatch_listener_accept_queue_overflows_total{port=\"$port\"}" "$ovf" ||
		fail "node_exporter serves '$(scraped "tcpwatch_listener_accept_queue_overflows_total{port=\"$port\"}")' overflows for :$port, the kernel counted $ovf"

	out=$dir/scrape.txt
	scrape >"$out"
	grep -qx 'node_textfile_scrape_error 0' "$out" ||
		fail "node_exporter could not parse tcpwatchd's file: $(grep node_textfile "$out")"
	grep -qx 'tcpwatch_up 1' "$out" || fail "tcpwatch_up is not 1: $(grep tcpwatch_up "$out")"
	same_number "$(in_file "$out" "tcpwatch_listener_backlog{port=\"$port\"}")" 1 ||
		fail "backlog of :$port: $(grep "port=\"$port\"" "$out")"

	status=$dir/status.json
	tcpwatch status --json >"$status"
	version=$(tcpwatchd --version | awk '{ print $2 }')
	# node_exporter sorts the labels: look for each
	line=$(grep '^tcpwatch_build_info{' "$out")
	[[ $line == *[{,]"version=\"$(jq -r .version "$status")\""* && $line == *"daemon_version=\"$version\""* &&
	   $line == *"kernel=\"$(uname -r)\""* && $line == *"} 1" ]] ||
		fail "build_info: '$line'; status version $(jq -r .version "$status"), tcpwatchd $version, kernel $(uname -r)"
	while read -r name attached; do
		same_number "$(in_file "$out" "tcpwatch_probe_attached{probe=\"$name\"}")" "$attached" ||
			fail "probe $name: status says attached=$attached, the metrics $(grep "probe=\"$name\"" "$out")"
	done < <(jq -r '.probes[] | "\(.name) \(if .attached then 1 else 0 end)"' "$status")
	[ "$(grep -c '^tcpwatch_probe_attached{' "$out")" = "$(jq '.probes | length' "$status")" ] ||
		fail "$(grep -c '^tcpwatch_probe_attached{' "$out") probe series for $(jq '.probes | length' "$status") probes"
	same_number "$(in_file "$out" tcpwatch_tracked_sockets_limit)" "$(cat /sys/module/tcpwatch/parameters/max_tracked)" &&
		same_number "$(in_file "$out" tcpwatch_ring_size_records)" "$(cat /sys/module/tcpwatch/parameters/ring_size)" ||
		fail "limits: $(grep -E 'tracked_sockets_limit|ring_size_records' "$out")"

	# Every metric of the rules and the dashboard, in the scrape.
	grep -ohE '\btcpwatch_[a-z_]+' "$MONITORING/tcpwatch-alerts.yml" "$MONITORING/tcpwatch-dashboard.json" |
		sed -E 's/_(bucket|sum|count)$//' | sort -u >"$dir/used"
	[ -s "$dir/used" ] || fail "no metric found in $MONITORING"
	sed -n 's/^# TYPE \(tcpwatch_[a-z_]*\) .*/\1/p' "$out" | sort -u >"$dir/served"
	[ -z "$(comm -23 "$dir/used" "$dir/served")" ] ||
		fail "used by the rules or the dashboard but not served: $(comm -23 "$dir/used" "$dir/served" | tr '\n' ' ')"
	grep -q '^node_textfile_mtime_seconds{file=".*tcpwatch.prom"}' "$out" ||
		fail "no node_textfile_mtime_seconds for the file (TcpwatchMetricsStale uses it)"

	bg_stop daemon || fail "tcpwatchd did not exit cleanly: $(tail -n 5 "$(bg_out daemon)")"
	bg_stop ne || true
	bg_stop srv || true
	wait_port_quiet "$port"
	lc_invariants
}

@test "listener metrics carry no netns label by default, the namespace's inode with --netns-label" {
	local dir port=9202 inode
	dir=$(tw_tmp)
	ip netns add tw-ne
	ip -n tw-ne link set lo up
	inode=$(ip netns exec tw-ne stat -L -c %i /proc/self/ns/net)
	bg_start srv ip netns exec tw-ne sockdrv serve 127.0.0.1 "$port" --backlog 7
	wait_for_line "$(bg_out srv)" '^listening'

	bg_start daemon tcpwatchd --prom "$dir/plain.prom" --interval 0.5
	wait_for "tcpwatchd's metrics of :$port" 15 \
		in_file_is "$dir/plain.prom" "tcpwatch_listener_backlog{port=\"$port\"}" 7 ||
		fail "without --netns-label: $(grep "port=\"$port\"" "$dir/plain.prom")"
	! grep -q 'netns=' "$dir/plain.prom" || fail "a netns label without --netns-label: $(grep -m 3 'netns=' "$dir/plain.prom")"
	bg_stop daemon || fail "tcpwatchd did not exit cleanly"

	bg_start daemon tcpwatchd --prom "$dir/netns.prom" --interval 0.5 --netns-label
	wait_for "tcpwatchd's metrics of :$port in namespace $inode" 15 \
		in_file_is "$dir/netns.prom" "tcpwatch_listener_backlog{netns=\"$inode\",port=\"$port\"}" 7 ||
		fail "with --netns-label: $(grep "port=\"$port\"" "$dir/netns.prom")"
	bg_stop daemon || fail "tcpwatchd did not exit cleanly"
	bg_stop srv || true
}
