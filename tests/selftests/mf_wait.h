/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/* Closed microflows of a subscribed netlink handle, for the VM selftests. */
#ifndef STRATA_SELFTEST_MF_WAIT_H
#define STRATA_SELFTEST_MF_WAIT_H

#include <errno.h>
#include <poll.h>
#include "genl.h"

/*
 * Waits up to @wait_ms for closed microflows on @sub and hands what came
 * to @fn and @loss (strata_genl_mf_recv()). Return: 1 when some came, 0
 * when none did, or -errno.
 */
static inline int selftest_mf_wait(struct strata_genl *sub, unsigned int wait_ms,
				   strata_genl_mf_fn fn, strata_genl_loss_fn loss, void *arg,
				   char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = strata_genl_fd(sub), .events = POLLIN };
	int ret = poll(&pfd, 1, (int)wait_ms);

	if (ret <= 0)
		return ret < 0 ? -errno : 0;
	ret = strata_genl_mf_recv(sub, fn, loss, arg, err, errlen);
	return ret < 0 ? ret : 1;
}

#endif /* STRATA_SELFTEST_MF_WAIT_H */
