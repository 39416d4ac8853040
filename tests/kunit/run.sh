#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build tcpwatch_kunit.ko against a debug kernel (it has CONFIG_KUNIT), load
# it in one QEMU boot of that kernel (never on the host): its suites run at
# insmod. Prints one TAP line per KUnit case, read from
# /sys/kernel/debug/kunit/<suite>/results (from the kernel log when a
# suite's log there is cut short). The run fails, as every VM run does, on
# any KASAN, lockdep or WARNING line in the kernel log.
#
# usage: tests/kunit/run.sh [--flavour debug|debug-kcsan] [--kmod DIR]
#                           [--tap FILE] [--log FILE] [--no-build]
#
#   --kmod      the kmod/ sources to test (default: this tree's kmod/)
#   --tap       also write the TAP lines to FILE
#   --log       keep the VM's console log in FILE
#   --no-build  use the tcpwatch_kunit.ko built last time
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"

flavour=debug kmod=$TCPWATCH_ROOT/kmod tap='' log='' build=1
while [ $# -gt 0 ]; do
	case $1 in
	--flavour) flavour=$2; shift 2 ;;
	--flavour=*) flavour=${1#*=}; shift ;;
	--kmod) kmod=$(cd "$2" && pwd) || die "no directory $2"; shift 2 ;;
	--tap) tap=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--no-build) build=0; shift ;;
	-h|--help) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
is_debug_flavour "$flavour" || die "KUnit runs on a debug kernel only (--flavour debug or debug-kcsan)"
kdir=$(debug_kernel_dir "$flavour")
kver=$(select_kernel "$flavour")
grep -qx 'CONFIG_KUNIT=y' "$kdir/.config" || die "$kdir has no CONFIG_KUNIT=y"

src=$TCPWATCH_ROOT/tests/kunit
obj=$TCPWATCH_BUILD/kunit-$kver
# Other sources, another build: a run waiting for the VM keeps its module.
[ "$kmod" = "$TCPWATCH_ROOT/kmod" ] || obj+=-$(echo "$kmod" | sha256sum | cut -c1-8)
ko=$obj/tcpwatch_kunit.ko
if [ $build = 1 ]; then
	mkdir -p "$obj"
	rsync -a --delete --include='Kbuild' --include='Makefile' --include='*.c' --include='*.h' \
		--exclude='*.mod.c' --exclude='*' "$src/" "$obj/"
	make -s -C "$obj" KDIR="$kdir" TW_KMOD="$kmod" >&2 ||
		die "building tcpwatch_kunit.ko against $kdir failed"
fi
[ -f "$ko" ] || die "no $ko (run without --no-build)"
vermagic=$(modinfo -F vermagic "$ko")
[ "${vermagic%% *}" = "$kver" ] || die "$ko is for '${vermagic%% *}', not $kver"

