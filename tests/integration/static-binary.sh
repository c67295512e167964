#!/bin/bash
# A build from source links podenter as a static PIE (configure.ac,
# --disable-static-binary): it starts without the dynamic loader. Its
# dlopen() of libpcap (sniff) and libmount (the merged view) loads the
# node's libc.so.6 beside the static one, which glibc supports only within
# one release: src/lib/dlload.c checks the node's C library first and
# refuses another release with a message, before anything is written.
source "$TESTLIB"
t_require_root
builddir=$(dirname "$PODENTER")
grep -q '^PE_BINARY_LDFLAGS = -static-pie' "$builddir/Makefile" 2>/dev/null ||
	t_skip_all "podenter is linked against the shared C library here (--disable-static-binary, or no libc.a)"

hdr=$(readelf -l "$PODENTER")
t_expect_nomatch "no program interpreter: starts without the dynamic loader" "$hdr" "INTERP|interpreter"
t_expect_match "position-independent (ASLR)" "$hdr" "DYN \(Position-Independent"
t_expect_nomatch "needs no shared library at start" "$(objdump -p "$PODENTER")" "NEEDED"
# where configure found the linker and the C library able to (DT_RELR), the
# relative relocations are packed: glibc's start reads a few hundred bytes
# of them, not a 60 KB table
if grep -q '^PE_BINARY_LDFLAGS = .*pack-relative-relocs' "$builddir/Makefile"; then
	dyn=$(readelf -d "$PODENTER")
	t_expect_match "relative relocations packed (RELR)" "$dyn" "\(RELR\)"
	relsz=$(readelf -SW "$PODENTER" | sed -n 's/.* \.rela\.dyn  *[A-Z]*  *[0-9a-f]*  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
	t_expect_eq "  and none left in the RELA table" "$((16#${relsz:-0}))" 0
	t_podenter --version
	t_expect_match "  and it starts, its pointers relocated" "$T_OUT" "^podenter [0-9]"
else
	echo "# the relocations are not packed here (configure found no RELR support)"
fi

# a fixture node (no live process is needed: libpcap is loaded, and a bad
# filter refused by its compiler, before the target is pinned)
fixture=$FIXTURES/containerd2-systemd-v2
pod=(--host-root "$fixture" -n payments ledger-api-5f7c9d8b4-qm2xz)
t_podenter sniff "${pod[@]}" -w /dev/null -- "port((("
t_expect_match "sniff loads libpcap from a static podenter (its compiler answers)" "$T_ERR" "syntax error|parse error|filter"
t_expect_nomatch "  and the C library check passes" "$T_ERR" "linked with glibc"

t_have_test_hooks || { echo "# no test hooks: the refusal of another glibc is not checked"; t_done; }
libc=$(ldd /bin/true | awk '/libc\.so/ { print $3 }')
# the node's C library of another release: refused, said, nothing written
other=$T_TMP/libc-other.so.6
sed 's/release version 2\.[0-9]*\./release version 1.99./g' "$libc" >"$other"
grep -aq 'release version 1\.99\.' "$other" || t_fail "the test's other libc has another release banner"
export PODENTER_TEST_NODE_LIBC=$other
t_podenter sniff "${pod[@]}" -w "$T_TMP/capture.pcapng" -- "port 80"
t_expect_rc "another glibc release: podenter's own failure" 125
t_expect_match "  says why" "$T_ERR" "cannot load libpcap: this podenter is linked with glibc [0-9.]+, and $other is another release"
t_expect_match "  and what to do" "$T_ERR" "build podenter on this node|--disable-static-binary"
t_expect_eq "  writes no capture file" "$(ls "$T_TMP/capture.pcapng" 2>&1 >/dev/null | grep -c 'No such')" 1
# an unreadable C library (a FIFO must not hang it): refused as well
mkfifo "$T_TMP/fifo"
PODENTER_TEST_NODE_LIBC=$T_TMP/fifo t_podenter sniff "${pod[@]}" -w /dev/null -- "port 80"
t_expect_rc "a C library that cannot be read (a FIFO): refused" 125
t_expect_match "  says so" "$T_ERR" "cannot be read"
# the same release (a copy of this machine's): loaded
PODENTER_TEST_NODE_LIBC=$libc t_podenter sniff "${pod[@]}" -w /dev/null -- "port((("
t_expect_match "the same release: libpcap loaded" "$T_ERR" "syntax error|parse error|filter"
unset PODENTER_TEST_NODE_LIBC
t_done
