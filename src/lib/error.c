/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "podenter/error.h"

static void append_errno(struct pe_error *err)
{
	size_t len = strlen(err->msg);

	if (err->errnum != 0 && len < sizeof(err->msg))
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
			 strerror(err->errnum));
}

int pe_error_set(struct pe_error *err, enum pe_error_kind kind, int errnum,
		 const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->kind = kind;
	err->errnum = errnum;
	err->hint[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	append_errno(err);
	return -1;
}

int pe_error_errno(struct pe_error *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (!err)
		return -1;
	err->kind = PE_ERR_SYSTEM;
	err->errnum = saved;
	err->hint[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	append_errno(err);
	errno = saved;
	return -1;
}

int pe_error_wrap(struct pe_error *err, const char *fmt, ...)
{
	char prefix[PE_ERROR_MSG_MAX];
	char old[PE_ERROR_MSG_MAX];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return -1;
}

void pe_error_hint(struct pe_error *err, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	if (!err)
		return;
	len = strlen(err->hint);
	if (len > 0 && len + 1 < sizeof(err->hint))
		err->hint[len++] = '\n', err->hint[len] = '\0';
	if (len >= sizeof(err->hint))
		return;
	va_start(ap, fmt);
	vsnprintf(err->hint + len, sizeof(err->hint) - len, fmt, ap);
	va_end(ap);
}

int pe_error_exit_code(const struct pe_error *err, int at_exec)
{
	if (!at_exec)
		return PE_EXIT_FAILURE;
	return err && err->kind == PE_ERR_NOT_FOUND ? PE_EXIT_NOT_FOUND
						    : PE_EXIT_CANNOT_EXEC;
}

void pe_error_clear(struct pe_error *err)
{
	if (!err)
		return;
	err->kind = PE_ERR_NONE;
	err->errnum = 0;
	err->msg[0] = '\0';
	err->hint[0] = '\0';
}
