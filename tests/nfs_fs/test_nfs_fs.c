/*
 * test_nfs_fs.c - every operation of nfs_fs on a temporary tree: results,
 * error cases, handle stability across a restart with the same state dir
 * and across RENAME, stale handles after REMOVE, EXCLUSIVE create
 * retransmission, READDIR continuation with a tiny reply budget, read-only
 * and board-restricted exports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "servers/nfs_fs.h"
#include "tests/nfs_fs/nfs_fs_testlib.h"

struct env {
	char top[64];
	char exp[128], ro[128], brd[128], state[128];
	struct nfs_export_config ex[3];
	struct nfs_fs_config cfg;
	struct nfs_fs *fs;
	struct nfs_fh root, ro_root;
};

static struct nfs_fs *new_fs(struct env *e)
{
	struct nfs_fs *fs = NULL;
	char err[256];
	int r = nfs_fs_new(&e->cfg, &fs, err, sizeof(err));
	if (r != 0)
		fprintf(stderr, "nfs_fs_new: %s\n", err);
	assert_int_equal(r, 0);
	return fs;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char p[256];
	snprintf(e->top, sizeof(e->top), "/tmp/test_nfs_fs.XXXXXX");
	if (!mkdtemp(e->top))
		return -1;
	tl_path(e->exp, sizeof(e->exp), e->top, "exp");
	tl_path(e->ro, sizeof(e->ro), e->top, "ro");
	tl_path(e->brd, sizeof(e->brd), e->top, "brd");
	tl_path(e->state, sizeof(e->state), e->top, "state");
	mkdir(e->exp, 0755);
	mkdir(e->ro, 0755);
	mkdir(e->brd, 0755);
	mkdir(e->state, 0700);
	mkdir(tl_path(p, sizeof(p), e->exp, "d"), 0755);
	mkdir(tl_path(p, sizeof(p), e->exp, "d/sub"), 0755);
	tl_write_file(tl_path(p, sizeof(p), e->exp, "d/sub/deep.txt"), "deep\n");
	tl_write_file(tl_path(p, sizeof(p), e->exp, "hello.txt"), "hello world\n");
	tl_write_file(tl_path(p, sizeof(p), e->exp, "secret"), "s\n");
	chmod(p, 0600);
	symlink("hello.txt", tl_path(p, sizeof(p), e->exp, "link"));
	tl_write_file(tl_path(p, sizeof(p), e->ro, "file"), "ro\n");
	tl_write_file(tl_path(p, sizeof(p), e->brd, "file"), "board\n");
	snprintf(e->ex[0].name, sizeof(e->ex[0].name), "/srv/exp");
	snprintf(e->ex[0].dir, sizeof(e->ex[0].dir), "%s", e->exp);
	snprintf(e->ex[1].name, sizeof(e->ex[1].name), "/srv/ro");
	snprintf(e->ex[1].dir, sizeof(e->ex[1].dir), "%s", e->ro);
	e->ex[1].read_only = true;
	snprintf(e->ex[2].name, sizeof(e->ex[2].name), "/srv/brd");
	snprintf(e->ex[2].dir, sizeof(e->ex[2].dir), "%s", e->brd);
	snprintf(e->ex[2].board, sizeof(e->ex[2].board), "pi1");
	e->cfg.exports = e->ex;
	e->cfg.n_exports = 3;
	snprintf(e->cfg.state_dir, sizeof(e->cfg.state_dir), "%s", e->state);
	e->fs = new_fs(e);
	if (nfs_fs_mount(e->fs, &tl_root, "/srv/exp", &e->root) != MNT3_OK ||
	    nfs_fs_mount(e->fs, &tl_root, "/srv/ro", &e->ro_root) != MNT3_OK)
		return -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	nfs_fs_free(e->fs);
	tl_rm_rf(e->top);
	free(e);
	return 0;
}

static struct nfs_fh must_lookup(struct env *e, const char *rel)
{
	struct nfs_fh fh;
	assert_int_equal(tl_lookup_path(e->fs, &tl_root, &e->root, rel, &fh), NFS3_OK);
	return fh;
}

static void test_mount(void **state)
{
	struct env *e = *state;
	struct nfs_fh fh;
	struct nfs_cred pi1 = { .board = "pi1" }, pi2 = { .board = "pi2" };
	assert_int_equal(nfs_fs_mount(e->fs, &tl_root, "/srv/exp/", &fh), MNT3_OK);
	assert_int_equal(fh.len, NFS_FH_LEN);
	assert_memory_equal(fh.data, e->root.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_mount(e->fs, &tl_root, "/srv/nope", &fh), MNT3ERR_NOENT);
	assert_int_equal(nfs_fs_mount(e->fs, &tl_root, "/srv", &fh), MNT3ERR_NOENT);
	assert_int_equal(nfs_fs_mount(e->fs, &pi2, "/srv/brd", &fh), MNT3ERR_ACCES);
	assert_int_equal(nfs_fs_mount(e->fs, &tl_root, "/srv/brd", &fh), MNT3ERR_ACCES);
	assert_int_equal(nfs_fs_mount(e->fs, &pi1, "/srv/brd", &fh), MNT3_OK);
	assert_int_equal(nfs_fs_n_exports(e->fs), 3);
	assert_string_equal(nfs_fs_export(e->fs, 1)->name, "/srv/ro");
	assert_null(nfs_fs_export(e->fs, 3));
	assert_int_equal(nfs_fs_rtmax(e->fs), 1u << 20);
	assert_int_equal(nfs_fs_wtmax(e->fs), 1u << 20);
	assert_int_equal(nfs_fs_dtpref(e->fs), 64u << 10);
}

static void test_getattr_lookup(void **state)
{
	struct env *e = *state;
	struct nfs_fattr a, da;
	struct nfs_fh fh, fh2;
	struct stat st;
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &e->root, &a), NFS3_OK);
	stat(e->exp, &st);
	assert_int_equal(a.type, NF3DIR);
	assert_int_equal(a.fileid, st.st_ino);
	assert_int_equal(a.mode, 0755);

	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "hello.txt", &fh, &a, &da), NFS3_OK);
	assert_int_equal(a.type, NF3REG);
	assert_int_equal(a.size, 12);
	assert_int_equal(da.type, NF3DIR);
	/* The same file always gets the same handle. */
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "hello.txt", &fh2, &a, &da), NFS3_OK);
	assert_memory_equal(fh.data, fh2.data, NFS_FH_LEN);

	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "link", &fh, &a, &da), NFS3_OK);
	assert_int_equal(a.type, NF3LNK);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "nope", &fh, &a, &da), NFS3ERR_NOENT);
	assert_int_equal(da.type, NF3DIR);

	/* "." is the directory, ".." its parent; both at the root are the root. */
	fh = must_lookup(e, "d/sub");
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &fh, ".", &fh2, &a, &da), NFS3_OK);
	assert_memory_equal(fh.data, fh2.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &fh, "..", &fh2, &a, &da), NFS3_OK);
	struct nfs_fh d = must_lookup(e, "d");
	assert_memory_equal(d.data, fh2.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "..", &fh2, &a, &da), NFS3_OK);
	assert_memory_equal(e->root.data, fh2.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, ".", &fh2, &a, &da), NFS3_OK);
	assert_memory_equal(e->root.data, fh2.data, NFS_FH_LEN);

	/* LOOKUP in a file, bad names. */
	fh = must_lookup(e, "hello.txt");
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &fh, "x", &fh2, &a, &da), NFS3ERR_NOTDIR);
	char longname[300];
	memset(longname, 'a', 256);
	longname[256] = '\0';
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, longname, &fh2, &a, &da),
			 NFS3ERR_NAMETOOLONG);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "d/sub", &fh2, &a, &da), NFS3ERR_NOENT);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "", &fh2, &a, &da), NFS3ERR_NOENT);

	/* Search permission on the directory. */
	char p[256];
	chmod(tl_path(p, sizeof(p), e->exp, "d"), 0700);
	d = must_lookup(e, "d");
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_user, &d, "sub", &fh2, &a, &da), NFS3ERR_ACCES);
	chmod(p, 0755);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_user, &d, "sub", &fh2, &a, &da), NFS3_OK);

	char path[512];
	assert_true(nfs_fs_path(e->fs, &fh2, NULL, path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/d/sub");
	assert_true(nfs_fs_path(e->fs, &fh2, "deep.txt", path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/d/sub/deep.txt");
	assert_true(nfs_fs_path(e->fs, &e->root, NULL, path, sizeof(path)));
	assert_string_equal(path, "/srv/exp");
	fh2.data[5] ^= 1;
	assert_false(nfs_fs_path(e->fs, &fh2, NULL, path, sizeof(path)));
	assert_string_equal(path, "?");
}

static void test_access_readlink(void **state)
{
	struct env *e = *state;
	struct nfs_fattr a;
	uint32_t g;
	const uint32_t all = 0x3f;
	struct nfs_fh secret = must_lookup(e, "secret"), hello = must_lookup(e, "hello.txt");
	assert_int_equal(nfs_fs_access(e->fs, &tl_root, &secret, all, &g, &a), NFS3_OK);
	assert_int_equal(g, NFS3_ACCESS_READ | NFS3_ACCESS_MODIFY | NFS3_ACCESS_EXTEND);
	assert_int_equal(nfs_fs_access(e->fs, &tl_user, &secret, all, &g, &a), NFS3_OK);
	assert_int_equal(g, 0);
	assert_int_equal(nfs_fs_access(e->fs, &tl_user, &hello, all, &g, &a), NFS3_OK);
	assert_int_equal(g, NFS3_ACCESS_READ);
	assert_int_equal(nfs_fs_access(e->fs, &tl_user, &e->root, all, &g, &a), NFS3_OK);
	assert_int_equal(g, NFS3_ACCESS_READ | NFS3_ACCESS_LOOKUP);
	assert_int_equal(nfs_fs_access(e->fs, &tl_root, &e->root, all, &g, &a), NFS3_OK);
	assert_int_equal(g, all & ~NFS3_ACCESS_EXECUTE);
	/* Group membership through the supplementary list. */
	struct nfs_cred grp = { .uid = 1001, .gid = 1001, .n_gids = 1, .gids = { 0 } };
	char p[256];
	chmod(tl_path(p, sizeof(p), e->exp, "secret"), 0640);
	assert_int_equal(nfs_fs_access(e->fs, &grp, &secret, all, &g, &a), NFS3_OK);
	assert_int_equal(g, NFS3_ACCESS_READ);
	chmod(p, 0600);

	char buf[NFS3_PATH_MAX + 1];
	struct nfs_fh link = must_lookup(e, "link");
	assert_int_equal(nfs_fs_readlink(e->fs, &tl_user, &link, buf, sizeof(buf), &a), NFS3_OK);
	assert_string_equal(buf, "hello.txt");
	assert_int_equal(a.type, NF3LNK);
	assert_int_equal(nfs_fs_readlink(e->fs, &tl_user, &hello, buf, sizeof(buf), &a), NFS3ERR_INVAL);
}

static void test_read_write_commit(void **state)
{
	struct env *e = *state;
	struct nfs_fattr a;
	struct nfs_wcc w;
	uint8_t buf[64];
	uint32_t n, committed;
	bool eof;
	struct nfs_fh hello = must_lookup(e, "hello.txt"), secret = must_lookup(e, "secret");
	assert_int_equal(nfs_fs_read(e->fs, &tl_user, &hello, 0, 5, buf, &n, &eof, &a), NFS3_OK);
	assert_int_equal(n, 5);
	assert_false(eof);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(nfs_fs_read(e->fs, &tl_user, &hello, 6, 64, buf, &n, &eof, &a), NFS3_OK);
	assert_int_equal(n, 6);
	assert_true(eof);
	assert_int_equal(nfs_fs_read(e->fs, &tl_user, &hello, 100, 64, buf, &n, &eof, &a), NFS3_OK);
	assert_int_equal(n, 0);
	assert_true(eof);
	assert_int_equal(nfs_fs_read(e->fs, &tl_user, &secret, 0, 1, buf, &n, &eof, &a), NFS3ERR_ACCES);
	assert_int_equal(nfs_fs_read(e->fs, &tl_root, &e->root, 0, 1, buf, &n, &eof, &a), NFS3ERR_ISDIR);
	struct nfs_fh link = must_lookup(e, "link");
	assert_int_equal(nfs_fs_read(e->fs, &tl_root, &link, 0, 1, buf, &n, &eof, &a), NFS3ERR_INVAL);

	assert_int_equal(nfs_fs_write(e->fs, &tl_root, &hello, 6, (const uint8_t *)"WORLD", 5,
				      NFS3_UNSTABLE, &n, &committed, &w), NFS3_OK);
	assert_int_equal(n, 5);
	assert_int_equal(committed, NFS3_UNSTABLE);
	assert_true(w.have_before && w.have_after);
	assert_int_equal(w.after.size, 12);
	assert_int_equal(nfs_fs_write(e->fs, &tl_root, &hello, 12, (const uint8_t *)"!!", 2,
				      NFS3_FILE_SYNC, &n, &committed, &w), NFS3_OK);
	assert_int_equal(committed, NFS3_FILE_SYNC);
	assert_int_equal(w.before_size, 12);
	assert_int_equal(w.after.size, 14);
	assert_int_equal(nfs_fs_write(e->fs, &tl_root, &hello, 0, (const uint8_t *)"H", 1,
				      NFS3_DATA_SYNC, &n, &committed, &w), NFS3_OK);
	assert_int_equal(nfs_fs_read(e->fs, &tl_user, &hello, 0, 64, buf, &n, &eof, &a), NFS3_OK);
	assert_int_equal(n, 14);
	assert_memory_equal(buf, "Hello WORLD\n!!", 14);
	assert_int_equal(nfs_fs_commit(e->fs, &tl_root, &hello, 0, 0, &w), NFS3_OK);
	assert_true(w.have_after);
	/* Not the owner, no w bit. */
	assert_int_equal(nfs_fs_write(e->fs, &tl_user, &hello, 0, (const uint8_t *)"x", 1,
				      NFS3_UNSTABLE, &n, &committed, &w), NFS3ERR_ACCES);
	assert_int_equal(nfs_fs_write(e->fs, &tl_root, &e->root, 0, (const uint8_t *)"x", 1,
				      NFS3_UNSTABLE, &n, &committed, &w), NFS3ERR_ISDIR);
	assert_int_equal(nfs_fs_commit(e->fs, &tl_root, &e->root, 0, 0, &w), NFS3ERR_ISDIR);

	uint8_t v1[8], v2[8];
	nfs_fs_write_verf(e->fs, v1);
	nfs_fs_write_verf(e->fs, v2);
	assert_memory_equal(v1, v2, 8);
	struct nfs_fs *other = new_fs(e);
	nfs_fs_write_verf(other, v2);
	assert_memory_not_equal(v1, v2, 8);
	nfs_fs_free(other);
}

static void test_create_modes(void **state)
{
	struct env *e = *state;
	struct nfs_fh fh, fh2;
	struct nfs_fattr a;
	struct nfs_wcc w;
	struct nfs_sattr sa = { .set_mode = true, .mode = 0640 };
	struct nfs_cred alice = { .uid = 1234, .gid = 99, .board = "" };
	char p[256];
	/* The directory must be writable by alice. */
	chmod(e->exp, 0777);
	assert_int_equal(nfs_fs_create(e->fs, &alice, &e->root, "new.txt", NFS3_CREATE_UNCHECKED,
				       &sa, NULL, &fh, &a, &w), NFS3_OK);
	assert_int_equal(a.type, NF3REG);
	assert_int_equal(a.mode, 0640);
	if (geteuid() == 0) {
		assert_int_equal(a.uid, 1234);
		assert_int_equal(a.gid, 99);
	}
	assert_true(w.have_before && w.have_after);
	struct stat st;
	assert_int_equal(stat(tl_path(p, sizeof(p), e->exp, "new.txt"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* UNCHECKED again: OK, same file; with size 0 it truncates. */
	uint32_t n, c;
	assert_int_equal(nfs_fs_write(e->fs, &alice, &fh, 0, (const uint8_t *)"abc", 3, NFS3_UNSTABLE,
				      &n, &c, &w), NFS3_OK);
	struct nfs_sattr trunc = { .set_size = true, .size = 0 };
	assert_int_equal(nfs_fs_create(e->fs, &alice, &e->root, "new.txt", NFS3_CREATE_UNCHECKED,
				       &trunc, NULL, &fh2, &a, &w), NFS3_OK);
	assert_memory_equal(fh.data, fh2.data, NFS_FH_LEN);
	assert_int_equal(a.size, 0);
	assert_int_equal(nfs_fs_create(e->fs, &alice, &e->root, "new.txt", NFS3_CREATE_GUARDED,
				       &sa, NULL, &fh2, &a, &w), NFS3ERR_EXIST);
	assert_int_equal(nfs_fs_create(e->fs, &alice, &e->root, "d", NFS3_CREATE_UNCHECKED,
				       &sa, NULL, &fh2, &a, &w), NFS3ERR_EXIST);
	/* EXCLUSIVE: a retransmission with the same verifier gets the file. */
	const uint8_t v1[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, v2[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	assert_int_equal(nfs_fs_create(e->fs, &alice, &e->root, "excl", NFS3_CREATE_EXCLUSIVE,
				       NULL, v1, &fh, &a, &w), NFS3_OK);
	assert_int_equal(nfs_fs_create(e->fs, &alice, &e->root, "excl", NFS3_CREATE_EXCLUSIVE,
				       NULL, v1, &fh2, &a, &w), NFS3_OK);
	assert_memory_equal(fh.data, fh2.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_create(e->fs, &alice, &e->root, "excl", NFS3_CREATE_EXCLUSIVE,
				       NULL, v2, &fh2, &a, &w), NFS3ERR_EXIST);
	assert_int_equal(nfs_fs_create(e->fs, &alice, &e->root, "hello.txt", NFS3_CREATE_EXCLUSIVE,
				       NULL, v1, &fh2, &a, &w), NFS3ERR_EXIST);
	/* The client then sets the real attributes. */
	struct nfs_sattr after = { .set_mode = true, .mode = 0600, .atime_how = NFS_TIME_SERVER,
				   .mtime_how = NFS_TIME_SERVER };
	assert_int_equal(nfs_fs_setattr(e->fs, &alice, &fh, &after, NULL, &w), NFS3_OK);
	assert_int_equal(w.after.mode, 0600);
	assert_true(w.after.mtime.sec > 1000000000u);
	assert_int_equal(nfs_fs_create(e->fs, &alice, &e->root, "bad", 7, &sa, NULL, &fh2, &a, &w),
			 NFS3ERR_INVAL);
	/* No write permission in the directory. */
	chmod(e->exp, 0755);
	assert_int_equal(nfs_fs_create(e->fs, &alice, &e->root, "no", NFS3_CREATE_UNCHECKED,
				       &sa, NULL, &fh2, &a, &w), NFS3ERR_ACCES);
	/* Bad names. */
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &e->root, "a/b", NFS3_CREATE_UNCHECKED,
				       &sa, NULL, &fh2, &a, &w), NFS3ERR_INVAL);
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &e->root, "..", NFS3_CREATE_UNCHECKED,
				       &sa, NULL, &fh2, &a, &w), NFS3ERR_EXIST);
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &e->root, "", NFS3_CREATE_UNCHECKED,
				       &sa, NULL, &fh2, &a, &w), NFS3ERR_INVAL);
	char longname[300];
	memset(longname, 'b', 256);
	longname[256] = '\0';
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &e->root, longname, NFS3_CREATE_UNCHECKED,
				       &sa, NULL, &fh2, &a, &w), NFS3ERR_NAMETOOLONG);
	/* CREATE in a file. */
	struct nfs_fh hello = must_lookup(e, "hello.txt");
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &hello, "x", NFS3_CREATE_UNCHECKED,
				       &sa, NULL, &fh2, &a, &w), NFS3ERR_NOTDIR);
}

