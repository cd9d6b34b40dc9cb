/*
 * test_nfs_progs.c - nfs_progs with calls built by hand on xdr.h: the
 * program table (lookup, names), status names, GARBAGE_ARGS for every
 * truncation and for trailing bytes of each procedure's arguments, enum
 * and bool values out of range, PROC_UNAVAIL, NAMETOOLONG, the failure
 * arms of nfs_progs_encode_error, describe, call info, SYSTEM_ERR and
 * short READs when the reply buffer is small, UDP transfer caps.
 * (Results are decoded by an independent codec in test_nfs_progs_libnfs.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "servers/nfs_progs.h"
#include "tests/nfs_progs/progs_harness.h"

struct t {
	struct ph_env *env;
	struct nfs_progs *progs;
	struct nfs_fh root;
	uint8_t out[65536];
	size_t out_len;
	struct nfs_call_info info;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	if (!t || ph_setup(&t->env))
		return -1;
	t->progs = ph_progs(t->env);
	ph_root_fh(t->env, t->root.data, &t->root.len);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	ph_teardown(t->env);
	free(t);
	return 0;
}

static enum rpc_accept_stat call_ex(struct t *t, uint32_t prog, uint32_t proc, const uint8_t *args,
				    size_t len, size_t cap, bool tcp)
{
	uint32_t vers = prog == RPC_PROG_PMAP ? 2 : 3;
	struct rpc_call call = { .xid = 7, .rpcvers = 2, .prog = prog, .vers = vers, .proc = proc,
				 .args = args, .args_len = len };
	struct nfs_req req = { .call = &call, .cred = { .board = "" }, .peer_ip = htonl(PH_PEER_IP),
			       .peer_port = 700, .tcp = tcp };
	struct xdr_enc e;
	xdr_enc_init(&e, t->out, cap);
	enum rpc_accept_stat st = nfs_progs_call(t->progs, &req, &e, &t->info);
	t->out_len = e.pos;
	return st;
}

static enum rpc_accept_stat call(struct t *t, uint32_t prog, uint32_t proc, const uint8_t *args,
				 size_t len)
{
	return call_ex(t, prog, proc, args, len, sizeof(t->out), true);
}

static uint32_t out_u32(const struct t *t, size_t word)
{
	assert_true(word * 4 + 4 <= t->out_len);
	return xdr_get_be32(t->out + word * 4);
}

/* ---- argument builders (valid arguments of each NFS procedure) --------- */

static void put_fh(struct xdr_enc *e, const struct nfs_fh *fh)
{
	assert_int_equal(xdr_enc_opaque(e, fh->data, fh->len, NFS3_FHSIZE), 0);
}

static void put_dirop(struct xdr_enc *e, const struct nfs_fh *fh, const char *name)
{
	put_fh(e, fh);
	assert_int_equal(xdr_enc_string(e, name, NFS3_PATH_MAX), 0);
}

/* sattr3 with mode set, the rest unset. */
static void put_sattr(struct xdr_enc *e)
{
	xdr_enc_bool(e, true);
	xdr_enc_u32(e, 0644);
	for (int i = 0; i < 3; i++)
		xdr_enc_bool(e, false);
	xdr_enc_u32(e, 0);
	xdr_enc_u32(e, 0);
}

