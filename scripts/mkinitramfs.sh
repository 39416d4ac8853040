#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the initramfs of the tcpwatch test VM.
#
# The image is two concatenated cpio archives (the kernel unpacks both):
#  - a static part: busybox, bash, bats-core, jq, iproute2's ip and ss, kmod,
#    Debian's prometheus-node-exporter and tmux (when installed),
#    the kernel modules the tests need (veth, tcp_diag, ...) with their
#    modules.dep. It only depends on the host's packages and the kernel
#    release, so it is cached under build/initramfs/, keyed on its inputs;
#  - a dynamic part, rebuilt every time: /init, the project's artefacts
#    (tcpwatch.ko, tcpwatch, tcpwatchd, tests/sockdrv, tests/synflood,
#    tests/nlbad, tests/nlpriv, tests/vm/) and the
#    command to run.
#  - for make bench only (scripts/bench.sh sets these in the environment,
#    which vm-run.sh passes on): TCPWATCH_VM_EXTRA, a space-separated list
#    of files copied into /opt/tcpwatch/extra/ (an executable with the
#    libraries ldd lists); TCPWATCH_VM_BPFTRACE=1, Debian's bpftrace with
#    its libraries (LLVM and clang, about 200 MB) as a third archive,
#    cached uncompressed under build/initramfs/ since packing it takes
#    longer than a boot.
#
# usage: mkinitramfs.sh --kver KVER --out FILE [--compress gzip|zstd|none]
#                       [--ko FILE] [--cmd FILE] [--nonce STRING]
#                       [--cmd-timeout SECS] [--flavour NAME]
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# Kernel modules the tests may use, loaded on demand with modprobe inside the
# VM (their dependencies are added from modules.dep). IPv6, netns, tracefs,
# kprobes and packet sockets are built into Debian's kernels.
VM_MODULES=(veth inet_diag tcp_diag udp_diag sch_netem dccp_ipv4 dccp_ipv6)

kver='' out='' compress=gzip ko='' cmd='' nonce='' cmd_timeout=0 flavour=''
while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--compress) compress=$2; shift 2 ;;
	--ko) ko=$2; shift 2 ;;
	--cmd) cmd=$2; shift 2 ;;
	--nonce) nonce=$2; shift 2 ;;
	--cmd-timeout) cmd_timeout=$2; shift 2 ;;
	--flavour) flavour=$2; shift 2 ;;
	-h|--help) sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -n "$kver" ] || die "--kver is required"
[ -n "$out" ] || die "--out is required"
# A debug kernel (scripts/debug-kernel.sh) has everything the tests use
# built in: no modules to add, only its modules.builtin, so that modprobe
# of a built-in succeeds.
debug_kdir='' kmeta=/lib/modules/$kver/modules.dep
if is_debug_flavour "$flavour"; then
	VM_MODULES=()
	debug_kdir=$(debug_kernel_dir "$flavour")
	kmeta=$debug_kdir/modules.builtin
	[ -s "$kmeta" ] || die "no $kmeta (run scripts/debug-kernel.sh --flavour $flavour)"
else
	[ -d "/lib/modules/$kver/kernel" ] || die "no modules for kernel $kver in /lib/modules/$kver"
fi
case $compress in gzip|zstd|none) ;; *) die "--compress must be gzip, zstd or none" ;; esac
[ -z "$ko" ] || [ -f "$ko" ] || die "module '$ko' does not exist"

