#!/bin/bash
# Builds portvisor.ko for one target architecture against unpacked Debian
# kernel headers. Called by CMake (targets kmod-x86_64, kmod-arm64).
#
#   build-kmod.sh ARCH KDIR CONFIG_DIR OUT_DIR SOURCE...
#
# ARCH: x86_64 | arm64. KDIR: the headers tree (linux-headers-<abi>-<flavour>).
# CONFIG_DIR: holds pv_config.h. SOURCE: .c/.cpp/.S files relative to the source
# root. Kbuild needs the sources under its M= folder, so OUT_DIR/tree gets
# a symlink per source file (objects stay in OUT_DIR, never in the source tree).
# Any compiler, objtool or modpost warning fails the build.
set -euo pipefail
arch=$1 kdir=$2 config=$3 out=$4
shift 4
src=$(cd "$(dirname "$0")/.." && pwd)
tree=$out/tree
mkdir -p "$tree"

case $arch in
x86_64) karch=x86 cross="" ;;
arm64) karch=arm64 cross=aarch64-linux-gnu- ;;
*) echo "build-kmod: unknown arch '$arch'" >&2; exit 2 ;;
esac
cxx=$("$src/scripts/kernel-cxxflags.sh" "$arch" cxx)
cxxflags=$("$src/scripts/kernel-cxxflags.sh" "$arch" flags)

objs=() cxx_objs=()
for f in "$@"; do
	case $f in
	*.c | *.cpp | *.S) ;;
	*) echo "build-kmod: not a source file: $f" >&2; exit 2 ;;
	esac
	[ -f "$src/$f" ] || { echo "build-kmod: missing $src/$f" >&2; exit 2; }
	mkdir -p "$tree/$(dirname "$f")"
	ln -sfn "$src/$f" "$tree/$f"
	o=${f%.*}.o
	objs+=("$o")
	case $f in *.cpp) cxx_objs+=("$o") ;; esac
done
# Drop links of sources no longer in the list (a backend turned off).
while IFS= read -r -d '' link; do
	rel=${link#"$tree"/}
	keep=0
	for f in "$@"; do [ "$f" = "$rel" ] && keep=1; done
	if [ $keep = 0 ]; then rm -f "$link" "${link%.*}.o"; fi
done < <(find "$tree" -type l -print0)

sed -e "s|@PV_OBJS@|${objs[*]}|" -e "s|@PV_CXX_OBJS@|${cxx_objs[*]}|" \
	-e "s|@PV_SRC@|$src|" -e "s|@PV_CONFIG@|$(cd "$config" && pwd)|" \
	-e "s|@PV_CXX@|$cxx|" -e "s|@PV_CXXFLAGS@|$cxxflags|" \
	"$src/kmod/Kbuild.in" > "$tree/Kbuild.new"
cmp -s "$tree/Kbuild.new" "$tree/Kbuild" 2>/dev/null || mv "$tree/Kbuild.new" "$tree/Kbuild"
rm -f "$tree/Kbuild.new"

log=$out/build.log
set +e
# A make of its own (not the caller's jobserver): CMake may call this from make.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -j"$(nproc)" -C "$kdir" M="$tree" ARCH=$karch \
	CROSS_COMPILE=$cross modules 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || { echo "build-kmod: make failed (rc=$rc), see $log" >&2; exit 1; }
if grep -E -i 'warning' "$log" >&2; then
	echo "build-kmod: the build printed warnings (above): treated as errors" >&2
	exit 1
fi
"$src/scripts/check-module.sh" "$arch" "$tree/portvisor.ko"
cp "$tree/portvisor.ko" "$out/portvisor.ko"
echo "build-kmod: $out/portvisor.ko ($arch)"
