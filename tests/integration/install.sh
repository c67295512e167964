#!/bin/bash
# `make install DESTDIR=...` puts everything in the usual places under the
# configured prefix (binary, man page, bash and zsh completions under the
# names the shells look for, the kubectl plugin, the builtin toolbox, the
# example config), the installed pieces work from there, and
# `make uninstall` takes every file away again.
source "$TESTLIB"

builddir=$(cd "$(dirname "$PODENTER")" && pwd)
dest=$T_TMP/dest
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$builddir" "$@"; }

var() { sed -n "s/^$1 = //p" "$builddir/Makefile" | head -n1; }
prefix=$(var prefix)
exec_prefix=$(var exec_prefix)
exec_prefix=${exec_prefix//'${prefix}'/$prefix}
datarootdir=$(var datarootdir)
datarootdir=${datarootdir//'${prefix}'/$prefix}
sysconfdir=$(var sysconfdir)
sysconfdir=${sysconfdir//'${prefix}'/$prefix}
mandir=$(var mandir)
mandir=${mandir//'${datarootdir}'/$datarootdir}
libexecdir=$(var libexecdir)
libexecdir=${libexecdir//'${exec_prefix}'/$exec_prefix}

if ! out=$(mk install DESTDIR="$dest" 2>&1); then
	t_fail "make install DESTDIR=..."
	printf '%s\n' "$out" | tail -20 | sed 's/^/  | /'
	t_done
fi
t_pass "make install DESTDIR=... (prefix $prefix)"

expect_file() { # label path [x]
	if [ -f "$dest$2" ] && { [ "${3-}" != x ] || [ -x "$dest$2" ]; }; then
		t_pass "$1: $2"
	else
		t_fail "$1: $2 missing${3:+ or not executable}"
	fi
}
expect_file "the binary" "$exec_prefix/sbin/podenter" x
expect_file "the man page" "$mandir/man8/podenter.8"
expect_file "bash completion, named for the command" "$datarootdir/bash-completion/completions/podenter"
expect_file "zsh completion" "$datarootdir/zsh/site-functions/_podenter"
expect_file "the kubectl plugin, on PATH with the name kubectl looks for" "$exec_prefix/bin/kubectl-podenter" x
expect_file "the example config" "$sysconfdir/podenter.conf.example"
if [ -f "$builddir/toolbox/bin/busybox" ]; then
	expect_file "the builtin toolbox" "$libexecdir/podenter/toolbox/bin/busybox" x
	t_expect_match "the binary looks for the toolbox where it was installed" \
		"$(strings "$dest$exec_prefix/sbin/podenter" | grep '/toolbox$')" "^$libexecdir/podenter/toolbox$"
else
	echo "# no builtin toolbox in this build (no static busybox at configure time)"
fi
t_expect_match "the binary reads the config where the example was installed" \
	"$(strings "$dest$exec_prefix/sbin/podenter" | grep 'podenter.conf$')" "^$sysconfdir/podenter.conf$"

# the installed pieces work from where they are
t_expect_eq "installed podenter runs" "$("$dest$exec_prefix/sbin/podenter" --version)" "$("$PODENTER" --version)"
t_expect_match "installed man page renders" \
	"$(MANWIDTH=80 man -l "$dest$mandir/man8/podenter.8" 2>&1 | head -3)" "PODENTER\(8\)"
got=$(PATH="$dest$exec_prefix/sbin:$PATH" bash --norc --noprofile -c '
	source "$1"
	complete -p podenter
	COMP_WORDS=(podenter --host-root "$2" -n payments led); COMP_CWORD=5; _podenter
	echo "${COMPREPLY[*]}"' _ "$dest$datarootdir/bash-completion/completions/podenter" \
	"$FIXTURES/containerd2-systemd-v2" 2>&1)
t_expect_match "installed bash completion is registered for podenter" "$got" "^complete -F _podenter podenter$"
t_expect_match "installed bash completion completes with the installed podenter" "$got" \
	"ledger-api-5f7c9d8b4-qm2xz ledger-worker-0"
t_expect_match "installed kubectl plugin runs" \
	"$("$dest$exec_prefix/bin/kubectl-podenter" --plugin-version)" "^kubectl-podenter "

if ! out=$(mk uninstall DESTDIR="$dest" 2>&1); then
	t_fail "make uninstall DESTDIR=..."
	printf '%s\n' "$out" | tail -20 | sed 's/^/  | /'
else
	left=$(find "$dest" ! -type d | sed "s|^$dest||")
	t_expect_eq "make uninstall leaves no file behind" "$left" ""
fi

t_done
