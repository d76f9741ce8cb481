// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * The packet store on LMDB: blocks of ring records, block table, time and
 * conversation indexes, microflows, retention and pins (store.rst).
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <sys/stat.h>
#include <lmdb.h>
#include <xxhash.h>
#include <zstd.h>
#include "store.h"
#include "bytes.h"
#include "err.h"

#define REC_HDR		sizeof(struct strata_rec)
#define PKT_HDR		(REC_HDR + sizeof(struct strata_rec_packet))
#define ALIGN8(x)	(((x) + 7) & ~(__u64)7)
#define POS_SEQ_MASK	((1ULL << 48) - 1)
#define NSEG_MAX	(sizeof(((struct strata_rec_packet *)0)->seg) / sizeof(__u32))

/* Retention: above HIGH percent of the budget, remove down to LOW. */
#define HIGH_PCT	90
#define LOW_PCT		75
/* A commit is forced once sealed blocks hold budget / VALVE. */
#define VALVE		16
/* Queued microflows that force a commit. */
#define MF_QUEUE_MAX	4096
/*
 * Attempts at a commit that hits MDB_MAP_FULL before its data is kept for
 * the next flush (or dropped): each removes an eighth of the budget more.
 */
#define MAP_FULL_TRIES	4
/* commit_once()'s target for a commit that removes nothing (see make_room()). */
#define NO_TRIM		(~0ULL)
/* Sealed blocks' buffers kept for reuse: a commit's worth or so. */
#define POOL_MAX	64
/*
 * Blocks and microflow batches handed to the sealer and the committer, at
 * most: twice what strata analyze commits at once, so that the writer and
 * the sealer go on while a commit is written.
 */
#define CQ_MAX		128
/* Open-block buffers kept for reuse: the queue's and a commit's. */
#define BUF_SPARES	(CQ_MAX + POOL_MAX + 2)
/* Blocks a packet query holds open at once to merge them by time. */
#define MERGE_MAX	64

#define BLK_MAGIC	0x4b4c4253U	/* "SBLK" in little-endian memory */
#define BYTEORDER	0x01020304U
#define CONV_SEED	0x73747261636f6e76ULL	/* "straconv" */

/*
 * On-disk values are in the byte order of the host that made the store (the
 * records are the kernel's ring layout); keys are big-endian so LMDB's byte
 * order sorts them by number. "byteorder" in meta refuses a foreign store.
 */
struct blk_hdr {
	__u32 magic;
	__u16 version;
	__u8 codec;		/* of the heads section */
	__u8 data_codec;	/* of the packet bytes section */
	__u32 count;
	__u32 raw_len;		/* the records in ring layout, uncompressed */
	__u64 id;
	__u64 first_ts;
	__u64 last_ts;
	__u32 head_len;		/* the heads section as stored */
	__u32 data_raw;		/* packet bytes, uncompressed: the caplens summed */
	__u32 data_len;		/* the packet bytes section as stored */
	__u32 zero;
	__u64 xxh;
};
#define BLK_HDR		sizeof(struct blk_hdr)
#define BLK_VERSION	2	/* of the block layout, in each block header */
/* A record's head in a block: struct strata_rec, struct strata_rec_packet. */
#define HEAD		PKT_HDR
#define HEAD_TS		(REC_HDR + offsetof(struct strata_rec_packet, ts_ns))
#define HEAD_CAPLEN	(REC_HDR + offsetof(struct strata_rec_packet, caplen))
/*
 * Packet bytes that zstd does not make at least a sixteenth smaller are
 * stored as they are; after such a block the next 1, 2, 4 ... ZSKIP_MAX
 * blocks' bytes are not tried (encrypted traffic does not compress).
 */
#define ZSKIP_MAX	64
/*
 * Each block's conversations, as a Bloom filter in the "bloom" table:
 * 8192 bits, six of them per conversation, from its 64-bit hash by double
 * hashing (bit i = low + i * high, the high half made odd, mod 8192). With
 * 700 conversations in a block, 1 block in 250 that lacks a conversation
 * passes its filter. A conversation query opens only the blocks that pass.
 */
#define BLOOM_BYTES	1024
#define BLOOM_BITS	(BLOOM_BYTES * 8)
#define BLOOM_K		6
/*
 * And each group of GROUP_BLOCKS consecutive block ids, in the "group"
 * table: a blocked Bloom filter of GROUP_LINES lines of 512 bits. A
 * conversation sets six bits of one line (group_line()), so a query tests
 * one cache line of one page per group, and reads the blocks' own filters
 * only in the groups that pass: on a store of 10 M packets, 191 lines
 * instead of 12,000 block filters.
 */
#define GROUP_BLOCKS	64
#define GROUP_LINES	512
#define GROUP_BYTES	(GROUP_LINES * 64)

struct bat_hdr {
	__u64 first_ts;
	__u64 last_ts;
	__u32 packets;
	__u32 raw_bytes;
	__u32 stored_bytes;
	__u16 nranges;
	__u8 codec;
	__u8 data_codec;
};

struct mf_val {
	__u64 window_ns;
	__u64 key_hash;
	__u64 seq;
	__u64 ring_first;
	__u64 ring_last;
	__u64 first_block;
	__u64 last_block;
	__u32 generation;
	__u32 flags;
	struct strata_mflow mf;
};
#define MF_HAS_SEQ	0x1
#define MF_HAS_RING	0x2

struct pin_val {
	__u64 t1;
	__u64 t2;
	__u64 created_ns;
	char label[STRATA_STORE_LABEL_MAX];
};

struct layout_val {
	__u32 rec_packet;
	__u32 mflow;
};

/* meta "state": rewritten by every commit. */
struct state {
	__u64 next_block;
	__u64 next_pin;
	__u64 newest_ts;
	__u64 max_span_ns;
	__u64 max_window_ns;
	__u64 last_commit_ns;
	__u64 removed_ts;
	__u64 flows_through;	/* flow windows before it are in the flow table */
	__u32 snaplen;
	__u32 pad;
	struct strata_store_counters c;
};

/*
 * The format is these layouts: a change to any of them (or to the uapi
 * record or struct strata_mflow) must bump STRATA_STORE_VERSION and
 * Documentation/store.rst.
 */
_Static_assert(BLK_HDR == 64, "block header layout");
_Static_assert(sizeof(struct bat_hdr) == 32, "block table entry layout");
_Static_assert(sizeof(struct strata_rec_packet) == 200, "ring record layout");
_Static_assert(sizeof(struct strata_mflow) == 1008, "microflow layout");
_Static_assert(sizeof(struct mf_val) == 64 + 1008, "microflow value layout");

/*
 * Format 5 stored struct strata_mflow without its transaction timing (712
 * bytes, which still open it): its microflow values are the first 776
 * bytes of today's and read with the transaction fields zero. A format-5
 * store opened for writing becomes format 6, its values of both sizes side
 * by side; opened read-only, it is read as it is.
 */
#define FORMAT_V5	5
#define MFLOW_V5	712
#define MF_VAL_V5	(offsetof(struct mf_val, mf) + MFLOW_V5)
_Static_assert(offsetof(struct strata_mflow, txn) == MFLOW_V5,
	       "a format-5 microflow is the start of today's");
/*
 * Formats 5 and 6 stored struct strata_store_flow without its transaction
 * timing (656 bytes): read likewise, the transaction fields zero. A store
 * of either opened for writing becomes format 7, so that a build that
 * would take a 880-byte flow for a corrupt one refuses it instead.
 */
#define FORMAT_V6	6
#define FLOW_V6		656
_Static_assert(offsetof(struct strata_store_flow, txn) == FLOW_V6,
	       "a format-6 flow is the start of today's");
_Static_assert(sizeof(struct pin_val) == 24 + STRATA_STORE_LABEL_MAX, "pin layout");
_Static_assert(sizeof(struct state) == 72 + 15 * 8, "state layout");
_Static_assert(sizeof(struct strata_store_flow) == 80 + 2 * 288 + 224, "flow layout");
_Static_assert(sizeof(struct strata_txn_stats) == 224, "transaction timing layout");
_Static_assert(sizeof(struct strata_dir_stats) == 288, "direction statistics layout");
_Static_assert(STRATA_STORE_BLOCK_MIN >= PKT_HDR + STRATA_SNAPLEN_MAX + 8,
	       "the largest record fits a block");

/* A record of an open block, in the order seal_block() sorts them. */
struct rec_idx {
	__u64 ts;
	__u64 seq;
	__u32 cpu;
	__u32 off;
};

/* A ring seen in the open block. */
struct cpu_range {
	__u64 first;
	__u64 last;
	bool seen;
};

/*
 * A sealed block waiting for its commit; id and checksum are set then.
 * When its packet bytes are stored as they are, they stay in the open
 * block's buffer @buf until put_block() copies them, in @idx's order,
 * straight into the space LMDB reserves: @ext bytes not in @val.
 */
struct sealed {
	__u8 *val;		/* room for a block of block_bytes, compressed or not */
	__u32 len;		/* the whole block: @val's part, then @ext bytes */
	__u32 ext;
	__u8 *buf;
	struct rec_idx *idx;
	__u32 count;
	__u32 raw;
	__u32 maxcap;
	__u8 codec;
	__u8 data_codec;
	__u64 first_ts;
	__u64 last_ts;
	unsigned int nr;
	struct strata_store_range *r;
	__u8 bloom[BLOOM_BYTES];
	__u64 *hashes;		/* each record's conversation, for its group's filter */
};

/* An open block's records as added, on their way to seal_block(). */
struct rawblk {
	__u8 *buf;		/* NULL: none */
	__u32 used;
	__u32 count;
	__u32 maxcap;
	__u64 first_ts;
	__u64 last_ts;
	unsigned int nr;
	struct strata_store_range *r;
};

struct pending_mf {
	struct strata_mflow mf;
	struct strata_mf_info info;
};

/*
 * What the writer hands on: a block, microflows, a commit. The sealer
 * thread seals @b into @sb (or fails with @seal_rc); the committer takes
 * items in order, each once it is sealed.
 */
struct citem {
	struct rawblk b;
	struct pending_mf *mfs;
	unsigned int nmfs;
	__u64 ticket;		/* not 0: commit after this, and say so */
	bool wait;		/* the writer waits for this commit's result */
	bool has_block;
	int seal_rc;
	__u32 seal_lost;	/* packets of a block that could not be sealed */
	struct sealed sb;
	char seal_err[256];
};

/* A block table entry: @ranges points into its value. */
struct bat {
	__u64 id;
	struct bat_hdr h;
	const __u8 *ranges;
};

/*
 * The blocks of one microflow window, in the order resolve_blocks() walks
 * them, their ranges copied: a commit's microflows come window by window,
 * and each would walk the same blocks in LMDB again.
 */
struct wblocks {
	bool valid;		/* for this transaction's microflows of [t1, t2] */
	__u64 t1, t2;
	unsigned int n, cap;
	struct bat *b;		/* ranges set once @rbuf is whole */
	size_t *off;		/* each one's ranges in @rbuf */
	__u8 *rbuf;
	size_t rlen, rcap;
};

struct strata_store {
	MDB_env *env;
	MDB_dbi meta, blocks, bat, time, mflow, conv, flow, bloom, group;
	char *path;
	struct strata_store_opts o;
	__u64 mapsize;
	unsigned int psize;

	/* the sealer (the writer without the committer): compression */
	ZSTD_CCtx *cctx;
	__u8 *scratch;			/* the open block's heads, then bytes, sorted */
	unsigned int zskip;		/* blocks whose bytes are not tried (ZSKIP_MAX) */
	unsigned int zbackoff;

	/* writer: the open block */
	__u8 *ob;
	__u32 ob_used;
	__u32 ob_count;
	__u32 ob_maxcap;
	__u64 ob_first_ts;
	__u64 ob_last_ts;
	struct cpu_range *cpus;
	unsigned int ncpus;		/* entries of @cpus allocated */
	unsigned int cpu_hi;		/* highest CPU in the open block + 1 */

	/* writer: the filter of the newest blocks' group, stored at each commit */
	__u8 *grp;
	__u64 grp_id;
	bool grp_have;			/* @grp is group @grp_id's */
	bool grp_dirty;			/* it has bits the table lacks */

	/* writer: sealed blocks and microflows for the next commit */
	struct sealed *sealed;
	unsigned int nsealed, sealed_cap;
	__u64 sealed_bytes;
	struct pending_mf *mfs;
	unsigned int nmfs, mfs_cap;
	/* block buffers of committed blocks, for the next ones (under @mu) */
	__u8 *pool[POOL_MAX];
	unsigned int npool;
	size_t val_cap;
	/* counters to add at the next commit */
	struct strata_store_counters delta;
	bool opened;
	bool closing;		/* the last commit: every flow window closes */
	struct wblocks wb;	/* the committer's: see resolve_cached() */
	bool wrote_mfs;		/* this handle committed microflows */

	/*
	 * With opts.committer, two threads of the store's own: the sealer
	 * alone seals (the fields from @cctx to @zbackoff are its own), and
	 * the committer alone commits (the fields from @sealed on). The writer
	 * fills the open block and @pmfs, and hands them over through @cq:
	 * its first @cq_ready items are sealed, in order.
	 */
	bool threaded;
	pthread_t thread, sealer_thread;
	bool sealer_started;
	pthread_mutex_t mu;
	pthread_cond_t work;		/* to the sealer: @cq or @stop */
	pthread_cond_t ready;		/* to the committer: a sealed item or @stop */
	pthread_cond_t done;		/* to the writer: room in @cq, a commit */
	struct citem cq[CQ_MAX];
	unsigned int cq_head, cq_n, cq_ready;
	__u8 *bufs[BUF_SPARES];		/* open-block buffers handed back */
	unsigned int nbufs;
	struct pending_mf *pmfs;	/* writer: microflows not handed over */
	unsigned int npmfs, pmfs_cap;
	__u64 tickets;			/* writer: commits asked for */
	__u64 ticket_done;		/* the newest one done */
	int wait_rc;			/* the result of the one waited for */
	char wait_err[512];
	int bg_rc;			/* the first error nobody waited for */
	char bg_err[512];
	bool stop;
};

/* ---- errors ---- */

/* LMDB's codes at the library's boundary. */
static int mdb_errno(int rc)
{
	switch (rc) {
	case MDB_MAP_FULL:
		return ENOSPC;
	case MDB_NOTFOUND:
		return ENOENT;
	case MDB_KEYEXIST:
		return EEXIST;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_PAGE_FULL:
		return EBADMSG;
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
		return EPROTO;
	case MDB_READERS_FULL:
	case MDB_TLS_FULL:
	case MDB_MAP_RESIZED:
		return EAGAIN;
	case MDB_TXN_FULL:
	case MDB_CURSOR_FULL:
		return ENOMEM;
	case MDB_DBS_FULL:
		return EMFILE;
	case MDB_BAD_RSLOT:
	case MDB_BAD_TXN:
	case MDB_BAD_VALSIZE:
	case MDB_BAD_DBI:
		return EINVAL;
	case MDB_PANIC:
		return EIO;
	default:
		return rc > 0 ? rc : EIO;
	}
}

__attribute__((format(printf, 4, 5)))
static int lmdb_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return strata_seterr(err, errlen, mdb_errno(rc), "%s: %s", what, mdb_strerror(rc));
}

/*
 * One cursor move. Return: 1 with a key of @klen bytes (0: any), 0 at the
 * end of the table, or -errno naming @what.
 */
static int cursor_step(MDB_cursor *c, MDB_val *k, MDB_val *v, MDB_cursor_op op,
		       size_t klen, const char *what, char *err, size_t errlen)
{
	int rc = mdb_cursor_get(c, k, v, op);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return lmdb_err(err, errlen, rc, "%s", what);
	if (klen && k->mv_size != klen)
		return strata_seterr(err, errlen, EBADMSG, "%s: key of %zu bytes", what,
				     k->mv_size);
	return 1;
}

/* ---- keys ---- */

/* Up to four big-endian u64: block, time, microflow and conversation keys. */
struct key {
	__u8 b[32];
	MDB_val v;
};

static MDB_val *key3(struct key *k, unsigned int n, __u64 a, __u64 b, __u64 c)
{
	strata_be64_put(k->b, a);
	strata_be64_put(k->b + 8, b);
	strata_be64_put(k->b + 16, c);
	k->v.mv_data = k->b;
	k->v.mv_size = 8 * n;
	return &k->v;
}

static MDB_val *key_id(struct key *k, __u64 id)
{
	return key3(k, 1, id, 0, 0);
}

/* The flow window a time falls in. */
static __u64 flow_window(__u64 t)
{
	return t - t % STRATA_STORE_FLOW_WINDOW_NS;
}

/*
 * The flow window a microflow counts in: its own, but for a window without
 * packets, which only ends transactions begun STRATA_TXN_TIMEOUT_NS or more
 * before its start (a DNS query or a response given up: see
 * strata_mflow_roll()). Those began in the microflow window before
 * window_start - STRATA_TXN_TIMEOUT_NS when the conversation rolled every
 * window, so their results go to that window's location flow rather than
 * make one without packets in the next flow window.
 */
static __u64 mf_flow_window(const struct strata_mflow *mf)
{
	if (!mf->dir[0].packets && !mf->dir[1].packets &&
	    mf->window_start > STRATA_TXN_TIMEOUT_NS)
		return flow_window(mf->window_start - STRATA_TXN_TIMEOUT_NS - 1);
	return flow_window(mf->window_start);
}

/* A conversation index key: flow window, hash, window start, sequence number. */
static MDB_val *conv_key(struct key *k, __u64 fw, __u64 h, __u64 ws, __u64 seq)
{
	key3(k, 3, fw, h, ws);
	strata_be64_put(k->b + 24, seq);
	k->v.mv_size = 32;
	return &k->v;
}

/* The first conversation index key of hash @h in flow window @fw. */
static MDB_val *conv_seek(struct key *k, __u64 fw, __u64 h)
{
	key3(k, 3, fw, h, 0);
	strata_be64_put(k->b + 24, 0);
	k->v.mv_size = 32;
	return &k->v;
}

static __u64 sat_sub(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

static __u64 now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (__u64)t.tv_sec * 1000000000ULL + (__u64)t.tv_nsec;
}

/* ---- conversations ---- */

/* The canonical key of two endpoints, by the core's strata_flow_key(). */
static void flow_key_of(const __u8 *saddr, const __u8 *daddr, __u16 sport, __u16 dport,
			__u8 proto, __u8 family, struct strata_flow_key *key)
{
	struct strata_pkt p;

	memset(&p, 0, sizeof(p));
	memcpy(p.saddr, saddr, 16);
	memcpy(p.daddr, daddr, 16);
	p.sport = sport;
	p.dport = dport;
	p.proto = proto;
	p.family = family;
	strata_flow_key(&p, key);
}