static void test_mkdir_symlink_mknod(void **state)
{
	struct env *e = *state;
	struct nfs_fh fh, fh2;
	struct nfs_fattr a;
	struct nfs_wcc w;
	struct nfs_sattr none = { 0 };
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->root, "nd", &none, &fh, &a, &w), NFS3_OK);
	assert_int_equal(a.type, NF3DIR);
	assert_int_equal(a.mode, 0755);
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->root, "nd", &none, &fh2, &a, &w),
			 NFS3ERR_EXIST);
	assert_int_equal(nfs_fs_symlink(e->fs, &tl_root, &fh, "sl", "../hello.txt", &none, &fh2, &a,
					&w), NFS3_OK);
	assert_int_equal(a.type, NF3LNK);
	char buf[NFS3_PATH_MAX + 1];
	assert_int_equal(nfs_fs_readlink(e->fs, &tl_root, &fh2, buf, sizeof(buf), &a), NFS3_OK);
	assert_string_equal(buf, "../hello.txt");
	assert_int_equal(nfs_fs_symlink(e->fs, &tl_root, &fh, "sl2", "", &none, &fh2, &a, &w),
			 NFS3ERR_INVAL);
	/* A symlink's times can be set without touching its target. */
	struct nfs_sattr t = { .mtime_how = NFS_TIME_CLIENT, .mtime = { 12345, 0 } };
	struct nfs_fh sl = must_lookup(e, "nd/sl");
	struct nfs_fattr before;
	struct nfs_fh hello = must_lookup(e, "hello.txt");
	nfs_fs_getattr(e->fs, &tl_root, &hello, &before);
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &sl, &t, NULL, &w), NFS3_OK);
	assert_int_equal(w.after.mtime.sec, 12345);
	nfs_fs_getattr(e->fs, &tl_root, &hello, &a);
	assert_int_equal(a.mtime.sec, before.mtime.sec);

	struct nfs_sattr m = { .set_mode = true, .mode = 0620 };
	assert_int_equal(nfs_fs_mknod(e->fs, &tl_root, &fh, "fifo", NF3FIFO, &m, 0, 0, &fh2, &a, &w),
			 NFS3_OK);
	assert_int_equal(a.type, NF3FIFO);
	assert_int_equal(a.mode, 0620);
	assert_int_equal(nfs_fs_mknod(e->fs, &tl_root, &fh, "reg", NF3REG, &m, 0, 0, &fh2, &a, &w),
			 NFS3ERR_BADTYPE);
	assert_int_equal(nfs_fs_mknod(e->fs, &tl_user, &fh, "chr", NF3CHR, &m, 1, 3, &fh2, &a, &w),
			 NFS3ERR_ACCES); /* no write permission for tl_user first */
	if (geteuid() == 0) {
		assert_int_equal(nfs_fs_mknod(e->fs, &tl_root, &fh, "null", NF3CHR, &m, 1, 3, &fh2, &a,
					      &w), NFS3_OK);
		assert_int_equal(a.type, NF3CHR);
		assert_int_equal(a.rdev_major, 1);
		assert_int_equal(a.rdev_minor, 3);
		/* A device node is never opened for READ. */
		uint8_t b[4];
		uint32_t n;
		bool eof;
		assert_int_equal(nfs_fs_read(e->fs, &tl_root, &fh2, 0, 4, b, &n, &eof, &a), NFS3ERR_INVAL);
	}
	/* Reading a FIFO must not block. */
	struct nfs_fh fifo = must_lookup(e, "nd/fifo");
	uint8_t b[4];
	uint32_t n;
	bool eof;
	assert_int_equal(nfs_fs_read(e->fs, &tl_root, &fifo, 0, 4, b, &n, &eof, &a), NFS3ERR_INVAL);
}

