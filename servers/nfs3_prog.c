/*
 * nfs3_prog.c - the 22 procedures of NFSv3 (RFC 1813 §3.3): arguments
 * decoded and results encoded by hand on the bounded cursors of xdr.h,
 * the work done by nfs_fs.
 *
 * Hot paths avoid copies: READ data is pread straight into the reply
 * buffer, WRITE data is written from the call record, and READDIR(PLUS)
 * entries are encoded straight into the reply as nfs_fs lists them, until
 * the client's byte budget is spent.
 *
 * Decoding is strict: a short argument, an enum out of range, a bool that
 * is not 0/1 or bytes left after the arguments give GARBAGE_ARGS, as Linux
 * nfsd does. Two leniencies, documented: a filename3 longer than 255 bytes
 * (but within nfspath3's 4096) gets NFS3ERR_NAMETOOLONG rather than
 * GARBAGE_ARGS, which tells the client more; WRITE's `count` and the
 * length of its data may differ, and the smaller is written (RFC 1813
 * §3.3.7 does not say which wins).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "servers/nfs_progs_internal.h"

/* Sizes of fixed parts, for the byte budgets of READ and READDIR(PLUS). */
#define FATTR3_SIZE 84
#define POST_OP_ATTR_MAX (4 + FATTR3_SIZE)
#define UDP_XFER_MAX 32768 /* a datagram must hold the reply (unfs3 does alike) */

/* FSINFO properties (RFC 1813 §3.3.19). */
#define FSF3_LINK 0x0001
#define FSF3_SYMLINK 0x0002
#define FSF3_HOMOGENEOUS 0x0008
#define FSF3_CANSETTIME 0x0010

struct nfs3_ctx {
	struct nfs_progs *progs;
	struct nfs_fs *fs;
	const struct nfs_req *req;
	const struct nfs_cred *cred;
	struct xdr_dec *d;
	struct xdr_enc *e;
	struct nfs_call_info *info;
};

/* diropargs3, the name kept up to nfspath3's bound so an over-long name
 * can be answered with NAMETOOLONG. */
struct diropargs {
	struct nfs_fh dir;
	char name[NFS3_PATH_MAX + 1];
	uint32_t name_len;
};

/* ---- decoders ---------------------------------------------------------- */

static int dec_fh(struct xdr_dec *d, struct nfs_fh *fh)
{
	const uint8_t *p;
	uint32_t len;
	int r = xdr_dec_opaque(d, NFS3_FHSIZE, &p, &len);
	if (r)
		return r;
	memset(fh, 0, sizeof(*fh));
	fh->len = len;
	if (len)
		memcpy(fh->data, p, len);
	return 0;
}

static int dec_diropargs(struct xdr_dec *d, struct diropargs *a)
{
	int r = dec_fh(d, &a->dir);
	if (!r)
		r = xdr_dec_string(d, NFS3_PATH_MAX, a->name, sizeof(a->name), &a->name_len);
	return r;
}

static int dec_time(struct xdr_dec *d, struct nfs_time *t)
{
	int r = xdr_dec_u32(d, &t->sec);
	if (!r)
		r = xdr_dec_u32(d, &t->nsec);
	return r;
}

/* set_atime / set_mtime: time_how discriminant, nfstime3 for CLIENT. */
static int dec_set_time(struct xdr_dec *d, enum nfs_time_how *how, struct nfs_time *t)
{
	uint32_t v;
	int r = xdr_dec_u32(d, &v);
	if (r)
		return r;
	if (v > NFS_TIME_CLIENT)
		return -EBADMSG;
	*how = (enum nfs_time_how)v;
	return v == NFS_TIME_CLIENT ? dec_time(d, t) : 0;
}

/* sattr3: each field behind its set_it bool. */
static int dec_sattr(struct xdr_dec *d, struct nfs_sattr *sa)
{
	int r;
	memset(sa, 0, sizeof(*sa));
	if ((r = xdr_dec_bool(d, &sa->set_mode)) || (sa->set_mode && (r = xdr_dec_u32(d, &sa->mode))))
		return r;
	if ((r = xdr_dec_bool(d, &sa->set_uid)) || (sa->set_uid && (r = xdr_dec_u32(d, &sa->uid))))
		return r;
	if ((r = xdr_dec_bool(d, &sa->set_gid)) || (sa->set_gid && (r = xdr_dec_u32(d, &sa->gid))))
		return r;
	if ((r = xdr_dec_bool(d, &sa->set_size)) || (sa->set_size && (r = xdr_dec_u64(d, &sa->size))))
		return r;
	if ((r = dec_set_time(d, &sa->atime_how, &sa->atime)))
		return r;
	return dec_set_time(d, &sa->mtime_how, &sa->mtime);
}

/* ---- encoders ---------------------------------------------------------- */

