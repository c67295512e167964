/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: port-forward specs and --address lists as typed. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/portforward.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char addrs[4][PE_PF_ADDR_MAX];
	struct pe_pf_spec s;
	struct pe_error err;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	pe_error_clear(&err);
	if (pe_pf_parse_spec(text, &s, &err) == 0 &&
	    (s.remote == 0 || strlen(s.address) >= PE_PF_ADDR_MAX))
		abort(); /* a spec accepted must be usable as it is */
	pe_error_clear(&err);
	pe_pf_parse_addresses(text, addrs, 4, &err);
	free(text);
	return 0;
}