static void test_remove_rmdir(void **state)
{
	struct env *e = *state;
	struct nfs_fh fh, f2;
	struct nfs_fattr a;
	struct nfs_wcc w;
	struct nfs_sattr none = { 0 };
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->root, "rm", &none, &fh, &a, &w), NFS3_OK);
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &fh, "f", NFS3_CREATE_GUARDED, &none, NULL,
				       &f2, &a, &w), NFS3_OK);
	assert_int_equal(nfs_fs_rmdir(e->fs, &tl_root, &e->root, "rm", &w), NFS3ERR_NOTEMPTY);
	assert_int_equal(nfs_fs_rmdir(e->fs, &tl_root, &fh, "f", &w), NFS3ERR_NOTDIR);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &e->root, "rm", &w), NFS3ERR_ISDIR);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &fh, "nope", &w), NFS3ERR_NOENT);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &fh, ".", &w), NFS3ERR_INVAL);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &fh, "..", &w), NFS3ERR_EXIST);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_user, &fh, "f", &w), NFS3ERR_ACCES);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &f2, &a), NFS3_OK);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &fh, "f", &w), NFS3_OK);
	assert_true(w.have_before && w.have_after);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &f2, &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_rmdir(e->fs, &tl_root, &e->root, "rm", &w), NFS3_OK);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &fh, "x", &f2, &a, &a), NFS3ERR_STALE);
	/* Removed behind our back (by the host): STALE after the rescan. */
	char p[256];
	struct nfs_fh hello = must_lookup(e, "hello.txt");
	tl_write_file(tl_path(p, sizeof(p), e->exp, "host.txt"), "x");
	struct nfs_fh host = must_lookup(e, "host.txt");
	unlink(p);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &host, &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &hello, &a), NFS3_OK);
	/* Sticky directory: others' files cannot be removed. */
	struct nfs_fh tmp, mine;
	struct nfs_sattr sticky = { .set_mode = true, .mode = 01777 };
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->root, "tmp", &sticky, &tmp, &a, &w), NFS3_OK);
	struct nfs_cred bob = { .uid = 2000, .gid = 2000 };
	assert_int_equal(nfs_fs_create(e->fs, &bob, &tmp, "bobs", NFS3_CREATE_GUARDED, &none, NULL,
				       &mine, &a, &w), NFS3_OK);
	if (geteuid() == 0) {
		assert_int_equal(nfs_fs_remove(e->fs, &tl_user, &tmp, "bobs", &w), NFS3ERR_ACCES);
		assert_int_equal(nfs_fs_remove(e->fs, &bob, &tmp, "bobs", &w), NFS3_OK);
	}
}

