/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exec semantics users expect (passwd.h, exec.h): passwd and group
 * parsing as runc does it, --user/--group-add resolution beneath a root
 * that plants links, HOME/USER/LOGNAME, the container's configured
 * environment from config.json, and the words for a failed exec.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/exec.h"
#include "podenter/passwd.h"

static const char passwd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# a comment\n"
    "\n"
    "+nis::::::\n"
    "broken:x:12\n"
    "badid:x:1x:1:b:/b:/bin/sh\n"
    "app:x:1000:1001:App:/home/app:/bin/sh\n"
    "twin:x:1000:5:second entry for 1000:/nope:/bin/sh\n"
    "nohome:x:1002:1002:::/bin/sh\n"
    "huge:x:4294967295:1:b:/b:/bin/sh\n"
    "last:x:2000:2000:no newline:/home/last:/bin/sh";

static const char group[] = "root:x:0:\n"
			    "wheel:x:10:root,app\n"
			    "app:x:1001:\n"
			    "audio:x:29:other,app\n"
			    "video:x:44:application\n"
			    "bad:x:z:app\n"
			    "short:x\n"
			    "dup:x:29:app";

static void test_passwd_lookup(void **state)
{
	struct pe_passwd_entry e;

	(void)state;
	assert_int_equal(pe_passwd_lookup(passwd, strlen(passwd), "app", 0, &e),
			 1);
	assert_int_equal(e.uid, 1000);
	assert_int_equal(e.gid, 1001);
	assert_string_equal(e.home, "/home/app");
	/* by uid: the first entry */
	assert_int_equal(
	    pe_passwd_lookup(passwd, strlen(passwd), NULL, 1000, &e), 1);
	assert_string_equal(e.name, "app");
	assert_int_equal(pe_passwd_lookup(passwd, strlen(passwd), NULL, 0, &e),
			 1);
	assert_string_equal(e.home, "/root");
	/* malformed lines name nobody */
	assert_int_equal(
	    pe_passwd_lookup(passwd, strlen(passwd), "broken", 0, &e), 0);
	assert_int_equal(
	    pe_passwd_lookup(passwd, strlen(passwd), "badid", 0, &e), 0);
	assert_int_equal(
	    pe_passwd_lookup(passwd, strlen(passwd), "huge", 0, &e), 0);
	assert_int_equal(
	    pe_passwd_lookup(passwd, strlen(passwd), "+nis", 0, &e), 0);
	assert_int_equal(pe_passwd_lookup(passwd, strlen(passwd), "", 0, &e),
			 0);
	assert_int_equal(
	    pe_passwd_lookup(passwd, strlen(passwd), NULL, 4242, &e), 0);
	/* the last line needs no newline; the buffer needs no NUL */
	assert_int_equal(
	    pe_passwd_lookup(passwd, strlen(passwd), NULL, 2000, &e), 1);
	assert_string_equal(e.home, "/home/last");
	/* cut inside the last line: its home field is gone, so is it */
	assert_int_equal(
	    pe_passwd_lookup(passwd, strlen(passwd) - 14, NULL, 2000, &e), 0);
	assert_int_equal(
	    pe_passwd_lookup(passwd, strlen(passwd), "nohome", 0, &e), 1);
	assert_string_equal(e.home, "");
	assert_int_equal(pe_passwd_lookup(NULL, 0, "root", 0, &e), 0);
}

static void test_passwd_embedded_nul(void **state)
{
	static const char buf[] = "ro\0t:x:0:0::/root:/bin/sh\n"
				  "x:x:7:7::/h\0me:/bin/sh\n";
	struct pe_passwd_entry e;

	(void)state;
	assert_int_equal(pe_passwd_lookup(buf, sizeof(buf) - 1, NULL, 0, &e),
			 0);
	assert_int_equal(pe_passwd_lookup(buf, sizeof(buf) - 1, NULL, 7, &e),
			 0);
}