/* Valid arguments of NFS procedure proc into buf; returns their length. */
static size_t build_args(const struct t *t, uint32_t proc, uint8_t *buf, size_t cap)
{
	struct xdr_enc e;
	xdr_enc_init(&e, buf, cap);
	const struct nfs_fh *fh = &t->root;
	uint8_t verf[8] = { 0 };
	switch (proc) {
	case NFS3_NULL:
		break;
	case NFS3_GETATTR: case NFS3_READLINK: case NFS3_FSSTAT: case NFS3_FSINFO:
	case NFS3_PATHCONF:
		put_fh(&e, fh);
		break;
	case NFS3_SETATTR:
		put_fh(&e, fh);
		put_sattr(&e);
		xdr_enc_bool(&e, true);
		xdr_enc_u32(&e, 1);
		xdr_enc_u32(&e, 2);
		break;
	case NFS3_LOOKUP: case NFS3_REMOVE: case NFS3_RMDIR:
		put_dirop(&e, fh, "x");
		break;
	case NFS3_ACCESS:
		put_fh(&e, fh);
		xdr_enc_u32(&e, 0x3f);
		break;
	case NFS3_READ: case NFS3_COMMIT:
		put_fh(&e, fh);
		xdr_enc_u64(&e, 0);
		xdr_enc_u32(&e, 100);
		break;
	case NFS3_WRITE:
		put_fh(&e, fh);
		xdr_enc_u64(&e, 0);
		xdr_enc_u32(&e, 5);
		xdr_enc_u32(&e, NFS3_FILE_SYNC);
		xdr_enc_opaque(&e, "hello", 5, 100);
		break;
	case NFS3_CREATE:
		put_dirop(&e, fh, "x");
		xdr_enc_u32(&e, NFS3_CREATE_GUARDED);
		put_sattr(&e);
		break;
	case NFS3_MKDIR:
		put_dirop(&e, fh, "x");
		put_sattr(&e);
		break;
	case NFS3_SYMLINK:
		put_dirop(&e, fh, "x");
		put_sattr(&e);
		xdr_enc_string(&e, "target", NFS3_PATH_MAX);
		break;
	case NFS3_MKNOD:
		put_dirop(&e, fh, "x");
		xdr_enc_u32(&e, NF3CHR);
		put_sattr(&e);
		xdr_enc_u32(&e, 1);
		xdr_enc_u32(&e, 3);
		break;
	case NFS3_RENAME:
		put_dirop(&e, fh, "x");
		put_dirop(&e, fh, "y");
		break;
	case NFS3_LINK:
		put_fh(&e, fh);
		put_dirop(&e, fh, "y");
		break;
	case NFS3_READDIR:
		put_fh(&e, fh);
		xdr_enc_u64(&e, 0);
		xdr_enc_fixed_opaque(&e, verf, 8);
		xdr_enc_u32(&e, 4096);
		break;
	case NFS3_READDIRPLUS:
		put_fh(&e, fh);
		xdr_enc_u64(&e, 0);
		xdr_enc_fixed_opaque(&e, verf, 8);
		xdr_enc_u32(&e, 512);
		xdr_enc_u32(&e, 4096);
		break;
	}
	return e.pos;
}

/* ---- tests ------------------------------------------------------------- */

static void test_lookup_and_names(void **state)
{
	(void)state;
	uint32_t lo = 0, hi = 0;
	assert_int_equal(nfs_progs_lookup(RPC_PROG_PMAP, 2, &lo, &hi), NFS_PROGS_SERVED);
	assert_int_equal(nfs_progs_lookup(RPC_PROG_MOUNT, 3, &lo, &hi), NFS_PROGS_SERVED);
	assert_int_equal(nfs_progs_lookup(RPC_PROG_NFS, 3, &lo, &hi), NFS_PROGS_SERVED);
	const uint32_t bad[][2] = { { RPC_PROG_MOUNT, 1 }, { RPC_PROG_MOUNT, 2 }, { RPC_PROG_NFS, 2 },
				    { RPC_PROG_NFS, 4 } };
	for (size_t i = 0; i < 4; i++) {
		lo = hi = 0;
		assert_int_equal(nfs_progs_lookup(bad[i][0], bad[i][1], &lo, &hi), NFS_PROGS_BAD_VERSION);
		assert_int_equal(lo, 3);
		assert_int_equal(hi, 3);
	}
	assert_int_equal(nfs_progs_lookup(RPC_PROG_PMAP, 4, &lo, &hi), NFS_PROGS_BAD_VERSION);
	assert_int_equal(lo, 2);
	assert_int_equal(nfs_progs_lookup(RPC_PROG_NFSACL, 3, &lo, &hi), NFS_PROGS_UNKNOWN);
	assert_int_equal(nfs_progs_lookup(100021, 4, &lo, &hi), NFS_PROGS_UNKNOWN);
	assert_int_equal(nfs_progs_lookup(0x20000002, 1, &lo, &hi), NFS_PROGS_UNKNOWN);

	char buf[16];
	assert_string_equal(nfs_progs_prog_name(RPC_PROG_PMAP, buf), "portmap");
	assert_string_equal(nfs_progs_prog_name(RPC_PROG_MOUNT, buf), "mount");
	assert_string_equal(nfs_progs_prog_name(RPC_PROG_NFS, buf), "nfs");
	assert_string_equal(nfs_progs_prog_name(RPC_PROG_NFSACL, buf), "nfsacl");
	assert_string_equal(nfs_progs_prog_name(4294967295u, buf), "4294967295");
	assert_string_equal(nfs_progs_proc_name(RPC_PROG_NFS, NFS3_READDIRPLUS), "READDIRPLUS");
	assert_string_equal(nfs_progs_proc_name(RPC_PROG_NFS, NFS3_COMMIT), "COMMIT");
	assert_string_equal(nfs_progs_proc_name(RPC_PROG_NFS, 22), "?");
	assert_string_equal(nfs_progs_proc_name(RPC_PROG_MOUNT, MNT3_MNT), "MNT");
	assert_string_equal(nfs_progs_proc_name(RPC_PROG_MOUNT, MNT3_EXPORT), "EXPORT");
	assert_string_equal(nfs_progs_proc_name(RPC_PROG_PMAP, PMAP_GETPORT), "GETPORT");
	assert_string_equal(nfs_progs_proc_name(RPC_PROG_NFSACL, 0), "?");
}

