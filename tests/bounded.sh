#!/bin/sh
# automake's LOG_COMPILER for every test of make check (Makefile.am): the
# test runs with every signal at its default disposition (a test started
# from a shell that ignores SIGHUP, nohup, a CI runner... would otherwise
# inherit "ignored", and a test waiting for a HUP to end a session waits
# forever) and for at most PODENTER_TEST_TIMEOUT seconds (default 600),
# then is killed (SIGTERM, SIGKILL 20 s later) and counted as failed.
limit=${PODENTER_TEST_TIMEOUT:-600}
timeout --kill-after=20 "$limit" env --default-signal "$@"
rc=$?
case $rc in
124 | 137) echo "TIMEOUT: $* did not end within ${limit} s (PODENTER_TEST_TIMEOUT): killed" >&2 ;;
esac
exit $rc