static int enc_time(struct xdr_enc *e, const struct nfs_time *t)
{
	int r = xdr_enc_u32(e, t->sec);
	return r ? r : xdr_enc_u32(e, t->nsec);
}

static int enc_fattr(struct xdr_enc *e, const struct nfs_fattr *a)
{
	int r;
	if ((r = xdr_enc_u32(e, a->type)) || (r = xdr_enc_u32(e, a->mode)) ||
	    (r = xdr_enc_u32(e, a->nlink)) || (r = xdr_enc_u32(e, a->uid)) ||
	    (r = xdr_enc_u32(e, a->gid)) || (r = xdr_enc_u64(e, a->size)) ||
	    (r = xdr_enc_u64(e, a->used)) || (r = xdr_enc_u32(e, a->rdev_major)) ||
	    (r = xdr_enc_u32(e, a->rdev_minor)) || (r = xdr_enc_u64(e, a->fsid)) ||
	    (r = xdr_enc_u64(e, a->fileid)) || (r = enc_time(e, &a->atime)) ||
	    (r = enc_time(e, &a->mtime)))
		return r;
	return enc_time(e, &a->ctime);
}

/* post_op_attr: attributes with type 0 are "not available". */
static int enc_post_op_attr(struct xdr_enc *e, const struct nfs_fattr *a)
{
	bool follows = a && a->type != 0;
	int r = xdr_enc_bool(e, follows);
	return r || !follows ? r : enc_fattr(e, a);
}

/* wcc_data: pre_op_attr (size, mtime, ctime) then post_op_attr. */
static int enc_wcc(struct xdr_enc *e, const struct nfs_wcc *w)
{
	int r;
	bool before = w && w->have_before;
	if ((r = xdr_enc_bool(e, before)))
		return r;
	if (before && ((r = xdr_enc_u64(e, w->before_size)) ||
		       (r = enc_time(e, &w->before_mtime)) || (r = enc_time(e, &w->before_ctime))))
		return r;
	return enc_post_op_attr(e, w && w->have_after ? &w->after : NULL);
}

static int enc_fh(struct xdr_enc *e, const struct nfs_fh *fh)
{
	return xdr_enc_opaque(e, fh->data, fh->len, NFS3_FHSIZE);
}

/* post_op_fh3 */
static int enc_post_op_fh(struct xdr_enc *e, const struct nfs_fh *fh)
{
	bool follows = fh && fh->len > 0;
	int r = xdr_enc_bool(e, follows);
	return r || !follows ? r : enc_fh(e, fh);
}

static size_t post_op_attr_size(const struct nfs_fattr *a)
{
	return a && a->type != 0 ? POST_OP_ATTR_MAX : 4;
}

static size_t post_op_fh_size(const struct nfs_fh *fh)
{
	return fh && fh->len > 0 ? 4 + 4 + xdr_pad_len(fh->len) : 4;
}

/* ---- common shapes ----------------------------------------------------- */

static enum rpc_accept_stat set_status(struct nfs3_ctx *c, uint32_t st)
{
	c->info->status = st;
	c->info->has_status = true;
	return nfs_progs_enc_result(xdr_enc_u32(c->e, st));
}

/* The procedure fails before it runs (NAMETOOLONG): empty failure arm. */
static enum rpc_accept_stat fail_early(struct nfs3_ctx *c, uint32_t st)
{
	c->info->status = st;
	c->info->has_status = true;
	return nfs_progs_enc_result(nfs3_prog_encode_error(c->req->call->proc, st, c->e));
}

static bool args_done(const struct xdr_dec *d)
{
	return xdr_dec_left(d) == 0;
}

/* Results that are status + post_op_attr on failure (most read-only procs). */
static enum rpc_accept_stat reply_attr_fail(struct nfs3_ctx *c, uint32_t st,
					    const struct nfs_fattr *attr)
{
	enum rpc_accept_stat as = set_status(c, st);
	return as ? as : nfs_progs_enc_result(enc_post_op_attr(c->e, attr));
}

/* CREATE/MKDIR/SYMLINK/MKNOD: post_op_fh3, post_op_attr, wcc_data; fail: wcc_data. */
static enum rpc_accept_stat reply_new_object(struct nfs3_ctx *c, uint32_t st,
					     const struct nfs_fh *fh,
					     const struct nfs_fattr *attr,
					     const struct nfs_wcc *dir_wcc)
{
	enum rpc_accept_stat as = set_status(c, st);
	if (as)
		return as;
	int r = 0;
	if (st == NFS3_OK && ((r = enc_post_op_fh(c->e, fh)) || (r = enc_post_op_attr(c->e, attr))))
		return RPC_ACCEPT_SYSTEM_ERR;
	return nfs_progs_enc_result(enc_wcc(c->e, dir_wcc));
}

