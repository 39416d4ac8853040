# bash completion for tcpwatch(8) and tcpwatchd(8). Options come from each
# program's own --help, so they never drift from the code.

_tcpwatch_options() {
	"$@" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u
}

_tcpwatch() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]} cmd=${COMP_WORDS[1]}
	local states="ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING NEW_SYN_RECV"

	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$("$prog" --help 2>/dev/null |
			awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }') help --help --version" -- "$cur"))
		return
	fi
	case $cmd in
	help)
		[ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "$("$prog" --help 2>/dev/null |
			awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')" -- "$cur"))
		return
		;;
	esac
	case $prev in
	-s|--state)
		COMPREPLY=($(compgen -W "$states" -- "${cur##*,}"))
		[ "$cur" = "${cur##*,}" ] || COMPREPLY=("${COMPREPLY[@]/#/${cur%,*},}")
		return
		;;
	-f|--format)
		COMPREPLY=($(compgen -W "dot svg png" -- "$cur"))
		return
		;;
	-N|--netns|--netns-cookie|-P|--port|-a|--addr|-c|--count|-o|--older-than|-i|--interval|-t|--top)
		return
		;;
	esac
	COMPREPLY=($(compgen -W "$(_tcpwatch_options "$prog" "$cmd")" -- "$cur"))
}

_tcpwatchd() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}

	COMPREPLY=()
	case $prev in
	-p|--prom|-l|--log|-o|--output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-i|--interval|-L|--leak-age)
		return
		;;
	esac
	COMPREPLY=($(compgen -W "$(_tcpwatch_options "${COMP_WORDS[0]}")" -- "$cur"))
}

complete -F _tcpwatch tcpwatch
complete -F _tcpwatchd tcpwatchd
