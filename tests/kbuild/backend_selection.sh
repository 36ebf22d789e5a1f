#!/bin/bash
# Kconfig decides what is in the module: a config with one x86 backend off
# produces a portvisor.ko without a single symbol of that backend, and with
# the other's. Builds in a nested CMake tree, reusing the unpacked kernel.
#   backend_selection.sh SRC BUILD_DIR GUEST_DIR ABI
set -uo pipefail
src=$1 build=$2 guest=$3 abi=$4
fail=0
check() { # fragment present-namespace absent-namespace
	local frag=$1 want=$2 gone=$3 d=$build/kbuild-check-${1%.config} ko syms
	cmake -S "$src" -B "$d" -DPV_KMOD_ARCHES=x86_64 -DPV_GUEST_DIR="$guest" -DPV_KERNEL_ABI="$abi" \
		"-DPV_X86_64_CONFIG=$src/configs/x86_64_defconfig;$src/tests/kbuild/$frag" >"$d.log" 2>&1 &&
		cmake --build "$d" --target kmod-x86_64 >>"$d.log" 2>&1 || {
		tail -n 20 "$d.log"
		echo "FAIL $frag: build failed ($d.log)"
		fail=1
		return
	}
	ko=$d/kmod-x86_64/portvisor.ko
	syms=$(nm -C "$ko")
	local n_want n_gone
	n_want=$(grep -c "pv::$want::" <<<"$syms")
	n_gone=$(grep -c "pv::$gone::" <<<"$syms")
	echo "$frag: $n_want symbols of pv::$want::, $n_gone of pv::$gone:: in $ko"
	grep "pv::$gone::" <<<"$syms" | head -n 5
	if [ "$n_want" -gt 0 ] && [ "$n_gone" = 0 ] &&
		grep -q "PV_CONFIG_BACKEND_${gone^^} is not set" "$d/config-x86_64/.config"; then
		echo "PASS $frag"
	else
		echo "FAIL $frag"
		fail=1
	fi
}
check no-svm.config vmx svm
check no-vmx.config svm vmx
exit $fail