static void test_group_lookup_and_members(void **state)
{
	gid_t g = 0, groups[4];
	size_t n;

	(void)state;
	assert_int_equal(pe_group_lookup(group, strlen(group), "audio", 0, &g),
			 1);
	assert_int_equal(g, 29);
	assert_int_equal(pe_group_lookup(group, strlen(group), "bad", 0, &g),
			 0);
	assert_int_equal(pe_group_lookup(group, strlen(group), "short", 0, &g),
			 0);
	assert_int_equal(pe_group_lookup(group, strlen(group), "nosuch", 0, &g),
			 0);
	/* members are whole names: "application" is not "app"; no dups */
	n = pe_group_memberships(group, strlen(group), "app", groups, 0, 4);
	assert_int_equal(n, 2);
	assert_int_equal(groups[0], 10);
	assert_int_equal(groups[1], 29);
	/* capped */
	n = pe_group_memberships(group, strlen(group), "app", groups, 0, 1);
	assert_int_equal(n, 1);
	assert_int_equal(
	    pe_group_memberships(group, strlen(group), "", groups, 0, 4), 0);
}

static void test_spec_check(void **state)
{
	struct pe_error err;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_user_spec_check("target", &err), 0);
	assert_int_equal(pe_user_spec_check("1000", &err), 0);
	assert_int_equal(pe_user_spec_check("1000:2000", &err), 0);
	assert_int_equal(pe_user_spec_check("app", &err), 0);
	assert_int_equal(pe_user_spec_check("app:wheel", &err), 0);
	assert_int_equal(pe_user_spec_check("nobody", &err), 0);
	assert_int_equal(pe_user_spec_check("-1", &err), -1);
	assert_int_equal(err.kind, PE_ERR_USAGE);
	assert_non_null(strstr(err.hint, "--userns"));
	assert_int_equal(pe_user_spec_check("1000:", &err), -1);
	assert_int_equal(pe_user_spec_check(":1000", &err), -1);
	assert_int_equal(pe_user_spec_check("4294967295", &err), -1);
	assert_int_equal(pe_user_spec_check("12x", &err), -1);
	assert_int_equal(pe_user_spec_check("a/b", &err), -1);
	assert_int_equal(pe_user_spec_check("a:b:c", &err), -1);
	assert_int_equal(pe_user_spec_check("a\nb", &err), -1);
	assert_int_equal(pe_group_spec_check("44", &err), 0);
	assert_int_equal(pe_group_spec_check("video", &err), 0);
	assert_int_equal(pe_group_spec_check("", &err), -1);
	assert_int_equal(pe_group_spec_check("a,b", &err), -1);
}

