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
