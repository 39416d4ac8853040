#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The documentation against the code, both ways; TAP lines:
#   - the man pages are mandoc -Tlint clean (warnings and worse);
#   - every subcommand of `tcpwatch --help` has its section in cli.md and
#     in tcpwatch(8), and nothing there names one the program lacks;
#   - every long option of each subcommand's --help, and of tcpwatchd's, is
#     in cli.md and in the man page, and every option the man pages name
#     is one the programs take;
#   - every metric family tcpwatchd writes (METRICS_SAMPLE, from the unit
#     tests) is in cli.md and tcpwatchd(8), and every tcpwatch_ metric
#     they name is one it writes;
#   - every key of every JSON output (samples the unit tests write) is in
#     cli.md;
#   - every file of the tree the docs name exists.
# usage: check-docs.sh BINDIR METRICS_SAMPLE
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$1 sample=$2
doc=$root/Documentation
TAP_PREFIX=docs
# shellcheck source=scripts/lib/tap.sh
. "$root/scripts/lib/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# lacking WHAT LIST: WHAT and the lines of LIST, if LIST is not empty.
lacking() {
	[ -z "$2" ] || echo " ($1: $(echo "$2" | tr '\n' ' '))"
}

if command -v mandoc >/dev/null; then
	out=$(mandoc -Tlint -Wwarning "$doc/tcpwatch.8" "$doc/tcpwatchd.8" 2>&1)
	tap $? "mandoc -Tlint: tcpwatch.8 and tcpwatchd.8 clean$(lacking says "$out")"
else
	tap_skip "mandoc -Tlint" "mandoc not installed"
fi

# Man page text with its escapes undone, for looking names up.
man_text() {
	sed 's/\\-/-/g; s/\\f[BIRP]//g' "$1"
}
man_text "$doc/tcpwatch.8" >"$tmp/tcpwatch.8"
man_text "$doc/tcpwatchd.8" >"$tmp/tcpwatchd.8"

"$bin/tcpwatch" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' |
	sort >"$tmp/cmds"
missing=$(while read -r c; do
	grep -q "^## tcpwatch $c\$" "$doc/cli.md" && grep -qE "^\\.B $c\$" "$tmp/tcpwatch.8" || echo "$c"
done <"$tmp/cmds")
[ -s "$tmp/cmds" ] && [ -z "$missing" ]
tap $? "every subcommand has its section in cli.md and tcpwatch(8)$(lacking undocumented "$missing")"
sed -n 's/^## tcpwatch \([a-z]*\)$/\1/p' "$doc/cli.md" | sort >"$tmp/doc-cmds"
extra=$(comm -13 "$tmp/cmds" "$tmp/doc-cmds")
[ -z "$extra" ]
tap $? "cli.md documents no subcommand the program lacks$(lacking "not in tcpwatch --help" "$extra")"

options() {
	"$@" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u
}
{
	options "$bin/tcpwatch"
	while read -r c; do options "$bin/tcpwatch" "$c"; done <"$tmp/cmds"
} | sort -u >"$tmp/opts"
options "$bin/tcpwatchd" >"$tmp/dopts"
missing=$(while read -r o; do
	grep -qF -- "$o" "$tmp/tcpwatch.8" && grep -qF -- "\`$o" "$doc/cli.md" || echo "$o"
done <"$tmp/opts")
tap "$([ -z "$missing" ] && echo 0 || echo 1)" "every tcpwatch option is in tcpwatch(8) and cli.md$(lacking undocumented "$missing")"
missing=$(while read -r o; do
	grep -qF -- "$o" "$tmp/tcpwatchd.8" && grep -qF -- "$o" "$doc/cli.md" || echo "$o"
done <"$tmp/dopts")
tap "$([ -z "$missing" ] && echo 0 || echo 1)" "every tcpwatchd option is in tcpwatchd(8) and cli.md$(lacking undocumented "$missing")"
extra=$( { grep -ohE -- '--[a-z][a-z-]*' "$tmp/tcpwatch.8" | sort -u | comm -23 - "$tmp/opts";
	   grep -ohE -- '--[a-z][a-z-]*' "$tmp/tcpwatchd.8" | sort -u | comm -23 - "$tmp/dopts"; } |
	 grep -vxE -- '--(output|prom|interval|leak-age|log|json|follow|state|port)' || true)
[ -z "$extra" ]
tap $? "the man pages name no option the programs lack$(lacking "not taken" "$extra")"

sed -n 's/^# TYPE \(tcpwatch_[a-z_]*\) .*/\1/p' "$sample" | sort -u >"$tmp/metrics"
missing=$(while read -r m; do
	grep -qF "$m" "$doc/cli.md" && grep -qF "$m" "$tmp/tcpwatchd.8" || echo "$m"
done <"$tmp/metrics")
[ -s "$tmp/metrics" ] && [ -z "$missing" ]
tap $? "every metric tcpwatchd writes is in cli.md and tcpwatchd(8)$(lacking undocumented "$missing")"
# (a name that is the start of written ones, "tcpwatch_probe_*", is a family)
extra=$(grep -ohE '\btcpwatch_[a-z_]+' "$doc/cli.md" "$tmp/tcpwatchd.8" |
	sed -E 's/_(bucket|sum|count)$//' | sort -u | comm -23 - "$tmp/metrics" |
	while read -r m; do grep -q "^$m" "$tmp/metrics" || echo "$m"; done |
	grep -vxE 'tcpwatch_(ends_total|listen_overflows_total|syncookies_total|listener_overflows_total|listener_syncookies_total|listener_synack_retrans_total|daemon_enobufs_total|daemon_malformed_total|daemon_output_lost_total|floor)' || true)
[ -z "$extra" ]
tap $? "the docs name no tcpwatch metric tcpwatchd does not write$(lacking "not written" "$extra")"

# Every key of the JSON outputs (the unit tests' samples, BINDIR/json-*.json)
# in cli.md, quoted or in backquotes.
missing=$(for f in "$bin"/json-*.json; do
	[ -e "$f" ] || continue
	jq -r '.. | objects | keys[]' "$f"
done | sort -u | while read -r k; do
	grep -qE "[\"\`]$k[\"\`]" "$doc/cli.md" || echo "$k"
done)
ls "$bin"/json-*.json >/dev/null 2>&1 && [ -z "$missing" ]
tap $? "every key of the JSON outputs is in cli.md$(lacking undocumented "$missing")"

# Files the docs point at (globs like ring.[ch] and build outputs aside).
missing=$(cd "$root" && grep -ohE '\b(kmod|userspace|scripts|tests|Documentation)/[A-Za-z0-9_./-]+' \
		Documentation/*.md README.md tests/vm/README.md |
	sed -E 's/[.,:)]+$//' | sort -u | grep -vE '\.(ko|o)$' |
	while read -r f; do [ -e "$f" ] || [ -e "$f.bats" ] || [ -e "$f.c" ] || [ -e "$f.h" ] ||
		[[ $f == kmod/*.\[ch\]* ]] || echo "$f"; done)
[ -z "$missing" ]
tap $? "every file the docs name is in the tree$(lacking missing "$missing")"

tap_done
