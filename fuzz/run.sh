#!/bin/bash
# make fuzz: build every harness in fuzz/ with clang's libFuzzer, ASan and
# UBSan, seed its corpus from tests/fixtures and fuzz/seeds, and run each for
# FUZZ_SECONDS. Any crash, leak or sanitizer report fails the run; the input
# that caused it is left in fuzz-build/crashes/ to become a unit test.
#
# Called by `make fuzz` with: srcdir builddir FUZZ_CPPFLAGS FUZZ_CFLAGS_EXTRA
# FUZZ_LIBS FUZZ_LIB_SOURCES (space-separated, relative to srcdir).
#
# The corpus of each harness is kept in the repository, fuzz/seeds/<name>
# (fuzz_<name>.c): every run starts from it and, when it passes, merges into
# it the inputs that reached new code (libFuzzer -merge=1: only those), so
# the corpus grows run by run; commit what a run added. FUZZ_GROW=0 leaves
# the repository untouched.
set -euo pipefail

: "${FUZZ_SECONDS:=20}"
: "${FUZZ_CC:=clang}"
srcdir=$(cd "${srcdir:?}" && pwd)
builddir=$(cd "${builddir:?}" && pwd)
out=$builddir/fuzz-build
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-g -O1 -fno-omit-frame-pointer $SAN ${FUZZ_CFLAGS_EXTRA:-}"
CPPFLAGS="-I$builddir -I$srcdir/include -I$srcdir/src/lib ${FUZZ_CPPFLAGS:-}"

if ! command -v "$FUZZ_CC" >/dev/null; then
	echo "make fuzz: $FUZZ_CC is not installed (apt-get install clang)" >&2
	exit 1
fi
mkdir -p "$out/lib" "$out/crashes"

# The library, instrumented for coverage: rebuild only what changed.
objs=()
for src in ${FUZZ_LIB_SOURCES:?}; do
	obj=$out/lib/$(echo "$src" | tr / _).o
	if [ ! -f "$obj" ] || [ "$srcdir/$src" -nt "$obj" ] ||
		[ -n "$(find "$srcdir/include" "$srcdir/src/lib" -name '*.h' -newer "$obj" 2>/dev/null | head -1)" ]; then
		$FUZZ_CC $CFLAGS -w -fsanitize=fuzzer-no-link $CPPFLAGS -c "$srcdir/$src" -o "$obj"
	fi
	objs+=("$obj")
done
rm -f "$out/libpodenter-fuzz.a"
ar rcs "$out/libpodenter-fuzz.a" "${objs[@]}"

# Seeds: the node files the parsers really read, plus hand-written ones.
seed() { # harness file...
	local dir=$out/seeds/$1 f
	shift
	mkdir -p "$dir"
	for f in "$@"; do
		[ -f "$f" ] && cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-16)"
	done
	return 0
}
seed_names() { # harness name...
	local dir=$out/seeds/$1 n
	shift
	mkdir -p "$dir"
	for n in "$@"; do
		printf '%s' "$n" >"$dir/$(printf '%s' "$n" | md5sum | cut -c1-16)"
	done
}
rm -rf "$out/seeds"
fx=$srcdir/tests/fixtures
mapfile -t f < <(find "$fx" -path '*/proc/*' -name cgroup -type f)
seed fuzz_cgroup "${f[@]}"
mapfile -t f < <(find "$fx" -name 'config.json' -type f)
seed fuzz_oci_config "${f[@]}"
seed fuzz_oci_pick "${f[@]}"
mapfile -t f < <(find "$fx" \( -path '*/var/log/containers/*' -o -path '*/var/log/pods/*' \) -prune -printf '%f\n' 2>/dev/null)
seed_names fuzz_kubelet_names "${f[@]}"
mapfile -t f < <(find "$fx" -name '*.json' -path '*seccomp*' -type f)
seed fuzz_seccomp_profile "${f[@]}"
mapfile -t f < <(find "$fx" -name 'config.v2.json' -type f)
seed fuzz_docker_config "${f[@]}"
# config.v2.json NUL hostconfig.json, as fuzz_docker_recover splits them
mkdir -p "$out/seeds/fuzz_docker_recover"
while IFS= read -r f; do
	[ -f "${f%/*}/hostconfig.json" ] || continue
	{ cat "$f"; printf '\0'; cat "${f%/*}/hostconfig.json"; } \
		>"$out/seeds/fuzz_docker_recover/$(echo "$f" | md5sum | cut -c1-16)"
