# SPDX-License-Identifier: GPL-2.0
# The demo as it runs inside the VM (scripts/demo.sh passes it to vm-run.sh).
set -euo pipefail

say() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
run() { printf '\n$ %s\n' "$*"; "$@"; }

# wait_until WHAT CMD...: poll CMD every 0.1 s, for 10 s at most.
wait_until() {
	local what=$1 i
	shift
	for i in $(seq 100); do
		"$@" >/dev/null && return 0
		sleep 0.1
	done
	echo "demo: timed out waiting for $what" >&2
	return 1
}
count_ss() { ss -Htn "$@" | wc -l; }
at_least() { [ "$(count_ss "${@:2}")" -ge "$1" ]; }

say "Kernel $(uname -r)"
echo "tcpwatch supports Debian 12's 6.1 and 6.12 kernels, generic and PREEMPT_RT;"
echo "pick one with: make demo KERNEL=6.1|6.12 FLAVOUR=generic|rt"

say "Load tcpwatch and start tcpwatchd"
run insmod "$TCPWATCH_KO" ring_size=16384
tcpwatchd --output /tmp/tcpwatchd.jsonl --prom /tmp/tcpwatch.prom --interval 1 \
	2>/tmp/tcpwatchd.err &
daemon=$!

say "Drive connections"
echo "- a three-way handshake and a four-way close (client closes first), port 8080"
sockdrv handshake 127.0.0.1 8080
echo "- a connect to port 8081, where nothing listens"
sockdrv connect 127.0.0.1 8081 --expect-refused
echo "- a web server that never closes: 3 sockets left in CLOSE_WAIT, port 8082"
sockdrv closewait 127.0.0.1 8082 --count 3 >/tmp/closewait.out &
closewait=$!
echo "- the same handshake and close over IPv6, port 8083"
sockdrv handshake ::1 8083
echo "- 500 connections churned across both vCPUs, port 8084"
sockdrv churn 127.0.0.1 8084 500 >/dev/null
echo "- a listener nobody accepts from (backlog 2), 5 clients: 3 queue, 2 overflow, port 8085"
sockdrv serve 127.0.0.1 8085 --no-accept --backlog 2 >/dev/null &
listener=$!
wait_until "the listener on 8085" at_least 1 -l "sport = :8085"
holders=()
for i in 1 2 3 4 5; do
	sockdrv connect 127.0.0.1 8085 --hold-ms 100000 >/dev/null 2>&1 &
	holders+=($!)
done
wait_until "3 CLOSE_WAIT sockets" at_least 3 state close-wait
wait_until "3 queued connections" at_least 3 state established "sport = :8085"
overflowed() { tcpwatch listeners --json | jq -e '.[] | select(.port == 8085 and .overflows > 0)'; }
wait_until "an accept-queue overflow on 8085" overflowed

say "What the kernel itself says"
printf '\n$ ss -tan | grep -v TIME-WAIT\n'
ss -tan | grep -v TIME-WAIT
echo "(and $(ss -Htan state time-wait | wc -l) sockets in TIME-WAIT)"
run cat /proc/net/sockstat

say "What tcpwatch saw"
run cat /proc/tcpwatch/summary
run tcpwatch summary
run tcpwatch status
say "Events of the handshake on port 8080 and the refused connect to 8081"
run tcpwatch events --port 8080
run tcpwatch events --port 8081
say "Events of the IPv6 connection on port 8083, as JSON"
run tcpwatch events --json --port 8083
say "Is an accept queue overflowing? (port 8085 never accepts)"
run tcpwatch listeners
say "Which process leaks CLOSE_WAIT sockets?"
run tcpwatch leaks --older-than 0
say "How long do sockets stay in each state?"
run tcpwatch dwell --state SYN_SENT
run tcpwatch dwell --state TIME_WAIT
say "TIME_WAIT: how many, how fast, on which ports"
run tcpwatch timewait --interval 1
say "The live view (tcpwatch top; one frame, as it prints when piped)"
run tcpwatch top --count 1 --leak-age 0
say "The TCP state diagram, drawn from these counts (tcpwatch graph: DOT for Graphviz)"
echo "TCPWATCH-DEMO-GRAPH-BEGIN"
tcpwatch graph
echo "TCPWATCH-DEMO-GRAPH-END"

kill "${holders[@]}" "$listener" "$closewait" 2>/dev/null || true
wait "${holders[@]}" "$listener" "$closewait" 2>/dev/null || true

say "tcpwatchd: the same events, and Prometheus metrics"
kill -TERM "$daemon"
wait "$daemon" || true
echo "tcpwatchd wrote $(wc -l </tmp/tcpwatchd.jsonl) events to /tmp/tcpwatchd.jsonl"
run grep -E '^tcpwatch_(sockets|events|timewait)' /tmp/tcpwatch.prom
run rmmod tcpwatch
echo
echo "demo: done"