static void test_rename_link(void **state)
{
	struct env *e = *state;
	struct nfs_fh fh, got, d;
	struct nfs_fattr a;
	struct nfs_wcc w1, w2;
	struct nfs_sattr none = { 0 };
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &e->root, "mv1", NFS3_CREATE_GUARDED, &none,
				       NULL, &fh, &a, &w1), NFS3_OK);
	d = must_lookup(e, "d/sub");
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "mv1", &d, "mv2", &w1, &w2), NFS3_OK);
	assert_true(w1.have_after && w2.have_after);
	/* The handle still works, and names the new place. */
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	char path[256];
	assert_true(nfs_fs_path(e->fs, &fh, NULL, path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/d/sub/mv2");
	got = must_lookup(e, "d/sub/mv2");
	assert_memory_equal(got.data, fh.data, NFS_FH_LEN);
	/* A renamed directory keeps its children's handles. */
	struct nfs_fh deep = must_lookup(e, "d/sub/deep.txt");
	struct nfs_fh dd = must_lookup(e, "d");
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "d", &e->root, "d2", &w1, &w2), NFS3_OK);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &deep, &a), NFS3_OK);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	assert_true(nfs_fs_path(e->fs, &deep, NULL, path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/d2/sub/deep.txt");
	/* Rename over an existing file: the old target goes stale. */
	struct nfs_fh victim;
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &e->root, "victim", NFS3_CREATE_GUARDED, &none,
				       NULL, &victim, &a, &w1), NFS3_OK);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &d, "mv2", &e->root, "victim", &w1, &w2), NFS3_OK);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &victim, &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	/* Errors. */
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "nope", &e->root, "x", &w1, &w2),
			 NFS3ERR_NOENT);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "victim", &e->root, "a/b", &w1, &w2),
			 NFS3ERR_INVAL);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "d2", &dd, "in", &w1, &w2),
			 NFS3ERR_INVAL); /* into itself */
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "victim", &e->ro_root, "x", &w1, &w2),
			 NFS3ERR_XDEV);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "d2", &e->root, "hello.txt", &w1, &w2),
			 NFS3ERR_NOTDIR);
	/* LINK: a second name for the same file. */
	assert_int_equal(nfs_fs_link(e->fs, &tl_root, &fh, &e->root, "hard", &a, &w1), NFS3_OK);
	assert_int_equal(a.nlink, 2);
	got = must_lookup(e, "hard");
	assert_memory_equal(got.data, fh.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_link(e->fs, &tl_root, &fh, &e->root, "hard", &a, &w1), NFS3ERR_EXIST);
	assert_int_equal(nfs_fs_link(e->fs, &tl_root, &dd, &e->root, "dl", &a, &w1), NFS3ERR_ISDIR);
	assert_int_equal(nfs_fs_link(e->fs, &tl_root, &fh, &e->ro_root, "x", &a, &w1), NFS3ERR_ROFS);
	/* Removing one name keeps the file reachable through the other. */
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &e->root, "victim", &w1), NFS3_OK);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	assert_int_equal(a.nlink, 1);
}

