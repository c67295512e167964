/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a session's tools come from (--tools SOURCE) and podenter's
 * defaults (/etc/podenter.conf).
 *
 * SOURCE is one of:
 *   host        the node's programs and what they need from the host root
 *               (pe_tools_host_paths), read-only: never the whole root
 *   builtin     the static busybox toolbox installed with podenter
 *   image:REF   an image already on the node, from its runtime
 *   PATH        a directory holding a root file system, or an OCI layout /
 *               docker-save tarball (unpacked once into the cache)
 * Without --tools: the config file's choice, else host when the host root
 * has a usable shell, else builtin.
 */
#ifndef PODENTER_TOOLS_H
#define PODENTER_TOOLS_H

#include <limits.h>
#include <stdbool.h>

#include "podenter/error.h"
#include "podenter/hostroot.h"

#define PE_CONFIG_FILE PODENTER_SYSCONFDIR "/podenter.conf"

/* The toolbox shipped with podenter; PODENTER_TOOLBOX overrides it. */
#define PE_TOOLBOX_DIR PODENTER_LIBEXECDIR "/toolbox"

struct pe_config {
	char tools[PATH_MAX]; /* "" = automatic choice */
	char view[32]; /* "" = tools */
	char profile[64]; /* "" = the sandbox's default */
	char cache_dir[PATH_MAX]; /* "" = /var/cache/podenter */
	bool allow_device_nodes; /* image archives may create device nodes */
	/* limits on what one image unpacks to (0: the defaults of image.h) */
	unsigned long long image_max_bytes;
	unsigned long long image_max_files;
	char path[PATH_MAX]; /* the file read, "" when none existed */
};

/*
 * Read "key = value" lines ('#' starts a comment). A missing file is not an
 * error (the defaults stay); an unknown key or a bad value is, with the line
 * number. path NULL: PODENTER_CONFIG from the environment, else
 * PE_CONFIG_FILE.
 */
int pe_config_load(const char *path, struct pe_config *c, struct pe_error *err);

enum pe_tools_kind {
	PE_TOOLS_HOST = 0,
	PE_TOOLS_BUILTIN,
	PE_TOOLS_DIR,
	PE_TOOLS_TARBALL,
	PE_TOOLS_IMAGE,
};

const char *pe_tools_kind_name(enum pe_tools_kind k);

struct pe_tools {
	enum pe_tools_kind kind;
	char dir[PATH_MAX]; /* the tree to mount as tools */
	char given[PATH_MAX]; /* the SOURCE as given (or chosen) */
	bool is_static; /* its /bin/sh needs no dynamic loader */
	bool automatic; /* chosen by default, not by --tools or config */
	bool cached; /* an image unpack was reused from the cache */
	char why[256]; /* for the note on stderr: why this source */
};

/*
 * Turn SOURCE (NULL: the config's, else the automatic choice) into a tools
 * tree on this machine, unpacking images as needed.
 */
int pe_tools_resolve(const char *source, const struct pe_hostroot *hr,
		     const struct pe_config *cfg, struct pe_tools *out,
		     struct pe_error *err);

/*
 * What of the host root the host tools source shows (relative paths,
 * NULL-terminated): the node's programs and libraries and the few files
 * they need to run, never its secrets or state. A session's root is
 * reachable by any pod process with the session's uid and capabilities
 * (/proc/<session>/root), so what is not here must never be in a view.
 * A view builds its tools tree from exactly these (pe_view_opts.tools_only).
 */
extern const char *const pe_tools_host_paths[];

/* The builtin toolbox directory (PODENTER_TOOLBOX or PE_TOOLBOX_DIR). */
const char *pe_tools_builtin_dir(void);

/*
 * Whether dirfd/rel names an executable that can run in this tree: a
 * static ELF, a dynamic one whose interpreter exists in the tree, or a
 * script (a "#!" line). Links are followed inside the tree only.
 * *is_static (may be NULL) tells whether no loader is needed.
 */
bool pe_tools_runnable(int dirfd, const char *rel, bool *is_static);

#endif
