/*
 * test_nfs_progs_libnfs.c - nfs_progs cross-checked with an independent
 * codec: libnfs's generated ZDR functions (libnfs-dev) encode the call
 * arguments and decode our results, which must be consumed exactly.
 * Covers every NFSv3 procedure's success and an error, READ short reads
 * and eof, READDIR(PLUS) continuation under small budgets, MOUNT MNT /
 * EXPORT / DUMP / UMNT and portmap GETPORT / DUMP.
 *
 * This file includes only libnfs's headers (their enums spell NFS3_OK...
 * like ours); the server is behind progs_harness.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nfsc/libnfs-zdr.h>
#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>
#include <nfsc/libnfs-raw-portmap.h>

#include "tests/nfs_progs/progs_harness.h"

#define P_PMAP 100000
#define P_NFS 100003
#define P_MOUNT 100005
#define OUT_CAP (2u << 20)

struct t {
	struct ph_env *env;
	uint8_t root[64];
	uint32_t root_len;
	uint8_t *args, *out;
	size_t out_len;
	ZDR dz;          /* decoder of the last result; owns what it allocated */
	bool dz_live;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	if (!t || ph_setup(&t->env))
		return -1;
	ph_root_fh(t->env, t->root, &t->root_len);
	t->args = malloc(OUT_CAP);
	t->out = malloc(OUT_CAP);
	*state = t;
	return 0;
}

static void drop_decoder(struct t *t)
{
	if (t->dz_live)
		zdr_destroy(&t->dz);
	t->dz_live = false;
}

static int teardown(void **state)
{
	struct t *t = *state;
	drop_decoder(t);
	ph_teardown(t->env);
	free(t->args);
	free(t->out);
	free(t);
	return 0;
}

/* Encodes args with zdr, serves them, decodes the results into res (whole reply consumed). */
static void call_x(struct t *t, uint32_t prog, uint32_t vers, uint32_t proc, zdrproc_t enc,
		   void *args, zdrproc_t dec, void *res, uint32_t read_cap)
{
	ZDR ez;
	zdrmem_create(&ez, (caddr_t)t->args, OUT_CAP, ZDR_ENCODE);
	if (enc)
		assert_true(enc(&ez, args));
	size_t alen = zdr_getpos(&ez);
	zdr_destroy(&ez);
	int st = ph_call(t->env, prog, vers, proc, t->args, alen, t->out, OUT_CAP, &t->out_len,
			 read_cap);
	assert_int_equal(st, 0);
	drop_decoder(t);
	zdrmem_create(&t->dz, (caddr_t)t->out, (uint32_t)t->out_len, ZDR_DECODE);
	t->dz_live = true;
	if (dec) {
		assert_true(dec(&t->dz, res));
		assert_int_equal(zdr_getpos(&t->dz), t->out_len);
	} else {
		assert_int_equal(t->out_len, 0);
	}
}

