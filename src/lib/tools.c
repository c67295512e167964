/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tools sources and podenter.conf. See include/podenter/tools.h.
 */
#include "config.h"

#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/image.h"
#include "podenter/tools.h"
#include "syscalls.h"

#define CONFIG_MAX (64 * 1024)

const char *pe_tools_kind_name(enum pe_tools_kind k)
{
	switch (k) {
	case PE_TOOLS_HOST:
		return "host";
	case PE_TOOLS_BUILTIN:
		return "builtin";
	case PE_TOOLS_DIR:
		return "directory";
	case PE_TOOLS_TARBALL:
		return "tarball";
	case PE_TOOLS_IMAGE:
		return "image";
	}
	return "?";
}

/* --- podenter.conf ----------------------------------------------------------
 */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

int pe_config_load(const char *path, struct pe_config *c, struct pe_error *err)
{
	char *buf = NULL, *line, *save = NULL;
	ssize_t n;
	int fd, lineno = 0, rc = -1;
	struct stat st;

	memset(c, 0, sizeof(*c));
	if (!path)
		path = getenv("PODENTER_CONFIG");
	if (!path || !path[0])
		path = PE_CONFIG_FILE;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return pe_error_errno(err, "opening %s", path);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONFIG_MAX) {
		close(fd);
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "%s: not a small regular file", path);
	}
	buf = malloc((size_t)st.st_size + 1);
	n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return pe_error_errno(err, "reading %s", path);
	}
	buf[n] = '\0';
	snprintf(c->path, sizeof(c->path), "%s", path);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *eq, *key, *val;

		lineno++;
		if (hash)
			*hash = '\0';
		line = trim(line);
		if (!*line)
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     "%s:%d: expected 'key = value'", path,
				     lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		if (!strcmp(key, "tools")) {
			snprintf(c->tools, sizeof(c->tools), "%s", val);
		} else if (!strcmp(key, "view")) {
			if (strcmp(val, "tools") && strcmp(val, "merged") &&
			    strcmp(val, "container") && strcmp(val, "none")) {
				pe_error_set(err, PE_ERR_PARSE, 0,
					     "%s:%d: unknown view '%s'", path,
					     lineno, val);
				pe_error_hint(err, "views: tools, merged, "
						   "container, none");
				goto out;
			}
			snprintf(c->view, sizeof(c->view), "%s", val);
		} else if (!strcmp(key, "profile")) {
			snprintf(c->profile, sizeof(c->profile), "%s", val);
		} else if (!strcmp(key, "cache-dir")) {
			if (val[0] != '/') {
				pe_error_set(err, PE_ERR_PARSE, 0,
					     "%s:%d: cache-dir must be an "
					     "absolute path",
					     path, lineno);
				goto out;
			}
			snprintf(c->cache_dir, sizeof(c->cache_dir), "%s", val);
		} else if (!strcmp(key, "allow-device-nodes")) {
			if (parse_bool(val, &c->allow_device_nodes) < 0) {
				pe_error_set(err, PE_ERR_PARSE, 0,
					     "%s:%d: allow-device-nodes wants "
					     "yes or no",
					     path, lineno);
				goto out;
			}
		} else if (!strcmp(key, "image-max-bytes") ||
			   !strcmp(key, "image-max-files")) {
			char *end;
			unsigned long long num;

			errno = 0;
			num = strtoull(val, &end, 10);
			if (errno || end == val || *end || num == 0 ||
			    val[0] == '-') {
				pe_error_set(err, PE_ERR_PARSE, 0,
					     "%s:%d: %s wants a positive "
					     "number",
					     path, lineno, key);
				goto out;
			}
			if (!strcmp(key, "image-max-bytes"))
				c->image_max_bytes = num;
			else
				c->image_max_files = num;
		} else {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     "%s:%d: unknown setting '%s'", path,
				     lineno, key);
			pe_error_hint(err, "settings: tools, view, profile, "
					   "cache-dir, allow-device-nodes, "
					   "image-max-bytes, image-max-files");
			goto out;
		}
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/* --- is there a usable shell? -----------------------------------------------
 */

static int open_in_tree(int dirfd, const char *rel, int flags)
{
	return pe_open_in_root(dirfd, rel, flags, 0);
}

/* The ELF interpreter of fd ("" for a static binary); -1 if not ELF. */
static int elf_interp(int fd, char *interp, size_t size)
{
	Elf64_Ehdr eh;

	interp[0] = '\0';
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return -1;
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return 0; /* 32-bit: not judged, assume it runs */
	for (unsigned i = 0; i < eh.e_phnum && i < 256; i++) {
		Elf64_Phdr ph;
		off_t off = (off_t)eh.e_phoff + (off_t)i * eh.e_phentsize;

		if (pread(fd, &ph, sizeof(ph), off) != (ssize_t)sizeof(ph))
			return -1;
		if (ph.p_type == PT_INTERP) {
			size_t n = ph.p_filesz < size ? ph.p_filesz : size - 1;
			if (pread(fd, interp, n, (off_t)ph.p_offset) !=
			    (ssize_t)n)
				return -1;
			interp[n] = '\0';
			return 0;
		}
	}
	return 0;
}

