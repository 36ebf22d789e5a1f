#!/bin/bash
# Downloads a Debian guest kernel (image + headers + kbuild tools) for one
# architecture and unpacks it under DEST; nothing is installed on the host.
#
#   fetch-guest-kernel.sh ARCH DEST [ABI]
#
# ARCH: x86_64 | arm64. ABI: e.g. 6.1.0-56; default: what linux-headers-amd64
# points at in the configured apt sources (bookworm's current kernel). A
# kernel from another suite works when that suite is an apt source.
# Prints the unpacked root. Idempotent: a finished unpack is reused.
set -euo pipefail
arch=$1 dest=$2 abi=${3:-}
case $arch in
x86_64) deb_arch=amd64 flavour=amd64 ;;
arm64) deb_arch=arm64 flavour=arm64 ;;
*) echo "fetch-guest-kernel: unknown arch '$arch'" >&2; exit 2 ;;
esac
if [ -z "$abi" ]; then
	abi=$(apt-cache depends linux-headers-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-headers-\([0-9.]*-[0-9]*\)-amd64$/\1/p' | head -n1)
	[ -n "$abi" ] || { echo "fetch-guest-kernel: cannot resolve the kernel ABI (apt-get update?)" >&2; exit 1; }
fi
root=$dest/$arch-$abi
if [ -f "$root/.complete" ]; then
	echo "$root"
	exit 0
fi
series=${abi%%-*}            # 6.1.0
series=${series%.*}          # 6.1
version=$(apt-cache show "linux-headers-$abi-common" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
[ -n "$version" ] || { echo "fetch-guest-kernel: linux-headers-$abi-common not in apt sources" >&2; exit 1; }

debs=$dest/debs
mkdir -p "$debs"
pkgs=("linux-image-$abi-$flavour:$deb_arch" "linux-headers-$abi-$flavour:$deb_arch"
	"linux-headers-$abi-common" "linux-kbuild-$series:amd64=$version" "busybox-static:$deb_arch")
echo "fetch-guest-kernel: $arch kernel $abi ($version)" >&2
(cd "$debs" && chmod 0777 . && apt-get download -q "${pkgs[@]}" >&2)

rm -rf "$root.tmp"
mkdir -p "$root.tmp"
for p in "${pkgs[@]}"; do
	name=${p%%:*}
	a=${p#*:}; a=${a%%=*}
	[ "$name" = "linux-headers-$abi-common" ] && a=all
	f=$(ls "$debs/${name}_"*"_$a.deb" | sort -V | tail -n1)
	dpkg-deb -x "$f" "$root.tmp"
done
# The headers' Makefile includes the -common tree by absolute path; point it
# at the unpacked one. scripts/ and tools/ are relative links that resolve
# inside the unpack (to the host-arch kbuild tools of the same version).
hdr=$root.tmp/usr/src/linux-headers-$abi-$flavour
echo "include $root/usr/src/linux-headers-$abi-common/Makefile" > "$hdr/Makefile"
touch "$root.tmp/.complete"
rm -rf "$root"
mv "$root.tmp" "$root"
echo "$root"