void strata_store_canon_key(const struct strata_flow_key *in, struct strata_flow_key *out)
{
	flow_key_of(in->addr[0], in->addr[1], in->port[0], in->port[1], in->proto,
		    in->family, out);
}

/*
 * The store's own hash of a canonical key. Not the kernel's key_hash: that
 * one is keyed with a per-namespace secret that changes with every module
 * load, and a query names a conversation by its endpoints.
 */
static __u64 conv_hash(const struct strata_flow_key *canon)
{
	return XXH64(canon, sizeof(*canon), CONV_SEED);
}

static unsigned int bloom_bit(__u64 h, unsigned int i)
{
	__u32 lo = (__u32)h, hi = (__u32)(h >> 32) | 1;

	return (lo + i * hi) % BLOOM_BITS;
}

static void bloom_add(__u8 *bloom, __u64 h)
{
	unsigned int i, bit;

	for (i = 0; i < BLOOM_K; i++) {
		bit = bloom_bit(h, i);
		bloom[bit / 8] |= (__u8)(1 << (bit % 8));
	}
}

static bool bloom_has(const __u8 *bloom, __u64 h)
{
	unsigned int i, bit;

	for (i = 0; i < BLOOM_K; i++) {
		bit = bloom_bit(h, i);
		if (!(bloom[bit / 8] & (1 << (bit % 8))))
			return false;
	}
	return true;
}

/*
 * The line and bits of a conversation in a group filter: its hash times
 * 2^64 / phi (so they do not follow the block filter's bits); the top nine
 * bits pick the line, and bit i of the line is (low + i * mid) mod 512,
 * low the low 32 bits, mid the next 23 made odd.
 */
static const __u8 *group_line(const __u8 *grp, __u64 h, __u32 *lo, __u32 *mid)
{
	__u64 g = h * 0x9e3779b97f4a7c15ULL;

	*lo = (__u32)g;
	*mid = (__u32)(g >> 32 & 0x7fffff) | 1;
	return grp + (g >> 55) * 64;
}

static void group_add(__u8 *grp, __u64 h)
{
	__u32 lo, mid, i, bit;
	__u8 *line = (__u8 *)group_line(grp, h, &lo, &mid);

	for (i = 0; i < BLOOM_K; i++) {
		bit = (lo + i * mid) % 512;
		line[bit / 8] |= (__u8)(1 << (bit % 8));
	}
}

static bool group_has(const __u8 *grp, __u64 h)
{
	__u32 lo, mid, i, bit;
	const __u8 *line = group_line(grp, h, &lo, &mid);

	for (i = 0; i < BLOOM_K; i++) {
		bit = (lo + i * mid) % 512;
		if (!(line[bit / 8] & (1 << (bit % 8))))
			return false;
	}
	return true;
}

/* ---- meta ---- */

static int meta_get(struct strata_store *s, MDB_txn *txn, const char *name, void *buf,
		    size_t len, char *err, size_t errlen)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc = mdb_get(txn, s->meta, &k, &v);

	if (rc == MDB_NOTFOUND)
		return strata_seterr(err, errlen, EPROTO, "meta \"%s\" missing", name);
	if (rc)
		return lmdb_err(err, errlen, rc, "meta \"%s\"", name);
	if (v.mv_size != len)
		return strata_seterr(err, errlen, EPROTO, "meta \"%s\" of %zu bytes, expected %zu",
				     name, v.mv_size, len);
	memcpy(buf, v.mv_data, len);
	return 0;
}

static int meta_put(struct strata_store *s, MDB_txn *txn, const char *name,
		    const void *buf, size_t len, char *err, size_t errlen)
{
	MDB_val k = { strlen(name), (void *)name }, v = { len, (void *)buf };
	int rc = mdb_put(txn, s->meta, &k, &v, 0);

	return rc ? lmdb_err(err, errlen, rc, "meta \"%s\"", name) : 0;
}

static int state_get(struct strata_store *s, MDB_txn *txn, struct state *st,
		     char *err, size_t errlen)
{
	return meta_get(s, txn, "state", st, sizeof(*st), err, errlen);
}

static int state_put(struct strata_store *s, MDB_txn *txn, const struct state *st,
		     char *err, size_t errlen)
{
	return meta_put(s, txn, "state", st, sizeof(*st), err, errlen);
}

/* ---- block table ---- */

/* One block table entry; @ranges points into the map (unaligned). */
static int bat_parse(__u64 id, const MDB_val *v, struct bat *b, char *err, size_t errlen)
{
	b->id = id;
	if (v->mv_size < sizeof(b->h))
		goto bad;
	memcpy(&b->h, v->mv_data, sizeof(b->h));
	if (v->mv_size != sizeof(b->h) + (size_t)b->h.nranges * 16 ||
	    b->h.first_ts > b->h.last_ts)
		goto bad;
	b->ranges = (const __u8 *)v->mv_data + sizeof(b->h);
	return 0;
bad:
	return strata_seterr(err, errlen, EBADMSG, "block %llu: corrupt block table entry",
			     (unsigned long long)id);
}

static int bat_get(struct strata_store *s, MDB_txn *txn, __u64 id, struct bat *b,
		   char *err, size_t errlen)
{
	struct key k;
	MDB_val v;
	int rc = mdb_get(txn, s->bat, key_id(&k, id), &v);

	if (rc == MDB_NOTFOUND)
		return strata_seterr(err, errlen, EBADMSG,
				     "block %llu: in the time index, not in the block table",
				     (unsigned long long)id);
	if (rc)
		return lmdb_err(err, errlen, rc, "block %llu: block table", (unsigned long long)id);
	return bat_parse(id, &v, b, err, errlen);
}

static struct strata_store_range bat_range(const struct bat *b, unsigned int i)
{
	struct strata_store_range r;

	memcpy(&r, b->ranges + 16 * (size_t)i, sizeof(r));
	return r;
}

/* Whether the block's range of @pos's ring holds @pos (ranges by CPU). */
static bool bat_holds(const struct bat *b, __u64 pos)
{
	unsigned int lo = 0, hi = b->h.nranges;
	__u64 cpu = pos >> 48;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		struct strata_store_range r = bat_range(b, mid);

		if (r.first >> 48 < cpu)
			lo = mid + 1;
		else if (r.first >> 48 > cpu)
			hi = mid;
		else
			return pos >= r.first && pos <= r.last;
	}
	return false;
}

/*
 * Walks the blocks holding packets of [t1, t2] in time index order. The
 * index is by first_ts, a block's earliest record, so a block that holds t1
 * starts at most max_span_ns (the widest block ever written) before t1: the
 * walk seeks there and skips the blocks that end before t1.
 */
struct bwalk {
	struct strata_store *s;
	MDB_txn *txn;
	MDB_cursor *c;
	__u64 t1, t2;
	MDB_cursor_op op;
	struct key k;
	bool conv;		/* only blocks whose filters may hold @conv_hash */
	__u64 conv_hash;
	__u64 skipped;		/* blocks the filters ruled out */
	__u64 grp_id;		/* the group of the last block looked at */
	bool grp_have;
	bool grp_pass;		/* its filter may hold @conv_hash */
};

/*
 * Whether block @id may hold @w->conv_hash: its group's filter first (one
 * look per group), then its own. A group without a filter is passed on to
 * the blocks' (every block has one).
 * Return: 1 yes, 0 no, or -errno.
 */
static int bwalk_may_hold(struct bwalk *w, __u64 id, char *err, size_t errlen)
{
	__u64 g = id / GROUP_BLOCKS;
	struct key k;
	MDB_val v;
	int rc;

	if (!w->grp_have || w->grp_id != g) {
		rc = mdb_get(w->txn, w->s->group, key_id(&k, g), &v);
		if (rc && rc != MDB_NOTFOUND)
			return lmdb_err(err, errlen, rc, "group %llu: filter", (unsigned long long)g);
		if (!rc && v.mv_size != GROUP_BYTES)
			return strata_seterr(err, errlen, EBADMSG, "group %llu: filter of %zu bytes",
					     (unsigned long long)g, v.mv_size);
		w->grp_id = g;
		w->grp_have = true;
		w->grp_pass = rc || group_has(v.mv_data, w->conv_hash);
	}
	if (!w->grp_pass)
		return 0;
	rc = mdb_get(w->txn, w->s->bloom, key_id(&k, id), &v);
	if (rc == MDB_NOTFOUND)
		return strata_seterr(err, errlen, EBADMSG, "block %llu: no filter",
				     (unsigned long long)id);
	if (rc)
		return lmdb_err(err, errlen, rc, "block %llu: filter", (unsigned long long)id);
	if (v.mv_size != BLOOM_BYTES)
		return strata_seterr(err, errlen, EBADMSG, "block %llu: filter of %zu bytes",
				     (unsigned long long)id, v.mv_size);
	return bloom_has(v.mv_data, w->conv_hash);
}

static int bwalk_begin(struct bwalk *w, struct strata_store *s, MDB_txn *txn,
		       const struct state *st, __u64 t1, __u64 t2, char *err, size_t errlen)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->s = s;
	w->txn = txn;
	w->t1 = t1;
	w->t2 = t2;
	w->op = MDB_SET_RANGE;
	key3(&w->k, 2, sat_sub(t1, st->max_span_ns), 0, 0);
	rc = mdb_cursor_open(txn, s->time, &w->c);
	return rc ? lmdb_err(err, errlen, rc, "time index") : 0;
}

static void bwalk_end(struct bwalk *w)
{
	mdb_cursor_close(w->c);
}

/* Return: 1 with @b, 0 at the end, or -errno. */
static int bwalk_next(struct bwalk *w, struct bat *b, char *err, size_t errlen)
{
	MDB_val k = w->k.v, v;
	__u64 ft, id;
	int rc;

	for (;;) {
		rc = cursor_step(w->c, &k, &v, w->op, 16, "time index", err, errlen);
		w->op = MDB_NEXT;
		if (rc <= 0)
			return rc;
		ft = strata_be64_get(k.mv_data);
		id = strata_be64_get((const __u8 *)k.mv_data + 8);
		if (ft > w->t2)
			return 0;
		if (v.mv_size)
			return strata_seterr(err, errlen, EBADMSG,
					     "block %llu: time index entry of %zu bytes",
					     (unsigned long long)id, v.mv_size);
		if (w->conv) {
			rc = bwalk_may_hold(w, id, err, errlen);
			if (rc < 0)
				return rc;
			if (!rc) {
				w->skipped++;
				continue;
			}
		}
		rc = bat_get(w->s, w->txn, id, b, err, errlen);
		if (rc)
			return rc;
		if (b->h.first_ts != ft)
			return strata_seterr(err, errlen, EBADMSG,
					     "block %llu: time index says %llu, block table %llu",
					     (unsigned long long)id, (unsigned long long)ft,
					     (unsigned long long)b->h.first_ts);
		if (b->h.last_ts >= w->t1)
			return 1;
	}
}

/*
 * The blocks holding the records at ring positions @first and @last of a
 * window [ws, ws + wn): those are in blocks that overlap the window.
 */
static int resolve_blocks(struct strata_store *s, MDB_txn *txn, const struct state *st,
			  __u64 ws, __u64 wn, __u64 first, __u64 last,
			  __u64 *fb, __u64 *lb, char *err, size_t errlen)
{
	struct bwalk w;
	struct bat b;
	__u64 end = ws + wn - 1 < ws ? ~0ULL : ws + wn - 1;
	int rc;

	rc = bwalk_begin(&w, s, txn, st, ws, end, err, errlen);
	if (rc)
		return rc;
	while ((!*fb || !*lb) && (rc = bwalk_next(&w, &b, err, errlen)) > 0) {
		if (!*fb && bat_holds(&b, first))
			*fb = b.id;
		if (!*lb && bat_holds(&b, last))
			*lb = b.id;
	}
	bwalk_end(&w);
	return rc < 0 ? rc : 0;
}

/* Makes @s->wb the blocks of [@t1, @t2]. Return: 0 or -errno. */
static int wblocks_build(struct strata_store *s, MDB_txn *txn, const struct state *st,
			 __u64 t1, __u64 t2, char *err, size_t errlen)
{
	struct wblocks *w = &s->wb;
	struct bwalk bw;
	struct bat b;
	unsigned int i;
	int rc;

	w->valid = false;
	w->n = 0;
	w->rlen = 0;
	rc = bwalk_begin(&bw, s, txn, st, t1, t2, err, errlen);
	if (rc)
		return rc;
	while ((rc = bwalk_next(&bw, &b, err, errlen)) > 0) {
		size_t len = (size_t)b.h.nranges * 16;

		if (w->n == w->cap) {
			unsigned int cap = w->cap ? 2 * w->cap : 64;
			struct bat *nb = realloc(w->b, cap * sizeof(*nb));
			size_t *no = nb ? realloc(w->off, cap * sizeof(*no)) : NULL;

			if (nb)
				w->b = nb;
			if (!no) {
				rc = -ENOMEM;
				break;
			}
			w->off = no;
			w->cap = cap;
		}
		if (w->rlen + len > w->rcap) {
			size_t cap = 2 * (w->rlen + len);
			__u8 *nr = realloc(w->rbuf, cap);

			if (!nr) {
				rc = -ENOMEM;
				break;
			}
			w->rbuf = nr;
			w->rcap = cap;
		}
		memcpy(w->rbuf + w->rlen, b.ranges, len);
		w->off[w->n] = w->rlen;
		w->b[w->n++] = b;
		w->rlen += len;
	}
	bwalk_end(&bw);
	if (rc < 0)
		return rc;
	for (i = 0; i < w->n; i++)
		w->b[i].ranges = w->rbuf + w->off[i];
	w->t1 = t1;
	w->t2 = t2;
	w->valid = true;
	return 0;
}

/*
 * resolve_blocks() for the committer's microflows: the same blocks, walked
 * once per window in a transaction (@s->wb), not once per microflow.
 */
static int resolve_cached(struct strata_store *s, MDB_txn *txn, const struct state *st,
			  __u64 ws, __u64 wn, __u64 first, __u64 last,
			  __u64 *fb, __u64 *lb, char *err, size_t errlen)
{
	struct wblocks *w = &s->wb;
	__u64 end = ws + wn - 1 < ws ? ~0ULL : ws + wn - 1;
	unsigned int i;
	int rc;

	if (!w->valid || w->t1 != ws || w->t2 != end) {
		rc = wblocks_build(s, txn, st, ws, end, err, errlen);
		if (rc == -ENOMEM)	/* then the long way */
			return resolve_blocks(s, txn, st, ws, wn, first, last, fb, lb,
					      err, errlen);
		if (rc)
			return rc;
	}
	for (i = 0; i < w->n && (!*fb || !*lb); i++) {
		if (!*fb && bat_holds(&w->b[i], first))
			*fb = w->b[i].id;
		if (!*lb && bat_holds(&w->b[i], last))
			*lb = w->b[i].id;
	}
	return 0;
}

/* ---- pins ---- */

struct pin_ent {
	__u64 id;
	struct pin_val v;
	bool on;		/* it protects [lo, hi] */
	__u64 lo;
	__u64 hi;
	__u64 bytes;
};

struct pinset {
	unsigned int n;
	struct pin_ent p[STRATA_STORE_PINS_MAX + 1];
};

#define PIN_KEY_LEN	11

static MDB_val *pin_key(struct key *k, __u64 id)
{
	memcpy(k->b, "pin", 3);
	strata_be64_put(k->b + 3, id);
	k->v.mv_data = k->b;
	k->v.mv_size = PIN_KEY_LEN;
	return &k->v;
}

static int pins_load(struct strata_store *s, MDB_txn *txn, struct pinset *ps,
		     char *err, size_t errlen)
{
	MDB_cursor *c;
	struct key pk;
	MDB_val k = *pin_key(&pk, 0), v;
	MDB_cursor_op op = MDB_SET_RANGE;
	int rc;

	ps->n = 0;
	rc = mdb_cursor_open(txn, s->meta, &c);
	if (rc)
		return lmdb_err(err, errlen, rc, "pins");
	while ((rc = cursor_step(c, &k, &v, op, 0, "pins", err, errlen)) > 0) {
		op = MDB_NEXT;
		if (k.mv_size < 3 || memcmp(k.mv_data, "pin", 3))
			break;
		if (k.mv_size != PIN_KEY_LEN || v.mv_size != sizeof(struct pin_val) ||
		    ps->n == STRATA_STORE_PINS_MAX) {
			mdb_cursor_close(c);
			return strata_seterr(err, errlen, EBADMSG, "pins: corrupt pin entry");
		}
		memset(&ps->p[ps->n], 0, sizeof(ps->p[ps->n]));
		ps->p[ps->n].id = strata_be64_get((const __u8 *)k.mv_data + 3);
		memcpy(&ps->p[ps->n].v, v.mv_data, sizeof(struct pin_val));
		ps->p[ps->n].v.label[STRATA_STORE_LABEL_MAX - 1] = 0;
		ps->n++;
	}
	mdb_cursor_close(c);
	return rc < 0 ? rc : 0;
}

/* The first of the first @upto pins that protects some of [a, b], or NULL. */
static const struct pin_ent *pin_of(const struct pinset *ps, unsigned int upto,
				    __u64 a, __u64 b)
{
	unsigned int i;

	for (i = 0; i < upto; i++)
		if (ps->p[i].on && a <= ps->p[i].hi && b >= ps->p[i].lo)
			return &ps->p[i];
	return NULL;
}

/*
 * What each pin protects, oldest pin first: the blocks of its range by time,
 * each counted under the first pin that holds it, while the total stays
 * within @limit; past it, a pin's protection ends before the block that did
 * not fit. Return: 0 or -errno; *@total the bytes counted.
 */
static int pins_apply(struct strata_store *s, MDB_txn *txn, const struct state *st,
		      struct pinset *ps, __u64 limit, __u64 *total, char *err, size_t errlen)
{
	struct bwalk w;
	struct bat b;
	unsigned int i;
	int rc = 0;

