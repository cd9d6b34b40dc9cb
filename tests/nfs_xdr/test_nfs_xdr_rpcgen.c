/*
 * test_nfs_xdr_rpcgen.c - the hand-written XDR of the portmapper v2,
 * MOUNT v3 and NFSv3 (servers/pmap_prog.c, mount_prog.c, nfs3_prog.c)
 * checked against an independent codec: the routines rpcgen generates
 * from our own servers/proto/{pmap2,mount3,nfs3}.x, written from RFC 1833
 * and RFC 1813.
 *
 * For every procedure of the three programs, rpcgen encodes the call
 * arguments and our server decodes them (checked by what the call did on
 * disk); our server encodes the results and rpcgen decodes them, which
 * must consume the reply exactly and re-encode to the same bytes (so pad
 * bytes are zero and bools are 0/1). The decoded fields are compared with
 * the export as lstat/statvfs/readdir see it: attributes, wcc data,
 * handles, names, data, cookies, verifiers, eof flags.
 *
 * This file includes rpcgen's headers (RFC spellings: NFS3_OK, NF3REG...)
 * and never the server's, whose constants are spelled the same; the
 * server is reached through progs_harness.h and xdr_shim.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <rpc/rpc.h>

#include "mount3.h"
#include "nfs3.h"
#include "pmap2.h"

#include "tests/nfs_progs/progs_harness.h"
#include "tests/nfs_xdr/xdr_shim.h"

#define BUF_CAP (2u << 20)
#define N_RING 8

/* rpcgen's routines, all of the shape bool_t xdr_T(XDR *, T *). */
typedef bool_t (*xfn)(XDR *, void *);
#define XF(fn) ((xfn)(void (*)(void))(fn))

struct decoded {
	xfn fn;
	void *obj;
};

struct t {
	struct ph_env *env;
	const char *dir;             /* the export's directory on disk */
	nfs_fh3 root;
	uint8_t root_data[64];
	uint64_t fsid;               /* the export's, from GETATTR of its root */
	uint8_t *args, *out, *scratch;
	size_t args_len, out_len;
	struct xs_info info;
	struct decoded *dec;         /* every decoded result, freed at teardown */
	size_t n_dec, cap_dec;
	char ring[N_RING][4096];
	unsigned ring_i;
};

/* ---- plumbing ------------------------------------------------------------ */

/* The export-relative path rel on disk ("" = the export root). */
static const char *disk(struct t *t, const char *rel)
{
	char *p = t->ring[t->ring_i++ % N_RING];
	snprintf(p, sizeof(t->ring[0]), "%s%s%s", t->dir, rel[0] ? "/" : "", rel);
	return p;
}

static struct stat st_of(struct t *t, const char *rel)
{
	struct stat st;
	assert_int_equal(lstat(disk(t, rel), &st), 0);
	return st;
}

/* rpcgen's encoding of obj into buf (BUF_CAP bytes); returns its length. */
static size_t encode(uint8_t *buf, xfn enc, void *obj)
{
	XDR x;
	xdrmem_create(&x, (char *)buf, BUF_CAP, XDR_ENCODE);
	assert_true(enc(&x, obj));
	size_t n = xdr_getpos(&x);
	xdr_destroy(&x);
	return n;
}

/* Serves args (encoded by enc) as (prog, vers, proc); returns the accept_stat. */
static int serve(struct t *t, const struct xs_opts *o, uint32_t prog, uint32_t vers,
		 uint32_t proc, xfn enc, void *args)
{
	t->args_len = encode(t->args, enc, args);
	return xs_call(t->env, o, prog, vers, proc, t->args, t->args_len, t->out, BUF_CAP,
		       &t->out_len, &t->info);
}

/* Serves bytes already in t->args. */
static int serve_raw(struct t *t, uint32_t prog, uint32_t vers, uint32_t proc, size_t len)
{
	return xs_call(t->env, NULL, prog, vers, proc, t->args, len, t->out, BUF_CAP, &t->out_len,
		       &t->info);
}

/*
 * Decodes t->out with dec into a new zeroed object of `size` bytes, kept
 * until teardown. The whole reply must be consumed, and rpcgen's encoding
 * of what it decoded must be our bytes exactly.
 */
static void *decode_out(struct t *t, xfn dec, size_t size)
{
	void *obj = calloc(1, size);
	assert_non_null(obj);
	if (t->n_dec == t->cap_dec) {
		t->cap_dec = t->cap_dec ? 2 * t->cap_dec : 64;
		t->dec = realloc(t->dec, t->cap_dec * sizeof(*t->dec));
		assert_non_null(t->dec);
	}
	t->dec[t->n_dec++] = (struct decoded){ dec, obj };
	XDR x;
	xdrmem_create(&x, (char *)t->out, (u_int)t->out_len, XDR_DECODE);
	bool ok = dec(&x, obj);
	size_t used = xdr_getpos(&x);
	xdr_destroy(&x);
	if (!ok)
		fail_msg("rpcgen could not decode our %zu-byte result", t->out_len);
	assert_int_equal(used, t->out_len);
	size_t again = encode(t->scratch, dec, obj);
	assert_int_equal(again, t->out_len);
	assert_memory_equal(t->scratch, t->out, t->out_len);
	return obj;
}

static void *call_ok(struct t *t, const struct xs_opts *o, uint32_t prog, uint32_t vers,
		     uint32_t proc, xfn enc, void *args, xfn dec, size_t size)
{
	int st = serve(t, o, prog, vers, proc, enc, args);
	if (st != SUCCESS)
		fail_msg("prog %u proc %u: accept_stat %d", prog, proc, st);
	return decode_out(t, dec, size);
}

