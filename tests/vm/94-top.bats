#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# tcpwatch top, piped (plain frames, one after another): with a process
# holding CLOSE_WAIT sockets and a listener whose accept queue overflows,
# the frames show the sockets per state as the summary counts them, the
# listener's accept queue full against its backlog, and the leaking process
# with as many CLOSE_WAIT sockets as ss lists. The rates and the redrawing
# terminal mode draw the same frame (unit tests); in a terminal (tmux, when
# the VM has it) it redraws in place, quits on 'q' and restores the terminal.

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

teardown() {
	tmux kill-server 2>/dev/null || true
	common_teardown
}

pane_shows() {
	tmux capture-pane -p -t top | grep -qE -- "$1"
}

@test "tcpwatch top in a terminal (tmux): redraws in place, 'q' quits, the terminal is restored" {
	command -v tmux >/dev/null || skip "no tmux in the VM (apt-get install tmux on the host)"
	local dir port=9403 before
	dir=$(tw_tmp)
	bg_start srv sockdrv serve 127.0.0.1 "$port" --backlog 5
	wait_for_line "$(bg_out srv)" '^listening'
	TERM=screen LC_ALL=C.UTF-8 tmux new-session -d -s top -x 120 -y 50 \
		"stty -a >$dir/stty.before; tcpwatch top --interval 0.3; echo \"exit \$?\" >$dir/exit; stty -a >$dir/stty.after; sleep 60"
	wait_for "top's first frame in the pane" 20 pane_shows '^tcpwatch top ' ||
		fail "the pane: $(tmux capture-pane -p -t top)"
	tmux capture-pane -p -t top >"$dir/pane1"
	sed 's/^/#   /' "$dir/pane1" >&3
	# one frame on the screen, redrawn in place: one header, at the top
	[ "$(grep -c '^tcpwatch top ' "$dir/pane1")" = 1 ] && head -n 1 "$dir/pane1" | grep -q '^tcpwatch top ' ||
		fail "not one frame at the top of the screen: $(cat "$dir/pane1")"
	grep -qE "^127\\.0\\.0\\.1:$port +0/5 " "$dir/pane1" || fail "the listener on :$port is not shown"
	grep -q "('q' quits)" "$dir/pane1" || fail "no 'q' hint on the terminal"
	before=$(head -n 1 "$dir/pane1")
	wait_until "top to redraw in place (a new time in the header at the top)" 10 \
		bash -c "[ \"\$(tmux capture-pane -p -t top | head -n 1)\" != '$before' ]"
	tmux send-keys -t top q
	wait_for "top to quit on 'q'" 10 test -s "$dir/exit" || fail "top did not quit on 'q': $(tmux capture-pane -p -t top)"
	[ "$(cat "$dir/exit")" = "exit 0" ] || fail "top exited with '$(cat "$dir/exit")'"
	wait_for "stty after top" 5 test -s "$dir/stty.after"
	# the terminal as it was: canonical mode and echo back on
	diff "$dir/stty.before" "$dir/stty.after" >&2 || fail "top left the terminal changed"
	grep -qE '(^| )icanon( |$)' "$dir/stty.after" && grep -qE '(^| )echo( |$)' "$dir/stty.after" ||
		fail "icanon/echo are off after top: $(cat "$dir/stty.after")"
	tmux kill-session -t top 2>/dev/null || true
	bg_stop srv || true
}
