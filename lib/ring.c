// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copyright (C) 2026 The strata authors. */
/*
 * The packet ring reader: maps /dev/strata's per-CPU rings, validates every
 * record before use, and merges the rings by time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "ring.h"
#include "err.h"

/* No machine has more; a larger count is a broken answer. */
#define RINGS_MAX	65536

#define REC_HDR		sizeof(struct strata_rec)
#define PKT_HDR		(REC_HDR + sizeof(struct strata_rec_packet))
#define LOSS_LEN	(REC_HDR + sizeof(struct strata_rec_loss))

int strata_ring_attach(struct strata_ring *r, void *map, size_t map_size,
		       unsigned int cpu, char *err, size_t errlen)
{
	struct strata_ring_hdr *h = map;
	__u64 ds;

	memset(r, 0, sizeof(*r));
	if (map_size < sizeof(*h))
		return strata_seterr(err, errlen, EPROTO, "ring %u: mapping of %zu bytes, too small",
			      cpu, map_size);
	if (h->version != STRATA_RING_VERSION)
		return strata_seterr(err, errlen, EPROTO, "ring %u: version %u, expected %u",
			      cpu, h->version, STRATA_RING_VERSION);
	if (h->cpu != cpu)
		return strata_seterr(err, errlen, EPROTO, "ring %u: header says cpu %u",
			      cpu, h->cpu);
	ds = h->data_size;
	if (ds < 64 || (ds & (ds - 1)))
		return strata_seterr(err, errlen, EPROTO,
			      "ring %u: data size %llu is not a power of two",
			      cpu, (unsigned long long)ds);
	if (h->hdr_size < sizeof(*h) || h->hdr_size % 8 ||
	    h->hdr_size > map_size || ds > map_size - h->hdr_size)
		return strata_seterr(err, errlen, EPROTO,
			      "ring %u: header %u + data %llu bytes do not fit a mapping of %zu",
			      cpu, h->hdr_size, (unsigned long long)ds, map_size);
	r->hdr = h;
	r->data = (__u8 *)map + h->hdr_size;
	r->data_size = ds;
	r->cpu = cpu;
	/* Only the reader writes tail: a plain load sees its own stores. */
	r->pos = __atomic_load_n(&h->tail, __ATOMIC_RELAXED);
	r->head = r->pos;
	if (r->pos % 8)
		return strata_seterr(err, errlen, EPROTO, "ring %u: tail %llu not 8-byte aligned",
			      cpu, (unsigned long long)r->pos);
	return 0;
}

int strata_ring_begin(struct strata_ring *r, char *err, size_t errlen)
{
	/* Pairs with the producer's release of head: records before it are
	 * written before we read them. */
	__u64 head = __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE);

	if (head < r->pos || head - r->pos > r->data_size || head % 8)
		return strata_seterr(err, errlen, EBADMSG,
			      "ring %u: head %llu impossible with tail %llu and %llu bytes",
			      r->cpu, (unsigned long long)head,
			      (unsigned long long)r->pos,
			      (unsigned long long)r->data_size);
	r->head = head;
	return head != r->pos;
}

static int corrupt(const struct strata_ring *r, char *err, size_t errlen,
		   const char *what, unsigned long long v)
{
	return strata_seterr(err, errlen, EBADMSG, "ring %u: corrupt record at %llu: %s (%llu)",
		      r->cpu, (unsigned long long)r->pos, what, v);
}

/*
 * A record's sequence number @seq against the one expected: a jump forward
 * that no loss record explains becomes a GAP record (the record at @pos is
 * read again next time); a jump back is corruption.
 */
static int seq_check(struct strata_ring *r, __u64 seq, __u64 ts_ns,
		     struct strata_ring_rec *rec, char *err, size_t errlen)
{
	if (!seq)
		return corrupt(r, err, errlen, "sequence number", 0);
	if (!r->next_seq || seq == r->next_seq)
		return 0;
	if (seq < r->next_seq)
		return corrupt(r, err, errlen, "sequence number went back to", seq);
	memset(rec, 0, sizeof(*rec));
	rec->cpu = r->cpu;
	rec->type = STRATA_REC_GAP;
	rec->seq = r->next_seq;
	rec->lost = seq - r->next_seq;
	rec->ts_ns = ts_ns;
	rec->end = r->pos;
	r->next_seq = seq;
	return 1;
}

