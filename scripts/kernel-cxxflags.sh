#!/bin/bash
# The C++ compiler and flags for code that goes into portvisor.ko, in one
# place: scripts/build-kmod.sh puts them into the Kbuild rule, and
# tests/kbuild/freestanding.sh compiles the core with them. docs/build.md
# explains each flag.
#   kernel-cxxflags.sh ARCH cxx|flags
set -euo pipefail
arch=$1 what=$2
common="-std=gnu++20 -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
-ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit \
-nostdinc -nostdinc++ -fno-common -fno-strict-aliasing -fno-delete-null-pointer-checks \
-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-jump-tables -fno-stack-protector \
-fno-pic -fno-pie"
case $arch in
x86_64)
	cxx=g++-12
	# No SSE/x87, kernel code model, retpolines, return thunks and
	# straight-line-speculation padding as objtool expects.
	flags="-mno-red-zone -mcmodel=kernel -mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx \
-mno-80387 -mno-fp-ret-in-387 -mskip-rax-setup -fcf-protection=none \
-mindirect-branch=thunk-extern -mindirect-branch-register -mfunction-return=thunk-extern \
-mharden-sls=all -falign-functions=16"
	;;
arm64)
	cxx=aarch64-linux-gnu-g++-12
	# arm64/Makefile of 6.1: general registers only, LP64, PAC on return
	# addresses (ARM64_PTR_AUTH_KERNEL=y, BTI_KERNEL off), and no calls to
	# libgcc's outline atomics, which the kernel does not export.
	flags="-mgeneral-regs-only -mabi=lp64 -mbranch-protection=pac-ret+leaf -mno-outline-atomics"
	;;
*) echo "kernel-cxxflags: unknown arch '$arch'" >&2; exit 2 ;;
esac
case $what in
cxx) echo "$cxx" ;;
flags) echo "$common -isystem $($cxx -print-file-name=include) $flags" ;;
*) exit 2 ;;
esac