# The suites the sources declare: each must report.
mapfile -t suites < <(sed -n 's/^[[:space:]]*\.name = "\(tcpwatch_[a-z_]*\)",$/\1/p' "$src"/*_test.c)
[ ${#suites[@]} -gt 0 ] || die "no suite found in $src/*_test.c"

run=$(mktemp -d "$TCPWATCH_BUILD/kunit-run.XXXXXX")
trap 'rm -rf "$run"' EXIT
# In the VM: load (the suites run), print each suite's results and the
# kernel log, unload.
# shellcheck disable=SC2016 # expanded in the VM
vmcmd='insmod "$TCPWATCH_KO" || exit 1
for d in /sys/kernel/debug/kunit/*/; do
	s=${d%/}; s=${s##*/}
	echo "KUNIT-RESULTS-BEGIN $s"
	cat "$d/results"
	echo "KUNIT-RESULTS-END $s"
done
echo "KUNIT-DMESG-BEGIN"
dmesg | sed "s/^\[[ 0-9.]*\] //"
echo "KUNIT-DMESG-END"
rmmod tcpwatch_kunit'
rc=0
start=$(date +%s)
"$TCPWATCH_ROOT/scripts/vm-run.sh" --flavour "$flavour" --no-build --ko "$ko" \
	--out "$run/out" ${log:+--log "$log"} -- bash -c "$vmcmd" >&2 || rc=$?
secs=$(($(date +%s) - start))

# cases SUITE SOURCE: the case lines (4-space indented ok / not ok) of SUITE
# in SOURCE (RESULTS: its debugfs file; DMESG: the kernel log), each
# preceded by what the case logged (its failed expectations, kunit_info()).
cases() {
	awk -v suite="$1" -v src="$2" '
		src == "RESULTS" && $0 == "KUNIT-RESULTS-BEGIN " suite { on = 1; next }
		src == "RESULTS" && $0 == "KUNIT-RESULTS-END " suite { on = 0 }
		src == "DMESG" && $0 == "KUNIT-DMESG-BEGIN" { dm = 1; next }
		src == "DMESG" && $0 == "KUNIT-DMESG-END" { dm = 0 }
		dm && $0 == "    # Subtest: " suite { on = 1; next }
		dm && on && /^(ok|not ok) / { on = 0 }
		on && /^ *(KTAP version |1\.\.[0-9]+$|# Subtest: )/ { next }
		on { print }
	' "$run/out"
}

n=0 failed=0
# emit LINE: a TAP line (ok / not ok, numbered by the caller, or # a comment).
emit() {
	echo "$1"
	[ -z "$tap" ] || echo "$1" >>"$tap"
	case $1 in
	"#"*) ;;
	"not ok"*) n=$((n + 1)) failed=$((failed + 1)) ;;
	*) n=$((n + 1)) ;;
	esac
}
[ -z "$tap" ] || : >"$tap"
for s in "${suites[@]}"; do
	plan=$(awk -v s="$s" '$0 == "KUNIT-RESULTS-BEGIN " s { on = 1 }
		on && /^    1\.\.[0-9]+$/ { sub(/^ *1\.\./, ""); print; exit }' "$run/out" 2>/dev/null || true)
	lines=$(cases "$s" RESULTS)
	got=$(grep -cE '^    (ok|not ok) ' <<<"$lines" || true)
	# A case's log in debugfs is a fixed-size buffer: a chatty case can
	# push out its own result line. The kernel log has them all.
	if [ -n "$plan" ] && [ "$got" -lt "$plan" ]; then
		lines=$(cases "$s" DMESG)
		got=$(grep -cE '^    (ok|not ok) ' <<<"$lines" || true)
	fi
	if [ -z "$plan" ] || [ "$got" -eq 0 ]; then
		emit "not ok $((n + 1)) - kunit $s: the suite reported no results (vm-run.sh exited $rc)"
		continue
	fi
	[ "$got" -ge "$plan" ] || emit "not ok $((n + 1)) - kunit $s: $got of $plan cases reported"
	diag=()
	while IFS= read -r line; do
		if ! [[ $line =~ ^\ {4}(ok|not\ ok)\ [0-9]+\ (.*)$ ]]; then
			line=${line#"${line%%[! ]*}"}
			diag+=("# ${line#"# "}")
			continue
		fi
		emit "${BASH_REMATCH[1]} $((n + 1)) - kunit $s: ${BASH_REMATCH[2]}"
		# What it logged: the failures of a not ok, kunit_info() of an ok.
		for d in "${diag[@]}"; do
			emit "$d"
		done
		diag=()
	done <<<"$lines"
done
# The rig's own verdict: a kernel log with KASAN, lockdep, WARNING... (99),
# a timeout, a crash.
if [ "$rc" -ne 0 ]; then
	emit "not ok $((n + 1)) - kunit: vm-run.sh exited $rc (kernel log failures or no result; see its console log)"
fi
echo "# tcpwatch_kunit.ko on $kver: $((n - failed)) ok, $failed not ok, in ${secs}s" >&2
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
