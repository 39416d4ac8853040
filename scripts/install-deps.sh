#!/bin/bash
# Install everything tcpwatch needs to build, boot its test VM and run its tests.
# Idempotent: installs only the Debian packages that are missing.
set -euo pipefail

packages=(
	build-essential pkg-config libmnl-dev
	linux-image-amd64 linux-headers-amd64
	qemu-system-x86 busybox-static bats cpio kmod iproute2 rsync jq dwarves
)
[ "${WITH_RT:-0}" = 1 ] && packages+=(linux-image-rt-amd64 linux-headers-rt-amd64)
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
