#!/bin/bash
# podenter on a real systemd + cgroup v2 node, in a VM:
#
#   tests/vm/run.sh            (also: make check-vm)
#
# Builds (or takes from the cache) the Debian 12 image of build-image.sh and
# boots it with qemu (KVM when /dev/kvm is usable, software emulation
# otherwise): systemd as PID 1, cgroup v2 only. This build tree is shared
# into the guest read-only (9p) at /src: the freshly built ./podenter, the
# node harness (tests/node) and the in-VM suite (tests/vm/guest.sh), which
# systemd starts after boot. The guest writes the suite's output to its
# second serial port, a file here; its first serial port is the console.
# The guest powers off when the suite ends; a timeout here kills qemu in any
# case. The cached image is never written (the guest's disk is a qcow2
# overlay in a temporary directory, removed with everything else at exit).
#
# Ends with "N passed, N failed" (the in-VM checks). Exit status: 0 when every
# check passed, 1 when one failed or the suite did not finish, 77 when the
# machine cannot run the VM (no qemu: said why).
#
# Environment: VM_TIMEOUT (seconds for the boots and the suite; default 900
# with KVM, 2400 under software emulation), VM_STALL (seconds without a new
# line from the guest before it is given up on: 300 with KVM, 600 emulated;
# a boot that ran no check is made once more if the time left allows),
# VM_MEMORY (MiB, 2048), VM_CPUS (2), VM_ACCEL (kvm or tcg: force one),
# VM_MODE=bench (the attach benchmark in the guest instead of the suite),
# VM_CAPTURE=DIR (instead of the suite: the node's files as a fixture tree,
# written to DIR), VM_KEEP_LOGS=DIR (copy the console and result logs
# there), VM_QUIET= (the guest's boot messages on its console),
# VM_ONLY=REGEX (only the node suite's checks whose names match: e2e.sh's
# E2E_ONLY; letters, digits and -_.|^$()[]*+ only: it rides on the kernel
# command line), VM_INTEGRATION_TESTS="a b" (the integration scripts run
# after it, guest.sh's list by default; "none" for none).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
say() { printf 'vm: %s\n' "$*" >&2; }
die() { printf 'vm: error: %s\n' "$*" >&2; echo "0 passed, 1 failed"; exit 1; }
skip() { printf 'vm: SKIP: %s\n' "$*" >&2; exit 77; }

[[ $(id -u) == 0 ]] || die "run as root (the image build bootstraps a Debian root)"
command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 is not installed (deps/debian.txt [vm]: qemu-system-x86)"
command -v qemu-img >/dev/null || skip "qemu-img is not installed (deps/debian.txt [vm]: qemu-utils)"
[[ $(uname -m) == x86_64 ]] || skip "the VM image is amd64; this machine is $(uname -m)"
[[ -x $TOP/podenter ]] || die "no $TOP/podenter: build first (make)"

ACCEL=${VM_ACCEL:-}
IMAGE=
kvm_boots() {
	# /dev/kvm can exist and even create VMs where the guest never runs (a
	# nested hypervisor without virtualization extensions): boot the kernel
	# under KVM for at most 10 s and look for its first line
	local out pid i found=1
	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	out=$(mktemp /var/tmp/podenter-vm-kvm.XXXXXX)
	timeout 10 qemu-system-x86_64 -accel kvm -machine q35 -cpu host -m 256 \
		-nodefaults -no-user-config -display none -monitor none -no-reboot -nic none \
		-kernel "$IMAGE/vmlinuz" -append "console=ttyS0 earlyprintk=ttyS0 panic=-1" \
		-serial "file:$out" </dev/null >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 20; i++)); do
		grep -q 'Linux version' "$out" && { found=0; break; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$out"
	return "$found"
}
started=$SECONDS
IMAGE=$(bash "$TOP/tests/vm/build-image.sh") || die "the VM image could not be built"
say "image $IMAGE ready in $((SECONDS - started)) s"
if [[ -z $ACCEL ]]; then
	ACCEL=tcg
	kvm_boots && ACCEL=kvm
