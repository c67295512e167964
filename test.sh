#!/bin/bash
# podenter's whole test suite, as root on a Debian machine:
#
#   sudo ./test.sh
#
# installs what is needed (apt), builds, and runs every test: cmocka unit
# tests and integration tests on real namespaces (make check), lint
# (clang-format, cppcheck), the same tests under ASan+UBSan (with LSan's leak
# check), short fuzzing runs, and the end-to-end suite on a real containerd
# node (tests/node/e2e.sh). It ends with one line "N passed, N failed" and
# exits non-zero if anything failed. .ci/run calls exactly this.
#
# PODENTER_SKIP_E2E=1 skips the containerd node suite, and says so; it is an
# explicit opt-out for machines that cannot run containers, never the default.
# PODENTER_SKIP_VM=1 likewise skips the VM stage (a systemd + cgroup v2 node
# in qemu, tests/vm/run.sh), which also skips itself, with the reason, where
# qemu cannot run.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
TOP=$PWD
# the counting (and its self-test, tests/integration/test-sh-counting.sh)
source "$TOP/tests/ci/count.sh"

# What to install: deps/debian.txt's build, test and vm sets (the one list).
mapfile -t PACKAGES < <(deps/packages build test vm)

stage() { printf '\n\033[1m=== %s\033[0m\n' "$*"; }