static void test_setattr(void **state)
{
	struct env *e = *state;
	struct nfs_fh fh;
	struct nfs_fattr a;
	struct nfs_wcc w;
	struct nfs_sattr none = { 0 };
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &e->root, "sa", NFS3_CREATE_GUARDED, &none,
				       NULL, &fh, &a, &w), NFS3_OK);
	struct nfs_sattr s = { .set_mode = true, .mode = 04751, .set_size = true, .size = 1000,
			       .atime_how = NFS_TIME_CLIENT, .atime = { 111, 5 },
			       .mtime_how = NFS_TIME_CLIENT, .mtime = { 222, 6 } };
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &fh, &s, NULL, &w), NFS3_OK);
	assert_true(w.have_before && w.have_after);
	assert_int_equal(w.before_size, 0);
	assert_int_equal(w.after.mode, 04751);
	assert_int_equal(w.after.size, 1000);
	assert_int_equal(w.after.atime.sec, 111);
	assert_int_equal(w.after.mtime.sec, 222);
	assert_int_equal(w.after.mtime.nsec, 6);
	/* Guard: ctime must match. */
	struct nfs_time guard = w.after.ctime;
	struct nfs_sattr m = { .set_mode = true, .mode = 0644 };
	struct nfs_time wrong = { guard.sec - 1, 0 };
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &fh, &m, &wrong, &w), NFS3ERR_NOT_SYNC);
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &fh, &m, &guard, &w), NFS3_OK);
	/* Only the owner may chmod; only root may chown. */
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_user, &fh, &m, NULL, &w), NFS3ERR_PERM);
	struct nfs_sattr own = { .set_uid = true, .uid = 1000, .set_gid = true, .gid = 1000 };
	if (geteuid() == 0) {
		assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &fh, &own, NULL, &w), NFS3_OK);
		assert_int_equal(w.after.uid, 1000);
		assert_int_equal(nfs_fs_setattr(e->fs, &tl_user, &fh, &m, NULL, &w), NFS3_OK);
		struct nfs_sattr give = { .set_uid = true, .uid = 0 };
		assert_int_equal(nfs_fs_setattr(e->fs, &tl_user, &fh, &give, NULL, &w), NFS3ERR_PERM);
	}
	struct nfs_sattr sz = { .set_size = true, .size = 1 };
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &e->root, &sz, NULL, &w), NFS3ERR_ISDIR);
	struct nfs_fh link = must_lookup(e, "link");
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &link, &sz, NULL, &w), NFS3ERR_INVAL);
	/* chmod on a symlink is ignored, never applied to its target. */
	struct nfs_fh hello = must_lookup(e, "hello.txt");
	nfs_fs_getattr(e->fs, &tl_root, &hello, &a);
	uint32_t mode = a.mode;
	struct nfs_sattr lm = { .set_mode = true, .mode = 0777 };
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &link, &lm, NULL, &w), NFS3_OK);
	nfs_fs_getattr(e->fs, &tl_root, &hello, &a);
	assert_int_equal(a.mode, mode);
}