#define CALL_AS(t, o, prog, vers, proc, A, a, R) \
	((R *)call_ok(t, o, prog, vers, proc, XF(xdr_##A), a, XF(xdr_##R), sizeof(R)))
#define NFS(t, proc, A, a, R) CALL_AS(t, NULL, NFS_PROGRAM, NFS_V3, proc, A, a, R)
#define NFS_AS(t, o, proc, A, a, R) CALL_AS(t, o, NFS_PROGRAM, NFS_V3, proc, A, a, R)
#define MNT(t, o, proc, A, a, R) CALL_AS(t, o, MOUNT_PROGRAM, MOUNT_V3, proc, A, a, R)
#define PMAP(t, proc, A, a, R) CALL_AS(t, NULL, PMAP2_PROG, PMAP2_VERS, proc, A, a, R)
/* SET and UNSET answer an XDR bool (xdr_bool, not xdr_bool_t). */
#define PMAP_BOOL(t, proc, m)                                                                \
	((bool_t *)call_ok(t, NULL, PMAP2_PROG, PMAP2_VERS, proc, XF(xdr_pmap2_mapping), m, \
			   XF(xdr_bool), sizeof(bool_t)))

/* A void result: SUCCESS and nothing after the reply header. */
static void call_void(struct t *t, const struct xs_opts *o, uint32_t prog, uint32_t vers,
		      uint32_t proc, xfn enc, void *args)
{
	assert_int_equal(serve(t, o, prog, vers, proc, enc, args), SUCCESS);
	assert_int_equal(t->out_len, 0);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	if (!t || ph_setup(&t->env))
		return -1;
	t->dir = ph_dir(t->env);
	ph_root_fh(t->env, t->root_data, &t->root.data.data_len);
	t->root.data.data_val = (char *)t->root_data;
	t->args = malloc(BUF_CAP);
	t->out = malloc(BUF_CAP);
	t->scratch = malloc(BUF_CAP);
	if (!t->args || !t->out || !t->scratch)
		return -1;
	/* The export's fsid, which every fattr3 of it must carry. */
	GETATTR3args ga = { t->root };
	GETATTR3res gr;
	memset(&gr, 0, sizeof(gr));
	size_t len = encode(t->args, XF(xdr_GETATTR3args), &ga);
	if (xs_call(t->env, NULL, NFS_PROGRAM, NFS_V3, NFSPROC3_GETATTR, t->args, len, t->out,
		    BUF_CAP, &t->out_len, NULL) != SUCCESS)
		return -1;
	XDR x;
	xdrmem_create(&x, (char *)t->out, (u_int)t->out_len, XDR_DECODE);
	bool ok = xdr_GETATTR3res(&x, &gr) && gr.status == NFS3_OK;
	xdr_destroy(&x);
	if (!ok)
		return -1;
	t->fsid = gr.GETATTR3res_u.resok.obj_attributes.fsid;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	for (size_t i = 0; i < t->n_dec; i++) {
		xdr_free((xdrproc_t)(void (*)(void))t->dec[i].fn, t->dec[i].obj);
		free(t->dec[i].obj);
	}
	free(t->dec);
	ph_teardown(t->env);
	free(t->args);
	free(t->out);
	free(t->scratch);
	free(t);
	return 0;
}

/* ---- what the results must say ------------------------------------------ */

static ftype3 ftype_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return NF3REG;
	case S_IFDIR: return NF3DIR;
	case S_IFBLK: return NF3BLK;
	case S_IFCHR: return NF3CHR;
	case S_IFLNK: return NF3LNK;
	case S_IFSOCK: return NF3SOCK;
	default: return NF3FIFO;
	}
}

static void check_time(const nfstime3 *n, const struct timespec *ts)
{
	assert_int_equal(n->seconds, (uint32_t)ts->tv_sec);
	assert_int_equal(n->nseconds, (uint32_t)ts->tv_nsec);
}

/*
 * fattr3 against lstat. atime is left to the callers that need it: the
 * server's own reads (READ, READDIR) may move it after it reported.
 */
static void check_fattr_st(struct t *t, const fattr3 *a, const struct stat *st)
{
	assert_int_equal(a->type, ftype_of(st->st_mode));
	assert_int_equal(a->mode, st->st_mode & 07777);
	assert_int_equal(a->nlink, st->st_nlink);
	assert_int_equal(a->uid, st->st_uid);
	assert_int_equal(a->gid, st->st_gid);
	assert_int_equal(a->size, (uint64_t)st->st_size);
	assert_int_equal(a->used, (uint64_t)st->st_blocks * 512);
	assert_int_equal(a->rdev.specdata1, major(st->st_rdev));
	assert_int_equal(a->rdev.specdata2, minor(st->st_rdev));
	assert_int_equal(a->fileid, st->st_ino);
	assert_int_equal(a->fsid, t->fsid);
	check_time(&a->mtime, &st->st_mtim);
	check_time(&a->ctime, &st->st_ctim);
}

static void check_fattr(struct t *t, const fattr3 *a, const char *rel)
{
	struct stat st = st_of(t, rel);
	check_fattr_st(t, a, &st);
}

static const fattr3 *attrs(const post_op_attr *p)
{
	assert_true(p->attributes_follow);
	return &p->post_op_attr_u.attributes;
}

static void check_post_op(struct t *t, const post_op_attr *p, const char *rel)
{
	check_fattr(t, attrs(p), rel);
}

/* wcc_data: before as `before` (lstat before the call), after as lstat now. */
static void check_wcc(struct t *t, const wcc_data *w, const struct stat *before, const char *rel)
{
	assert_true(w->before.attributes_follow);
	const wcc_attr *b = &w->before.pre_op_attr_u.attributes;
	assert_int_equal(b->size, (uint64_t)before->st_size);
	check_time(&b->mtime, &before->st_mtim);
	check_time(&b->ctime, &before->st_ctim);
	check_post_op(t, &w->after, rel);
}

static void check_wcc_empty(const wcc_data *w)
{
	assert_false(w->before.attributes_follow);
	assert_false(w->after.attributes_follow);
}

static void check_verf(struct t *t, const char verf[8])
{
	uint8_t want[8];
	xs_write_verf(t->env, want);
	assert_memory_equal(verf, want, 8);
}

static nfs_fh3 valid_fh(const nfs_fh3 *fh)
{
	assert_true(fh->data.data_len > 0 && fh->data.data_len <= NFS3_FHSIZE);
	return *fh; /* its bytes are the decoder's, kept until teardown */
}

static nfs_fh3 post_fh(const post_op_fh3 *p)
{
	assert_true(p->handle_follows);
	return valid_fh(&p->post_op_fh3_u.handle);
}

static void assert_fh_equal(const nfs_fh3 *a, const nfs_fh3 *b)
{
	assert_int_equal(a->data.data_len, b->data.data_len);
	assert_memory_equal(a->data.data_val, b->data.data_val, a->data.data_len);
}

static LOOKUP3res *lookup_res(struct t *t, nfs_fh3 dir, const char *name)
{
	LOOKUP3args a = { .what = { .dir = dir, .name = (char *)name } };
	return NFS(t, NFSPROC3_LOOKUP, LOOKUP3args, &a, LOOKUP3res);
}

static nfs_fh3 lookup(struct t *t, nfs_fh3 dir, const char *name, const char *rel)
{
	LOOKUP3res *r = lookup_res(t, dir, name);
	assert_int_equal(r->status, NFS3_OK);
	check_post_op(t, &r->LOOKUP3res_u.resok.obj_attributes, rel);
	return valid_fh(&r->LOOKUP3res_u.resok.object);
}

static fattr3 getattr(struct t *t, nfs_fh3 fh)
{
	GETATTR3args a = { fh };
	GETATTR3res *r = NFS(t, NFSPROC3_GETATTR, GETATTR3args, &a, GETATTR3res);
	assert_int_equal(r->status, NFS3_OK);
	assert_true(t->info.has_status);
	assert_int_equal(t->info.status, NFS3_OK);
	return r->GETATTR3res_u.resok.obj_attributes;
}

/* sattr3 with nothing set. */
static sattr3 sattr_none(void)
{
	sattr3 s;
	memset(&s, 0, sizeof(s));
	s.atime.set_it = DONT_CHANGE;
	s.mtime.set_it = DONT_CHANGE;
	return s;
}

static sattr3 sattr_mode(uint32_t mode)
{
	sattr3 s = sattr_none();
	s.mode.set_it = TRUE;
	s.mode.set_mode3_u.mode = mode;
	return s;
}

static char *name_of_len(char *buf, size_t len, char fill)
{
	memset(buf, fill, len);
	buf[len] = '\0';
	return buf;
}

/* ---- portmapper v2 --------------------------------------------------------- */

static uint32_t getport(struct t *t, uint32_t prog, uint32_t vers, uint32_t prot)
{
	pmap2_mapping m = { prog, vers, prot, 0 };
	u_int *port = PMAP(t, PMAP2PROC_GETPORT, pmap2_mapping, &m, u_int);
	return *port;
}

static void check_dump(struct t *t, const uint32_t (*rows)[4], size_t n)
{
	pmap2_list *l = PMAP(t, PMAP2PROC_DUMP, void, NULL, pmap2_list);
	size_t i = 0;
	for (const pmap2_node *p = *l; p; p = p->next, i++) {
		assert_true(i < n);
		assert_int_equal(p->map.prog, rows[i][0]);
		assert_int_equal(p->map.vers, rows[i][1]);
		assert_int_equal(p->map.prot, rows[i][2]);
		assert_int_equal(p->map.port, rows[i][3]);
	}
	assert_int_equal(i, n);
}

static void test_pmap(void **state)
{
	struct t *t = *state;
	call_void(t, NULL, PMAP2_PROG, PMAP2_VERS, PMAP2PROC_NULL, XF(xdr_void), NULL);

	/* The harness's map: portmap tcp+udp 111, mount tcp 20048, nfs tcp 2049. */
	assert_int_equal(getport(t, NFS_PROGRAM, NFS_V3, PMAP2_IPPROTO_TCP), 2049);
	assert_int_equal(getport(t, MOUNT_PROGRAM, MOUNT_V3, PMAP2_IPPROTO_TCP), 20048);
	assert_int_equal(getport(t, PMAP2_PROG, PMAP2_VERS, PMAP2_IPPROTO_UDP), 111);
	assert_int_equal(getport(t, NFS_PROGRAM, NFS_V3, PMAP2_IPPROTO_UDP), 0);
	/* Another version of a mapped program: its port (as rpcbind). */
	assert_int_equal(getport(t, NFS_PROGRAM, 4, PMAP2_IPPROTO_TCP), 2049);
	assert_int_equal(getport(t, MOUNT_PROGRAM, 1, PMAP2_IPPROTO_TCP), 20048);
	assert_int_equal(getport(t, 100099, 1, PMAP2_IPPROTO_TCP), 0);

	/* Registrations are the server's own: SET and UNSET say false. */
	pmap2_mapping m = { 100099, 1, PMAP2_IPPROTO_TCP, 4000 };
	bool_t *ok = PMAP_BOOL(t, PMAP2PROC_SET, &m);
	assert_false(*ok);
	assert_int_equal(getport(t, 100099, 1, PMAP2_IPPROTO_TCP), 0);
	m.prog = NFS_PROGRAM;
	m.vers = NFS_V3;
	ok = PMAP_BOOL(t, PMAP2PROC_UNSET, &m);
	assert_false(*ok);
	assert_int_equal(getport(t, NFS_PROGRAM, NFS_V3, PMAP2_IPPROTO_TCP), 2049);

	const uint32_t harness_map[][4] = {
		{ PMAP2_PROG, PMAP2_VERS, PMAP2_IPPROTO_TCP, 111 },
		{ PMAP2_PROG, PMAP2_VERS, PMAP2_IPPROTO_UDP, 111 },
		{ MOUNT_PROGRAM, MOUNT_V3, PMAP2_IPPROTO_TCP, 20048 },
		{ NFS_PROGRAM, NFS_V3, PMAP2_IPPROTO_TCP, 2049 },
	};
	check_dump(t, harness_map, 4);

	/* The longest map the server keeps, then an empty one. */
	uint32_t big[16][4];
	for (uint32_t i = 0; i < 16; i++) {
		big[i][0] = 200000 + i;
		big[i][1] = i % 4 + 1;
		big[i][2] = i % 2 ? PMAP2_IPPROTO_UDP : PMAP2_IPPROTO_TCP;
		big[i][3] = 60000 + i * 7;
	}
	assert_int_equal(xs_set_map(t->env, (const uint32_t (*)[4])big, 16), 0);
	check_dump(t, (const uint32_t (*)[4])big, 16);
	assert_int_equal(getport(t, 200005, 2, PMAP2_IPPROTO_UDP), 60035);
	assert_int_equal(xs_set_map(t->env, NULL, 0), 0);
	check_dump(t, NULL, 0);
	assert_int_equal(getport(t, NFS_PROGRAM, NFS_V3, PMAP2_IPPROTO_TCP), 0);

	/* CALLIT is not offered (no broadcast forwarding): PROC_UNAVAIL, no results. */
	uint8_t inner[8] = { 0, 0, 0, 1, 0, 0, 0, 2 };
	pmap2_call_args ca = { NFS_PROGRAM, NFS_V3, 0, { sizeof(inner), (char *)inner } };
	assert_int_equal(serve(t, NULL, PMAP2_PROG, PMAP2_VERS, PMAP2PROC_CALLIT,
			       XF(xdr_pmap2_call_args), &ca), PROC_UNAVAIL);
	assert_int_equal(t->out_len, 0);
}

/* ---- MOUNT v3 --------------------------------------------------------------- */

static mountres3 *mnt(struct t *t, const struct xs_opts *o, const char *path)
{
	dirpath p = (char *)path;
	return MNT(t, o, MOUNTPROC3_MNT, dirpath, &p, mountres3);
}

static void check_mountlist(struct t *t, const char *const (*want)[2], size_t n)
{
	mountlist *l = MNT(t, NULL, MOUNTPROC3_DUMP, void, NULL, mountlist);
	size_t i = 0;
	for (const struct mountbody *b = *l; b; b = b->ml_next, i++) {
		assert_true(i < n);
		assert_string_equal(b->ml_hostname, want[i][0]);
		assert_string_equal(b->ml_directory, want[i][1]);
	}
	assert_int_equal(i, n);
}

static void test_mount(void **state)
{
	struct t *t = *state;
	call_void(t, NULL, MOUNT_PROGRAM, MOUNT_V3, MOUNTPROC3_NULL, XF(xdr_void), NULL);
	check_mountlist(t, NULL, 0);

	mountres3 *r = mnt(t, NULL, PH_EXPORT);
	assert_int_equal(r->fhs_status, MNT3_OK);
	assert_true(t->info.mounted);
	const mountres3_ok *ok = &r->mountres3_u.mountinfo;
	assert_int_equal(ok->fhandle.fhandle3_len, t->root.data.data_len);
	assert_memory_equal(ok->fhandle.fhandle3_val, t->root.data.data_val,
			    t->root.data.data_len);
	/* AUTH_SYS preferred, AUTH_NONE accepted. */
	assert_int_equal(ok->auth_flavors.auth_flavors_len, 2);
	assert_int_equal(ok->auth_flavors.auth_flavors_val[0], AUTH_SYS);
	assert_int_equal(ok->auth_flavors.auth_flavors_val[1], AUTH_NONE);

	/* The handle MNT gives is the one NFS serves: GETATTR of it is the root. */
	nfs_fh3 mfh = { { ok->fhandle.fhandle3_len, ok->fhandle.fhandle3_val } };
	fattr3 ra = getattr(t, mfh);
	check_fattr(t, &ra, "");

	/* Trailing slashes name the same export (from another host, unmounted again). */
	struct xs_opts other = { .peer_ip = 0x0a000009 };
	r = mnt(t, &other, PH_EXPORT "//");
	assert_int_equal(r->fhs_status, MNT3_OK);
	assert_memory_equal(r->mountres3_u.mountinfo.fhandle.fhandle3_val, t->root.data.data_val,
			    t->root.data.data_len);
	dirpath slashed = PH_EXPORT "//";
	call_void(t, &other, MOUNT_PROGRAM, MOUNT_V3, MOUNTPROC3_UMNT, XF(xdr_dirpath), &slashed);

	/* Errors carry the status alone (mountres3's default arm is void). */
	r = mnt(t, NULL, "/no/such/export");
	assert_int_equal(r->fhs_status, MNT3ERR_NOENT);
	assert_int_equal(t->out_len, 4);
	assert_false(t->info.mounted);
	struct xs_opts pi1 = { .board = "pi1" }, pi2 = { .board = "pi2", .peer_ip = 0x0a000003 };
	r = mnt(t, &pi2, PH_BOARD_EXPORT);
	assert_int_equal(r->fhs_status, MNT3ERR_ACCES);
	assert_int_equal(t->out_len, 4);
	r = mnt(t, &pi1, PH_BOARD_EXPORT);
	assert_int_equal(r->fhs_status, MNT3_OK);
	assert_int_not_equal(r->mountres3_u.mountinfo.fhandle.fhandle3_len, 0);

	/* The longest dirpath decodes (and names no export). */
	char longest[MNTPATHLEN + 2];
	name_of_len(longest, MNTPATHLEN, 'p');
	longest[0] = '/';
	r = mnt(t, NULL, longest);
	assert_int_equal(r->fhs_status, MNT3ERR_NOENT);

	/* Who mounted what, in the order they did. */
	const char *const both[][2] = { { "10.0.0.2", PH_EXPORT }, { "10.0.0.2", PH_BOARD_EXPORT } };
	check_mountlist(t, both, 2);
	r = mnt(t, &pi2, PH_EXPORT);
	assert_int_equal(r->fhs_status, MNT3_OK);
	const char *const three[][2] = { { "10.0.0.2", PH_EXPORT },
					 { "10.0.0.2", PH_BOARD_EXPORT },
					 { "10.0.0.3", PH_EXPORT } };
	check_mountlist(t, three, 3);

	dirpath p = PH_BOARD_EXPORT;
	call_void(t, NULL, MOUNT_PROGRAM, MOUNT_V3, MOUNTPROC3_UMNT, XF(xdr_dirpath), &p);
	assert_true(t->info.unmounted);
	const char *const two[][2] = { { "10.0.0.2", PH_EXPORT }, { "10.0.0.3", PH_EXPORT } };
	check_mountlist(t, two, 2);
	call_void(t, &pi2, MOUNT_PROGRAM, MOUNT_V3, MOUNTPROC3_UMNTALL, XF(xdr_void), NULL);
	const char *const one[][2] = { { "10.0.0.2", PH_EXPORT } };
	check_mountlist(t, one, 1);

	/* EXPORT: every export, the restricted one with its board as its group. */
	exports *ex = MNT(t, NULL, MOUNTPROC3_EXPORT, void, NULL, exports);
	const struct exportnode *e1 = *ex;
	assert_non_null(e1);
	assert_string_equal(e1->ex_dir, PH_EXPORT);
	assert_null(e1->ex_groups);
	const struct exportnode *e2 = e1->ex_next;
	assert_non_null(e2);
	assert_string_equal(e2->ex_dir, PH_BOARD_EXPORT);
	assert_non_null(e2->ex_groups);
	assert_string_equal(e2->ex_groups->gr_name, "pi1");
	assert_null(e2->ex_groups->gr_next);
	assert_null(e2->ex_next);
}

/* ---- NFSv3: reading ----------------------------------------------------------- */

static void test_nfs_null_getattr_lookup_access(void **state)
{
	struct t *t = *state;
	call_void(t, NULL, NFS_PROGRAM, NFS_V3, NFSPROC3_NULL, XF(xdr_void), NULL);

	fattr3 ra = getattr(t, t->root);
	struct stat st = st_of(t, "");
	check_fattr_st(t, &ra, &st);
	check_time(&ra.atime, &st.st_atim);

	/* LOOKUP: handle, the object's and the directory's attributes. */
	LOOKUP3res *lr = lookup_res(t, t->root, "hello.txt");
	assert_int_equal(lr->status, NFS3_OK);
	check_post_op(t, &lr->LOOKUP3res_u.resok.obj_attributes, "hello.txt");
	check_post_op(t, &lr->LOOKUP3res_u.resok.dir_attributes, "");
	nfs_fh3 hello = valid_fh(&lr->LOOKUP3res_u.resok.object);
	fattr3 ha = getattr(t, hello);
	st = st_of(t, "hello.txt");
	check_fattr_st(t, &ha, &st);
	check_time(&ha.atime, &st.st_atim);

	/* A symlink is looked up, not followed; a subdirectory; "..". */
	nfs_fh3 link = lookup(t, t->root, "link", "link");
	assert_int_equal(getattr(t, link).type, NF3LNK);
	nfs_fh3 d = lookup(t, t->root, "d", "d");
	nfs_fh3 sub = lookup(t, d, "sub", "d/sub");
	nfs_fh3 up = lookup(t, sub, "..", "d");
	assert_fh_equal(&up, &d);

	/* Failure arm: the directory's attributes only. */
	lr = lookup_res(t, t->root, "missing");
	assert_int_equal(lr->status, NFS3ERR_NOENT);
	check_post_op(t, &lr->LOOKUP3res_u.resfail.dir_attributes, "");
	lr = lookup_res(t, hello, "x");
	assert_int_equal(lr->status, NFS3ERR_NOTDIR);
	if (lr->LOOKUP3res_u.resfail.dir_attributes.attributes_follow)
		check_post_op(t, &lr->LOOKUP3res_u.resfail.dir_attributes, "hello.txt");
	/* Over 255 bytes: NAMETOOLONG before anything runs, no attributes. */
	char longname[300];
	lr = lookup_res(t, t->root, name_of_len(longname, 256, 'n'));
	assert_int_equal(lr->status, NFS3ERR_NAMETOOLONG);
	assert_false(lr->LOOKUP3res_u.resfail.dir_attributes.attributes_follow);

	/* A forged handle: GETATTR's failure arm is void. */
	uint8_t bad[64];
	memcpy(bad, t->root_data, t->root.data.data_len);
	bad[t->root.data.data_len - 1] ^= 0x5a;
	GETATTR3args ga = { { { t->root.data.data_len, (char *)bad } } };
	GETATTR3res *gr = NFS(t, NFSPROC3_GETATTR, GETATTR3args, &ga, GETATTR3res);
	assert_true(gr->status == NFS3ERR_BADHANDLE || gr->status == NFS3ERR_STALE);
	assert_int_equal(t->out_len, 4);
	assert_int_equal(t->info.status, gr->status);
	/* Handles of the largest size the protocol allows, and empty: decoded, refused. */
	uint8_t max_fh[NFS3_FHSIZE];
	memset(max_fh, 0x3c, sizeof(max_fh));
	GETATTR3args sizes[] = { { { { NFS3_FHSIZE, (char *)max_fh } } }, { { { 0, NULL } } } };
	for (int i = 0; i < 2; i++) {
		gr = NFS(t, NFSPROC3_GETATTR, GETATTR3args, &sizes[i], GETATTR3res);
		assert_true(gr->status == NFS3ERR_BADHANDLE || gr->status == NFS3ERR_STALE);
	}

	/* ACCESS: root gets what it asks on a file; a stranger only reading. */
	const uint32_t all = ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY | ACCESS3_EXTEND |
			     ACCESS3_DELETE | ACCESS3_EXECUTE;
	ACCESS3args aa = { hello, ACCESS3_READ | ACCESS3_MODIFY | ACCESS3_EXTEND };
	ACCESS3res *ar = NFS(t, NFSPROC3_ACCESS, ACCESS3args, &aa, ACCESS3res);
	assert_int_equal(ar->status, NFS3_OK);
	check_post_op(t, &ar->ACCESS3res_u.resok.obj_attributes, "hello.txt");
	assert_int_equal(ar->ACCESS3res_u.resok.access,
			 ACCESS3_READ | ACCESS3_MODIFY | ACCESS3_EXTEND);
	assert_int_equal(chmod(disk(t, "hello.txt"), 0644), 0);
	struct xs_opts user = { .uid = 1000, .gid = 1000 };
	aa.access = all;
	ar = NFS_AS(t, &user, NFSPROC3_ACCESS, ACCESS3args, &aa, ACCESS3res);
	assert_int_equal(ar->status, NFS3_OK);
	check_post_op(t, &ar->ACCESS3res_u.resok.obj_attributes, "hello.txt");
	uint32_t got = ar->ACCESS3res_u.resok.access;
	assert_true(got & ACCESS3_READ);
	assert_false(got & (ACCESS3_MODIFY | ACCESS3_EXTEND | ACCESS3_EXECUTE));
	assert_int_equal(got & ~all, 0);
	/* Only bits asked for come back. */
	aa.access = ACCESS3_LOOKUP;
	aa.object = t->root;
	ar = NFS(t, NFSPROC3_ACCESS, ACCESS3args, &aa, ACCESS3res);
	assert_int_equal(ar->status, NFS3_OK);
	assert_int_equal(ar->ACCESS3res_u.resok.access, ACCESS3_LOOKUP);
	aa.object = ga.object;
	ar = NFS(t, NFSPROC3_ACCESS, ACCESS3args, &aa, ACCESS3res);
	assert_int_not_equal(ar->status, NFS3_OK);
	assert_false(ar->ACCESS3res_u.resfail.obj_attributes.attributes_follow);
}

static void test_nfs_readlink_read(void **state)
{
	struct t *t = *state;
	nfs_fh3 link = lookup(t, t->root, "link", "link");
	READLINK3args la = { link };
	READLINK3res *lr = NFS(t, NFSPROC3_READLINK, READLINK3args, &la, READLINK3res);
	assert_int_equal(lr->status, NFS3_OK);
	check_post_op(t, &lr->READLINK3res_u.resok.symlink_attributes, "link");
	assert_string_equal(lr->READLINK3res_u.resok.data, "hello.txt");
	nfs_fh3 hello = lookup(t, t->root, "hello.txt", "hello.txt");
	la.symlink = hello;
	lr = NFS(t, NFSPROC3_READLINK, READLINK3args, &la, READLINK3res);
	assert_int_equal(lr->status, NFS3ERR_INVAL);
	check_post_op(t, &lr->READLINK3res_u.resfail.symlink_attributes, "hello.txt");

	/* The whole small file: count, eof, data, attributes. */
	READ3args ra = { hello, 0, 100 };
	READ3res *rr = NFS(t, NFSPROC3_READ, READ3args, &ra, READ3res);
	assert_int_equal(rr->status, NFS3_OK);
	READ3resok *ok = &rr->READ3res_u.resok;
	check_post_op(t, &ok->file_attributes, "hello.txt");
	assert_int_equal(ok->count, 12);
	assert_int_equal(ok->data.data_len, 12);
	assert_memory_equal(ok->data.data_val, "hello world\n", 12);
	assert_true(ok->eof);
	assert_int_equal(t->info.bytes, 12);

	/* Lengths that need padding, eof exactly at the end, zero-length reads. */
	nfs_fh3 big = lookup(t, t->root, "big.bin", "big.bin");
	const struct { uint64_t off; uint32_t count; } cases[] = {
		{ 0, 0 }, { 1000, 4096 }, { 3, 5 }, { 7, 1 }, { PH_BIG_LEN - 6, 6 },
		{ PH_BIG_LEN - 6, 7 }, { PH_BIG_LEN, 10 }, { PH_BIG_LEN, 0 }, { PH_BIG_LEN + 100, 10 },
		{ 65536, 65536 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		READ3args a = { big, cases[i].off, cases[i].count };
		rr = NFS(t, NFSPROC3_READ, READ3args, &a, READ3res);
		assert_int_equal(rr->status, NFS3_OK);
		ok = &rr->READ3res_u.resok;
		check_post_op(t, &ok->file_attributes, "big.bin");
		uint64_t off = cases[i].off;
		uint64_t avail = off < PH_BIG_LEN ? PH_BIG_LEN - off : 0;
		uint32_t want = avail < cases[i].count ? (uint32_t)avail : cases[i].count;
		assert_int_equal(ok->count, want);
		assert_int_equal(ok->data.data_len, want);
		assert_int_equal(ok->eof, off + want >= PH_BIG_LEN);
		for (uint32_t j = 0; j < want; j++)
			assert_int_equal((uint8_t)ok->data.data_val[j], (uint8_t)((off + j) * 7));
	}

	/* Past what an off_t can address: INVAL, and the failure arm decodes. */
	READ3args huge = { big, UINT64_MAX - 5, 10 };
	rr = NFS(t, NFSPROC3_READ, READ3args, &huge, READ3res);
	assert_int_equal(rr->status, NFS3ERR_INVAL);
	if (rr->READ3res_u.resfail.file_attributes.attributes_follow)
		check_post_op(t, &rr->READ3res_u.resfail.file_attributes, "big.bin");
	/* An empty file: nothing, at its end. */
	assert_int_equal(close(open(disk(t, "empty.txt"), O_CREAT | O_WRONLY, 0644)), 0);
	READ3args ea = { lookup(t, t->root, "empty.txt", "empty.txt"), 0, 4096 };
	rr = NFS(t, NFSPROC3_READ, READ3args, &ea, READ3res);
	assert_int_equal(rr->status, NFS3_OK);
	assert_int_equal(rr->READ3res_u.resok.count, 0);
	assert_int_equal(rr->READ3res_u.resok.data.data_len, 0);
	assert_true(rr->READ3res_u.resok.eof);
	check_post_op(t, &rr->READ3res_u.resok.file_attributes, "empty.txt");

	/* Over UDP a READ is held to what FSINFO offers there. */
	struct xs_opts udp = { .udp = true };
	READ3args wide = { big, 0, PH_BIG_LEN };
	rr = NFS_AS(t, &udp, NFSPROC3_READ, READ3args, &wide, READ3res);
	assert_int_equal(rr->status, NFS3_OK);
	FSINFO3args fa = { t->root };
	FSINFO3res *fr = NFS_AS(t, &udp, NFSPROC3_FSINFO, FSINFO3args, &fa, FSINFO3res);
	assert_int_equal(rr->READ3res_u.resok.count, fr->FSINFO3res_u.resok.rtmax);
	assert_false(rr->READ3res_u.resok.eof);

	/* A directory cannot be read: failure arm with its attributes. */
	READ3args da = { t->root, 0, 10 };
	rr = NFS(t, NFSPROC3_READ, READ3args, &da, READ3res);
	assert_int_equal(rr->status, NFS3ERR_ISDIR);
	if (rr->READ3res_u.resfail.file_attributes.attributes_follow)
		check_post_op(t, &rr->READ3res_u.resfail.file_attributes, "");
}

/* ---- NFSv3: changing ----------------------------------------------------------- */

static CREATE3res *create(struct t *t, nfs_fh3 dir, const char *name, createmode3 mode,
			  const sattr3 *sa, const char *verf)
{
	CREATE3args a;
	memset(&a, 0, sizeof(a));
	a.where.dir = dir;
	a.where.name = (char *)name;
	a.how.mode = mode;
	if (mode == EXCLUSIVE)
		memcpy(a.how.createhow3_u.verf, verf, NFS3_CREATEVERFSIZE);
	else
		a.how.createhow3_u.obj_attributes = *sa;
	return NFS(t, NFSPROC3_CREATE, CREATE3args, &a, CREATE3res);
}

static void test_nfs_create_write_commit(void **state)
{
	struct t *t = *state;
	struct stat dir0 = st_of(t, "");
	sattr3 sa = sattr_mode(0640);
	sa.size.set_it = TRUE;
	sa.size.set_size3_u.size = 0;
	sa.atime.set_it = SET_TO_SERVER_TIME;
	CREATE3res *cr = create(t, t->root, "new.txt", UNCHECKED, &sa, NULL);
	assert_int_equal(cr->status, NFS3_OK);
	nfs_fh3 f = post_fh(&cr->CREATE3res_u.resok.obj);
	check_post_op(t, &cr->CREATE3res_u.resok.obj_attributes, "new.txt");
	assert_int_equal(st_of(t, "new.txt").st_mode & 07777, 0640);
	check_wcc(t, &cr->CREATE3res_u.resok.dir_wcc, &dir0, "");
	nfs_fh3 again = lookup(t, t->root, "new.txt", "new.txt");
	assert_fh_equal(&f, &again);

	/* GUARDED on an existing name: EXIST, with the directory's wcc. */
	dir0 = st_of(t, "");
	cr = create(t, t->root, "new.txt", GUARDED, &sa, NULL);
	assert_int_equal(cr->status, NFS3ERR_EXIST);
	const wcc_data *fw = &cr->CREATE3res_u.resfail.dir_wcc;
	check_wcc(t, fw, &dir0, "");

	/* EXCLUSIVE: the verifier makes a retransmission succeed, another fails. */
	const char verf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, other[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	dir0 = st_of(t, "");
	cr = create(t, t->root, "excl", EXCLUSIVE, NULL, verf);
	assert_int_equal(cr->status, NFS3_OK);
	nfs_fh3 ex = post_fh(&cr->CREATE3res_u.resok.obj);
	check_post_op(t, &cr->CREATE3res_u.resok.obj_attributes, "excl");
	check_wcc(t, &cr->CREATE3res_u.resok.dir_wcc, &dir0, "");
	cr = create(t, t->root, "excl", EXCLUSIVE, NULL, verf);
	assert_int_equal(cr->status, NFS3_OK);
	nfs_fh3 ex2 = post_fh(&cr->CREATE3res_u.resok.obj);
	assert_fh_equal(&ex, &ex2);
	cr = create(t, t->root, "excl", EXCLUSIVE, NULL, other);
	assert_int_equal(cr->status, NFS3ERR_EXIST);

	/* The longest name, and one byte over it (empty failure arm). */
	char n255[300];
	name_of_len(n255, 255, 'z');
	dir0 = st_of(t, "");
	cr = create(t, t->root, n255, GUARDED, &sa, NULL);
	assert_int_equal(cr->status, NFS3_OK);
	check_post_op(t, &cr->CREATE3res_u.resok.obj_attributes, n255);
	check_wcc(t, &cr->CREATE3res_u.resok.dir_wcc, &dir0, "");
	(void)lookup(t, t->root, n255, n255);
	name_of_len(n255, 256, 'z');
	cr = create(t, t->root, n255, GUARDED, &sa, NULL);
	assert_int_equal(cr->status, NFS3ERR_NAMETOOLONG);
	check_wcc_empty(&cr->CREATE3res_u.resfail.dir_wcc);

	/* WRITE: FILE_SYNC data lands; count, committed, verifier, wcc. */
	struct stat f0 = st_of(t, "new.txt");
	char data[] = "0123456789";
	WRITE3args wa = { f, 0, 10, FILE_SYNC, { 10, data } };
	WRITE3res *wr = NFS(t, NFSPROC3_WRITE, WRITE3args, &wa, WRITE3res);
	assert_int_equal(wr->status, NFS3_OK);
	WRITE3resok *wok = &wr->WRITE3res_u.resok;
	assert_int_equal(wok->count, 10);
	assert_int_equal(wok->committed, FILE_SYNC);
	check_verf(t, wok->verf);
	check_wcc(t, &wok->file_wcc, &f0, "new.txt");
	assert_int_equal(t->info.bytes, 10);
	/* UNSTABLE, odd length, past the end (a hole before it). */
	f0 = st_of(t, "new.txt");
	char tail[] = "abc";
	WRITE3args ua = { f, 100, 3, UNSTABLE, { 3, tail } };
	wr = NFS(t, NFSPROC3_WRITE, WRITE3args, &ua, WRITE3res);
	assert_int_equal(wr->status, NFS3_OK);
	wok = &wr->WRITE3res_u.resok;
	assert_int_equal(wok->count, 3);
	assert_true(wok->committed >= UNSTABLE && wok->committed <= FILE_SYNC);
	check_verf(t, wok->verf);
	check_wcc(t, &wok->file_wcc, &f0, "new.txt");
	/* Zero bytes: nothing changes but the answer is complete. */
	f0 = st_of(t, "new.txt");
	WRITE3args za = { f, 5, 0, DATA_SYNC, { 0, NULL } };
	wr = NFS(t, NFSPROC3_WRITE, WRITE3args, &za, WRITE3res);
	assert_int_equal(wr->status, NFS3_OK);
	assert_int_equal(wr->WRITE3res_u.resok.count, 0);
	assert_true(wr->WRITE3res_u.resok.committed >= DATA_SYNC);
	check_wcc(t, &wr->WRITE3res_u.resok.file_wcc, &f0, "new.txt");
	assert_int_equal(st_of(t, "new.txt").st_size, 103);
	int fd = open(disk(t, "new.txt"), O_RDONLY);
	assert_true(fd >= 0);
	char back[103];
	assert_int_equal(pread(fd, back, sizeof(back), 0), 103);
	close(fd);
	assert_memory_equal(back, "0123456789", 10);
	for (int i = 10; i < 100; i++)
		assert_int_equal(back[i], 0);
	assert_memory_equal(back + 100, "abc", 3);
	/* count below the data's length: count bytes are written. */
	f0 = st_of(t, "new.txt");
	char over[] = "XYZW";
	WRITE3args ca3 = { f, 1, 2, FILE_SYNC, { 4, over } };
	wr = NFS(t, NFSPROC3_WRITE, WRITE3args, &ca3, WRITE3res);
	assert_int_equal(wr->status, NFS3_OK);
	assert_int_equal(wr->WRITE3res_u.resok.count, 2);
	check_wcc(t, &wr->WRITE3res_u.resok.file_wcc, &f0, "new.txt");
	/* Past the largest file: FBIG with the file's wcc. */
	f0 = st_of(t, "new.txt");
	WRITE3args hw = { f, UINT64_MAX - 1, 3, UNSTABLE, { 3, tail } };
	wr = NFS(t, NFSPROC3_WRITE, WRITE3args, &hw, WRITE3res);
	assert_int_equal(wr->status, NFS3ERR_FBIG);
	if (wr->WRITE3res_u.resfail.file_wcc.before.attributes_follow)
		check_wcc(t, &wr->WRITE3res_u.resfail.file_wcc, &f0, "new.txt");
	/* A WRITE to a directory fails with the wcc arm. */
	WRITE3args dw = { t->root, 0, 3, FILE_SYNC, { 3, tail } };
	wr = NFS(t, NFSPROC3_WRITE, WRITE3args, &dw, WRITE3res);
	assert_int_equal(wr->status, NFS3ERR_ISDIR);

	/* COMMIT: the same verifier as WRITE, the file's wcc. */
	f0 = st_of(t, "new.txt");
	COMMIT3args ca = { f, 0, 0 };
	COMMIT3res *cm = NFS(t, NFSPROC3_COMMIT, COMMIT3args, &ca, COMMIT3res);
	assert_int_equal(cm->status, NFS3_OK);
	check_verf(t, cm->COMMIT3res_u.resok.verf);
	check_wcc(t, &cm->COMMIT3res_u.resok.file_wcc, &f0, "new.txt");
	ca.offset = 50;
	ca.count = 60;
	cm = NFS(t, NFSPROC3_COMMIT, COMMIT3args, &ca, COMMIT3res);
	assert_int_equal(cm->status, NFS3_OK);
	check_verf(t, cm->COMMIT3res_u.resok.verf);

	/* And the data reads back through READ (with the two bytes of the short WRITE). */
	assert_int_equal(pread(fd = open(disk(t, "new.txt"), O_RDONLY), back, 4, 0), 4);
	close(fd);
	assert_memory_equal(back, "0XY3", 4);
	READ3args ra = { f, 98, 10 };
	READ3res *rr = NFS(t, NFSPROC3_READ, READ3args, &ra, READ3res);
	assert_int_equal(rr->status, NFS3_OK);
	assert_int_equal(rr->READ3res_u.resok.count, 5);
	assert_memory_equal(rr->READ3res_u.resok.data.data_val, "\0\0abc", 5);
	assert_true(rr->READ3res_u.resok.eof);
}

static void test_nfs_setattr(void **state)
{
	struct t *t = *state;
	nfs_fh3 f = lookup(t, t->root, "hello.txt", "hello.txt");

	/* Mode alone. */
	struct stat s0 = st_of(t, "hello.txt");
	SETATTR3args a;
	memset(&a, 0, sizeof(a));
	a.object = f;
	a.new_attributes = sattr_mode(0604);
	SETATTR3res *r = NFS(t, NFSPROC3_SETATTR, SETATTR3args, &a, SETATTR3res);
	assert_int_equal(r->status, NFS3_OK);
	check_wcc(t, &r->SETATTR3res_u.resok.obj_wcc, &s0, "hello.txt");
	assert_int_equal(st_of(t, "hello.txt").st_mode & 07777, 0604);

	/* Size (truncate), owner, and both times from the client. */
	s0 = st_of(t, "hello.txt");
	sattr3 sa = sattr_none();
	sa.size.set_it = TRUE;
	sa.size.set_size3_u.size = 5;
	if (geteuid() == 0) {
		sa.uid.set_it = TRUE;
		sa.uid.set_uid3_u.uid = 1234;
		sa.gid.set_it = TRUE;
		sa.gid.set_gid3_u.gid = 5678;
	}
	sa.atime.set_it = SET_TO_CLIENT_TIME;
	sa.atime.set_atime_u.atime = (nfstime3){ 1000000000, 123456789 };
	sa.mtime.set_it = SET_TO_CLIENT_TIME;
	sa.mtime.set_mtime_u.mtime = (nfstime3){ 1200000000, 987654321 };
	a.new_attributes = sa;
	r = NFS(t, NFSPROC3_SETATTR, SETATTR3args, &a, SETATTR3res);
	assert_int_equal(r->status, NFS3_OK);
	check_wcc(t, &r->SETATTR3res_u.resok.obj_wcc, &s0, "hello.txt");
	struct stat s1 = st_of(t, "hello.txt");
	assert_int_equal(s1.st_size, 5);
	if (geteuid() == 0) {
		assert_int_equal(s1.st_uid, 1234);
		assert_int_equal(s1.st_gid, 5678);
	}
	assert_int_equal(s1.st_atim.tv_sec, 1000000000);
	assert_int_equal(s1.st_atim.tv_nsec, 123456789);
	assert_int_equal(s1.st_mtim.tv_sec, 1200000000);
	assert_int_equal(s1.st_mtim.tv_nsec, 987654321);
	fattr3 ga = getattr(t, f);
	check_fattr_st(t, &ga, &s1);
	check_time(&ga.atime, &s1.st_atim);
	assert_int_equal(ga.uid, s1.st_uid);

	/* mtime from the server's clock, atime left alone. */
	struct timespec before;
	clock_gettime(CLOCK_REALTIME, &before);
	s0 = st_of(t, "hello.txt");
	sa = sattr_none();
	sa.mtime.set_it = SET_TO_SERVER_TIME;
	a.new_attributes = sa;
	r = NFS(t, NFSPROC3_SETATTR, SETATTR3args, &a, SETATTR3res);
	assert_int_equal(r->status, NFS3_OK);
	check_wcc(t, &r->SETATTR3res_u.resok.obj_wcc, &s0, "hello.txt");
	s1 = st_of(t, "hello.txt");
	assert_true(s1.st_mtim.tv_sec >= before.tv_sec - 1 && s1.st_mtim.tv_sec <= time(NULL) + 1);
	assert_int_equal(s1.st_atim.tv_sec, 1000000000);

	/* The guard: a stale ctime gives NOT_SYNC (wcc arm), the current one passes. */
	s0 = st_of(t, "hello.txt");
	a.new_attributes = sattr_mode(0600);
	a.guard.check = TRUE;
	a.guard.sattrguard3_u.obj_ctime = (nfstime3){ 1, 2 };
	r = NFS(t, NFSPROC3_SETATTR, SETATTR3args, &a, SETATTR3res);
	assert_int_equal(r->status, NFS3ERR_NOT_SYNC);
	check_wcc(t, &r->SETATTR3res_u.resfail.obj_wcc, &s0, "hello.txt");
	assert_int_equal(st_of(t, "hello.txt").st_mode & 07777, 0604);
	a.guard.sattrguard3_u.obj_ctime =
		(nfstime3){ (uint32_t)s0.st_ctim.tv_sec, (uint32_t)s0.st_ctim.tv_nsec };
	r = NFS(t, NFSPROC3_SETATTR, SETATTR3args, &a, SETATTR3res);
	assert_int_equal(r->status, NFS3_OK);
	check_wcc(t, &r->SETATTR3res_u.resok.obj_wcc, &s0, "hello.txt");
	assert_int_equal(st_of(t, "hello.txt").st_mode & 07777, 0600);

	/* Nothing set: a no-op that still answers with wcc. */
	s0 = st_of(t, "hello.txt");
	a.new_attributes = sattr_none();
	a.guard.check = FALSE;
	r = NFS(t, NFSPROC3_SETATTR, SETATTR3args, &a, SETATTR3res);
	assert_int_equal(r->status, NFS3_OK);
	check_wcc(t, &r->SETATTR3res_u.resok.obj_wcc, &s0, "hello.txt");
}

static MKNOD3res *mknod3(struct t *t, nfs_fh3 dir, const char *name, ftype3 type, sattr3 sa,
			 uint32_t major_, uint32_t minor_)
{
	MKNOD3args a;
	memset(&a, 0, sizeof(a));
	a.where.dir = dir;
	a.where.name = (char *)name;
	a.what.type = type;
	if (type == NF3CHR || type == NF3BLK) {
		a.what.mknoddata3_u.device.dev_attributes = sa;
		a.what.mknoddata3_u.device.spec = (specdata3){ major_, minor_ };
	} else if (type == NF3SOCK || type == NF3FIFO) {
		a.what.mknoddata3_u.pipe_attributes = sa;
	}
	return NFS(t, NFSPROC3_MKNOD, MKNOD3args, &a, MKNOD3res);
}

/* Whether this process may make device nodes (root outside a locked-down container). */
static bool can_mknod_dev(struct t *t)
{
	const char *p = disk(t, "probe-dev");
	if (mknod(p, S_IFCHR | 0600, makedev(1, 3)) != 0)
		return false;
	unlink(p);
	return true;
}

static void test_nfs_mkdir_symlink_mknod(void **state)
{
	struct t *t = *state;
	/* MKDIR with a mode and client times. */
	struct stat dir0 = st_of(t, "");
	MKDIR3args ma;
	memset(&ma, 0, sizeof(ma));
	ma.where = (diropargs3){ t->root, "newdir" };
	ma.attributes = sattr_mode(0710);
	ma.attributes.mtime.set_it = SET_TO_CLIENT_TIME;
	ma.attributes.mtime.set_mtime_u.mtime = (nfstime3){ 1300000000, 5 };
	MKDIR3res *mr = NFS(t, NFSPROC3_MKDIR, MKDIR3args, &ma, MKDIR3res);
	assert_int_equal(mr->status, NFS3_OK);
	nfs_fh3 nd = post_fh(&mr->MKDIR3res_u.resok.obj);
	check_post_op(t, &mr->MKDIR3res_u.resok.obj_attributes, "newdir");
	check_wcc(t, &mr->MKDIR3res_u.resok.dir_wcc, &dir0, "");
	struct stat ns = st_of(t, "newdir");
	assert_true(S_ISDIR(ns.st_mode));
	assert_int_equal(ns.st_mode & 07777, 0710);
	assert_int_equal(ns.st_mtim.tv_sec, 1300000000);
	assert_int_equal(ns.st_mtim.tv_nsec, 5);
	assert_int_equal(getattr(t, nd).fileid, ns.st_ino);
	/* Again: EXIST with the parent's wcc. */
	dir0 = st_of(t, "");
	mr = NFS(t, NFSPROC3_MKDIR, MKDIR3args, &ma, MKDIR3res);
	assert_int_equal(mr->status, NFS3ERR_EXIST);
	check_wcc(t, &mr->MKDIR3res_u.resfail.dir_wcc, &dir0, "");

	/* SYMLINK: the target text round-trips through READLINK. */
	char target[1001];
	for (int i = 0; i < 1000; i++)
		target[i] = i % 10 == 9 ? '/' : (char)('a' + i % 26);
	target[1000] = '\0';
	const char *targets[] = { "../x/y", target };
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "long-link" : "sl";
		dir0 = st_of(t, "newdir");
		SYMLINK3args sa;
		memset(&sa, 0, sizeof(sa));
		sa.where = (diropargs3){ nd, (char *)name };
		sa.symlink.symlink_attributes = sattr_none();
		sa.symlink.symlink_data = (char *)targets[i];
		SYMLINK3res *sr = NFS(t, NFSPROC3_SYMLINK, SYMLINK3args, &sa, SYMLINK3res);
		assert_int_equal(sr->status, NFS3_OK);
		char rel[64];
		snprintf(rel, sizeof(rel), "newdir/%s", name);
		check_post_op(t, &sr->SYMLINK3res_u.resok.obj_attributes, rel);
		check_wcc(t, &sr->SYMLINK3res_u.resok.dir_wcc, &dir0, "newdir");
		char buf[1100];
		ssize_t n = readlink(disk(t, rel), buf, sizeof(buf));
		assert_int_equal(n, strlen(targets[i]));
		assert_memory_equal(buf, targets[i], (size_t)n);
		READLINK3args la = { post_fh(&sr->SYMLINK3res_u.resok.obj) };
		READLINK3res *lr = NFS(t, NFSPROC3_READLINK, READLINK3args, &la, READLINK3res);
		assert_int_equal(lr->status, NFS3_OK);
		assert_string_equal(lr->READLINK3res_u.resok.data, targets[i]);
	}

	/* MKNOD: a FIFO and a socket with their attributes; devices with numbers. */
	struct { const char *name; ftype3 type; mode_t fmt; uint32_t maj, min; } nodes[] = {
		{ "fifo", NF3FIFO, S_IFIFO, 0, 0 },
		{ "sock", NF3SOCK, S_IFSOCK, 0, 0 },
		{ "chr", NF3CHR, S_IFCHR, 1, 3 },
		{ "blk", NF3BLK, S_IFBLK, 7, 129 },
	};
	bool dev_ok = can_mknod_dev(t);
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		dir0 = st_of(t, "newdir");
		MKNOD3res *kr = mknod3(t, nd, nodes[i].name, nodes[i].type, sattr_mode(0620),
				       nodes[i].maj, nodes[i].min);
		char rel[64];
		snprintf(rel, sizeof(rel), "newdir/%s", nodes[i].name);
		bool dev = nodes[i].type == NF3CHR || nodes[i].type == NF3BLK;
		if (dev && !dev_ok) {
			assert_int_not_equal(kr->status, NFS3_OK);
			continue;
		}
		assert_int_equal(kr->status, NFS3_OK);
		const fattr3 *ka = attrs(&kr->MKNOD3res_u.resok.obj_attributes);
		check_fattr(t, ka, rel);
		assert_int_equal(ka->type, nodes[i].type);
		assert_int_equal(ka->rdev.specdata1, nodes[i].maj);
		assert_int_equal(ka->rdev.specdata2, nodes[i].min);
		check_wcc(t, &kr->MKNOD3res_u.resok.dir_wcc, &dir0, "newdir");
		struct stat ks = st_of(t, rel);
		assert_int_equal(ks.st_mode & S_IFMT, nodes[i].fmt);
		assert_int_equal(ks.st_mode & 07777, 0620);
		if (dev) {
			assert_int_equal(major(ks.st_rdev), nodes[i].maj);
			assert_int_equal(minor(ks.st_rdev), nodes[i].min);
		}
		nfs_fh3 kfh = post_fh(&kr->MKNOD3res_u.resok.obj);
		assert_int_equal(getattr(t, kfh).fileid, ks.st_ino);
	}
	/* Types MKNOD does not make (mknoddata3's void arm): BADTYPE, wcc arm. */
	const ftype3 bad[] = { NF3REG, NF3DIR, NF3LNK };
	for (size_t i = 0; i < 3; i++) {
		dir0 = st_of(t, "newdir");
		MKNOD3res *kr = mknod3(t, nd, "nope", bad[i], sattr_none(), 0, 0);
		assert_int_equal(kr->status, NFS3ERR_BADTYPE);
		check_wcc(t, &kr->MKNOD3res_u.resfail.dir_wcc, &dir0, "newdir");
		assert_int_not_equal(lstat(disk(t, "newdir/nope"), &dir0), 0);
	}
}

static void test_nfs_remove_rmdir_rename_link(void **state)
{
	struct t *t = *state;
	nfs_fh3 hello = lookup(t, t->root, "hello.txt", "hello.txt");
	nfs_fh3 d = lookup(t, t->root, "d", "d");

	/* LINK: the file's attributes (two links now) and the directory's wcc. */
	struct stat d0 = st_of(t, "d");
	LINK3args la = { hello, { d, "hl" } };
	LINK3res *lr = NFS(t, NFSPROC3_LINK, LINK3args, &la, LINK3res);
	assert_int_equal(lr->status, NFS3_OK);
	check_post_op(t, &lr->LINK3res_u.resok.file_attributes, "hello.txt");
	assert_int_equal(attrs(&lr->LINK3res_u.resok.file_attributes)->nlink, 2);
	check_wcc(t, &lr->LINK3res_u.resok.linkdir_wcc, &d0, "d");
	assert_int_equal(st_of(t, "d/hl").st_ino, st_of(t, "hello.txt").st_ino);
	/* Again: EXIST, both parts of the failure arm valid when present. */
	d0 = st_of(t, "d");
	lr = NFS(t, NFSPROC3_LINK, LINK3args, &la, LINK3res);
	assert_int_equal(lr->status, NFS3ERR_EXIST);
	if (lr->LINK3res_u.resfail.file_attributes.attributes_follow)
		check_post_op(t, &lr->LINK3res_u.resfail.file_attributes, "hello.txt");
	check_wcc(t, &lr->LINK3res_u.resfail.linkdir_wcc, &d0, "d");

	/* RENAME between directories: both wcc. */
	struct stat r0 = st_of(t, "");
	d0 = st_of(t, "d");
	RENAME3args ra = { { d, "hl" }, { t->root, "moved" } };
	RENAME3res *rr = NFS(t, NFSPROC3_RENAME, RENAME3args, &ra, RENAME3res);
	assert_int_equal(rr->status, NFS3_OK);
	check_wcc(t, &rr->RENAME3res_u.resok.fromdir_wcc, &d0, "d");
	check_wcc(t, &rr->RENAME3res_u.resok.todir_wcc, &r0, "");
	assert_int_equal(st_of(t, "moved").st_ino, st_of(t, "hello.txt").st_ino);
	/* Within one directory, over a name too long. */
	char n256[300];
	ra = (RENAME3args){ { t->root, "moved" }, { t->root, name_of_len(n256, 256, 'r') } };
	rr = NFS(t, NFSPROC3_RENAME, RENAME3args, &ra, RENAME3res);
	assert_int_equal(rr->status, NFS3ERR_NAMETOOLONG);
	check_wcc_empty(&rr->RENAME3res_u.resfail.fromdir_wcc);
	check_wcc_empty(&rr->RENAME3res_u.resfail.todir_wcc);
	/* A missing source: NOENT with the two wcc when given. */
	r0 = st_of(t, "");
	ra = (RENAME3args){ { t->root, "absent" }, { t->root, "x" } };
	rr = NFS(t, NFSPROC3_RENAME, RENAME3args, &ra, RENAME3res);
	assert_int_equal(rr->status, NFS3ERR_NOENT);
	check_wcc(t, &rr->RENAME3res_u.resfail.fromdir_wcc, &r0, "");
	/* Into another export: XDEV. */
	struct xs_opts pi1 = { .board = "pi1" };
	mountres3 *m = mnt(t, &pi1, PH_BOARD_EXPORT);
	assert_int_equal(m->fhs_status, MNT3_OK);
	nfs_fh3 brd = { { m->mountres3_u.mountinfo.fhandle.fhandle3_len,
			  m->mountres3_u.mountinfo.fhandle.fhandle3_val } };
	ra = (RENAME3args){ { t->root, "moved" }, { brd, "x" } };
	rr = NFS_AS(t, &pi1, NFSPROC3_RENAME, RENAME3args, &ra, RENAME3res);
	assert_int_equal(rr->status, NFS3ERR_XDEV);

	/* REMOVE: the directory's wcc; of a missing name NOENT. */
	r0 = st_of(t, "");
	REMOVE3args rm = { { t->root, "moved" } };
	REMOVE3res *xr = NFS(t, NFSPROC3_REMOVE, REMOVE3args, &rm, REMOVE3res);
	assert_int_equal(xr->status, NFS3_OK);
	check_wcc(t, &xr->REMOVE3res_u.resok.dir_wcc, &r0, "");
	assert_int_equal(st_of(t, "hello.txt").st_nlink, 1);
	r0 = st_of(t, "");
	xr = NFS(t, NFSPROC3_REMOVE, REMOVE3args, &rm, REMOVE3res);
	assert_int_equal(xr->status, NFS3ERR_NOENT);
	check_wcc(t, &xr->REMOVE3res_u.resfail.dir_wcc, &r0, "");

	/* RMDIR: an empty directory goes, a full one stays (NOTEMPTY). */
	d0 = st_of(t, "d");
	RMDIR3args rd = { { d, "sub" } };
	RMDIR3res *dr = NFS(t, NFSPROC3_RMDIR, RMDIR3args, &rd, RMDIR3res);
	assert_int_equal(dr->status, NFS3_OK);
	check_wcc(t, &dr->RMDIR3res_u.resok.dir_wcc, &d0, "d");
	r0 = st_of(t, "");
	rd = (RMDIR3args){ { t->root, "d" } };
	dr = NFS(t, NFSPROC3_RMDIR, RMDIR3args, &rd, RMDIR3res);
	assert_int_equal(dr->status, NFS3ERR_NOTEMPTY);
	check_wcc(t, &dr->RMDIR3res_u.resfail.dir_wcc, &r0, "");
	st_of(t, "d");
}

/* ---- NFSv3: directories ------------------------------------------------------- */

/* Names in a directory on disk, "." and ".." included. */
static size_t disk_names(struct t *t, const char *rel, char names[][256], size_t cap)
{
	DIR *dp = opendir(disk(t, rel));
	assert_non_null(dp);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		assert_true(n < cap);
		snprintf(names[n++], 256, "%s", de->d_name);
	}
	closedir(dp);
	return n;
}

