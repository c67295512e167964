/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: TARGET text, names and globs as a person types them. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_target t;
	struct pe_error err;
	char *text = malloc(size + 1);
	char *sep;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	pe_error_clear(&err);
	pe_target_parse(text, NULL, &t, &err);
	pe_error_clear(&err);
	pe_target_parse(text, "kube-system", &t, &err);
	pe_k8s_name_valid(text, true);
	pe_k8s_name_valid(text, false);
	/* "PATTERN\nSUBJECT" exercises the glob matcher on both halves */
	sep = strchr(text, '\n');
	if (sep) {
		*sep = '\0';
		pe_glob_match(text, sep + 1);
		pe_error_clear(&err);
		pe_target_parse(sep + 1, text, &t, &err);
	}
	free(text);
	return 0;
}