/* ---- procedures -------------------------------------------------------- */

static enum rpc_accept_stat proc_null(struct nfs3_ctx *c)
{
	return args_done(c->d) ? RPC_ACCEPT_SUCCESS : RPC_ACCEPT_GARBAGE_ARGS;
}

static enum rpc_accept_stat proc_getattr(struct nfs3_ctx *c)
{
	struct nfs_fh fh;
	if (dec_fh(c->d, &fh) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	struct nfs_fattr attr = { 0 };
	uint32_t st = nfs_fs_getattr(c->fs, c->cred, &fh, &attr);
	enum rpc_accept_stat as = set_status(c, st);
	if (as || st != NFS3_OK)
		return as;
	return nfs_progs_enc_result(enc_fattr(c->e, &attr));
}

static enum rpc_accept_stat proc_setattr(struct nfs3_ctx *c)
{
	struct nfs_fh fh;
	struct nfs_sattr sa;
	struct nfs_time guard_ctime;
	bool check;
	if (dec_fh(c->d, &fh) || dec_sattr(c->d, &sa) || xdr_dec_bool(c->d, &check) ||
	    (check && dec_time(c->d, &guard_ctime)) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	struct nfs_wcc wcc = { 0 };
	uint32_t st = nfs_fs_setattr(c->fs, c->cred, &fh, &sa, check ? &guard_ctime : NULL, &wcc);
	enum rpc_accept_stat as = set_status(c, st);
	return as ? as : nfs_progs_enc_result(enc_wcc(c->e, &wcc));
}

static enum rpc_accept_stat proc_lookup(struct nfs3_ctx *c)
{
	struct diropargs a;
	if (dec_diropargs(c->d, &a) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	if (a.name_len > NFS3_NAME_MAX)
		return fail_early(c, NFS3ERR_NAMETOOLONG);
	struct nfs_fh fh = { 0 };
	struct nfs_fattr attr = { 0 }, dir_attr = { 0 };
	uint32_t st = nfs_fs_lookup(c->fs, c->cred, &a.dir, a.name, &fh, &attr, &dir_attr);
	enum rpc_accept_stat as = set_status(c, st);
	if (as)
		return as;
	int r = 0;
	if (st == NFS3_OK && ((r = enc_fh(c->e, &fh)) || (r = enc_post_op_attr(c->e, &attr))))
		return RPC_ACCEPT_SYSTEM_ERR;
	return nfs_progs_enc_result(enc_post_op_attr(c->e, &dir_attr));
}

static enum rpc_accept_stat proc_access(struct nfs3_ctx *c)
{
	struct nfs_fh fh;
	uint32_t want;
	if (dec_fh(c->d, &fh) || xdr_dec_u32(c->d, &want) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	struct nfs_fattr attr = { 0 };
	uint32_t granted = 0;
	uint32_t st = nfs_fs_access(c->fs, c->cred, &fh, want, &granted, &attr);
	enum rpc_accept_stat as = reply_attr_fail(c, st, &attr);
	if (as || st != NFS3_OK)
		return as;
	return nfs_progs_enc_result(xdr_enc_u32(c->e, granted));
}

static enum rpc_accept_stat proc_readlink(struct nfs3_ctx *c)
{
	struct nfs_fh fh;
	if (dec_fh(c->d, &fh) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	char target[NFS3_PATH_MAX + 1];
	struct nfs_fattr attr = { 0 };
	target[0] = '\0';
	uint32_t st = nfs_fs_readlink(c->fs, c->cred, &fh, target, sizeof(target), &attr);
	enum rpc_accept_stat as = reply_attr_fail(c, st, &attr);
	if (as || st != NFS3_OK)
		return as;
	return nfs_progs_enc_result(xdr_enc_string(c->e, target, NFS3_PATH_MAX));
}

/*
 * READ3res: the data goes straight into the reply where it belongs if the
 * attributes follow; when they turn out absent the data moves up 84 bytes.
 */
static enum rpc_accept_stat proc_read(struct nfs3_ctx *c)
{
	struct nfs_fh fh;
	uint64_t offset;
	uint32_t count;
	if (dec_fh(c->d, &fh) || xdr_dec_u64(c->d, &offset) || xdr_dec_u32(c->d, &count) ||
	    !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	uint32_t max = nfs_fs_rtmax(c->fs);
	if (!c->req->tcp && max > UDP_XFER_MAX)
		max = UDP_XFER_MAX;
	if (count > max)
		count = max;
	if (c->req->read_cap && count > c->req->read_cap)
		count = c->req->read_cap;

	struct xdr_enc *e = c->e;
	size_t start = e->pos;
	const size_t hdr_max = 4 + POST_OP_ATTR_MAX + 4 + 4 + 4; /* status attr count eof len */
	if (e->cap - e->pos < hdr_max)
		return RPC_ACCEPT_SYSTEM_ERR;
	size_t room = (e->cap - e->pos - hdr_max) & ~(size_t)3;
	if (count > room)
		count = (uint32_t)room;
	uint8_t *data = e->buf + start + hdr_max;
	struct nfs_fattr attr = { 0 };
	uint32_t n = 0;
	bool eof = false;
	uint32_t st = nfs_fs_read(c->fs, c->cred, &fh, offset, count, data, &n, &eof, &attr);
	if (st != NFS3_OK)
		return reply_attr_fail(c, st, &attr);
	if (n > count)
		n = count;
	enum rpc_accept_stat as = set_status(c, st);
	if (as || enc_post_op_attr(e, &attr) || xdr_enc_u32(e, n) || xdr_enc_bool(e, eof) ||
	    xdr_enc_u32(e, n))
		return RPC_ACCEPT_SYSTEM_ERR;
	if (e->pos != start + hdr_max)
		memmove(e->buf + e->pos, data, n);
	size_t padded = xdr_pad_len(n);
	memset(e->buf + e->pos + n, 0, padded - n);
	e->pos += padded;
	c->info->bytes = n;
	return RPC_ACCEPT_SUCCESS;
}

static enum rpc_accept_stat proc_write(struct nfs3_ctx *c)
{
	struct nfs_fh fh;
	uint64_t offset;
	uint32_t count, stable, len;
	const uint8_t *data;
	if (dec_fh(c->d, &fh) || xdr_dec_u64(c->d, &offset) || xdr_dec_u32(c->d, &count) ||
	    xdr_dec_u32(c->d, &stable) || stable > NFS3_FILE_SYNC ||
	    xdr_dec_opaque(c->d, RPC_RM_MAX_RECORD, &data, &len) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	if (count > len)
		count = len;
	struct nfs_wcc wcc = { 0 };
	uint32_t written = 0, committed = stable;
	uint32_t st = nfs_fs_write(c->fs, c->cred, &fh, offset, data, count, stable, &written,
				   &committed, &wcc);
	enum rpc_accept_stat as = set_status(c, st);
	if (as || enc_wcc(c->e, &wcc))
		return RPC_ACCEPT_SYSTEM_ERR;
	if (st != NFS3_OK)
		return RPC_ACCEPT_SUCCESS;
	uint8_t verf[NFS3_WRITEVERFSIZE];
	nfs_fs_write_verf(c->fs, verf);
	c->info->bytes = written;
	if (xdr_enc_u32(c->e, written) || xdr_enc_u32(c->e, committed))
		return RPC_ACCEPT_SYSTEM_ERR;
	return nfs_progs_enc_result(xdr_enc_fixed_opaque(c->e, verf, sizeof(verf)));
}

static enum rpc_accept_stat proc_create(struct nfs3_ctx *c)
{
	struct diropargs a;
	struct nfs_sattr sa;
	uint32_t how;
	const uint8_t *verf = NULL;
	memset(&sa, 0, sizeof(sa));
	if (dec_diropargs(c->d, &a) || xdr_dec_u32(c->d, &how))
		return RPC_ACCEPT_GARBAGE_ARGS;
	switch (how) {
	case NFS3_CREATE_UNCHECKED:
	case NFS3_CREATE_GUARDED:
		if (dec_sattr(c->d, &sa))
			return RPC_ACCEPT_GARBAGE_ARGS;
		break;
	case NFS3_CREATE_EXCLUSIVE:
		if (xdr_dec_fixed_opaque(c->d, NFS3_CREATEVERFSIZE, &verf))
			return RPC_ACCEPT_GARBAGE_ARGS;
		break;
	default:
		return RPC_ACCEPT_GARBAGE_ARGS;
	}
	if (!args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	if (a.name_len > NFS3_NAME_MAX)
		return fail_early(c, NFS3ERR_NAMETOOLONG);
	struct nfs_fh fh = { 0 };
	struct nfs_fattr attr = { 0 };
	struct nfs_wcc wcc = { 0 };
	uint32_t st = nfs_fs_create(c->fs, c->cred, &a.dir, a.name, how, &sa, verf, &fh, &attr, &wcc);
	return reply_new_object(c, st, &fh, &attr, &wcc);
}

static enum rpc_accept_stat proc_mkdir(struct nfs3_ctx *c)
{
	struct diropargs a;
	struct nfs_sattr sa;
	if (dec_diropargs(c->d, &a) || dec_sattr(c->d, &sa) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	if (a.name_len > NFS3_NAME_MAX)
		return fail_early(c, NFS3ERR_NAMETOOLONG);
	struct nfs_fh fh = { 0 };
	struct nfs_fattr attr = { 0 };
	struct nfs_wcc wcc = { 0 };
	uint32_t st = nfs_fs_mkdir(c->fs, c->cred, &a.dir, a.name, &sa, &fh, &attr, &wcc);
	return reply_new_object(c, st, &fh, &attr, &wcc);
}

static enum rpc_accept_stat proc_symlink(struct nfs3_ctx *c)
{
	struct diropargs a;
	struct nfs_sattr sa;
	char target[NFS3_PATH_MAX + 1];
	if (dec_diropargs(c->d, &a) || dec_sattr(c->d, &sa) ||
	    xdr_dec_string(c->d, NFS3_PATH_MAX, target, sizeof(target), NULL) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	if (a.name_len > NFS3_NAME_MAX)
		return fail_early(c, NFS3ERR_NAMETOOLONG);
	struct nfs_fh fh = { 0 };
	struct nfs_fattr attr = { 0 };
	struct nfs_wcc wcc = { 0 };
	uint32_t st = nfs_fs_symlink(c->fs, c->cred, &a.dir, a.name, target, &sa, &fh, &attr, &wcc);
	return reply_new_object(c, st, &fh, &attr, &wcc);
}

/* mknoddata3: devicedata3 for CHR/BLK, sattr3 for SOCK/FIFO, void else. */
static enum rpc_accept_stat proc_mknod(struct nfs3_ctx *c)
{
	struct diropargs a;
	struct nfs_sattr sa;
	uint32_t type, major = 0, minor = 0;
	memset(&sa, 0, sizeof(sa));
	if (dec_diropargs(c->d, &a) || xdr_dec_u32(c->d, &type) || type < NF3REG || type > NF3FIFO)
		return RPC_ACCEPT_GARBAGE_ARGS;
	if (type == NF3CHR || type == NF3BLK) {
		if (dec_sattr(c->d, &sa) || xdr_dec_u32(c->d, &major) || xdr_dec_u32(c->d, &minor))
			return RPC_ACCEPT_GARBAGE_ARGS;
	} else if (type == NF3SOCK || type == NF3FIFO) {
		if (dec_sattr(c->d, &sa))
			return RPC_ACCEPT_GARBAGE_ARGS;
	}
	if (!args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	if (a.name_len > NFS3_NAME_MAX)
		return fail_early(c, NFS3ERR_NAMETOOLONG);
	struct nfs_fh fh = { 0 };
	struct nfs_fattr attr = { 0 };
	struct nfs_wcc wcc = { 0 };
	uint32_t st = nfs_fs_mknod(c->fs, c->cred, &a.dir, a.name, type, &sa, major, minor, &fh,
				   &attr, &wcc);
	return reply_new_object(c, st, &fh, &attr, &wcc);
}

/* REMOVE and RMDIR: diropargs3 -> wcc_data in both arms. */
static enum rpc_accept_stat proc_remove_rmdir(struct nfs3_ctx *c)
{
	struct diropargs a;
	if (dec_diropargs(c->d, &a) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	if (a.name_len > NFS3_NAME_MAX)
		return fail_early(c, NFS3ERR_NAMETOOLONG);
	struct nfs_wcc wcc = { 0 };
	uint32_t st = c->req->call->proc == NFS3_REMOVE
			      ? nfs_fs_remove(c->fs, c->cred, &a.dir, a.name, &wcc)
			      : nfs_fs_rmdir(c->fs, c->cred, &a.dir, a.name, &wcc);
	enum rpc_accept_stat as = set_status(c, st);
	return as ? as : nfs_progs_enc_result(enc_wcc(c->e, &wcc));
}

static enum rpc_accept_stat proc_rename(struct nfs3_ctx *c)
{
	struct diropargs from, to;
	if (dec_diropargs(c->d, &from) || dec_diropargs(c->d, &to) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	if (from.name_len > NFS3_NAME_MAX || to.name_len > NFS3_NAME_MAX)
		return fail_early(c, NFS3ERR_NAMETOOLONG);
	struct nfs_wcc from_wcc = { 0 }, to_wcc = { 0 };
	uint32_t st = nfs_fs_rename(c->fs, c->cred, &from.dir, from.name, &to.dir, to.name,
				    &from_wcc, &to_wcc);
	enum rpc_accept_stat as = set_status(c, st);
	if (as || enc_wcc(c->e, &from_wcc))
		return RPC_ACCEPT_SYSTEM_ERR;
	return nfs_progs_enc_result(enc_wcc(c->e, &to_wcc));
}

static enum rpc_accept_stat proc_link(struct nfs3_ctx *c)
{
	struct nfs_fh file;
	struct diropargs a;
	if (dec_fh(c->d, &file) || dec_diropargs(c->d, &a) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	if (a.name_len > NFS3_NAME_MAX)
		return fail_early(c, NFS3ERR_NAMETOOLONG);
	struct nfs_fattr attr = { 0 };
	struct nfs_wcc wcc = { 0 };
	uint32_t st = nfs_fs_link(c->fs, c->cred, &file, &a.dir, a.name, &attr, &wcc);
	enum rpc_accept_stat as = reply_attr_fail(c, st, &attr);
	return as ? as : nfs_progs_enc_result(enc_wcc(c->e, &wcc));
}

/*
 * READDIR / READDIRPLUS. Entries are encoded in place after room kept for
 * the largest header (status, post_op_attr, cookieverf3), which is only
 * known once nfs_fs has listed; a shorter header moves the entries up.
 */
struct dir_fill {
	struct xdr_enc *e;
	size_t limit;        /* entries must end here: the list end and eof follow */
	bool plus;
	uint32_t dircount;   /* READDIRPLUS: budget for fileid + name + cookie */
	uint32_t dir_used;
	uint32_t n;
	bool full;           /* an entry was refused for lack of room */
};

static bool dir_fill_entry(void *ctx, const struct nfs_dirent *de)
{
	struct dir_fill *f = ctx;
	size_t name_len = strlen(de->name);
	if (name_len > NFS3_NAME_MAX)
		return true; /* cannot be put on the wire; not listable by NFSv3 */
	size_t dir_need = 8 + 4 + xdr_pad_len(name_len) + 8;
	size_t need = 4 + dir_need;
	if (f->plus)
		need += de->have_attr ? post_op_attr_size(&de->attr) + post_op_fh_size(&de->fh) : 8;
	/*
	 * maxcount bounds the reply; dircount only the directory part, and is
	 * not held against the first entry (Linux clients send maxcount / 8).
	 */
	if (f->e->pos + need > f->limit ||
	    (f->plus && f->n > 0 && f->dir_used + dir_need > f->dircount)) {
		f->full = true;
		return false;
	}
	struct xdr_enc *e = f->e;
	if (xdr_enc_bool(e, true) || xdr_enc_u64(e, de->fileid) ||
	    xdr_enc_string(e, de->name, NFS3_NAME_MAX) || xdr_enc_u64(e, de->cookie))
		goto nospace;
	if (f->plus) {
		if (enc_post_op_attr(e, de->have_attr ? &de->attr : NULL) ||
		    enc_post_op_fh(e, de->have_attr ? &de->fh : NULL))
			goto nospace;
	}
	f->dir_used += (uint32_t)dir_need;
	f->n++;
	return true;
nospace:
	/* Cannot happen: room was checked against limit ≤ cap. */
	f->full = true;
	return false;
}

static enum rpc_accept_stat proc_readdir_any(struct nfs3_ctx *c, bool plus)
{
	struct nfs_fh fh;
	uint64_t cookie;
	const uint8_t *verf;
	uint32_t dircount = 0, maxcount;
	if (dec_fh(c->d, &fh) || xdr_dec_u64(c->d, &cookie) ||
	    xdr_dec_fixed_opaque(c->d, NFS3_COOKIEVERFSIZE, &verf) ||
	    (plus && xdr_dec_u32(c->d, &dircount)) || xdr_dec_u32(c->d, &maxcount) ||
	    !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;

	struct xdr_enc *e = c->e;
	size_t start = e->pos;
	const size_t hdr_max = 4 + POST_OP_ATTR_MAX + NFS3_COOKIEVERFSIZE;
	const size_t tail = 8; /* no more entries, eof */
	if (e->cap - start < hdr_max + tail)
		return RPC_ACCEPT_SYSTEM_ERR;
	size_t budget = e->cap - start;
	if (maxcount < budget)
		budget = maxcount;
	struct dir_fill f = {
		.e = e, .plus = plus, .dircount = dircount,
		.limit = budget >= hdr_max + tail ? start + budget - tail : start + hdr_max,
	};
	e->pos = start + hdr_max;
	struct nfs_fattr dir_attr = { 0 };
	uint8_t new_verf[NFS3_COOKIEVERFSIZE] = { 0 };
	bool eof = false;
	uint32_t st = nfs_fs_readdir(c->fs, c->cred, &fh, cookie, verf, plus, dir_fill_entry, &f,
				     new_verf, &eof, &dir_attr);
	if (st == NFS3_OK && f.n == 0 && f.full)
		st = NFS3ERR_TOOSMALL;
	if (st != NFS3_OK) {
		e->pos = start;
		return reply_attr_fail(c, st, &dir_attr);
	}
	size_t entries_len = e->pos - (start + hdr_max);
	e->pos = start;
	if (set_status(c, st) || enc_post_op_attr(e, &dir_attr) ||
	    xdr_enc_fixed_opaque(e, new_verf, sizeof(new_verf)))
		return RPC_ACCEPT_SYSTEM_ERR;
	if (e->pos != start + hdr_max)
		memmove(e->buf + e->pos, e->buf + start + hdr_max, entries_len);
	e->pos += entries_len;
	if (xdr_enc_bool(e, false) || xdr_enc_bool(e, eof && !f.full))
		return RPC_ACCEPT_SYSTEM_ERR;
	return RPC_ACCEPT_SUCCESS;
}

static enum rpc_accept_stat proc_readdir(struct nfs3_ctx *c)
{
	return proc_readdir_any(c, false);
}

static enum rpc_accept_stat proc_readdirplus(struct nfs3_ctx *c)
{
	return proc_readdir_any(c, true);
}

static enum rpc_accept_stat proc_fsstat(struct nfs3_ctx *c)
{
	struct nfs_fh fh;
	if (dec_fh(c->d, &fh) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	struct nfs_fsstat s = { 0 };
	struct nfs_fattr attr = { 0 };
	uint32_t st = nfs_fs_fsstat(c->fs, c->cred, &fh, &s, &attr);
	enum rpc_accept_stat as = reply_attr_fail(c, st, &attr);
	if (as || st != NFS3_OK)
		return as;
	struct xdr_enc *e = c->e;
	if (xdr_enc_u64(e, s.tbytes) || xdr_enc_u64(e, s.fbytes) || xdr_enc_u64(e, s.abytes) ||
	    xdr_enc_u64(e, s.tfiles) || xdr_enc_u64(e, s.ffiles) || xdr_enc_u64(e, s.afiles))
		return RPC_ACCEPT_SYSTEM_ERR;
	return nfs_progs_enc_result(xdr_enc_u32(e, s.invarsec));
}

static enum rpc_accept_stat proc_fsinfo(struct nfs3_ctx *c)
{
	struct nfs_fh fh;
	if (dec_fh(c->d, &fh) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	struct nfs_fattr attr = { 0 };
	uint32_t st = nfs_fs_check(c->fs, c->cred, &fh, &attr);
	enum rpc_accept_stat as = reply_attr_fail(c, st, &attr);
	if (as || st != NFS3_OK)
		return as;
	uint32_t rtmax = nfs_fs_rtmax(c->fs), wtmax = nfs_fs_wtmax(c->fs);
	if (!c->req->tcp) {
		rtmax = rtmax > UDP_XFER_MAX ? UDP_XFER_MAX : rtmax;
		wtmax = wtmax > UDP_XFER_MAX ? UDP_XFER_MAX : wtmax;
	}
	struct xdr_enc *e = c->e;
	const struct nfs_time delta = { 0, 1 }; /* nanosecond timestamps */
	if (xdr_enc_u32(e, rtmax) || xdr_enc_u32(e, rtmax) || xdr_enc_u32(e, 4096) ||
	    xdr_enc_u32(e, wtmax) || xdr_enc_u32(e, wtmax) || xdr_enc_u32(e, 4096) ||
	    xdr_enc_u32(e, nfs_fs_dtpref(c->fs)) || xdr_enc_u64(e, (uint64_t)INT64_MAX) ||
	    enc_time(e, &delta))
		return RPC_ACCEPT_SYSTEM_ERR;
	return nfs_progs_enc_result(
		xdr_enc_u32(e, FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME));
}

static enum rpc_accept_stat proc_pathconf(struct nfs3_ctx *c)
{
	struct nfs_fh fh;
	if (dec_fh(c->d, &fh) || !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	struct nfs_fattr attr = { 0 };
	uint32_t st = nfs_fs_check(c->fs, c->cred, &fh, &attr);
	enum rpc_accept_stat as = reply_attr_fail(c, st, &attr);
	if (as || st != NFS3_OK)
		return as;
	struct xdr_enc *e = c->e;
	/* linkmax as Linux nfsd's default; names as NAME_MAX, refused (not cut) past it. */
	if (xdr_enc_u32(e, 255) || xdr_enc_u32(e, NFS3_NAME_MAX) || xdr_enc_bool(e, true) ||
	    xdr_enc_bool(e, true) || xdr_enc_bool(e, false))
		return RPC_ACCEPT_SYSTEM_ERR;
	return nfs_progs_enc_result(xdr_enc_bool(e, true));
}

static enum rpc_accept_stat proc_commit(struct nfs3_ctx *c)
{
	struct nfs_fh fh;
	uint64_t offset;
	uint32_t count;
	if (dec_fh(c->d, &fh) || xdr_dec_u64(c->d, &offset) || xdr_dec_u32(c->d, &count) ||
	    !args_done(c->d))
		return RPC_ACCEPT_GARBAGE_ARGS;
	struct nfs_wcc wcc = { 0 };
	uint32_t st = nfs_fs_commit(c->fs, c->cred, &fh, offset, count, &wcc);
	enum rpc_accept_stat as = set_status(c, st);
	if (as || enc_wcc(c->e, &wcc))
		return RPC_ACCEPT_SYSTEM_ERR;
	if (st != NFS3_OK)
		return RPC_ACCEPT_SUCCESS;
	uint8_t verf[NFS3_WRITEVERFSIZE];
	nfs_fs_write_verf(c->fs, verf);
	return nfs_progs_enc_result(xdr_enc_fixed_opaque(c->e, verf, sizeof(verf)));
}

typedef enum rpc_accept_stat (*nfs3_proc_fn)(struct nfs3_ctx *c);

static const nfs3_proc_fn nfs3_procs[NFS3_PROC_COUNT] = {
	[NFS3_NULL] = proc_null,
	[NFS3_GETATTR] = proc_getattr,
	[NFS3_SETATTR] = proc_setattr,
	[NFS3_LOOKUP] = proc_lookup,
	[NFS3_ACCESS] = proc_access,
	[NFS3_READLINK] = proc_readlink,
	[NFS3_READ] = proc_read,
	[NFS3_WRITE] = proc_write,
	[NFS3_CREATE] = proc_create,
	[NFS3_MKDIR] = proc_mkdir,
	[NFS3_SYMLINK] = proc_symlink,
	[NFS3_MKNOD] = proc_mknod,
	[NFS3_REMOVE] = proc_remove_rmdir,
	[NFS3_RMDIR] = proc_remove_rmdir,
	[NFS3_RENAME] = proc_rename,
	[NFS3_LINK] = proc_link,
	[NFS3_READDIR] = proc_readdir,
	[NFS3_READDIRPLUS] = proc_readdirplus,
	[NFS3_FSSTAT] = proc_fsstat,
	[NFS3_FSINFO] = proc_fsinfo,
	[NFS3_PATHCONF] = proc_pathconf,
	[NFS3_COMMIT] = proc_commit,
};

enum rpc_accept_stat nfs3_prog_call(struct nfs_progs *progs, const struct nfs_req *req,
				    struct xdr_dec *d, struct xdr_enc *e,
				    struct nfs_call_info *info)
{
	uint32_t proc = req->call->proc;
	if (proc >= NFS3_PROC_COUNT)
		return RPC_ACCEPT_PROC_UNAVAIL;
	struct nfs3_ctx c = {
		.progs = progs, .fs = progs->fs, .req = req, .cred = &req->cred,
		.d = d, .e = e, .info = info,
	};
	return nfs3_procs[proc](&c);
}

int nfs3_prog_encode_error(uint32_t proc, uint32_t status, struct xdr_enc *e)
{
	int r;
	if (proc == NFS3_NULL || proc >= NFS3_PROC_COUNT)
		return -EINVAL;
	if ((r = xdr_enc_u32(e, status)))
		return r;
	switch (proc) {
	case NFS3_GETATTR:
		return 0;
	case NFS3_SETATTR: case NFS3_WRITE: case NFS3_CREATE: case NFS3_MKDIR:
	case NFS3_SYMLINK: case NFS3_MKNOD: case NFS3_REMOVE: case NFS3_RMDIR:
	case NFS3_COMMIT:
		return enc_wcc(e, NULL);
	case NFS3_RENAME:
		return (r = enc_wcc(e, NULL)) ? r : enc_wcc(e, NULL);
	case NFS3_LINK:
		return (r = enc_post_op_attr(e, NULL)) ? r : enc_wcc(e, NULL);
	default: /* LOOKUP ACCESS READLINK READ READDIR(PLUS) FSSTAT FSINFO PATHCONF */
		return enc_post_op_attr(e, NULL);
	}
}

void nfs3_prog_describe(struct nfs_progs *progs, const struct nfs_req *req, struct xdr_dec *d,
			char *buf, size_t cap)
{
	struct nfs_fh fh;
	struct diropargs a;
	switch (req->call->proc) {
	case NFS3_NULL:
		return;
	case NFS3_LINK:
		/* The new name is what LINK changes. */
		if (dec_fh(d, &fh))
			return;
		/* fall through */
	case NFS3_LOOKUP: case NFS3_CREATE: case NFS3_MKDIR: case NFS3_SYMLINK:
	case NFS3_MKNOD: case NFS3_REMOVE: case NFS3_RMDIR: case NFS3_RENAME:
		if (dec_diropargs(d, &a))
			return;
		nfs_fs_path(progs->fs, &a.dir, a.name_len <= NFS3_NAME_MAX ? a.name : NULL, buf, cap);
		return;
	default:
		if (dec_fh(d, &fh) == 0)
			nfs_fs_path(progs->fs, &fh, NULL, buf, cap);
		return;
	}
}