static bool in_names(char names[][256], size_t n, const char *name, bool *seen)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0) {
			if (seen[i])
				fail_msg("\"%s\" listed twice", name);
			seen[i] = true;
			return true;
		}
	return false;
}

/* The fileid an entry must carry: the object's inode; ".." at the root is the root. */
static uint64_t want_fileid(struct t *t, const char *dir_rel, const char *name, char *rel,
			    size_t cap)
{
	if (strcmp(name, ".") == 0)
		snprintf(rel, cap, "%s", dir_rel);
	else if (strcmp(name, "..") == 0) {
		const char *slash = strrchr(dir_rel, '/');
		snprintf(rel, cap, "%.*s", slash ? (int)(slash - dir_rel) : 0, dir_rel);
	} else
		snprintf(rel, cap, "%s%s%s", dir_rel, dir_rel[0] ? "/" : "", name);
	return st_of(t, rel).st_ino;
}

/*
 * Lists dir_rel (handle dir) with READDIR or READDIRPLUS in pages of the
 * given budget, checking every page, and that the pages together give the
 * directory's names once each. Returns the number of pages.
 */
static size_t list_dir(struct t *t, nfs_fh3 dir, const char *dir_rel, bool plus, uint32_t dircount,
		       uint32_t maxcount)
{
	static char names[256][256];
	bool seen[256] = { false };
	size_t n = disk_names(t, dir_rel, names, 256);
	size_t listed = 0, pages = 0;
	cookie3 cookie = 0;
	char verf[NFS3_COOKIEVERFSIZE] = { 0 };
	bool eof = false;
	while (!eof) {
		assert_true(++pages < 1000);
		const post_op_attr *dattr;
		const char *rverf;
		if (plus) {
			READDIRPLUS3args a = { dir, cookie, { 0 }, dircount, maxcount };
			memcpy(a.cookieverf, verf, sizeof(verf));
			READDIRPLUS3res *r = NFS(t, NFSPROC3_READDIRPLUS, READDIRPLUS3args, &a,
						 READDIRPLUS3res);
			assert_int_equal(r->status, NFS3_OK);
			assert_true(t->out_len <= maxcount);
			READDIRPLUS3resok *ok = &r->READDIRPLUS3res_u.resok;
			dattr = &ok->dir_attributes;
			rverf = ok->cookieverf;
			eof = ok->reply.eof;
			assert_true(ok->reply.entries || eof);
			for (const entryplus3 *e = ok->reply.entries; e; e = e->nextentry) {
				char rel[600];
				assert_true(in_names(names, n, e->name, seen));
				assert_int_equal(e->fileid, want_fileid(t, dir_rel, e->name, rel,
									sizeof(rel)));
				assert_int_not_equal(e->cookie, 0);
				/* Attributes and handle of the very object named. */
				check_post_op(t, &e->name_attributes, rel);
				nfs_fh3 fh = post_fh(&e->name_handle);
				assert_int_equal(getattr(t, fh).fileid, e->fileid);
				cookie = e->cookie;
				listed++;
			}
		} else {
			READDIR3args a = { dir, cookie, { 0 }, maxcount };
			memcpy(a.cookieverf, verf, sizeof(verf));
			READDIR3res *r = NFS(t, NFSPROC3_READDIR, READDIR3args, &a, READDIR3res);
			assert_int_equal(r->status, NFS3_OK);
			assert_true(t->out_len <= maxcount);
			READDIR3resok *ok = &r->READDIR3res_u.resok;
			dattr = &ok->dir_attributes;
			rverf = ok->cookieverf;
			eof = ok->reply.eof;
			assert_true(ok->reply.entries || eof);
			for (const entry3 *e = ok->reply.entries; e; e = e->nextentry) {
				char rel[600];
				assert_true(in_names(names, n, e->name, seen));
				assert_int_equal(e->fileid, want_fileid(t, dir_rel, e->name, rel,
									sizeof(rel)));
				assert_int_not_equal(e->cookie, 0);
				cookie = e->cookie;
				listed++;
			}
		}
		fattr3 da = *attrs(dattr);
		struct stat ds = st_of(t, dir_rel);
		check_fattr_st(t, &da, &ds);
		/* One verifier for the whole listing. */
		if (pages > 1)
			assert_memory_equal(rverf, verf, sizeof(verf));
		memcpy(verf, rverf, sizeof(verf));
	}
	assert_int_equal(listed, n);
	return pages;
}

