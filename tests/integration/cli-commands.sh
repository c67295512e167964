#!/bin/bash
# The subcommands come from one table (src/podenter.c): each is found
# after common options too (as with kubectl), so
# `podenter --host-root X sniff ...` is sniff, not entering a pod named
# "sniff" (issue 13). Needs no root: every check fails before any target.
source "$TESTLIB"

t_podenter --host-root /nonexistent sniff --tcpdump -w "$T_TMP/x" pid:1
t_expect_rc "--host-root X sniff: a usage error of sniff" 125
t_expect_match "--host-root X sniff: sniff's own option check ran" "$T_ERR" \
	"--tcpdump prints text"
t_podenter -n kube-system --host-root=/nonexistent sniff --tcpdump -w "$T_TMP/x" pid:1
t_expect_match "-n NS --host-root=X sniff: sniff" "$T_ERR" "--tcpdump prints text"
for cmd in list inspect sniff; do
	t_podenter --host-root /nonexistent "$cmd" --help
	t_expect_match "--host-root X $cmd --help: $cmd's help" "$T_OUT" "^Usage: podenter $cmd"
	t_podenter help "$cmd"
	t_expect_match "help $cmd" "$T_OUT" "^Usage: podenter $cmd"
done
t_podenter help enter
t_expect_match "help enter: the options of entering" "$T_OUT" "--net-only"
t_podenter --host-root /nonexistent version
t_expect_match "--host-root X version" "$T_OUT" "^podenter [0-9]"

t_done