	*total = 0;
	for (i = 0; i < ps->n; i++) {
		struct pin_ent *p = &ps->p[i];

		p->on = true;
		p->lo = p->v.t1;
		p->hi = p->v.t2;
		p->bytes = 0;
		rc = bwalk_begin(&w, s, txn, st, p->v.t1, p->v.t2, err, errlen);
		if (rc)
			return rc;
		while ((rc = bwalk_next(&w, &b, err, errlen)) > 0) {
			if (pin_of(ps, i, b.h.first_ts, b.h.last_ts))
				continue;
			if (*total + b.h.stored_bytes > limit) {
				if (b.h.first_ts > p->lo)
					p->hi = b.h.first_ts - 1;
				else
					p->on = false;
				break;
			}
			*total += b.h.stored_bytes;
			p->bytes += b.h.stored_bytes;
		}
		bwalk_end(&w);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- retention ---- */

/* Pages holding data, by LMDB's own statistics of every tree. */
static int used_bytes(struct strata_store *s, MDB_txn *txn, __u64 *used,
		      char *err, size_t errlen)
{
	MDB_dbi dbis[] = { 0, 1, s->meta, s->blocks, s->bat, s->time, s->mflow, s->conv,
			   s->flow, s->bloom, s->group };
	__u64 pages = 2;	/* the two meta pages */
	MDB_stat st;
	unsigned int i;
	int rc;

	for (i = 0; i < sizeof(dbis) / sizeof(dbis[0]); i++) {
		rc = mdb_stat(txn, dbis[i], &st);
		if (rc)
			return lmdb_err(err, errlen, rc, "statistics");
		pages += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
	}
	*used = pages * s->psize;
	return 0;
}

static int del_key(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, const char *what,
		   char *err, size_t errlen)
{
	int rc = mdb_del(txn, dbi, k, NULL);

	if (rc && rc != MDB_NOTFOUND)
		return lmdb_err(err, errlen, rc, "remove %s", what);
	return 0;
}

static int remove_block(struct strata_store *s, MDB_txn *txn, struct state *st,
			const struct bat *b, bool aged, char *err, size_t errlen)
{
	struct key k;
	int rc;

	rc = del_key(txn, s->blocks, key_id(&k, b->id), "block", err, errlen);
	if (!rc)
		rc = del_key(txn, s->bat, key_id(&k, b->id), "block table entry", err, errlen);
	if (!rc)
		rc = del_key(txn, s->time, key3(&k, 2, b->h.first_ts, b->id, 0),
			     "time index entry", err, errlen);
	if (!rc)
		rc = del_key(txn, s->bloom, key_id(&k, b->id), "block filter", err, errlen);
	/* A group's filter goes with its last block (retention goes by age). */
	if (!rc && b->id % GROUP_BLOCKS == GROUP_BLOCKS - 1)
		rc = del_key(txn, s->group, key_id(&k, b->id / GROUP_BLOCKS), "group filter",
			     err, errlen);
	if (rc)
		return rc;
	st->c.blocks_removed++;
	st->c.blocks_expired += aged;
	st->c.packets_removed += b->h.packets;
	st->c.bytes_removed += b->h.stored_bytes;
	if (b->h.last_ts > st->removed_ts)
		st->removed_ts = b->h.last_ts;
	return 0;
}

/*
 * Removes old blocks, in time index order, skipping pinned ones: those that
 * ended before @cutoff (age), and while @used + @extra is above @target
 * (size; @target 0: no size limit).
 */
static int trim_blocks(struct strata_store *s, MDB_txn *txn, struct state *st,
		       const struct pinset *ps, __u64 cutoff, __u64 *used, __u64 extra,
		       __u64 target, char *err, size_t errlen)
{
	MDB_cursor *c;
	struct key pos;
	MDB_val k, v;
	struct bat b;
	__u64 ft, id;
	bool size;
	int rc;

	rc = mdb_cursor_open(txn, s->time, &c);
	if (rc)
		return lmdb_err(err, errlen, rc, "retention: time index");
	key3(&pos, 2, 0, 0, 0);
	for (;;) {
		size = target && *used + extra > target;
		if (!size && !cutoff)
			break;
		k = pos.v;
		rc = cursor_step(c, &k, &v, MDB_SET_RANGE, 16, "retention: time index", err,
				 errlen);
		if (rc <= 0)
			break;
		rc = 0;
		ft = strata_be64_get(k.mv_data);
		id = strata_be64_get((const __u8 *)k.mv_data + 8);
		if (!size && ft >= cutoff)
			break;
		/* The cursor is done with before anything is deleted. */
		rc = bat_get(s, txn, id, &b, err, errlen);
		if (rc)
			break;
		{
			const struct pin_ent *p = pin_of(ps, ps->n, b.h.first_ts, b.h.last_ts);

			if (p) {
				/* Blocks starting inside a pin are all pinned: skip them. */
				if (ft >= p->lo && p->hi != ~0ULL)
					key3(&pos, 2, p->hi + 1, 0, 0);
				else
					key3(&pos, 2, ft, id + 1, 0);
				continue;
			}
		}
		key3(&pos, 2, ft, id + 1, 0);
		if (!size && b.h.last_ts >= cutoff)
			continue;
		rc = remove_block(s, txn, st, &b, !size, err, errlen);
		if (!rc && target)
			rc = used_bytes(s, txn, used, err, errlen);
		if (rc)
			break;
	}
	mdb_cursor_close(c);
	return rc;
}

static int mf_val_parse(const MDB_val *k, const MDB_val *v, struct mf_val *m,
			char *err, size_t errlen)
{
	if (k->mv_size != 24 || (v->mv_size != sizeof(*m) && v->mv_size != MF_VAL_V5))
		return strata_seterr(err, errlen, EBADMSG,
				     "microflow: corrupt entry (key %zu, value %zu bytes)",
				     k->mv_size, v->mv_size);
	memset(m, 0, sizeof(*m));
	memcpy(m, v->mv_data, v->mv_size);
	return 0;
}

/*
 * Removes microflows by window start, skipping pinned ones: those whose
 * window ended by @limit, and while @used is above @target (size; 0: none).
 */
static int trim_mflows(struct strata_store *s, MDB_txn *txn, struct state *st,
		       const struct pinset *ps, __u64 limit, __u64 *used, __u64 extra,
		       __u64 target, char *err, size_t errlen)
{
	MDB_cursor *c;
	struct key pos, ck;
	MDB_val k, v;
	struct mf_val m;
	__u64 ws, h, seq, end;
	unsigned int n = 0;
	bool size;
	int rc;

	rc = mdb_cursor_open(txn, s->mflow, &c);
	if (rc)
		return lmdb_err(err, errlen, rc, "retention: microflows");
	key3(&pos, 3, 0, 0, 0);
	for (;;) {
		size = target && *used + extra > target;
		k = pos.v;
		rc = cursor_step(c, &k, &v, MDB_SET_RANGE, 0, "retention: microflows", err,
				 errlen);
		if (rc <= 0)
			break;
		rc = 0;
		rc = mf_val_parse(&k, &v, &m, err, errlen);
		if (rc)
			break;
		ws = strata_be64_get(k.mv_data);
		h = strata_be64_get((const __u8 *)k.mv_data + 8);
		seq = strata_be64_get((const __u8 *)k.mv_data + 16);
		if (!size && ws >= limit)
			break;
		end = ws + m.window_ns;
		{
			const struct pin_ent *p = pin_of(ps, ps->n, ws, end - 1);

			if (p) {
				if (ws >= p->lo && p->hi != ~0ULL)
					key3(&pos, 3, p->hi + 1, 0, 0);
				else
					key3(&pos, 3, ws, h, seq + 1);
				continue;
			}
		}
		key3(&pos, 3, ws, h, seq + 1);
		if (!size && end > limit)
			continue;
		rc = del_key(txn, s->mflow, key3(&ck, 3, ws, h, seq), "microflow", err, errlen);
		if (!rc)
			rc = del_key(txn, s->conv, conv_key(&ck, mf_flow_window(&m.mf), h, ws, seq),
				     "conversation entry",
				     err, errlen);
		if (rc)
			break;
		st->c.microflows_removed++;
		/* Microflows are small: recount every so often. */
		if (size && !(++n % 64)) {
			rc = used_bytes(s, txn, used, err, errlen);
			if (rc)
				break;
		}
	}
	mdb_cursor_close(c);
	return rc;
}

/* Removes the location flows whose window ended by @limit, but pinned ones. */
static int trim_flows(struct strata_store *s, MDB_txn *txn, struct state *st,
		      const struct pinset *ps, __u64 limit, char *err, size_t errlen)
{
	MDB_cursor_op op = MDB_FIRST;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(txn, s->flow, &c);
	if (rc)
		return lmdb_err(err, errlen, rc, "retention: flows");
	/* After a delete the cursor stands on the next entry, which MDB_NEXT gives. */
	for (;; op = MDB_NEXT) {
		__u64 fw;

		rc = cursor_step(c, &k, &v, op, 16, "retention: flows", err, errlen);
		if (rc <= 0)
			break;
		rc = 0;
		fw = strata_be64_get(k.mv_data);
		if (fw + STRATA_STORE_FLOW_WINDOW_NS > limit)
			break;
		if (pin_of(ps, ps->n, fw, fw + STRATA_STORE_FLOW_WINDOW_NS - 1))
			continue;
		rc = mdb_cursor_del(c, 0);
		if (rc) {
			rc = lmdb_err(err, errlen, rc, "retention: flows");
			break;
		}
		st->c.flows_removed++;
	}
	mdb_cursor_close(c);
	return rc;
}

/*
 * Age, then size: above HIGH_PCT of the budget (counting @extra bytes about
 * to be written), old blocks and then old microflows go until LOW_PCT, or
 * @target when given (a retry after MDB_MAP_FULL). Pins hold what they
 * protect within half the budget.
 */
static int retention(struct strata_store *s, MDB_txn *txn, struct state *st,
		     __u64 extra, __u64 target, char *err, size_t errlen)
{
	struct pinset ps;
	__u64 used, total, cutoff = 0, limit;
	int rc;

	rc = pins_load(s, txn, &ps, err, errlen);
	if (!rc)
		rc = pins_apply(s, txn, st, &ps, s->mapsize / 2, &total, err, errlen);
	if (!rc)
		rc = used_bytes(s, txn, &used, err, errlen);
	if (rc)
		return rc;
	if (s->o.max_age_ns && st->newest_ts > s->o.max_age_ns)
		cutoff = st->newest_ts - s->o.max_age_ns;
	if (!target && used + extra > s->mapsize / 100 * HIGH_PCT)
		target = s->mapsize / 100 * LOW_PCT;
	rc = trim_blocks(s, txn, st, &ps, cutoff, &used, extra, target, err, errlen);
	if (rc)
		return rc;
	/* Microflows whose windows ended by the newest removed packet, or aged. */
	limit = st->removed_ts ? st->removed_ts + 1 : 0;
	if (cutoff > limit)
		limit = cutoff;
	if (limit)
		rc = trim_mflows(s, txn, st, &ps, limit, &used, 0, 0, err, errlen);
	if (!rc && limit)
		rc = trim_flows(s, txn, st, &ps, limit, err, errlen);
	if (!rc && target && used + extra > target)
		rc = trim_mflows(s, txn, st, &ps, 0, &used, extra, target, err, errlen);
	return rc;
}

/* ---- open ---- */

void strata_store_opts_init(struct strata_store_opts *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	o->path = path;
	o->budget = STRATA_STORE_BUDGET_DEFAULT;
	o->block_bytes = 0;	/* from the budget, in opts_check() */
	o->codec = STRATA_STORE_CODEC_ZSTD;
	o->zstd_level = STRATA_STORE_ZSTD_LEVEL_DEFAULT;
}

static int opts_check(struct strata_store_opts *o, char *err, size_t errlen)
{
	const char *p = o->path ? o->path : "(null)";

	if (!o->path || !*o->path)
		return strata_seterr(err, errlen, EINVAL, "store open: no directory given");
	if (o->readonly)
		return 0;	/* the writer's options play no part */
	if (!o->budget)
		o->budget = STRATA_STORE_BUDGET_DEFAULT;
	if (!o->block_bytes) {
		/* 32 blocks at least fit the budget: small stores, small blocks. */
		__u64 b = (o->budget / 32) & ~4095ULL;

		o->block_bytes = b < STRATA_STORE_BLOCK_MIN ? STRATA_STORE_BLOCK_MIN :
			b > STRATA_STORE_BLOCK_DEFAULT ? STRATA_STORE_BLOCK_DEFAULT : (__u32)b;
	}
	if (!o->zstd_level)
		o->zstd_level = STRATA_STORE_ZSTD_LEVEL_DEFAULT;
	o->budget &= ~4095ULL;
	if (o->block_bytes < STRATA_STORE_BLOCK_MIN || o->block_bytes > STRATA_STORE_BLOCK_MAX)
		return strata_seterr(err, errlen, EINVAL,
				     "store open %s: block size %u outside %u..%u bytes", p,
				     o->block_bytes, STRATA_STORE_BLOCK_MIN, STRATA_STORE_BLOCK_MAX);
	if (o->budget < STRATA_STORE_BUDGET_MIN || o->budget < 32ULL * o->block_bytes)
		return strata_seterr(err, errlen, EINVAL,
				     "store open %s: budget %llu bytes below %llu (1 MiB and 32 blocks)",
				     p, (unsigned long long)o->budget,
				     (unsigned long long)(32ULL * o->block_bytes > STRATA_STORE_BUDGET_MIN ?
							  32ULL * o->block_bytes : STRATA_STORE_BUDGET_MIN));
	if (o->budget > (__u64)SIZE_MAX / 2)
		return strata_seterr(err, errlen, EINVAL, "store open %s: budget %llu too large",
				     p, (unsigned long long)o->budget);
	if (o->codec != STRATA_STORE_CODEC_NONE && o->codec != STRATA_STORE_CODEC_ZSTD)
		return strata_seterr(err, errlen, EINVAL, "store open %s: unknown codec %u", p,
				     o->codec);
	if (o->zstd_level < ZSTD_minCLevel() || o->zstd_level > 19)
		return strata_seterr(err, errlen, EINVAL,
				     "store open %s: zstd level %d outside %d..19", p,
				     o->zstd_level, ZSTD_minCLevel());
	return 0;
}

static int dbi_open(MDB_txn *txn, const char *name, unsigned int flags, MDB_dbi *dbi,
		    const char *path, char *err, size_t errlen)
{
	int rc = mdb_dbi_open(txn, name, flags, dbi);

	if (rc == MDB_NOTFOUND)
		return strata_seterr(err, errlen, EPROTO,
				     "store open %s: not a strata store (no \"%s\" table)", path, name);
	return rc ? lmdb_err(err, errlen, rc, "store open %s: table \"%s\"", path, name) : 0;
}

/* A new store's meta; the caller has checked the environment is empty. */
static int format_init(struct strata_store *s, MDB_txn *txn, char *err, size_t errlen)
{
	__u32 version = STRATA_STORE_VERSION, bo = BYTEORDER, codec = s->o.codec;
	struct layout_val lay = { sizeof(struct strata_rec_packet), sizeof(struct strata_mflow) };
	__u64 created = now_ns();
	struct state st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.next_block = 1;
	st.next_pin = 1;
	rc = meta_put(s, txn, "version", &version, sizeof(version), err, errlen);
	if (!rc)
		rc = meta_put(s, txn, "byteorder", &bo, sizeof(bo), err, errlen);
	if (!rc)
		rc = meta_put(s, txn, "layout", &lay, sizeof(lay), err, errlen);
	if (!rc)
		rc = meta_put(s, txn, "created", &created, sizeof(created), err, errlen);
	if (!rc)
		rc = meta_put(s, txn, "codec", &codec, sizeof(codec), err, errlen);
	if (!rc)
		rc = state_put(s, txn, &st, err, errlen);
	return rc;
}

static int format_check(struct strata_store *s, MDB_txn *txn, char *err, size_t errlen)
{
	struct layout_val lay;
	struct state st;
	__u32 version, bo;
	__u64 created;
	int rc;

	rc = meta_get(s, txn, "version", &version, sizeof(version), err, errlen);
	if (rc)
		return rc;
	if (version != STRATA_STORE_VERSION && version != FORMAT_V5 && version != FORMAT_V6)
		return strata_seterr(err, errlen, EPROTO,
				     "format version %u, this build reads %u to %u",
				     version, FORMAT_V5, STRATA_STORE_VERSION);
	rc = meta_get(s, txn, "byteorder", &bo, sizeof(bo), err, errlen);
	if (!rc && bo != BYTEORDER)
		rc = strata_seterr(err, errlen, EPROTO, "written on a host of another byte order");
	if (!rc)
		rc = meta_get(s, txn, "layout", &lay, sizeof(lay), err, errlen);
	if (!rc && (lay.rec_packet != sizeof(struct strata_rec_packet) ||
		    lay.mflow != (version == FORMAT_V5 ? MFLOW_V5 : sizeof(struct strata_mflow))))
		rc = strata_seterr(err, errlen, EPROTO,
				   "records of %u and microflows of %u bytes, expected %zu and %zu",
				   lay.rec_packet, lay.mflow, sizeof(struct strata_rec_packet),
				   version == FORMAT_V5 ? MFLOW_V5 : sizeof(struct strata_mflow));
	/* A build that reads only format 5 or 6 must refuse what this one writes. */
	if (!rc && version != STRATA_STORE_VERSION && !s->o.readonly) {
		version = STRATA_STORE_VERSION;
		lay.mflow = sizeof(struct strata_mflow);
		rc = meta_put(s, txn, "version", &version, sizeof(version), err, errlen);
		if (!rc)
			rc = meta_put(s, txn, "layout", &lay, sizeof(lay), err, errlen);
	}
	if (!rc)
		rc = meta_get(s, txn, "created", &created, sizeof(created), err, errlen);
	if (!rc)
		rc = state_get(s, txn, &st, err, errlen);
	if (!rc && !st.next_block)
		rc = strata_seterr(err, errlen, EPROTO, "meta \"state\" garbled");
	return rc;
}

/* Names the store in a message that says what failed inside it. */
static int prefix_err(char *err, size_t errlen, int rc, const char *path)
{
	char tmp[512];

	if (err && errlen) {
		snprintf(tmp, sizeof(tmp), "%s", err);
		strata_seterr(err, errlen, -rc, "store open %s: %s", path, tmp);
	}
	return rc;
}

static int env_open(struct strata_store *s, char *err, size_t errlen)
{
	const struct strata_store_opts *o = &s->o;
	char file[PATH_MAX];
	unsigned int flags = MDB_NOTLS;
	struct stat sb;
	int rc;

	if (snprintf(file, sizeof(file), "%s/data.mdb", o->path) >= (int)sizeof(file))
		return strata_seterr(err, errlen, ENAMETOOLONG, "store open %s: path too long",
				     o->path);
	if (o->readonly) {
		flags |= MDB_RDONLY;
	} else {
		if (mkdir(o->path, 0750) && errno != EEXIST)
			return strata_seterr(err, errlen, errno, "store open %s: mkdir: %s",
					     o->path, strerror(errno));
		/* LMDB grows a file and never shrinks it. */
		if (!stat(file, &sb) && (__u64)sb.st_size > o->budget)
			return strata_seterr(err, errlen, EINVAL,
					     "store open %s: budget %llu bytes below the file's %llu; LMDB cannot shrink a file (copy it with mdb_copy -c, or remove it)",
					     o->path, (unsigned long long)o->budget,
					     (unsigned long long)sb.st_size);
		flags |= MDB_NOSYNC | MDB_NOMETASYNC;
	}
	rc = mdb_env_create(&s->env);
	if (rc)
		return lmdb_err(err, errlen, rc, "store open %s", o->path);
	rc = mdb_env_set_maxdbs(s->env, 16);
	if (!rc && !o->readonly)
		rc = mdb_env_set_mapsize(s->env, o->budget);
	if (!rc)
		rc = mdb_env_open(s->env, o->path, flags, 0640);
	if (rc) {
		if (rc == ENOENT && o->readonly)
			return strata_seterr(err, errlen, ENOENT, "store open %s: no store there",
					     o->path);
		return lmdb_err(err, errlen, rc, "store open %s", o->path);
	}
	return 0;
}

static int dbis_open(struct strata_store *s, char *err, size_t errlen)
{
	const char *p = s->o.path;
	unsigned int cf = s->o.readonly ? 0 : MDB_CREATE;
	MDB_txn *txn;
	MDB_envinfo ei;
	MDB_stat ms;
	bool fresh;
	int rc;

	rc = mdb_txn_begin(s->env, NULL, s->o.readonly ? MDB_RDONLY : 0, &txn);
	if (rc)
		return lmdb_err(err, errlen, rc, "store open %s", p);
	/* An empty environment is a new store; anything else must be ours. */
	rc = mdb_stat(txn, 1, &ms);
	if (rc) {
		rc = lmdb_err(err, errlen, rc, "store open %s", p);
		goto out;
	}
	fresh = !ms.ms_entries;
	if (fresh && s->o.readonly) {
		rc = strata_seterr(err, errlen, ENOENT, "store open %s: empty store", p);
		goto out;
	}
	if (!fresh)
		cf = 0;
	rc = dbi_open(txn, "meta", cf, &s->meta, p, err, errlen);
	if (!rc)
		rc = dbi_open(txn, "blocks", cf, &s->blocks, p, err, errlen);
	if (!rc)
		rc = dbi_open(txn, "bat", cf, &s->bat, p, err, errlen);
	if (!rc)
		rc = dbi_open(txn, "time", cf, &s->time, p, err, errlen);
	if (!rc)
		rc = dbi_open(txn, "mflow", cf, &s->mflow, p, err, errlen);
	if (!rc)
		rc = dbi_open(txn, "conv", cf, &s->conv, p, err, errlen);
	if (rc)
		goto out;
	rc = fresh ? format_init(s, txn, err, errlen) : format_check(s, txn, err, errlen);
	if (rc) {
		prefix_err(err, errlen, rc, p);
		goto out;
	}
	/* After the version check: a store of another version says so. */
	rc = dbi_open(txn, "flow", cf, &s->flow, p, err, errlen);
	if (!rc)
		rc = dbi_open(txn, "bloom", cf, &s->bloom, p, err, errlen);
	if (!rc)
		rc = dbi_open(txn, "group", cf, &s->group, p, err, errlen);
	if (rc)
		goto out;
	if (!s->o.readonly) {
		__u32 codec = s->o.codec;

		rc = meta_put(s, txn, "codec", &codec, sizeof(codec), err, errlen);
		if (rc) {
			prefix_err(err, errlen, rc, p);
			goto out;
		}
	}
	/* Committing keeps the table handles, a read transaction's too. */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc) {
		rc = lmdb_err(err, errlen, rc, "store open %s", p);
		goto out;
	}
	mdb_env_info(s->env, &ei);
	s->mapsize = ei.me_mapsize;
	{
		MDB_stat es;

		mdb_env_stat(s->env, &es);
		s->psize = es.ms_psize;
	}
out:
	if (txn)
		mdb_txn_abort(txn);
	return rc;
}

static int commit_retry(struct strata_store *s, char *err, size_t errlen);

static void *committer(void *arg);
static void *sealer(void *arg);
static int hand_over(struct strata_store *s, bool block, bool ticket, bool wait,
		     char *err, size_t errlen);
static int bg_take(struct strata_store *s, const char *op, char *err, size_t errlen);

static void threads_stop(struct strata_store *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->work);
	pthread_cond_broadcast(&s->ready);
	pthread_mutex_unlock(&s->mu);
	if (s->sealer_started)
		pthread_join(s->sealer_thread, NULL);
	pthread_join(s->thread, NULL);
}