/* The result is zeroed first: ZDR decodes opaques into non-NULL pointers. */
#define NFS(t, proc, A, a, R, r)                                                           \
	do {                                                                               \
		memset(r, 0, sizeof(*(r)));                                                \
		call_x(t, P_NFS, 3, proc, (zdrproc_t)zdr_##A, a, (zdrproc_t)zdr_##R, r, 0); \
	} while (0)

static nfs_fh3 root_fh(struct t *t)
{
	nfs_fh3 fh = { { t->root_len, (char *)t->root } };
	return fh;
}

/*
 * libnfs's decode arena aligns its allocations to 4 bytes only: list nodes
 * holding pointers or hypers are copied to an aligned local before use
 * (UBSan rightly flags direct access).
 */
#define LOAD(dst, src) memcpy(&(dst), (const void *)(src), sizeof(dst))

/* Copies a handle out of a decoded result (the decoder is dropped by the next call). */
struct fhbuf {
	uint8_t data[64];
	nfs_fh3 fh;
};

static void keep_fh(struct fhbuf *b, const nfs_fh3 *fh)
{
	assert_true(fh->data.data_len > 0 && fh->data.data_len <= 64);
	memcpy(b->data, fh->data.data_val, fh->data.data_len);
	b->fh.data.data_len = fh->data.data_len;
	b->fh.data.data_val = (char *)b->data;
}

static void lookup(struct t *t, const nfs_fh3 *dir, const char *name, struct fhbuf *ret)
{
	LOOKUP3args a = { .what = { .dir = *dir, .name = (char *)name } };
	LOOKUP3res r;
	memset(&r, 0, sizeof(r));
	NFS(t, 3, LOOKUP3args, &a, LOOKUP3res, &r);
	assert_int_equal(r.status, NFS3_OK);
	assert_true(r.LOOKUP3res_u.resok.obj_attributes.attributes_follow);
	assert_true(r.LOOKUP3res_u.resok.dir_attributes.attributes_follow);
	keep_fh(ret, &r.LOOKUP3res_u.resok.object);
}

static void test_fsinfo_pathconf_fsstat(void **state)
{
	struct t *t = *state;
	nfs_fh3 root = root_fh(t);
	FSINFO3args fa = { root };
	FSINFO3res fr;
	memset(&fr, 0, sizeof(fr));
	NFS(t, 19, FSINFO3args, &fa, FSINFO3res, &fr);
	assert_int_equal(fr.status, NFS3_OK);
	FSINFO3resok *ok = &fr.FSINFO3res_u.resok;
	assert_true(ok->obj_attributes.attributes_follow);
	assert_int_equal(ok->obj_attributes.post_op_attr_u.attributes.type, NF3DIR);
	assert_int_equal(ok->rtmax, 1u << 20);
	assert_int_equal(ok->wtmax, 1u << 20);
	assert_int_equal(ok->rtmult, 4096);
	assert_int_equal(ok->wtmult, 4096);
	assert_int_equal(ok->dtpref, 65536);
	assert_int_equal(ok->time_delta.seconds, 0);
	assert_int_equal(ok->time_delta.nseconds, 1);
	assert_int_equal(ok->properties, FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME);

	PATHCONF3args pa = { root };
	PATHCONF3res pr;
	memset(&pr, 0, sizeof(pr));
	NFS(t, 20, PATHCONF3args, &pa, PATHCONF3res, &pr);
	assert_int_equal(pr.status, NFS3_OK);
	assert_int_equal(pr.PATHCONF3res_u.resok.name_max, 255);
	assert_true(pr.PATHCONF3res_u.resok.no_trunc);
	assert_true(pr.PATHCONF3res_u.resok.chown_restricted);
	assert_false(pr.PATHCONF3res_u.resok.case_insensitive);
	assert_true(pr.PATHCONF3res_u.resok.case_preserving);

	FSSTAT3args sa = { root };
	FSSTAT3res sr;
	memset(&sr, 0, sizeof(sr));
	NFS(t, 18, FSSTAT3args, &sa, FSSTAT3res, &sr);
	assert_int_equal(sr.status, NFS3_OK);
	assert_true(sr.FSSTAT3res_u.resok.tbytes > 0);

	/* A forged handle: BADHANDLE (or STALE) with the failure arm. */
	uint8_t bad[32];
	memcpy(bad, t->root, sizeof(bad));
	bad[5] ^= 0x55;
	FSINFO3args ba = { { { 32, (char *)bad } } };
	NFS(t, 19, FSINFO3args, &ba, FSINFO3res, &fr);
	assert_true(fr.status == NFS3ERR_BADHANDLE || fr.status == NFS3ERR_STALE);
	GETATTR3args ga = { { { 32, (char *)bad } } };
	GETATTR3res gr;
	NFS(t, 1, GETATTR3args, &ga, GETATTR3res, &gr);
	assert_int_not_equal(gr.status, NFS3_OK);
	assert_int_equal(t->out_len, 4); /* GETATTR3resfail is void */
}

static void test_lookup_getattr_access_read(void **state)
{
	struct t *t = *state;
	nfs_fh3 root = root_fh(t);
	struct fhbuf hello, big;
	lookup(t, &root, "hello.txt", &hello);
	lookup(t, &root, "big.bin", &big);

	GETATTR3args ga = { hello.fh };
	GETATTR3res gr;
	NFS(t, 1, GETATTR3args, &ga, GETATTR3res, &gr);
	assert_int_equal(gr.status, NFS3_OK);
	assert_int_equal(gr.GETATTR3res_u.resok.obj_attributes.type, NF3REG);
	assert_int_equal(gr.GETATTR3res_u.resok.obj_attributes.size, 12);

	ACCESS3args aa = { hello.fh, ACCESS3_READ | ACCESS3_MODIFY };
	ACCESS3res ar;
	NFS(t, 4, ACCESS3args, &aa, ACCESS3res, &ar);
	assert_int_equal(ar.status, NFS3_OK);
	assert_int_equal(ar.ACCESS3res_u.resok.access, ACCESS3_READ | ACCESS3_MODIFY);

	LOOKUP3args la = { .what = { .dir = root, .name = "missing" } };
	LOOKUP3res lr;
	NFS(t, 3, LOOKUP3args, &la, LOOKUP3res, &lr);
	assert_int_equal(lr.status, NFS3ERR_NOENT);
	assert_true(lr.LOOKUP3res_u.resfail.dir_attributes.attributes_follow);

	/* Whole small file: eof. */
	READ3args ra = { hello.fh, 0, 4096 };
	READ3res rr;
	NFS(t, 6, READ3args, &ra, READ3res, &rr);
	assert_int_equal(rr.status, NFS3_OK);
	assert_int_equal(rr.READ3res_u.resok.count, 12);
	assert_true(rr.READ3res_u.resok.eof);
	assert_memory_equal(rr.READ3res_u.resok.data.data_val, "hello world\n", 12);

	/* Middle of a big file, no eof; then capped (fault "truncate"); then the tail. */
	ra = (READ3args){ big.fh, 1001, 5000 };
	NFS(t, 6, READ3args, &ra, READ3res, &rr);
	assert_int_equal(rr.status, NFS3_OK);
	assert_int_equal(rr.READ3res_u.resok.count, 5000);
	assert_int_equal(rr.READ3res_u.resok.data.data_len, 5000);
	assert_false(rr.READ3res_u.resok.eof);
	for (int i = 0; i < 5000; i++)
		assert_int_equal((uint8_t)rr.READ3res_u.resok.data.data_val[i], ((1001 + i) * 7) & 0xff);
	memset(&rr, 0, sizeof(rr));
	call_x(t, P_NFS, 3, 6, (zdrproc_t)zdr_READ3args, &ra, (zdrproc_t)zdr_READ3res, &rr, 7);
	assert_int_equal(rr.READ3res_u.resok.count, 7);
	assert_false(rr.READ3res_u.resok.eof);
	ra = (READ3args){ big.fh, PH_BIG_LEN - 10, 100 };
	NFS(t, 6, READ3args, &ra, READ3res, &rr);
	assert_int_equal(rr.READ3res_u.resok.count, 10);
	assert_true(rr.READ3res_u.resok.eof);
	/* Past the end: nothing, eof. */
	ra = (READ3args){ big.fh, PH_BIG_LEN + 10, 100 };
	NFS(t, 6, READ3args, &ra, READ3res, &rr);
	assert_int_equal(rr.READ3res_u.resok.count, 0);
	assert_true(rr.READ3res_u.resok.eof);
	/* A count over rtmax is cut to rtmax (1 MiB); the file is shorter anyway. */
	ra = (READ3args){ big.fh, 0, 0xffffffffu };
	NFS(t, 6, READ3args, &ra, READ3res, &rr);
	assert_int_equal(rr.READ3res_u.resok.count, PH_BIG_LEN);
	/* READ of a directory fails with its post_op_attr. */
	ra = (READ3args){ root, 0, 10 };
	NFS(t, 6, READ3args, &ra, READ3res, &rr);
	assert_int_equal(rr.status, NFS3ERR_ISDIR);

	READLINK3args rla = { hello.fh };
	READLINK3res rlr;
	NFS(t, 5, READLINK3args, &rla, READLINK3res, &rlr);
	assert_int_equal(rlr.status, NFS3ERR_INVAL);
	struct fhbuf link;
	lookup(t, &root, "link", &link);
	rla = (READLINK3args){ link.fh };
	NFS(t, 5, READLINK3args, &rla, READLINK3res, &rlr);
	assert_int_equal(rlr.status, NFS3_OK);
	assert_string_equal(rlr.READLINK3res_u.resok.data, "hello.txt");
}

/* Lists dir with READDIRPLUS (or READDIR) under the budget; returns the entry count. */
static int list_dir(struct t *t, const nfs_fh3 *dir, bool plus, uint32_t dircount,
		    uint32_t maxcount, char names[][64], int max_names)
{
	uint64_t cookie = 0;
	char verf[8] = { 0 };
	int n = 0;
	for (int round = 0; round < 200; round++) {
		bool eof;
		if (plus) {
			READDIRPLUS3args a = { .dir = *dir, .cookie = cookie, .dircount = dircount,
					       .maxcount = maxcount };
			memcpy(a.cookieverf, verf, 8);
			READDIRPLUS3res r;
			memset(&r, 0, sizeof(r));
			NFS(t, 17, READDIRPLUS3args, &a, READDIRPLUS3res, &r);
			assert_int_equal(r.status, NFS3_OK);
			assert_true(t->out_len <= maxcount);
			memcpy(verf, r.READDIRPLUS3res_u.resok.cookieverf, 8);
			int in_reply = 0;
			entryplus3 ent;
			for (entryplus3 *p = r.READDIRPLUS3res_u.resok.reply.entries; p; p = ent.nextentry) {
				LOAD(ent, p);
				assert_true(n < max_names);
				snprintf(names[n++], 64, "%s", ent.name);
				cookie = ent.cookie;
				in_reply++;
				assert_true(ent.name_attributes.attributes_follow);
				assert_true(ent.name_handle.handle_follows);
				assert_int_equal(ent.name_attributes.post_op_attr_u.attributes.fileid,
						 ent.fileid);
			}
			eof = r.READDIRPLUS3res_u.resok.reply.eof;
			assert_true(in_reply > 0 || eof);
		} else {
			READDIR3args a = { .dir = *dir, .cookie = cookie, .count = maxcount };
			memcpy(a.cookieverf, verf, 8);
			READDIR3res r;
			memset(&r, 0, sizeof(r));
			NFS(t, 16, READDIR3args, &a, READDIR3res, &r);
			assert_int_equal(r.status, NFS3_OK);
			assert_true(t->out_len <= maxcount);
			memcpy(verf, r.READDIR3res_u.resok.cookieverf, 8);
			int in_reply = 0;
			entry3 ent;
			for (entry3 *p = r.READDIR3res_u.resok.reply.entries; p; p = ent.nextentry) {
				LOAD(ent, p);
				assert_true(n < max_names);
				snprintf(names[n++], 64, "%s", ent.name);
				cookie = ent.cookie;
				in_reply++;
			}
			eof = r.READDIR3res_u.resok.reply.eof;
			assert_true(in_reply > 0 || eof);
		}
		if (eof)
			return n;
	}
	fail_msg("directory listing did not end");
	return -1;
}

static bool has_name(char names[][64], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void test_readdir_budgets(void **state)
{
	struct t *t = *state;
	nfs_fh3 root = root_fh(t);
	struct fhbuf d;
	lookup(t, &root, "d", &d);
	static char names[256][64];
	const int want = PH_N_D_FILES + 3; /* . .. sub */
	/* Big budgets, then budgets that fit a few entries per reply. */
	uint32_t budgets[] = { 65536, 2000, 600, 400 };
	for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		int n = list_dir(t, &d.fh, false, 0, budgets[b], names, 256);
		assert_int_equal(n, want);
		assert_true(has_name(names, n, "file-39") && has_name(names, n, "sub") &&
			    has_name(names, n, ".."));
		n = list_dir(t, &d.fh, true, budgets[b] / 8, budgets[b], names, 256);
		assert_int_equal(n, want);
		assert_true(has_name(names, n, "file-00") && has_name(names, n, "file-39"));
	}
	/* dircount 0 still gives one entry per reply. */
	assert_int_equal(list_dir(t, &d.fh, true, 0, 8192, names, 256), want);

	/* maxcount too small for one entry: TOOSMALL with dir attributes. */
	READDIRPLUS3args a = { .dir = d.fh, .dircount = 100, .maxcount = 150 };
	READDIRPLUS3res r;
	NFS(t, 17, READDIRPLUS3args, &a, READDIRPLUS3res, &r);
	assert_int_equal(r.status, NFS3ERR_TOOSMALL);
	READDIR3args ra = { .dir = d.fh, .count = 100 };
	READDIR3res rr;
	NFS(t, 16, READDIR3args, &ra, READDIR3res, &rr);
	assert_int_equal(rr.status, NFS3ERR_TOOSMALL);
	/* Not a directory. */
	struct fhbuf hello;
	lookup(t, &root, "hello.txt", &hello);
	ra = (READDIR3args){ .dir = hello.fh, .count = 4096 };
	NFS(t, 16, READDIR3args, &ra, READDIR3res, &rr);
	assert_int_equal(rr.status, NFS3ERR_NOTDIR);
}

static sattr3 mode_sattr(uint32_t mode)
{
	sattr3 s;
	memset(&s, 0, sizeof(s));
	s.mode.set_it = 1;
	s.mode.set_mode3_u.mode = mode;
	return s;
}

static void test_create_write_commit_setattr_remove(void **state)
{
	struct t *t = *state;
	nfs_fh3 root = root_fh(t);
	CREATE3args ca = { .where = { root, "new.txt" } };
	ca.how.mode = UNCHECKED;
	ca.how.createhow3_u.obj_attributes = mode_sattr(0640);
	CREATE3res cr;
	NFS(t, 8, CREATE3args, &ca, CREATE3res, &cr);
	assert_int_equal(cr.status, NFS3_OK);
	assert_true(cr.CREATE3res_u.resok.obj.handle_follows);
	assert_int_equal(cr.CREATE3res_u.resok.obj_attributes.post_op_attr_u.attributes.mode & 0777,
			 0640);
	assert_true(cr.CREATE3res_u.resok.dir_wcc.after.attributes_follow);
	struct fhbuf f;
	keep_fh(&f, &cr.CREATE3res_u.resok.obj.post_op_fh3_u.handle);

	/* GUARDED on an existing name: EXIST with the directory's wcc_data. */
	ca.how.mode = GUARDED;
	NFS(t, 8, CREATE3args, &ca, CREATE3res, &cr);
	assert_int_equal(cr.status, NFS3ERR_EXIST);

	/* EXCLUSIVE twice with one verifier: both succeed (a retransmission). */
	CREATE3args xa = { .where = { root, "excl" } };
	xa.how.mode = EXCLUSIVE;
	memcpy(xa.how.createhow3_u.verf, "verif-01", 8);
	NFS(t, 8, CREATE3args, &xa, CREATE3res, &cr);
	assert_int_equal(cr.status, NFS3_OK);
	NFS(t, 8, CREATE3args, &xa, CREATE3res, &cr);
	assert_int_equal(cr.status, NFS3_OK);
	memcpy(xa.how.createhow3_u.verf, "verif-02", 8);
	NFS(t, 8, CREATE3args, &xa, CREATE3res, &cr);
	assert_int_equal(cr.status, NFS3ERR_EXIST);

	char data[] = "some data to write";
	WRITE3args wa = { f.fh, 0, sizeof(data) - 1, FILE_SYNC, { sizeof(data) - 1, data } };
	WRITE3res wr;
	NFS(t, 7, WRITE3args, &wa, WRITE3res, &wr);
	assert_int_equal(wr.status, NFS3_OK);
	assert_int_equal(wr.WRITE3res_u.resok.count, sizeof(data) - 1);
	assert_int_equal(wr.WRITE3res_u.resok.committed, FILE_SYNC);
	assert_true(wr.WRITE3res_u.resok.file_wcc.after.attributes_follow);
	char verf[8];
	memcpy(verf, wr.WRITE3res_u.resok.verf, 8);

	wa.stable = UNSTABLE;
	wa.offset = 100;
	NFS(t, 7, WRITE3args, &wa, WRITE3res, &wr);
	assert_int_equal(wr.status, NFS3_OK);
	COMMIT3args cma = { f.fh, 0, 0 };
	COMMIT3res cmr;
	NFS(t, 21, COMMIT3args, &cma, COMMIT3res, &cmr);
	assert_int_equal(cmr.status, NFS3_OK);
	assert_memory_equal(cmr.COMMIT3res_u.resok.verf, verf, 8);

	READ3args ra = { f.fh, 0, 4096 };
	READ3res rr;
	NFS(t, 6, READ3args, &ra, READ3res, &rr);
	assert_int_equal(rr.READ3res_u.resok.count, 100 + sizeof(data) - 1);
	assert_memory_equal(rr.READ3res_u.resok.data.data_val, data, sizeof(data) - 1);

	/* SETATTR size with a wrong guard: NOT_SYNC; unguarded: done. */
	SETATTR3args sa;
	memset(&sa, 0, sizeof(sa));
	sa.object = f.fh;
	sa.new_attributes.size.set_it = 1;
	sa.new_attributes.size.set_size3_u.size = 4;
	sa.guard.check = 1;
	sa.guard.sattrguard3_u.obj_ctime.seconds = 1;
	SETATTR3res sr;
	NFS(t, 2, SETATTR3args, &sa, SETATTR3res, &sr);
	assert_int_equal(sr.status, NFS3ERR_NOT_SYNC);
	sa.guard.check = 0;
	sa.new_attributes.mtime.set_it = SET_TO_CLIENT_TIME;
	sa.new_attributes.mtime.set_mtime_u.mtime.seconds = 1000000000;
	NFS(t, 2, SETATTR3args, &sa, SETATTR3res, &sr);
	assert_int_equal(sr.status, NFS3_OK);
	assert_true(sr.SETATTR3res_u.resok.obj_wcc.before.attributes_follow);
	fattr3 *after = &sr.SETATTR3res_u.resok.obj_wcc.after.post_op_attr_u.attributes;
	assert_int_equal(after->size, 4);
	assert_int_equal(after->mtime.seconds, 1000000000);

	/* WRITE to a directory fails; COMMIT of a bad handle too. */
	wa.file = root;
	NFS(t, 7, WRITE3args, &wa, WRITE3res, &wr);
	assert_int_not_equal(wr.status, NFS3_OK);

	REMOVE3args rma = { { root, "new.txt" } };
	REMOVE3res rmr;
	NFS(t, 12, REMOVE3args, &rma, REMOVE3res, &rmr);
	assert_int_equal(rmr.status, NFS3_OK);
	assert_true(rmr.REMOVE3res_u.resok.dir_wcc.after.attributes_follow);
	NFS(t, 12, REMOVE3args, &rma, REMOVE3res, &rmr);
	assert_int_equal(rmr.status, NFS3ERR_NOENT);
	GETATTR3args ga = { f.fh };
	GETATTR3res gr;
	NFS(t, 1, GETATTR3args, &ga, GETATTR3res, &gr);
	assert_int_equal(gr.status, NFS3ERR_STALE);
	rma.object.name = "excl";
	NFS(t, 12, REMOVE3args, &rma, REMOVE3res, &rmr);
	assert_int_equal(rmr.status, NFS3_OK);
}

static void test_mkdir_symlink_mknod_rename_link_rmdir(void **state)
{
	struct t *t = *state;
	nfs_fh3 root = root_fh(t);
	MKDIR3args ma = { { root, "nd" }, mode_sattr(0755) };
	MKDIR3res mr;
	NFS(t, 9, MKDIR3args, &ma, MKDIR3res, &mr);
	assert_int_equal(mr.status, NFS3_OK);
	struct fhbuf nd;
	keep_fh(&nd, &mr.MKDIR3res_u.resok.obj.post_op_fh3_u.handle);
	NFS(t, 9, MKDIR3args, &ma, MKDIR3res, &mr);
	assert_int_equal(mr.status, NFS3ERR_EXIST);

	SYMLINK3args sa = { { nd.fh, "sl" }, { mode_sattr(0777), "../hello.txt" } };
	SYMLINK3res sr;
	NFS(t, 10, SYMLINK3args, &sa, SYMLINK3res, &sr);
	assert_int_equal(sr.status, NFS3_OK);
	assert_int_equal(sr.SYMLINK3res_u.resok.obj_attributes.post_op_attr_u.attributes.type, NF3LNK);
	struct fhbuf sl;
	keep_fh(&sl, &sr.SYMLINK3res_u.resok.obj.post_op_fh3_u.handle);
	READLINK3args rla = { sl.fh };
	READLINK3res rlr;
	NFS(t, 5, READLINK3args, &rla, READLINK3res, &rlr);
	assert_string_equal(rlr.READLINK3res_u.resok.data, "../hello.txt");

	MKNOD3args na;
	memset(&na, 0, sizeof(na));
	na.where = (diropargs3){ nd.fh, "fifo" };
	na.what.type = NF3FIFO;
	na.what.mknoddata3_u.pipe_attributes = mode_sattr(0600);
	MKNOD3res nr;
	NFS(t, 11, MKNOD3args, &na, MKNOD3res, &nr);
	assert_int_equal(nr.status, NFS3_OK);
	assert_int_equal(nr.MKNOD3res_u.resok.obj_attributes.post_op_attr_u.attributes.type, NF3FIFO);
	/* A character device: root in a container may be refused; either way well-formed. */
	na.where.name = "chr";
	na.what.type = NF3CHR;
	na.what.mknoddata3_u.chr_device.dev_attributes = mode_sattr(0600);
	na.what.mknoddata3_u.chr_device.spec.specdata1 = 1;
	na.what.mknoddata3_u.chr_device.spec.specdata2 = 3;
	NFS(t, 11, MKNOD3args, &na, MKNOD3res, &nr);
	if (nr.status == NFS3_OK) {
		fattr3 *a = &nr.MKNOD3res_u.resok.obj_attributes.post_op_attr_u.attributes;
		assert_int_equal(a->type, NF3CHR);
		assert_int_equal(a->rdev.specdata1, 1);
		assert_int_equal(a->rdev.specdata2, 3);
	}
	/* MKNOD of a regular file: BADTYPE. */
	na.where.name = "reg";
	na.what.type = NF3REG;
	NFS(t, 11, MKNOD3args, &na, MKNOD3res, &nr);
	assert_int_equal(nr.status, NFS3ERR_BADTYPE);

	RENAME3args rna = { { nd.fh, "fifo" }, { root, "fifo2" } };
	RENAME3res rnr;
	NFS(t, 14, RENAME3args, &rna, RENAME3res, &rnr);
	assert_int_equal(rnr.status, NFS3_OK);
	assert_true(rnr.RENAME3res_u.resok.fromdir_wcc.after.attributes_follow);
	assert_true(rnr.RENAME3res_u.resok.todir_wcc.after.attributes_follow);
	NFS(t, 14, RENAME3args, &rna, RENAME3res, &rnr);
	assert_int_equal(rnr.status, NFS3ERR_NOENT);

	struct fhbuf hello;
	lookup(t, &root, "hello.txt", &hello);
	LINK3args la = { hello.fh, { nd.fh, "hl" } };
	LINK3res lr;
	NFS(t, 15, LINK3args, &la, LINK3res, &lr);
	assert_int_equal(lr.status, NFS3_OK);
	assert_int_equal(lr.LINK3res_u.resok.file_attributes.post_op_attr_u.attributes.nlink, 2);
	NFS(t, 15, LINK3args, &la, LINK3res, &lr);
	assert_int_equal(lr.status, NFS3ERR_EXIST);

	RMDIR3args rda = { { root, "nd" } };
	RMDIR3res rdr;
	NFS(t, 13, RMDIR3args, &rda, RMDIR3res, &rdr);
	assert_int_equal(rdr.status, NFS3ERR_NOTEMPTY);
	const char *victims[] = { "sl", "hl", "chr" };
	for (size_t i = 0; i < 3; i++) {
		REMOVE3args ra = { { nd.fh, (char *)victims[i] } };
		REMOVE3res rr;
		NFS(t, 12, REMOVE3args, &ra, REMOVE3res, &rr);
	}
	NFS(t, 13, RMDIR3args, &rda, RMDIR3res, &rdr);
	assert_int_equal(rdr.status, NFS3_OK);
	REMOVE3args ra = { { root, "fifo2" } };
	REMOVE3res rr;
	NFS(t, 12, REMOVE3args, &ra, REMOVE3res, &rr);
	assert_int_equal(rr.status, NFS3_OK);
}

static void test_mount(void **state)
{
	struct t *t = *state;
	char *path = PH_EXPORT;
	mountres3 mr;
	memset(&mr, 0, sizeof(mr));
	call_x(t, P_MOUNT, 3, 1, (zdrproc_t)zdr_dirpath, &path, (zdrproc_t)zdr_mountres3, &mr, 0);
	assert_int_equal(mr.fhs_status, MNT3_OK);
	mountres3_ok *ok = &mr.mountres3_u.mountinfo;
	assert_int_equal(ok->fhandle.fhandle3_len, t->root_len);
	assert_memory_equal(ok->fhandle.fhandle3_val, t->root, t->root_len);
	assert_int_equal(ok->auth_flavors.auth_flavors_len, 2);
	assert_int_equal(ok->auth_flavors.auth_flavors_val[0], 1);
	assert_int_equal(ok->auth_flavors.auth_flavors_val[1], 0);

	mountlist ml = NULL;
	call_x(t, P_MOUNT, 3, 2, NULL, NULL, (zdrproc_t)zdr_mountlist, &ml, 0);
	assert_non_null(ml);
	mountbody mb;
	LOAD(mb, ml);
	assert_string_equal(mb.ml_hostname, "10.0.0.2");
	assert_string_equal(mb.ml_directory, PH_EXPORT);
	assert_null(mb.ml_next);

	exports ex = NULL;
	call_x(t, P_MOUNT, 3, 5, NULL, NULL, (zdrproc_t)zdr_exports, &ex, 0);
	assert_non_null(ex);
	exportnode e1, e2;
	groupnode g;
	LOAD(e1, ex);
	assert_string_equal(e1.ex_dir, PH_EXPORT);
	assert_null(e1.ex_groups);
	assert_non_null(e1.ex_next);
	LOAD(e2, e1.ex_next);
	assert_string_equal(e2.ex_dir, PH_BOARD_EXPORT);
	assert_non_null(e2.ex_groups);
	LOAD(g, e2.ex_groups);
	assert_string_equal(g.gr_name, "pi1");
	assert_null(g.gr_next);
	assert_null(e2.ex_next);

	call_x(t, P_MOUNT, 3, 3, (zdrproc_t)zdr_dirpath, &path, NULL, NULL, 0);
	ml = NULL;
	ml = NULL;
	call_x(t, P_MOUNT, 3, 2, NULL, NULL, (zdrproc_t)zdr_mountlist, &ml, 0);
	assert_null(ml);

	/* Mounted twice then UMNTALL. */
	memset(&mr, 0, sizeof(mr));
	call_x(t, P_MOUNT, 3, 1, (zdrproc_t)zdr_dirpath, &path, (zdrproc_t)zdr_mountres3, &mr, 0);
	call_x(t, P_MOUNT, 3, 4, NULL, NULL, NULL, NULL, 0);
	ml = NULL;
	call_x(t, P_MOUNT, 3, 2, NULL, NULL, (zdrproc_t)zdr_mountlist, &ml, 0);
	assert_null(ml);

	char *nopath = "/no/such/export";
	memset(&mr, 0, sizeof(mr));
	call_x(t, P_MOUNT, 3, 1, (zdrproc_t)zdr_dirpath, &nopath, (zdrproc_t)zdr_mountres3, &mr, 0);
	assert_int_equal(mr.fhs_status, MNT3ERR_NOENT);
	assert_int_equal(t->out_len, 4);
	char *brd = PH_BOARD_EXPORT;
	memset(&mr, 0, sizeof(mr));
	call_x(t, P_MOUNT, 3, 1, (zdrproc_t)zdr_dirpath, &brd, (zdrproc_t)zdr_mountres3, &mr, 0);
	assert_int_equal(mr.fhs_status, MNT3ERR_ACCES);
}

static void test_portmap(void **state)
{
	struct t *t = *state;
	pmap2_mapping m = { P_MOUNT, 3, 6, 0 };
	uint32_t port = 1;
	call_x(t, P_PMAP, 2, 3, (zdrproc_t)zdr_pmap2_mapping, &m, (zdrproc_t)zdr_u_int, &port, 0);
	assert_int_equal(port, 20048);
	/* MOUNT v1 is not mapped but the program is: its port, as rpcbind. */
	m.vers = 1;
	call_x(t, P_PMAP, 2, 3, (zdrproc_t)zdr_pmap2_mapping, &m, (zdrproc_t)zdr_u_int, &port, 0);
	assert_int_equal(port, 20048);
	/* NFS over UDP is not mapped. */
	m = (pmap2_mapping){ P_NFS, 3, 17, 0 };
	call_x(t, P_PMAP, 2, 3, (zdrproc_t)zdr_pmap2_mapping, &m, (zdrproc_t)zdr_u_int, &port, 0);
	assert_int_equal(port, 0);
	m = (pmap2_mapping){ 100021, 4, 6, 0 };
	call_x(t, P_PMAP, 2, 3, (zdrproc_t)zdr_pmap2_mapping, &m, (zdrproc_t)zdr_u_int, &port, 0);
	assert_int_equal(port, 0);

	uint32_t ok = 1;
	m = (pmap2_mapping){ 200000, 1, 6, 999 };
	call_x(t, P_PMAP, 2, 1, (zdrproc_t)zdr_pmap2_mapping, &m, (zdrproc_t)zdr_bool, &ok, 0);
	assert_false(ok);
	ok = 1;
	call_x(t, P_PMAP, 2, 2, (zdrproc_t)zdr_pmap2_mapping, &m, (zdrproc_t)zdr_bool, &ok, 0);
	assert_false(ok);

	pmap2_dump_result dr = { NULL };
	call_x(t, P_PMAP, 2, 4, NULL, NULL, (zdrproc_t)zdr_pmap2_dump_result, &dr, 0);
	int n = 0;
	pmap2_mapping_list l;
	for (pmap2_mapping_list *p = dr.list; p; p = l.next, n++) {
		LOAD(l, p);
		if (n == 3) {
			assert_int_equal(l.map.prog, P_NFS);
			assert_int_equal(l.map.port, 2049);
		}
	}
	assert_int_equal(n, 4);
	call_x(t, P_PMAP, 2, 0, NULL, NULL, NULL, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fsinfo_pathconf_fsstat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_getattr_access_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readdir_budgets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_write_commit_setattr_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_symlink_mknod_rename_link_rmdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_portmap, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
