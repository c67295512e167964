#!/bin/bash
# deps/debian.txt is the one list of Debian packages: demo.sh and test.sh
# install from it and list none of their own, debian/control's
# Build-Depends and Depends agree with its build, test and run sets, the
# node harness installs nothing outside it, the README and the Containerfile
# point to it, and every name in it is a Debian 12 package.
source "$TESTLIB"

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
pkgs() { "$top/deps/packages" "$@"; }
build=$(pkgs build)
run=$(pkgs run)
test_set=$(pkgs test)
demo=$(pkgs demo)
in_set() { grep -qx -- "$1" <<<"$2"; }

t_expect_match "the build set has the libraries configure requires" "$build" 'libpcap0\.8-dev'
t_expect_match "the build set has zlib (image tarballs)" "$build" '^zlib1g-dev$'
t_expect_match "the test set has strace (enter-namespaces, view-tools)" "$test_set" '^strace$'
"$top/deps/packages" nosuchset >/dev/null 2>&1 && T_RC=0 || T_RC=$?
t_expect_eq "an unknown set is an error" "$T_RC" 2

# --- debian/control ------------------------------------------------------------
control=$top/debian/control
field() { # name: the field's value, continuation lines joined, comments dropped
	sed -n "/^$1:/,/^[A-Z][A-Za-z-]*:/p" "$control" | sed '$!b; /^[A-Z][A-Za-z-]*:/d' |
		grep -v '^#' | sed "s/^$1://" | tr '\n' ' '
}
# one entry per line: "alt1|alt2 [nocheck]", versions and arch lists dropped
entries() {
	{ tr ',' '\n'; echo; } | sed -E 's/\([^)]*\)//g; s/\[[^]]*\]//g' | while read -r e; do
		[ -n "$e" ] || continue
		nocheck=
		[[ $e == *'<!nocheck>'* ]] && nocheck=" nocheck"
		e=$(sed -E 's/<[^>]*>//g; s/[[:space:]]+//g' <<<"$e")
		echo "$e$nocheck"
	done
}
bd=$(field Build-Depends | entries)
t_expect_match "Build-Depends read" "$bd" 'libjson-c-dev'
# implied by Build-Depends themselves: build-essential (gcc, make,
# libc6-dev) and debhelper-compat 13 (dh_autoreconf: autoconf, automake)
implied="gcc make libc6-dev autoconf automake"
while read -r alts kind; do
	case $alts in debhelper-compat) continue ;; esac
	set_name=build
	set_pkgs=$build
	[ "$kind" = nocheck ] && set_name=test && set_pkgs="$build
