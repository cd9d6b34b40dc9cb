/*
 * nfs_peer_rpc.c - synchronous wrappers over libnfs's raw NFSv3/MOUNTv3
 * async calls for the peer tests (see nfs_peer_rpc.h).
 */
#include "nfs_peer_rpc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>

#define PEER_TIMEOUT_MS 5000

enum peer_kind { K_PLAIN, K_MNT, K_GETATTR, K_LOOKUP, K_READ, K_READLINK, K_NEWOBJ,
		 K_READDIR };

struct peer {
	struct rpc_context *rpc;
};

struct peer_call {
	enum peer_kind kind;
	bool done;
	struct peer_reply *r;
};

static void copy_fh(struct peer_reply *r, const char *val, u_int len)
{
	if (len > PEER_FH_MAX)
		len = PEER_FH_MAX;
	r->have_fh = true;
	r->fh.len = len;
	memcpy(r->fh.b, val, len);
}

static void copy_attr(struct peer_reply *r, const fattr3 *a)
{
	r->have_attr = true;
	r->ftype = a->type;
	r->fileid = a->fileid;
	r->size = a->size;
}

static void copy_post_op(struct peer_reply *r, const post_op_attr *a)
{
	if (a->attributes_follow)
		copy_attr(r, &a->post_op_attr_u.attributes);
}

