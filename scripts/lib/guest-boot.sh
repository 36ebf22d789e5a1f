# shellcheck shell=bash
# Booting portvisor's Linux guests under each emulator; sourced by
# tests/conformance/run and scripts/demo. Flags and their reasons:
# ../shared/ENVIRONMENT.md. Every function leaves the guest's serial console
# in SERIAL_LOG (carriage returns removed) and returns the emulator's exit
# status; the serial log, not the status, says what happened in the guest.

# pv_make_initramfs OUT INIT BUSYBOX MODULE [SRC:DEST ...]
# A busybox initramfs: INIT as /init, MODULE as /lib/modules/portvisor.ko,
# and more files copied to DEST (links with SRC "@target").
pv_make_initramfs() {
	local out=$1 init=$2 busybox=$3 module=$4 root spec from to
	shift 4
	root=$(mktemp -d "${out%/*}/rootfs.XXXXXX")
	mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,lib/modules}
	cp "$busybox" "$root/bin/busybox"
	cp "$init" "$root/init"
	chmod 0755 "$root/init"
	cp "$module" "$root/lib/modules/portvisor.ko"
	for spec in "$@"; do
		from=${spec%%:*} to=${spec#*:}
		mkdir -p "$root/$(dirname "$to")"
		case $from in
		@*) ln -sfn "${from#@}" "$root/$to" ;;
		*) cp "$from" "$root/$to" ;;
		esac
	done
	(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -6) >"$out"
	rm -rf "$root"
}

# pv_boot_qemu_x86 KERNEL CPU SMP CMDLINE INITRD SERIAL_LOG TIMEOUT [kvm]
# Boots Debian's bzImage, not the extracted vmlinux (PVH, faster): only the
# bzImage's decompressor switches to 5-level paging (LA57) in 6.1.
# With "kvm": -accel kvm -cpu host, for real Intel/AMD hosts with nesting.
# QEMU_EXTRA: more QEMU flags (the benchmark's -icount). PV_GUEST_MEM: guest
# RAM (default 1G; allocated as the guest touches it).
pv_boot_qemu_x86() {
	local kernel=$1 cpu=$2 smp=$3 cmd=$4 rd=$5 serial=$6 t=$7 accel=(-accel tcg) rc extra=()
	if [ "${8:-}" = kvm ]; then accel=(-accel kvm) cpu=host; fi
	read -r -a extra <<<"${QEMU_EXTRA:-}"
	timeout -k 10 "$t" qemu-system-x86_64 "${accel[@]}" "${extra[@]}" -cpu "$cpu" -smp "$smp" \
		-m "${PV_GUEST_MEM:-1G}" -nographic -no-reboot -nic none -kernel "$kernel" -initrd "$rd" \
		-append "console=ttyS0 panic=-1 loglevel=5 $cmd" >"$serial" 2>&1 </dev/null
	rc=$?
	pv_clean_serial "$serial"
	return $rc
}

# pv_boot_qemu_arm64 KERNEL CPU SMP CMDLINE INITRD SERIAL_LOG TIMEOUT
# virt with EL2 (virtualization=on) and GICv3: Debian's kernel then runs at
# EL2 with VHE on CPUs that have it, at EL1 (KVM nVHE) on those that do not.
pv_boot_qemu_arm64() {
	local kernel=$1 cpu=$2 smp=$3 cmd=$4 rd=$5 serial=$6 t=$7 rc
	timeout -k 10 "$t" qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
		-cpu "$cpu" -smp "$smp" -m 1G -nographic -no-reboot -nic none \
		-kernel "$kernel" -initrd "$rd" \
		-append "console=ttyAMA0 panic=-1 loglevel=5 $cmd" >"$serial" 2>&1 </dev/null
	rc=$?
	pv_clean_serial "$serial"
	return $rc
}

# pv_boot_bochs KERNEL CPU SMP CMDLINE INITRD SERIAL_LOG TIMEOUT
# An isolinux ISO; the serial console to a file; the term display under
# script(1) because it wants a tty; the built-in debugger told to continue,
# then quit. Bochs exits non-zero even after a clean power-off and ignores
# SIGTERM: timeout -k ends it. clock sync=none makes guest time a function of
# executed instructions (repeatable).
pv_boot_bochs() {
	local kernel=$1 cpu=$2 smp=$3 cmd=$4 rd=$5 serial=$6 t=$7 d iso rc mem_mb=768
	# PV_GUEST_MEM (e.g. 6G): Bochs takes at most 2048 MB of host memory
	# for it (the rest on demand). Its BIOS maps RAM at [0, 3G) and the
	# rest above the PCI hole from 4G up to the size asked: 6G gives
	# [0, 3G) + [4G, 6G), 5 GiB of RAM.
	case ${PV_GUEST_MEM:-} in *G) mem_mb=$((${PV_GUEST_MEM%G} * 1024)) ;; *M) mem_mb=${PV_GUEST_MEM%M} ;; esac
	d=$(dirname "$serial")
	iso=$d/boot.iso
	rm -rf "$d/iso" && mkdir -p "$d/iso/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$d/iso/isolinux/"
	cp "$kernel" "$d/iso/vmlinuz"
	cp "$rd" "$d/iso/initrd.gz"
	cat >"$d/iso/isolinux/isolinux.cfg" <<-CFG
		SERIAL 0 115200
		DEFAULT linux
		PROMPT 0
		TIMEOUT 0
		LABEL linux
		  KERNEL /vmlinuz
		  APPEND initrd=/initrd.gz console=ttyS0,115200 panic=-1 loglevel=5 $cmd
	CFG
	xorriso -as mkisofs -quiet -o "$iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table "$d/iso" 2>"$d/xorriso.log" || return 1
	rm -rf "$d/iso"
	cat >"$d/bochsrc" <<-RC
		config_interface: textconfig
		display_library: term
		memory: guest=$mem_mb, host=$((mem_mb < 2048 ? mem_mb : 2048))
		romimage: file=/usr/share/bochs/BIOS-bochs-latest
		vgaromimage: file=/usr/share/vgabios/vgabios.bin
		cpu: model=$cpu, count=$smp, ips=50000000, reset_on_triple_fault=0, quantum=16
		pci: enabled=1, chipset=i440fx
		ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
		ata0-master: type=cdrom, path=$iso, status=inserted
		boot: cdrom
		com1: enabled=1, mode=file, dev=$serial
		port_e9_hack: enabled=1
		clock: sync=none, time0=local
		log: $d/bochs.log
		panic: action=fatal
		error: action=report
		info: action=report
		debug: action=ignore
		speaker: enabled=0
	RC
	printf 'c\nquit\n' >"$d/bochs-debugger.rc"
	: >"$serial"
	TERM=vt100 timeout -k 10 "$t" script -qefc "bochs -q -f $d/bochsrc -rc $d/bochs-debugger.rc" \
		/dev/null >"$d/bochs.stdout" 2>&1 </dev/null
	rc=$?
	rm -f "$iso"
	pv_clean_serial "$serial"
	return $rc
}

pv_clean_serial() {
	tr -d '\r' <"$1" >"$1.tmp" && mv "$1.tmp" "$1"
}
