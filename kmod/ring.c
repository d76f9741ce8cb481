// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * Per-CPU packet record rings and /dev/strata, which maps them (the format is
 * in include/uapi/linux/strata.h and Documentation/kernel.rst).
 *
 * Each ring has one producer, the CPU it belongs to, which writes from the
 * netfilter hooks with bottom halves disabled: nothing else writes that
 * ring, so there is no lock. The producer keeps its own copy of the head and
 * of the sequence number and only publishes them into the mapped header, so
 * a reader that scribbles over the header can confuse itself but not the
 * kernel: every write lands inside the ring's data area whatever the header
 * says, and a tail that makes no sense makes the ring look full.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "strata.h"

static unsigned int ring_kb = 4096;
module_param(ring_kb, uint, 0444);
MODULE_PARM_DESC(ring_kb,
		 "record space per CPU ring in KiB, a power of two from 64 to 262144 (default 4096)");

/**
 * struct strata_ring - one CPU's ring, as its producer sees it
 * @hdr: the mapped area: header page, then the data
 * @data: the record space
 * @head: bytes written (published to @hdr->head)
 * @seq: sequence number of the next packet record
 * @drops: records dropped, in all
 * @lost: records dropped since the last loss record
 * @lost_seq: the first of them
 * @lost_ts: when it was dropped
 * @since_wake: records written since readers were last woken
 */
struct strata_ring {
	struct strata_ring_hdr *hdr;
	u8 *data;
	u64 head;
	u64 seq;
	u64 drops;
	u64 lost;
	u64 lost_seq;
	u64 lost_ts;
	u32 since_wake;
};

struct strata_rings {
	unsigned int nr;
	u64 data_size;
	size_t map_size;
	struct strata_ring ring[];
};

/*
 * Room for @len bytes at the head, after a pad record if the data area
 * ends first. Return where to write, or NULL when the ring is full.
 */
static struct strata_rec *reserve(struct strata_rings *rs, struct strata_ring *r,
				  u32 len)
{
	u64 size = rs->data_size, tail = smp_load_acquire(&r->hdr->tail);
	u64 used = r->head - tail, off = r->head & (size - 1);
	u64 room = size - off, pad = room < len ? room : 0;

	if (used > size || size - used < pad + len)
		return NULL;
	if (pad) {
		struct strata_rec *p = (struct strata_rec *)(r->data + off);

		p->type = STRATA_REC_PAD;
		p->len = pad;
		r->head += pad;
		off = 0;
	}
	return (struct strata_rec *)(r->data + off);
}

static void publish(struct strata_ring *r, u32 len)
{
	r->head += len;
	WRITE_ONCE(r->hdr->seq_next, r->seq);
	/* The record's bytes before the head that makes them readable. */
	smp_store_release(&r->hdr->head, r->head);
}

static bool write_loss(struct strata_rings *rs, struct strata_ring *r)
{
	u32 len = sizeof(struct strata_rec) + sizeof(struct strata_rec_loss);
	struct strata_rec *h = reserve(rs, r, len);
	struct strata_rec_loss *l;

	if (!h)
		return false;
	h->type = STRATA_REC_LOSS;
	h->len = len;
	h->pad = 0;
	h->seq = r->lost_seq;
	l = (struct strata_rec_loss *)(h + 1);
	l->lost = r->lost;
	l->ts_ns = r->lost_ts;
	publish(r, len);
	r->lost = 0;
	return true;
}

/**
 * strata_ring_next_pos() - the ring position the next record of this CPU gets
 * @sn: the namespace
 *
 * Called with bottom halves disabled, before strata_ring_reserve() on the same
 * CPU: nothing can write this CPU's ring in between.
 *
 * Return: cpu << 48 | seq, or U64_MAX when the namespace has no rings.
 */
u64 strata_ring_next_pos(struct strata_net *sn)
{
	struct strata_rings *rs = rcu_dereference(sn->rings);
	unsigned int cpu = smp_processor_id();

	if (!rs)
		return U64_MAX;
	return (u64)cpu << 48 | rs->ring[cpu].seq;
}

