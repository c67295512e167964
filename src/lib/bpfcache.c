/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfcache.h"
#include "sha256.h"
#include "syscalls.h"

#define CACHE_MAX_INSNS 4096 /* the kernel's BPF_MAXINSNS */

static const char *cache_dir(void)
{
	const char *d = getenv("PODENTER_RUNDIR");

	return d && *d == '/' ? d : "/run/podenter";
}

void pe_bpf_cache_key(const char *what, char key[65])
{
	const struct scmp_version *v = seccomp_version();
	unsigned char digest[32];
	struct pe_sha256 s;
	struct stat st = { 0 };
	char buf[512];

	/* the rules live in this binary: a rebuilt or upgraded podenter has
	 * another identity, so it never loads an older build's filter */
	if (stat("/proc/self/exe", &st) < 0)
		memset(&st, 0, sizeof(st));
	snprintf(buf, sizeof(buf), "%s|%s|%u.%u.%u|%u|%llx:%llx:%lld:%lld.%ld",
		 what, PACKAGE_VERSION, v ? v->major : 0, v ? v->minor : 0,
		 v ? v->micro : 0, seccomp_arch_native(),
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec);
	pe_sha256_init(&s);
	pe_sha256_update(&s, buf, strlen(buf));
	pe_sha256_final(&s, digest);
	pe_sha256_hex(digest, key);
}

/* The cache directory, if it is ours alone: a directory owned by root
 * with no access for anyone else. Creates it when missing. */
static int open_cache_dir(bool create)
{
	const char *dir = cache_dir();
	char sub[4096];
	struct stat st;
	int fd;

	snprintf(sub, sizeof(sub), "%s/seccomp", dir);
	if (create) {
		(void)mkdir(dir, 0700);
		(void)mkdir(sub, 0700);
	}
	fd = open(sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool pe_bpf_cache_get(const char *key, struct pe_bpf *out)
{
	char name[80];
	struct stat st;
	int dfd, fd;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	dfd = open_cache_dir(false);
	if (dfd < 0)
		return false;
	snprintf(name, sizeof(name), "%s.bpf", key);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) != 0 ||
	    st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size >
		(off_t)(CACHE_MAX_INSNS * sizeof(struct sock_filter))) {
		close(fd);
		return false;
	}
	out->insns = malloc((size_t)st.st_size);
	n = out->insns ? read(fd, out->insns, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		pe_bpf_free(out);
		return false;
	}
	out->len = (size_t)st.st_size / sizeof(struct sock_filter);
	return true;
}

void pe_bpf_cache_put(const char *key, const struct pe_bpf *prog)
{
	size_t size = prog->len * sizeof(struct sock_filter);
	char name[80], tmp[96];
	int dfd, fd;

	dfd = open_cache_dir(true);
	if (dfd < 0)
		return;
	snprintf(name, sizeof(name), "%s.bpf", key);
	snprintf(tmp, sizeof(tmp), ".%s.%d", key, (int)getpid());
	fd = openat(dfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		close(dfd);
		return;
	}
	/* written whole under a private name, then renamed: a concurrent
	 * session sees the old file, no file, or the whole new one */
	if (write(fd, prog->insns, size) != (ssize_t)size || fsync(fd) < 0 ||
	    close(fd) < 0 || renameat(dfd, tmp, dfd, name) < 0)
		(void)unlinkat(dfd, tmp, 0);
	close(dfd);
}

int pe_bpf_export(void *scmp_ctx, struct pe_bpf *out, struct pe_error *err)
{
	int fd = memfd_create("podenter-seccomp", MFD_CLOEXEC);
	int rc;
	off_t size;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return pe_error_errno(err, "exporting the seccomp filter");
	rc = seccomp_export_bpf((scmp_filter_ctx)scmp_ctx, fd);
	size = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (rc < 0 || size <= 0 ||
	    size % (off_t)sizeof(struct sock_filter) != 0 ||
	    size > (off_t)(CACHE_MAX_INSNS * sizeof(struct sock_filter))) {
		close(fd);
		return pe_error_set(err, PE_ERR_SYSTEM, rc < 0 ? -rc : EINVAL,
				    "exporting the seccomp filter");
	}
	out->insns = malloc((size_t)size);
	if (!out->insns ||
	    pread(fd, out->insns, (size_t)size, 0) != (ssize_t)size) {
		close(fd);
		pe_bpf_free(out);
		return pe_error_set(err, PE_ERR_SYSTEM, EIO,
				    "exporting the seccomp filter");
	}
	close(fd);
	out->len = (size_t)size / sizeof(struct sock_filter);
	return 0;
}

int pe_bpf_uncached(const struct pe_bpf *in, struct pe_bpf *out)
{
	const struct sock_filter first =
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, instruction_pointer));

	out->insns = NULL;
	out->len = 0;
	if (in->len + 1 > BPF_MAXINSNS) {
		errno = E2BIG;
		return -1;
	}
	out->insns = malloc((in->len + 1) * sizeof(first));
	if (!out->insns)
		return -1;
	memcpy(out->insns, &first, sizeof(first));
	memcpy((struct sock_filter *)out->insns + 1, in->insns,
	       in->len * sizeof(first));
	out->len = in->len + 1;
	return 0;
}

int pe_bpf_load(const struct pe_bpf *prog, struct pe_error *err)
{
	struct pe_bpf uncached;
	struct sock_fprog fprog;
	int rc;

	if (pe_bpf_uncached(prog, &uncached) < 0)
		return pe_error_errno(err, "preparing the seccomp filter");
	fprog.len = (unsigned short)uncached.len;
	fprog.filter = uncached.insns;
	rc = pe_sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &fprog);
	if (rc < 0 && errno == ENOSYS) /* before Linux 3.17 */
		rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
	if (rc < 0) {
		pe_error_errno(err, "loading the seccomp filter");
		if (errno == EACCES)
			pe_error_hint(err, "without no_new_privs the filter "
					   "needs CAP_SYS_ADMIN");
	}
	pe_bpf_free(&uncached);
	return rc < 0 ? -1 : 0;
}

void pe_bpf_free(struct pe_bpf *prog)
{
	free(prog->insns);
	prog->insns = NULL;
	prog->len = 0;
}