# canon PATH: where PATH lives in the image. The image uses Debian's merged
# /usr layout (/bin -> usr/bin, /lib -> usr/lib, ...), created at the end.
canon() {
	local p=${1#/}
	case $p in
	bin/*|sbin/*|lib/*|lib64/*) p=usr/$p ;;
	esac
	echo "$p"
}

# add_file ROOT SRC [DST]: copy SRC (symlinks resolved) to ROOT/DST.
add_file() {
	local root=$1 src=$2 dst
	dst=$root/$(canon "${3:-$2}")
	[ -e "$dst" ] && return 0
	mkdir -p "$(dirname "$dst")"
	cp -L --preserve=mode "$src" "$dst"
}

# add_elf ROOT SRC [DST] [SKIPROOT]: add an executable and the shared
# libraries ldd lists for it; libraries already in SKIPROOT are skipped.
add_elf() {
	local root=$1 src=$2 dst=${3:-$2} skip=${4:-} lib
	add_file "$root" "$src" "$dst"
	while read -r lib; do
		[ -n "$skip" ] && [ -e "$skip/$(canon "$lib")" ] && continue
		add_file "$root" "$lib"
	done < <(ldd "$src" 2>/dev/null | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}')
}

# write_cpio ROOT FILE: pack ROOT as a newc cpio owned by root.
write_cpio() {
	(cd "$1" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
		cpio --null --create --format=newc --owner=0:0 --quiet) >"$2"
}

# module_closure NAME...: print modules.dep paths of NAME and dependencies.
module_closure() {
	local dep=/lib/modules/$kver/modules.dep name line
	[ $# -gt 0 ] || return 0
	for name in "$@"; do
		line=$(grep -E "(^|/)${name}\.ko(\.[a-z]+)?:" "$dep") ||
			die "kernel $kver has no module $name (built in? then drop it from VM_MODULES)"
		echo "$line" | tr -d ':' | tr ' ' '\n'
	done | sed '/^$/d' | sort -u
}

static_inputs() {
	local m
	echo "kver=$kver compress=$compress modules=${VM_MODULES[*]}"
	sha256sum "${BASH_SOURCE[0]}" "$TCPWATCH_ROOT/scripts/lib/common.sh"
	stat -L -c '%n %s %Y' /usr/bin/busybox /usr/bin/bash /usr/bin/jq \
		"$(command -v ip)" "$(command -v ss)" /usr/bin/kmod /usr/bin/bats \
		/usr/lib/bats-core/* /usr/libexec/bats-core/* \
		/lib/x86_64-linux-gnu/libc.so.6 "$kmeta"
	stat -L -c '%n %s %Y' "$NODE_EXPORTER" /usr/bin/tmux 2>/dev/null || true
	for m in $(module_closure "${VM_MODULES[@]}"); do
		stat -L -c '%n %s %Y' "/lib/modules/$kver/$m"
	done
}

build_static() {
	local root=$1 name real m

	rm -rf "$root"
	mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,usr/local/bin,etc,proc,sys,dev,tmp,run,root,var,mnt}
	ln -s ../run "$root/var/run"

	# Real tools first, so busybox applets never shadow them.
	add_elf "$root" /usr/bin/bash
	ln -s bash "$root/usr/bin/sh.bash"
	add_elf "$root" /usr/bin/jq
	add_elf "$root" "$(command -v ip)"
	add_elf "$root" "$(command -v ss)"
	add_elf "$root" /usr/bin/kmod
	# node_exporter, for tests/vm/92-node-exporter (skipped without it)
	if [ -x "$NODE_EXPORTER" ]; then
		add_elf "$root" "$NODE_EXPORTER"
	fi
	# tmux and the terminal descriptions it needs: a real terminal for
	# tests/vm/94-top (skipped without it)
	if [ -x /usr/bin/tmux ]; then
		add_elf "$root" /usr/bin/tmux
		for name in s/screen l/linux t/tmux d/dumb; do
			[ -e "/lib/terminfo/$name" ] && add_file "$root" "/lib/terminfo/$name"
			[ -e "/usr/share/terminfo/$name" ] && add_file "$root" "/usr/share/terminfo/$name"
		done
		# it wants a UTF-8 locale: glibc's C.UTF-8
		if [ -d /usr/lib/locale/C.utf8 ]; then
			mkdir -p "$root/usr/lib/locale"
			cp -a /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
		fi
	fi
	for name in insmod rmmod lsmod modinfo modprobe depmod; do
		ln -s ../bin/kmod "$root/usr/sbin/$name"
	done

	# bats-core, laid out as Debian installs it.
	add_file "$root" /usr/bin/bats
	cp -a /usr/lib/bats-core "$root/usr/lib/"
	mkdir -p "$root/usr/libexec"
	cp -a /usr/libexec/bats-core "$root/usr/libexec/"

	add_file "$root" /usr/bin/busybox
	while read -r name; do
		real=$(canon "$name")
		case $real in
		usr/sbin/*|usr/bin/*) ;;
		*) real=usr/bin/${name##*/} ;;
		esac
		[ -e "$root/usr/bin/${name##*/}" ] || [ -e "$root/usr/sbin/${name##*/}" ] ||
			ln -s /usr/bin/busybox "$root/$real"
	done < <(/usr/bin/busybox --list-full)

	# Kernel modules with a modules.dep made for exactly this set.
	for m in $(module_closure "${VM_MODULES[@]}"); do
		mkdir -p "$root/usr/lib/modules/$kver/$(dirname "$m")"
		cp "/lib/modules/$kver/$m" "$root/usr/lib/modules/$kver/$m"
	done
	mkdir -p "$root/usr/lib/modules/$kver"
	for m in modules.order modules.builtin modules.builtin.modinfo; do
		[ -e "${debug_kdir:-/lib/modules/$kver}/$m" ] && cp "${debug_kdir:-/lib/modules/$kver}/$m" "$root/usr/lib/modules/$kver/"
	done
	depmod -b "$root/usr" "$kver"

	printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
	printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$root/etc/group"
	printf '127.0.0.1\tlocalhost tcpwatch-vm\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
	[ -d /etc/iproute2 ] && cp -a /etc/iproute2 "$root/etc/"
	[ -e /etc/protocols ] && cp /etc/protocols "$root/etc/"
	[ -e /etc/services ] && cp /etc/services "$root/etc/"

	# Debian's merged /usr.
	for name in bin sbin lib lib64; do
		ln -s "usr/$name" "$root/$name"
	done
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
	mknod -m 666 "$root/dev/null" c 1 3 2>/dev/null || true
}

