/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsmount.h"
#include "syscalls.h"

int pe_fs_new_detached(const char *fstype, const char *const *opts,
		       unsigned int attrs)
{
	int fsfd = pe_sys_fsopen(fstype, FSOPEN_CLOEXEC);
	int mfd = -1, saved;

	if (fsfd < 0)
		return -1;
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *eq = strchr(opts[i], '=');
		char key[64];
		int rc;

		if (!eq) {
			rc = pe_sys_fsconfig(fsfd, FSCONFIG_SET_FLAG, opts[i],
					     NULL, 0);
		} else {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - opts[i]),
				 opts[i]);
			rc = pe_sys_fsconfig(fsfd, FSCONFIG_SET_STRING, key,
					     eq + 1, 0);
		}
		if (rc < 0)
			goto out;
	}
	if (pe_sys_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mfd = pe_sys_fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
out:
	saved = errno;
	close(fsfd);
	errno = saved;
	return mfd;
}
