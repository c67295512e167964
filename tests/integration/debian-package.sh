#!/bin/bash
# debian/: Build-Depends name the Debian package of every library configure
# checks for (found through the .pc file pkg-config reads), and
# dpkg-buildpackage really builds a .deb from the tree that installs
# podenter, its man page, completions, toolbox, plugin and example config,
# with Depends computed from the binary and the embedded busybox recorded in
# Built-Using. The package's own test run is left to `make check` (nocheck).
source "$TESTLIB"
t_require_root

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
control=$top/debian/control

# --- Build-Depends against configure.ac ------------------------------------------
build_deps=$(sed -n '/^Build-Depends:/,/^[A-Z][a-z-]*:/p' "$control" | grep -oE '[a-z0-9][a-z0-9.+-]+' | sort -u)
modules=$(grep -oE 'PKG_CHECK_MODULES\(\[[A-Z_]+\], *\[[a-z0-9_-]+' "$top/configure.ac" | sed -E 's/.*\[//' | sort -u)
t_expect_match "configure.ac's pkg-config modules found" "$modules" "json-c"
for m in $modules; do
	pc=$(pkg-config --path "$m" 2>/dev/null) || {
		echo "# pkg-config does not know $m here: cannot map it to a package"
		continue
	}
	pkg=$(dpkg -S "$(readlink -f "$pc")" 2>/dev/null | head -n1 | cut -d: -f1)
	[ -n "$pkg" ] || pkg=$(dpkg -S "$pc" 2>/dev/null | head -n1 | cut -d: -f1)
	if grep -qx -- "$pkg" <<<"$build_deps"; then
		t_pass "Build-Depends has $pkg (pkg-config $m)"
	else
		t_fail "Build-Depends lacks $pkg, which provides pkg-config module $m"
	fi
done
t_expect_match "Build-Depends has the toolbox's static busybox" "$build_deps" "^busybox-static$"
t_expect_match "Depends come from the binary (shlibs)" "$(grep '^Depends:' "$control")" 'shlibs:Depends'

# --- a real build -----------------------------------------------------------------
if ! command -v dpkg-buildpackage >/dev/null 2>&1 || ! command -v dh >/dev/null 2>&1; then
	echo "SKIP: dpkg-buildpackage or debhelper is not installed (apt-get install dpkg-dev debhelper): the .deb is not built" >&2
	[ "$T_FAILED" = 0 ] || t_done
	exit 77
fi
src=$T_TMP/podenter-0.1.0
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	# what a package is built from: the committed tree
	git -C "$top" archive HEAD | tar -x -C "$src"
else
	# a distribution tarball's tree (make distcheck builds in _build inside it)
	tar -C "$top" --exclude=./_build --exclude=./_inst -cf - . | tar -x -C "$src"
	chmod -R u+w "$src"
fi
if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) >"$T_TMP/build.log" 2>&1; then
	t_fail "dpkg-buildpackage -us -uc -b builds"
	tail -30 "$T_TMP/build.log" | sed 's/^/  | /'
	t_done
fi
t_pass "dpkg-buildpackage -us -uc -b builds"
deb=$(ls "$T_TMP"/podenter_*_*.deb 2>/dev/null | head -n1)
t_expect_match "a podenter .deb was made" "$deb" "podenter_.*\.deb$"

files=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/sbin/podenter /usr/bin/kubectl-podenter /usr/share/man/man8/podenter.8.gz \
	/usr/share/bash-completion/completions/podenter /usr/share/zsh/vendor-completions/_podenter \
	/etc/podenter.conf.example /usr/libexec/podenter/toolbox/bin/busybox; do
	grep -qx -- "$f" <<<"$files" && t_pass "the package installs $f" || t_fail "the package lacks $f"
done
fields=$(dpkg-deb -f "$deb" Depends Built-Using)
needed=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/sbin/podenter >"$T_TMP/podenter.bin" &&
	objdump -p "$T_TMP/podenter.bin" | awk '/NEEDED/ { print $2 }')
for lib in $needed; do
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
	pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n1 | cut -d: -f1)
	[ -n "$pkg" ] || continue
	t_expect_match "Depends names $pkg (the binary needs $lib)" "$fields" "(^| )$pkg( |,|$)"
done
# a release build carries no test hook: no PODENTER_TEST_* name to steer it
# (configure --enable-test-hooks is for test builds only; issue 13)
t_expect_eq "the packaged binary has no PODENTER_TEST_ hook" \
	"$(strings "$T_TMP/podenter.bin" | grep -c PODENTER_TEST_)" 0
# libraries podenter dlopen()s (sonames in the binary that are not NEEDED):
# shlibs cannot see them, the package must declare them
for lib in $(strings "$T_TMP/podenter.bin" | grep -oE '^lib[a-z0-9_.+-]+\.so\.[0-9.]+$' | sort -u); do
	grep -qx -- "$lib" <<<"$needed" && continue
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
	pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n1 | cut -d: -f1)
	[ -n "$pkg" ] || continue
	t_expect_match "Depends names $pkg (podenter dlopens $lib)" "$fields" "(^| )$pkg( |,|$)"
done
t_expect_match "Built-Using records the embedded busybox" "$fields" "Built-Using: busybox \(= "
x=$T_TMP/x
dpkg-deb -x "$deb" "$x"
t_expect_eq "the packaged podenter runs" "$("$x/usr/sbin/podenter" --version)" "$("$PODENTER" --version)"

t_done