struct collect {
	char names[64][64];
	uint64_t fileids[64];
	int n;
	int budget;          /* entries accepted per call; -1 = all */
	bool plus;
	uint64_t last_cookie;
	struct nfs_fh fhs[64];
	bool have[64];
};

static bool collect_fn(void *ctx, const struct nfs_dirent *de)
{
	struct collect *c = ctx;
	if (c->budget == 0 || c->n >= 64)
		return false;
	if (c->budget > 0)
		c->budget--;
	snprintf(c->names[c->n], sizeof(c->names[0]), "%s", de->name);
	c->fileids[c->n] = de->fileid;
	c->have[c->n] = de->have_attr;
	if (de->have_attr)
		c->fhs[c->n] = de->fh;
	c->last_cookie = de->cookie;
	c->n++;
	return true;
}

static int find_name(const struct collect *c, const char *name)
{
	int found = -1;
	for (int i = 0; i < c->n; i++) {
		if (strcmp(c->names[i], name) == 0) {
			assert_int_equal(found, -1); /* listed once */
			found = i;
		}
	}
	return found;
}

static void test_readdir(void **state)
{
	struct env *e = *state;
	struct nfs_fattr da;
	uint8_t verf[8] = { 0 }, v2[8];
	bool eof = false;
	struct nfs_fh dir;
	struct nfs_fattr a;
	struct nfs_wcc w;
	struct nfs_sattr none = { 0 };
	char name[32];
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->root, "many", &none, &dir, &a, &w), NFS3_OK);
	for (int i = 0; i < 30; i++) {
		struct nfs_fh f;
		snprintf(name, sizeof(name), "f%02d", i);
		assert_int_equal(nfs_fs_create(e->fs, &tl_root, &dir, name, NFS3_CREATE_GUARDED, &none,
					       NULL, &f, &a, &w), NFS3_OK);
	}
	/* All at once. */
	struct collect *all = calloc(1, sizeof(*all));
	all->budget = -1;
	assert_int_equal(nfs_fs_readdir(e->fs, &tl_root, &dir, 0, verf, false, collect_fn, all, verf,
					&eof, &da), NFS3_OK);
	assert_true(eof);
	assert_int_equal(all->n, 32);
	assert_true(find_name(all, ".") >= 0);
	assert_true(find_name(all, "..") >= 0);
	assert_int_equal(all->fileids[find_name(all, ".")], da.fileid);
	struct nfs_fattr ra;
	nfs_fs_getattr(e->fs, &tl_root, &e->root, &ra);
	assert_int_equal(all->fileids[find_name(all, "..")], ra.fileid);
	/* Three entries per reply: every entry exactly once, in the same order. */
	struct collect *part = calloc(1, sizeof(*part));
	uint64_t cookie = 0;
	memset(verf, 0, sizeof(verf));
	int calls = 0;
	for (eof = false; !eof && calls < 100; calls++) {
		part->budget = 3;
		assert_int_equal(nfs_fs_readdir(e->fs, &tl_root, &dir, cookie, verf, false, collect_fn,
						part, verf, &eof, &da), NFS3_OK);
		cookie = part->last_cookie;
	}
	assert_int_equal(part->n, 32);
	for (int i = 0; i < 32; i++)
		assert_string_equal(part->names[i], all->names[i]);
	/* Entries removed between calls do not disturb the continuation. */
	memset(part, 0, sizeof(*part));
	part->budget = 10;
	memset(verf, 0, sizeof(verf));
	assert_int_equal(nfs_fs_readdir(e->fs, &tl_root, &dir, 0, verf, false, collect_fn, part, verf,
					&eof, &da), NFS3_OK);
	assert_false(eof);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &dir, part->names[2][0] == 'f' ?
				       part->names[2] : part->names[5], &w), NFS3_OK);
	part->budget = -1;
	assert_int_equal(nfs_fs_readdir(e->fs, &tl_root, &dir, part->last_cookie, verf, false,
					collect_fn, part, v2, &eof, &da), NFS3_OK);
	assert_true(eof);
	assert_int_equal(part->n, 32);
	/* A verifier of another directory: BAD_COOKIE. */
	uint8_t rv[8];
	struct collect *c3 = calloc(1, sizeof(*c3));
	c3->budget = 1;
	assert_int_equal(nfs_fs_readdir(e->fs, &tl_root, &e->root, 0, (uint8_t[8]){ 0 }, false,
					collect_fn, c3, rv, &eof, &da), NFS3_OK);
	assert_int_equal(nfs_fs_readdir(e->fs, &tl_root, &dir, c3->last_cookie, rv, false, collect_fn,
					c3, v2, &eof, &da), NFS3ERR_BAD_COOKIE);
	/* READDIRPLUS: handles that resolve to the entries. */
	memset(c3, 0, sizeof(*c3));
	c3->budget = -1;
	assert_int_equal(nfs_fs_readdir(e->fs, &tl_root, &e->root, 0, (uint8_t[8]){ 0 }, true,
					collect_fn, c3, rv, &eof, &da), NFS3_OK);
	int i = find_name(c3, "hello.txt");
	assert_true(i >= 0 && c3->have[i]);
	struct nfs_fh hello = must_lookup(e, "hello.txt");
	assert_memory_equal(c3->fhs[i].data, hello.data, NFS_FH_LEN);
	i = find_name(c3, "..");
	assert_true(i >= 0 && c3->have[i]);
	assert_memory_equal(c3->fhs[i].data, e->root.data, NFS_FH_LEN);
	/* Errors: a file, no read permission. */
	assert_int_equal(nfs_fs_readdir(e->fs, &tl_root, &hello, 0, verf, false, collect_fn, c3, v2,
					&eof, &da), NFS3ERR_NOTDIR);
	struct nfs_sattr m = { .set_mode = true, .mode = 0711 };
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &dir, &m, NULL, &w), NFS3_OK);
	assert_int_equal(nfs_fs_readdir(e->fs, &tl_user, &dir, 0, verf, false, collect_fn, c3, v2,
					&eof, &da), NFS3ERR_ACCES);
	free(all);
	free(part);
	free(c3);
}

