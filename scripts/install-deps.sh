#!/bin/bash
# Install everything tcpwatch needs to build, boot its test VM and run its tests.
# Idempotent: installs only the Debian packages that are missing.
#
# KERNEL: the kernel series whose images and headers to install, one or
# more of 6.1 (Debian 12's own, the default) and 6.12 (Debian 12's newer
# LTS kernel, linux-image-6.12.*+deb12-amd64: the 6.12 meta-packages pull
# the newest); WITH_RT=1 adds each series' PREEMPT_RT kernel.
set -euo pipefail

packages=(
	build-essential pkg-config libmnl-dev
	qemu-system-x86 busybox-static bats cpio kmod iproute2 rsync jq dwarves
	# promtool (the metrics' lint, the alert rules' tests) and node_exporter
	# (the VM test of its textfile collector serving tcpwatchd's metrics)
	prometheus prometheus-node-exporter
	# Graphviz's dot: tcpwatch graph --format svg, and its unit test
	graphviz
	# make dkms-install, checked in a staging tree (scripts/check-install.sh)
	dkms
	# the man pages' lint (scripts/check-docs.sh)
	mandoc
	# a real terminal in the VM for tcpwatch top (tests/vm/94-top)
	tmux
)
for series in ${KERNEL:-6.1}; do
	case $series in
	6.1) prefix='' ;;
	6.12) prefix=6.12- ;;
	*) echo "install-deps: unknown kernel series '$series' (6.1 or 6.12)" >&2; exit 1 ;;
	esac
	packages+=("linux-image-${prefix}amd64" "linux-headers-${prefix}amd64")
	[ "${WITH_RT:-0}" = 1 ] && packages+=("linux-image-${prefix}rt-amd64" "linux-headers-${prefix}rt-amd64")
done
# make bench's peer arm (Debian's bpftrace, with LLVM and clang: ~200 MB).
[ "${WITH_BPFTRACE:-0}" = 1 ] && packages+=(bpftrace)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# Only their programs are wanted here, not a Prometheus server and an
# exporter running on the build host.
for unit in prometheus prometheus-node-exporter; do
	[[ " ${missing[*]} " == *" $unit "* ]] || continue
	$SUDO systemctl disable --now "$unit" >/dev/null 2>&1 || true
done