static void test_nfs_readdir(void **state)
{
	struct t *t = *state;
	nfs_fh3 d = lookup(t, t->root, "d", "d");
	char n255[256];
	name_of_len(n255, 255, 'L');
	assert_int_equal(close(open(disk(t, n255), O_CREAT | O_WRONLY, 0644)), 0);

	/* Everything in one reply, then in small pages. */
	assert_int_equal(list_dir(t, t->root, "", false, 0, 65536), 1);
	assert_int_equal(list_dir(t, d, "d", false, 0, 65536), 1);
	assert_true(list_dir(t, d, "d", false, 0, 400) > 3);
	assert_true(list_dir(t, t->root, "", false, 0, 400) > 1);

	/* An empty directory: "." and "..", then nothing after the last cookie. */
	assert_int_equal(mkdir(disk(t, "d/sub/empty"), 0755), 0);
	nfs_fh3 sub = lookup(t, d, "sub", "d/sub");
	nfs_fh3 empty = lookup(t, sub, "empty", "d/sub/empty");
	assert_int_equal(list_dir(t, empty, "d/sub/empty", false, 0, 4096), 1);
	READDIR3args a = { empty, 0, { 0 }, 4096 };
	READDIR3res *r = NFS(t, NFSPROC3_READDIR, READDIR3args, &a, READDIR3res);
	assert_int_equal(r->status, NFS3_OK);
	const entry3 *e = r->READDIR3res_u.resok.reply.entries;
	assert_non_null(e);
	assert_non_null(e->nextentry);
	assert_null(e->nextentry->nextentry);
	a.cookie = e->nextentry->cookie;
	memcpy(a.cookieverf, r->READDIR3res_u.resok.cookieverf, NFS3_COOKIEVERFSIZE);
	r = NFS(t, NFSPROC3_READDIR, READDIR3args, &a, READDIR3res);
	assert_int_equal(r->status, NFS3_OK);
	assert_null(r->READDIR3res_u.resok.reply.entries);
	assert_true(r->READDIR3res_u.resok.reply.eof);
	check_post_op(t, &r->READDIR3res_u.resok.dir_attributes, "d/sub/empty");

	/* A budget too small for one entry: TOOSMALL, the directory's attributes. */
	a = (READDIR3args){ d, 0, { 0 }, 64 };
	r = NFS(t, NFSPROC3_READDIR, READDIR3args, &a, READDIR3res);
	assert_int_equal(r->status, NFS3ERR_TOOSMALL);
	check_post_op(t, &r->READDIR3res_u.resfail.dir_attributes, "d");
	/* A cookie under a verifier this directory never gave: BAD_COOKIE. */
	a = (READDIR3args){ d, 12345, { 9, 9, 9, 9, 9, 9, 9, 9 }, 4096 };
	r = NFS(t, NFSPROC3_READDIR, READDIR3args, &a, READDIR3res);
	assert_int_equal(r->status, NFS3ERR_BAD_COOKIE);
	check_post_op(t, &r->READDIR3res_u.resfail.dir_attributes, "d");
	/* Not a directory. */
	nfs_fh3 hello = lookup(t, t->root, "hello.txt", "hello.txt");
	a = (READDIR3args){ hello, 0, { 0 }, 4096 };
	r = NFS(t, NFSPROC3_READDIR, READDIR3args, &a, READDIR3res);
	assert_int_equal(r->status, NFS3ERR_NOTDIR);
}