compress_to() {
	case $compress in
	gzip) gzip -6 -n -c "$1" >"$2" ;;
	zstd) zstd -q -19 -T0 -c "$1" >"$2" ;;
	none) cp "$1" "$2" ;;
	esac
}

NODE_EXPORTER=/usr/bin/prometheus-node-exporter
cache=$TCPWATCH_BUILD/initramfs
mkdir -p "$cache"
key=$(static_inputs | sha256sum | cut -c1-16)
static_root=$cache/static-$kver
static_img=$cache/static-$kver-$key.cpio.$compress
if [ ! -s "$static_img" ] || [ ! -d "$static_root" ] || [ "$(cat "$static_root.key" 2>/dev/null)" != "$key" ]; then
	note "building static initramfs part for $kver (cached as ${static_img#"$TCPWATCH_ROOT"/})"
	rm -f "$cache/static-$kver"-*.cpio.*
	build_static "$static_root"
	write_cpio "$static_root" "$static_img.tmp"
	compress_to "$static_img.tmp" "$static_img.new"
	# The kernel takes an uncompressed archive after a compressed one only
	# at a 4-byte aligned offset (init/initramfs.c); zeros are skipped.
	truncate -s %512 "$static_img.new"
	rm -f "$static_img.tmp"
	mv "$static_img.new" "$static_img"
	echo "$key" >"$static_root.key"
fi

# The dynamic part.
dyn=$(mktemp -d "$cache/dyn.XXXXXX")
trap 'rm -rf "$dyn" "$dyn.bpftrace"' EXIT
mkdir -p "$dyn"/{usr/local/bin,etc/tcpwatch-vm,opt/tcpwatch/tests}
install -m 755 "$TCPWATCH_ROOT/scripts/vm-init.sh" "$dyn/init"