/* The committer and the sealer (opts.committer). */
static int threads_start(struct strata_store *s, char *err, size_t errlen)
{
	int rc;

	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->ready, NULL);
	pthread_cond_init(&s->done, NULL);
	rc = -pthread_create(&s->thread, NULL, committer, s);
	if (!rc) {
		/* From here on, the pools are shared. */
		s->threaded = true;
		rc = -pthread_create(&s->sealer_thread, NULL, sealer, s);
		if (!rc) {
			s->sealer_started = true;
			return 0;
		}
		threads_stop(s);
		s->threaded = false;
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->ready);
	pthread_cond_destroy(&s->done);
	return strata_seterr(err, errlen, -rc, "store open %s: thread: %s", s->path,
			     strerror(-rc));
}

int strata_store_open(const struct strata_store_opts *o, struct strata_store **out,
		      char *err, size_t errlen)
{
	struct strata_store *s;
	int rc, dead;

	*out = NULL;
	if (!o)
		return strata_seterr(err, errlen, EINVAL, "store open: no options");
	s = calloc(1, sizeof(*s));
	if (!s)
		return strata_seterr(err, errlen, ENOMEM, "store open: out of memory");
	s->o = *o;
	rc = opts_check(&s->o, err, errlen);
	if (rc)
		goto fail;
	s->path = strdup(o->path);
	if (!s->path) {
		rc = strata_seterr(err, errlen, ENOMEM, "store open: out of memory");
		goto fail;
	}
	s->o.path = s->path;
	rc = env_open(s, err, errlen);
	if (!rc)
		rc = dbis_open(s, err, errlen);
	if (rc)
		goto fail;
	if (!s->o.readonly) {
		/* Reader slots of processes that died hold pages from reuse. */
		mdb_reader_check(s->env, &dead);
		/* Two sections: each bound's slack, twice. */
		s->val_cap = BLK_HDR + ZSTD_compressBound(s->o.block_bytes) + 1024;
		s->ob = malloc(s->o.block_bytes);
		s->scratch = malloc(s->o.block_bytes);
		s->grp = malloc(GROUP_BYTES);
		s->cctx = ZSTD_createCCtx();
		if (!s->ob || !s->scratch || !s->grp || !s->cctx) {
			rc = strata_seterr(err, errlen, ENOMEM, "store open %s: out of memory",
					   s->path);
			goto fail;
		}
		/* The budget or the age limit may have changed. */
		rc = commit_retry(s, err, errlen);
		if (rc) {
			prefix_err(err, errlen, rc, s->path);
			goto fail;
		}
		if (s->o.committer) {
			rc = threads_start(s, err, errlen);
			if (rc)
				goto fail;
		}
	}
	s->opened = true;
	*out = s;
	return 0;
fail:
	strata_store_close(s, NULL, 0);
	return rc;
}

/* ---- writer: blocks ---- */

static __u8 *buf_get(struct strata_store *s);
static void buf_put(struct strata_store *s, __u8 *b);

/*
 * One of the @n spares at @spares (under @s->mu when the store's threads
 * run), or a new buffer of @size; NULL when out of memory.
 */
static __u8 *spare_get(struct strata_store *s, __u8 **spares, unsigned int *n, size_t size)
{
	__u8 *b = NULL;

	if (s->threaded)
		pthread_mutex_lock(&s->mu);
	if (*n)
		b = spares[--*n];
	if (s->threaded)
		pthread_mutex_unlock(&s->mu);
	return b ? b : malloc(size);
}

/* A sealed block's buffer from the pool, or a new one; NULL: out of memory. */
static __u8 *val_get(struct strata_store *s)
{
	return spare_get(s, s->pool, &s->npool, s->val_cap);
}

static void sealed_free(struct strata_store *s, struct sealed *b)
{
	if (b->val) {
		if (s->threaded)
			pthread_mutex_lock(&s->mu);
		if (s->npool < POOL_MAX) {
			s->pool[s->npool++] = b->val;
			b->val = NULL;
		}
		if (s->threaded)
			pthread_mutex_unlock(&s->mu);
		free(b->val);
	}
	if (b->buf)
		buf_put(s, b->buf);
	free(b->idx);
	free(b->hashes);
	free(b->r);
	memset(b, 0, sizeof(*b));
}

static void pending_drop(struct strata_store *s)
{
	unsigned int i;

	for (i = 0; i < s->nsealed; i++) {
		s->delta.packets_dropped += s->sealed[i].count;
		s->delta.blocks_dropped++;
		sealed_free(s, &s->sealed[i]);
	}
	s->delta.microflows_dropped += s->nmfs;
	s->nsealed = 0;
	s->sealed_bytes = 0;
	s->nmfs = 0;
}