static void test_nfs_readdirplus(void **state)
{
	struct t *t = *state;
	nfs_fh3 d = lookup(t, t->root, "d", "d");
	char n255[256];
	name_of_len(n255, 255, 'P');
	assert_int_equal(mkdir(disk(t, n255), 0700), 0);
	assert_int_equal(mkfifo(disk(t, "d/pipe"), 0600), 0);

	assert_int_equal(list_dir(t, t->root, "", true, 65536, 1 << 20), 1);
	assert_int_equal(list_dir(t, d, "d", true, 65536, 1 << 20), 1);
	/* Small byte budgets, then small directory budgets. */
	assert_true(list_dir(t, d, "d", true, 65536, 1200) > 3);
	assert_true(list_dir(t, d, "d", true, 200, 1 << 20) > 3);

	/* The handle an entry carries is LOOKUP's. */
	READDIRPLUS3args a = { t->root, 0, { 0 }, 65536, 1 << 20 };
	READDIRPLUS3res *r = NFS(t, NFSPROC3_READDIRPLUS, READDIRPLUS3args, &a, READDIRPLUS3res);
	assert_int_equal(r->status, NFS3_OK);
	size_t checked = 0;
	for (const entryplus3 *e = r->READDIRPLUS3res_u.resok.reply.entries; e; e = e->nextentry) {
		if (e->name[0] == '.')
			continue;
		nfs_fh3 fh = post_fh(&e->name_handle);
		nfs_fh3 lfh = lookup(t, t->root, e->name, e->name);
		assert_fh_equal(&fh, &lfh);
		checked++;
	}
	assert_int_equal(checked, 5); /* hello.txt big.bin link d and the 255-byte one */

	/* Empty directory, and past its end. */
	assert_int_equal(mkdir(disk(t, "d/e"), 0755), 0);
	nfs_fh3 e = lookup(t, d, "e", "d/e");
	assert_int_equal(list_dir(t, e, "d/e", true, 4096, 8192), 1);
	a = (READDIRPLUS3args){ e, 0, { 0 }, 4096, 8192 };
	r = NFS(t, NFSPROC3_READDIRPLUS, READDIRPLUS3args, &a, READDIRPLUS3res);
	const entryplus3 *last = r->READDIRPLUS3res_u.resok.reply.entries;
	assert_non_null(last);
	while (last->nextentry)
		last = last->nextentry;
	a.cookie = last->cookie;
	memcpy(a.cookieverf, r->READDIRPLUS3res_u.resok.cookieverf, NFS3_COOKIEVERFSIZE);
	r = NFS(t, NFSPROC3_READDIRPLUS, READDIRPLUS3args, &a, READDIRPLUS3res);
	assert_int_equal(r->status, NFS3_OK);
	assert_null(r->READDIRPLUS3res_u.resok.reply.entries);
	assert_true(r->READDIRPLUS3res_u.resok.reply.eof);

	/* TOOSMALL: room for the header but not one entry with attributes. */
	a = (READDIRPLUS3args){ d, 0, { 0 }, 4096, 150 };
	r = NFS(t, NFSPROC3_READDIRPLUS, READDIRPLUS3args, &a, READDIRPLUS3res);
	assert_int_equal(r->status, NFS3ERR_TOOSMALL);
	check_post_op(t, &r->READDIRPLUS3res_u.resfail.dir_attributes, "d");
}