/**
 * strata_ring_reserve() - room for one packet record in this CPU's ring
 * @sn: the namespace
 * @caplen: packet bytes the record will carry
 * @ts_ns: the packet's time, for the loss record if it is dropped
 *
 * Called with bottom halves disabled; strata_ring_commit() follows on the
 * same CPU before they are enabled again, after the caller has filled in
 * every field of the record in place. A record that does not fit is dropped
 * and counted; the next one written is preceded by a loss record.
 *
 * Return: the record's fixed part, in the ring, or NULL (no rings, or
 * dropped).
 */
struct strata_rec_packet *strata_ring_reserve(struct strata_net *sn, u32 caplen,
					      u64 ts_ns)
{
	struct strata_rings *rs = rcu_dereference(sn->rings);
	u32 len = ALIGN(sizeof(struct strata_rec) + sizeof(struct strata_rec_packet) +
			caplen, 8);
	struct strata_ring *r;
	struct strata_rec *h;

	if (!rs)
		return NULL;
	r = &rs->ring[smp_processor_id()];
	if (r->lost && !write_loss(rs, r))
		goto drop;
	h = reserve(rs, r, len);
	if (!h)
		goto drop;
	h->type = STRATA_REC_PACKET;
	h->len = len;
	h->pad = 0;
	h->seq = r->seq++;
	return (struct strata_rec_packet *)(h + 1);

drop:
	if (!r->lost) {
		r->lost_seq = r->seq;
		r->lost_ts = ts_ns;
	}
	r->lost++;
	r->seq++;
	WRITE_ONCE(r->hdr->drops, ++r->drops);
	WRITE_ONCE(r->hdr->seq_next, r->seq);
	strata_count(sn->counters, STRATA_STAT_RING_DROPS);
	return NULL;
}

/**
 * strata_ring_commit() - copy the packet's bytes and publish the record
 * @sn: the namespace
 * @rp: what strata_ring_reserve() returned, filled in (@rp->caplen == @caplen)
 * @skb: the packet, from its IP header at skb->data
 * @caplen: the caplen given to strata_ring_reserve()
 */
void strata_ring_commit(struct strata_net *sn, struct strata_rec_packet *rp,
			const struct sk_buff *skb, u32 caplen)
{
	struct strata_rings *rs = rcu_dereference(sn->rings);
	struct strata_ring *r = &rs->ring[smp_processor_id()];
	struct strata_rec *h = (struct strata_rec *)rp - 1;
	u8 *bytes = (u8 *)(rp + 1);

	if (skb_copy_bits(skb, 0, bytes, caplen))
		rp->caplen = caplen = 0;
	memset(bytes + caplen, 0, (u8 *)h + h->len - (bytes + caplen));
	publish(r, h->len);
	strata_count(sn->counters, STRATA_STAT_RECORDS);
	if (++r->since_wake >= STRATA_RING_WAKE_BATCH) {
		r->since_wake = 0;
		if (wq_has_sleeper(&sn->ring_wait))
			wake_up_interruptible_poll(&sn->ring_wait, EPOLLIN);
	}
}

static bool rings_have_data(struct strata_rings *rs)
{
	unsigned int i;

	for (i = 0; i < rs->nr; i++)
		if (READ_ONCE(rs->ring[i].hdr->head) !=
		    READ_ONCE(rs->ring[i].hdr->tail))
			return true;
	return false;
}

/**
 * strata_ring_kick() - wake readers of records the batching held back
 * @sn: the namespace
 *
 * Called by the table worker every few ms.
 */
void strata_ring_kick(struct strata_net *sn)
{
	struct strata_rings *rs;

	if (!wq_has_sleeper(&sn->ring_wait))
		return;
	rcu_read_lock();
	rs = rcu_dereference(sn->rings);
	if (rs && rings_have_data(rs))
		wake_up_interruptible_poll(&sn->ring_wait, EPOLLIN);
	rcu_read_unlock();
}

static struct strata_rings *rings_alloc(void)
{
	u64 data_size = (u64)ring_kb * 1024;
	unsigned int nr = nr_cpu_ids, i;
	struct strata_rings *rs;