done < <(find "$fx" -name 'config.v2.json' -type f)
mapfile -t f < <(find "$fx" -name '*containers.json' -path '*overlay-containers*' -type f)
seed fuzz_podman_index "${f[@]}"
# id NUL containers.json NUL layers.json NUL config.json, as
# fuzz_storage_recover splits them: each captured containers/storage spec
mkdir -p "$out/seeds/fuzz_storage_recover"
while IFS= read -r f; do
	graph=${f%/overlay-containers/*}
	id=${f#"$graph"/overlay-containers/}
	id=${id%%/*}
	[ -f "$graph/overlay-layers/layers.json" ] &&
		[ -f "$graph/overlay-containers/containers.json" ] || continue
	{
		printf '%s\0' "$id"
		cat "$graph/overlay-containers/containers.json"
		printf '\0'
		cat "$graph/overlay-layers/layers.json"
		printf '\0'
		cat "$f"
	} >"$out/seeds/fuzz_storage_recover/$(echo "$f" | md5sum | cut -c1-16)"
done < <(find "$fx" -path '*/overlay-containers/*/userdata/config.json' -type f)
mapfile -t f < <(find "$fx" -path '*/proc/*' -name stat -type f)
seed fuzz_proc_stat "${f[@]}"
seed fuzz_config "$srcdir/contrib/podenter.conf.example"
mapfile -t f < <(find "$fx" \( -name meta.db -o -name metadata.db \) -type f)
seed fuzz_bbolt "${f[@]}"
mapfile -t f < <(find "$fx" -name meta.db -type f)
seed fuzz_recover "${f[@]}"
mapfile -t f < <(find "$fx" -path '*io.containerd.grpc.v1.cri/containers/*' -name status -type f)
seed fuzz_cri_status "${f[@]}"
for d in "$srcdir"/fuzz/seeds/*/; do
	[ -d "$d" ] || continue
	mapfile -t f < <(find "$d" -type f)
	seed "fuzz_$(basename "$d")" "${f[@]}"
done

# Build every harness, then run them two at a time (the machine's share).
names=()
for harness in "$srcdir"/fuzz/fuzz_*.c; do
	name=$(basename "$harness" .c)
	$FUZZ_CC $CFLAGS -fsanitize=fuzzer $CPPFLAGS "$harness" \
		"$out/libpodenter-fuzz.a" ${FUZZ_LIBS:-} -o "$out/$name"
	mkdir -p "$out/corpus/$name" "$out/seeds/$name"
	names+=("$name")
done

# Leaks inside libraries we link are listed, with the reason, in
# fuzz/lsan.supp. The harness that drives libseccomp unwinds slowly so that
# a suppression can see libseccomp's own frames (see the file).
export LSAN_OPTIONS=suppressions=$srcdir/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
unwind_for() { # name
	case $1 in
	fuzz_seccomp_profile) echo fast_unwind_on_malloc=0 ;;
	*) echo fast_unwind_on_malloc=1 ;;
	esac
}

run_one() { # name
	local name=$1
	mkdir -p "$out/tmp/$name"
	if ! TMPDIR=$out/tmp/$name ASAN_OPTIONS=$(unwind_for "$name")${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
		"$out/$name" -max_total_time="$FUZZ_SECONDS" \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/crashes/$name-" \
		-print_final_stats=1 "$out/corpus/$name" "$out/seeds/$name" \
		>"$out/$name.log" 2>&1; then
		echo "fuzz: $name FAILED; input in $out/crashes/, log $out/$name.log" >&2
		grep -E 'ERROR|SUMMARY|runtime error' "$out/$name.log" | head -20 >&2
		return 1
	fi
	local kept=$srcdir/fuzz/seeds/${name#fuzz_} before after grow=${FUZZ_GROW:-1}
	# whole database files (40-280 KB each, seeded from tests/fixtures):
	# a grown corpus would add megabytes to the repository every run
	case " $NO_GROW " in *" $name "*) grow=0 ;; esac
	[ "$grow" = 1 ] && mkdir -p "$kept"
	before=$( (find "$kept" -type f 2>/dev/null || true) | wc -l)
	if [ "$grow" = 1 ]; then
		TMPDIR=$out/tmp/$name ASAN_OPTIONS=$(unwind_for "$name")${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
			timeout 300 "$out/$name" -merge=1 -timeout=10 -rss_limit_mb=2048 \
			"$kept" "$out/corpus/$name" >"$out/$name.merge.log" 2>&1 ||
			echo "fuzz: $name: merging into $kept failed (see $out/$name.merge.log)" >&2
	fi
	after=$( (find "$kept" -type f 2>/dev/null || true) | wc -l)
	echo "fuzz: $name: $(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log") runs in ${FUZZ_SECONDS}s, $(find "$out/seeds/$name" -type f | wc -l) seeds, corpus fuzz/seeds/${name#fuzz_}: $before -> $after"
}

NO_GROW="fuzz_bbolt fuzz_recover"
rm -rf "$out/tmp"
status=0
for ((i = 0; i < ${#names[@]}; i += 2)); do
	run_one "${names[$i]}" &
	a=$!
	b=
	if ((i + 1 < ${#names[@]})); then
		run_one "${names[$((i + 1))]}" &
		b=$!
	fi
	wait "$a" || status=1
	[ -z "$b" ] || wait "$b" || status=1
done
rm -rf "$out/tmp"
exit $status
