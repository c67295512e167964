#!/bin/bash
# The pages podenter writes, made present at its start in two system calls
# instead of a page fault each (src/lib/prefault.h): the stack below main
# and the heap's first extension, populated (MADV_POPULATE_WRITE answers 0,
# so the kernel made every page of the range present); in a static PIE
# before those, its writable segment, by its own entry point before the C
# library relocates it (the process's first system call). And where the kernel
# cannot (before Linux 5.14: EINVAL, as tests/no-new-api answers), the
# session is the same.
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root
command -v strace >/dev/null ||
	{ t_fail "strace is needed to see podenter's madvise() calls (apt-get install strace)"; t_done; }

e_make_target prefault
T=$E_PID

# podenter's own calls (strace follows no child: the session's processes
# are traced by podenter itself, traceguard.h): at start, and once it let
# them go at their execs (its last ptrace call), the same ranges again
strace -qq -e trace=madvise,ptrace -o "$T_TMP/madv" "$PODENTER" pid:$T -- cat /proc/sys/kernel/hostname \
	>"$T_TMP/out" 2>"$T_TMP/err"
t_expect_eq "the session runs" "$(cat "$T_TMP/out")" prefault
calls=$(awk '/^ptrace\(/ { exit } /MADV_POPULATE_WRITE/' "$T_TMP/madv")
again=$(tac "$T_TMP/madv" | awk '/^ptrace\(/ { exit } /MADV_POPULATE_WRITE/' | tac)
t_expect_match "podenter traced the session's processes" "$(grep -c '^ptrace(' "$T_TMP/madv")" '^[1-9]'
t_expect_eq "  and populated nothing while it held them" \
	"$(grep -c MADV_POPULATE_WRITE "$T_TMP/madv")" "$(($(printf '%s\n' "$calls" "$again" | grep -c .)))"

# the writable segment (relro: without the part made read-only once
# relocated, as glibc rounds it)
read -r vaddr memsz < <(readelf -lW "$PODENTER" | awk '$1 == "LOAD" && $7 ~ /W/ { print $3, $6; exit }')
read -r rvaddr rmemsz < <(readelf -lW "$PODENTER" | awk '$1 == "GNU_RELRO" { print $3, $6; exit }')
seg_from=$(($vaddr & ~4095))
seg_to=$(((($vaddr + $memsz + 4095) & ~4095)))
writable_from=$seg_from
[[ -n $rvaddr ]] && (((($rvaddr + $rmemsz) & ~4095) > seg_from)) && writable_from=$((($rvaddr + $rmemsz) & ~4095))

# a static PIE with its own entry point (configure.ac: -e pe_start)
if grep -q '^PE_BINARY_LDFLAGS = .*-e,pe_start' "$(dirname "$PODENTER")/Makefile" 2>/dev/null; then
	span=$((seg_to - seg_from))
	strace -qq -o "$T_TMP/first" "$PODENTER" --version >/dev/null 2>&1
	t_expect_match "a static PIE's first system call: its writable segment populated ($span bytes)" \
		"$(sed -n 2p "$T_TMP/first")" "^madvise\(0x[0-9a-f]*000, $span, MADV_POPULATE_WRITE\) = 0$"
	t_expect_match "  in the session as well" "$(printf '%s\n' "$calls" | head -1)" \
		"^madvise\(0x[0-9a-f]*000, $span, MADV_POPULATE_WRITE\) = 0$"
	calls=$(printf '%s\n' "$calls" | tail -n +2)
else
	echo "# not a static PIE with its own entry point: its writable segment faults in as relocated"
fi
stack=$(printf '%s\n' "$calls" | sed -n '1s/^madvise(0x[0-9a-f]*, \([0-9]*\), MADV_POPULATE_WRITE) = 0$/\1/p')
heap=$(printf '%s\n' "$calls" | sed -n '2s/^madvise(0x[0-9a-f]*, \([0-9]*\), MADV_POPULATE_WRITE) = 0$/\1/p')
if [[ $stack =~ ^[0-9]+$ ]] && ((stack >= 65536)); then
	t_pass "64 KiB of stack populated at start ($stack bytes)"
else
	t_fail "64 KiB of stack populated at start: $(printf '%s\n' "$calls" | head -1)"
fi
# a sanitizer build's allocator is not glibc's brk heap: left alone
if grep -aq '__asan_init' "$PODENTER"; then
	t_expect_eq "AddressSanitizer's heap left alone (one call)" "$(printf '%s\n' "$calls" | grep -c .)" 1
else
	if [[ $heap =~ ^[0-9]+$ ]] && ((heap >= 131072 && heap <= 262144)); then
		t_pass "the heap's first extension populated at start ($heap bytes)"
	else
		t_fail "the heap's first extension populated at start: $(printf '%s\n' "$calls" | sed -n 2p)"
	fi
	t_expect_eq "nothing else populated at start (two calls)" "$(printf '%s\n' "$calls" | grep -c .)" 2
fi

# once the session's processes executed, podenter's pages are its own
# again: the same stack and heap, then the writable part of the segment
span=$((seg_to - writable_from))
if ((span <= 262144)); then
	t_expect_eq "after the session's execs: the same stack and heap again" \
		"$(printf '%s\n' "$again" | head -n -1)" "$calls"
	t_expect_match "  and the writable part of the segment ($span bytes)" "$(printf '%s\n' "$again" | tail -1)" \
		"^madvise\(0x[0-9a-f]*000, $span, MADV_POPULATE_WRITE\) = 0$"
else # a sanitizer's runtime in it (PE_PREFAULT_SEGMENT_MAX)
	t_expect_eq "after the session's execs: the same stack and heap again, not the $span-byte segment" \
		"$again" "$calls"
fi

# a kernel before 5.14: the calls fail, nothing else changes
strace -qq -e trace=madvise,execve -o "$T_TMP/madv" "$NO_NEW_API" "$PODENTER" pid:$T -- cat /proc/sys/kernel/hostname \
	>"$T_TMP/out" 2>"$T_TMP/err"
rc=$?
t_expect_eq "without MADV_POPULATE_WRITE: the session runs" "$rc:$(cat "$T_TMP/out"):$(cat "$T_TMP/err")" "0:prefault:"
t_expect_match "without MADV_POPULATE_WRITE: the calls were refused" "$(sed -n '/^execve("[^"]*podenter"/,$p' "$T_TMP/madv")" \
	'MADV_POPULATE_WRITE\) = -1 EINVAL'
t_done
