/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test hooks: ways for the test suite to stop podenter at a chosen point or
 * force a fallback. They exist only in a build configured with
 * --enable-test-hooks (what `make check` runs; see configure.ac): there
 * they read PODENTER_TEST_<NAME> from the environment. In any other build
 * (a release, `make install`, the Debian package) the macros below expand
 * to nothing, so the binary holds neither the code nor the variable names,
 * and nothing in a node's environment can steer podenter.
 *
 *   pe_test_pause_at("before-pin")  PODENTER_TEST_PAUSE_AT=before-pin
 *                                   stops the process there (SIGSTOP)
 *   pe_test_flag("NO_SMALL_NS")     true when PODENTER_TEST_NO_SMALL_NS=1
 *   pe_test_value("SYSLOG")         PODENTER_TEST_SYSLOG's value, or NULL
 *
 * Names are literals; the macros never evaluate them in a release build.
 */
#ifndef PODENTER_TESTHOOKS_H
#define PODENTER_TESTHOOKS_H

#include <stdbool.h>

#ifdef PE_TEST_HOOKS
void pe_test_hook_pause_at(const char *point);
bool pe_test_hook_flag(const char *name);
const char *pe_test_hook_value(const char *name);
#define pe_test_pause_at(point) pe_test_hook_pause_at(point)
#define pe_test_flag(name) pe_test_hook_flag(name)
#define pe_test_value(name) pe_test_hook_value(name)
#else
#define pe_test_pause_at(point) ((void)0)
#define pe_test_flag(name) false
#define pe_test_value(name) ((const char *)0)
#endif

#endif