int strata_ring_next(struct strata_ring *r, struct strata_ring_rec *rec,
		     char *err, size_t errlen)
{
	struct strata_rec h;
	struct strata_rec_loss loss;
	const __u8 *p;
	__u64 avail, off;
	int rc;

	for (;;) {
		if (r->pos == r->head)
			return 0;
		avail = r->head - r->pos;
		off = r->pos & (r->data_size - 1);
		p = r->data + off;
		/*
		 * Copy before checking: nothing read from the shared ring is
		 * used after a check without the copy that was checked. A pad
		 * record may be 8 bytes, its type and length only.
		 */
		if (avail < 8)
			return corrupt(r, err, errlen, "header past head, bytes left", avail);
		memset(&h, 0, sizeof(h));
		memcpy(&h, p, 8);
		if (h.len < 8 || h.len % 8)
			return corrupt(r, err, errlen, "length", h.len);
		if (h.len > avail)
			return corrupt(r, err, errlen, "length past head", h.len);
		if (h.len > r->data_size - off)
			return corrupt(r, err, errlen, "length past the end of the data area",
				       h.len);
		switch (h.type) {
		case STRATA_REC_PAD:
			r->pos += h.len;
			continue;
		case STRATA_REC_PACKET:
			if (h.len < PKT_HDR)
				return corrupt(r, err, errlen, "packet record length", h.len);
			memcpy(&h, p, REC_HDR);
			memset(rec, 0, sizeof(*rec));
			memcpy(&rec->pkt, p + REC_HDR, sizeof(rec->pkt));
			if (rec->pkt.caplen > h.len - PKT_HDR)
				return corrupt(r, err, errlen, "caplen past the record",
					       rec->pkt.caplen);
			if (rec->pkt.caplen > rec->pkt.wire_len)
				return corrupt(r, err, errlen, "caplen above wire_len",
					       rec->pkt.caplen);
			if (rec->pkt.nseg > sizeof(rec->pkt.seg) / sizeof(rec->pkt.seg[0]))
				return corrupt(r, err, errlen, "segment count",
					       rec->pkt.nseg);
			rc = seq_check(r, h.seq, rec->pkt.ts_ns, rec, err, errlen);
			if (rc)
				return rc;
			rec->cpu = r->cpu;
			rec->type = STRATA_REC_PACKET;
			rec->seq = h.seq;
			rec->ts_ns = rec->pkt.ts_ns;
			rec->data = p + PKT_HDR;
			r->next_seq = h.seq + 1;
			break;
		case STRATA_REC_LOSS:
			if (h.len < LOSS_LEN)
				return corrupt(r, err, errlen, "loss record length", h.len);
			memcpy(&h, p, REC_HDR);
			memcpy(&loss, p + REC_HDR, sizeof(loss));
			if (!loss.lost)
				return corrupt(r, err, errlen, "loss of", 0);
			rc = seq_check(r, h.seq, loss.ts_ns, rec, err, errlen);
			if (rc)
				return rc;
			memset(rec, 0, sizeof(*rec));
			rec->cpu = r->cpu;
			rec->type = STRATA_REC_LOSS;
			rec->seq = h.seq;
			rec->lost = loss.lost;
			rec->ts_ns = loss.ts_ns;
			r->next_seq = h.seq + loss.lost;
			break;
		default:
			return corrupt(r, err, errlen, "type", h.type);
		}
		r->pos += h.len;
		rec->end = r->pos;
		return 1;
	}
}

void strata_ring_commit(struct strata_ring *r, __u64 pos)
{
	/* Pairs with the producer's acquire of tail: we are done reading
	 * everything before @pos before it may overwrite it. */
	__atomic_store_n(&r->hdr->tail, pos, __ATOMIC_RELEASE);
}