$test_set"
	ok=0
	for a in ${alts//|/ }; do in_set "$a" "$set_pkgs" && ok=1; done
	if ((ok)); then t_pass "Build-Depends $alts is in deps/debian.txt [$set_name]"; else
		t_fail "Build-Depends $alts is not in deps/debian.txt [$set_name]"
	fi
done <<<"$bd"
for p in $build; do
	[[ " $implied " == *" $p "* ]] && continue
	if grep -qE "(^|\|)$p(\||\$| )" <<<"$bd"; then t_pass "[build] $p is in Build-Depends"; else
		t_fail "[build] $p is not in debian/control's Build-Depends"
	fi
done
deps=$(field Depends | entries | grep -v '^\${' | sort)
t_expect_eq "Depends (besides shlibs) are exactly the [run] set" "$deps" "$(sort <<<"$run")"

# --- who installs what ------------------------------------------------------------
for script in demo.sh test.sh; do
	body=$(grep -v '^[[:space:]]*#' "$top/$script")
	t_expect_match "$script installs from deps/packages" "$body" 'deps/packages'
	t_expect_nomatch "$script names no package of its own" "$body" \
		'(PACKAGES=\(|apt-get install[^"$]*[a-z0-9]+-dev)'
done
t_expect_match "demo.sh installs the build and demo sets" "$(cat "$top/demo.sh")" 'deps/packages"? (--missing )?build demo'
t_expect_match "test.sh installs the build and test sets" "$(cat "$top/test.sh")" 'deps/packages"? (--missing )?build test'
node_pkgs=$(sed -n '/^NODE_PACKAGES=(/,/)/p' "$top/tests/node/node.sh" | tr -d '()' |
	sed 's/NODE_PACKAGES=//' | tr ' \t' '\n\n' | grep -v '^$')
t_expect_match "tests/node/node.sh's packages read" "$node_pkgs" containerd
for p in $node_pkgs; do
	if in_set "$p" "$build
$demo" && in_set "$p" "$build
$test_set"; then t_pass "node harness package $p is in [demo] and [test]"; else
		t_fail "node harness package $p is missing from deps/debian.txt's [demo] or [test]"
	fi
done
t_expect_match "the README points to the manifest" "$(cat "$top/README.md")" 'deps/debian\.txt'
t_expect_match "the Containerfile's build notes use the build set" "$(cat "$top/Containerfile")" \
	'deps/packages build'

# --- deps/install: packages in, no daemon started -------------------------------------
# (on a fresh systemd Debian, apt starting containerd.service makes the node
# harness refuse to run). A shim apt-get records what the policy file said
# while it ran; PODENTER_POLICY_RC_D keeps the test away from /usr/sbin.
for script in demo.sh test.sh tests/node/node.sh; do
	body=$(grep -v '^[[:space:]]*#' "$top/$script")
	t_expect_match "$script installs through deps/install" "$body" 'deps/install'
	t_expect_nomatch "$script runs no apt-get install of its own" "$body" 'apt-get install'
done
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
cat >"$shim/apt-get" <<'SHIM'
#!/bin/sh
[ "$1" = update ] && exit 0
if [ -x "$PODENTER_POLICY_RC_D" ]; then
	"$PODENTER_POLICY_RC_D" containerd start
	echo "policy-answer $?" >>"$SHIM_LOG"
else
	echo "no-policy" >>"$SHIM_LOG"
fi
echo "args $*" >>"$SHIM_LOG"
exit "${SHIM_RC:-0}"
SHIM
chmod +x "$shim/apt-get"
inst() { PATH="$shim:$PATH" SHIM_LOG="$shim/log" PODENTER_POLICY_RC_D="$shim/policy-rc.d" "$top/deps/install" "$@"; }
rm -f "$shim/log"
inst --no-install-recommends containerd docker.io && T_RC=0 || T_RC=$?
t_expect_eq "deps/install succeeds when apt-get does" "$T_RC" 0
t_expect_match "while apt-get runs, policy-rc.d forbids starting services (101)" "$(cat "$shim/log")" '^policy-answer 101$'
t_expect_match "the packages and --no-install-recommends reach apt-get" "$(cat "$shim/log")" '^args install -y -qq --no-install-recommends containerd docker.io$'
[ ! -e "$shim/policy-rc.d" ] && t_pass "the policy file is removed afterwards" || t_fail "deps/install left its policy-rc.d behind"
rm -f "$shim/log"
SHIM_RC=100 inst containerd >/dev/null 2>&1 && T_RC=0 || T_RC=$?
t_expect_eq "a failing apt-get fails deps/install" "$T_RC" 100
[ ! -e "$shim/policy-rc.d" ] && t_pass "the policy file is removed after a failed install" || t_fail "a failed install left policy-rc.d behind"
printf '#!/bin/sh\nexit 0\n' >"$shim/policy-rc.d"
chmod +x "$shim/policy-rc.d"
rm -f "$shim/log"
inst containerd && T_RC=0 || T_RC=$?
t_expect_match "a machine's own policy-rc.d is used as it is" "$(cat "$shim/log")" '^policy-answer 0$'
t_expect_eq "... and kept" "$(cat "$shim/policy-rc.d")" "$(printf '#!/bin/sh\nexit 0')"
rm -f "$shim/policy-rc.d" "$shim/log"
inst && T_RC=0 || T_RC=$?
[ "$T_RC" = 0 ] && [ ! -e "$shim/log" ] && t_pass "no package: apt-get is not run" || t_fail "deps/install without packages ran apt-get (rc $T_RC)"

# --- every name is a Debian 12 package ------------------------------------------------
if command -v apt-cache >/dev/null && grep -qs '^VERSION_CODENAME=bookworm' /etc/os-release; then
	for p in $(pkgs build run demo test | sort -u); do
		if apt-cache show --no-all-versions "$p" >/dev/null 2>&1; then :; else
			t_fail "$p is not a Debian 12 package (apt-cache show)"
		fi
	done
	t_pass "every package of deps/debian.txt is known to apt"
else
	echo "# not Debian 12 here: package names not checked with apt-cache"
fi

echo "$T_PASSED passed, $T_FAILED failed"
[ "$T_FAILED" = 0 ]