static void test_stat_names(void **state)
{
	(void)state;
	assert_string_equal(nfs3_stat_name(NFS3_OK), "NFS3_OK");
	assert_string_equal(nfs3_stat_name(NFS3ERR_JUKEBOX), "NFS3ERR_JUKEBOX");
	assert_string_equal(nfs3_stat_name(NFS3ERR_NOENT), "NFS3ERR_NOENT");
	assert_null(nfs3_stat_name(3));
	assert_string_equal(mount3_stat_name(MNT3ERR_ACCES), "MNT3ERR_ACCES");
	assert_null(mount3_stat_name(99));
	uint32_t s = 0;
	const struct {
		const char *name;
		uint32_t stat;
	} ok[] = { { "NFS3ERR_IO", 5 }, { "io", 5 }, { "jukebox", 10008 }, { "Jukebox", 10008 },
		   { "nfs3err_stale", 70 }, { "10008", 10008 }, { "ok", 0 }, { "NFS3_OK", 0 },
		   { "ROFS", 30 } };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		s = 12345;
		assert_int_equal(nfs3_stat_from_name(ok[i].name, &s), 0);
		assert_int_equal(s, ok[i].stat);
	}
	const char *bad[] = { "", "bogus", "NFS3ERR_", "12x", "99999999999", "NFS3ERR_BOGUS" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(nfs3_stat_from_name(bad[i], &s), -EINVAL);
	assert_int_equal(mount3_stat_from_name("acces", &s), 0);
	assert_int_equal(s, 13);
	assert_int_equal(mount3_stat_from_name("MNT3ERR_NOENT", &s), 0);
	assert_int_equal(s, 2);
	assert_int_equal(mount3_stat_from_name("io", &s), 0);
	assert_int_equal(s, 5);
	assert_int_equal(mount3_stat_from_name("jukebox", &s), -EINVAL);
	assert_string_equal(nfs3_proc_name(NFS3_NULL), "NULL");
	assert_string_equal(nfs3_proc_name(99), "?");
	assert_string_equal(mount3_proc_name(MNT3_UMNTALL), "UMNTALL");
	assert_string_equal(pmap_proc_name(PMAP_CALLIT), "CALLIT");
	assert_string_equal(pmap_proc_name(6), "?");
}

