#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Readers never see a half-counted module. At load, tcpwatch walks the
# hash tables to count the sockets older than it (seed.c); its netlink
# family is registered only after that walk, so `tcpwatch summary` either
# says the module is not loaded or counts every socket. At unload the
# family goes first. Two readers poll in a tight loop (one per CPU) while
# insmod, then rmmod, run with a few hundred connections held open.

load lib

PORT=8101
HELD=${LOAD_ORDER_HELD:-300}
NOT_LOADED='tcpwatch: module not loaded (no generic netlink family "tcpwatch"); load it with: modprobe tcpwatch (after make install), or insmod tcpwatch.ko from a build tree'
# A dump asked for between the kernel's "going" mark and the family's
# unregistration (netlink_dump_start() cannot take the module any more).
UNLOADING='tcpwatch: module not loaded (tcpwatch is being unloaded)'

setup() {
	require_tcpwatch
	! module_loaded || fail "tcpwatch is already loaded (a previous test did not unload it)"
}

# hold: HELD connections, both ends ESTABLISHED (the server's children wait
# in its accept queue); sets ESTAB to ss's count of ESTABLISHED sockets.
hold() {
	bg_start srv sockdrv serve 127.0.0.1 "$PORT" --no-accept --backlog 1024
	wait_for_line "$(bg_out srv)" '^listening'
	bg_start clients sockdrv clients 127.0.0.1 "$PORT" "$HELD"
	wait_for_line "$(bg_out clients)" '^clients ready' 120
	! grep -q '^pending' "$(bg_out clients)" || fail "some clients did not connect: $(grep -c '^pending' "$(bg_out clients)") pending"
	ESTAB=$(ss -Htan state established | wc -l)
	[ "$ESTAB" -ge $((2 * HELD)) ] || fail "ss shows $ESTAB ESTABLISHED sockets, expected at least $((2 * HELD))"
	echo "#   $HELD connections held: ss shows $ESTAB ESTABLISHED sockets" >&3
}

# poll DIR [CPU]: until DIR/stop exists, ask for the summary; each answer
# goes to DIR/ok (one JSON line), each refusal's stderr to DIR/err.
poll() {
	local dir=$1
	mkdir -p "$dir"
	: >"$dir/ok"
	: >"$dir/err"
	while [ ! -e "$dir/stop" ]; do
		taskset "$2" tcpwatch summary --json >>"$dir/ok" 2>"$dir/last" ||
			cat "$dir/last" >>"$dir/err"
	done
}

# answers DIR WHICH: the number of lines in DIR/WHICH (ok or err).
answers() {
	wc -l <"$1/$2"
}

# poll_start: two pollers, one on each CPU.
poll_start() {
	local dir
	dir=$(tw_tmp)
	rm -rf "$dir/p1" "$dir/p2"
	bg_start p1 poll "$dir/p1" 1
	bg_start p2 poll "$dir/p2" 2
}

poll_stop() {
	local dir
	dir=$(tw_tmp)
	touch "$dir/p1/stop" "$dir/p2/stop"
	bg_stop p1 || true
	bg_stop p2 || true
}

# polled_both DIR WHICH N: both pollers have at least N answers of that kind.
polled_both() {
	[ "$(answers "$1/p1" "$2")" -ge "$3" ] && [ "$(answers "$1/p2" "$2")" -ge "$3" ]
}

# check_answers WHEN: every answer counted all ESTAB sockets, every refusal
# said the module is not loaded; both kinds were seen.
check_answers() {
	local dir p ok err short bad
	dir=$(tw_tmp)
	for p in p1 p2; do
		ok=$(answers "$dir/$p" ok)
		err=$(answers "$dir/$p" err)
		echo "#   $1, poller $p: $ok answers, $err 'not loaded'" >&3
		[ "$ok" -gt 0 ] && [ "$err" -gt 0 ] ||
			fail "$1: poller $p got $ok answers and $err refusals; the loop did not span the $1"
		short=$(jq -r --argjson n "$ESTAB" 'select(.states.ESTABLISHED < $n) | .states.ESTABLISHED' "$dir/$p/ok" |
			sort -n | uniq -c | tr -s ' \n' ' ')
		[ -z "$short" ] ||
			fail "$1: poller $p got answers counting fewer than the $ESTAB ESTABLISHED sockets (count ESTABLISHED): $short"
		bad=$(grep -vxF -e "$NOT_LOADED" -e "$UNLOADING" "$dir/$p/err" | sort | uniq -c | head -n 5 || true)
		[ -z "$bad" ] || fail "$1: poller $p got other errors than 'module not loaded': $bad"
	done
}

@test "insmod with $HELD connections held: each summary counts them all or says 'not loaded'" {
	local dir
	dir=$(tw_tmp)
	hold
	poll_start
	wait_for "both pollers to find no module" 20 polled_both "$dir" err 1
	insmod "$TCPWATCH_KO" || fail "insmod failed: $(dmesg | tail -n 5)"
	wait_for "both pollers to get 5 answers" 60 polled_both "$dir" ok 5
	poll_stop
	check_answers load
	dmesg | grep 'tcpwatch: loaded' | tail -n 1 | sed 's/^/#   /' >&3
}

@test "rmmod with $HELD connections held: each summary counts them all or says 'not loaded'" {
	local dir
	dir=$(tw_tmp)
	hold
	insmod "$TCPWATCH_KO" || fail "insmod failed: $(dmesg | tail -n 5)"
	run tcpwatch summary --json
	[ "$status" -eq 0 ] || fail "tcpwatch summary: $output"
	poll_start
	wait_for "both pollers to get 5 answers" 30 polled_both "$dir" ok 5
	# A dump in flight holds the module (netlink_dump_start() takes a
	# reference): rmmod says "in use" then, and is tried again.
	wait_for "rmmod tcpwatch to succeed" 20 rmmod tcpwatch ||
		fail "rmmod failed for 20 s: $(rmmod tcpwatch 2>&1) $(dmesg | tail -n 5)"
	wait_for "both pollers to find no module" 20 polled_both "$dir" err 1
	poll_stop
	check_answers unload
}