static void test_restart_keeps_handles(void **state)
{
	struct env *e = *state;
	struct nfs_fattr a;
	struct nfs_wcc w1, w2;
	struct nfs_fh deep = must_lookup(e, "d/sub/deep.txt"), sub = must_lookup(e, "d/sub");
	struct nfs_fh hello = must_lookup(e, "hello.txt");
	nfs_fs_free(e->fs);
	e->fs = new_fs(e);
	/* The table is empty: the first use scans the export. */
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &deep, &a), NFS3_OK);
	assert_int_equal(a.size, 5);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &hello, &a), NFS3_OK);
	char path[256];
	assert_true(nfs_fs_path(e->fs, &sub, "x", path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/d/sub/x");
	struct nfs_fh root2;
	assert_int_equal(nfs_fs_mount(e->fs, &tl_root, "/srv/exp", &root2), MNT3_OK);
	assert_memory_equal(root2.data, e->root.data, NFS_FH_LEN);
	/* Renamed on the host while we were down: found again by the scan. */
	nfs_fs_free(e->fs);
	char from[256], to[256];
	rename(tl_path(from, sizeof(from), e->exp, "d/sub"), tl_path(to, sizeof(to), e->exp, "moved"));
	e->fs = new_fs(e);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &deep, &a), NFS3_OK);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "moved", &sub, "x", &w1, &w2),
			 NFS3ERR_INVAL);
	/* Another state dir = another key: handles are refused. */
	nfs_fs_free(e->fs);
	struct nfs_fs_config cfg = e->cfg;
	cfg.state_dir[0] = '\0';
	char err[128];
	assert_int_equal(nfs_fs_new(&cfg, &e->fs, err, sizeof(err)), 0);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &deep, &a), NFS3ERR_BADHANDLE);
	nfs_fs_free(e->fs);
	e->fs = new_fs(e);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &deep, &a), NFS3_OK);
	/* The key file is private. */
	struct stat st;
	char kp[256];
	assert_int_equal(stat(tl_path(kp, sizeof(kp), e->state, "fh.key"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 16);
}

static void test_readonly_export(void **state)
{
	struct env *e = *state;
	struct nfs_fh fh, f2;
	struct nfs_fattr a;
	struct nfs_wcc w1, w2;
	struct nfs_sattr none = { 0 }, m = { .set_mode = true, .mode = 0600 };
	uint32_t n, c, g;
	uint8_t buf[8];
	bool eof;
	assert_int_equal(tl_lookup_path(e->fs, &tl_root, &e->ro_root, "file", &fh), NFS3_OK);
	assert_int_equal(nfs_fs_read(e->fs, &tl_root, &fh, 0, 8, buf, &n, &eof, &a), NFS3_OK);
	assert_int_equal(nfs_fs_write(e->fs, &tl_root, &fh, 0, buf, 1, NFS3_FILE_SYNC, &n, &c, &w1),
			 NFS3ERR_ROFS);
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &fh, &m, NULL, &w1), NFS3ERR_ROFS);
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &e->ro_root, "n", NFS3_CREATE_UNCHECKED, &none,
				       NULL, &f2, &a, &w1), NFS3ERR_ROFS);
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->ro_root, "n", &none, &f2, &a, &w1),
			 NFS3ERR_ROFS);
	assert_int_equal(nfs_fs_symlink(e->fs, &tl_root, &e->ro_root, "n", "t", &none, &f2, &a, &w1),
			 NFS3ERR_ROFS);
	assert_int_equal(nfs_fs_mknod(e->fs, &tl_root, &e->ro_root, "n", NF3FIFO, &none, 0, 0, &f2, &a,
				      &w1), NFS3ERR_ROFS);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &e->ro_root, "file", &w1), NFS3ERR_ROFS);
	assert_int_equal(nfs_fs_rmdir(e->fs, &tl_root, &e->ro_root, "file", &w1), NFS3ERR_ROFS);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->ro_root, "file", &e->ro_root, "f2", &w1,
				       &w2), NFS3ERR_ROFS);
	assert_int_equal(nfs_fs_link(e->fs, &tl_root, &fh, &e->ro_root, "f2", &a, &w1), NFS3ERR_ROFS);
	assert_int_equal(nfs_fs_access(e->fs, &tl_root, &fh, 0x3f, &g, &a), NFS3_OK);
	assert_int_equal(g, NFS3_ACCESS_READ);
	struct stat st;
	char p[256];
	assert_int_equal(stat(tl_path(p, sizeof(p), e->ro, "file"), &st), 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(stat(tl_path(p, sizeof(p), e->ro, "n"), &st), -1);
}