/* Note where the ring stands after the records handed out so far. */
static void mark_set(struct strata_ring *r)
{
	r->mark_pos = r->pos;
	r->mark_seq = r->next_seq;
}

/* Go back to the mark (records fetched but not handed out are read again). */
static void mark_commit(struct strata_ring *r)
{
	r->pos = r->mark_pos;
	r->next_seq = r->mark_seq;
	if (__atomic_load_n(&r->hdr->tail, __ATOMIC_RELAXED) != r->mark_pos)
		strata_ring_commit(r, r->mark_pos);
}

int strata_ring_walk(struct strata_ring *r, strata_ring_fn fn, void *arg,
		     char *err, size_t errlen)
{
	struct strata_ring_rec rec;
	int rc, n = 0;

	mark_set(r);
	rc = strata_ring_begin(r, err, errlen);
	while (rc > 0) {
		rc = strata_ring_next(r, &rec, err, errlen);
		if (rc <= 0)
			break;
		rc = fn(&rec, arg);
		if (rc < 0) {
			strata_seterr(err, errlen, -rc, "ring %u: stopped: %s", r->cpu,
			       strerror(-rc));
			break;
		}
		n++;
		mark_set(r);
		if (rc > 0) {
			rc = 0;
			break;
		}
		rc = 1;
	}
	mark_commit(r);
	return rc < 0 ? rc : n;
}

struct strata_rings {
	int fd;
	struct strata_ring_info info;
	unsigned int n;
	void **maps;
	struct strata_ring *rings;
	struct strata_ring_rec *pend;	/* strata_ring_merge()'s room */
};

void strata_rings_close(struct strata_rings *rs)
{
	unsigned int i;

	if (!rs)
		return;
	for (i = 0; rs->maps && i < rs->n; i++)
		if (rs->maps[i] && rs->maps[i] != MAP_FAILED)
			munmap(rs->maps[i], rs->info.map_size);
	if (rs->fd >= 0)
		close(rs->fd);
	free(rs->maps);
	free(rs->rings);
	free(rs->pend);
	free(rs);
}

struct strata_rings *strata_rings_open(char *err, size_t errlen)
{
	struct strata_ring_info *in;
	struct strata_rings *rs;
	unsigned int i;
	int rc;

