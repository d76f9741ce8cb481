/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The few primitives the shared core needs, mapped onto the kernel or onto libc
 * and libxxhash, so that the files of lib/core compile unchanged in both worlds.
 */
#ifndef STRATA_CORE_COMPAT_H
#define STRATA_CORE_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/xxhash.h>
#include <linux/math64.h>

typedef struct xxh64_state strata_h64_state;
#define strata_h64(p, n, seed)		xxh64((p), (n), (seed))
#define strata_h64_reset(s, seed)	xxh64_reset((s), (seed))
#define strata_h64_update(s, p, n)	xxh64_update((s), (p), (n))
#define strata_h64_digest(s)		xxh64_digest(s)
#define strata_div64(a, b)		div64_u64((a), (b))
#else
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#define XXH_INLINE_ALL	/* xxh64 inlined: it is on the per-packet path */
#include <xxhash.h>

typedef XXH64_state_t strata_h64_state;
#define strata_h64(p, n, seed)		XXH64((p), (n), (seed))
#define strata_h64_reset(s, seed)	XXH64_reset((s), (seed))
#define strata_h64_update(s, p, n)	XXH64_update((s), (p), (n))
#define strata_h64_digest(s)		XXH64_digest(s)
#define strata_div64(a, b)		((a) / (b))
#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif
#ifndef fallthrough
#define fallthrough	__attribute__((__fallthrough__))
#endif
#endif

/* Network byte order reads that need no alignment and no byteswap helpers. */
static inline __u16 strata_be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static inline __u32 strata_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

#endif /* STRATA_CORE_COMPAT_H */
