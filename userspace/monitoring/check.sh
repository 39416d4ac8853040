#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The monitoring files, checked as Prometheus and Grafana would take them;
# TAP lines. usage: check.sh METRICS_SAMPLE
#   - the alert rules parse (promtool check rules) and pass their unit
#     tests (promtool test rules tcpwatch-alerts.test.yml);
#   - the dashboard is valid JSON and each of its queries parses as PromQL
#     (promtool checks them as recording rules, Grafana's variables filled);
#   - every tcpwatch metric the rules and the dashboard use is one tcpwatchd
#     writes (METRICS_SAMPLE: every family, from the unit tests).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sample=$1
TAP_PREFIX=monitoring
# shellcheck source=scripts/lib/tap.sh
. "$here/../../scripts/lib/tap.sh"


if ! command -v promtool >/dev/null; then
	tap_skip "promtool checks" "promtool not installed (apt-get install prometheus)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

promtool check rules "$here/tcpwatch-alerts.yml" >"$tmp/out" 2>&1
tap $? "promtool check rules tcpwatch-alerts.yml" || cat "$tmp/out" >&2
(cd "$here" && promtool test rules tcpwatch-alerts.test.yml) >"$tmp/out" 2>&1
tap $? "promtool test rules: every alert fires on its trouble, not without" || cat "$tmp/out" >&2

jq -e '.panels | length > 0' "$here/tcpwatch-dashboard.json" >/dev/null 2>&1
tap $? "the dashboard is valid JSON with panels"
{
	echo 'groups:'
	echo '  - name: dashboard'
	echo '    rules:'
	jq -r '[.panels[].targets[]?.expr] | to_entries[] |
		"      - record: dashboard:query_\(.key)\n        expr: \(.value | @json)"' \
		"$here/tcpwatch-dashboard.json" |
		sed 's/\$__rate_interval/5m/g; s/\$instance/.*/g'
} >"$tmp/dash-rules.yml"
promtool check rules "$tmp/dash-rules.yml" >"$tmp/out" 2>&1
tap $? "every dashboard query parses as PromQL" || cat "$tmp/out" "$tmp/dash-rules.yml" >&2

# Names a histogram's series carry, as its family.
grep -ohE '\btcpwatch_[a-z_]+' "$here/tcpwatch-alerts.yml" "$here/tcpwatch-dashboard.json" |
	sed -E 's/_(bucket|sum|count)$//' | sort -u >"$tmp/used"
sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$sample" | sort -u >"$tmp/written"
missing=$(comm -23 "$tmp/used" "$tmp/written")
[ -z "$missing" ]
tap $? "every metric the rules and dashboard use, tcpwatchd writes${missing:+ (not: $missing)}"

tap_done