fi
# TIMEOUT: both boots together; STALL: the longest silence of the results
# port before a boot is given up on (a whole emulated run's longest is node
# up: 81-106 s measured, "its longest silence" below); RETRY_MIN: what a
# second boot needs
case $ACCEL in
kvm) CPU=host TIMEOUT=${VM_TIMEOUT:-900} STALL=${VM_STALL:-300} RETRY_MIN=400 ;;
# -cpu max under TCG (qemu 7.2) breaks static glibc binaries (busybox:
# _dl_get_origin asserts) in the guest: the plain qemu64 model works
tcg) CPU=qemu64 TIMEOUT=${VM_TIMEOUT:-2400} STALL=${VM_STALL:-600} RETRY_MIN=1200 ;;
*) die "VM_ACCEL=$ACCEL: kvm or tcg" ;;
esac
[[ $STALL =~ ^[1-9][0-9]*$ ]] || die "VM_STALL=$STALL: seconds"


# The harness's container images, built here (they need a C compiler the
# guest does not have), cached in the tree's tests/node/images/build/ as
# node.sh up does on the host; the guest imports them from a copy.
/usr/bin/python3 "$TOP/tests/node/images/build-images.py" >/dev/null ||
	die "the node harness's images could not be built"

WORK=$(mktemp -d /var/tmp/podenter-vm.XXXXXX)
QEMU_PID=
cleanup() {
	if [[ -n $QEMU_PID ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill -KILL "$QEMU_PID" 2>/dev/null || true
		wait "$QEMU_PID" 2>/dev/null || true
	fi
	if [[ -n ${VM_KEEP_LOGS:-} ]]; then
		mkdir -p "$VM_KEEP_LOGS" && cp "$WORK"/*.log "$VM_KEEP_LOGS"/ 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# capture mode: the one writable share, a directory of our own
CAPTURE_SHARE=()
MODE=${VM_MODE:-suite}
if [[ -n ${VM_CAPTURE:-} ]]; then
	MODE=capture
	mkdir -p "$WORK/out"
	CAPTURE_SHARE=(-virtfs "local,path=$WORK/out,mount_tag=podenter-out,security_model=none")
fi

# Kernel command line: the root disk, cgroup v2 only, the console on the
# first serial port, no waiting at boot; guest.sh reads podenter.* options.
CMDLINE="root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1"
CMDLINE+=" panic=-1 ${VM_QUIET-quiet loglevel=4 systemd.show_status=0} net.ifnames=0"
CMDLINE+=" podenter.accel=$ACCEL podenter.mode=$MODE podenter.stall=$STALL"
if [[ -n ${VM_ONLY:-} ]]; then
	only_chars='^[][A-Za-z0-9_.|^$()*+-]+$'
	[[ $VM_ONLY =~ $only_chars ]] || die "VM_ONLY=$VM_ONLY: letters, digits and -_.|^\$()[]*+ only"
	CMDLINE+=" podenter.only=$VM_ONLY"
fi
if [[ -n ${VM_INTEGRATION_TESTS:-} ]]; then
	[[ $VM_INTEGRATION_TESTS =~ ^[a-z0-9\ -]+$ ]] || die "VM_INTEGRATION_TESTS: script names, space-separated"
	CMDLINE+=" podenter.integration=${VM_INTEGRATION_TESTS// /,}"
fi

# boot_and_wait LIMIT: one boot of the guest on a fresh overlay of the image,
# waited for at most LIMIT seconds, and for at most STALL seconds without a
# new byte on the results port: a guest stuck in its kernel, on the 9p share
# or in a step without a bound of its own says nothing more, and is given up
# on then rather than at the end of LIMIT. Sets ended (finished, stalled or
# timeout); the results and console logs are in $WORK.
boot_and_wait() {
	local limit=$1 deadline size last_size=0 last_change boot_started longest=0
	# nothing of an earlier boot: its disk, its logs, a capture it began
	rm -rf "$WORK/disk.qcow2" "$WORK/out/fixture"
	qemu-img create -q -f qcow2 -b "$IMAGE/root.raw" -F raw "$WORK/disk.qcow2"
	: >"$WORK/console.log"
	: >"$WORK/results.log"
	say "booting ($ACCEL, ${VM_CPUS:-2} CPUs, ${VM_MEMORY:-2048} MiB, timeout $limit s," \
		"given up after $STALL s without output)"
	boot_started=$SECONDS
	# virtio-rng: the guest's random pool is ready at once (containerd and
	# Python read it early), whatever the host's load does to jitter entropy
	qemu-system-x86_64 -accel "$ACCEL" -machine q35 -cpu "$CPU" \
		-smp "${VM_CPUS:-2}" -m "${VM_MEMORY:-2048}" \
		-nodefaults -no-user-config -display none -monitor none -no-reboot \
		-kernel "$IMAGE/vmlinuz" -initrd "$IMAGE/initrd.img" -append "$CMDLINE" \
		-drive "file=$WORK/disk.qcow2,if=virtio,format=qcow2,discard=unmap" \
		-device virtio-rng-pci \
		-virtfs "local,path=$TOP,mount_tag=podenter,security_model=none,readonly=on" \
		"${CAPTURE_SHARE[@]}" \
		-serial "file:$WORK/console.log" -serial "file:$WORK/results.log" \
		-nic none </dev/null >"$WORK/qemu.log" 2>&1 &
	QEMU_PID=$!

	# Wait for the guest to power off, bounded; show the suite's lines as they come.
	tail -n +1 -f --pid="$QEMU_PID" "$WORK/results.log" 2>/dev/null | sed -u 's/\r$//' &
	TAIL_PID=$!
	deadline=$((SECONDS + limit))
	last_change=$SECONDS
	ended=finished
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			ended=timeout
			break
		fi
		size=$(stat -c %s "$WORK/results.log")
		if ((size != last_size)); then
			((SECONDS - last_change > longest)) && longest=$((SECONDS - last_change))
			last_size=$size last_change=$SECONDS
		elif ((SECONDS - last_change >= STALL)); then
			ended=stalled
			break
		fi
		sleep 1
	done
	if kill -0 "$QEMU_PID" 2>/dev/null; then
		kill -KILL "$QEMU_PID" 2>/dev/null || true
	fi
	wait "$QEMU_PID" 2>/dev/null || true
	QEMU_PID=
	wait "$TAIL_PID" 2>/dev/null || true
	say "VM ran $((SECONDS - boot_started)) s (its longest silence before the end: $longest s)"
	results=$(tr -d '\r' <"$WORK/results.log")
}

# Why a boot did not finish its suite: the console's last lines and qemu's
# messages (the guest's own report of a stall, guest.sh's, is among the
# results already shown).
explain_unfinished() {
	case $ended in
	timeout) say "the in-VM suite did not finish (killed after its time limit); console tail:" ;;
	stalled) say "the in-VM suite stalled (no output for $STALL s; killed); console tail:" ;;
	*) say "the in-VM suite did not finish (the guest powered off before its end); console tail:" ;;
	esac
	tr -d '\r' <"$WORK/console.log" | tail -40 >&2
	[[ -s $WORK/qemu.log ]] && sed 's/^/qemu: /' "$WORK/qemu.log" >&2
	return 0
}

# A second boot only when the first ran no check at all (the guest, or the
# node harness in it, never got as far as podenter: seen once in CI under
# emulation, silent at node up until the time limit) and the time left
# allows a whole run. A check that ran and failed never runs again.
run_started=$SECONDS
boot_and_wait "$TIMEOUT"
if ! grep -q '^ok ' <<<"$results" && ! grep -q '^vm-suite: [0-9]* passed, 0 failed' <<<"$results"; then
	grep -q '^vm-suite: done' <<<"$results" || explain_unfinished
	left=$((TIMEOUT - (SECONDS - run_started)))
	if ((left >= RETRY_MIN)); then
		say "no check ran in that boot (it ended: $ended); booting once more, $left s left"
		boot_and_wait "$left"
	else
		say "no check ran in that boot (it ended: $ended); $left s left, too few for another ($RETRY_MIN s)"
	fi
fi

if ! grep -q '^vm-suite: done' <<<"$results"; then
	explain_unfinished
	passed=$(grep -c '^ok ' <<<"$results" || true)
	failed=$(grep -c '^FAIL ' <<<"$results" || true)
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
fi
if [[ -n ${VM_CAPTURE:-} ]]; then
	[[ -d $WORK/out/fixture ]] || die "the guest captured nothing"
	rm -rf "$VM_CAPTURE" && mkdir -p "$VM_CAPTURE"
	cp -a "$WORK/out/fixture/." "$VM_CAPTURE/"
	say "fixture written to $VM_CAPTURE"
fi
# guest.sh's own total (the e2e suite's and the VM checks' counts)
total=$(grep -E '^vm-suite: [0-9]+ passed, [0-9]+ failed' <<<"$results" | tail -1)
[[ -n $total ]] || die "the in-VM suite printed no count"
echo "${total#vm-suite: }"
[[ $total == *" 0 failed"* ]]
