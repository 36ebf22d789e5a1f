#!/bin/bash
# Checks a built portvisor.ko for what the kernel cannot support in C++ code:
# static constructors (.init_array/.ctors: never run in a module), unwind
# tables (.eh_frame: no unwinder for them) and C++ runtime symbols.
#   check-module.sh ARCH MODULE.ko
set -euo pipefail
arch=$1 ko=$2
case $arch in x86_64) p="" ;; arm64) p=aarch64-linux-gnu- ;; *) exit 2 ;; esac
fail=0
sections=$(${p}readelf -SW "$ko" | awk '{print $2}')
for s in .init_array .ctors .fini_array .dtors .eh_frame .gcc_except_table; do
	if grep -qx -- "$s" <<<"$sections"; then
		echo "check-module: $ko has a $s section" >&2
		fail=1
	fi
done
if ${p}nm -u "$ko" | grep -E '__cxa_|_Unwind_|__gxx_|_Znw|_Zdl|__dynamic_cast|__aarch64_' >&2; then
	echo "check-module: $ko needs C++ runtime symbols (above)" >&2
	fail=1
fi
exit $fail
