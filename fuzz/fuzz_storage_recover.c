/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: containers/storage's files as `podenter copy` reads a
 * podman or CRI-O container (pe_recover_storage_parse): the input is the
 * container id, containers.json, layers.json, the container's
 * config.json and podman's state record of it (bolt_state.db's
 * ctr/<id>/state), joined by NUL bytes (missing parts are empty). What comes
 * out, the spec, goes through copy's spec parser as copy would take it,
 * and every layer path is checked to be a layer of the storage.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/copy.h"
#include "podenter/recover.h"

#define REL_ROOT "var/lib/containers/storage"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the next NUL-terminated part of [*p, end) */
static const char *part(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nul = memchr(s, '\0', (size_t)(end - s));

	*len = nul ? (size_t)(nul - s) : (size_t)(end - s);
	*p = nul ? nul + 1 : end;
	return s;
}

static void layer_ok(const char *path)
{
	static const char prefix[] = REL_ROOT "/overlay/";
	size_t n = strlen(path);

	/* "<rel root>/overlay/<64 hex>/diff", nothing else */
	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 ||
	    n != sizeof(prefix) - 1 + 64 + 5 ||
	    strcmp(path + n - 5, "/diff") != 0 ||
	    strspn(path + sizeof(prefix) - 1, "0123456789abcdef") != 64)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	const char *p, *end, *id, *containers, *layers, *config, *state;
	size_t idlen, clen, llen, slen, stlen;
	char idz[80];
	struct pe_recovered_container c;
	struct pe_copy_spec spec;
	struct pe_error err;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	p = buf;
	end = buf + size;
	id = part(&p, end, &idlen);
	containers = part(&p, end, &clen);
	layers = part(&p, end, &llen);
	config = part(&p, end, &slen);
	state = part(&p, end, &stlen);
	if (idlen >= sizeof(idz)) {
		free(buf);
		return 0;
	}
	memcpy(idz, id, idlen);
	idz[idlen] = '\0';
	memset(&c, 0, sizeof(c));
	pe_error_clear(&err);
	if (pe_recover_storage_parse(containers, clen, layers, llen, config,
				     slen, idz, REL_ROOT, &c, &err) == 0) {
		layer_ok(c.upperdir);
		for (size_t i = 0; i < c.n_lowerdirs; i++)
			layer_ok(c.lowerdirs[i]);
		if (c.n_lowerdirs > 500)
			abort();
		memset(&spec, 0, sizeof(spec));
		if (pe_copy_spec_parse(c.spec_json, &spec, &err) == 0)
			pe_copy_spec_clear(&spec);
		(void)pe_recover_podman_state_parse(state, stlen, &c);
	}
	pe_recovered_container_clear(&c);
	free(buf);
	return 0;
}
