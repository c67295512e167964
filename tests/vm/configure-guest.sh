#!/bin/bash
# The VM guest's configuration (tests/vm/build-image.sh runs it as
# mmdebstrap's customize hook, after the packages are in): configure-guest.sh TREE
set -euo pipefail
root=$1
echo podenter-vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 podenter-vm\n' >"$root/etc/hosts"
# the root disk, and the host's build tree (9p, read-only: run.sh shares
# it with readonly=on as well)
cat >"$root/etc/fstab" <<-'EOF'
	/dev/vda / ext4 rw,errors=remount-ro 0 1
	podenter /src 9p trans=virtio,version=9p2000.L,ro,msize=262144,nofail 0 0
EOF
mkdir -p "$root/src"
# Lean boot under software emulation: what a node does not need.
# containerd.service too: the harness (node.sh up) starts its own
# containerd with its own config, as it does on the host.
for unit in containerd.service getty@tty1.service serial-getty@ttyS0.service \
	apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	e2scrub_reap.service fstrim.timer systemd-timesyncd.service man-db.timer \
	systemd-networkd-wait-online.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
# The suite: the in-VM script from the shared tree, its output on the
# second serial port (the host reads it from a file), then power off,
# whatever its result (the host's timeout covers a hang).
cat >"$root/etc/systemd/system/podenter-vm-suite.service" <<-'EOF'
	[Unit]
	Description=podenter's in-VM suite (tests/vm/guest.sh from the host's tree)
	After=multi-user.target src.mount
	RequiresMountsFor=/src
	SuccessAction=poweroff-force
	FailureAction=poweroff-force

	[Service]
	Type=oneshot
	ExecStart=/bin/bash /src/tests/vm/guest.sh
	StandardInput=null
	StandardOutput=tty
	StandardError=inherit
	TTYPath=/dev/ttyS1
	TTYReset=no
	TTYVHangup=no

	[Install]
	WantedBy=multi-user.target
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf ../podenter-vm-suite.service \
	"$root/etc/systemd/system/multi-user.target.wants/podenter-vm-suite.service"
# modules udev would load for the emulated CPU, of no use to the node
cat >"$root/etc/modprobe.d/podenter-vm.conf" <<-'EOF'
	blacklist kvm_amd
	blacklist kvm_intel
	blacklist kvm
	blacklist powernow_k8
EOF
# a machine id of its own (an empty one would make every boot a "first
# boot": systemd would apply every preset); no login anywhere (root stays locked)
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$root/etc/machine-id"
echo >>"$root/etc/machine-id"
