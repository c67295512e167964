/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podman keeps its containers in containers/storage, like CRI-O, but its
 * annotations differ: `podman kube play` records the pod's infra container
 * as io.kubernetes.cri-o.SandboxID and names containers "<pod>-<name>"; it
 * records no Kubernetes namespace. We report namespace "podman" so such
 * pods can be addressed as podman/<pod>.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/podman.h"
#include "runtime/sources.h"

int pe_podman_fill(struct pe_container *c, struct json_object *cfg)
{
	struct json_object *ann = NULL, *hostname = NULL;
	const char *type, *sandbox, *name, *pod, *kubens;

	json_object_object_get_ex(cfg, "annotations", &ann);
	c->runtime = PE_RT_PODMAN;
	type = pe_json_str(ann, "io.kubernetes.cri-o.ContainerType");
	sandbox = pe_json_str(ann, "io.kubernetes.cri-o.SandboxID");
	name = pe_json_str(ann, "io.kubernetes.cri-o.ContainerName");
	pod = pe_json_str(ann, "io.kubernetes.pod.name");
	kubens = pe_json_str(ann, "io.kubernetes.pod.namespace");
	c->is_sandbox = type && strcmp(type, "sandbox") == 0;
	if (!pod && json_object_object_get_ex(cfg, "hostname", &hostname))
		pod = json_object_get_string(hostname);
	/* "<pod>-<container>": strip the pod prefix when it is there */
	if (name && pod) {
		size_t plen = strlen(pod);

		if (strncmp(name, pod, plen) == 0 && name[plen] == '-')
			name += plen + 1;
	}
	if (pe_strdup_into(&c->namespace, kubens ? kubens : "podman") ||
	    pe_strdup_into(&c->pod, pod) ||
	    pe_strdup_into(&c->pod_uid,
			   pe_json_str(ann, "io.kubernetes.pod.uid")) ||
	    pe_strdup_into(&c->sandbox_id, sandbox) ||
	    pe_strdup_into(&c->image,
			   pe_json_str(ann, "io.kubernetes.cri-o.ImageName")))
		return -1;
	if (!c->is_sandbox && pe_strdup_into(&c->container, name))
		return -1;
	return 0;
}
