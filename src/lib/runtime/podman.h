/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PODENTER_RUNTIME_PODMAN_H
#define PODENTER_RUNTIME_PODMAN_H

#include "podenter/container.h"

struct json_object;

/* Fill a record from a libpod-made config.json (found by crio.c's walk of
 * containers/storage, which podman shares with CRI-O). -1 on ENOMEM. */
int pe_podman_fill(struct pe_container *c, struct json_object *cfg);

#endif
