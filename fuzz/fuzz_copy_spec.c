/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: podenter copy's readers of what a pod may influence:
 * the OCI spec (mounts, user, cwd), bind sources, and the last run's CRI
 * log (src/lib/copy.c). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/copy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_copy_spec s;
	struct pe_error err;
	char *text = malloc(size + 1), *log;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	pe_error_clear(&err);
	if (pe_copy_spec_parse(text, &s, &err) == 0) {
		/* what is accepted is usable as it is: clean paths only */
		if (!s.cwd || !pe_copy_path_ok(s.cwd) || !s.args ||
		    s.args[s.n_args])
			abort();
		for (size_t i = 0; i < s.n_mounts; i++) {
			if (!pe_copy_path_ok(s.mounts[i].dest))
				abort();
			if (s.mounts[i].kind == PE_COPY_MOUNT_BIND &&
			    (!pe_copy_path_ok(s.mounts[i].source) ||
			     strpbrk(s.mounts[i].source, ",:\\\n")))
				abort();
			(void)pe_copy_classify_source(s.mounts[i].source, "uid",
						      "sandbox");
		}
		pe_copy_spec_clear(&s);
	}
	log = pe_copy_cri_log_text(text, size, 10);
	if (log) {
		size_t n = strlen(log);

		if (n > size + 1 || (n && log[n - 1] != '\n'))
			abort();
		free(log);
	}
	(void)pe_copy_classify_source(text, text, text);
	free(text);
	return 0;
}