	rs = kzalloc(struct_size(rs, ring, nr), GFP_KERNEL);
	if (!rs)
		return NULL;
	rs->nr = nr;
	rs->data_size = data_size;
	rs->map_size = PAGE_SIZE + data_size;
	for (i = 0; i < nr; i++) {
		struct strata_ring *r = &rs->ring[i];

		r->hdr = vmalloc_user(rs->map_size);
		if (!r->hdr)
			goto err;
		r->data = (u8 *)r->hdr + PAGE_SIZE;
		r->seq = 1;
		r->hdr->version = STRATA_RING_VERSION;
		r->hdr->cpu = i;
		r->hdr->data_size = data_size;
		r->hdr->hdr_size = PAGE_SIZE;
		r->hdr->seq_next = 1;
	}
	return rs;
err:
	while (i--)
		vfree(rs->ring[i].hdr);
	kfree(rs);
	return NULL;
}

/**
 * strata_rings_free() - free a namespace's rings
 * @sn: the namespace, going away (no hooks, no open file)
 */
void strata_rings_free(struct strata_net *sn)
{
	struct strata_rings *rs = rcu_dereference_protected(sn->rings, true);
	unsigned int i;

	if (!rs)
		return;
	for (i = 0; i < rs->nr; i++)
		vfree(rs->ring[i].hdr);
	kfree(rs);
	RCU_INIT_POINTER(sn->rings, NULL);
}

static struct strata_rings *file_rings(struct file *f)
{
	return rcu_dereference_protected(strata_net(f->private_data)->rings, true);
}

static int strata_dev_open(struct inode *inode, struct file *f)
{
	struct net *net = current->nsproxy->net_ns;
	struct strata_net *sn = strata_net(net);
	int ret = 0;

	/* Packet contents: only for the namespace's administrators. */
	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	mutex_lock(&sn->rings_lock);
	if (!rcu_access_pointer(sn->rings)) {
		struct strata_rings *rs = rings_alloc();

		if (rs)
			rcu_assign_pointer(sn->rings, rs);
		else
			ret = -ENOMEM;
	}
	mutex_unlock(&sn->rings_lock);
	if (ret)
		return ret;
	f->private_data = get_net(net);
	return nonseekable_open(inode, f);
}

static int strata_dev_release(struct inode *inode, struct file *f)
{
	put_net(f->private_data);
	return 0;
}

static long strata_dev_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct strata_rings *rs = file_rings(f);
	struct strata_ring_info info = {
		.version = STRATA_RING_VERSION,
		.nr_rings = rs->nr,
		.map_size = rs->map_size,
		.data_size = rs->data_size,
		.hdr_size = PAGE_SIZE,
	};

	if (cmd != STRATA_IOC_RING_INFO)
		return -ENOTTY;
	if (copy_to_user((void __user *)arg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static int strata_dev_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct strata_rings *rs = file_rings(f);
	unsigned long pages = rs->map_size >> PAGE_SHIFT, cpu;

	if (vma->vm_end - vma->vm_start != rs->map_size ||
	    vma->vm_pgoff % pages)
		return -EINVAL;
	cpu = vma->vm_pgoff / pages;
	if (cpu >= rs->nr)
		return -EINVAL;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	return remap_vmalloc_range(vma, rs->ring[cpu].hdr, 0);
}

static __poll_t strata_dev_poll(struct file *f, poll_table *wait)
{
	struct strata_net *sn = strata_net(f->private_data);

	poll_wait(f, &sn->ring_wait, wait);
	return rings_have_data(file_rings(f)) ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct file_operations strata_dev_fops = {
	.owner = THIS_MODULE,
	.open = strata_dev_open,
	.release = strata_dev_release,
	.unlocked_ioctl = strata_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = strata_dev_mmap,
	.poll = strata_dev_poll,
	.llseek = no_llseek,
};

static struct miscdevice strata_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "strata",
	.fops = &strata_dev_fops,
	.mode = 0600,
};

/**
 * strata_ring_init() - check the ring size and register /dev/strata
 *
 * Return: 0 or -errno.
 */
int strata_ring_init(void)
{
	if (ring_kb < 64 || ring_kb > 262144 || !is_power_of_2(ring_kb)) {
		pr_err("strata: ring_kb=%u: want a power of two from 64 to 262144\n",
		       ring_kb);
		return -EINVAL;
	}
	return misc_register(&strata_dev);
}

/**
 * strata_ring_uninit() - unregister /dev/strata
 */
void strata_ring_uninit(void)
{
	misc_deregister(&strata_dev);
}
