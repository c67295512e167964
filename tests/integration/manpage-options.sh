#!/bin/bash
# man/podenter.8 against the live binary and its source, both ways: every
# option in any --help text (podenter --help, each --help-TOPIC it names,
# each subcommand's --help) has an entry in the man page's OPTIONS, and
# every entry there is in some --help; every subcommand, exit status,
# environment variable the code reads and podenter.conf key the code
# accepts is documented; the kubectl plugin's options are; the page renders
# without groff warnings. Nothing here is a hard-coded option list: the
# lists come from the binary and the code of the day.
source "$TESTLIB"

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
MAN=$top/man/podenter.8

# --- what the binary says ----------------------------------------------------------
subcommands=$("$PODENTER" --help | sed -nE 's/^ +podenter ([a-z][a-z-]*) .*/\1/p' | sort -u)
topics=$("$PODENTER" --help | grep -oE -- '--help-[a-z]+' | sort -u)
t_expect_match "podenter --help names its subcommands" "$subcommands" "^list$"
helps() {
	local s
	"$PODENTER" --help
	for s in $topics; do "$PODENTER" "$s"; done
	for s in $subcommands; do "$PODENTER" "$s" --help; done
}
help_text=$(helps 2>&1)
# option lines: "  -n, --namespace NS   ..." or "      --all   ..."
help_opts=$( {
	grep -oE '^ {1,8}-[A-Za-z0-9], --[a-z][a-z0-9-]*|^ {1,8}--[a-z][a-z0-9-]*' <<<"$help_text" |
		grep -oE -- '--?[A-Za-z0-9][a-z0-9-]*'
	printf '%s\n' $topics
} | sort -u)
t_expect_match "options found in the help texts" "$help_opts" "^--host-root$"

# --- what the man page says ----------------------------------------------------------
# the text of a section (.SH NAME up to the next .SH)
man_section() { # name
	awk -v s="$1" '/^\.SH / { on = ($0 == ".SH " s || $0 == ".SH \"" s "\"") ; next } on' "$MAN"
}
# option entries: the line after each .TP in OPTIONS
man_opts=$(man_section OPTIONS | awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' |
	sed 's/\\-/-/g' | grep -oE -- '(^|[ "])--?[A-Za-z0-9][a-z0-9-]*' | grep -oE -- '--?[A-Za-z0-9][a-z0-9-]*' | sort -u)
t_expect_match "option entries found in the man page" "$man_opts" "^--host-root$"

missing=$(comm -23 <(printf '%s\n' "$help_opts") <(printf '%s\n' "$man_opts") | tr '\n' ' ')
t_expect_eq "every option in --help has a man page entry" "${missing% }" ""
stale=$(comm -13 <(printf '%s\n' "$help_opts") <(printf '%s\n' "$man_opts") | tr '\n' ' ')
t_expect_eq "every man page option entry is in some --help" "${stale% }" ""

# subcommands: in the SYNOPSIS, and nothing there that podenter lacks
synopsis_subs=$(man_section SYNOPSIS | sed -nE 's/^\.SY "podenter ([a-z-]+)"/\1/p' | sort -u)
for s in $subcommands; do
	grep -qx "$s" <<<"$synopsis_subs" || missing_sub="${missing_sub-} $s"
done
t_expect_eq "every subcommand of --help is in the SYNOPSIS" "${missing_sub-}" ""
for s in $synopsis_subs; do
	case $s in
	help) t_expect_eq "podenter help is the usage" "$("$PODENTER" help 2>&1)" "$("$PODENTER" --help 2>&1)" ;;
	version) t_expect_eq "podenter version is the version" "$("$PODENTER" version 2>&1)" "$("$PODENTER" --version 2>&1)" ;;
	*) grep -qx "$s" <<<"$subcommands" || t_fail "the SYNOPSIS has '$s', podenter --help does not" ;;
	esac
done