/* ---- NFSv3: file system information --------------------------------------------- */

static void test_nfs_fsstat_fsinfo_pathconf(void **state)
{
	struct t *t = *state;
	FSSTAT3args sa = { t->root };
	FSSTAT3res *sr = NFS(t, NFSPROC3_FSSTAT, FSSTAT3args, &sa, FSSTAT3res);
	assert_int_equal(sr->status, NFS3_OK);
	FSSTAT3resok *s = &sr->FSSTAT3res_u.resok;
	check_post_op(t, &s->obj_attributes, "");
	struct statvfs sv;
	assert_int_equal(statvfs(t->dir, &sv), 0);
	uint64_t bs = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
	assert_int_equal(s->tbytes, (uint64_t)sv.f_blocks * bs);
	assert_int_equal(s->tfiles, (uint64_t)sv.f_files);
	assert_true(s->abytes <= s->fbytes && s->fbytes <= s->tbytes);
	assert_true(s->afiles <= s->ffiles && s->ffiles <= s->tfiles);
	assert_true(s->fbytes > 0);
	assert_int_equal(s->invarsec, 0);

	uint32_t rtmax, wtmax, dtpref;
	xs_fs_limits(t->env, &rtmax, &wtmax, &dtpref);
	for (int udp = 0; udp < 2; udp++) {
		struct xs_opts o = { .udp = udp };
		FSINFO3args fa = { t->root };
		FSINFO3res *fr = NFS_AS(t, &o, NFSPROC3_FSINFO, FSINFO3args, &fa, FSINFO3res);
		assert_int_equal(fr->status, NFS3_OK);
		FSINFO3resok *f = &fr->FSINFO3res_u.resok;
		check_post_op(t, &f->obj_attributes, "");
		/* A datagram must hold the whole reply. */
		uint32_t rt = udp && rtmax > 32768 ? 32768 : rtmax;
		uint32_t wt = udp && wtmax > 32768 ? 32768 : wtmax;
		assert_int_equal(f->rtmax, rt);
		assert_int_equal(f->rtpref, rt);
		assert_int_equal(f->wtmax, wt);
		assert_int_equal(f->wtpref, wt);
		assert_true(f->rtmult > 0 && f->rtmult <= f->rtmax);
		assert_true(f->wtmult > 0 && f->wtmult <= f->wtmax);
		assert_int_equal(f->dtpref, dtpref);
		assert_int_equal(f->maxfilesize, (uint64_t)INT64_MAX);
		assert_int_equal(f->time_delta.seconds, 0);
		assert_int_equal(f->time_delta.nseconds, 1);
		assert_int_equal(f->properties,
				 FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME);
	}

	PATHCONF3args pa = { t->root };
	PATHCONF3res *pr = NFS(t, NFSPROC3_PATHCONF, PATHCONF3args, &pa, PATHCONF3res);
	assert_int_equal(pr->status, NFS3_OK);
	PATHCONF3resok *p = &pr->PATHCONF3res_u.resok;
	check_post_op(t, &p->obj_attributes, "");
	assert_true(p->linkmax >= 1);
	assert_int_equal(p->name_max, 255);
	assert_true(p->no_trunc);
	assert_true(p->chown_restricted);
	assert_false(p->case_insensitive);
	assert_true(p->case_preserving);

	/* The three on a forged handle: failure arm without attributes. */
	uint8_t bad[64];
	memcpy(bad, t->root_data, t->root.data.data_len);
	bad[3] ^= 0x11;
	nfs_fh3 bfh = { { t->root.data.data_len, (char *)bad } };
	sa.fsroot = bfh;
	sr = NFS(t, NFSPROC3_FSSTAT, FSSTAT3args, &sa, FSSTAT3res);
	assert_int_not_equal(sr->status, NFS3_OK);
	assert_false(sr->FSSTAT3res_u.resfail.obj_attributes.attributes_follow);
	FSINFO3args fa = { bfh };
	FSINFO3res *fr = NFS(t, NFSPROC3_FSINFO, FSINFO3args, &fa, FSINFO3res);
	assert_int_not_equal(fr->status, NFS3_OK);
	assert_false(fr->FSINFO3res_u.resfail.obj_attributes.attributes_follow);
	pa.object = bfh;
	pr = NFS(t, NFSPROC3_PATHCONF, PATHCONF3args, &pa, PATHCONF3res);
	assert_int_not_equal(pr->status, NFS3_OK);
	assert_false(pr->PATHCONF3res_u.resfail.obj_attributes.attributes_follow);
}

