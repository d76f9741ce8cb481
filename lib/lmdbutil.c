// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/* LMDB codes as -errno, and meta records, for the central host's stores. */
#include <errno.h>
#include <string.h>

#include "err.h"
#include "lmdbutil.h"

bool strata_lmdb_is_own(int rc)
{
	return rc > 0 || (rc >= MDB_KEYEXIST && rc <= MDB_LAST_ERRCODE);
}

int strata_lmdb_err(char *err, size_t errlen, int rc, const char *store, const char *what)
{
	int e = rc > 0 ? rc : rc == MDB_MAP_FULL ? ENOSPC : rc == MDB_NOTFOUND ? ENOENT :
		rc == MDB_CORRUPTED ? EBADMSG : EIO;

	return strata_seterr(err, errlen, e, "%s: %s: %s", store, what, mdb_strerror(rc));
}

int strata_lmdb_open(MDB_env **env, const char *path, size_t mapsize, unsigned int flags,
		     const struct strata_lmdb_table *t, size_t n, void *base, MDB_txn **txn,
		     char *err, size_t errlen, const char *store)
{
	size_t i;
	int rc = mdb_env_create(env);

	if (!rc)
		rc = mdb_env_set_maxdbs(*env, 8);
	if (!rc)
		rc = mdb_env_set_mapsize(*env, mapsize);
	if (!rc)
		rc = mdb_env_set_maxreaders(*env, 126);
	if (!rc)
		rc = mdb_env_open(*env, path, MDB_NOTLS | flags, 0640);
	if (rc)
		return strata_seterr(err, errlen, rc > 0 && rc < 1000 ? rc : EIO, "%s %s: %s",
				     store, path, mdb_strerror(rc));
	rc = mdb_txn_begin(*env, NULL, 0, txn);
	if (rc)
		return strata_lmdb_err(err, errlen, rc, store, "open");
	for (i = 0; i < n && !rc; i++)
		rc = mdb_dbi_open(*txn, t[i].name, MDB_CREATE, (MDB_dbi *)((char *)base + t[i].off));
	if (rc) {
		mdb_txn_abort(*txn);
		return strata_lmdb_err(err, errlen, rc, store, "open");
	}
	return 0;
}

int strata_lmdb_rtxn(MDB_env *env, MDB_txn **txn, char *err, size_t errlen, const char *store)
{
	int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, txn);

	return rc ? strata_lmdb_err(err, errlen, rc, store, "read") : 0;
}

int strata_lmdb_rend(MDB_txn *txn, int rc, char *err, size_t errlen, const char *store,
		     const char *what)
{
	mdb_txn_abort(txn);
	return rc && strata_lmdb_is_own(rc) ? strata_lmdb_err(err, errlen, rc, store, what) : rc;
}

int strata_lmdb_each(MDB_txn *txn, MDB_dbi dbi, void *buf, size_t size,
		     int (*fn)(const void *buf, void *arg), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, dbi, &cur);

	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (v.mv_size != size) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(buf, v.mv_data, size);
		rc = fn(buf, arg);
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int strata_lmdb_meta_get(MDB_txn *txn, MDB_dbi dbi, const char *name, __u64 *v)
{
	MDB_val k = { strlen(name), (void *)name }, d;
	int rc = mdb_get(txn, dbi, &k, &d);

	*v = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	/* LMDB's values are only 2-byte aligned: copied out. */
	if (!rc && d.mv_size == 8)
		memcpy(v, d.mv_data, 8);
	return rc;
}

int strata_lmdb_meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name, __u64 v)
{
	MDB_val k = { strlen(name), (void *)name }, d = { 8, &v };

	return mdb_put(txn, dbi, &k, &d, 0);
}