[ -n "$ko" ] && install -m 644 "$ko" "$dyn/opt/tcpwatch/tcpwatch.ko"
for f in userspace/tcpwatch userspace/tcpwatchd tests/sockdrv tests/synflood tests/nlbad tests/nlpriv tests/nlfuzz tests/modload; do
	[ -x "$TCPWATCH_ROOT/$f" ] || continue
	add_elf "$dyn" "$TCPWATCH_ROOT/$f" "/usr/local/bin/${f##*/}" "$static_root"
done
if [ -d "$TCPWATCH_ROOT/tests/vm" ]; then
	cp -a "$TCPWATCH_ROOT/tests/vm" "$dyn/opt/tcpwatch/tests/"
fi
# the alert rules and the dashboard, whose metrics 92-node-exporter looks for
if [ -d "$TCPWATCH_ROOT/userspace/monitoring" ]; then
	cp -a "$TCPWATCH_ROOT/userspace/monitoring" "$dyn/opt/tcpwatch/"
fi

if [ -n "$cmd" ]; then
	install -m 644 "$cmd" "$dyn/etc/tcpwatch-vm/cmd"
else
	echo 'exec bash -i' >"$dyn/etc/tcpwatch-vm/cmd"
fi
{
	echo "TCPWATCH_VM_NONCE=${nonce:-none}"
	echo "TCPWATCH_VM_CMD_TIMEOUT=$cmd_timeout"
	echo "TCPWATCH_VM_KVER=$kver"
	echo "TCPWATCH_VM_FLAVOUR=${flavour:-unknown}"
	echo "TCPWATCH_KO=$([ -n "$ko" ] && echo /opt/tcpwatch/tcpwatch.ko)"
	echo "TCPWATCH_TESTS=/opt/tcpwatch/tests"
	# The tests' size knobs (RELOAD_ITERATIONS=5 scripts/vm-test.sh ...).
	for var in $(compgen -e | grep -E '^[A-Z][A-Z_]*_(ITERATIONS|CONNECTIONS|MESSAGES)$' || true); do
		printf 'export %s=%q\n' "$var" "${!var}"
	done
} >"$dyn/etc/tcpwatch-vm/env"

for f in ${TCPWATCH_VM_EXTRA:-}; do
	[ -f "$f" ] || die "TCPWATCH_VM_EXTRA: no such file: $f"
	add_elf "$dyn" "$f" "/opt/tcpwatch/extra/${f##*/}" "$static_root"
done

bpf_img=
if [ "${TCPWATCH_VM_BPFTRACE:-0}" = 1 ]; then
	bpftrace=$(command -v bpftrace) ||
		die "TCPWATCH_VM_BPFTRACE=1 but bpftrace is not installed (apt-get install bpftrace)"
	bkey=$({ echo "$key"; ldd "$bpftrace" | awk '/=> \//{print $3}' | xargs stat -L -c '%n %s %Y' "$bpftrace"; } |
		sha256sum | cut -c1-16)
	bpf_img=$cache/bpftrace-$kver-$bkey.cpio
	if [ ! -s "$bpf_img" ]; then
		note "building the bpftrace initramfs part for $kver (cached as ${bpf_img#"$TCPWATCH_ROOT"/})"
		rm -f "$cache/bpftrace-$kver"-*.cpio
		rm -rf "$dyn.bpftrace"
		add_elf "$dyn.bpftrace" "$bpftrace" /usr/bin/bpftrace "$static_root"
		write_cpio "$dyn.bpftrace" "$bpf_img.new"
		rm -rf "$dyn.bpftrace"
		mv "$bpf_img.new" "$bpf_img"
	fi
fi

write_cpio "$dyn" "$dyn.cpio"
cat "$static_img" ${bpf_img:+"$bpf_img"} "$dyn.cpio" >"$out.new"
rm -f "$dyn.cpio"
mv "$out.new" "$out"