bool pe_tools_runnable(int dirfd, const char *rel, bool *is_static)
{
	char interp[PATH_MAX];
	struct stat st;
	int fd = open_in_tree(dirfd, rel, O_RDONLY | O_NONBLOCK);
	bool ok = false;

	if (is_static)
		*is_static = false;
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		goto out;
	if (elf_interp(fd, interp, sizeof(interp)) < 0) {
		char magic[2];
		ok = pread(fd, magic, 2, 0) == 2 && magic[0] == '#' &&
		     magic[1] == '!';
		goto out;
	}
	if (!interp[0]) {
		if (is_static)
			*is_static = true;
		ok = true;
		goto out;
	}
	{
		int ifd = open_in_tree(dirfd, interp, O_RDONLY);
		ok = ifd >= 0;
		if (ifd >= 0)
			close(ifd);
	}
out:
	close(fd);
	return ok;
}

/* --- what the host tools source shows ----------------------------------------
 */

/*
 * The one allowlist of the host root for --tools host. Each entry is taken
 * as it is on the node: a directory or file is cloned (read-only, nosuid,
 * nodev), a symlink is copied (merged /usr: /bin -> usr/bin); a missing one
 * is left out. Everything else of the node's root is absent from a view:
 * /etc/shadow and gshadow, /root, /home, /var (kubelet's credentials under
 * /var/lib/kubelet, runtime state under /var/lib/containerd), /run,
 * /etc/kubernetes, ssh host keys, /etc/ssl/private and /etc/pki/tls/private.
 * Add an entry only with a reason, and never a directory that holds
 * secrets or state.
 */
const char *const pe_tools_host_paths[] = {
	/* the programs and their libraries (dirs, or merged-/usr links) */
	"usr",
	"bin",
	"sbin",
	"lib",
	"lib32",
	"lib64",
	"libx32",
	/* the dynamic loader's search cache and configuration */
	"etc/ld.so.cache",
	"etc/ld.so.conf",
	"etc/ld.so.conf.d",
	/* Debian's program alternatives (/usr/bin/awk -> /etc/alternatives) */
	"etc/alternatives",
	/* name lookups: nsswitch says "files"; passwd and group hold no
	 * secrets (0644, hashes are in shadow) and tools need them: ps and ls
	 * show names, tcpdump drops privileges to its user by name */
	"etc/nsswitch.conf",
	"etc/passwd",
	"etc/group",
	/* the resolver's own settings (hosts and resolv.conf are the pod's) */
	"etc/host.conf",
	"etc/gai.conf",
	/* port, protocol and ethertype names: ss, netstat, tcpdump, ip */
	"etc/services",
	"etc/protocols",
	"etc/ethertypes",
	/* iproute2's tables (route table and realm names) */
	"etc/iproute2",
	/* the node's time zone, for timestamps in tool output */
	"etc/localtime",
	"etc/timezone",
	/* public CA certificates and TLS settings (curl, openssl): the
	 * certificates only, never the private key directories */
	"etc/ssl/certs",
	"etc/ssl/openssl.cnf",
	"etc/pki/tls/certs",
	"etc/pki/tls/openssl.cnf",
	"etc/pki/ca-trust",
	/* terminal descriptions (less, top, vi) */
	"etc/terminfo",
	/* which distribution the tools come from */
	"etc/os-release",
	NULL,
};

/* --- sources -----------------------------------------------------------------
 */

const char *pe_tools_builtin_dir(void)
{
	const char *env = getenv("PODENTER_TOOLBOX");
	return env && env[0] ? env : PE_TOOLBOX_DIR;
}

static void hint_for(const struct pe_tools *t, struct pe_error *err)
{
	if (t->kind == PE_TOOLS_BUILTIN)
		pe_error_hint(err,
			      "install podenter with its toolbox (configure "
			      "--with-busybox=PATH to a static busybox, e.g. "
			      "Debian's busybox-static), or set "
			      "PODENTER_TOOLBOX");
	else
		pe_error_hint(err, "try --tools builtin");
}

static int check_shell(struct pe_tools *t, struct pe_error *err)
{
	int dfd = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0) {
		pe_error_errno(err, "opening the %s tools tree %s",
			       pe_tools_kind_name(t->kind), t->dir);
		hint_for(t, err);
		return -1;
	}
	if (!pe_tools_runnable(dfd, "/bin/sh", &t->is_static)) {
		close(dfd);
		pe_error_set(err, PE_ERR_NOT_FOUND, 0,
			     "the %s tools tree %s has no usable /bin/sh",
			     pe_tools_kind_name(t->kind), t->dir);
		hint_for(t, err);
		return -1;
	}
	close(dfd);
	return 0;
}

