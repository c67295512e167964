#!/bin/bash
# completions/podenter.bash and completions/_podenter: subcommands, every
# option of the live --help texts, option values, and namespaces, pods and
# containers read from a node (a fixture tree through --host-root on the
# line being completed). bash runs the real completion function; zsh runs
# its autoloaded _podenter with compadd/_describe stubbed to print (zsh's
# own prefix matching is emulated).
source "$TESTLIB"

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
F=$FIXTURES/containerd2-systemd-v2
LEDGER=ledger-api-5f7c9d8b4-qm2xz

# Every --long option at the start of a line of a help text.
help_longopts() { # podenter args...
	"$PODENTER" "$@" 2>/dev/null | grep -oE '^ {1,8}(-[A-Za-z0-9], )?--[a-z][a-z0-9-]*' |
		grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}
enter_help_args=(--help)
for t in $("$PODENTER" --help | grep -o -- '--help-[a-z]*' | sort -u); do enter_help_args+=("$t"); done

# --- bash ------------------------------------------------------------------------
bash_complete() { # words... (the last one is being completed)
	bash --norc --noprofile -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_podenter
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$top/completions/podenter.bash" "$@" 2>&1 | tr '\n' ' ' | sed 's/ $//'
}

got=$(bash_complete "$PODENTER" --host-root "$F" -n payments led)
t_expect_eq "bash: pods of the -n namespace, from the node" "$got" "$LEDGER ledger-worker-0"
got=$(bash_complete "$PODENTER" --host-root "$F" -n payments "$LEDGER" -c "")
t_expect_eq "bash: containers of the pod on the line" "$got" "api envoy"
got=$(bash_complete "$PODENTER" --host-root "$F" inspect "payments/$LEDGER" -c e)
t_expect_eq "bash: containers of an ns/pod target, after a subcommand" "$got" "envoy"
got=$(bash_complete "$PODENTER" --host-root "$F" -n "")
t_expect_eq "bash: namespaces from the node" "$got" "batch payments"
got=$(bash_complete "$PODENTER" --host-root "$F" payments/l)
t_expect_eq "bash: ns/pod targets" "$got" "payments/$LEDGER payments/ledger-worker-0"
got=$(bash_complete "$PODENTER" --host-root "$F" "")
t_expect_eq "bash: with no -n: the default namespace's pods (none), namespaces, other targets" \
	"$got" "batch/ id: node payments/ pid:"
got=$(bash_complete "$PODENTER" "--host-root=$F" li)
t_expect_eq "bash: subcommands (--host-root=DIR form)" "$got" "list"
got=$(bash_complete "$PODENTER" -o "")
t_expect_eq "bash: output formats" "$got" "json name table wide"
got=$(bash_complete "$PODENTER" --cap-add NET_ADMIN,SYS_PT)
t_expect_eq "bash: --cap-add completes the last of a comma list" "$got" "NET_ADMIN,SYS_PTRACE"
got=$(bash_complete "$PODENTER" --profile "")
t_expect_eq "bash: profiles" "$got" "baseline general netadmin restricted sysadmin"
got=$(bash_complete "$PODENTER" --host-root "$F" sniff -n payments "$LEDGER" led)
t_expect_eq "bash: sniff takes several targets" "$got" "$LEDGER ledger-worker-0"
got=$(bash_complete "$PODENTER" sniff --format "")
t_expect_eq "bash: sniff formats" "$got" "pcap pcapng"
got=$(bash_complete "$PODENTER" --host-root "$F" cp -n payments led)
t_expect_eq "bash: cp offers pods with their ':'" "$got" "$LEDGER: ledger-worker-0:"
got=$(bash_complete "$PODENTER" cp --pre)
t_expect_eq "bash: cp's options" "$got" "--preserve"
got=$(bash_complete "$PODENTER" help "")
t_expect_match "bash: help takes a subcommand" "$got" "inspect list"
got=$(bash_complete "$PODENTER" --host-root "$F" "payments/$LEDGER" -- tru)
t_expect_match "bash: after -- a command is completed" "$got" "(^| )true( |$)"
got=$(bash_complete "$PODENTER" --host-root "$T_TMP/nothing-here" -n payments "")
t_expect_eq "bash: a node with no runtime state: no pods, no error text" "$got" "id: node pid:"