install_packages() {
	local missing=()
	mapfile -t missing < <(deps/packages --missing build test vm)
	if ((${#missing[@]} == 0)); then
		echo "all ${#PACKAGES[@]} packages of deps/debian.txt [build] [test] [vm] present"
		return 0
	fi
	echo "installing: ${missing[*]}"
	# deps/install: the daemons these bring (containerd, dockerd) are not
	# started, so the node harness runs its own on a systemd machine too
	deps/install "${missing[@]}" >/dev/null
}

# Each test of make check runs bounded (tests/bounded.sh, automake's
# LOG_COMPILER): PODENTER_TEST_TIMEOUT seconds, default 600.
# A stamp made before each automake run: its test-suite.log must be newer.
STAMP=$TOP/.test-sh-stamp
new_stamp() { rm -f "$1"/test-suite.log; touch "$STAMP"; sleep 1; }

if [ "$(id -u)" != 0 ]; then
	echo "test.sh: run as root (the tests enter real namespaces and cgroups)" >&2
	exit 1
fi

stage "packages"
install_packages || { echo "test.sh: package installation failed" >&2; exit 1; }

stage "build (-Wall -Wextra -Werror)"
# the test hooks (PODENTER_TEST_*) exist only in this build, never in a
# release (configure.ac: --enable-test-hooks)
{ autoreconf -fi && ./configure -q --enable-test-hooks && make -j2; } >build.log 2>&1 ||
	{ cat build.log; echo "test.sh: the build failed" >&2; echo "0 passed, 1 failed"; exit 1; }
echo "built $(./podenter --version)"

stage "make check: unit tests and integration tests on real namespaces"
# serially: several tests compare the node's whole mount table before and
# after, which another test's mounts would disturb
new_stamp "$TOP"
make check >check.log 2>&1
check_rc=$?
grep -E '^(PASS|FAIL|SKIP|ERROR|XFAIL|XPASS):' check.log
count_automake "$TOP" "make check" "$STAMP" "$check_rc"

stage "lint: clang-format and cppcheck"
run_stage "lint" timeout 900 make lint

stage "ASan + UBSan + LSan build of the tests"
ASAN_DIR=$TOP/build-asan
rm -rf "$ASAN_DIR" && mkdir -p "$ASAN_DIR"
# a clean copy of the sources (automake refuses an out-of-tree build of a
# configured tree): tracked files plus new ones git does not ignore
git ls-files -co --exclude-standard -z | grep -zv '^build-asan/' |
	tar --null -T - -cf - | tar -C "$ASAN_DIR" -xf -
if (cd "$ASAN_DIR" && autoreconf -fi && ./configure -q --enable-test-hooks CC=clang \
	CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	LDFLAGS="-fsanitize=address,undefined" && make -j2) >asan-build.log 2>&1; then
	# LeakSanitizer cannot run in a process that has joined another PID
	# namespace's mount namespace (its /proc no longer shows the process:
	# the leak check spins at exit), so the whole suite runs under ASan and
	# UBSan, and the leak check runs over every test that stays on the
	# host's side: the unit tests and list/inspect on the node trees.
	# Packaging tests build a .deb, an image root or an install tree: what
	# they check is packaging, and an instrumented binary inside a root
	# with no /proc only adds sanitizer chatter. Everything else runs.
	ASAN_TESTS=$(make -s -C "$ASAN_DIR" print-tests | tr ' ' '\n' |
		grep -v -e debian-package -e container-image -e '/install\.sh' | tr '\n' ' ')
	new_stamp "$ASAN_DIR"
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=99 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -C "$ASAN_DIR" check TESTS="$ASAN_TESTS" >asan-check.log 2>&1
	check_rc=$?
	grep -E '^(PASS|FAIL|SKIP|ERROR):' asan-check.log | sed 's/^/asan: /'
	count_automake "$ASAN_DIR" "make check under ASan+UBSan" "$STAMP" "$check_rc"
	LSAN_TESTS=$(cd "$ASAN_DIR" && ls tests/unit/test_*.c | sed 's/\.c$//' | tr '\n' ' ')
	LSAN_TESTS="$LSAN_TESTS tests/integration/resolve-fixtures.sh tests/integration/resolve-real-cgroups.sh"
	new_stamp "$ASAN_DIR"
	# fuzz/lsan.supp lists leaks inside libraries we link (a frame of
	# theirs, the reason); its libseccomp entry needs the slow unwinder
	ASAN_OPTIONS=detect_leaks=1:exitcode=99:fast_unwind_on_malloc=0 \
		LSAN_OPTIONS=suppressions=$TOP/fuzz/lsan.supp \
		make -C "$ASAN_DIR" check TESTS="$LSAN_TESTS" >lsan-check.log 2>&1
	check_rc=$?
	grep -E '^(PASS|FAIL|SKIP|ERROR):' lsan-check.log | sed 's/^/lsan: /'
	count_automake "$ASAN_DIR" "leak check (LSan)" "$STAMP" "$check_rc"
else
	cat asan-build.log
	FAILED=$((FAILED + 1))
	FAILED_STAGES+=("ASan build")
fi

if grep -q '^fuzz:' Makefile; then
	stage "fuzzing the parsers (short runs)"
	# each fuzzer stops itself after FUZZ_SECONDS; the build and all runs are bounded
	run_stage "fuzz" timeout -k 30 1800 make fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
fi

stage "a fresh Debian 12 root: deps/debian.txt's [build] set builds and runs podenter"
# bounded inside (bootstrap 30 min, build 15 min); cached by the package list
run_stage "fresh Debian 12 root (tests/fresh-root.sh)" bash tests/fresh-root.sh

stage "end to end on a real containerd node (tests/node/e2e.sh)"
if [ "${PODENTER_SKIP_E2E:-0}" = 1 ]; then
	echo "SKIPPED: PODENTER_SKIP_E2E=1 was given; the containerd node suite did not run" >&2
	SKIPPED=$((SKIPPED + 1))
	SKIP_REASONS+=("e2e: PODENTER_SKIP_E2E=1 was given")
else
	# counted by its checks and its exit status, bounded (tests/ci/count.sh)
	PODENTER=$TOP/podenter run_e2e "e2e" e2e.log tests/node/e2e.sh
fi

stage "end to end on real podman (tests/node/podman-e2e.sh)"
if [ "${PODENTER_SKIP_E2E:-0}" = 1 ]; then
	echo "SKIPPED: PODENTER_SKIP_E2E=1 was given; the podman suite did not run" >&2
	SKIPPED=$((SKIPPED + 1))
	SKIP_REASONS+=("podman-e2e: PODENTER_SKIP_E2E=1 was given")
else
	# its own checks, counted like the containerd suite's; it skips (with
	# the reason, counted) only where podman, runc or busybox-static is missing
	PODENTER=$TOP/podenter run_e2e "podman-e2e" podman-e2e.log tests/node/podman-e2e.sh
fi

stage "end to end on containerd with k3s's state root and crun (tests/node/e2e.sh, variant)"
if [ "${PODENTER_SKIP_E2E:-0}" = 1 ]; then
	echo "SKIPPED: PODENTER_SKIP_E2E=1 was given; the k3s/crun node suite did not run" >&2
	SKIPPED=$((SKIPPED + 1))
	SKIP_REASONS+=("e2e-k3s-crun: PODENTER_SKIP_E2E=1 was given")
elif ! command -v crun >/dev/null; then
	echo "SKIPPED: crun is not installed (deps/debian.txt [test])" >&2
	SKIPPED=$((SKIPPED + 1))
	SKIP_REASONS+=("e2e-k3s-crun: crun is not installed")
else
	# the same suite, containerd at /run/k3s/containerd and
	# /var/lib/rancher/k3s/agent/containerd, containers run by crun
	PODENTER=$TOP/podenter PODENTER_NODE_FLAVOR=k3s PODENTER_NODE_RUNTIME=crun \
		run_e2e "e2e-k3s-crun" e2e-k3s-crun.log tests/node/e2e.sh
fi

stage "end to end on real Docker (tests/node/docker-e2e.sh)"
if [ "${PODENTER_SKIP_E2E:-0}" = 1 ]; then
	echo "SKIPPED: PODENTER_SKIP_E2E=1 was given; the Docker suite did not run" >&2
	SKIPPED=$((SKIPPED + 1))
	SKIP_REASONS+=("docker-e2e: PODENTER_SKIP_E2E=1 was given")
else
	# dockerd with its own containerd in a private mount namespace, two
	# rounds (default and moved data root); counted like the other suites;
	# it skips (with the reason, counted) where docker.io is missing or the
	# machine has a Docker of its own (/var/lib/docker, /run/docker)
	PODENTER=$TOP/podenter run_e2e "docker-e2e" docker-e2e.log tests/node/docker-e2e.sh
fi

stage "a real systemd + cgroup v2 node in a VM (tests/vm/run.sh)"
if [ "${PODENTER_SKIP_VM:-0}" = 1 ]; then
	echo "SKIPPED: PODENTER_SKIP_VM=1 was given; the VM suite did not run" >&2
	SKIPPED=$((SKIPPED + 1))
	SKIP_REASONS+=("vm: PODENTER_SKIP_VM=1 was given")
else
	# the image (cached by its package list), the boot and the in-VM suite,
	# bounded here as a whole (run.sh bounds the VM itself and kills qemu);
	# counted by the in-VM checks, a skip (no qemu) with its reason
	PODENTER_E2E_TIMEOUT=${PODENTER_VM_TIMEOUT:-3000} run_e2e "vm" vm.log tests/vm/run.sh
fi

stage "summary"
rm -f "$STAMP"
summary
