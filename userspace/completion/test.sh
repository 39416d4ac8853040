#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion, driven as bash drives it, against the programs built
# beside it; TAP lines. usage: test.sh BINDIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PATH=$1:$PATH
# shellcheck source=userspace/completion/tcpwatch.bash
. "$here/tcpwatch.bash"
TAP_PREFIX=completion
# shellcheck source=scripts/lib/tap.sh
. "$here/../../scripts/lib/tap.sh"

# completes "WORD WORD ... CUR": COMPREPLY for the last word.
completes() {
	local func=_$1
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	"$func"
	echo "${COMPREPLY[*]}"
}

expect() {
	local want=$1 got
	shift
	got=$(completes "$@")
	if [ "$got" = "$want" ]; then
		tap 0 "'$*' -> '$want'"
	else
		tap 1 "'$*' -> '$got', expected '$want'"
	fi
}

expect "events" tcpwatch ev
expect "summary" tcpwatch su
expect "graph" tcpwatch help gr
expect "--follow" tcpwatch events --fo
expect "--older-than" tcpwatch leaks --ol
expect "CLOSE CLOSE_WAIT CLOSING" tcpwatch leaks --state CLOS
expect "TIME_WAIT,LAST_ACK" tcpwatch events -s TIME_WAIT,LAST
expect "svg" tcpwatch graph --format s
expect "--netns-label" tcpwatchd --netns
expect "" tcpwatch events --port 8
tap_done
