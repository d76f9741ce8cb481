/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * Big-endian integers in byte strings (LMDB keys sort by their bytes, IPFIX
 * is in network order), and a growable array's room for one more element.
 */
#ifndef STRATA_BYTES_H
#define STRATA_BYTES_H

#include <stdlib.h>
#include <linux/types.h>

static inline void strata_be64_put(__u8 *p, __u64 v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (__u8)v;
}

static inline __u64 strata_be64_get(const __u8 *p)
{
	__u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void strata_be32_put(__u8 *p, __u32 v)
{
	p[0] = (__u8)(v >> 24);
	p[1] = (__u8)(v >> 16);
	p[2] = (__u8)(v >> 8);
	p[3] = (__u8)v;
}

static inline __u32 strata_be32_get(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/**
 * strata_vec_room() - room for one more element at the end of an array
 * @v: the array (NULL when empty)
 * @n: elements in it
 * @cap: elements it has room for; updated when it grows
 * @size: bytes of an element
 *
 * Doubles the array (from 64 elements) when it is full.
 *
 * Return: the array, moved or not, with room for element @n; NULL when out
 * of memory (@v is then untouched and still the caller's).
 */
static inline void *strata_vec_room(void *v, size_t n, size_t *cap, size_t size)
{
	size_t c = *cap ? 2 * *cap : 64;

	if (n < *cap)
		return v;
	if (c > ((size_t)-1) / size)
		return NULL;
	v = realloc(v, c * size);
	if (v)
		*cap = c;
	return v;
}

#endif /* STRATA_BYTES_H */
