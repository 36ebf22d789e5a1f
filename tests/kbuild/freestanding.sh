#!/bin/bash
# Every C++ source of the core and the backends compiles with the module's
# exact compiler and flags (scripts/kernel-cxxflags.sh): no standard library,
# no exceptions, kernel code generation. This covers code that is unit-tested
# on the host but not linked into the module yet (the stage-2 engine, the
# direct-syscall trap). Objects are checked for sections the kernel cannot
# use (static constructors, unwind tables).
#   freestanding.sh ARCH SRC CONFIG_DIR OUT_DIR
set -uo pipefail
arch=$1 src=$2 config=$3 out=$4
cxx=$("$src/scripts/kernel-cxxflags.sh" "$arch" cxx)
read -r -a flags <<<"$("$src/scripts/kernel-cxxflags.sh" "$arch" flags)"
incs=(-I"$src/core/include" -I"$src/kmod" -I"$src/arch" -I"$src/arch/x86_64-common/include" -I"$config")
readelf=readelf
[ "$arch" = arm64 ] && readelf=aarch64-linux-gnu-readelf
mkdir -p "$out"
files=$(cd "$src" && find core/src -name '*.cpp' | sort)
case $arch in
x86_64) files+=$'\n'$(cd "$src" && find arch/x86_64-vmx arch/x86_64-svm -name '*.cpp' | sort) ;;
arm64) files+=$'\n'$(cd "$src" && find arch/arm64-vhe -name '*.cpp' | sort) ;;
esac
pass=0 fail=0
for f in $files; do
	o=$out/$(echo "$f" | tr / _).o
	if ! "$cxx" "${flags[@]}" "${incs[@]}" -c "$src/$f" -o "$o" 2>"$o.log"; then
		echo "FAIL $f:"; cat "$o.log"; fail=$((fail + 1)); continue
	fi
	bad=$("$readelf" -SW "$o" | grep -oE '\.(init_array|ctors|eh_frame|gcc_except_table)' | sort -u | tr '\n' ' ')
	if [ -n "$bad" ]; then
		echo "FAIL $f: has sections $bad"; fail=$((fail + 1)); continue
	fi
	pass=$((pass + 1))
done
echo "freestanding $arch: $pass passed, $fail failed"
[ $fail = 0 ] && [ $pass -gt 0 ]