/* Every strict prefix and the arguments plus trailing bytes: GARBAGE_ARGS, nothing written. */
static void test_garbage_args(void **state)
{
	struct t *t = *state;
	uint8_t args[512];
	for (uint32_t proc = 0; proc < NFS3_PROC_COUNT; proc++) {
		size_t len = build_args(t, proc, args, sizeof(args) - 8);
		for (size_t cut = 0; cut < len; cut++) {
			enum rpc_accept_stat st = call(t, RPC_PROG_NFS, proc, args, cut);
			if (st != RPC_ACCEPT_GARBAGE_ARGS)
				fail_msg("%s cut at %zu/%zu: %d", nfs3_proc_name(proc), cut, len, st);
			assert_int_equal(t->out_len, 0);
		}
		memset(args + len, 0, 4);
		assert_int_equal(call(t, RPC_PROG_NFS, proc, args, len + 4), RPC_ACCEPT_GARBAGE_ARGS);
		assert_int_equal(t->out_len, 0);
	}
	/* Nothing was executed. */
	char p[512];
	snprintf(p, sizeof(p), "%s/x", ph_dir(t->env));
	assert_int_not_equal(access(p, F_OK), 0);

	/* MOUNT and portmap. */
	uint8_t zero[8] = { 0 };
	const uint32_t void_procs[][2] = { { RPC_PROG_MOUNT, MNT3_NULL }, { RPC_PROG_MOUNT, MNT3_DUMP },
					   { RPC_PROG_MOUNT, MNT3_UMNTALL }, { RPC_PROG_MOUNT, MNT3_EXPORT },
					   { RPC_PROG_PMAP, PMAP_NULL }, { RPC_PROG_PMAP, PMAP_DUMP } };
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(call(t, void_procs[i][0], void_procs[i][1], zero, 4), RPC_ACCEPT_GARBAGE_ARGS);
		assert_int_equal(call(t, void_procs[i][0], void_procs[i][1], NULL, 0), RPC_ACCEPT_SUCCESS);
	}
	struct xdr_enc e;
	xdr_enc_init(&e, args, sizeof(args));
	xdr_enc_string(&e, PH_EXPORT, MNT3_PATH_MAX);
	for (size_t cut = 0; cut < e.pos; cut++)
		assert_int_equal(call(t, RPC_PROG_MOUNT, MNT3_MNT, args, cut), RPC_ACCEPT_GARBAGE_ARGS);
	assert_int_equal(call(t, RPC_PROG_MOUNT, MNT3_MNT, args, e.pos + 4), RPC_ACCEPT_GARBAGE_ARGS);
	assert_int_equal(call(t, RPC_PROG_MOUNT, MNT3_UMNT, args, e.pos - 1), RPC_ACCEPT_GARBAGE_ARGS);
	for (size_t cut = 0; cut < 16; cut++)
		assert_int_equal(call(t, RPC_PROG_PMAP, PMAP_GETPORT, args, cut), RPC_ACCEPT_GARBAGE_ARGS);
	assert_int_equal(call(t, RPC_PROG_PMAP, PMAP_GETPORT, args, 20), RPC_ACCEPT_GARBAGE_ARGS);
	/* A dirpath over 1024 bytes. */
	xdr_enc_init(&e, args, sizeof(args));
	xdr_enc_u32(&e, 1025);
	assert_int_equal(call(t, RPC_PROG_MOUNT, MNT3_MNT, args, 4), RPC_ACCEPT_GARBAGE_ARGS);
}

/* Patches word `word` of valid arguments and expects GARBAGE_ARGS. */
static void expect_garbage_patch(struct t *t, uint32_t proc, size_t byte_off, uint32_t v)
{
	uint8_t args[512];
	size_t len = build_args(t, proc, args, sizeof(args));
	assert_true(byte_off + 4 <= len);
	xdr_put_be32(args + byte_off, v);
	enum rpc_accept_stat st = call(t, RPC_PROG_NFS, proc, args, len);
	if (st != RPC_ACCEPT_GARBAGE_ARGS)
		fail_msg("%s word at %zu = %u: %d", nfs3_proc_name(proc), byte_off, v, st);
}