# exit statuses named in --help
statuses=$(grep -A4 -i '^exit status' <<<"$help_text" | grep -oE '\b12[5-9](\+N)?\b' | sort -u)
t_expect_match "--help names exit statuses" "$statuses" "125"
exit_section=$(man_section "EXIT STATUS")
for s in $statuses; do
	grep -qE "^\.B[I]? ${s%+N}\+?" <<<"$exit_section" || missing_status="${missing_status-} $s"
done
t_expect_eq "every exit status of --help is in EXIT STATUS" "${missing_status-}" ""

# environment variables the code reads (test-only hooks aside), both ways
code_env=$(grep -rhoE 'getenv\("[A-Z_]+"\)' "$top/src" | grep -oE '"[A-Z_]+"' | tr -d '"' |
	grep -v '^PODENTER_TEST_' | sort -u)
man_env=$(man_section ENVIRONMENT | awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' |
	grep -oE '[A-Z][A-Z_]+' | grep -v '^B$' | sort -u)
t_expect_eq "ENVIRONMENT documents exactly the variables the code reads" \
	"$(tr '\n' ' ' <<<"$man_env")" "$(tr '\n' ' ' <<<"$code_env")"

# podenter.conf keys the code accepts: in FILES and in the example config
conf_keys=$(grep -rhoE 'strcmp\(key, "[a-z-]+"\)' "$top/src" | grep -oE '"[a-z-]+"' | tr -d '"' | sort -u)
t_expect_match "podenter.conf keys found in the code" "$conf_keys" "^tools$"
files_section=$(man_section FILES | sed 's/\\-/-/g')
example=$top/contrib/podenter.conf.example
for k in $conf_keys; do
	grep -qE "^\.BR? $k( |$)" <<<"$files_section" || missing_key="${missing_key-} $k"
	grep -qE "^#$k = " "$example" || missing_example="${missing_example-} $k"
done
t_expect_eq "every podenter.conf key is in FILES" "${missing_key-}" ""
t_expect_eq "every podenter.conf key is in the example config" "${missing_example-}" ""
# and the example, uncommented, is a config podenter accepts
sed -n 's/^#\([a-z-]* = .*\)/\1/p' "$example" >"$T_TMP/podenter.conf"
if grep -q 'pe_config_load' "$top/src/cmd_enter.c"; then
	sleeper=$(t_spawn sleep 1000)
	T_RC=0
	err=$(PODENTER_CONFIG=$T_TMP/podenter.conf "$PODENTER" --net "pid:$sleeper" -- true 2>&1) || T_RC=$?
	t_expect_nomatch "the example config, uncommented, is accepted" "$err" "podenter.conf"
	T_OUT=$err T_ERR=$err t_expect_rc "a session runs with the example config" 0
fi

# the kubectl plugin's own options
plugin_opts=$("$top/contrib/kubectl-podenter" --plugin-help | grep -oE '^ {1,8}--[a-z][a-z0-9-]*' | tr -d ' ' | sort -u)
t_expect_match "the plugin's options found" "$plugin_opts" "^--node$"
plugin_section=$(man_section "KUBECTL PLUGIN" | sed 's/\\-/-/g')
for o in $plugin_opts; do
	grep -qF -- "$o" <<<"$plugin_section" || missing_plugin="${missing_plugin-} $o"
done
t_expect_eq "every kubectl-podenter option is in KUBECTL PLUGIN" "${missing_plugin-}" ""

# the version in the header is the binary's
t_expect_match "the .TH names this version" "$(grep '^\.TH' "$MAN")" \
	"\"podenter $("$PODENTER" --version | awk '{ print $2 }')\""

# it renders, without warnings
warnings=$(groff -man -ww -z "$MAN" 2>&1)
t_expect_eq "groff renders it without warnings" "$warnings" ""
if command -v man >/dev/null 2>&1; then
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null)
	t_expect_eq "man renders it without warnings" "$warnings" ""
fi

t_done
