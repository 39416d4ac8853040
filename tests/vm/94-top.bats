#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# tcpwatch top, piped (plain frames, one after another): with a process
# holding CLOSE_WAIT sockets and a listener whose accept queue overflows,
# the frames show the sockets per state as the summary counts them, the
# listener's accept queue full against its backlog, and the leaking process
# with as many CLOSE_WAIT sockets as ss lists. The rates and the redrawing
# terminal mode draw the same frame (unit tests).

load lib
load lib-lifecycle

setup() {
	lc_load
}

@test "tcpwatch top, piped: frames with the states, the overflowing listener and the CLOSE_WAIT owner" {
	local dir port=9401 lport=9402 spid cw
	dir=$(tw_tmp)
	bg_start cw sockdrv closewait 127.0.0.1 "$port" --count 3
	wait_for_line "$(bg_out cw)" '^closewait ready'
	spid=$(bg_pid cw)
	cw=$(ss -Htan state close-wait "( sport = :$port )" | wc -l)
	[ "$cw" = 3 ] || fail "ss lists $cw CLOSE_WAIT sockets on :$port, expected 3"

	bg_start srv sockdrv serve 127.0.0.1 "$lport" --no-accept --backlog 1
	wait_for_line "$(bg_out srv)" '^listening'
	overflow_clients "$lport" || fail "the clients did not start"

	tcpwatch top --count 3 --interval 0.5 --leak-age 0 >"$dir/top.txt" ||
		fail "tcpwatch top failed: $(cat "$dir/top.txt")"
	sed 's/^/#   /' "$dir/top.txt" >&3
	[ "$(grep -c '^tcpwatch top ' "$dir/top.txt")" = 3 ] ||
		fail "not 3 frames: $(grep '^tcpwatch top ' "$dir/top.txt")"
	# the last frame, against the kernel and the summary
	awk '/^tcpwatch top /{ n++ } n == 3' "$dir/top.txt" >"$dir/last.txt"
	grep -qE "^127\\.0\\.0\\.1:$lport +2/1 " "$dir/last.txt" ||
		fail "the listener's accept queue is not 2 over backlog 1: $(grep ":$lport" "$dir/last.txt")"
	# (the same process holds the client ends too, in FIN_WAIT2)
	grep -qE "^$spid/sockdrv +3 +[0-9]+ +0 " "$dir/last.txt" ||
		fail "the CLOSE_WAIT owner (pid $spid) with 3 sockets is not shown: $(sed -n '/^LEAKING/,$p' "$dir/last.txt")"
	tw_summary "$dir/s.json"
	grep -qE "^LISTEN +$(jq .states.LISTEN "$dir/s.json") " "$dir/last.txt" ||
		fail "LISTEN: top says '$(grep '^LISTEN ' "$dir/last.txt")', the summary $(jq .states.LISTEN "$dir/s.json")"
	stop_clients "$lport"
	bg_stop srv || true
	bg_stop cw KILL || true
	wait_port_quiet "$port"
	lc_invariants
}
