/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Copyright (C) 2026 The strata authors. */
/*
 * What the central host's LMDB stores share (lib/cstore.c, lib/alarm.c):
 * LMDB's codes turned into -errno at the library's boundary, and the u64
 * records of a "meta" table.
 */
#ifndef STRATA_LMDBUTIL_H
#define STRATA_LMDBUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <lmdb.h>

/**
 * strata_lmdb_is_own() - whether a code is LMDB's
 * @rc: a code a store function got
 *
 * Return: true for LMDB's own codes (and positive errno values it passes
 * on), false for a -errno of strata's or of a callback's.
 */
bool strata_lmdb_is_own(int rc);

/**
 * strata_lmdb_err() - an LMDB failure as -errno, with a message
 * @err: filled with "STORE: WHAT: LMDB's message"
 * @errlen: size of @err
 * @rc: LMDB's code
 * @store: which store ("central store", "alarm store")
 * @what: the operation
 *
 * Return: -ENOSPC for MDB_MAP_FULL, -ENOENT for MDB_NOTFOUND, -EBADMSG for
 * MDB_CORRUPTED, -@rc for an errno value, else -EIO.
 */
int strata_lmdb_err(char *err, size_t errlen, int rc, const char *store, const char *what);

/* A table of a store: its name, and where its handle is in the store's struct. */
struct strata_lmdb_table {
	const char *name;
	size_t off;
};

/**
 * strata_lmdb_open() - open a store's environment and tables
 * @env: set to the environment (also on failure, once created: the
 *	caller's close frees it)
 * @path: the directory
 * @mapsize: the budget (LMDB's map size)
 * @flags: mdb_env_open()'s, beside MDB_NOTLS (an API's threads each read
 *	in transactions of their own)
 * @t: the tables, created when missing
 * @n: how many
 * @base: the struct whose members @t's offsets name (each an MDB_dbi)
 * @txn: set to the write transaction the tables were opened in, for the
 *	caller to read its meta records in and commit
 * @err: filled on failure
 * @errlen: size of @err
 * @store: which store, for the messages
 *
 * Return: 0, or -errno with @err said ("STORE PATH: ..." for the
 * environment, "STORE: open: ..." for the tables).
 */
int strata_lmdb_open(MDB_env **env, const char *path, size_t mapsize, unsigned int flags,
		     const struct strata_lmdb_table *t, size_t n, void *base, MDB_txn **txn,
		     char *err, size_t errlen, const char *store);

/**
 * strata_lmdb_rtxn() - begin a read transaction
 * @env: the environment
 * @txn: set to the transaction
 * @err: filled on failure
 * @errlen: size of @err
 * @store: which store, for the message
 *
 * Return: 0 or -errno (strata_lmdb_err()).
 */
int strata_lmdb_rtxn(MDB_env *env, MDB_txn **txn, char *err, size_t errlen, const char *store);

/**
 * strata_lmdb_rend() - end a read transaction
 * @txn: the transaction (aborted)
 * @rc: what the reading gave: 0, LMDB's code, or a callback's -errno
 * @err: filled when @rc is LMDB's
 * @errlen: size of @err
 * @store: which store
 * @what: the operation
 *
 * Return: 0, @rc as -errno (strata_lmdb_err()), or a callback's -errno as is.
 */
int strata_lmdb_rend(MDB_txn *txn, int rc, char *err, size_t errlen, const char *store,
		     const char *what);

/**
 * strata_lmdb_each() - every record of a table of fixed-size values, by key
 * @txn: a transaction
 * @dbi: the table
 * @buf: where each value is copied (LMDB's values are not aligned)
 * @size: the values' size: a value of another size is MDB_CORRUPTED
 * @fn: called with @buf and @arg after each copy; non-zero stops the scan
 * @arg: passed to @fn
 *
 * Return: 0 once every record was seen, @fn's non-zero, or LMDB's code.
 */
int strata_lmdb_each(MDB_txn *txn, MDB_dbi dbi, void *buf, size_t size,
		     int (*fn)(const void *buf, void *arg), void *arg);

/**
 * strata_lmdb_meta_get() - a u64 of a meta table
 * @txn: a transaction
 * @dbi: the table (keys: names, values: 8 bytes)
 * @name: the record's name
 * @v: set to its value, 0 when there is none (or it is not 8 bytes)
 *
 * Return: 0 (found or not) or LMDB's code.
 */
int strata_lmdb_meta_get(MDB_txn *txn, MDB_dbi dbi, const char *name, __u64 *v);

/**
 * strata_lmdb_meta_put() - set a u64 of a meta table
 * @txn: a write transaction
 * @dbi: the table
 * @name: the record's name
 * @v: its value
 *
 * Return: 0 or LMDB's code.
 */
int strata_lmdb_meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name, __u64 v);

#endif
