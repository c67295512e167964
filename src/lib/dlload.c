/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dlload.h"

#ifdef PE_STATIC_BINARY
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/testhooks.h"

/* Does the file at path hold needle? 0 no, 1 yes, -1 unreadable. */
static int file_holds(const char *path, const char *needle)
{
	struct stat st;
	void *map;
	int fd, found;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > (64 << 20)) {
		close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	found = memmem(map, (size_t)st.st_size, needle, strlen(needle)) != NULL;
	munmap(map, (size_t)st.st_size);
	return found;
}

/*
 * This podenter is a static PIE (configure.ac, --disable-static-binary):
 * it carries its own C library. dlopen() still works, by loading the
 * node's libc.so.6 beside it for the library's sake, but the two then
 * share glibc's private interface, which is only the same within one
 * release. So the node's libc.so.6 must say it is this release ("release
 * version 2.36." in its banner); any other is refused here, with a
 * message, rather than loaded to fail in some unforeseen way. It is looked
 * for where the build's was, and without /usr (a root without merged
 * /usr, or an image that copied it where ldd showed it).
 */
static int node_libc_is_ours(const char *lib, struct pe_error *err)
{
	const char *dir = PE_NODE_LIBC_DIR, *test = pe_test_value("NODE_LIBC");
	char needle[64], paths[2][256];
	int n = 0, r = -1;

	snprintf(needle, sizeof(needle), "release version %s.",
		 gnu_get_libc_version());
	if (test) {
		snprintf(paths[n++], sizeof(paths[0]), "%s", test);
	} else {
		snprintf(paths[n++], sizeof(paths[0]), "%s/libc.so.6", dir);
		if (strncmp(dir, "/usr/", 5) == 0)
			snprintf(paths[n++], sizeof(paths[0]), "%s/libc.so.6",
				 dir + 4);
	}
	for (int i = 0; i < n && r < 0; i++)
		r = file_holds(paths[i], needle);
	if (r > 0)
		return 0;
	pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
		     "cannot load %s: this podenter is linked with glibc %s, "
		     "and %s %s",
		     lib, gnu_get_libc_version(), paths[0],
		     r < 0 ? "cannot be read" : "is another release");
	pe_error_hint(err, "build podenter on this node (./configure && make), "
			   "or configure it with --disable-static-binary");
	return -1;
}
#endif

int pe_dl_load(const struct pe_dl_library *lib, void *table,
	       struct pe_error *err)
{
	void *h = NULL, *fns[64];
	char first[256] = "";

	if (lib->nsymbols > sizeof(fns) / sizeof(fns[0]))
		return pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
				    "too many symbols for %s", lib->name);
#ifdef PE_STATIC_BINARY
	if (node_libc_is_ours(lib->name, err) < 0)
		return -1;
#endif
	for (size_t i = 0; lib->sonames[i] && !h; i++) {
		const char *why;

		h = dlopen(lib->sonames[i], RTLD_NOW | RTLD_LOCAL);
		why = h ? NULL : dlerror();
		/* the first soname's reason: the others are older names */
		if (!h && i == 0)
			snprintf(first, sizeof(first), "%s",
				 why ? why : "not found");
	}
	if (!h) {
		pe_error_set(err, PE_ERR_UNSUPPORTED, 0, "cannot load %s (%s)",
			     lib->name, first);
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
