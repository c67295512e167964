#!/bin/bash
# podenter runs as root: its binary is linked with full RELRO and immediate
# binding (configure: -z relro -z now), so the symbol table is read-only once
# loaded and no session process resolves symbols lazily.
source "$TESTLIB"
command -v readelf >/dev/null || t_skip_all "readelf (binutils) is not installed"
grep -q "^PE_HARDEN_LDFLAGS = -Wl" "$(dirname "$PODENTER")/Makefile" 2>/dev/null ||
	t_skip_all "this linker takes no -z relro -z now (configure said so)"
dyn=$(readelf -d "$PODENTER")
t_expect_match "bound at start (BIND_NOW)" "$dyn" "BIND_NOW|Flags: .*NOW"
t_expect_match "a RELRO segment" "$(readelf -l "$PODENTER")" "GNU_RELRO"
t_done
