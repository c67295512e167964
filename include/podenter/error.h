/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The error contract of libpodenter.
 *
 * A library function that fails returns -1 (or NULL) and fills a caller-owned
 * struct pe_error: the errno that best describes it, a message that names the
 * failing object, and optionally a hint for the person at the keyboard ("did
 * you mean ...", "try --host-root"). Callers may prepend context with
 * pe_error_wrap(). Nothing in the library prints; only the CLI does, once.
 */
#ifndef PODENTER_ERROR_H
#define PODENTER_ERROR_H

#include <stddef.h>

#define PE_ERROR_MSG_MAX 1024
#define PE_ERROR_HINT_MAX 2048

/* Broad classes so the CLI can choose words and exit codes without
 * parsing messages. */
enum pe_error_kind {
	PE_ERR_NONE = 0,
	PE_ERR_SYSTEM, /* a syscall failed; errnum says which */
	PE_ERR_USAGE, /* the caller asked for something malformed */
	PE_ERR_NOT_FOUND, /* no such pod, container, process */
	PE_ERR_AMBIGUOUS, /* several targets match and none was chosen */
	PE_ERR_STALE, /* a PID no longer names the container it should */
	PE_ERR_PARSE, /* a node file could not be understood */
	PE_ERR_NO_RUNTIME, /* no runtime state found under the host root */
	PE_ERR_UNSUPPORTED /* the kernel or machine lacks a needed feature */
};

struct pe_error {
	enum pe_error_kind kind;
	int errnum;
	char msg[PE_ERROR_MSG_MAX];
	char hint[PE_ERROR_HINT_MAX];
};

/* Set the error; always returns -1 so callers can `return pe_error_set(...)`.
 */
int pe_error_set(struct pe_error *err, enum pe_error_kind kind, int errnum,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Shorthand for a failed syscall: kind SYSTEM, errnum = errno at call time. */
int pe_error_errno(struct pe_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepend "context: " to the message. Returns -1. */
int pe_error_wrap(struct pe_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append a line to the hint. */
void pe_error_hint(struct pe_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void pe_error_clear(struct pe_error *err);

/* Exit codes, as nsenter and env use them: podenter's own failure, a
 * command that could not be run, a command that was not found. A command
 * that ran passes its own status through (128+N for signal N). */
#define PE_EXIT_FAILURE 125
#define PE_EXIT_CANNOT_EXEC 126
#define PE_EXIT_NOT_FOUND 127

/* The exit code for an error: at_exec when executing the command failed
 * (NOT_FOUND 127, anything else 126), else podenter's own failure (125). */
int pe_error_exit_code(const struct pe_error *err, int at_exec);

#endif