	rs = calloc(1, sizeof(*rs));
	if (!rs) {
		rc = strata_seterr(err, errlen, ENOMEM, "rings: %s", strerror(ENOMEM));
		goto fail_errno;
	}
	in = &rs->info;
	rs->fd = open(STRATA_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (rs->fd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			rc = strata_seterr(err, errlen, errno,
				    "%s: %s: is strata.ko loaded? (modprobe strata)",
				    STRATA_DEV_PATH, strerror(errno));
		else if (errno == EPERM || errno == EACCES)
			rc = strata_seterr(err, errlen, errno,
				    "%s: %s (packet records need CAP_NET_ADMIN)",
				    STRATA_DEV_PATH, strerror(errno));
		else
			rc = strata_seterr(err, errlen, errno, "%s: %s", STRATA_DEV_PATH,
				    strerror(errno));
		goto fail;
	}
	if (ioctl(rs->fd, STRATA_IOC_RING_INFO, in) < 0) {
		rc = strata_seterr(err, errlen, errno, "%s: ring info: %s", STRATA_DEV_PATH,
			    strerror(errno));
		goto fail;
	}
	if (in->version != STRATA_RING_VERSION || !in->nr_rings ||
	    in->nr_rings > RINGS_MAX || in->map_size < in->hdr_size ||
	    in->map_size - in->hdr_size < in->data_size ||
	    in->map_size > (__u64)64 << 30) {
		rc = strata_seterr(err, errlen, EPROTO,
			    "%s: ring info not understood: version %u (want %u), %u rings, map %llu, header %u, data %llu",
			    STRATA_DEV_PATH, in->version, STRATA_RING_VERSION,
			    in->nr_rings, (unsigned long long)in->map_size,
			    in->hdr_size, (unsigned long long)in->data_size);
		goto fail;
	}
	rs->n = in->nr_rings;
	rs->maps = calloc(rs->n, sizeof(*rs->maps));
	rs->rings = calloc(rs->n, sizeof(*rs->rings));
	rs->pend = calloc(rs->n, sizeof(*rs->pend));
	if (!rs->maps || !rs->rings || !rs->pend) {
		rc = strata_seterr(err, errlen, ENOMEM, "rings: %s", strerror(ENOMEM));
		goto fail;
	}
	for (i = 0; i < rs->n; i++) {
		rs->maps[i] = mmap(NULL, in->map_size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, rs->fd, (off_t)(i * in->map_size));
		if (rs->maps[i] == MAP_FAILED) {
			rc = strata_seterr(err, errlen, errno, "%s: map ring %u: %s",
				    STRATA_DEV_PATH, i, strerror(errno));
			goto fail;
		}
		rc = strata_ring_attach(&rs->rings[i], rs->maps[i], in->map_size,
					i, err, errlen);
		if (rc)
			goto fail;
		if (rs->rings[i].data_size != in->data_size) {
			rc = strata_seterr(err, errlen, EPROTO,
				    "ring %u: data size %llu, ring info says %llu", i,
				    (unsigned long long)rs->rings[i].data_size,
				    (unsigned long long)in->data_size);
			goto fail;
		}
	}
	return rs;
fail:
	strata_rings_close(rs);
fail_errno:
	errno = -rc;
	return NULL;
}

const struct strata_ring_info *strata_rings_info(const struct strata_rings *rs)
{
	return &rs->info;
}

int strata_rings_fd(const struct strata_rings *rs)
{
	return rs->fd;
}

int strata_rings_poll(struct strata_rings *rs, int timeout_ms, char *err,
		      size_t errlen)
{
	struct pollfd p = { .fd = rs->fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);

	if (n < 0)
		return strata_seterr(err, errlen, errno, "%s: poll: %s", STRATA_DEV_PATH,
			      strerror(errno));
	if (n && (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
		return strata_seterr(err, errlen, EIO, "%s: poll: device error (events 0x%x)",
			      STRATA_DEV_PATH, p.revents);
	return n > 0;
}

int strata_ring_merge(struct strata_ring *rings, unsigned int n,
		      struct strata_ring_rec *pend, strata_ring_fn fn, void *arg,
		      char *err, size_t errlen)
{
	unsigned int i, best;
	int rc = 0, count = 0;

	/* pend[i].type 0: ring i has nothing more before its loaded head. */
	for (i = 0; i < n; i++) {
		mark_set(&rings[i]);
		pend[i].type = 0;
	}
	for (i = 0; i < n; i++) {
		rc = strata_ring_begin(&rings[i], err, errlen);
		if (rc > 0)
			rc = strata_ring_next(&rings[i], &pend[i], err, errlen);
		if (rc < 0)
			goto out;
		if (!rc)
			pend[i].type = 0;
	}
	for (;;) {
		best = n;
		for (i = 0; i < n; i++)
			if (pend[i].type && (best == n || pend[i].ts_ns < pend[best].ts_ns))
				best = i;
		if (best == n) {
			rc = 0;
			break;
		}
		rc = fn(&pend[best], arg);
		if (rc < 0) {
			strata_seterr(err, errlen, -rc, "rings: stopped: %s", strerror(-rc));
			break;
		}
		count++;
		mark_set(&rings[best]);
		if (rc > 0) {
			rc = 0;
			break;
		}
		rc = strata_ring_next(&rings[best], &pend[best], err, errlen);
		if (rc < 0)
			break;
		if (!rc)
			pend[best].type = 0;
	}
out:
	for (i = 0; i < n; i++)
		mark_commit(&rings[i]);
	return rc < 0 ? rc : count;
}

int strata_rings_read(struct strata_rings *rs, strata_ring_fn fn, void *arg,
		      char *err, size_t errlen)
{
	return strata_ring_merge(rs->rings, rs->n, rs->pend, fn, arg, err, errlen);
}