static void test_bad_values(void **state)
{
	struct t *t = *state;
	const size_t fh = 4 + NFS_FH_LEN, dirop = fh + 8; /* handle, name "x" */
	expect_garbage_patch(t, NFS3_SETATTR, fh, 2);              /* set_mode bool */
	expect_garbage_patch(t, NFS3_SETATTR, fh + 8 + 12, 3);     /* set_atime how */
	expect_garbage_patch(t, NFS3_SETATTR, fh + 8 + 20, 7);     /* guard bool */
	expect_garbage_patch(t, NFS3_CREATE, dirop, 3);            /* createmode3 */
	expect_garbage_patch(t, NFS3_MKNOD, dirop, 0);             /* ftype3 */
	expect_garbage_patch(t, NFS3_MKNOD, dirop, 8);
	expect_garbage_patch(t, NFS3_WRITE, fh + 12, 3);           /* stable_how */
	expect_garbage_patch(t, NFS3_WRITE, fh + 16, 0x7fffffff);  /* data length */
	expect_garbage_patch(t, NFS3_GETATTR, 0, 65);              /* handle over 64 */

	/* Procedures that do not exist. */
	assert_int_equal(call(t, RPC_PROG_NFS, 22, NULL, 0), RPC_ACCEPT_PROC_UNAVAIL);
	assert_int_equal(call(t, RPC_PROG_MOUNT, 6, NULL, 0), RPC_ACCEPT_PROC_UNAVAIL);
	assert_int_equal(call(t, RPC_PROG_PMAP, PMAP_CALLIT, NULL, 0), RPC_ACCEPT_PROC_UNAVAIL);
	assert_int_equal(t->out_len, 0);

	/* A name of 300 bytes: NAMETOOLONG with LOOKUP's failure arm. */
	char name[301];
	memset(name, 'n', 300);
	name[300] = '\0';
	uint8_t args[512];
	struct xdr_enc e;
	xdr_enc_init(&e, args, sizeof(args));
	put_dirop(&e, &t->root, name);
	assert_int_equal(call(t, RPC_PROG_NFS, NFS3_LOOKUP, args, e.pos), RPC_ACCEPT_SUCCESS);
	assert_int_equal(t->out_len, 8);
	assert_int_equal(out_u32(t, 0), NFS3ERR_NAMETOOLONG);
	assert_int_equal(out_u32(t, 1), 0);
	assert_true(t->info.has_status);
	assert_int_equal(t->info.status, NFS3ERR_NAMETOOLONG);
}

static void test_encode_error(void **state)
{
	(void)state;
	/* Bytes of each procedure's failure arm after the status. */
	const size_t arm[NFS3_PROC_COUNT] = {
		[NFS3_GETATTR] = 0, [NFS3_SETATTR] = 8, [NFS3_LOOKUP] = 4, [NFS3_ACCESS] = 4,
		[NFS3_READLINK] = 4, [NFS3_READ] = 4, [NFS3_WRITE] = 8, [NFS3_CREATE] = 8,
		[NFS3_MKDIR] = 8, [NFS3_SYMLINK] = 8, [NFS3_MKNOD] = 8, [NFS3_REMOVE] = 8,
		[NFS3_RMDIR] = 8, [NFS3_RENAME] = 16, [NFS3_LINK] = 12, [NFS3_READDIR] = 4,
		[NFS3_READDIRPLUS] = 4, [NFS3_FSSTAT] = 4, [NFS3_FSINFO] = 4, [NFS3_PATHCONF] = 4,
		[NFS3_COMMIT] = 8,
	};
	uint8_t buf[64];
	struct xdr_enc e;
	for (uint32_t proc = 1; proc < NFS3_PROC_COUNT; proc++) {
		memset(buf, 0xee, sizeof(buf));
		xdr_enc_init(&e, buf, sizeof(buf));
		assert_int_equal(nfs_progs_encode_error(RPC_PROG_NFS, proc, NFS3ERR_JUKEBOX, &e), 0);
		assert_int_equal(e.pos, 4 + arm[proc]);
		assert_int_equal(xdr_get_be32(buf), NFS3ERR_JUKEBOX);
		for (size_t i = 4; i < e.pos; i++)
			assert_int_equal(buf[i], 0); /* every bool false */
	}
	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(nfs_progs_encode_error(RPC_PROG_MOUNT, MNT3_MNT, MNT3ERR_ACCES, &e), 0);
	assert_int_equal(e.pos, 4);
	assert_int_equal(xdr_get_be32(buf), MNT3ERR_ACCES);
	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(nfs_progs_encode_error(RPC_PROG_NFS, NFS3_NULL, 5, &e), -EINVAL);
	assert_int_equal(nfs_progs_encode_error(RPC_PROG_PMAP, PMAP_GETPORT, 5, &e), -EINVAL);
	xdr_enc_init(&e, buf, 8);
	assert_int_equal(nfs_progs_encode_error(RPC_PROG_NFS, NFS3_RENAME, 5, &e), -ENOSPC);

	/* Idempotence as Linux nfsd's reply cache sees it. */
	const uint32_t changing[] = { NFS3_SETATTR, NFS3_WRITE, NFS3_CREATE, NFS3_MKDIR, NFS3_SYMLINK,
				      NFS3_MKNOD, NFS3_REMOVE, NFS3_RMDIR, NFS3_RENAME, NFS3_LINK };
	int n = 0;
	for (uint32_t proc = 0; proc < NFS3_PROC_COUNT; proc++)
		n += nfs_progs_non_idempotent(RPC_PROG_NFS, proc);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < 10; i++)
		assert_true(nfs_progs_non_idempotent(RPC_PROG_NFS, changing[i]));
	assert_true(nfs_progs_non_idempotent(RPC_PROG_MOUNT, MNT3_MNT));
	assert_false(nfs_progs_non_idempotent(RPC_PROG_MOUNT, MNT3_EXPORT));
	assert_false(nfs_progs_non_idempotent(RPC_PROG_PMAP, PMAP_SET));
}