/* A root with etc/passwd and etc/group, and a canary outside it. */
struct tree {
	char dir[64];
	int rootfd;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void tree_make(struct tree *t, bool with_files)
{
	char p[256];

	snprintf(t->dir, sizeof(t->dir), "/tmp/test_passwd.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(p, sizeof(p), "%s/root", t->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/root/etc", t->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	if (with_files) {
		snprintf(p, sizeof(p), "%s/root/etc/passwd", t->dir);
		write_file(p, passwd);
		snprintf(p, sizeof(p), "%s/root/etc/group", t->dir);
		write_file(p, group);
	}
	snprintf(p, sizeof(p), "%s/canary", t->dir);
	write_file(p, "root:x:0:0::/CANARY:/bin/sh\napp:x:7:7::/CANARY:/x\n");
	snprintf(p, sizeof(p), "%s/root", t->dir);
	t->rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->rootfd >= 0);
}

static void tree_free(struct tree *t)
{
	char cmd[128];

	close(t->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

static void test_resolve_rules(void **state)
{
	const char *add[] = { "video", "4000", "10" };
	struct pe_identity id;
	struct pe_account acct;
	struct pe_error err;
	struct tree t = { .rootfd = -1 };

	(void)state;
	pe_error_clear(&err);
	tree_make(&t, true);
	/* default: root, its groups, its home */
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, NULL, NULL, 0, &id, &acct, &err), 0);
	assert_int_equal(id.uid, 0);
	assert_int_equal(id.gid, 0);
	assert_int_equal(id.ngroups, 1);
	assert_int_equal(id.groups[0], 10);
	assert_string_equal(acct.home, "/root");
	/* a name */
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "app", NULL, 0, &id, &acct, &err), 0);
	assert_int_equal(id.uid, 1000);
	assert_int_equal(id.gid, 1001);
	assert_int_equal(id.ngroups, 2);
	assert_string_equal(acct.name, "app");
	assert_string_equal(acct.home, "/home/app");
	/* a uid with an entry: its gid */
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "1000", NULL, 0, &id, &acct, &err),
	    0);
	assert_int_equal(id.gid, 1001);
	assert_true(acct.found);
	/* a uid without one: gid 0, no account */
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "4242", NULL, 0, &id, &acct, &err),
	    0);
	assert_int_equal(id.uid, 4242);
	assert_int_equal(id.gid, 0);
	assert_int_equal(id.ngroups, 0);
	assert_false(acct.found);
	/* NAME:GROUP: that group, no memberships; then --group-add */
	assert_int_equal(pe_identity_resolve(t.rootfd, "app:audio", add, 3, &id,
					     &acct, &err),
			 0);
	assert_int_equal(id.gid, 29);
	assert_int_equal(id.ngroups, 3);
	assert_int_equal(id.groups[0], 44);
	assert_int_equal(id.groups[1], 4000);
	assert_int_equal(id.groups[2], 10);
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "1000:77", NULL, 0, &id, &acct, &err),
	    0);
	assert_int_equal(id.gid, 77);
	/* unknown names are errors that say where they looked */
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "nosuch", NULL, 0, &id, &acct, &err),
	    -1);
	assert_int_equal(err.kind, PE_ERR_USAGE);
	assert_non_null(strstr(err.msg, "no such user in the target's "
					"/etc/passwd"));
	assert_int_equal(pe_identity_resolve(t.rootfd, "app:nosuch", NULL, 0,
					     &id, &acct, &err),
			 -1);
	assert_non_null(strstr(err.msg, "/etc/group"));
	add[0] = "nosuch";
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "app", add, 1, &id, &acct, &err), -1);
	assert_non_null(strstr(err.msg, "--group-add 'nosuch'"));
	tree_free(&t);
}

static void test_resolve_hostile_files(void **state)
{
	struct pe_identity id;
	struct pe_account acct;
	struct pe_error err;
	struct tree t = { .rootfd = -1 };
	char p[256], target[256];

	(void)state;
	pe_error_clear(&err);
	tree_make(&t, false);
	/* an absolute link to the canary: resolved inside the root, where
	 * it names nothing */
	snprintf(p, sizeof(p), "%s/root/etc/passwd", t.dir);
	snprintf(target, sizeof(target), "%s/canary", t.dir);
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, NULL, NULL, 0, &id, &acct, &err), 0);
	assert_false(acct.found);
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "app", NULL, 0, &id, &acct, &err),
	    -1);
	/* a relative one climbing out: the same */
	unlink(p);
	assert_int_equal(symlink("../../../../../../../../../..", p), 0);
	unlink(p);
	snprintf(target, sizeof(target), "../../../../../../../../..%s/canary",
		 t.dir);
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "0", NULL, 0, &id, &acct, &err), 0);
	assert_false(acct.found);
	/* a magic link */
	unlink(p);
	assert_int_equal(symlink("/proc/self/root/etc/passwd", p), 0);
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "0", NULL, 0, &id, &acct, &err), 0);
	assert_false(acct.found);
	/* a FIFO: neither read nor waited on; a name lookup says why */
	unlink(p);
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "app", NULL, 0, &id, &acct, &err),
	    -1);
	assert_non_null(strstr(err.msg, "cannot be used"));
	/* too big */
	unlink(p);
	assert_int_equal(truncate(p, 0), -1);
	{
		int fd = open(p, O_WRONLY | O_CREAT, 0644);

		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, PE_ACCOUNT_FILE_MAX + 1), 0);
		close(fd);
	}
	{
		char *buf = NULL;

		assert_int_equal(
		    pe_account_file_read(t.rootfd, "etc/passwd", &buf), -1);
		assert_int_equal(errno, EFBIG);
		assert_null(buf);
	}
	/* a link inside the root is followed */
	unlink(p);
	snprintf(target, sizeof(target), "%s/root/etc/real", t.dir);
	write_file(target, "app:x:1000:1001::/home/app:/bin/sh\n");
	assert_int_equal(symlink("/etc/real", p), 0);
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "app", NULL, 0, &id, &acct, &err), 0);
	assert_int_equal(id.uid, 1000);
	/* a long file, the entry on its last line: read whole (the buffer is
	 * sized by the file, not by the cap) */
	unlink(p);
	{
		FILE *f = fopen(p, "w");

		assert_non_null(f);
		for (int i = 0; i < 6000; i++)
			fprintf(f, "user%d:x:%d:%d::/home/user%d:/bin/sh\n", i,
				20000 + i, 20000 + i, i);
		fprintf(f, "last:x:4242:4343::/home/last:/bin/sh\n");
		fclose(f);
	}
	assert_int_equal(
	    pe_identity_resolve(t.rootfd, "last", NULL, 0, &id, &acct, &err),
	    0);
	assert_int_equal(id.uid, 4242);
	assert_int_equal(id.gid, 4343);
	tree_free(&t);
}