static void test_board_export(void **state)
{
	struct env *e = *state;
	struct nfs_cred pi1 = { .board = "pi1" }, pi2 = { .board = "pi2" };
	struct nfs_fh root, fh;
	struct nfs_fattr a, da;
	assert_int_equal(nfs_fs_mount(e->fs, &pi1, "/srv/brd", &root), MNT3_OK);
	assert_int_equal(nfs_fs_getattr(e->fs, &pi1, &root, &a), NFS3_OK);
	assert_int_equal(nfs_fs_lookup(e->fs, &pi1, &root, "file", &fh, &a, &da), NFS3_OK);
	assert_int_equal(nfs_fs_getattr(e->fs, &pi2, &root, &a), NFS3ERR_ACCES);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3ERR_ACCES);
	assert_int_equal(nfs_fs_lookup(e->fs, &pi2, &root, "file", &fh, &a, &da), NFS3ERR_ACCES);
	assert_int_equal(nfs_fs_getattr(e->fs, NULL, &fh, &a), NFS3ERR_ACCES);
	/* Unrestricted exports serve every board. */
	assert_int_equal(nfs_fs_getattr(e->fs, &pi2, &e->root, &a), NFS3_OK);
}

static void test_fsstat_check(void **state)
{
	struct env *e = *state;
	struct nfs_fsstat s;
	struct nfs_fattr a;
	assert_int_equal(nfs_fs_fsstat(e->fs, &tl_root, &e->root, &s, &a), NFS3_OK);
	assert_true(s.tbytes > 0 && s.fbytes <= s.tbytes && s.abytes <= s.fbytes);
	assert_true(s.tfiles > 0);
	assert_int_equal(a.type, NF3DIR);
	assert_int_equal(nfs_fs_check(e->fs, &tl_root, &e->root, &a), NFS3_OK);
	struct nfs_fattr b;
	nfs_fs_getattr(e->fs, &tl_root, &e->ro_root, &b);
	assert_int_not_equal(a.fsid, b.fsid);
	struct nfs_fh bad = e->root;
	bad.len = 31;
	assert_int_equal(nfs_fs_check(e->fs, &tl_root, &bad, &a), NFS3ERR_BADHANDLE);
}

static void test_config_errors(void **state)
{
	struct env *e = *state;
	struct nfs_fs *fs = NULL;
	char err[256];
	struct nfs_export_config ex[2] = { e->ex[0], e->ex[0] };
	struct nfs_fs_config cfg = { .exports = ex, .n_exports = 2 };
	assert_int_equal(nfs_fs_new(&cfg, &fs, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "/srv/exp"));
	snprintf(ex[1].name, sizeof(ex[1].name), "/other");
	snprintf(ex[1].dir, sizeof(ex[1].dir), "%s/does-not-exist", e->top);
	assert_int_equal(nfs_fs_new(&cfg, &fs, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "does-not-exist"));
	cfg.n_exports = 1;
	/* A missing state dir is made, private; one that cannot be is an error. */
	char p[256];
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s/new-state/sub", e->top);
	assert_int_equal(nfs_fs_new(&cfg, &fs, err, sizeof(err)), 0);
	nfs_fs_free(fs);
	fs = NULL;
	struct stat st;
	assert_int_equal(stat(tl_path(p, sizeof(p), e->top, "new-state/sub/fh.key"), &st), 0);
	assert_int_equal(stat(tl_path(p, sizeof(p), e->top, "new-state/sub"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	tl_write_file(tl_path(p, sizeof(p), e->top, "badkey"), "");
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s/badkey/sub", e->top);
	assert_int_equal(nfs_fs_new(&cfg, &fs, err, sizeof(err)), -ENOTDIR);
	/* A key file of the wrong size is an error, not silently replaced. */
	mkdir(tl_path(p, sizeof(p), e->top, "st2"), 0700);
	tl_write_file(tl_path(p, sizeof(p), e->top, "st2/fh.key"), "short");
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s/st2", e->top);
	assert_int_equal(nfs_fs_new(&cfg, &fs, err, sizeof(err)), -EINVAL);
	nfs_fs_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getattr_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_readlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_symlink_mknod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_rmdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_keeps_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_board_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsstat_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