got=$(bash_complete "$PODENTER" --)
for o in $(help_longopts "${enter_help_args[@]}"); do
	grep -qw -- "$o" <<<"$got" || missing_enter="${missing_enter-} $o"
done
t_expect_eq "bash: every option of podenter ${enter_help_args[*]} is offered" "${missing_enter-}" ""
for sub in $("$PODENTER" --help | sed -nE 's/^ +podenter ([a-z][a-z-]*) .*/\1/p' | sort -u); do
	got=$(bash_complete "$PODENTER" "$sub" --)
	missing=
	for o in $(help_longopts "$sub" --help); do
		grep -qw -- "$o" <<<"$got" || missing="$missing $o"
	done
	t_expect_eq "bash: every option of podenter $sub --help is offered" "$missing" ""
	extra=
	for o in $got; do
		help_longopts "$sub" --help | grep -qx -- "$o" || case "$o" in --*) extra="$extra $o" ;; esac
	done
	t_expect_eq "bash: $sub offers only its own options" "$extra" ""
done
got=$(bash_complete "$PODENTER" --host-root "$F" -n payments "$LEDGER" --n)
t_expect_match "bash: options after the target" "$got" "--net"

# per TAB, only the node is asked: the help texts are read once per shell
mkdir -p "$T_TMP/bin"
printf '#!/bin/sh\necho "$*" >>"%s"\nexec "%s" "$@"\n' "$T_TMP/calls" "$PODENTER" >"$T_TMP/bin/podenter"
chmod +x "$T_TMP/bin/podenter"
bash --norc --noprofile -c '
	source "$1"
	COMP_WORDS=("$2" --host-root "$3" -n payments led); COMP_CWORD=5
	_podenter; echo ---TAB--- >>"$4"; _podenter; _podenter' _ "$top/completions/podenter.bash" \
	"$T_TMP/bin/podenter" "$F" "$T_TMP/calls"
t_expect_match "bash: the first TAB reads the help texts" "$(sed '/---TAB---/q' "$T_TMP/calls")" "^--help$"
t_expect_eq "bash: later TABs only list the node" \
	"$(sed '1,/---TAB---/d' "$T_TMP/calls" | grep -c -- '--help')" 0
t_expect_eq "bash: one podenter list per TAB" \
	"$(sed '1,/---TAB---/d' "$T_TMP/calls" | grep -c ' list ')" 2

# --- zsh -------------------------------------------------------------------------
if ! command -v zsh >/dev/null 2>&1; then
	echo "SKIP: zsh is not installed: the zsh completion is not tested (apt-get install zsh)" >&2
	[ "$T_FAILED" = 0 ] || t_done
	exit 77
