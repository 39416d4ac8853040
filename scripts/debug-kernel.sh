#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel of `make check-debug` from Debian's linux-source-6.1:
# tinyconfig plus scripts/debug-kernel.config (KASAN, lockdep, kmemleak,
# DEBUG_OBJECTS, KFENCE, ...), or for --flavour debug-kcsan that plus
# scripts/debug-kernel-kcsan.config (KCSAN instead of KASAN).
#
# The source is extracted once to build/debug-kernel/src; each flavour is
# built out of tree in build/debug-kernel/<flavour> (that is the KDIR to build
# tcpwatch.ko against). A tree already built from the same fragments and the
# same source version is not rebuilt. Installs the packages it needs.
#
# usage: debug-kernel.sh [--flavour debug|debug-kcsan] [--jobs N] [--force]
#
# Prints the build directory on stdout when done.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

flavour=debug jobs=2 force=0
while [ $# -gt 0 ]; do
	case $1 in
	--flavour) flavour=$2; shift 2 ;;
	--flavour=*) flavour=${1#*=}; shift ;;
	--jobs) jobs=$2; shift 2 ;;
	--force) force=1; shift ;;
	-h|--help) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

fragments=("$TCPWATCH_ROOT/scripts/debug-kernel.config")
case $flavour in
debug) ;;
debug-kcsan) fragments+=("$TCPWATCH_ROOT/scripts/debug-kernel-kcsan.config") ;;
*) die "unknown debug flavour '$flavour' (debug or debug-kcsan)" ;;
esac

packages=(linux-source-6.1 flex bison bc libelf-dev libssl-dev dwarves xz-utils
	make gcc rsync cpio)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	note "installing ${missing[*]}"
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || die "cannot read $tarball (package linux-source-6.1)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)

top=$TCPWATCH_BUILD/debug-kernel
src=$top/src
obj=$(debug_kernel_dir "$flavour")
mkdir -p "$top"

# One build at a time: a second `make check-debug` waits here rather than
# configure the same tree under the first one's make.
exec 9>"$top/.build.lock"
if ! flock -n 9; then
	note "another build of the debug kernel is running; waiting for it"
	flock 9
fi

# The source, extracted once per linux-source-6.1 version.
if [ "$(cat "$src/.tcpwatch-srcver" 2>/dev/null)" != "$srcver" ]; then
	note "extracting $tarball ($srcver) to ${src#"$TCPWATCH_ROOT"/}"
	rm -rf "$src" "$src.new"
	mkdir -p "$src.new"
	tar -xJf "$tarball" -C "$src.new" --strip-components=1
	echo "$srcver" >"$src.new/.tcpwatch-srcver"
	mv "$src.new" "$src"
fi

key=$({ echo "$flavour $srcver"; cat "${fragments[@]}"; } | sha256sum | cut -c1-16)
if [ $force = 0 ] && [ "$(cat "$obj/.tcpwatch-key" 2>/dev/null)" = "$key" ] &&
	[ -s "$obj/arch/x86/boot/bzImage" ]; then
	note "$flavour kernel $(cat "$obj/include/config/kernel.release") is built (key $key)"
	echo "$obj"
	exit 0
fi

# fragment_lines FILE...: "NAME VALUE" per setting; VALUE n for "is not set".
# A later file's setting of a name wins.
fragment_lines() {
	sed -nE -e 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/\1 \2/p' \
		-e 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1 n/p' "$@" |
		awk '{ v[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
		     END { for (i = 1; i <= n; i++) print order[i], v[order[i]] }'
}

note "configuring the $flavour kernel in ${obj#"$TCPWATCH_ROOT"/}"
rm -f "$obj/.tcpwatch-key"
mkdir -p "$obj"
make -s -C "$src" O="$obj" tinyconfig >/dev/null
args=()
while read -r name value; do
	case $value in
	y) args+=(--enable "${name#CONFIG_}") ;;
	n) args+=(--disable "${name#CONFIG_}") ;;
	m) args+=(--module "${name#CONFIG_}") ;;
	\"*) args+=(--set-str "${name#CONFIG_}" "$(eval "echo $value")") ;;
	*) args+=(--set-val "${name#CONFIG_}" "$value") ;;
	esac
done < <(fragment_lines "${fragments[@]}")
"$src/scripts/config" --file "$obj/.config" "${args[@]}"
make -s -C "$src" O="$obj" olddefconfig >/dev/null

# Every setting of the fragments must have survived olddefconfig (a missing
# dependency turns an option off silently).
bad=0
while read -r name value; do
	case $value in
	n) grep -qE "^$name=" "$obj/.config" || continue ;;
	*) grep -qxF "$name=$value" "$obj/.config" && continue ;;
	esac
	note "$name: wanted $value, olddefconfig gave '$(grep -E "^(# )?${name}[= ]" "$obj/.config" || echo unset)'"
	bad=1
done < <(fragment_lines "${fragments[@]}")
[ $bad = 0 ] || die "the config does not hold what ${fragments[*]##*/} asks for"

note "building the $flavour kernel (nice make -j$jobs; about 6 min on an idle 2-CPU machine)"
start=$(date +%s)
# "modules" writes Module.symvers (there are no modules: all is built in).
nice -n 10 make -s -C "$src" O="$obj" -j"$jobs" bzImage modules >"$obj/build.log" 2>&1 || {
	tail -n 30 "$obj/build.log" >&2
	die "the kernel build failed (log: $obj/build.log)"
}
note "built $(cat "$obj/include/config/kernel.release") in $(($(date +%s) - start))s (load now: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "$key" >"$obj/.tcpwatch-key"
echo "$obj"