static void test_env_account(void **state)
{
	struct pe_env e = { 0 };
	struct pe_account acct = { 0 };
	struct pe_error err;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_env_set_account(&e, 0, &acct, &err), 0);
	assert_string_equal(pe_env_get(&e, "HOME"), "/root");
	assert_null(pe_env_get(&e, "USER"));
	pe_env_free(&e);
	assert_int_equal(pe_env_set_account(&e, 1234, &acct, &err), 0);
	assert_string_equal(pe_env_get(&e, "HOME"), "/");
	pe_env_free(&e);
	acct.found = true;
	snprintf(acct.name, sizeof(acct.name), "app");
	snprintf(acct.home, sizeof(acct.home), "/home/app");
	assert_int_equal(pe_env_put(&e, "HOME=/set", &err), 0);
	assert_int_equal(pe_env_set_account(&e, 1000, &acct, &err), 0);
	assert_string_equal(pe_env_get(&e, "HOME"), "/set");
	assert_string_equal(pe_env_get(&e, "USER"), "app");
	assert_string_equal(pe_env_get(&e, "LOGNAME"), "app");
	pe_env_free(&e);
}

static void test_env_from_config(void **state)
{
	struct pe_env e = { 0 };
	struct pe_error err;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(
	    pe_env_from_config_json(
		&e,
		"{\"process\":{\"env\":[\"PATH=/app/bin\",\"GREETING=hi=x\","
		"\"NOEQ\",\"=v\",7,null,\"LD_PRELOAD=/e.so\","
		"\"NUL=a\\u0000b\"]}}",
		&err),
	    0);
	assert_string_equal(pe_env_get(&e, "PATH"), "/app/bin");
	assert_string_equal(pe_env_get(&e, "GREETING"), "hi=x");
	assert_string_equal(pe_env_get(&e, "LD_PRELOAD"), "/e.so");
	assert_null(pe_env_get(&e, "NUL"));
	assert_int_equal(e.len, 3);
	pe_env_free(&e);
	assert_int_equal(pe_env_from_config_json(
			     &e, "{\"Config\":{\"Env\":[\"A=1\"]}}", &err),
			 0);
	assert_string_equal(pe_env_get(&e, "A"), "1");
	pe_env_free(&e);
	assert_int_equal(pe_env_from_config_json(&e, "{\"process\":7}", &err),
			 0);
	assert_int_equal(e.len, 0);
	assert_int_equal(pe_env_from_config_json(&e, "[1]", &err), -1);
	assert_int_equal(err.kind, PE_ERR_PARSE);
	assert_int_equal(pe_env_from_config_json(&e, "{", &err), -1);
	pe_env_free(&e);
}

static void test_env_unsafe_for_node(void **state)
{
	(void)state;
	assert_true(pe_env_unsafe_for_node("LD_PRELOAD=/x.so"));
	assert_true(pe_env_unsafe_for_node("LD_LIBRARY_PATH=/x"));
	assert_true(pe_env_unsafe_for_node("GCONV_PATH=/x"));
	assert_true(pe_env_unsafe_for_node("LOCPATH=/x"));
	assert_true(pe_env_unsafe_for_node("BASH_FUNC_x%%=() { :; }"));
	assert_true(pe_env_unsafe_for_node("ENV=/x"));
	assert_true(pe_env_unsafe_for_node("PYTHONPATH"));
	assert_false(pe_env_unsafe_for_node("ENVIRONMENT=prod"));
	assert_false(pe_env_unsafe_for_node("PATH=/bin"));
	assert_false(pe_env_unsafe_for_node("GREETING=hi"));
}

