/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Error messages of libstrata: functions that fail fill a caller's buffer
 * with what failed and why, and return -errno.
 */
#ifndef STRATA_ERR_H
#define STRATA_ERR_H

#include <stddef.h>

/**
 * strata_seterr() - fill an error buffer and return a negative errno
 * @err: the caller's buffer (may be NULL)
 * @errlen: its size
 * @e: the errno value
 * @fmt: printf format of the message
 *
 * Return: -@e.
 */
int strata_seterr(char *err, size_t errlen, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* STRATA_ERR_H */
