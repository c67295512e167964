/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dlfcn.h>
#include <string.h>

#include "dlload.h"

int pe_dl_load(const struct pe_dl_library *lib, void *table,
	       struct pe_error *err)
{
	void *h = NULL, *fns[64];

	if (lib->nsymbols > sizeof(fns) / sizeof(fns[0]))
		return pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
				    "too many symbols for %s", lib->name);
	for (size_t i = 0; lib->sonames[i] && !h; i++)
		h = dlopen(lib->sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		pe_error_set(err, PE_ERR_UNSUPPORTED, 0, "cannot load %s (%s)",
			     lib->name, dlerror());
		pe_error_hint(err, "%s", lib->hint);
		return -1;
	}
	for (size_t i = 0; i < lib->nsymbols; i++) {
		fns[i] = dlsym(h, lib->symbols[i].name);
		if (!fns[i]) {
			pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
				     "%s lacks %s: too old?", lib->name,
				     lib->symbols[i].name);
			dlclose(h);
			return -1;
		}
	}
	/* POSIX makes object and function pointers interchangeable for
	 * dlsym(); the tables hold them as functions */
	for (size_t i = 0; i < lib->nsymbols; i++)
		memcpy((char *)table + lib->symbols[i].offset, &fns[i],
		       sizeof(void *));
	return 0;
}