/* The node's containerd: kubeadm's and most distributions' socket, else
 * k3s's and rke2's (whose ctr is `k3s ctr`; Debian's ctr knows only the
 * first, and waits on a missing socket until it times out). */
static const char *const containerd_sockets[] = {
	"/run/containerd/containerd.sock",
	"/run/k3s/containerd/containerd.sock",
};

static void image_opts(const struct pe_hostroot *hr,
		       const struct pe_config *cfg, struct pe_image_opts *io,
		       char *addr, size_t addr_size)
{
	memset(io, 0, sizeof(*io));
	io->cache_dir = cfg && cfg->cache_dir[0] ? cfg->cache_dir : NULL;
	io->allow_device_nodes = cfg && cfg->allow_device_nodes;
	io->max_bytes = cfg ? cfg->image_max_bytes : 0;
	io->max_files = cfg ? cfg->image_max_files : 0;
	if (!hr)
		return;
	/* an address the caller gave ctr itself stands */
	if (hr->is_slash && getenv("CONTAINERD_ADDRESS"))
		return;
	for (size_t i = 0;
	     i < sizeof(containerd_sockets) / sizeof(containerd_sockets[0]);
	     i++)
		if (pe_host_exists(hr, containerd_sockets[i])) {
			/* through the host root, as this process sees it */
			snprintf(addr, addr_size, "%s%s",
				 hr->is_slash ? "" : hr->path,
				 containerd_sockets[i]);
			io->containerd_address = addr;
			return;
		}
	if (!hr->is_slash) {
		/* none there: ctr's own default, through the host root */
		snprintf(addr, addr_size, "%s%s", hr->path,
			 containerd_sockets[0]);
		io->containerd_address = addr;
	}
}

int pe_tools_resolve(const char *source, const struct pe_hostroot *hr,
		     const struct pe_config *cfg, struct pe_tools *t,
		     struct pe_error *err)
{
	struct pe_image_opts io;
	struct pe_image_result res;
	char addr[PATH_MAX];
	struct stat st;

	memset(t, 0, sizeof(*t));
	if (!source || !source[0]) {
		if (cfg && cfg->tools[0]) {
			source = cfg->tools;
			snprintf(t->why, sizeof(t->why), "set in %s",
				 cfg->path);
		}
	}
	if (!source || !source[0]) {
		const char *root = hr ? hr->path : "/";
		int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		bool host_ok = dfd >= 0 &&
			       pe_tools_runnable(dfd, "/bin/sh", &t->is_static);

		if (dfd >= 0)
			close(dfd);
		t->automatic = true;
		if (host_ok) {
			/* that probe was check_shell()'s: not run twice */
			t->kind = PE_TOOLS_HOST;
			snprintf(t->given, sizeof(t->given), "host");
			snprintf(t->dir, sizeof(t->dir), "%s", root);
			snprintf(t->why, sizeof(t->why),
				 "the host root %s has a usable /bin/sh", root);
			return 0;
		} else {
			source = "builtin";
			snprintf(t->why, sizeof(t->why),
				 "the host root %s has no usable /bin/sh",
				 root);
		}
	}
	snprintf(t->given, sizeof(t->given), "%s", source);

	if (!strcmp(source, "host")) {
		t->kind = PE_TOOLS_HOST;
		snprintf(t->dir, sizeof(t->dir), "%s", hr ? hr->path : "/");
		return check_shell(t, err);
	}
	if (!strcmp(source, "builtin")) {
		t->kind = PE_TOOLS_BUILTIN;
		snprintf(t->dir, sizeof(t->dir), "%s", pe_tools_builtin_dir());
		return check_shell(t, err);
	}
	if (!strncmp(source, "image:", 6)) {
		t->kind = PE_TOOLS_IMAGE;
		image_opts(hr, cfg, &io, addr, sizeof(addr));
		if (pe_image_from_runtime(source + 6, &io, &res, err) < 0)
			return -1;
		snprintf(t->dir, sizeof(t->dir), "%s", res.rootfs);
		t->cached = res.reused;
		return check_shell(t, err);
	}
	if (stat(source, &st) < 0) {
		pe_error_errno(err, "tools source '%s'", source);
		pe_error_hint(err, "--tools takes host, builtin, image:REF, a "
				   "directory or an image tarball");
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		t->kind = PE_TOOLS_DIR;
		if (!realpath(source, t->dir))
			return pe_error_errno(err, "tools directory %s",
					      source);
		return check_shell(t, err);
	}
	if (S_ISREG(st.st_mode)) {
		t->kind = PE_TOOLS_TARBALL;
		image_opts(hr, cfg, &io, addr, sizeof(addr));
		if (pe_image_from_tarball(source, &io, &res, err) < 0)
			return -1;
		snprintf(t->dir, sizeof(t->dir), "%s", res.rootfs);
		t->cached = res.reused;
		return check_shell(t, err);
	}
	return pe_error_set(err, PE_ERR_USAGE, 0,
			    "tools source '%s' is neither a directory nor a "
			    "file",
			    source);
}