/* One callback for every call: the first word of every result is its status. */
static void peer_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
	struct peer_call *c = priv;
	struct peer_reply *r = c->r;

	c->done = true;
	r->rpc_status = status;
	if (status != RPC_STATUS_SUCCESS) {
		snprintf(r->rpc_error, sizeof(r->rpc_error), "%s",
			 data ? (const char *)data : rpc_get_error(rpc));
		return;
	}
	if (!data)      /* a connect completion carries no result */
		return;
	r->stat = *(const uint32_t *)data;
	if (r->stat != 0)
		return;
	switch (c->kind) {
	case K_MNT: {
		const mountres3 *m = data;
		copy_fh(r, m->mountres3_u.mountinfo.fhandle.fhandle3_val,
			m->mountres3_u.mountinfo.fhandle.fhandle3_len);
		break;
	}
	case K_GETATTR:
		copy_attr(r, &((const GETATTR3res *)data)->GETATTR3res_u.resok.obj_attributes);
		break;
	case K_LOOKUP: {
		const LOOKUP3resok *ok = &((const LOOKUP3res *)data)->LOOKUP3res_u.resok;
		copy_fh(r, ok->object.data.data_val, ok->object.data.data_len);
		copy_post_op(r, &ok->obj_attributes);
		break;
	}
	case K_READ: {
		const READ3resok *ok = &((const READ3res *)data)->READ3res_u.resok;
		r->data_len = ok->data.data_len < sizeof(r->data) ? ok->data.data_len
								  : sizeof(r->data);
		memcpy(r->data, ok->data.data_val, r->data_len);
		r->eof = ok->eof;
		copy_post_op(r, &ok->file_attributes);
		break;
	}
	case K_READLINK: {
		const READLINK3resok *ok = &((const READLINK3res *)data)->READLINK3res_u.resok;
		size_t n = strlen(ok->data);
		r->data_len = n < sizeof(r->data) ? n : sizeof(r->data) - 1;
		memcpy(r->data, ok->data, r->data_len);
		break;
	}
	case K_NEWOBJ: {
		/* CREATE3resok, MKDIR3resok and SYMLINK3resok share this layout. */
		const CREATE3resok *ok = &((const CREATE3res *)data)->CREATE3res_u.resok;
		if (ok->obj.handle_follows)
			copy_fh(r, ok->obj.post_op_fh3_u.handle.data.data_val,
				ok->obj.post_op_fh3_u.handle.data.data_len);
		copy_post_op(r, &ok->obj_attributes);
		break;
	}
	case K_READDIR: {
		const READDIR3resok *ok = &((const READDIR3res *)data)->READDIR3res_u.resok;
		const entry3 *e = ok->reply.entries;

		/* libnfs's decoder packs entries unaligned: copy each out. */
		while (e && r->n_names < 64) {
			entry3 cur;

			memcpy(&cur, e, sizeof(cur));
			snprintf(r->names[r->n_names++], sizeof(r->names[0]), "%s", cur.name);
			e = cur.nextentry;
		}
		r->eof = ok->reply.eof;
		break;
	}
	case K_PLAIN:
		break;
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Runs the loop until the call completes or PEER_TIMEOUT_MS pass. */
static int peer_wait(struct peer *p, struct peer_call *c)
{
	long deadline = now_ms() + PEER_TIMEOUT_MS;

	while (!c->done) {
		struct pollfd pfd = { .fd = rpc_get_fd(p->rpc),
				      .events = (short)rpc_which_events(p->rpc) };
		int n;

		if (now_ms() > deadline) {
			c->r->rpc_status = RPC_STATUS_TIMEOUT;
			snprintf(c->r->rpc_error, sizeof(c->r->rpc_error), "timeout");
			return -1;
		}
		n = poll(&pfd, 1, 100);
		if (n < 0 && errno != EINTR)
			return -1;
		if (rpc_service(p->rpc, n > 0 ? pfd.revents : 0) < 0) {
			if (!c->done) {
				c->r->rpc_status = RPC_STATUS_ERROR;
				snprintf(c->r->rpc_error, sizeof(c->r->rpc_error), "%s",
					 rpc_get_error(p->rpc));
			}
			return -1;
		}
	}
	return c->r->rpc_status == RPC_STATUS_SUCCESS ? 0 : -1;
}

static void call_init(struct peer_call *c, enum peer_kind kind, struct peer_reply *r)
{
	memset(r, 0, sizeof(*r));
	c->kind = kind;
	c->done = false;
	c->r = r;
}

/* Finishes a call whose send returned `sent`. */
static int call_finish(struct peer *p, struct peer_call *c, int sent)
{
	if (sent != 0) {
		c->r->rpc_status = RPC_STATUS_ERROR;
		snprintf(c->r->rpc_error, sizeof(c->r->rpc_error), "send: %s",
			 rpc_get_error(p->rpc));
		return -1;
	}
	return peer_wait(p, c);
}

struct peer *peer_connect(const char *host, int port)
{
	struct peer *p = calloc(1, sizeof(*p));
	struct peer_reply r;
	struct peer_call c;

	if (!p)
		return NULL;
	p->rpc = rpc_init_context();
	if (!p->rpc) {
		free(p);
		return NULL;
	}
	call_init(&c, K_PLAIN, &r);
	if (call_finish(p, &c, rpc_connect_async(p->rpc, host, port, peer_cb, &c)) < 0) {
		fprintf(stderr, "connect %s:%d: %s\n", host, port, r.rpc_error);
		peer_free(p);
		return NULL;
	}
	return p;
}

void peer_free(struct peer *p)
{
	if (!p)
		return;
	rpc_destroy_context(p->rpc);
	free(p);
}

void peer_set_uid(struct peer *p, int uid, int gid)
{
	rpc_set_uid(p->rpc, uid);
	rpc_set_gid(p->rpc, gid);
}

void peer_set_next_xid(struct peer *p, uint32_t xid)
{
	rpc_set_next_xid(p->rpc, xid);
}

static nfs_fh3 as_fh3(const struct peer_fh *fh)
{
	nfs_fh3 f;

	f.data.data_len = fh->len;
	f.data.data_val = (char *)fh->b;
	return f;
}

int peer_mnt(struct peer *p, const char *path, struct peer_reply *r)
{
	struct peer_call c;

	call_init(&c, K_MNT, r);
	return call_finish(p, &c, rpc_mount3_mnt_async(p->rpc, peer_cb, (char *)path, &c));
}

int peer_getattr(struct peer *p, const struct peer_fh *fh, struct peer_reply *r)
{
	struct peer_call c;
	GETATTR3args a = { .object = as_fh3(fh) };

	call_init(&c, K_GETATTR, r);
	return call_finish(p, &c, rpc_nfs3_getattr_async(p->rpc, peer_cb, &a, &c));
}

int peer_lookup(struct peer *p, const struct peer_fh *dir, const char *name,
		struct peer_reply *r)
{
	struct peer_call c;
	LOOKUP3args a = { .what = { .dir = as_fh3(dir), .name = (char *)name } };

	call_init(&c, K_LOOKUP, r);
	return call_finish(p, &c, rpc_nfs3_lookup_async(p->rpc, peer_cb, &a, &c));
}

int peer_read(struct peer *p, const struct peer_fh *fh, uint64_t off, uint32_t count,
	      struct peer_reply *r)
{
	struct peer_call c;
	READ3args a = { .file = as_fh3(fh), .offset = off, .count = count };

	call_init(&c, K_READ, r);
	return call_finish(p, &c, rpc_nfs3_read_async(p->rpc, peer_cb, &a, &c));
}

int peer_readlink(struct peer *p, const struct peer_fh *fh, struct peer_reply *r)
{
	struct peer_call c;
	READLINK3args a = { .symlink = as_fh3(fh) };

	call_init(&c, K_READLINK, r);
	return call_finish(p, &c, rpc_nfs3_readlink_async(p->rpc, peer_cb, &a, &c));
}

int peer_create(struct peer *p, const struct peer_fh *dir, const char *name,
		struct peer_reply *r)
{
	struct peer_call c;
	CREATE3args a;

	memset(&a, 0, sizeof(a));
	a.where.dir = as_fh3(dir);
	a.where.name = (char *)name;
	a.how.mode = GUARDED;
	a.how.createhow3_u.obj_attributes.mode.set_it = 1;
	a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
	call_init(&c, K_NEWOBJ, r);
	return call_finish(p, &c, rpc_nfs3_create_async(p->rpc, peer_cb, &a, &c));
}

int peer_mkdir(struct peer *p, const struct peer_fh *dir, const char *name,
	       struct peer_reply *r)
{
	struct peer_call c;
	MKDIR3args a;

	memset(&a, 0, sizeof(a));
	a.where.dir = as_fh3(dir);
	a.where.name = (char *)name;
	a.attributes.mode.set_it = 1;
	a.attributes.mode.set_mode3_u.mode = 0755;
	call_init(&c, K_NEWOBJ, r);
	return call_finish(p, &c, rpc_nfs3_mkdir_async(p->rpc, peer_cb, &a, &c));
}

int peer_symlink(struct peer *p, const struct peer_fh *dir, const char *name,
		 const char *target, struct peer_reply *r)
{
	struct peer_call c;
	SYMLINK3args a;

	memset(&a, 0, sizeof(a));
	a.where.dir = as_fh3(dir);
	a.where.name = (char *)name;
	a.symlink.symlink_data = (char *)target;
	call_init(&c, K_NEWOBJ, r);
	return call_finish(p, &c, rpc_nfs3_symlink_async(p->rpc, peer_cb, &a, &c));
}

int peer_remove(struct peer *p, const struct peer_fh *dir, const char *name,
		struct peer_reply *r)
{
	struct peer_call c;
	REMOVE3args a = { .object = { .dir = as_fh3(dir), .name = (char *)name } };

	call_init(&c, K_PLAIN, r);
	return call_finish(p, &c, rpc_nfs3_remove_async(p->rpc, peer_cb, &a, &c));
}

int peer_rmdir(struct peer *p, const struct peer_fh *dir, const char *name,
	       struct peer_reply *r)
{
	struct peer_call c;
	RMDIR3args a = { .object = { .dir = as_fh3(dir), .name = (char *)name } };

	call_init(&c, K_PLAIN, r);
	return call_finish(p, &c, rpc_nfs3_rmdir_async(p->rpc, peer_cb, &a, &c));
}

int peer_rename(struct peer *p, const struct peer_fh *from_dir, const char *from,
		const struct peer_fh *to_dir, const char *to, struct peer_reply *r)
{
	struct peer_call c;
	RENAME3args a = { .from = { .dir = as_fh3(from_dir), .name = (char *)from },
			  .to = { .dir = as_fh3(to_dir), .name = (char *)to } };

	call_init(&c, K_PLAIN, r);
	return call_finish(p, &c, rpc_nfs3_rename_async(p->rpc, peer_cb, &a, &c));
}

int peer_link(struct peer *p, const struct peer_fh *file, const struct peer_fh *dir,
	      const char *name, struct peer_reply *r)
{
	struct peer_call c;
	LINK3args a = { .file = as_fh3(file),
			.link = { .dir = as_fh3(dir), .name = (char *)name } };

	call_init(&c, K_PLAIN, r);
	return call_finish(p, &c, rpc_nfs3_link_async(p->rpc, peer_cb, &a, &c));
}

int peer_readdir(struct peer *p, const struct peer_fh *dir, struct peer_reply *r)
{
	struct peer_call c;
	READDIR3args a;

	memset(&a, 0, sizeof(a));
	a.dir = as_fh3(dir);
	a.count = 8192;
	call_init(&c, K_READDIR, r);
	return call_finish(p, &c, rpc_nfs3_readdir_async(p->rpc, peer_cb, &a, &c));
}

const char *peer_nfs3_stat_name(uint32_t stat)
{
	static const struct { uint32_t v; const char *n; } t[] = {
		{ 0, "NFS3_OK" }, { 1, "NFS3ERR_PERM" }, { 2, "NFS3ERR_NOENT" },
		{ 5, "NFS3ERR_IO" }, { 6, "NFS3ERR_NXIO" }, { 13, "NFS3ERR_ACCES" },
		{ 17, "NFS3ERR_EXIST" }, { 18, "NFS3ERR_XDEV" }, { 19, "NFS3ERR_NODEV" },
		{ 20, "NFS3ERR_NOTDIR" }, { 21, "NFS3ERR_ISDIR" }, { 22, "NFS3ERR_INVAL" },
		{ 27, "NFS3ERR_FBIG" }, { 28, "NFS3ERR_NOSPC" }, { 30, "NFS3ERR_ROFS" },
		{ 31, "NFS3ERR_MLINK" }, { 63, "NFS3ERR_NAMETOOLONG" },
		{ 66, "NFS3ERR_NOTEMPTY" }, { 69, "NFS3ERR_DQUOT" }, { 70, "NFS3ERR_STALE" },
		{ 71, "NFS3ERR_REMOTE" }, { 10001, "NFS3ERR_BADHANDLE" },
		{ 10002, "NFS3ERR_NOT_SYNC" }, { 10003, "NFS3ERR_BAD_COOKIE" },
		{ 10004, "NFS3ERR_NOTSUPP" }, { 10005, "NFS3ERR_TOOSMALL" },
		{ 10006, "NFS3ERR_SERVERFAULT" }, { 10007, "NFS3ERR_BADTYPE" },
		{ 10008, "NFS3ERR_JUKEBOX" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].v == stat)
			return t[i].n;
	return "NFS3ERR_?";
}

const char *peer_mnt3_stat_name(uint32_t stat)
{
	switch (stat) {
	case 0: return "MNT3_OK";
	case 1: return "MNT3ERR_PERM";
	case 2: return "MNT3ERR_NOENT";
	case 5: return "MNT3ERR_IO";
	case 13: return "MNT3ERR_ACCES";
	case 20: return "MNT3ERR_NOTDIR";
	case 22: return "MNT3ERR_INVAL";
	case 63: return "MNT3ERR_NAMETOOLONG";
	case 10004: return "MNT3ERR_NOTSUPP";
	case 10006: return "MNT3ERR_SERVERFAULT";
	default: return "MNT3ERR_?";
	}
}

void peer_fh_to_hex(const struct peer_fh *fh, char *buf)
{
	uint32_t i;

	for (i = 0; i < fh->len; i++)
		sprintf(buf + 2 * i, "%02x", fh->b[i]);
	buf[2 * fh->len] = '\0';
}

int peer_fh_from_hex(const char *hex, struct peer_fh *ret_fh)
{
	size_t n = strlen(hex), i;
	struct peer_fh fh;

	if (n % 2 || n / 2 > PEER_FH_MAX)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		fh.b[i] = (uint8_t)v;
	}
	fh.len = (uint32_t)(n / 2);
	*ret_fh = fh;
	return 0;
}