/* ---- replies held to the room the caller gives ---------------------------------- */

/* Serves args with a reply buffer of cap bytes; returns the accept_stat. */
static int serve_cap(struct t *t, uint32_t proc, xfn enc, void *args, size_t cap)
{
	t->args_len = encode(t->args, enc, args);
	memset(t->out, 0xa5, BUF_CAP); /* stale bytes must not leak into the reply */
	return xs_call(t->env, NULL, NFS_PROGRAM, NFS_V3, proc, t->args, t->args_len, t->out, cap,
		       &t->out_len, &t->info);
}

/*
 * READ and READDIR(PLUS) fill the reply buffer in place: with less room
 * than the client allows they answer less (still a complete, decodable
 * reply within the room), and with no room at all SYSTEM_ERR and nothing.
 */
static void test_small_reply_buffers(void **state)
{
	struct t *t = *state;
	nfs_fh3 big = lookup(t, t->root, "big.bin", "big.bin");
	nfs_fh3 d = lookup(t, t->root, "d", "d");
	static char names[64][256];
	size_t n_d = disk_names(t, "d", names, 64);
	const size_t caps[] = { 1001, 1002, 1003, 1004, 4096 + 111, 9000 };
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		READ3args ra = { big, 5, 65536 };
		assert_int_equal(serve_cap(t, NFSPROC3_READ, XF(xdr_READ3args), &ra, caps[i]),
				 SUCCESS);
		assert_true(t->out_len <= caps[i]);
		READ3res *rr = decode_out(t, XF(xdr_READ3res), sizeof(READ3res));
		assert_int_equal(rr->status, NFS3_OK);
		READ3resok *ok = &rr->READ3res_u.resok;
		check_post_op(t, &ok->file_attributes, "big.bin");
		assert_true(ok->count > 0 && ok->count < 65536 && ok->count < caps[i]);
		assert_int_equal(ok->data.data_len, ok->count);
		assert_false(ok->eof);
		for (uint32_t j = 0; j < ok->count; j++)
			assert_int_equal((uint8_t)ok->data.data_val[j], (uint8_t)((5 + j) * 7));

		READDIR3args da = { d, 0, { 0 }, 65536 };
		assert_int_equal(serve_cap(t, NFSPROC3_READDIR, XF(xdr_READDIR3args), &da, caps[i]),
				 SUCCESS);
		assert_true(t->out_len <= caps[i]);
		READDIR3res *dr = decode_out(t, XF(xdr_READDIR3res), sizeof(READDIR3res));
		assert_int_equal(dr->status, NFS3_OK);
		size_t n = 0;
		for (const entry3 *e = dr->READDIR3res_u.resok.reply.entries; e; e = e->nextentry)
			n++;
		assert_true(n > 0);
		assert_int_equal(dr->READDIR3res_u.resok.reply.eof, n == n_d);
		check_post_op(t, &dr->READDIR3res_u.resok.dir_attributes, "d");

		READDIRPLUS3args pa = { d, 0, { 0 }, 65536, 65536 };
		assert_int_equal(serve_cap(t, NFSPROC3_READDIRPLUS, XF(xdr_READDIRPLUS3args), &pa,
					   caps[i]), SUCCESS);
		assert_true(t->out_len <= caps[i]);
		READDIRPLUS3res *pr = decode_out(t, XF(xdr_READDIRPLUS3res), sizeof(READDIRPLUS3res));
		assert_int_equal(pr->status, NFS3_OK);
		n = 0;
		for (const entryplus3 *e = pr->READDIRPLUS3res_u.resok.reply.entries; e;
		     e = e->nextentry)
			n++;
		assert_true(n > 0);
		assert_int_equal(pr->READDIRPLUS3res_u.resok.reply.eof, n == n_d);
	}
	/* No room for even the fixed part. */
	READ3args ra = { big, 0, 100 };
	assert_int_equal(serve_cap(t, NFSPROC3_READ, XF(xdr_READ3args), &ra, 40), SYSTEM_ERR);
	assert_int_equal(t->out_len, 0);
	READDIR3args da = { d, 0, { 0 }, 4096 };
	assert_int_equal(serve_cap(t, NFSPROC3_READDIR, XF(xdr_READDIR3args), &da, 40), SYSTEM_ERR);
	assert_int_equal(t->out_len, 0);
}

