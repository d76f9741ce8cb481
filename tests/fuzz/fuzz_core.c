// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * libFuzzer target: arbitrary bytes through the shared core as the kernel
 * runs it (parse, fingerprint, microflow accounting), under ASan and UBSan.
 */
#include <stdlib.h>
#include "core/parse.h"
#include "core/fingerprint.h"
#include "core/flow.h"

int LLVMFuzzerTestOneInput(const __u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const __u8 *data, size_t size)
{
	static struct strata_mflow mf;
	struct strata_flow_key key;
	struct strata_pkt pkt;
	struct strata_fp fp;
	__u32 caplen, wirelen;
	int dir;

	/*
	 * The first two bytes choose how much of the rest was "captured", so
	 * the fuzzer explores caplen < wirelen (truncation) as well.
	 */
	if (size < 2)
		return 0;
	wirelen = size - 2;
	caplen = ((__u32)data[0] << 8 | data[1]) % (wirelen + 1);
	data += 2;

	/* Give ASan a buffer that ends exactly at caplen. */
	__u8 *copy = malloc(caplen ? caplen : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, caplen);
	if (strata_parse(copy, caplen, wirelen, &pkt) == STRATA_PARSE_OK) {
		strata_fp_compute(copy + pkt.payload_off,
				  strata_pkt_payload_caplen(&pkt, caplen), &fp);
		dir = strata_flow_key(&pkt, &key);
		/* Successive inputs feed one microflow: TCP state carries over. */
		if (memcmp(&mf.key, &key, sizeof(key)))
			strata_mflow_init(&mf, &key, 0);
		strata_mflow_account(&mf, &pkt, dir, (__u64)caplen * 1000);
	}
	free(copy);
	return 0;
}
