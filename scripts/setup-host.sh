#!/bin/bash
# Installs what portvisor needs on a Debian 12 (bookworm) amd64 host, as
# root, idempotently: compilers (host and aarch64 cross), CMake, GoogleTest,
# kconfiglib, the emulators (QEMU x86/arm64, Bochs) and image tools. Adds
# the arm64 dpkg architecture so that arm64 guest kernels can be downloaded
# (nothing of arm64 is installed). Guest kernels themselves are unpacked
# into the build folder by scripts/fetch-guest-kernel.sh, not installed.
set -euo pipefail
packages=(
	build-essential g++ gcc-12 g++-12 make cmake ninja-build pkg-config
	libgtest-dev libgmock-dev libbenchmark-dev googletest lcov clang-14 libfuzzer-14-dev
	python3 python3-kconfiglib
	gcc-aarch64-linux-gnu g++-aarch64-linux-gnu
	libelf-dev libssl-dev flex bison bc kmod cpio xz-utils gzip file
	binutils binutils-aarch64-linux-gnu
	busybox-static
	qemu-system-x86 qemu-system-arm
	bochs bochsbios vgabios bochs-term
	xorriso isolinux syslinux-common
	bsdutils coreutils
)
if [ "$(id -u)" != 0 ]; then
	echo "setup-host: run as root (apt-get install)" >&2
	exit 1
fi
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
need_update=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	need_update=1
fi
# A fresh machine may have empty package lists; arm64 lists appear only
# after an update once the architecture is added.
if [ ${#missing[@]} -gt 0 ] || [ $need_update = 1 ] ||
	! apt-cache show linux-headers-amd64 >/dev/null 2>&1 ||
	! apt-cache show busybox-static:arm64 >/dev/null 2>&1; then
	echo "setup-host: apt-get update" >&2
	apt-get update -q >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup-host: installing ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
echo "setup-host: all ${#packages[@]} packages present" >&2