/* ---- error arms and argument strictness --------------------------------------- */

/* Each NFS procedure's result and argument codecs, with realistic arguments. */
struct proc_codec {
	uint32_t proc;
	xfn args_fn, res_fn;
	size_t res_size;
};

#define PC(proc, A, R) { proc, XF(xdr_##A), XF(xdr_##R), sizeof(R) }
static const struct proc_codec nfs_codecs[] = {
	PC(NFSPROC3_GETATTR, GETATTR3args, GETATTR3res),
	PC(NFSPROC3_SETATTR, SETATTR3args, SETATTR3res),
	PC(NFSPROC3_LOOKUP, LOOKUP3args, LOOKUP3res),
	PC(NFSPROC3_ACCESS, ACCESS3args, ACCESS3res),
	PC(NFSPROC3_READLINK, READLINK3args, READLINK3res),
	PC(NFSPROC3_READ, READ3args, READ3res),
	PC(NFSPROC3_WRITE, WRITE3args, WRITE3res),
	PC(NFSPROC3_CREATE, CREATE3args, CREATE3res),
	PC(NFSPROC3_MKDIR, MKDIR3args, MKDIR3res),
	PC(NFSPROC3_SYMLINK, SYMLINK3args, SYMLINK3res),
	PC(NFSPROC3_MKNOD, MKNOD3args, MKNOD3res),
	PC(NFSPROC3_REMOVE, REMOVE3args, REMOVE3res),
	PC(NFSPROC3_RMDIR, RMDIR3args, RMDIR3res),
	PC(NFSPROC3_RENAME, RENAME3args, RENAME3res),
	PC(NFSPROC3_LINK, LINK3args, LINK3res),
	PC(NFSPROC3_READDIR, READDIR3args, READDIR3res),
	PC(NFSPROC3_READDIRPLUS, READDIRPLUS3args, READDIRPLUS3res),
	PC(NFSPROC3_FSSTAT, FSSTAT3args, FSSTAT3res),
	PC(NFSPROC3_FSINFO, FSINFO3args, FSINFO3res),
	PC(NFSPROC3_PATHCONF, PATHCONF3args, PATHCONF3res),
	PC(NFSPROC3_COMMIT, COMMIT3args, COMMIT3res),
};
#define N_CODECS (sizeof(nfs_codecs) / sizeof(nfs_codecs[0]))

/*
 * The failure results nfs_progs_encode_error() gives (a fault's status)
 * are, byte for byte, what rpcgen encodes for that status with every
 * optional part absent: a zeroed result is exactly that.
 */
static void test_error_arms(void **state)
{
	struct t *t = *state;
	const uint32_t statuses[] = { NFS3ERR_IO, NFS3ERR_JUKEBOX, NFS3ERR_STALE };
	for (size_t i = 0; i < N_CODECS; i++) {
		const struct proc_codec *c = &nfs_codecs[i];
		for (size_t s = 0; s < 3; s++) {
			assert_int_equal(xs_encode_error(NFS_PROGRAM, c->proc, statuses[s], t->out,
							 BUF_CAP, &t->out_len), 0);
			uint32_t *res = decode_out(t, c->res_fn, c->res_size);
			assert_int_equal(*res, statuses[s]); /* status leads every result */
			uint8_t *want = calloc(1, c->res_size);
			assert_non_null(want);
			memcpy(want, &statuses[s], sizeof(uint32_t));
			size_t n = encode(t->scratch, c->res_fn, want);
			free(want);
			assert_int_equal(n, t->out_len);
			assert_memory_equal(t->scratch, t->out, n);
		}
	}
	/* MNT's failure: the status alone. */
	assert_int_equal(xs_encode_error(MOUNT_PROGRAM, MOUNTPROC3_MNT, MNT3ERR_ACCES, t->out,
					 BUF_CAP, &t->out_len), 0);
	mountres3 *m = decode_out(t, XF(xdr_mountres3), sizeof(mountres3));
	assert_int_equal(m->fhs_status, MNT3ERR_ACCES);
	assert_int_equal(t->out_len, 4);
}

/* Valid arguments of each NFS procedure, as a client would send them. */
static void build_args(struct t *t, uint32_t proc, void *args)
{
	static char data[] = "payload";
	nfs_fh3 fh = t->root;
	sattr3 sa = sattr_mode(0644);
	sa.mtime.set_it = SET_TO_CLIENT_TIME;
	sa.mtime.set_mtime_u.mtime = (nfstime3){ 7, 8 };
	switch (proc) {
	case NFSPROC3_GETATTR: case NFSPROC3_READLINK: case NFSPROC3_FSSTAT:
	case NFSPROC3_FSINFO: case NFSPROC3_PATHCONF:
		*(nfs_fh3 *)args = fh; /* every one of these is { nfs_fh3 } */
		break;
	case NFSPROC3_SETATTR:
		*(SETATTR3args *)args = (SETATTR3args){ fh, sa, { TRUE, { { 1, 2 } } } };
		break;
	case NFSPROC3_LOOKUP: case NFSPROC3_REMOVE: case NFSPROC3_RMDIR:
		*(diropargs3 *)args = (diropargs3){ fh, "x" };
		break;
	case NFSPROC3_ACCESS:
		*(ACCESS3args *)args = (ACCESS3args){ fh, ACCESS3_READ };
		break;
	case NFSPROC3_READ: case NFSPROC3_COMMIT:
		*(READ3args *)args = (READ3args){ fh, 4096, 100 };
		break;
	case NFSPROC3_WRITE:
		*(WRITE3args *)args = (WRITE3args){ fh, 0, 7, DATA_SYNC, { 7, data } };
		break;
	case NFSPROC3_CREATE: {
		CREATE3args *a = args;
		a->where = (diropargs3){ fh, "x" };
		a->how.mode = GUARDED;
		a->how.createhow3_u.obj_attributes = sa;
		break;
	}
	case NFSPROC3_MKDIR:
		*(MKDIR3args *)args = (MKDIR3args){ { fh, "x" }, sa };
		break;
	case NFSPROC3_SYMLINK:
		*(SYMLINK3args *)args = (SYMLINK3args){ { fh, "x" }, { sa, "target" } };
		break;
	case NFSPROC3_MKNOD: {
		MKNOD3args *a = args;
		a->where = (diropargs3){ fh, "x" };
		a->what.type = NF3CHR;
		a->what.mknoddata3_u.device = (devicedata3){ sa, { 1, 3 } };
		break;
	}
	case NFSPROC3_RENAME:
		*(RENAME3args *)args = (RENAME3args){ { fh, "x" }, { fh, "y" } };
		break;
	case NFSPROC3_LINK:
		*(LINK3args *)args = (LINK3args){ fh, { fh, "y" } };
		break;
	case NFSPROC3_READDIR:
		*(READDIR3args *)args = (READDIR3args){ fh, 0, { 0 }, 4096 };
		break;
	case NFSPROC3_READDIRPLUS:
		*(READDIRPLUS3args *)args = (READDIRPLUS3args){ fh, 0, { 0 }, 512, 4096 };
		break;
	default:
		fail();
	}
}

/*
 * rpcgen's encoding of every procedure's arguments, cut short anywhere or
 * followed by one more word, is refused (GARBAGE_ARGS, nothing encoded)
 * before the procedure runs: the disk is left as it was.
 */
static void test_args_strict(void **state)
{
	struct t *t = *state;
	union {
		SETATTR3args setattr; CREATE3args create; MKNOD3args mknod; WRITE3args write;
		SYMLINK3args symlink; READDIRPLUS3args rdp; RENAME3args rename; LINK3args link;
		READ3args read; uint8_t raw[512];
	} args;
	for (size_t i = 0; i < N_CODECS; i++) {
		const struct proc_codec *c = &nfs_codecs[i];
		memset(&args, 0, sizeof(args));
		build_args(t, c->proc, &args);
		size_t len = encode(t->args, c->args_fn, &args);
		for (size_t cut = 0; cut < len; cut += 4) {
			int st = serve_raw(t, NFS_PROGRAM, NFS_V3, c->proc, cut);
			if (st != GARBAGE_ARGS)
				fail_msg("proc %u cut to %zu of %zu: accept_stat %d", c->proc, cut,
					 len, st);
			assert_int_equal(t->out_len, 0);
		}
		memset(t->args + len, 0, 4);
		assert_int_equal(serve_raw(t, NFS_PROGRAM, NFS_V3, c->proc, len + 4), GARBAGE_ARGS);
	}
	assert_int_not_equal(access(disk(t, "x"), F_OK), 0);

	/* MOUNT and portmap arguments likewise. */
	dirpath p = PH_EXPORT;
	size_t len = encode(t->args, XF(xdr_dirpath), &p);
	for (size_t cut = 0; cut < len; cut += 4)
		assert_int_equal(serve_raw(t, MOUNT_PROGRAM, MOUNT_V3, MOUNTPROC3_MNT, cut),
				 GARBAGE_ARGS);
	/* A dirpath one byte over MNTPATHLEN (rpcgen's dirpath would refuse to send it). */
	char over[MNTPATHLEN + 2];
	nfspath3 op = name_of_len(over, MNTPATHLEN + 1, 'o');
	len = encode(t->args, XF(xdr_nfspath3), &op);
	assert_int_equal(serve_raw(t, MOUNT_PROGRAM, MOUNT_V3, MOUNTPROC3_MNT, len), GARBAGE_ARGS);
	pmap2_mapping m = { NFS_PROGRAM, NFS_V3, PMAP2_IPPROTO_TCP, 0 };
	len = encode(t->args, XF(xdr_pmap2_mapping), &m);
	for (size_t cut = 0; cut < len; cut += 4)
		assert_int_equal(serve_raw(t, PMAP2_PROG, PMAP2_VERS, PMAP2PROC_GETPORT, cut),
				 GARBAGE_ARGS);
	memset(t->args + len, 0, 4);
	assert_int_equal(serve_raw(t, PMAP2_PROG, PMAP2_VERS, PMAP2PROC_GETPORT, len + 4),
			 GARBAGE_ARGS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfs_null_getattr_lookup_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfs_readlink_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfs_create_write_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfs_setattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfs_mkdir_symlink_mknod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfs_remove_rmdir_rename_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfs_readdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfs_readdirplus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfs_fsstat_fsinfo_pathconf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_reply_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_arms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_strict, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
