/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * The configuration's keywords, iproute2 style ("window 1000 filter proto tcp
 * port 443 snaplen 256"): parsing with clear errors, and filter matching.
 */
#ifndef STRATA_KEYWORDS_H
#define STRATA_KEYWORDS_H

#include "genl.h"

/**
 * struct strata_kw_config - what a list of configuration keywords asks for
 * @cfg: the values of the fields named in @which
 * @which: STRATA_CONFIG_* given (STRATA_CONFIG_FLAGS is not: see below)
 * @flags_set: STRATA_CFG_F_* turned on ("fingerprint on", "records on")
 * @flags_clear: STRATA_CFG_F_* turned off
 *
 * Flags are given one by one; the caller applies them to the current flags
 * (read with the generation, so that nothing changes in between).
 */
struct strata_kw_config {
	struct strata_config cfg;
	unsigned int which;
	__u32 flags_set;
	__u32 flags_clear;
};

/**
 * strata_kw_config() - parse configuration keywords
 * @argc: number of words
 * @argv: the words: [window MS] [snaplen N] [sampling N] [table-cap N]
 *	[segments N|all] [fingerprint on|off] [records on|off]
 *	[filter FILTER]... [no-filters] [generation G], in any order, each once
 *	(filter: any number up to STRATA_FILTERS_MAX)
 * @kc: filled in
 * @err: filled with the word at fault and why
 * @errlen: size of @err
 *
 * Values are checked against the limits of include/uapi/linux/strata.h
 * (the kernel checks them again).
 *
 * Return: 0, or -EINVAL.
 */
int strata_kw_config(int argc, char **argv, struct strata_kw_config *kc,
		     char *err, size_t errlen);

/**
 * strata_kw_filter() - parse the words of one filter
 * @argc: number of words
 * @argv: the words after "filter": [proto P] [addr A[/LEN]] [port N], and
 *	with @detail [snaplen N] [segments N|all]
 * @detail: a detail filter of the configuration: snaplen is required
 * @f: filled in
 * @err: filled with the word at fault and why
 * @errlen: size of @err
 *
 * Stops at the first word that is not one of its keywords, or at a keyword
 * given a second time (so that "filter port 53 snaplen 64 snaplen 128" gives
 * the filter a snaplen of 64 and leaves "snaplen 128" to the caller).
 *
 * Return: the number of words used, or -EINVAL.
 */
int strata_kw_filter(int argc, char **argv, bool detail, struct strata_filter *f,
		     char *err, size_t errlen);

/**
 * strata_kw_addr() - parse an IPv4 or IPv6 address with an optional prefix
 * @s: "a.b.c.d[/0..32]" or "x:y::z[/0..128]"
 * @addr: the address, IPv4 as ::ffff:a.b.c.d
 * @prefix: the prefix over the 16 bytes (IPv4: 96 + its own; no /LEN: 128)
 *
 * Return: 4 or 6, or -EINVAL.
 */
int strata_kw_addr(const char *s, __u8 addr[16], __u8 *prefix);

/**
 * strata_kw_proto() - parse an L4 protocol
 * @s: tcp, udp, icmp, icmpv6 (or icmp6), sctp, or a number 0..255
 * @proto: filled in
 *
 * Return: 0, or -EINVAL.
 */
int strata_kw_proto(const char *s, __u8 *proto);

/**
 * strata_kw_u32() - parse a decimal number within limits
 * @s: the word (digits only)
 * @min: smallest value accepted
 * @max: largest value accepted
 * @v: filled in
 *
 * Return: 0, -EINVAL (not a number) or -ERANGE.
 */
int strata_kw_u32(const char *s, __u32 min, __u32 max, __u32 *v);

/**
 * strata_kw_size() - parse a size in bytes within limits
 * @s: digits, then optionally one of K, M, G, T (powers of 1024), with or
 *	without a following "iB" or "B" ("512M", "1GiB", "4096")
 * @min: smallest value accepted
 * @max: largest value accepted
 * @v: filled in
 *
 * Return: 0, -EINVAL (not a size) or -ERANGE.
 */
int strata_kw_size(const char *s, __u64 min, __u64 max, __u64 *v);

/**
 * strata_proto_name() - a protocol's name as strata_kw_proto() reads it
 * @proto: the protocol
 * @buf: room for a number, for protocols without a name
 * @len: size of @buf
 *
 * Return: the name or @buf.
 */
const char *strata_proto_name(__u8 proto, char *buf, size_t len);

/**
 * strata_addr_format() - an address (and prefix) as strata_kw_addr() reads it
 * @addr: the address, IPv4-mapped for IPv4
 * @prefix: its prefix over 16 bytes, or -1 for none
 * @buf: filled in
 * @len: size of @buf (INET6_ADDRSTRLEN + 4 is enough)
 *
 * An IPv4-mapped address with a prefix of 96 or more is written as IPv4.
 *
 * Return: @buf.
 */
const char *strata_addr_format(const __u8 addr[16], int prefix, char *buf,
			       size_t len);

/**
 * strata_filter_match_key() - whether a conversation matches a filter
 * @f: the filter (its snaplen and segment budget play no part)
 * @key: the conversation
 *
 * As the kernel matches packets: the protocol, an address (either
 * endpoint's) within the prefix, a port (either endpoint's).
 *
 * Return: true on a match.
 */
bool strata_filter_match_key(const struct strata_filter *f,
			     const struct strata_flow_key *key);

#endif /* STRATA_KEYWORDS_H */