fi
zsh_complete() { # words...
	zsh -f -c '
		fpath=("$1" $fpath); shift
		autoload -Uz _podenter
		typeset -ga _got
		_match() { local a; for a in "$@"; do [[ $a == ${PREFIX}* ]] && _got+=("$a"); done }
		compadd() {
			local -a vals; local arr=0
			while [[ $1 == -* && $1 != -- ]]; do
				case $1 in -a) arr=1 ;; -S|-J|-X|-t) shift ;; esac; shift
			done
			[[ $1 == -- ]] && shift
			if (( arr )); then vals=(${(P)1}); else vals=("$@"); fi
			_match "${vals[@]}"
		}
		_describe() { local a; for a in ${(P)@[-1]}; do _match "${${a%%:*}//\\:/:}"; done }
		_files() { _got+=("(files $*)") }
		_normal() { _got+=("(command ${words[1]} at $CURRENT)") }
		words=("$@"); CURRENT=$#; PREFIX=${words[-1]}
		_podenter
		print -rl -- ${(o)_got}' _ "$top/completions" "$@" 2>&1 | tr '\n' ' ' | sed 's/ $//'
}
got=$(zsh_complete "$PODENTER" --host-root "$F" -n payments led)
t_expect_eq "zsh: pods of the -n namespace, from the node" "$got" "$LEDGER ledger-worker-0"
got=$(zsh_complete "$PODENTER" --host-root "$F" -n payments "$LEDGER" -c "")
t_expect_eq "zsh: containers of the pod on the line" "$got" "api envoy"
got=$(zsh_complete "$PODENTER" --host-root "$F" -n "")
t_expect_eq "zsh: namespaces from the node" "$got" "batch payments"
got=$(zsh_complete "$PODENTER" --host-root "$F" payments/l)
t_expect_eq "zsh: ns/pod targets" "$got" "payments/$LEDGER payments/ledger-worker-0"
got=$(zsh_complete "$PODENTER" "--host-root=$F" li)
t_expect_eq "zsh: subcommands" "$got" "list"
got=$(zsh_complete "$PODENTER" -o "")
t_expect_eq "zsh: output formats" "$got" "json name table wide"
got=$(zsh_complete "$PODENTER" --host-root "$F" sniff -n payments "$LEDGER" led)
t_expect_eq "zsh: sniff takes several targets" "$got" "$LEDGER ledger-worker-0"
got=$(zsh_complete "$PODENTER" --host-root "$F" cp -n payments led)
t_expect_eq "zsh: cp offers pods with their ':' and files" "$got" "(files ) $LEDGER: ledger-worker-0:"
got=$(zsh_complete "$PODENTER" help "")
t_expect_match "zsh: help takes a subcommand" "$got" "inspect list"
got=$(zsh_complete "$PODENTER" --host-root "$F" "payments/$LEDGER" -- ls -l)
t_expect_eq "zsh: after -- the command line is completed as its own" "$got" "(command ls at 2)"
got=$(zsh_complete "$PODENTER" --host-root "")
t_expect_eq "zsh: --host-root takes a directory" "$got" "(files -/)"
got=$(zsh_complete "$PODENTER" --)
missing=
for o in $(help_longopts "${enter_help_args[@]}"); do
	grep -qw -- "$o" <<<"$got" || missing="$missing $o"
done
t_expect_eq "zsh: every option of podenter ${enter_help_args[*]} is offered" "$missing" ""
got=$(zsh_complete "$PODENTER" list --)
missing=
for o in $(help_longopts list --help); do
	grep -qw -- "$o" <<<"$got" || missing="$missing $o"
done
t_expect_eq "zsh: every option of podenter list --help is offered" "$missing" ""

: >"$T_TMP/calls"
zsh -f -c '
	fpath=("$1" $fpath); autoload -Uz _podenter
	compadd() { : }; _describe() { : }; _files() { : }
	words=("$2" --host-root "$3" -n payments led); CURRENT=6; PREFIX=led
	_podenter; print -- ---TAB--- >>"$4"; _podenter; _podenter' _ "$top/completions" \
	"$T_TMP/bin/podenter" "$F" "$T_TMP/calls"
t_expect_match "zsh: the first TAB reads the help texts" "$(sed '/---TAB---/q' "$T_TMP/calls")" "^--help$"
t_expect_eq "zsh: later TABs only list the node" \
	"$(sed '1,/---TAB---/d' "$T_TMP/calls" | grep -c -- '--help')" 0

# and once through a real interactive zsh (compinit, TAB on a pty)
cat >"$T_TMP/zpty.zsh" <<'EOF'
zmodload zsh/zpty
zpty -b z 'zsh -f -i'
zpty -w z "PS1='> '; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; PATH=${2:h}:\$PATH"
zpty -w -n z "${2:t} --host-root $3 -n payments ledger-a"$'\t'
zpty -r z out '*ledger-api-5f7c9d8b4-qm2xz*' && print -r -- COMPLETED
zpty -d z
EOF
# a hang guard only: the pattern read blocks until the completion appears
got=$(timeout 30 zsh -f "$T_TMP/zpty.zsh" "$top/completions" "$PODENTER" "$F" 2>&1 | tr -d '\r' | tail -n1)
t_expect_eq "zsh: TAB in a real interactive zsh completes the pod" "$got" COMPLETED

t_done
