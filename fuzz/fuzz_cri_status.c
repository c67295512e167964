/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: CRI's container status checkpoint
 * (io.containerd.grpc.v1.cri/containers/<id>/status), as recover.c reads it
 * for the last run's exit code, reason and times.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "podenter/recover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_recovered_container c = { 0 };

	c.restart_count = c.attempt = -1;
	(void)pe_recover_parse_cri_status((const char *)data, size, &c);
	pe_recovered_container_clear(&c);
	return 0;
}