static void test_exec_interpreter(void **state)
{
	static const unsigned char script[] = "#!  /mmnnttbb -x\nexit 0\n";
	unsigned char elf[512];
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	char out[256];
	const char *kind;

	(void)state;
	assert_int_equal(pe_exec_interpreter(script, sizeof(script) - 1, out,
					     sizeof(out), &kind),
			 1);
	assert_string_equal(out, "/mmnnttbb");
	assert_string_equal(kind, "script");
	assert_int_equal(pe_exec_interpreter((const unsigned char *)"#!\n", 3,
					     out, sizeof(out), &kind),
			 0);
	/* a minimal native ELF64 with PT_INTERP */
	memset(elf, 0, sizeof(elf));
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
#if __BYTE_ORDER == __LITTLE_ENDIAN
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
#else
	eh.e_ident[EI_DATA] = ELFDATA2MSB;
#endif
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	memcpy(elf, &eh, sizeof(eh));
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_INTERP;
	ph.p_offset = 300;
	ph.p_filesz = sizeof("/lib/ld-musl-x86_64.so.1");
	memcpy(elf + sizeof(eh), &ph, sizeof(ph));
	memcpy(elf + 300, "/lib/ld-musl-x86_64.so.1",
	       sizeof("/lib/ld-musl-x86_64.so.1"));
	assert_int_equal(
	    pe_exec_interpreter(elf, sizeof(elf), out, sizeof(out), &kind), 1);
	assert_string_equal(out, "/lib/ld-musl-x86_64.so.1");
	assert_string_equal(kind, "ELF");
	/* truncated: the string lies past what was read */
	assert_int_equal(pe_exec_interpreter(elf, 310, out, sizeof(out), &kind),
			 0);
	/* program headers pointing out of the buffer */
	eh.e_phoff = 0xffffffffffffff00ULL;
	memcpy(elf, &eh, sizeof(eh));
	assert_int_equal(
	    pe_exec_interpreter(elf, sizeof(elf), out, sizeof(out), &kind), 0);
}

static void test_exec_explain(void **state)
{
	static const unsigned char script[] = "#!/mmnnttbb\n";
	struct stat st;
	char msg[512];

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0755;
	pe_exec_explain("/run.sh", ENOENT, script, sizeof(script) - 1, &st,
			false, false, msg, sizeof(msg));
	assert_string_equal(msg, "interpreter /mmnnttbb of /run.sh not found");
	st.st_mode = S_IFREG | 0644;
	pe_exec_explain("/x", EACCES, NULL, 0, &st, false, false, msg,
			sizeof(msg));
	assert_non_null(strstr(msg, "not executable (mode 0644)"));
	st.st_mode = S_IFREG | 0755;
	pe_exec_explain("/x", EACCES, NULL, 0, &st, true, false, msg,
			sizeof(msg));
	assert_non_null(strstr(msg, "mounted noexec"));
	pe_exec_explain("/x", ENOEXEC, (const unsigned char *)"junk", 4, &st,
			false, false, msg, sizeof(msg));
	assert_non_null(strstr(msg, "not an executable format"));
	st.st_mode = S_IFDIR | 0755;
	pe_exec_explain("/x", EACCES, NULL, 0, &st, false, false, msg,
			sizeof(msg));
	assert_non_null(strstr(msg, "is a directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passwd_lookup),
		cmocka_unit_test(test_passwd_embedded_nul),
		cmocka_unit_test(test_group_lookup_and_members),
		cmocka_unit_test(test_spec_check),
		cmocka_unit_test(test_resolve_rules),
		cmocka_unit_test(test_resolve_hostile_files),
		cmocka_unit_test(test_env_account),
		cmocka_unit_test(test_env_from_config),
		cmocka_unit_test(test_env_unsafe_for_node),
		cmocka_unit_test(test_exec_interpreter),
		cmocka_unit_test(test_exec_explain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
