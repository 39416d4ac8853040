#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot Debian's kernel in QEMU, load tcpwatch, start tcpwatchd,
# drive real connections over loopback (handshakes, a refused connect, a
# server that never closes, a churn across both vCPUs, IPv6), then show what
# tcpwatch saw: /proc/tcpwatch/summary, `tcpwatch summary`, `tcpwatch status`
# and the `tcpwatch events` stream for those connections, `tcpwatch top`,
# and the state diagram `tcpwatch graph` draws (build/demo-graph.{dot,svg}).
#
# usage: demo.sh [--kernel 6.1|6.12] [--flavour generic|rt]
# (the kernel series: 6.1 unless named, or $KERNEL)
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

flavour=generic
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) set_kernel "$2"; shift 2 ;;
	--flavour) flavour=$2; shift 2 ;;
	-h|--help) sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

mkdir -p "$TCPWATCH_BUILD"
out=$TCPWATCH_BUILD/demo.out
"$TCPWATCH_ROOT/scripts/vm-run.sh" --flavour "$flavour" --timeout 600 -- \
	bash -c "$(cat "$TCPWATCH_ROOT/scripts/demo-inside.sh")" | tee "$out"

# The state diagram it drew, as DOT, and as SVG where Graphviz is installed.
tr -d '\r' <"$out" | sed -n '/^TCPWATCH-DEMO-GRAPH-BEGIN$/,/^TCPWATCH-DEMO-GRAPH-END$/p' |
	sed '1d;$d' >"$TCPWATCH_BUILD/demo-graph.dot"
if [ -s "$TCPWATCH_BUILD/demo-graph.dot" ] && command -v dot >/dev/null; then
	dot -Tsvg "$TCPWATCH_BUILD/demo-graph.dot" >"$TCPWATCH_BUILD/demo-graph.svg" &&
		echo "demo: the state diagram: ${TCPWATCH_BUILD#"$TCPWATCH_ROOT"/}/demo-graph.svg"
fi
