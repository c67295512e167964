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
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
TOP=$PWD
PASSED=0
FAILED=0
SKIPPED=0
FAILED_STAGES=()

PACKAGES=(autoconf automake libtool pkg-config gcc make libc6-dev clang
	libcap-dev libseccomp-dev libmount-dev libjson-c-dev libcmocka-dev libpcap-dev
	libclang-rt-14-dev clang-format cppcheck valgrind tshark
	util-linux iproute2 procps psmisc busybox-static tcpdump hyperfine
	containerd runc containernetworking-plugins iptables python3-grpcio python3-protobuf)
# man page check, zsh completion, deploy manifests, node image build (issue 9)
PACKAGES+=(groff-base man-db zsh python3-yaml buildah dpkg-dev debhelper)
# configure requires zlib (image tarballs); nothing above pulls it in on a bare machine
PACKAGES+=(zlib1g-dev)

stage() { printf '\n\033[1m=== %s\033[0m\n' "$*"; }

install_packages() {
	local missing=()
	local p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if ((${#missing[@]} == 0)); then
		echo "all ${#PACKAGES[@]} packages present"
		return 0
	fi
	echo "installing: ${missing[*]}"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Add an automake run's counts (from its test-suite.log) to the totals.
count_automake() { # builddir label
	local log=$1/test-suite.log p f s e
	if [ ! -f "$log" ]; then
		FAILED=$((FAILED + 1))
		FAILED_STAGES+=("$2 (no test-suite.log)")
		return
	fi
	p=$(sed -n 's/^# PASS: *//p' "$log")
	f=$(sed -n 's/^# FAIL: *//p' "$log")
	s=$(sed -n 's/^# SKIP: *//p' "$log")
	e=$(sed -n 's/^# ERROR: *//p' "$log")
	PASSED=$((PASSED + ${p:-0}))
	FAILED=$((FAILED + ${f:-0} + ${e:-0}))
	SKIPPED=$((SKIPPED + ${s:-0}))
	if [ "${s:-0}" != 0 ]; then
		echo "SKIPPED in $2:"
		grep -h '^SKIP' "$1"/tests/*/*.log 2>/dev/null | sed 's/^/  /'
	fi
	if [ "$((${f:-0} + ${e:-0}))" != 0 ]; then
		FAILED_STAGES+=("$2")
		# show what failed: the log of every failing test
		grep -l -E '^(FAIL|ERROR)' "$1"/tests/*/*.trs 2>/dev/null | while read -r trs; do
			echo "---- ${trs%.trs}.log"
			tail -40 "${trs%.trs}.log"
		done
	fi
}

run_stage() { # label command...
	local label=$1
	shift
	if "$@"; then
		PASSED=$((PASSED + 1))
	else
		FAILED=$((FAILED + 1))
		FAILED_STAGES+=("$label")
	fi
}

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
make check >check.log 2>&1
grep -E '^(PASS|FAIL|SKIP|ERROR|XFAIL|XPASS):' check.log
count_automake "$TOP" "make check"

stage "lint: clang-format and cppcheck"
run_stage "lint" make lint

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
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=99 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -C "$ASAN_DIR" check TESTS="$ASAN_TESTS" >asan-check.log 2>&1
	grep -E '^(PASS|FAIL|SKIP|ERROR):' asan-check.log | sed 's/^/asan: /'
	count_automake "$ASAN_DIR" "make check under ASan+UBSan"
	LSAN_TESTS=$(cd "$ASAN_DIR" && ls tests/unit/test_*.c | sed 's/\.c$//' | tr '\n' ' ')
	LSAN_TESTS="$LSAN_TESTS tests/integration/resolve-fixtures.sh tests/integration/resolve-real-cgroups.sh"
	rm -f "$ASAN_DIR"/test-suite.log
	ASAN_OPTIONS=detect_leaks=1:exitcode=99 \
		make -C "$ASAN_DIR" check TESTS="$LSAN_TESTS" >lsan-check.log 2>&1
	grep -E '^(PASS|FAIL|SKIP|ERROR):' lsan-check.log | sed 's/^/lsan: /'
	count_automake "$ASAN_DIR" "leak check (LSan)"
else
	cat asan-build.log
	FAILED=$((FAILED + 1))
	FAILED_STAGES+=("ASan build")
fi

if grep -q '^fuzz:' Makefile; then
	stage "fuzzing the parsers (short runs)"
	run_stage "fuzz" make fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
fi

stage "end to end on a real containerd node (tests/node/e2e.sh)"
if [ "${PODENTER_SKIP_E2E:-0}" = 1 ]; then
	echo "SKIPPED: PODENTER_SKIP_E2E=1 was given; the containerd node suite did not run" >&2
	SKIPPED=$((SKIPPED + 1))
else
	PODENTER=$TOP/podenter bash tests/node/e2e.sh 2>&1 | tee e2e.log
	e2e_rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' e2e.log | tail -1)
	if [ -n "$line" ]; then
		PASSED=$((PASSED + $(echo "$line" | cut -d' ' -f1)))
		FAILED=$((FAILED + $(echo "$line" | cut -d' ' -f3)))
	fi
	if [ "$e2e_rc" != 0 ]; then
		FAILED_STAGES+=("e2e (exit $e2e_rc)")
		[ -z "$line" ] && FAILED=$((FAILED + 1))
	fi
fi

stage "summary"
((${#FAILED_STAGES[@]})) && printf 'failed: %s\n' "${FAILED_STAGES[@]}"
if ((PASSED == 0)); then
	echo "test.sh: no test ran" >&2
	FAILED=$((FAILED + 1))
fi
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
((FAILED == 0))
