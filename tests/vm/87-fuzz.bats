#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzing (issue 12). tests/nlfuzz sends 100000 generated messages
# to the tcpwatch family -- valid and unknown commands, random flags,
# known and unknown attributes, lying lengths, nests, truncated and
# oversized messages, dumps cut short by closing their socket, 16 sockets
# some of which are joined to the events group -- and checks each answer
# against what the kernel's netlink rules say it must be (tests/nlfuzz.c).
# It fuzzes as root and as uid 65534 without capabilities, while
# connections churn and `tcpwatch events --follow` consumes the events.
# Afterwards the kernel log holds no tcpwatch line, the module still
# answers and unloads.
#
# A failure prints the seed; `nlfuzz --seed N` (with the same --uid)
# replays the same messages.

load lib

PORT=8701
FUZZ_MESSAGES=${FUZZ_MESSAGES:-100000}
# Far above what the fuzzer needs (see tests/vm/README.md for the time).
FUZZ_TIMEOUT_S=${FUZZ_TIMEOUT_S:-900}

# The fuzzer reads every dump it starts to its end and checks each message:
# small rings and a small socket pool keep a dump to a few hundred
# messages, not tens of thousands (a full pool is counted, not a fault).
setup() {
	load_module ring_size=256 max_tracked=512
	KMSG_MARK="nlfuzz-test-$BATS_TEST_NUMBER-$$"
	echo "$KMSG_MARK" >/dev/kmsg
}

# churn_start PORT: connections come and go on PORT until churn_stop; the
# loop writes its status to churn.end when it stops (a round under the
# fuzzer on the debug kernel can take long: generous --timeout-ms).
churn_start() {
	local dir
	dir=$(tw_tmp)
	touch "$dir/churning"
	bg_start churn bash -c "rc=0; while [ -e '$dir/churning' ]; do sockdrv churn 127.0.0.1 $1 50 --workers 2 --timeout-ms 60000 || { rc=\$?; break; }; done; echo \$rc >'$dir/churn.end'"
}

# churn_stop: let the churn finish its round (a signal would fail it).
churn_stop() {
	local dir
	dir=$(tw_tmp)
	rm -f "$dir/churning"
	wait_until "the churn to finish its last round" 180 test -s "$dir/churn.end"
	bg_stop churn || true
	[ "$(cat "$dir/churn.end")" = 0 ] ||
		fail "sockdrv churn failed during the fuzzing (status $(cat "$dir/churn.end")): $(tail -n 5 "$(bg_out churn)")"
}

# kernel_log_since_mark: the kernel log after this test's mark.
kernel_log_since_mark() {
	dmesg | awk -v m="$KMSG_MARK" 'seen; index($0, m) { seen = 1 }'
}

# fuzz ARGS...: nlfuzz with ARGS under a time limit; its output goes to
# $(tw_tmp)/fuzz.out, its seed and summary to the TAP stream.
fuzz() {
	local out rc=0
	out=$(tw_tmp)/fuzz.out
	timeout "$FUZZ_TIMEOUT_S" nlfuzz --count "$FUZZ_MESSAGES" "$@" >"$out" 2>&1 || rc=$?
	grep -E '^nlfuzz: (seed|answered|refused)' "$out" | sed 's/^/#   /' >&3
	[ "$rc" = 0 ] && return 0
	tail -n 60 "$out" >&2
	[ "$rc" = 124 ] && fail "nlfuzz $* did not finish within ${FUZZ_TIMEOUT_S}s (a hang?)"
	fail "nlfuzz $* failed (exit $rc): $(head -n 1 "$out")"
}

# after_fuzzing: no tcpwatch line in the kernel log since the mark, nor
# any error-level one; the module answers the CLI and unloads.
after_fuzzing() {
	local log bad
	log=$(kernel_log_since_mark)
	bad=$(grep -E 'tcpwatch' <<<"$log" || true)
	[ -z "$bad" ] || fail "the kernel log has tcpwatch lines since the fuzzing began:"$'\n'"$bad"
	bad=$(dmesg -r | awk -v m="$KMSG_MARK" 'seen && /^<[0-3]>/; index($0, m) { seen = 1 }')
	[ -z "$bad" ] || fail "the kernel log has error-level lines since the fuzzing began:"$'\n'"$bad"
	grep -cE 'netlink: .* bytes leftover|has an invalid length' <<<"$log" |
		sed 's/^/#   netlink policy warnings in the kernel log (rate-limited): /' >&3
	tcpwatch status >/dev/null || fail "tcpwatch status failed after the fuzzing"
	tw_summary "$(tw_tmp)/summary.json"
	unload_module
}

@test "nlfuzz: $FUZZ_MESSAGES messages as root, under churn, with events --follow attached" {
	local dir
	dir=$(tw_tmp)
	churn_start "$PORT"
	bg_start follow tcpwatch events --json --follow
	wait_for "the first event of the churn" 30 test -s "$(bg_out follow)"

	fuzz

	kill -0 "$(bg_pid follow)" || fail "tcpwatch events --follow died: $(tail -n 5 "$(bg_out follow)")"
	bg_stop follow || true
	tail -n 100 "$(bg_out follow)" | head -n 99 | jq -e . >/dev/null ||
		fail "tcpwatch events --follow printed invalid JSON"
	churn_stop
	after_fuzzing
}

@test "nlfuzz: $FUZZ_MESSAGES messages as uid 65534 (no capabilities), under churn, with events --follow attached" {
	churn_start $((PORT + 1))
	bg_start follow tcpwatch events --json --follow
	wait_for "the first event of the churn" 30 test -s "$(bg_out follow)"

	fuzz --uid 65534

	kill -0 "$(bg_pid follow)" || fail "tcpwatch events --follow died: $(tail -n 5 "$(bg_out follow)")"
	bg_stop follow || true
	churn_stop
	after_fuzzing
}