static int rec_idx_cmp(const void *a, const void *b)
{
	const struct rec_idx *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Compresses @len bytes at @src into @dst (room for ZSTD_compressBound(@len))
 * when that makes them smaller than @keep; else copies them.
 * Return: the bytes at @dst; *@codec says how they are stored.
 */
static size_t pack(struct strata_store *s, __u8 *dst, const __u8 *src, size_t len,
		   size_t keep, __u8 *codec)
{
	size_t z;

	z = ZSTD_compressCCtx(s->cctx, dst, ZSTD_compressBound(len), src, len,
			      s->o.zstd_level);
	if (!ZSTD_isError(z) && z < keep) {
		*codec = STRATA_STORE_CODEC_ZSTD;
		return z;
	}
	*codec = STRATA_STORE_CODEC_NONE;
	memcpy(dst, src, len);
	return len;
}

/*
 * Moves the open block into @rb (its buffer and its rings' ranges) and
 * leaves an empty one; @rb->buf is NULL when it held nothing.
 */
static int take_open(struct strata_store *s, struct rawblk *rb, char *err, size_t errlen)
{
	unsigned int c, i;

	memset(rb, 0, sizeof(*rb));
	if (!s->ob_count)
		return 0;
	for (c = 0; c < s->cpu_hi; c++)
		rb->nr += s->cpus[c].seen;
	rb->r = malloc(rb->nr * sizeof(*rb->r));
	if (!rb->r)
		return strata_seterr(err, errlen, ENOMEM, "store: out of memory");
	for (c = 0, i = 0; c < s->cpu_hi; c++) {
		if (!s->cpus[c].seen)
			continue;
		rb->r[i].first = (__u64)c << 48 | s->cpus[c].first;
		rb->r[i].last = (__u64)c << 48 | s->cpus[c].last;
		s->cpus[c].seen = false;
		i++;
	}
	rb->buf = s->ob;
	rb->used = s->ob_used;
	rb->count = s->ob_count;
	rb->maxcap = s->ob_maxcap;
	rb->first_ts = s->ob_first_ts;
	rb->last_ts = s->ob_last_ts;
	s->ob_used = 0;
	s->ob_count = 0;
	s->ob_maxcap = 0;
	s->cpu_hi = 0;
	return 0;
}

/*
 * Sorts @rb's records by time into the block @out (taking @rb->r): the
 * records' heads in one section, their packet bytes in another, each
 * compressed when that pays (Documentation/store.rst). Bytes stored as they
 * are keep @rb->buf (then NULL) until the commit copies them.
 */
static int seal_block(struct strata_store *s, struct rawblk *rb, struct sealed *out,
		      char *err, size_t errlen)
{
	struct sealed b;
	struct rec_idx *idx;
	struct strata_rec h;
	struct blk_hdr bh;
	const __u8 *ob = rb->buf;
	__u32 off, i, cap, raw = rb->used, heads = rb->count * (__u32)HEAD, data = 0;
	size_t hlen, dlen;
	__u8 *dst;
	bool try_data;

	memset(&b, 0, sizeof(b));
	b.nr = rb->nr;
	b.r = rb->r;
	rb->r = NULL;
	idx = malloc(rb->count * sizeof(*idx));
	b.hashes = malloc(rb->count * sizeof(*b.hashes));
	b.val = val_get(s);
	if (!idx || !b.hashes || !b.val) {
		free(idx);
		sealed_free(s, &b);
		return strata_seterr(err, errlen, ENOMEM, "store: out of memory");
	}
	for (off = 0, i = 0; off < raw; off += h.len, i++) {
		__u64 ts;

		memcpy(&h, ob + off, sizeof(h));
		memcpy(&ts, ob + off + HEAD_TS, sizeof(ts));
		memcpy(&cap, ob + off + HEAD_CAPLEN, sizeof(cap));
		data += cap;
		idx[i].ts = ts;
		idx[i].seq = h.seq;
		idx[i].cpu = h.pad;
		idx[i].off = off;
	}
	qsort(idx, rb->count, sizeof(*idx), rec_idx_cmp);
	for (i = 0; i < rb->count; i++) {
		struct strata_rec_packet p;
		struct strata_flow_key k;

		memcpy(s->scratch + (size_t)i * HEAD, ob + idx[i].off, HEAD);
		memcpy(&p, ob + idx[i].off + REC_HDR, sizeof(p));
		flow_key_of(p.saddr, p.daddr, p.sport, p.dport, p.proto, p.family, &k);
		b.hashes[i] = conv_hash(&k);
		bloom_add(b.bloom, b.hashes[i]);
	}

	b.codec = b.data_codec = STRATA_STORE_CODEC_NONE;
	dst = b.val + BLK_HDR;
	if (s->o.codec == STRATA_STORE_CODEC_ZSTD) {
		hlen = pack(s, dst, s->scratch, heads, heads, &b.codec);
	} else {
		memcpy(dst, s->scratch, heads);
		hlen = heads;
	}
	dst += hlen;
	/* The bytes go where they are compressed from, or stay for the commit. */
	try_data = s->o.codec == STRATA_STORE_CODEC_ZSTD && !s->zskip && data;
	if (s->zskip)
		s->zskip--;
	dlen = data;
	if (!try_data) {
		b.ext = data;
		b.buf = rb->buf;
		rb->buf = NULL;
		b.idx = idx;
	} else {
		for (off = 0, i = 0; i < rb->count; i++) {
			memcpy(&cap, ob + idx[i].off + HEAD_CAPLEN, sizeof(cap));
			memcpy(s->scratch + heads + off, ob + idx[i].off + PKT_HDR, cap);
			off += cap;
		}
		free(idx);
		dlen = pack(s, dst, s->scratch + heads, data, data - data / 16, &b.data_codec);
		if (b.data_codec == STRATA_STORE_CODEC_ZSTD) {
			s->zbackoff = 0;
		} else {
			s->zbackoff = s->zbackoff ? s->zbackoff * 2 : 1;
			if (s->zbackoff > ZSKIP_MAX)
				s->zbackoff = ZSKIP_MAX;
			s->zskip = s->zbackoff;
		}
	}
	b.len = (__u32)(BLK_HDR + hlen + dlen);
	b.count = rb->count;
	b.raw = raw;
	b.maxcap = rb->maxcap;
	b.first_ts = rb->first_ts;
	b.last_ts = rb->last_ts;
	memset(&bh, 0, sizeof(bh));
	bh.magic = BLK_MAGIC;
	bh.version = BLK_VERSION;
	bh.codec = b.codec;
	bh.data_codec = b.data_codec;
	bh.count = b.count;
	bh.raw_len = raw;
	bh.first_ts = b.first_ts;
	bh.last_ts = b.last_ts;
	bh.head_len = (__u32)hlen;
	bh.data_raw = data;
	bh.data_len = (__u32)dlen;
	memcpy(b.val, &bh, sizeof(bh));
	*out = b;
	return 0;
}

/*
 * Queues the sealed block @b for the next commit (taking it), or counts
 * its packets lost when it cannot (@b is freed then).
 */
static int queue_sealed(struct strata_store *s, struct sealed *b, char *err, size_t errlen)
{
	if (s->nsealed == s->sealed_cap) {
		unsigned int n = s->sealed_cap ? 2 * s->sealed_cap : 16;
		struct sealed *p = realloc(s->sealed, n * sizeof(*p));

		if (!p) {
			s->delta.packets_dropped += b->count;
			s->delta.blocks_dropped++;
			sealed_free(s, b);
			return strata_seterr(err, errlen, ENOMEM, "store: out of memory");
		}
		s->sealed = p;
		s->sealed_cap = n;
	}
	s->sealed[s->nsealed++] = *b;
	s->sealed_bytes += b->len;
	return 0;
}

/* seal_block() and queue_sealed(); what could not be sealed is counted lost. */
static int seal_dropping(struct strata_store *s, struct rawblk *rb, char *err, size_t errlen)
{
	struct sealed b;
	int rc = seal_block(s, rb, &b, err, errlen);

	if (rc) {
		s->delta.packets_dropped += rb->count;
		s->delta.blocks_dropped++;
		return rc;
	}
	return queue_sealed(s, &b, err, errlen);
}

/* Seals the open block here, in the caller's thread (no committer). */
static int seal(struct strata_store *s, char *err, size_t errlen)
{
	struct rawblk rb;
	__u8 *fresh;
	int rc;

	if (!s->ob_count)
		return 0;
	/* The block may keep the buffer: one for the next open block first. */
	fresh = buf_get(s);
	if (!fresh)
		return strata_seterr(err, errlen, ENOMEM, "store: out of memory");
	rc = take_open(s, &rb, err, errlen);
	if (!rc)
		rc = seal_dropping(s, &rb, err, errlen);
	if (!rc && !rb.buf)
		s->ob = fresh;
	else
		buf_put(s, fresh);
	free(rb.r);
	return rc;
}

/* The checksum covers the header (with a zero checksum) and the payload. */
static __u64 blk_xxh(const __u8 *val, size_t len)
{
	return XXH64(val + BLK_HDR, len - BLK_HDR, XXH64(val, BLK_HDR - 8, 0));
}

/* Stores the group filter being filled, when it has new bits. */
static int group_put(struct strata_store *s, MDB_txn *txn, char *err, size_t errlen)
{
	struct key k;
	MDB_val v = { GROUP_BYTES, s->grp };
	int rc;

	if (!s->grp_dirty)
		return 0;
	rc = mdb_put(txn, s->group, key_id(&k, s->grp_id), &v, 0);
	return rc ? lmdb_err(err, errlen, rc, "group %llu: filter",
			     (unsigned long long)s->grp_id) : 0;
}

/*
 * Adds block @id's conversations to its group's filter, which is the one
 * being filled or, after a restart, the stored one (ids only grow).
 */
static int group_fill(struct strata_store *s, MDB_txn *txn, __u64 id,
		      const struct sealed *b, char *err, size_t errlen)
{
	__u64 g = id / GROUP_BLOCKS;
	struct key k;
	MDB_val v;
	__u32 i;
	int rc;

	if (!s->grp_have || s->grp_id != g) {
		rc = group_put(s, txn, err, errlen);
		if (rc)
			return rc;
		rc = mdb_get(txn, s->group, key_id(&k, g), &v);
		if (rc && rc != MDB_NOTFOUND)
			return lmdb_err(err, errlen, rc, "group %llu: filter", (unsigned long long)g);
		if (!rc && v.mv_size == GROUP_BYTES)
			memcpy(s->grp, v.mv_data, GROUP_BYTES);
		else
			memset(s->grp, 0, GROUP_BYTES);
		s->grp_id = g;
		s->grp_have = true;
	}
	for (i = 0; i < b->count; i++)
		group_add(s->grp, b->hashes[i]);
	s->grp_dirty = true;
	return 0;
}

static int put_block(struct strata_store *s, MDB_txn *txn, struct state *st,
		     struct sealed *b, char *err, size_t errlen)
{
	__u64 id = st->next_block++;
	struct blk_hdr bh;
	struct bat_hdr ah;
	struct key k;
	MDB_val v;
	__u8 *bat;
	size_t blen = sizeof(ah) + (size_t)b->nr * sizeof(*b->r);
	__u8 *p;
	int rc;

	/* Written in place: LMDB's own copy of the block is the only one. */
	v.mv_data = NULL;
	v.mv_size = b->len;
	rc = mdb_put(txn, s->blocks, key_id(&k, id), &v, MDB_APPEND | MDB_RESERVE);
	if (rc)
		return lmdb_err(err, errlen, rc, "block %llu", (unsigned long long)id);
	p = v.mv_data;
	memcpy(p, b->val, b->len - b->ext);
	if (b->ext) {
		__u8 *d = p + b->len - b->ext;
		__u32 i, cap;

		for (i = 0; i < b->count; i++) {
			memcpy(&cap, b->buf + b->idx[i].off + HEAD_CAPLEN, sizeof(cap));
			memcpy(d, b->buf + b->idx[i].off + PKT_HDR, cap);
			d += cap;
		}
	}
	memcpy(&bh, p, sizeof(bh));
	bh.id = id;
	bh.xxh = 0;
	memcpy(p, &bh, sizeof(bh));
	bh.xxh = blk_xxh(p, b->len);
	memcpy(p, &bh, sizeof(bh));

	memset(&ah, 0, sizeof(ah));
	ah.first_ts = b->first_ts;
	ah.last_ts = b->last_ts;
	ah.packets = b->count;
	ah.raw_bytes = b->raw;
	ah.stored_bytes = b->len;
	ah.nranges = (__u16)b->nr;
	ah.codec = b->codec;
	ah.data_codec = b->data_codec;
	bat = malloc(blen);
	if (!bat)
		return strata_seterr(err, errlen, ENOMEM, "out of memory");
	memcpy(bat, &ah, sizeof(ah));
	memcpy(bat + sizeof(ah), b->r, (size_t)b->nr * sizeof(*b->r));
	v.mv_data = bat;
	v.mv_size = blen;
	rc = mdb_put(txn, s->bat, key_id(&k, id), &v, MDB_APPEND);
	free(bat);
	if (rc)
		return lmdb_err(err, errlen, rc, "block %llu: block table", (unsigned long long)id);
	v.mv_data = NULL;
	v.mv_size = 0;
	rc = mdb_put(txn, s->time, key3(&k, 2, b->first_ts, id, 0), &v, 0);
	if (rc)
		return lmdb_err(err, errlen, rc, "block %llu: time index", (unsigned long long)id);
	v.mv_data = b->bloom;
	v.mv_size = BLOOM_BYTES;
	rc = mdb_put(txn, s->bloom, key_id(&k, id), &v, MDB_APPEND);
	if (rc)
		return lmdb_err(err, errlen, rc, "block %llu: filter", (unsigned long long)id);
	rc = group_fill(s, txn, id, b, err, errlen);
	if (rc)
		return rc;

	st->c.blocks_written++;
	st->c.packets_written += b->count;
	st->c.raw_bytes_written += b->raw;
	st->c.stored_bytes_written += b->len;
	if (b->last_ts > st->newest_ts)
		st->newest_ts = b->last_ts;
	if (b->maxcap > st->snaplen)
		st->snaplen = b->maxcap;
	if (b->last_ts - b->first_ts > st->max_span_ns)
		st->max_span_ns = b->last_ts - b->first_ts;
	return 0;
}

/*
 * A location flow: @mf summed into its conversation's entry for the flow
 * window holding its window start (created when missing).
 */
/*
 * Adds microflow @mf to flow @f (made from it when @f holds none yet):
 * @mf's endpoint 0 is @f's endpoint 0 when its canonical key is @mf's own key.
 */
static void flow_add(struct strata_store_flow *f, const struct strata_mflow *mf,
		     const struct strata_flow_key *canon)
{
	int swap = memcmp(canon, &mf->key, sizeof(*canon)) != 0, d;

	if (!f->microflows) {
		memset(f, 0, sizeof(*f));
		f->key = *canon;
		f->window_start = mf_flow_window(mf);
		f->window_ns = STRATA_STORE_FLOW_WINDOW_NS;
		f->first_mf = f->last_mf = mf->window_start;
	}
	if (mf->started && !f->has_initiator) {
		f->initiator = (__u8)(mf->initiator ^ swap);
		f->has_initiator = 1;
	}
	if (mf->window_start < f->first_mf)
		f->first_mf = mf->window_start;
	if (mf->window_start > f->last_mf)
		f->last_mf = mf->window_start;
	f->microflows++;
	for (d = 0; d < 2; d++)
		strata_dir_stats_merge(&f->dir[d ^ swap], &mf->dir[d]);
	/* Conversation-wide: no direction to swap. */
	strata_txn_merge(&f->txn, &mf->txn);
}

/* A stored flow of either size into @f: 0, or -EBADMSG for another size. */
static int flow_parse(const MDB_val *v, struct strata_store_flow *f, char *err, size_t errlen)
{
	if (v->mv_size != sizeof(*f) && v->mv_size != FLOW_V6)
		return strata_seterr(err, errlen, EBADMSG, "flow: corrupt entry (%zu bytes)",
				     v->mv_size);
	memset(f, 0, sizeof(*f));
	memcpy(f, v->mv_data, v->mv_size);
	return 0;
}

/* A microflow of a closed flow window (a late one) is added to its stored flow. */
static int add_to_flow(struct strata_store *s, MDB_txn *txn, const struct strata_mflow *mf,
		       const struct strata_flow_key *canon, __u64 h, char *err, size_t errlen)
{
	struct strata_store_flow f;
	struct key k;
	MDB_val v;
	int rc;

	f.microflows = 0;
	rc = mdb_get(txn, s->flow, key3(&k, 2, mf_flow_window(mf), h, 0), &v);
	if (rc && rc != MDB_NOTFOUND)
		return lmdb_err(err, errlen, rc, "flow");
	if (!rc) {
		rc = flow_parse(&v, &f, err, errlen);
		if (rc)
			return rc;
	}
	flow_add(&f, mf, canon);
	v.mv_data = &f;
	v.mv_size = sizeof(f);
	rc = mdb_put(txn, s->flow, &k.v, &v, 0);
	return rc ? lmdb_err(err, errlen, rc, "flow") : 0;
}

/*
 * Opens @c on the conversation index at its first entry from (@fw, @h) on.
 * Return: 1 with @k that entry's key, 0 when there is none, or -errno (and
 * @c is not open).
 */
static int conv_at(struct strata_store *s, MDB_txn *txn, __u64 fw, __u64 h, MDB_cursor **c,
		   MDB_val *k, char *err, size_t errlen)
{
	struct key pos;
	MDB_val v;
	int rc = mdb_cursor_open(txn, s->conv, c);

	if (rc)
		return lmdb_err(err, errlen, rc, "conversation index: cursor");
	*k = *conv_seek(&pos, fw, h);
	rc = cursor_step(*c, k, &v, MDB_SET_RANGE, 32, "conversation index", err, errlen);
	if (rc < 0)
		mdb_cursor_close(*c);
	return rc;
}

/*
 * The flow of one conversation index group: @c stands on the first entry of
 * a (flow window, hash) group, @k is its key. Sums the group's microflows
 * into @f and steps past the group.
 * Return: 1 with @k the next entry's key, 0 at the end of the index, or -errno.
 */
static int conv_group(struct strata_store *s, MDB_txn *txn, MDB_cursor *c, MDB_val *k,
		      struct strata_store_flow *f, char *err, size_t errlen)
{
	__u8 group[16];
	struct strata_flow_key canon;
	struct mf_val m;
	struct key mk;
	MDB_val mv, v;
	int rc;

	memcpy(group, k->mv_data, sizeof(group));
	f->microflows = 0;
	do {
		const __u8 *p = k->mv_data;

		rc = mdb_get(txn, s->mflow, key3(&mk, 3, strata_be64_get(p + 16), strata_be64_get(p + 8),
						 strata_be64_get(p + 24)), &mv);
		if (rc == MDB_NOTFOUND)
			return strata_seterr(err, errlen, EBADMSG,
					     "conversation index names a missing microflow");
		if (rc)
			return lmdb_err(err, errlen, rc, "microflow");
		rc = mf_val_parse(&mk.v, &mv, &m, err, errlen);
		if (rc)
			return rc;
		strata_store_canon_key(&m.mf.key, &canon);
		flow_add(f, &m.mf, &canon);
		rc = cursor_step(c, k, &v, MDB_NEXT, 32, "conversation index", err, errlen);
	} while (rc > 0 && !memcmp(k->mv_data, group, sizeof(group)));
	return rc;
}

/* Microflows may come this long after their flow window ended, and are still summed in one go. */
#define FLOW_GRACE_NS	(10ULL * 1000000000ULL)

static bool flow_due(const struct state *st, __u64 fw)
{
	__u64 lag = STRATA_STORE_FLOW_WINDOW_NS + FLOW_GRACE_NS + 2 * st->max_window_ns;

	return st->newest_ts >= lag && fw <= st->newest_ts - lag;
}

/*
 * Closes the flow windows that are due: each one's flows, summed from the
 * conversation index, go into the flow table at once, in key order. A
 * window is due once the newest packet stored is FLOW_GRACE_NS and two
 * microflow windows past its end; @all closes every window (at close).
 */
static int flows_close(struct strata_store *s, MDB_txn *txn, struct state *st, bool all,
		       char *err, size_t errlen)
{
	struct strata_store_flow f;
	MDB_cursor *c;
	struct key fk;
	__u8 next[32];
	MDB_val k, v;
	__u64 fw;
	__u8 clock;
	int rc, more;

	rc = conv_at(s, txn, st->flows_through, 0, &c, &k, err, errlen);
	if (rc < 0)
		return rc;
	clock = s->o.clock && rc > 0 ? strata_clock_state(NULL) : STRATA_CLOCK_UNKNOWN;
	while (rc > 0) {
		__u64 h = strata_be64_get((const __u8 *)k.mv_data + 8);

		fw = strata_be64_get(k.mv_data);
		if (!all && !flow_due(st, fw))
			break;
		more = conv_group(s, txn, c, &k, &f, err, errlen);
		if (more < 0) {
			rc = more;
			break;
		}
		f.clock_sync = clock;
		/* The next group's key, kept past the write below. */
		if (more) {
			memcpy(next, k.mv_data, sizeof(next));
			k.mv_data = next;
		}
		v.mv_data = &f;
		v.mv_size = sizeof(f);
		/* In key order after every closed window's flows. */
		key3(&fk, 2, fw, h, 0);
		rc = mdb_put(txn, s->flow, &fk.v, &v, MDB_APPEND);
		if (rc == MDB_KEYEXIST)	/* not after: never so, but never stuck */
			rc = mdb_put(txn, s->flow, &fk.v, &v, 0);
		if (rc) {
			rc = lmdb_err(err, errlen, rc, "flow");
			break;
		}
		if (fw + STRATA_STORE_FLOW_WINDOW_NS > st->flows_through)
			st->flows_through = fw + STRATA_STORE_FLOW_WINDOW_NS;
		rc = more;
	}
	mdb_cursor_close(c);
	return rc < 0 ? rc : 0;
}

/* The number of flows of the open flow windows, from @fw on. */
static int open_flows_count(struct strata_store *s, MDB_txn *txn, __u64 fw, __u64 *n,
			    char *err, size_t errlen)
{
	__u8 group[16] = { 0 };
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*n = 0;
	rc = conv_at(s, txn, fw, 0, &c, &k, err, errlen);
	if (rc < 0)
		return rc;
	for (; rc > 0; rc = cursor_step(c, &k, &v, MDB_NEXT, 32, "conversation index", err,
					errlen)) {
		if (!*n || memcmp(k.mv_data, group, sizeof(group))) {
			memcpy(group, k.mv_data, sizeof(group));
			++*n;
		}
	}
	mdb_cursor_close(c);
	return rc;
}

static int put_mflow(struct strata_store *s, MDB_txn *txn, struct state *st,
		     const struct pending_mf *p, char *err, size_t errlen)
{
	struct strata_flow_key canon;
	struct mf_val m;
	struct key k;
	MDB_val v;
	__u64 h, ws = p->mf.window_start, seq = p->info.has_seq ? p->info.seq : 0;
	int rc;

	memset(&m, 0, sizeof(m));
	m.window_ns = p->info.window_ns;
	m.key_hash = p->info.key_hash;
	m.seq = seq;
	m.generation = p->info.generation;
	m.flags = (p->info.has_seq ? MF_HAS_SEQ : 0) | (p->info.has_ring ? MF_HAS_RING : 0);
	m.mf = p->mf;
	if (p->info.has_ring) {
		m.ring_first = p->info.ring_first;
		m.ring_last = p->info.ring_last;
		rc = resolve_cached(s, txn, st, ws, m.window_ns, m.ring_first, m.ring_last,
				    &m.first_block, &m.last_block, err, errlen);
		if (rc)
			return rc;
	}
	strata_store_canon_key(&p->mf.key, &canon);
	h = conv_hash(&canon);
	/*
	 * An open flow window's flows are summed when it closes, from what is
	 * stored then. A late microflow is added to its closed window's flow,
	 * once: one given twice is stored once.
	 */
	if (mf_flow_window(&p->mf) < st->flows_through) {
		rc = mdb_get(txn, s->mflow, key3(&k, 3, ws, h, seq), &v);
		if (rc == MDB_NOTFOUND)
			rc = add_to_flow(s, txn, &p->mf, &canon, h, err, errlen);
		else if (rc)
			rc = lmdb_err(err, errlen, rc, "microflow");
		if (rc)
			return rc;
	}
	v.mv_data = &m;
	v.mv_size = sizeof(m);
	rc = mdb_put(txn, s->mflow, key3(&k, 3, ws, h, seq), &v, 0);
	if (rc)
		return lmdb_err(err, errlen, rc, "microflow");
	v.mv_data = NULL;
	v.mv_size = 0;
	rc = mdb_put(txn, s->conv, conv_key(&k, mf_flow_window(&p->mf), h, ws, seq), &v, 0);
	if (rc)
		return lmdb_err(err, errlen, rc, "conversation index");
	st->c.microflows_written++;
	if (m.window_ns > st->max_window_ns)
		st->max_window_ns = m.window_ns;
	return 0;
}

static void counters_add(struct strata_store_counters *a, const struct strata_store_counters *b)
{
	__u64 *x = (__u64 *)a;
	const __u64 *y = (const __u64 *)b;
	size_t i;

	for (i = 0; i < sizeof(*a) / sizeof(__u64); i++)
		x[i] += y[i];
}

/*
 * One write transaction: the sealed blocks, the microflows, retention (to
 * @target when given), the state. Leaves the queue as it was on failure.
 */
static int commit_once(struct strata_store *s, __u64 target, bool data,
		       char *err, size_t errlen)
{
	struct state st;
	MDB_txn *txn;
	unsigned int i;
	int rc;

	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return lmdb_err(err, errlen, rc, "begin");
	s->wb.valid = false;	/* blocks come and go with each transaction */
	rc = state_get(s, txn, &st, err, errlen);
	for (i = 0; data && !rc && i < s->nsealed; i++)
		rc = put_block(s, txn, &st, &s->sealed[i], err, errlen);
	for (i = 0; data && !rc && i < s->nmfs; i++)
		rc = put_mflow(s, txn, &st, &s->mfs[i], err, errlen);
	if (!rc && (data || s->closing))
		rc = flows_close(s, txn, &st, s->closing, err, errlen);
	if (!rc && data)
		rc = group_put(s, txn, err, errlen);
	if (!rc && target != NO_TRIM)
		rc = retention(s, txn, &st, 0, target, err, errlen);
	if (!rc) {
		counters_add(&st.c, &s->delta);
		if (data && (s->nsealed || s->nmfs))
			st.last_commit_ns = now_ns();
		rc = state_put(s, txn, &st, err, errlen);
	}
	if (rc) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		return lmdb_err(err, errlen, rc, "commit");
	memset(&s->delta, 0, sizeof(s->delta));
	if (data) {
		s->wrote_mfs |= s->nmfs > 0;
		s->grp_dirty = false;
		for (i = 0; i < s->nsealed; i++)
			sealed_free(s, &s->sealed[i]);
		s->nsealed = 0;
		s->sealed_bytes = 0;
		s->nmfs = 0;
	}
	if (s->o.sync) {
		rc = mdb_env_sync(s->env, 1);
		if (rc)
			return lmdb_err(err, errlen, rc, "sync");
	}
	return 0;
}

/*
 * LMDB reuses the pages a transaction frees only two transactions later:
 * when the queue would take the store past the high-water mark, make room
 * first in a transaction of its own, then let one more pass, so the data's
 * transaction can reuse what was freed (whole runs of pages, as blocks need).
 *
 * The removal itself writes pages (the tables' leaves, the free list). When
 * the last commit took every page that was reusable and filled the map,
 * even it fails with MDB_MAP_FULL; a commit that removes nothing and writes
 * only the state record needs the fewest pages, and once it has passed,
 * what that last commit freed is reusable. Without it no commit could pass
 * again until one of them happened to need fewer pages.
 */
static void trim_pass(struct strata_store *s, __u64 target)
{
	/* Failures here show again, and are handled, in the data's commit. */
	commit_once(s, target, false, NULL, 0);
	commit_once(s, NO_TRIM, false, NULL, 0);
}


static void make_room(struct strata_store *s)
{
	__u64 used, need = s->sealed_bytes + (__u64)s->nmfs * sizeof(struct mf_val) +
		(__u64)(s->nsealed + 4) * s->psize;
	MDB_txn *txn;
	int rc;

	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
		return;
	rc = used_bytes(s, txn, &used, NULL, 0);
	mdb_txn_abort(txn);
	if (rc || used + need <= s->mapsize / 100 * HIGH_PCT)
		return;
	need = sat_sub(s->mapsize / 100 * LOW_PCT, need);
	trim_pass(s, need ? need : 1);
}

/*
 * Commits the queue. On MDB_MAP_FULL (no free pages LMDB may reuse yet, or
 * none in a run long enough), removes more of the oldest blocks, lets a
 * transaction pass, and tries again. When that does not help, the pages
 * freed are most likely held by a reader (a query that began before they
 * were freed): the queue waits for the next flush, until it holds a
 * quarter of the budget or the store closes; then it is dropped and
 * counted.
 */
static int commit_retry(struct strata_store *s, char *err, size_t errlen)
{
	__u64 target, step = s->mapsize / 8, pk = 0;
	char cause[256];
	unsigned int try, i, nb;
	int rc;

	if (s->nsealed || s->nmfs)
		make_room(s);
	for (try = 0;; try++) {
		rc = commit_once(s, 0, true, err, errlen);
		if (rc != -ENOSPC) {
			/* A failing store must not grow the writer's memory without bound. */
			if (rc && s->sealed_bytes > s->mapsize / 4)
				pending_drop(s);
			return rc;
		}
		s->delta.map_full++;
		if (try == MAP_FULL_TRIES)
			break;
		target = s->mapsize / 100 * LOW_PCT;
		target = target > (try + 1) * step ? target - (try + 1) * step : 1;
		trim_pass(s, target);
	}
	nb = s->nsealed;
	for (i = 0; i < nb; i++)
		pk += s->sealed[i].count;
	snprintf(cause, sizeof(cause), "%s", err ? err : "");
	if (!s->closing && s->sealed_bytes <= s->mapsize / 4)
		return strata_seterr(err, errlen, EAGAIN,
				     "%llu packets in %u blocks kept for the next flush: no room that LMDB may reuse yet after %d retries removing the oldest blocks, a reader may hold it (%s)",
				     (unsigned long long)pk, nb, MAP_FULL_TRIES, cause);
	pending_drop(s);
	/* Keep the count of what was dropped. */
	commit_once(s, NO_TRIM, false, NULL, 0);
	return strata_seterr(err, errlen, ENOSPC,
			     "%llu packets in %u blocks dropped: no room after %d retries removing the oldest blocks (%s)",
			     (unsigned long long)pk, nb, MAP_FULL_TRIES, cause);
}

static int writer(struct strata_store *s, const char *op, char *err, size_t errlen)
{
	if (!s->o.readonly)
		return 0;
	return strata_seterr(err, errlen, EPERM, "store %s: opened read-only", op);
}

static int flush_err(char *err, size_t errlen, int rc, const char *op)
{
	char tmp[512];

	if (rc && err && errlen) {
		snprintf(tmp, sizeof(tmp), "%s", err);
		strata_seterr(err, errlen, -rc, "store %s: %s", op, tmp);
	}
	return rc;
}

int strata_store_add_packet(struct strata_store *s, unsigned int cpu, __u64 seq,
			    const struct strata_rec_packet *pkt, const __u8 *data,
			    char *err, size_t errlen)
{
	struct strata_rec h;
	struct cpu_range *r;
	bool sealed = false;
	__u32 len;
	int rc;

	rc = writer(s, "add packet", err, errlen);
	if (rc)
		return rc;
	if (cpu > 0xffff || seq > POS_SEQ_MASK)
		return strata_seterr(err, errlen, EINVAL,
				     "store add packet: cpu %u or sequence number %llu out of range",
				     cpu, (unsigned long long)seq);
	if (pkt->caplen > STRATA_SNAPLEN_MAX || pkt->caplen > pkt->wire_len ||
	    pkt->nseg > NSEG_MAX)
		return strata_seterr(err, errlen, EINVAL,
				     "store add packet: caplen %u (wire_len %u, most %u) or nseg %u out of range",
				     pkt->caplen, pkt->wire_len, STRATA_SNAPLEN_MAX, pkt->nseg);
	len = (__u32)ALIGN8(PKT_HDR + pkt->caplen);
	if (s->ob_used + len > s->o.block_bytes) {
		rc = s->threaded ? hand_over(s, true, false, false, err, errlen) :
			seal(s, err, errlen);
		if (rc)
			return rc;
		sealed = true;
	}
	if (cpu >= s->ncpus) {
		unsigned int n = cpu + 1 > 2 * s->ncpus ? cpu + 1 : 2 * s->ncpus;

		r = realloc(s->cpus, n * sizeof(*r));
		if (!r)
			return strata_seterr(err, errlen, ENOMEM, "store add packet: out of memory");
		memset(r + s->ncpus, 0, (n - s->ncpus) * sizeof(*r));
		s->cpus = r;
		s->ncpus = n;
	}
	memset(&h, 0, sizeof(h));
	h.type = STRATA_REC_PACKET;
	h.len = (__u16)len;
	h.pad = cpu;
	h.seq = seq;
	memcpy(s->ob + s->ob_used, &h, sizeof(h));
	memcpy(s->ob + s->ob_used + REC_HDR, pkt, sizeof(*pkt));
	if (pkt->caplen)
		memcpy(s->ob + s->ob_used + PKT_HDR, data, pkt->caplen);
	memset(s->ob + s->ob_used + PKT_HDR + pkt->caplen, 0, len - PKT_HDR - pkt->caplen);
	s->ob_used += len;
	if (!s->ob_count++) {
		s->ob_first_ts = pkt->ts_ns;
		s->ob_last_ts = pkt->ts_ns;
	} else if (pkt->ts_ns < s->ob_first_ts) {
		s->ob_first_ts = pkt->ts_ns;
	} else if (pkt->ts_ns > s->ob_last_ts) {
		s->ob_last_ts = pkt->ts_ns;
	}
	if (pkt->caplen > s->ob_maxcap)
		s->ob_maxcap = pkt->caplen;
	r = &s->cpus[cpu];
	if (!r->seen) {
		r->seen = true;
		r->first = seq;
		r->last = seq;
	} else {
		/* A ring's records come in order; the range spans them anyway. */
		if (seq < r->first)
			r->first = seq;
		if (seq > r->last)
			r->last = seq;
	}
	if (cpu + 1 > s->cpu_hi)
		s->cpu_hi = cpu + 1;
	if (s->ob_used == s->o.block_bytes) {
		rc = s->threaded ? hand_over(s, true, false, false, err, errlen) :
			seal(s, err, errlen);
		if (rc)
			return rc;
		sealed = true;
	}
	if (s->threaded)
		return sealed ? bg_take(s, "add packet", err, errlen) : 0;
	/* Only when a block was sealed: a failing store is not retried per packet. */
	if (sealed && s->sealed_bytes >= s->mapsize / VALVE)
		return flush_err(err, errlen, commit_retry(s, err, errlen), "add packet");
	return 0;
}

/* Appends to a microflow queue. Return: 0 or -ENOMEM. */
static int mf_push(struct pending_mf **v, unsigned int *n, unsigned int *cap,
		   const struct pending_mf *add, unsigned int nadd)
{
	if (*n + nadd > *cap) {
		unsigned int c = *cap ? *cap : 64;
		struct pending_mf *p;

		while (c < *n + nadd)
			c *= 2;
		p = realloc(*v, c * sizeof(*p));
		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	memcpy(*v + *n, add, nadd * sizeof(*add));
	*n += nadd;
	return 0;
}

/* The first error of a commit nobody waited for, once. */
static int bg_take(struct strata_store *s, const char *op, char *err, size_t errlen)
{
	char cause[512];
	int rc;

	if (!s->threaded)
		return 0;
	pthread_mutex_lock(&s->mu);
	rc = s->bg_rc;
	if (rc)
		snprintf(cause, sizeof(cause), "%s", s->bg_err);
	s->bg_rc = 0;
	pthread_mutex_unlock(&s->mu);
	if (rc)
		strata_seterr(err, errlen, -rc, "store %s: an earlier commit: %s", op, cause);
	return rc;
}

/* A spare open-block buffer, or a new one; NULL when out of memory. */
static __u8 *buf_get(struct strata_store *s)
{
	return spare_get(s, s->bufs, &s->nbufs, s->o.block_bytes);
}

/* Keeps @b as a spare, or frees it when there are enough. Under @s->mu. */
static void buf_put_locked(struct strata_store *s, __u8 *b)
{
	if (s->nbufs < BUF_SPARES)
		s->bufs[s->nbufs++] = b;
	else
		free(b);
}

/* buf_put_locked(), taking @s->mu when the committer runs. */
static void buf_put(struct strata_store *s, __u8 *b)
{
	if (s->threaded)
		pthread_mutex_lock(&s->mu);
	buf_put_locked(s, b);
	if (s->threaded)
		pthread_mutex_unlock(&s->mu);
}

/*
 * Hands the sealer and the committer the open block (with @block) and the
 * microflows queued; with @ticket, asks for a commit after them, and with
 * @wait waits for it. Blocks while they hold CQ_MAX items.
 */
static int hand_over(struct strata_store *s, bool block, bool ticket, bool wait,
		     char *err, size_t errlen)
{
	struct citem it;
	__u8 *fresh = NULL;
	int rc = 0;

	memset(&it, 0, sizeof(it));
	if (block && s->ob_count) {
		/* A buffer for the next open block first: nothing is lost without. */
		fresh = buf_get(s);
		if (!fresh)
			return strata_seterr(err, errlen, ENOMEM, "store: out of memory");
		rc = take_open(s, &it.b, err, errlen);
		if (rc) {
			pthread_mutex_lock(&s->mu);
			buf_put_locked(s, fresh);
			pthread_mutex_unlock(&s->mu);
			return rc;
		}
		s->ob = fresh;
	}
	it.mfs = s->pmfs;
	it.nmfs = s->npmfs;
	s->pmfs = NULL;
	s->npmfs = s->pmfs_cap = 0;
	if (!it.b.buf && !it.nmfs && !ticket)
		return 0;
	pthread_mutex_lock(&s->mu);
	while (s->cq_n == CQ_MAX)
		pthread_cond_wait(&s->done, &s->mu);
	if (ticket)
		it.ticket = ++s->tickets;
	it.wait = wait;
	s->cq[(s->cq_head + s->cq_n) % CQ_MAX] = it;
	s->cq_n++;
	pthread_cond_signal(&s->work);
	if (wait) {
		while (s->ticket_done < it.ticket)
			pthread_cond_wait(&s->done, &s->mu);
		rc = s->wait_rc;
		if (rc)
			strata_seterr(err, errlen, -rc, "%s", s->wait_err);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* Commits what is queued, when there is anything to commit. */
static int commit_pending(struct strata_store *s, char *err, size_t errlen)
{
	static const struct strata_store_counters zero;

	if (!s->nsealed && !s->nmfs && !memcmp(&s->delta, &zero, sizeof(zero)))
		return 0;
	return commit_retry(s, err, errlen);
}

/*
 * The sealer thread: seals the blocks of the queue's items in order, while
 * the committer commits the ones before them.
 */
static void *sealer(void *arg)
{
	struct strata_store *s = arg;
	struct citem *slot;
	struct rawblk b;
	struct sealed sb;
	char err[256];
	int rc;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->cq_ready == s->cq_n && !s->stop)
			pthread_cond_wait(&s->work, &s->mu);
		if (s->cq_ready == s->cq_n)
			break;
		/* Neither the writer nor the committer touches an item not ready. */
		slot = &s->cq[(s->cq_head + s->cq_ready) % CQ_MAX];
		b = slot->b;
		pthread_mutex_unlock(&s->mu);

		err[0] = '\0';
		rc = 0;
		memset(&sb, 0, sizeof(sb));
		if (b.buf)
			rc = seal_block(s, &b, &sb, err, sizeof(err));
		free(b.r);

		pthread_mutex_lock(&s->mu);
		if (b.buf)
			buf_put_locked(s, b.buf);
		slot->has_block = slot->b.buf && !rc;
		slot->seal_rc = rc;
		slot->seal_lost = rc ? slot->b.count : 0;
		snprintf(slot->seal_err, sizeof(slot->seal_err), "%s", err);
		slot->sb = sb;
		memset(&slot->b, 0, sizeof(slot->b));
		s->cq_ready++;
		pthread_cond_signal(&s->ready);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* The committer thread: queues sealed blocks and microflows, commits. */
static void *committer(void *arg)
{
	struct strata_store *s = arg;
	struct citem *it;
	char err[512];
	bool has_block, wait;
	__u64 ticket;
	int rc;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->cq_ready && !(s->stop && !s->cq_n))
			pthread_cond_wait(&s->ready, &s->mu);
		if (!s->cq_ready)
			break;
		/* The item stays in its slot, out of the writer's reach, until taken. */
		it = &s->cq[s->cq_head];
		pthread_mutex_unlock(&s->mu);

		err[0] = '\0';
		rc = 0;
		has_block = it->has_block;
		wait = it->wait;
		ticket = it->ticket;
		if (it->seal_rc) {
			s->delta.packets_dropped += it->seal_lost;
			s->delta.blocks_dropped++;
			rc = it->seal_rc;
			snprintf(err, sizeof(err), "%s", it->seal_err);
		} else if (has_block) {
			rc = queue_sealed(s, &it->sb, err, sizeof(err));
		}
		if (it->nmfs && mf_push(&s->mfs, &s->nmfs, &s->mfs_cap, it->mfs, it->nmfs)) {
			s->delta.microflows_dropped += it->nmfs;
			if (!rc)
				rc = strata_seterr(err, sizeof(err), ENOMEM,
						   "%u microflows dropped: out of memory", it->nmfs);
		}
		free(it->mfs);
		if (ticket || s->sealed_bytes >= s->mapsize / VALVE || s->nmfs >= MF_QUEUE_MAX) {
			int crc = commit_pending(s, rc ? NULL : err, rc ? 0 : sizeof(err));

			if (!rc)
				rc = crc;
		}

		pthread_mutex_lock(&s->mu);
		memset(it, 0, sizeof(*it));
		s->cq_head = (s->cq_head + 1) % CQ_MAX;
		s->cq_n--;
		s->cq_ready--;
		if (wait) {
			s->wait_rc = rc;
			snprintf(s->wait_err, sizeof(s->wait_err), "%s", err);
		} else if (rc && !s->bg_rc) {
			s->bg_rc = rc;
			snprintf(s->bg_err, sizeof(s->bg_err), "%s", err);
		}
		if (ticket)
			s->ticket_done = ticket;
		pthread_cond_broadcast(&s->done);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int strata_store_add_microflow(struct strata_store *s, const struct strata_mflow *mf,
			       const struct strata_mf_info *info,
			       char *err, size_t errlen)
{
	struct pending_mf m;
	int rc = writer(s, "add microflow", err, errlen);

	if (rc)
		return rc;
	if (!info->window_ns)
		return strata_seterr(err, errlen, EINVAL, "store add microflow: window of 0 ns");
	m.mf = *mf;
	m.info = *info;
	if (s->threaded) {
		if (mf_push(&s->pmfs, &s->npmfs, &s->pmfs_cap, &m, 1))
			return strata_seterr(err, errlen, ENOMEM, "store add microflow: out of memory");
		if (s->npmfs >= MF_QUEUE_MAX) {
			rc = hand_over(s, false, false, false, err, errlen);
			if (rc)
				return flush_err(err, errlen, rc, "add microflow");
		}
		return bg_take(s, "add microflow", err, errlen);
	}
	if (mf_push(&s->mfs, &s->nmfs, &s->mfs_cap, &m, 1))
		return strata_seterr(err, errlen, ENOMEM, "store add microflow: out of memory");
	if (s->nmfs >= MF_QUEUE_MAX)
		return flush_err(err, errlen, commit_retry(s, err, errlen), "add microflow");
	return 0;
}

static int flush(struct strata_store *s, bool wait, char *err, size_t errlen)
{
	int rc = writer(s, "flush", err, errlen);

	if (rc)
		return rc;
	if (s->threaded) {
		rc = hand_over(s, true, true, wait, err, errlen);
		if (rc)
			return flush_err(err, errlen, rc, "flush");
		return bg_take(s, "flush", err, errlen);
	}
	rc = seal(s, err, errlen);
	if (rc)
		return flush_err(err, errlen, rc, "flush");
	return flush_err(err, errlen, commit_pending(s, err, errlen), "flush");
}

int strata_store_flush(struct strata_store *s, char *err, size_t errlen)
{
	return flush(s, true, err, errlen);
}

int strata_store_flush_nowait(struct strata_store *s, char *err, size_t errlen)
{
	return flush(s, false, err, errlen);
}

int strata_store_tune_malloc(void)
{
	if (!mallopt(M_MMAP_THRESHOLD, 32 << 20) || !mallopt(M_TRIM_THRESHOLD, 1 << 30))
		return -EINVAL;
	return 0;
}

int strata_store_close(struct strata_store *s, char *err, size_t errlen)
{
	unsigned int i;
	int rc = 0;

	if (!s)
		return 0;
	if (s->opened && !s->o.readonly)
		rc = strata_store_flush(s, err, errlen);
	if (s->threaded) {
		threads_stop(s);
		free(s->pmfs);
	}
	if (s->opened && !s->o.readonly && s->wrote_mfs) {
		/*
		 * The writer of microflows has written the last of them: every
		 * flow window closes (a handle that only pins leaves them open).
		 */
		int crc;

		s->closing = true;
		crc = commit_retry(s, rc ? NULL : err, rc ? 0 : errlen);
		if (!rc)
			rc = flush_err(err, errlen, crc, "close");
	}
	for (i = 0; i < s->nsealed; i++)
		sealed_free(s, &s->sealed[i]);
	free(s->sealed);
	while (s->nbufs)
		free(s->bufs[--s->nbufs]);
	if (s->threaded) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->work);
		pthread_cond_destroy(&s->ready);
		pthread_cond_destroy(&s->done);
	}
	if (s->env)
		mdb_env_close(s->env);
	while (s->npool)
		free(s->pool[--s->npool]);
	free(s->mfs);
	free(s->wb.b);
	free(s->wb.off);
	free(s->wb.rbuf);
	free(s->cpus);
	free(s->ob);
	free(s->scratch);
	free(s->grp);
	ZSTD_freeCCtx(s->cctx);
	free(s->path);
	free(s);
	return rc;
}

/* ---- pins ---- */

/* Ends a writer call's own transaction: aborted on @rc, else committed (and synced). */
static int txn_finish(struct strata_store *s, MDB_txn *txn, int rc, const char *op,
		      char *err, size_t errlen)
{
	if (rc) {
		mdb_txn_abort(txn);
		return flush_err(err, errlen, rc, op);
	}
	rc = mdb_txn_commit(txn);
	if (!rc && s->o.sync)
		rc = mdb_env_sync(s->env, 1);
	return rc ? lmdb_err(err, errlen, rc, "store %s: commit", op) : 0;
}

static int rtxn(struct strata_store *s, MDB_txn **txn, const char *op, char *err, size_t errlen)
{
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);

	return rc ? lmdb_err(err, errlen, rc, "store %s", op) : 0;
}

int strata_store_pin(struct strata_store *s, __u64 t1, __u64 t2, const char *label,
		     __u64 *id, char *err, size_t errlen)
{
	struct pinset ps;
	struct pin_val pv;
	struct state st;
	struct key k;
	MDB_txn *txn;
	MDB_val v;
	__u64 total;
	int rc = writer(s, "pin", err, errlen);

	if (rc)
		return rc;
	if (t1 > t2)
		return strata_seterr(err, errlen, EINVAL, "store pin: start %llu after end %llu",
				     (unsigned long long)t1, (unsigned long long)t2);
	if (label && strlen(label) >= STRATA_STORE_LABEL_MAX)
		return strata_seterr(err, errlen, EINVAL, "store pin: label longer than %d bytes",
				     STRATA_STORE_LABEL_MAX - 1);
	memset(&pv, 0, sizeof(pv));
	pv.t1 = t1;
	pv.t2 = t2;
	pv.created_ns = now_ns();
	if (label)
		memcpy(pv.label, label, strlen(label));
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return lmdb_err(err, errlen, rc, "store pin");
	rc = state_get(s, txn, &st, err, errlen);
	if (!rc)
		rc = pins_load(s, txn, &ps, err, errlen);
	if (!rc && ps.n == STRATA_STORE_PINS_MAX)
		rc = strata_seterr(err, errlen, ENOSPC, "%d pins in force already",
				   STRATA_STORE_PINS_MAX);
	if (!rc) {
		memset(&ps.p[ps.n], 0, sizeof(ps.p[ps.n]));
		ps.p[ps.n].id = st.next_pin;
		ps.p[ps.n].v = pv;
		ps.n++;
		rc = pins_apply(s, txn, &st, &ps, ~0ULL, &total, err, errlen);
	}
	if (!rc && total > s->mapsize / 2)
		rc = strata_seterr(err, errlen, ENOSPC,
				   "the pins would hold %llu bytes, more than half the budget (%llu)",
				   (unsigned long long)total, (unsigned long long)(s->mapsize / 2));
	if (!rc) {
		v.mv_data = &pv;
		v.mv_size = sizeof(pv);
		rc = mdb_put(txn, s->meta, pin_key(&k, st.next_pin), &v, 0);
		if (rc)
			rc = lmdb_err(err, errlen, rc, "put");
	}
	if (!rc) {
		if (id)
			*id = st.next_pin;
		st.next_pin++;
		rc = state_put(s, txn, &st, err, errlen);
	}
	return txn_finish(s, txn, rc, "pin", err, errlen);
}

int strata_store_unpin(struct strata_store *s, __u64 id, char *err, size_t errlen)
{
	struct state st;
	struct key k;
	MDB_txn *txn;
	int rc = writer(s, "unpin", err, errlen);

	if (rc)
		return rc;
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return lmdb_err(err, errlen, rc, "store unpin");
	rc = state_get(s, txn, &st, err, errlen);
	if (!rc) {
		rc = mdb_del(txn, s->meta, pin_key(&k, id), NULL);
		if (rc == MDB_NOTFOUND)
			rc = strata_seterr(err, errlen, ENOENT, "no pin %llu", (unsigned long long)id);
		else if (rc)
			rc = lmdb_err(err, errlen, rc, "pin %llu", (unsigned long long)id);
	}
	if (!rc)
		rc = retention(s, txn, &st, 0, 0, err, errlen);
	if (!rc)
		rc = state_put(s, txn, &st, err, errlen);
	return txn_finish(s, txn, rc, "unpin", err, errlen);
}

int strata_store_pins(struct strata_store *s, strata_store_pin_fn fn, void *arg,
		      char *err, size_t errlen)
{
	struct strata_store_pin out;
	struct pinset ps;
	struct state st;
	MDB_txn *txn;
	unsigned int i;
	__u64 total;
	int rc = rtxn(s, &txn, "pins", err, errlen);

	if (rc)
		return rc;
	rc = state_get(s, txn, &st, err, errlen);
	if (!rc)
		rc = pins_load(s, txn, &ps, err, errlen);
	if (!rc)
		rc = pins_apply(s, txn, &st, &ps, ~0ULL, &total, err, errlen);
	mdb_txn_abort(txn);
	if (rc)
		return flush_err(err, errlen, rc, "pins");
	for (i = 0; i < ps.n; i++) {
		memset(&out, 0, sizeof(out));
		out.id = ps.p[i].id;
		out.t1 = ps.p[i].v.t1;
		out.t2 = ps.p[i].v.t2;
		out.created_ns = ps.p[i].v.created_ns;
		out.bytes = ps.p[i].bytes;
		memcpy(out.label, ps.p[i].v.label, sizeof(out.label));
		rc = fn(&out, arg);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	return 0;
}

/* ---- readers ---- */

/* The first (MDB_FIRST) or last (MDB_LAST) key of a table, or none. */
static int edge_key(MDB_txn *txn, MDB_dbi dbi, MDB_cursor_op op, MDB_val *k,
		    char *err, size_t errlen)
{
	MDB_cursor *c;
	MDB_val v;
	int rc = mdb_cursor_open(txn, dbi, &c);

	if (rc)
		return lmdb_err(err, errlen, rc, "cursor");
	rc = cursor_step(c, k, &v, op, 0, "cursor", err, errlen);
	mdb_cursor_close(c);
	return rc;
}

int strata_store_info(struct strata_store *s, struct strata_store_info *info,
		      char *err, size_t errlen)
{
	struct pinset ps;
	struct state st;
	MDB_envinfo ei;
	MDB_stat ms;
	MDB_txn *txn;
	MDB_val k;
	__u64 n;
	int rc = rtxn(s, &txn, "info", err, errlen);

	if (rc)
		return rc;
	memset(info, 0, sizeof(*info));
	info->version = STRATA_STORE_VERSION;
	rc = state_get(s, txn, &st, err, errlen);
	if (!rc)
		rc = meta_get(s, txn, "codec", &info->codec, sizeof(info->codec), err, errlen);
	if (!rc)
		rc = meta_get(s, txn, "created", &info->created_ns, sizeof(info->created_ns),
			      err, errlen);
	if (!rc)
		rc = pins_load(s, txn, &ps, err, errlen);
	if (!rc)
		rc = used_bytes(s, txn, &info->used_bytes, err, errlen);
	if (rc)
		goto out;
	info->snaplen = st.snaplen;
	info->pins = ps.n;
	info->last_commit_ns = st.last_commit_ns;
	info->last_ts = st.newest_ts;
	info->c = st.c;
	info->packets = st.c.packets_written - st.c.packets_removed;
	rc = mdb_stat(txn, s->bat, &ms);
	if (!rc) {
		info->blocks = ms.ms_entries;
		rc = mdb_stat(txn, s->mflow, &ms);
		info->microflows = ms.ms_entries;
	}
	if (!rc) {
		rc = mdb_stat(txn, s->flow, &ms);
		info->flows = ms.ms_entries;
	}
	if (rc) {
		rc = lmdb_err(err, errlen, rc, "statistics");
		goto out;
	}
	info->flows_through = st.flows_through;
	rc = open_flows_count(s, txn, st.flows_through, &n, err, errlen);
	if (rc < 0)
		goto out;
	info->flows += n;
	rc = edge_key(txn, s->time, MDB_FIRST, &k, err, errlen);
	if (rc > 0 && k.mv_size == 16)
		info->first_ts = strata_be64_get(k.mv_data);
	if (rc >= 0)
		rc = edge_key(txn, s->bat, MDB_FIRST, &k, err, errlen);
	if (rc > 0 && k.mv_size == 8)
		info->first_block = strata_be64_get(k.mv_data);
	if (rc >= 0)
		rc = edge_key(txn, s->bat, MDB_LAST, &k, err, errlen);
	if (rc > 0 && k.mv_size == 8)
		info->last_block = strata_be64_get(k.mv_data);
	if (rc > 0)
		rc = 0;
	mdb_env_info(s->env, &ei);
	info->budget = ei.me_mapsize;
	info->file_bytes = ((__u64)ei.me_last_pgno + 1) * s->psize;
out:
	mdb_txn_abort(txn);
	return flush_err(err, errlen, rc, "info");
}

int strata_store_blocks(struct strata_store *s, __u64 t1, __u64 t2,
			strata_store_block_fn fn, void *arg, char *err, size_t errlen)
{
	struct strata_store_range *r = NULL;
	unsigned int nr = 0;
	struct strata_store_block out;
	struct bwalk w;
	struct bat b;
	struct state st;
	MDB_txn *txn;
	int rc;

	if (t1 > t2)
		return strata_seterr(err, errlen, EINVAL, "store blocks: start after end");
	rc = rtxn(s, &txn, "blocks", err, errlen);
	if (rc)
		return rc;
	rc = state_get(s, txn, &st, err, errlen);
	if (!rc)
		rc = bwalk_begin(&w, s, txn, &st, t1, t2, err, errlen);
	if (rc)
		goto out;
	while ((rc = bwalk_next(&w, &b, err, errlen)) > 0) {
		/* Aligned copies of the ranges, for the caller. */
		if (b.h.nranges > nr) {
			struct strata_store_range *p = realloc(r, b.h.nranges * sizeof(*r));

			if (!p) {
				rc = strata_seterr(err, errlen, ENOMEM, "out of memory");
				break;
			}
			r = p;
			nr = b.h.nranges;
		}
		if (b.h.nranges)
			memcpy(r, b.ranges, (size_t)b.h.nranges * sizeof(*r));
		memset(&out, 0, sizeof(out));
		out.id = b.id;
		out.first_ts = b.h.first_ts;
		out.last_ts = b.h.last_ts;
		out.packets = b.h.packets;
		out.raw_bytes = b.h.raw_bytes;
		out.stored_bytes = b.h.stored_bytes;
		out.codec = b.h.codec;
		out.data_codec = b.h.data_codec;
		out.nranges = b.h.nranges;
		out.ranges = r;
		rc = fn(&out, arg);
		if (rc > 0) {
			rc = 0;
			break;
		}
	}
	bwalk_end(&w);
out:
	free(r);
	mdb_txn_abort(txn);
	return rc < 0 ? flush_err(err, errlen, rc, "blocks") : 0;
}

/* One block being read: its records, validated, and the one at @off. */
struct bcur {
	__u64 id;
	const __u8 *heads;	/* count records' heads */
	const __u8 *data;	/* their packet bytes, one after the other */
	__u8 *own;		/* the decompressed sections, or NULL */
	__u32 count;
	__u32 i;		/* the current record */
	__u32 doff;		/* its bytes at @data + @doff */
	__u32 caplen;
	__u64 ts;
	__u32 cpu;
	__u64 seq;
};

static void bcur_load_rec(struct bcur *c)
{
	const __u8 *h = c->heads + (size_t)c->i * HEAD;
	struct strata_rec r;

	memcpy(&r, h, sizeof(r));
	memcpy(&c->ts, h + HEAD_TS, sizeof(c->ts));
	memcpy(&c->caplen, h + HEAD_CAPLEN, sizeof(c->caplen));
	c->cpu = r.pad;
	c->seq = r.seq;
}

/* Return: true while a record is left. */
static bool bcur_next(struct bcur *c)
{
	c->doff += c->caplen;
	if (++c->i >= c->count)
		return false;
	bcur_load_rec(c);
	return true;
}

static int bad_block(char *err, size_t errlen, __u64 id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad_block(char *err, size_t errlen, __u64 id, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return strata_seterr(err, errlen, EBADMSG, "block %llu: %s", (unsigned long long)id, what);
}

/* Every record's framing and fields, before any is handed out. */
static int records_check(const struct bcur *c, const struct blk_hdr *bh, char *err,
			 size_t errlen)
{
	struct strata_rec h;
	struct strata_rec_packet p;
	__u64 pts = 0, pseq = 0, raw = 0, data = 0;
	__u32 n, pcpu = 0;

	for (n = 0; n < c->count; n++) {
		memcpy(&h, c->heads + (size_t)n * HEAD, sizeof(h));
		memcpy(&p, c->heads + (size_t)n * HEAD + REC_HDR, sizeof(p));
		if (h.type != STRATA_REC_PACKET)
			return bad_block(err, errlen, c->id, "record %u: type %u", n, h.type);
		if (h.len != ALIGN8(PKT_HDR + p.caplen))
			return bad_block(err, errlen, c->id, "record %u: length %u with caplen %u",
					 n, h.len, p.caplen);
		if (p.caplen > p.wire_len || p.caplen > STRATA_SNAPLEN_MAX || p.nseg > NSEG_MAX)
			return bad_block(err, errlen, c->id,
					 "record %u: caplen %u, wire_len %u, nseg %u", n, p.caplen,
					 p.wire_len, p.nseg);
		if (h.pad > 0xffff || h.seq > POS_SEQ_MASK)
			return bad_block(err, errlen, c->id, "record %u: cpu %u, seq %llu", n, h.pad,
					 (unsigned long long)h.seq);
		if (p.ts_ns < bh->first_ts || p.ts_ns > bh->last_ts)
			return bad_block(err, errlen, c->id, "record %u: time %llu outside the block's",
					 n, (unsigned long long)p.ts_ns);
		if (n && (p.ts_ns < pts || (p.ts_ns == pts && (h.pad < pcpu ||
			  (h.pad == pcpu && h.seq < pseq)))))
			return bad_block(err, errlen, c->id, "record %u out of order", n);
		pts = p.ts_ns;
		pcpu = h.pad;
		pseq = h.seq;
		raw += h.len;
		data += p.caplen;
	}
	if (raw != bh->raw_len || data != bh->data_raw)
		return bad_block(err, errlen, c->id,
				 "records of %llu bytes with %llu packet bytes, header says %u and %u",
				 (unsigned long long)raw, (unsigned long long)data, bh->raw_len,
				 bh->data_raw);
	return 0;
}

/*
 * One section of block @id: @len bytes at @src stored with @codec, @raw
 * bytes once decoded; *@out points to them, in the map or at @dst.
 */
static int section(ZSTD_DCtx *dctx, __u64 id, const char *what, __u8 codec,
		   const __u8 *src, __u32 len, __u32 raw, __u8 *dst, const __u8 **out,
		   char *err, size_t errlen)
{
	unsigned long long fs;
	size_t n;

	switch (codec) {
	case STRATA_STORE_CODEC_NONE:
		if (len != raw)
			return bad_block(err, errlen, id, "%s: %u bytes, %u expected", what, len, raw);
		*out = src;
		return 0;
	case STRATA_STORE_CODEC_ZSTD:
		fs = ZSTD_getFrameContentSize(src, len);
		if (fs != raw)
			return bad_block(err, errlen, id, "%s: zstd frame of %llu bytes, %u expected",
					 what, fs, raw);
		n = ZSTD_decompressDCtx(dctx, dst, raw, src, len);
		if (ZSTD_isError(n) || n != raw)
			return bad_block(err, errlen, id, "%s: zstd: %s", what,
					 ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame");
		*out = dst;
		return 0;
	default:
		return bad_block(err, errlen, id, "%s: codec %u", what, codec);
	}
}

/* Reads and checks a block; @c->own is set when a section was decompressed. */
static int block_load(struct strata_store *s, MDB_txn *txn, ZSTD_DCtx *dctx,
		      const struct bat *b, struct bcur *c, char *err, size_t errlen)
{
	struct blk_hdr bh, zh;
	struct key k;
	MDB_val v;
	const __u8 *val;
	__u32 heads;
	int rc;

	memset(c, 0, sizeof(*c));
	c->id = b->id;
	rc = mdb_get(txn, s->blocks, key_id(&k, b->id), &v);
	if (rc == MDB_NOTFOUND)
		return bad_block(err, errlen, b->id, "in the block table, not stored");
	if (rc)
		return lmdb_err(err, errlen, rc, "block %llu", (unsigned long long)b->id);
	val = v.mv_data;
	if (v.mv_size < BLK_HDR)
		return bad_block(err, errlen, b->id, "%zu bytes, less than a header", v.mv_size);
	memcpy(&bh, val, sizeof(bh));
	if (bh.magic != BLK_MAGIC)
		return bad_block(err, errlen, b->id, "bad magic 0x%08x", bh.magic);
	if (bh.version != BLK_VERSION)
		return bad_block(err, errlen, b->id, "version %u", bh.version);
	zh = bh;
	zh.xxh = 0;
	{
		/* The checksum with its own field zeroed: hash a copy's header. */
		__u64 x = XXH64(val + BLK_HDR, v.mv_size - BLK_HDR, XXH64(&zh, BLK_HDR - 8, 0));

		if (x != bh.xxh)
			return bad_block(err, errlen, b->id, "checksum mismatch");
	}
	if (bh.id != b->id || bh.first_ts != b->h.first_ts || bh.last_ts != b->h.last_ts ||
	    bh.count != b->h.packets || bh.raw_len != b->h.raw_bytes)
		return bad_block(err, errlen, b->id, "header disagrees with the block table");
	if (!bh.count || bh.raw_len > STRATA_STORE_BLOCK_MAX || bh.zero ||
	    bh.count > bh.raw_len / HEAD || bh.data_raw > bh.raw_len - bh.count * HEAD)
		return bad_block(err, errlen, b->id, "%u records in %u bytes, %u of them packet bytes",
				 bh.count, bh.raw_len, bh.data_raw);
	if ((__u64)bh.head_len + bh.data_len != v.mv_size - BLK_HDR)
		return bad_block(err, errlen, b->id, "sections of %u and %u bytes in %zu",
				 bh.head_len, bh.data_len, v.mv_size - BLK_HDR);
	heads = bh.count * (__u32)HEAD;
	c->count = bh.count;
	if (bh.codec != STRATA_STORE_CODEC_NONE || bh.data_codec != STRATA_STORE_CODEC_NONE) {
		c->own = malloc(heads + bh.data_raw);
		if (!c->own)
			return strata_seterr(err, errlen, ENOMEM, "block %llu: out of memory",
					     (unsigned long long)b->id);
	}
	rc = section(dctx, b->id, "heads", bh.codec, val + BLK_HDR, bh.head_len, heads,
		     c->own, &c->heads, err, errlen);
	if (!rc)
		rc = section(dctx, b->id, "packet bytes", bh.data_codec,
			     val + BLK_HDR + bh.head_len, bh.data_len, bh.data_raw,
			     c->own ? c->own + heads : NULL, &c->data, err, errlen);
	if (!rc)
		rc = records_check(c, &bh, err, errlen);
	if (rc) {
		free(c->own);
		c->own = NULL;
		return rc;
	}
	bcur_load_rec(c);
	return 0;
}

static bool bcur_before(const struct bcur *a, const struct bcur *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts;
	if (a->cpu != b->cpu)
		return a->cpu < b->cpu;
	if (a->seq != b->seq)
		return a->seq < b->seq;
	return a->id < b->id;
}

/* A binary min-heap of open blocks by their current record. */
struct bheap {
	struct bcur *h[MERGE_MAX];
	unsigned int n;
};

static void heap_push(struct bheap *hp, struct bcur *c)
{
	unsigned int i = hp->n++;

	while (i && bcur_before(c, hp->h[(i - 1) / 2])) {
		hp->h[i] = hp->h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	hp->h[i] = c;
}

static struct bcur *heap_pop(struct bheap *hp)
{
	struct bcur *top = hp->h[0], *last = hp->h[--hp->n];
	unsigned int i = 0, ch;

	for (;;) {
		ch = 2 * i + 1;
		if (ch >= hp->n)
			break;
		if (ch + 1 < hp->n && bcur_before(hp->h[ch + 1], hp->h[ch]))
			ch++;
		if (!bcur_before(hp->h[ch], last))
			break;
		hp->h[i] = hp->h[ch];
		i = ch;
	}
	if (hp->n)
		hp->h[i] = last;
	return top;
}

struct pq {
	struct strata_store *s;
	MDB_txn *txn;
	ZSTD_DCtx *dctx;
	__u64 t1, t2;
	bool conv;
	struct strata_flow_key canon;
	struct bcur slot[MERGE_MAX];
	struct bcur *free[MERGE_MAX];
	unsigned int nfree;
	struct bheap heap;
	unsigned int corrupt;
	char first_bad[256];
};

/* Opens block @b into the merge, at its first record in [t1, t2]. */
static int pq_add(struct pq *q, const struct bat *b, char *err, size_t errlen)
{
	struct bcur *c = q->free[--q->nfree];
	char why[256];
	int rc = block_load(q->s, q->txn, q->dctx, b, c, why, sizeof(why));

	if (rc) {
		q->free[q->nfree++] = c;
		if (rc != -EBADMSG)
			return strata_seterr(err, errlen, -rc, "%s", why);
		/* Keep the first cause; go on with the other blocks. */
		if (!q->corrupt++)
			snprintf(q->first_bad, sizeof(q->first_bad), "%s", why);
		return 0;
	}
	while (c->ts < q->t1)
		if (!bcur_next(c))
			break;
	if (c->i < c->count && c->ts >= q->t1 && c->ts <= q->t2) {
		heap_push(&q->heap, c);
	} else {
		free(c->own);
		c->own = NULL;
		q->free[q->nfree++] = c;
	}
	return 0;
}

static int pq_emit(struct pq *q, const struct bcur *c, strata_store_rec_fn fn, void *arg)
{
	struct strata_rec_packet p;
	struct strata_store_rec r;
	struct strata_flow_key k;

	memcpy(&p, c->heads + (size_t)c->i * HEAD + REC_HDR, sizeof(p));
	if (q->conv) {
		flow_key_of(p.saddr, p.daddr, p.sport, p.dport, p.proto, p.family, &k);
		if (memcmp(&k, &q->canon, sizeof(k)))
			return 0;
	}
	r.block = c->id;
	r.cpu = c->cpu;
	r.seq = c->seq;
	r.pkt = &p;
	r.data = c->data + c->doff;
	return fn(&r, arg);
}

int strata_store_packets(struct strata_store *s, __u64 t1, __u64 t2,
			 const struct strata_flow_key *conv,
			 strata_store_rec_fn fn, void *arg, char *err, size_t errlen)
{
	struct pq *q;
	struct state st;
	struct bwalk w;
	struct bat nb;
	struct bcur *c;
	bool walking = false;
	int rc, more;
	unsigned int i;

	if (t1 > t2)
		return strata_seterr(err, errlen, EINVAL, "store packets: start after end");
	q = calloc(1, sizeof(*q));
	if (!q)
		return strata_seterr(err, errlen, ENOMEM, "store packets: out of memory");
	q->s = s;
	q->t1 = t1;
	q->t2 = t2;
	if (conv) {
		q->conv = true;
		strata_store_canon_key(conv, &q->canon);
	}
	for (i = 0; i < MERGE_MAX; i++)
		q->free[q->nfree++] = &q->slot[i];
	q->dctx = ZSTD_createDCtx();
	rc = q->dctx ? rtxn(s, &q->txn, "packets", err, errlen) :
		strata_seterr(err, errlen, ENOMEM, "store packets: out of memory");
	if (rc) {
		ZSTD_freeDCtx(q->dctx);
		free(q);
		return rc;
	}
	rc = state_get(s, q->txn, &st, err, errlen);
	if (!rc)
		rc = bwalk_begin(&w, s, q->txn, &st, t1, t2, err, errlen);
	if (rc)
		goto out;
	walking = true;
	if (conv) {
		w.conv = true;
		w.conv_hash = conv_hash(&q->canon);
	}
	more = bwalk_next(&w, &nb, err, errlen);
	for (;;) {
		/*
		 * Open the next block while it may hold a record before the
		 * earliest one pending: blocks come by first_ts, so what is
		 * handed out is in time order across blocks.
		 */
		while (more > 0 && q->nfree &&
		       (!q->heap.n || nb.h.first_ts <= q->heap.h[0]->ts)) {
			rc = pq_add(q, &nb, err, errlen);
			if (rc)
				goto out;
			more = bwalk_next(&w, &nb, err, errlen);
		}
		if (more < 0) {
			rc = more;
			goto out;
		}
		if (!q->heap.n)
			break;
		c = heap_pop(&q->heap);
		rc = pq_emit(q, c, fn, arg);
		if (rc)
			goto out;
		if (bcur_next(c) && c->ts <= t2) {
			heap_push(&q->heap, c);
		} else {
			free(c->own);
			c->own = NULL;
			q->free[q->nfree++] = c;
		}
	}
out:
	if (walking)
		bwalk_end(&w);
	for (i = 0; i < MERGE_MAX; i++)
		free(q->slot[i].own);
	mdb_txn_abort(q->txn);
	ZSTD_freeDCtx(q->dctx);
	if (rc > 0)
		rc = 0;
	if (rc < 0)
		rc = flush_err(err, errlen, rc, "packets");
	else if (q->corrupt)
		rc = strata_seterr(err, errlen, EBADMSG, "store packets: %s (%u corrupt block%s in the range, skipped)",
				   q->first_bad, q->corrupt, q->corrupt > 1 ? "s" : "");
	free(q);
	return rc;
}

static int mf_emit(struct strata_store *s, MDB_txn *txn, const struct state *st,
		   const MDB_val *k, const MDB_val *v, __u64 t1, strata_store_mflow_fn fn,
		   void *arg, char *err, size_t errlen)
{
	struct strata_store_mflow out;
	struct mf_val m;
	__u64 ws;
	int rc = mf_val_parse(k, v, &m, err, errlen);

	if (rc)
		return rc;
	ws = strata_be64_get(k->mv_data);
	if (ws + m.window_ns <= t1)
		return 0;
	memset(&out, 0, sizeof(out));
	out.mf = m.mf;
	out.info.has_seq = m.flags & MF_HAS_SEQ;
	out.info.has_ring = m.flags & MF_HAS_RING;
	out.info.seq = m.seq;
	out.info.key_hash = m.key_hash;
	out.info.window_ns = m.window_ns;
	out.info.generation = m.generation;
	out.info.ring_first = m.ring_first;
	out.info.ring_last = m.ring_last;
	out.first_block = m.first_block;
	out.last_block = m.last_block;
	/* Records still in a ring when the microflow was stored came later. */
	if (out.info.has_ring && (!out.first_block || !out.last_block)) {
		rc = resolve_blocks(s, txn, st, ws, m.window_ns, m.ring_first, m.ring_last,
				    &out.first_block, &out.last_block, err, errlen);
		if (rc)
			return rc;
	}
	return fn(&out, arg);
}

/*
 * Steps @c (at @k, in window @fw, hash @kh) on to the first entry of hash
 * @h in that window or a later one.
 * Return: 1 with @k that entry's key, 0 at the end of the index, or -errno.
 */
static int conv_skip(MDB_cursor *c, MDB_val *k, __u64 fw, __u64 kh, __u64 h,
		     char *err, size_t errlen)
{
	struct key pos;
	MDB_val v;

	if (kh > h) {
		if (fw > ~0ULL - STRATA_STORE_FLOW_WINDOW_NS)
			return 0;
		fw += STRATA_STORE_FLOW_WINDOW_NS;
	}
	*k = *conv_seek(&pos, fw, h);
	return cursor_step(c, k, &v, MDB_SET_RANGE, 32, "conversation index", err, errlen);
}

/*
 * The microflows of one conversation (hash @h, key @canon) whose windows
 * start in [@from, @t2], through the conversation index: one seek per flow
 * window that holds some of them.
 */
static int conv_microflows(struct strata_store *s, MDB_txn *txn, const struct state *st,
			   const struct strata_flow_key *canon, __u64 h, __u64 from,
			   __u64 t1, __u64 t2, strata_store_mflow_fn fn, void *arg,
			   char *err, size_t errlen)
{
	struct strata_flow_key got;
	struct key mk;
	MDB_cursor *c;
	MDB_val k, v, mv;
	int rc;

	rc = conv_at(s, txn, flow_window(from), h, &c, &k, err, errlen);
	if (rc < 0)
		return rc;
	while (rc > 0) {
		const __u8 *p = k.mv_data;
		__u64 fw = strata_be64_get(p), kh = strata_be64_get(p + 8), ws = strata_be64_get(p + 16);

		if (fw > t2 || (kh == h && ws > t2))
			break;
		if (kh != h) {
			rc = conv_skip(c, &k, fw, kh, h, err, errlen);
			continue;
		}
		if (ws >= from) {
			rc = mdb_get(txn, s->mflow, key3(&mk, 3, ws, h, strata_be64_get(p + 24)), &mv);
			if (rc == MDB_NOTFOUND) {
				rc = strata_seterr(err, errlen, EBADMSG,
						   "conversation index names a missing microflow");
				break;
			}
			if (rc) {
				rc = lmdb_err(err, errlen, rc, "microflow");
				break;
			}
			/* A hash collision is another conversation. */
			if (mv.mv_size == sizeof(struct mf_val) || mv.mv_size == MF_VAL_V5) {
				memcpy(&got, (const __u8 *)mv.mv_data +
				       offsetof(struct mf_val, mf) + offsetof(struct strata_mflow, key),
				       sizeof(got));
				strata_store_canon_key(&got, &got);
			}
			if ((mv.mv_size != sizeof(struct mf_val) && mv.mv_size != MF_VAL_V5) ||
			    !memcmp(&got, canon, sizeof(got)))
				rc = mf_emit(s, txn, st, &mk.v, &mv, t1, fn, arg, err, errlen);
			if (rc)
				break;
		}
		rc = cursor_step(c, &k, &v, MDB_NEXT, 32, "conversation index", err, errlen);
	}
	mdb_cursor_close(c);
	return rc;
}

int strata_store_microflows(struct strata_store *s, const struct strata_flow_key *conv,
			    __u64 t1, __u64 t2, strata_store_mflow_fn fn, void *arg,
			    char *err, size_t errlen)
{
	struct strata_flow_key canon;
	struct state st;
	struct key pos;
	MDB_cursor *c = NULL;
	MDB_txn *txn;
	MDB_cursor_op op;
	MDB_val k, v;
	__u64 from;
	int rc;

	if (t1 > t2)
		return strata_seterr(err, errlen, EINVAL, "store microflows: start after end");
	rc = rtxn(s, &txn, "microflows", err, errlen);
	if (rc)
		return rc;
	rc = state_get(s, txn, &st, err, errlen);
	if (rc)
		goto out;
	/* A window that overlaps t1 started at most the longest window before. */
	from = sat_sub(t1, st.max_window_ns);
	if (conv) {
		strata_store_canon_key(conv, &canon);
		rc = conv_microflows(s, txn, &st, &canon, conv_hash(&canon), from, t1, t2, fn,
				     arg, err, errlen);
		goto out;
	}
	rc = mdb_cursor_open(txn, s->mflow, &c);
	if (rc) {
		rc = lmdb_err(err, errlen, rc, "cursor");
		goto out;
	}
	k = *key3(&pos, 1, from, 0, 0);
	for (op = MDB_SET_RANGE;; op = MDB_NEXT) {
		rc = cursor_step(c, &k, &v, op, 24, "microflows", err, errlen);
		if (rc <= 0)
			break;
		if (strata_be64_get(k.mv_data) > t2)
			break;
		rc = mf_emit(s, txn, &st, &k, &v, t1, fn, arg, err, errlen);
		if (rc)
			break;
	}
out:
	if (c)
		mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return rc < 0 ? flush_err(err, errlen, rc, "microflows") : 0;
}

/* ---- location flows ---- */

static int flow_emit(const MDB_val *v, const struct strata_flow_key *canon,
		     strata_store_flow_fn fn, void *arg, char *err, size_t errlen)
{
	struct strata_store_flow f;
	int rc = flow_parse(v, &f, err, errlen);

	if (rc)
		return rc;
	/* A hash collision is another conversation. */
	if (canon && memcmp(&f.key, canon, sizeof(*canon)))
		return 0;
	return fn(&f, arg);
}

/*
 * The flows of the open flow windows [@fw, @t2] (those not in the flow
 * table yet), summed from the conversation index: all of them, or the
 * conversation @canon's (hash @h).
 */
static int open_flows(struct strata_store *s, MDB_txn *txn, const struct strata_flow_key *canon,
		      __u64 h, __u64 fw, __u64 t2, strata_store_flow_fn fn, void *arg,
		      char *err, size_t errlen)
{
	struct strata_store_flow f;
	MDB_cursor *c;
	MDB_val k;
	int rc;

	rc = conv_at(s, txn, fw, h, &c, &k, err, errlen);
	if (rc < 0)
		return rc;
	while (rc > 0) {
		__u64 kh = strata_be64_get((const __u8 *)k.mv_data + 8);

		fw = strata_be64_get(k.mv_data);
		if (fw > t2)
			break;
		if (canon && kh != h) {
			rc = conv_skip(c, &k, fw, kh, h, err, errlen);
			continue;
		}
		rc = conv_group(s, txn, c, &k, &f, err, errlen);
		/* A hash collision is another conversation. */
		if (rc >= 0 && (!canon || !memcmp(&f.key, canon, sizeof(*canon)))) {
			int frc = fn(&f, arg);

			if (frc) {
				rc = frc;
				break;
			}
		}
	}
	mdb_cursor_close(c);
	return rc;
}

int strata_store_flows(struct strata_store *s, const struct strata_flow_key *conv,
		       __u64 t1, __u64 t2, strata_store_flow_fn fn, void *arg,
		       char *err, size_t errlen)
{
	struct strata_flow_key canon;
	struct state st;
	MDB_cursor *c = NULL;
	MDB_cursor_op op;
	MDB_txn *txn;
	struct key pos;
	MDB_val k, v;
	__u64 fw, h = 0, hi;
	int rc;

	if (t1 > t2)
		return strata_seterr(err, errlen, EINVAL, "store flows: start after end");
	rc = rtxn(s, &txn, "flows", err, errlen);
	if (rc)
		return rc;
	rc = state_get(s, txn, &st, err, errlen);
	if (rc)
		goto out;
	fw = flow_window(t1);
	if (conv) {
		strata_store_canon_key(conv, &canon);
		h = conv_hash(&canon);
	}
	/* Closed windows, before flows_through: the flow table. */
	hi = st.flows_through && st.flows_through - 1 < t2 ? st.flows_through - 1 : t2;
	if (fw < st.flows_through && conv) {
		__u64 last = 0;
		int e;

		/* One lookup per flow window of the range the table covers. */
		e = edge_key(txn, s->flow, MDB_FIRST, &k, err, errlen);
		if (e > 0 && k.mv_size == 16 && strata_be64_get(k.mv_data) > fw)
			fw = strata_be64_get(k.mv_data);
		if (e > 0)
			e = edge_key(txn, s->flow, MDB_LAST, &k, err, errlen);
		if (e > 0 && k.mv_size == 16)
			last = strata_be64_get(k.mv_data);
		if (e < 0) {
			rc = e;
			goto out;
		}
		if (last < hi)
			hi = last;
		for (; e > 0 && fw <= hi; fw += STRATA_STORE_FLOW_WINDOW_NS) {
			e = mdb_get(txn, s->flow, key3(&pos, 2, fw, h, 0), &v);
			if (e && e != MDB_NOTFOUND) {
				rc = lmdb_err(err, errlen, e, "flow");
				break;
			}
			if (!e && (rc = flow_emit(&v, &canon, fn, arg, err, errlen)) != 0)
				break;
			if (fw > ~0ULL - STRATA_STORE_FLOW_WINDOW_NS)
				break;
			e = 1;
		}
	} else if (fw < st.flows_through) {
		rc = mdb_cursor_open(txn, s->flow, &c);
		if (rc) {
			rc = lmdb_err(err, errlen, rc, "cursor");
			goto out;
		}
		k = *key3(&pos, 1, fw, 0, 0);
		for (op = MDB_SET_RANGE;; op = MDB_NEXT) {
			int e = cursor_step(c, &k, &v, op, 16, "flows", err, errlen);

			if (e < 0)
				rc = e;
			if (e <= 0 || strata_be64_get(k.mv_data) > hi)
				break;
			rc = flow_emit(&v, NULL, fn, arg, err, errlen);
			if (rc)
				break;
		}
	}
	/* Open windows: summed from the conversation index. */
	if (!rc && t2 >= st.flows_through)
		rc = open_flows(s, txn, conv ? &canon : NULL, h,
				flow_window(t1) > st.flows_through ? flow_window(t1) : st.flows_through,
				t2, fn, arg, err, errlen);
out:
	if (c)
		mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return flush_err(err, errlen, rc < 0 ? rc : 0, "flows");
}