static void describe(struct t *t, uint32_t prog, uint32_t proc, const uint8_t *args, size_t len,
		     char *buf, size_t cap)
{
	struct rpc_call c = { .prog = prog, .vers = prog == RPC_PROG_PMAP ? 2 : 3, .proc = proc,
			      .args = args, .args_len = len };
	struct nfs_req req = { .call = &c, .cred = { .board = "" } };
	nfs_progs_describe(t->progs, &req, buf, cap);
}

static void test_describe_and_info(void **state)
{
	struct t *t = *state;
	uint8_t args[512];
	char buf[256];
	struct xdr_enc e;
	xdr_enc_init(&e, args, sizeof(args));
	put_dirop(&e, &t->root, "hello.txt");
	describe(t, RPC_PROG_NFS, NFS3_LOOKUP, args, e.pos, buf, sizeof(buf));
	assert_string_equal(buf, PH_EXPORT "/hello.txt");
	describe(t, RPC_PROG_NFS, NFS3_GETATTR, args, e.pos, buf, sizeof(buf));
	assert_string_equal(buf, PH_EXPORT);
	describe(t, RPC_PROG_NFS, NFS3_GETATTR, args, 3, buf, sizeof(buf));
	assert_string_equal(buf, "");
	describe(t, RPC_PROG_NFS, NFS3_NULL, NULL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	describe(t, RPC_PROG_PMAP, PMAP_GETPORT, args, 16, buf, sizeof(buf));
	assert_string_equal(buf, "");

	/* LINK names the new link. */
	xdr_enc_init(&e, args, sizeof(args));
	put_fh(&e, &t->root);
	put_dirop(&e, &t->root, "newlink");
	describe(t, RPC_PROG_NFS, NFS3_LINK, args, e.pos, buf, sizeof(buf));
	assert_string_equal(buf, PH_EXPORT "/newlink");

	xdr_enc_init(&e, args, sizeof(args));
	xdr_enc_string(&e, PH_EXPORT, MNT3_PATH_MAX);
	describe(t, RPC_PROG_MOUNT, MNT3_MNT, args, e.pos, buf, sizeof(buf));
	assert_string_equal(buf, PH_EXPORT);
	assert_int_equal(call(t, RPC_PROG_MOUNT, MNT3_MNT, args, e.pos), RPC_ACCEPT_SUCCESS);
	assert_true(t->info.mounted && t->info.has_status);
	assert_int_equal(t->info.status, MNT3_OK);
	assert_string_equal(t->info.mount_path, PH_EXPORT);
	assert_int_equal(call(t, RPC_PROG_MOUNT, MNT3_UMNT, args, e.pos), RPC_ACCEPT_SUCCESS);
	assert_true(t->info.unmounted);
	assert_string_equal(t->info.mount_path, PH_EXPORT);
	assert_int_equal(call(t, RPC_PROG_MOUNT, MNT3_UMNTALL, NULL, 0), RPC_ACCEPT_SUCCESS);
	assert_true(t->info.unmounted);
	assert_string_equal(t->info.mount_path, "*");

	/* READ of big.bin: bytes; a reply buffer of 200 bytes shortens it to what fits. */
	struct nfs_fh big;
	xdr_enc_init(&e, args, sizeof(args));
	put_dirop(&e, &t->root, "big.bin");
	assert_int_equal(call(t, RPC_PROG_NFS, NFS3_LOOKUP, args, e.pos), RPC_ACCEPT_SUCCESS);
	assert_int_equal(out_u32(t, 0), NFS3_OK);
	big.len = out_u32(t, 1);
	memcpy(big.data, t->out + 8, big.len);
	xdr_enc_init(&e, args, sizeof(args));
	put_fh(&e, &big);
	xdr_enc_u64(&e, 0);
	xdr_enc_u32(&e, 50000);
	assert_int_equal(call(t, RPC_PROG_NFS, NFS3_READ, args, e.pos), RPC_ACCEPT_SUCCESS);
	assert_int_equal(t->info.bytes, 50000);
	assert_int_equal(t->out_len, 4 + 88 + 12 + 50000);
	assert_int_equal(call_ex(t, RPC_PROG_NFS, NFS3_READ, args, e.pos, 201, true), RPC_ACCEPT_SUCCESS);
	assert_int_equal(t->info.bytes, 96);
	assert_int_equal(t->out_len, 200);
	assert_int_equal(out_u32(t, 23), 96); /* count after status and post_op_attr */
	assert_int_equal(out_u32(t, 24), 0);  /* no eof */
	assert_int_equal(out_u32(t, 25), 96);
	assert_int_equal(t->out[104 + 1], 7);
	/* Over UDP the transfer is capped at 32 KiB. */
	assert_int_equal(call_ex(t, RPC_PROG_NFS, NFS3_READ, args, e.pos, sizeof(t->out), false),
			 RPC_ACCEPT_SUCCESS);
	assert_int_equal(t->info.bytes, 32768);
	xdr_enc_init(&e, args, sizeof(args));
	put_fh(&e, &t->root);
	assert_int_equal(call_ex(t, RPC_PROG_NFS, NFS3_FSINFO, args, e.pos, sizeof(t->out), false),
			 RPC_ACCEPT_SUCCESS);
	assert_int_equal(out_u32(t, 23), 32768); /* rtmax */
	assert_int_equal(out_u32(t, 26), 32768); /* wtmax */
	/* A reply that does not fit: SYSTEM_ERR and nothing kept. */
	assert_int_equal(call_ex(t, RPC_PROG_NFS, NFS3_FSINFO, args, e.pos, 40, true),
			 RPC_ACCEPT_SYSTEM_ERR);
	assert_int_equal(t->out_len, 0);
	assert_int_equal(call_ex(t, RPC_PROG_NFS, NFS3_READDIRPLUS, (uint8_t[]){0}, 0, 40, true),
			 RPC_ACCEPT_GARBAGE_ARGS);
}

static void test_set_map(void **state)
{
	struct t *t = *state;
	struct pmap_mapping map[NFS_PROGS_MAX_MAPPINGS + 1] = { { 0 } };
	assert_int_equal(nfs_progs_set_map(t->progs, map, NFS_PROGS_MAX_MAPPINGS + 1), -EINVAL);
	assert_int_equal(nfs_progs_set_map(t->progs, map, 0), 0);
	assert_int_equal(call(t, RPC_PROG_PMAP, PMAP_DUMP, NULL, 0), RPC_ACCEPT_SUCCESS);
	assert_int_equal(t->out_len, 4);
	assert_int_equal(out_u32(t, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_and_names),
		cmocka_unit_test(test_stat_names),
		cmocka_unit_test_setup_teardown(test_garbage_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test(test_encode_error),
		cmocka_unit_test_setup_teardown(test_describe_and_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_map, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
