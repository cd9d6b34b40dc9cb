/*
 * test_nfs_fs_cache.c - the caches of nfs_fs (directory fds, lazily opened
 * files, the generation memo, event paths from the inode table) never
 * serve stale or unsafe results: changes made on the host outside the
 * server are seen by the next call, subtrees moved out of the export or
 * swapped for symlinks are unreachable, reused inode numbers never revive
 * old handles, evicted and dropped cache entries resolve correctly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/fs.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>

#include "servers/nfs_fs.h"
#include "tests/nfs_fs/nfs_fs_testlib.h"
#include "tests/support/test_files.h"

#define REUSE_TRIES 2000 /* creations tried before giving up on inode reuse */
#define N_DIRS 200       /* more directories than the fd cache holds (128) */

struct env {
	char *top;
	char exp[256], out[256];
	struct nfs_export_config ex;
	struct nfs_fs_config cfg;
	struct nfs_fs *fs;
	struct nfs_fh root;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char err[256];
	if (!e)
		return -1;
	e->top = test_make_tmpdir("test_nfs_fs_cache");
	tl_path(e->exp, sizeof(e->exp), e->top, "exp");
	tl_path(e->out, sizeof(e->out), e->top, "outside");
	if (mkdir(e->exp, 0755) != 0 || mkdir(e->out, 0755) != 0)
		return -1;
	snprintf(e->ex.name, sizeof(e->ex.name), "/srv/exp");
	snprintf(e->ex.dir, sizeof(e->ex.dir), "%s", e->exp);
	e->cfg.exports = &e->ex;
	e->cfg.n_exports = 1;
	if (nfs_fs_new(&e->cfg, &e->fs, err, sizeof(err)) != 0) {
		fprintf(stderr, "nfs_fs_new: %s\n", err);
		return -1;
	}
	if (nfs_fs_mount(e->fs, &tl_root, "/srv/exp", &e->root) != MNT3_OK)
		return -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	nfs_fs_free(e->fs);
	test_rm_tree(e->top);
	free(e);
	return 0;
}

/* "<exp>/<rel>" (or "<outside>/<rel>") as a host path. */
static const char *in_exp(struct env *e, char *buf, size_t cap, const char *rel)
{
	return tl_path(buf, cap, e->exp, rel);
}

static const char *in_out(struct env *e, char *buf, size_t cap, const char *rel)
{
	return tl_path(buf, cap, e->out, rel);
}

static struct nfs_fh must_lookup(struct env *e, const char *rel)
{
	struct nfs_fh fh;
	assert_int_equal(tl_lookup_path(e->fs, &tl_root, &e->root, rel, &fh), NFS3_OK);
	return fh;
}

static uint64_t host_ino(const char *path)
{
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	return st.st_ino;
}

/* READ of the whole (small) file through the server; its status. */
static uint32_t read_text(struct env *e, const struct nfs_fh *fh, char *buf, size_t cap)
{
	uint32_t n = 0;
	bool eof = false;
	struct nfs_fattr a;
	uint32_t r = nfs_fs_read(e->fs, &tl_root, fh, 0, (uint32_t)cap - 1, (uint8_t *)buf, &n, &eof,
				 &a);
	buf[r == NFS3_OK ? n : 0] = '\0';
	return r;
}

static void assert_reads(struct env *e, const struct nfs_fh *fh, const char *want)
{
	char buf[256];
	assert_int_equal(read_text(e, fh, buf, sizeof(buf)), NFS3_OK);
	assert_string_equal(buf, want);
}

static bool count_fn(void *ctx, const struct nfs_dirent *ent)
{
	(void)ent;
	(*(int *)ctx)++;
	return true;
}

/* READDIR of the whole directory: its status; *ret_n entries seen. */
static uint32_t readdir_all(struct env *e, const struct nfs_fh *dir, bool plus, int *ret_n)
{
	uint8_t verf[NFS3_COOKIEVERFSIZE] = { 0 }, out[NFS3_COOKIEVERFSIZE];
	bool eof = false;
	struct nfs_fattr da;
	*ret_n = 0;
	return nfs_fs_readdir(e->fs, &tl_root, dir, 0, verf, plus, count_fn, ret_n, out, &eof, &da);
}

static void append_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* nfs_fs_path must name something inside the export, or say "?". */
static void assert_path_inside(struct env *e, const struct nfs_fh *fh)
{
	char path[PATH_MAX];
	bool ok = nfs_fs_path(e->fs, fh, NULL, path, sizeof(path));
	if (ok)
		assert_true(strncmp(path, "/srv/exp/", 9) == 0);
	else
		assert_string_equal(path, "?");
	assert_null(strstr(path, "outside"));
	assert_null(strstr(path, e->top));
	assert_null(strstr(path, ".."));
}

/* ---- external changes ---- */

static void test_external_change_seen(void **state)
{
	struct env *e = *state;
	char p[512];
	struct nfs_fattr a;
	in_exp(e, p, sizeof(p), "f.txt");
	test_write_text(p, "one\n");
	struct nfs_fh fh = must_lookup(e, "f.txt");
	/* Warm every cache: the open file, the generation memo, the table. */
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	assert_int_equal(a.size, 4);
	assert_reads(e, &fh, "one\n");

	append_text(p, "two\n");
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	assert_int_equal(a.size, 8);
	assert_reads(e, &fh, "one\ntwo\n");
	/* READ's own attributes are current too. */
	uint8_t buf[64];
	uint32_t n = 0;
	bool eof = false;
	append_text(p, "three\n");
	assert_int_equal(nfs_fs_read(e->fs, &tl_root, &fh, 0, sizeof(buf), buf, &n, &eof, &a),
			 NFS3_OK);
	assert_int_equal(n, 14);
	assert_true(eof);
	assert_int_equal(a.size, 14);

	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	assert_int_equal(a.mode, 0640);
	assert_int_equal(chmod(p, 0604), 0);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	assert_int_equal(a.mode, 0604);

	struct timespec ts[2] = { { .tv_sec = 1000000000, .tv_nsec = 5 },
				  { .tv_sec = 1234567890, .tv_nsec = 42 } };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	assert_int_equal(a.atime.sec, 1000000000);
	assert_int_equal(a.mtime.sec, 1234567890);
	assert_int_equal(a.mtime.nsec, 42);

	/* Truncated outside: a READ sees the short file, not cached data. */
	test_write_text(p, "x");
	assert_reads(e, &fh, "x");
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	assert_int_equal(a.size, 1);

	/* A directory's attributes too (its fd is cached). */
	mkdir(in_exp(e, p, sizeof(p), "d"), 0755);
	struct nfs_fh d = must_lookup(e, "d");
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &d, &a), NFS3_OK);
	assert_int_equal(a.mode, 0755);
	assert_int_equal(chmod(p, 0711), 0);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &d, &a), NFS3_OK);
	assert_int_equal(a.mode, 0711);
	/* A file created outside in a cached directory is found. */
	test_write_text(in_exp(e, p, sizeof(p), "d/new"), "new\n");
	struct nfs_fh nf;
	struct nfs_fattr da;
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &d, "new", &nf, &a, &da), NFS3_OK);
	assert_reads(e, &nf, "new\n");
}

/* ---- a subtree moved out of the export and back ---- */

static void test_subtree_moved_out_and_back(void **state)
{
	struct env *e = *state;
	char p[512], q[512], path[PATH_MAX];
	struct nfs_fattr a, da;
	struct nfs_fh x;
	int n;
	mkdir(in_exp(e, p, sizeof(p), "sub"), 0755);
	mkdir(in_exp(e, p, sizeof(p), "sub/dir"), 0755);
	test_write_text(in_exp(e, p, sizeof(p), "sub/dir/nested.txt"), "nested\n");
	test_write_text(in_exp(e, p, sizeof(p), "sub/top.txt"), "top\n");
	struct nfs_fh sub = must_lookup(e, "sub");
	struct nfs_fh dir = must_lookup(e, "sub/dir");
	struct nfs_fh nes = must_lookup(e, "sub/dir/nested.txt");
	struct nfs_fh top = must_lookup(e, "sub/top.txt");
	/* Warm the caches: directory fds, open files, memo, table. */
	assert_reads(e, &nes, "nested\n");
	assert_reads(e, &top, "top\n");
	assert_int_equal(readdir_all(e, &dir, true, &n), NFS3_OK);
	assert_int_equal(n, 3);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &dir, &a), NFS3_OK);

	assert_int_equal(rename(in_exp(e, p, sizeof(p), "sub"), in_out(e, q, sizeof(q), "sub")), 0);
	const struct nfs_fh *all[] = { &sub, &dir, &nes, &top };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, all[i], &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &dir, "nested.txt", &x, &a, &da),
			 NFS3ERR_STALE);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &sub, "dir", &x, &a, &da), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &dir, "..", &x, &a, &da), NFS3ERR_STALE);
	char buf[64];
	assert_int_equal(read_text(e, &nes, buf, sizeof(buf)), NFS3ERR_STALE);
	assert_string_equal(buf, "");
	assert_int_equal(read_text(e, &top, buf, sizeof(buf)), NFS3ERR_STALE);
	assert_int_equal(readdir_all(e, &dir, false, &n), NFS3ERR_STALE);
	assert_int_equal(n, 0);
	assert_int_equal(readdir_all(e, &sub, true, &n), NFS3ERR_STALE);
	assert_int_equal(n, 0);
	uint32_t cnt, comm;
	struct nfs_wcc w;
	assert_int_equal(nfs_fs_write(e->fs, &tl_root, &nes, 0, (const uint8_t *)"X", 1,
				      NFS3_FILE_SYNC, &cnt, &comm, &w), NFS3ERR_STALE);
	/* The event path is the last known one, inside the export. */
	assert_path_inside(e, &nes);
	assert_path_inside(e, &dir);
	/* Nothing outside was changed through the stale handles. */
	size_t len = 0;
	uint8_t *txt = test_read_all(in_out(e, q, sizeof(q), "sub/dir/nested.txt"), &len);
	assert_string_equal((char *)txt, "nested\n");
	free(txt);

	/* Back in under another name: the handles name the same files again. */
	assert_int_equal(rename(in_out(e, q, sizeof(q), "sub"), in_exp(e, p, sizeof(p), "sub2")), 0);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, all[i], &a), NFS3_OK);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &nes, &a), NFS3_OK);
	assert_int_equal(a.fileid, host_ino(in_exp(e, p, sizeof(p), "sub2/dir/nested.txt")));
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &dir, "nested.txt", &x, &a, &da), NFS3_OK);
	assert_memory_equal(x.data, nes.data, NFS_FH_LEN);
	assert_reads(e, &nes, "nested\n");
	assert_int_equal(readdir_all(e, &sub, false, &n), NFS3_OK);
	assert_int_equal(n, 4);
	assert_true(nfs_fs_path(e->fs, &nes, NULL, path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/sub2/dir/nested.txt");
	assert_true(nfs_fs_path(e->fs, &top, NULL, path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/sub2/top.txt");
	/* The old name is just gone. */
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "sub", &x, &a, &da), NFS3ERR_NOENT);
}

/* ---- a cached directory replaced by a symlink to the outside ---- */

static void test_dir_replaced_by_symlink(void **state)
{
	struct env *e = *state;
	char p[512], q[512];
	struct nfs_fattr a, da;
	struct nfs_fh x;
	int n;
	mkdir(in_exp(e, p, sizeof(p), "sub"), 0755);
	mkdir(in_exp(e, p, sizeof(p), "sub/dir"), 0755);
	test_write_text(in_exp(e, p, sizeof(p), "sub/dir/nested.txt"), "nested\n");
	struct nfs_fh sub = must_lookup(e, "sub");
	struct nfs_fh dir = must_lookup(e, "sub/dir");
	struct nfs_fh nes = must_lookup(e, "sub/dir/nested.txt");
	assert_reads(e, &nes, "nested\n");
	assert_int_equal(readdir_all(e, &dir, true, &n), NFS3_OK);

	/* The very directory whose fd is cached moves out; a link takes its name. */
	in_out(e, q, sizeof(q), "dir");
	assert_int_equal(rename(in_exp(e, p, sizeof(p), "sub/dir"), q), 0);
	assert_int_equal(symlink(q, p), 0);
	test_write_text(in_out(e, q, sizeof(q), "dir/secret.txt"), "secret\n");
	char *before = tl_snapshot(e->out);

	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &dir, &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &nes, &a), NFS3ERR_STALE);
	char buf[64];
	assert_int_equal(read_text(e, &nes, buf, sizeof(buf)), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &dir, "nested.txt", &x, &a, &da),
			 NFS3ERR_STALE);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &dir, "secret.txt", &x, &a, &da),
			 NFS3ERR_STALE);
	assert_int_equal(readdir_all(e, &dir, false, &n), NFS3ERR_STALE);
	assert_int_equal(n, 0);
	struct nfs_fh nf;
	struct nfs_wcc w;
	struct nfs_sattr none = { 0 };
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &dir, "planted", NFS3_CREATE_UNCHECKED, &none,
				       NULL, &nf, &a, &w), NFS3ERR_STALE);
	/* LOOKUP of the name gives the link itself; nothing goes through it. */
	struct nfs_fh lnk;
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &sub, "dir", &lnk, &a, &da), NFS3_OK);
	assert_int_equal(a.type, NF3LNK);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &lnk, "secret.txt", &x, &a, &da),
			 NFS3ERR_NOTDIR);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &lnk, "nested.txt", &x, &a, &da),
			 NFS3ERR_NOTDIR);
	assert_int_not_equal(read_text(e, &lnk, buf, sizeof(buf)), NFS3_OK);
	assert_int_not_equal(readdir_all(e, &lnk, false, &n), NFS3_OK);
	assert_path_inside(e, &nes);

	char *after = tl_snapshot(e->out);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* ---- reused inode numbers ---- */

/*
 * The file `name` (in the export) is removed outside the server and files
 * are created (under `name` again, or another name) until one gets its
 * inode number. Returns the new file's name in newname, or false when the
 * file system did not reuse the number within REUSE_TRIES.
 */
static bool recreate_same_ino(struct env *e, const char *name, bool same_name, char *newname,
			      size_t cap)
{
	char p[512], c[512], f[512], fill[32];
	in_exp(e, p, sizeof(p), name);
	uint64_t ino = host_ino(p);
	assert_int_equal(unlink(p), 0);
	snprintf(newname, cap, "%s", same_name ? name : "cand");
	in_exp(e, c, sizeof(c), newname);
	for (int i = 0; i < REUSE_TRIES; i++) {
		test_write_text(c, "new\n");
		uint64_t got = host_ino(c);
		if (got == ino)
			return true;
		if (got < ino) {
			/* ext4 tends to take the lowest free number: keep this one to fill the hole. */
			snprintf(fill, sizeof(fill), "fill%d", i);
			assert_int_equal(rename(c, in_exp(e, f, sizeof(f), fill)), 0);
		} else {
			/* Passed over: a number freed moments ago may be held back a while. */
			assert_int_equal(unlink(c), 0);
			usleep(2000);
		}
	}
	return false;
}

/* Does the file system give inode generations (what tells a reused number apart)? */
static bool has_generations(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	long v = 0;
	int r = ioctl(fd, FS_IOC_GETVERSION, &v);
	close(fd);
	return r == 0;
}

static void check_reuse(struct env *e, const char *name, bool same_name, bool aged)
{
	struct nfs_fattr a, da;
	char hp[512];
	if (!has_generations(in_exp(e, hp, sizeof(hp), name))) {
		print_message("SKIP reuse check: %s has no inode generations\n", e->exp);
		return;
	}
	struct nfs_fh old = must_lookup(e, name);
	/* Twice: the second resolution may come from the memo (aged files). */
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &old, &a), NFS3_OK);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &old, &a), NFS3_OK);
	uint64_t old_ino = a.fileid;
	char newname[64];
	if (!recreate_same_ino(e, name, same_name, newname, sizeof(newname))) {
		print_message("SKIP reuse check (%s name, %s): inode %llu not reused in %d tries\n",
			      same_name ? "same" : "other", aged ? "aged" : "young",
			      (unsigned long long)old_ino, REUSE_TRIES);
		return;
	}
	/* First the old handle, before any LOOKUP could refresh what the server knows. */
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &old, &a), NFS3ERR_STALE);
	char buf[64];
	assert_int_equal(read_text(e, &old, buf, sizeof(buf)), NFS3ERR_STALE);
	assert_string_equal(buf, "");
	struct nfs_fh fresh;
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, newname, &fresh, &a, &da), NFS3_OK);
	assert_int_equal(a.fileid, old_ino);
	assert_memory_not_equal(fresh.data, old.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fresh, &a), NFS3_OK);
	assert_reads(e, &fresh, "new\n");
	/* And still stale once the new file is known. */
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &old, &a), NFS3ERR_STALE);
	assert_int_equal(read_text(e, &old, buf, sizeof(buf)), NFS3ERR_STALE);
	/* The event path never names the new file for the old handle. */
	char path[PATH_MAX];
	assert_false(nfs_fs_path(e->fs, &old, NULL, path, sizeof(path)));
	assert_string_equal(path, "?");
	assert_true(nfs_fs_path(e->fs, &fresh, NULL, path, sizeof(path)));
	char want[128];
	snprintf(want, sizeof(want), "/srv/exp/%s", newname);
	assert_string_equal(path, want);
	char p[512];
	unlink(in_exp(e, p, sizeof(p), newname));
}

static void test_inode_reuse_young(void **state)
{
	struct env *e = *state;
	char p[512];
	/* Born just now: inside the memo's 2 s window, never memoised. */
	test_write_text(in_exp(e, p, sizeof(p), "y1"), "old\n");
	check_reuse(e, "y1", false, false);
	test_write_text(in_exp(e, p, sizeof(p), "y2"), "old\n");
	check_reuse(e, "y2", true, false);
}

static void test_inode_reuse_aged(void **state)
{
	struct env *e = *state;
	char p[512];
	test_write_text(in_exp(e, p, sizeof(p), "a1"), "old\n");
	test_write_text(in_exp(e, p, sizeof(p), "a2"), "old\n");
	/* Past the memo's minimum age (2 s on a coarse clock). */
	sleep(3);
	check_reuse(e, "a1", false, true);
	check_reuse(e, "a2", true, true);
}

/* A file replaced outside while the server holds it open (removed, renamed over). */
static void test_replaced_while_open(void **state)
{
	struct env *e = *state;
	char p[512], t[512], buf[64];
	struct nfs_fattr a, da;
	const char *names[] = { "g", "h" };
	for (int k = 0; k < 2; k++) {
		in_exp(e, p, sizeof(p), names[k]);
		test_write_text(p, "old\n");
		struct nfs_fh old = must_lookup(e, names[k]), fresh;
		assert_reads(e, &old, "old\n"); /* now held open by the server */
		uint64_t old_ino = host_ino(p);
		if (k == 0) {
			assert_int_equal(unlink(p), 0);
			test_write_text(p, "new\n");
		} else {
			test_write_text(in_exp(e, t, sizeof(t), "h.tmp"), "new\n");
			assert_int_equal(rename(t, p), 0);
		}
		assert_int_not_equal(host_ino(p), old_ino);
		assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &old, &a), NFS3ERR_STALE);
		assert_int_equal(read_text(e, &old, buf, sizeof(buf)), NFS3ERR_STALE);
		assert_string_equal(buf, "");
		assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, names[k], &fresh, &a, &da),
				 NFS3_OK);
		assert_memory_not_equal(fresh.data, old.data, NFS_FH_LEN);
		assert_reads(e, &fresh, "new\n");
		assert_int_equal(read_text(e, &old, buf, sizeof(buf)), NFS3ERR_STALE);
	}
}

/* ---- directory fd cache: eviction and dropped entries ---- */

static void test_dir_cache_eviction(void **state)
{
	struct env *e = *state;
	char p[512], rel[64], want[64];
	struct nfs_fattr a, da;
	struct nfs_fh *dirs = calloc(N_DIRS, sizeof(*dirs));
	struct nfs_fh x;
	assert_non_null(dirs);
	for (int i = 0; i < N_DIRS; i++) {
		snprintf(rel, sizeof(rel), "d%03d", i);
		mkdir(in_exp(e, p, sizeof(p), rel), 0755);
		snprintf(rel, sizeof(rel), "d%03d/f", i);
		snprintf(want, sizeof(want), "d%03d\n", i);
		test_write_text(in_exp(e, p, sizeof(p), rel), want);
	}
	/* Every directory entered (cached), more than the cache holds. */
	for (int i = 0; i < N_DIRS; i++) {
		snprintf(rel, sizeof(rel), "d%03d", i);
		dirs[i] = must_lookup(e, rel);
		assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &dirs[i], "f", &x, &a, &da), NFS3_OK);
	}
	/* Each handle still names its own directory, evicted or not. */
	for (int i = 0; i < N_DIRS; i++) {
		snprintf(rel, sizeof(rel), "d%03d", i);
		assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &dirs[i], &a), NFS3_OK);
		assert_int_equal(a.fileid, host_ino(in_exp(e, p, sizeof(p), rel)));
		assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &dirs[i], "f", &x, &a, &da), NFS3_OK);
		snprintf(want, sizeof(want), "d%03d\n", i);
		assert_reads(e, &x, want);
	}
	/*
	 * Names swapped outside, for early (evicted) and late (cached)
	 * directories: a handle follows its inode, not the name.
	 */
	const int pairs[][2] = { { 0, 1 }, { N_DIRS - 2, N_DIRS - 1 } };
	for (size_t k = 0; k < 2; k++) {
		char pa[512], pb[512], pt[512];
		snprintf(rel, sizeof(rel), "d%03d", pairs[k][0]);
		in_exp(e, pa, sizeof(pa), rel);
		snprintf(rel, sizeof(rel), "d%03d", pairs[k][1]);
		in_exp(e, pb, sizeof(pb), rel);
		in_exp(e, pt, sizeof(pt), "swap");
		assert_int_equal(rename(pa, pt), 0);
		assert_int_equal(rename(pb, pa), 0);
		assert_int_equal(rename(pt, pb), 0);
		for (int j = 0; j < 2; j++) {
			int i = pairs[k][j];
			assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &dirs[i], "f", &x, &a, &da),
					 NFS3_OK);
			snprintf(want, sizeof(want), "d%03d\n", i);
			assert_reads(e, &x, want);
			char path[PATH_MAX], wp[64];
			assert_true(nfs_fs_path(e->fs, &dirs[i], NULL, path, sizeof(path)));
			snprintf(wp, sizeof(wp), "/srv/exp/d%03d", pairs[k][1 - j]);
			assert_string_equal(path, wp);
		}
	}
	free(dirs);
}

static void test_rmdir_and_rename_over_drop(void **state)
{
	struct env *e = *state;
	struct nfs_fattr a, da;
	struct nfs_wcc w;
	struct nfs_sattr none = { 0 };
	struct nfs_fh r1, r2, x, y, x2, got, f;
	int n;
	/* RMDIR of a cached directory, then a new one under the same name. */
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->root, "r", &none, &r1, &a, &w), NFS3_OK);
	assert_int_equal(readdir_all(e, &r1, true, &n), NFS3_OK);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &r1, ".", &got, &a, &da), NFS3_OK);
	assert_int_equal(nfs_fs_rmdir(e->fs, &tl_root, &e->root, "r", &w), NFS3_OK);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &r1, &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->root, "r", &none, &r2, &a, &w), NFS3_OK);
	assert_memory_not_equal(r1.data, r2.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &r1, &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &r1, ".", &got, &a, &da), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &r1, "via_old", NFS3_CREATE_UNCHECKED, &none,
				       NULL, &f, &a, &w), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &r2, "via_new", NFS3_CREATE_UNCHECKED, &none,
				       NULL, &f, &a, &w), NFS3_OK);
	assert_int_equal(readdir_all(e, &r2, false, &n), NFS3_OK);
	assert_int_equal(n, 3);

	/* RENAME of a directory over a cached empty one. */
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->root, "x", &none, &x, &a, &w), NFS3_OK);
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->root, "y", &none, &y, &a, &w), NFS3_OK);
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &x, "inx", NFS3_CREATE_UNCHECKED, &none, NULL,
				       &f, &a, &w), NFS3_OK);
	assert_int_equal(readdir_all(e, &y, true, &n), NFS3_OK);
	assert_int_equal(readdir_all(e, &x, true, &n), NFS3_OK);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "x", &e->root, "y", &w, &w), NFS3_OK);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &y, &a), NFS3ERR_STALE);
	assert_int_equal(readdir_all(e, &y, false, &n), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "y", &got, &a, &da), NFS3_OK);
	assert_memory_equal(got.data, x.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &x, "inx", &got, &a, &da), NFS3_OK);
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->root, "x", &none, &x2, &a, &w), NFS3_OK);
	assert_memory_not_equal(x2.data, x.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &x2, "inx", &got, &a, &da), NFS3ERR_NOENT);
	char path[PATH_MAX];
	assert_true(nfs_fs_path(e->fs, &x, NULL, path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/y");

	/* The same done outside the server: a cached directory renamed over. */
	char p[512], q[512];
	mkdir(in_exp(e, p, sizeof(p), "p"), 0755);
	mkdir(in_exp(e, q, sizeof(q), "q"), 0755);
	test_write_text(in_exp(e, p, sizeof(p), "p/inp"), "p\n");
	struct nfs_fh ph = must_lookup(e, "p"), qh = must_lookup(e, "q");
	assert_int_equal(readdir_all(e, &qh, true, &n), NFS3_OK);
	assert_int_equal(rename(in_exp(e, p, sizeof(p), "p"), in_exp(e, q, sizeof(q), "q")), 0);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &qh, &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &qh, "inp", &got, &a, &da), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &ph, "inp", &got, &a, &da), NFS3_OK);
	assert_reads(e, &got, "p\n");
}

/* ---- event paths of files renamed outside ---- */

static void test_path_after_external_rename(void **state)
{
	struct env *e = *state;
	char p[512], q[512], path[PATH_MAX];
	struct nfs_fattr a;
	mkdir(in_exp(e, p, sizeof(p), "d"), 0755);
	test_write_text(in_exp(e, p, sizeof(p), "d/file.txt"), "f\n");
	struct nfs_fh fh = must_lookup(e, "d/file.txt");
	assert_true(nfs_fs_path(e->fs, &fh, NULL, path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/d/file.txt");

	/* Renamed outside: the last known path until a call resolves it again... */
	assert_int_equal(rename(p, in_exp(e, q, sizeof(q), "d/renamed.txt")), 0);
	assert_true(nfs_fs_path(e->fs, &fh, NULL, path, sizeof(path)));
	assert_true(strcmp(path, "/srv/exp/d/file.txt") == 0 ||
		    strcmp(path, "/srv/exp/d/renamed.txt") == 0);
	/* ...then the new one. */
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	assert_true(nfs_fs_path(e->fs, &fh, NULL, path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/d/renamed.txt");
	assert_true(nfs_fs_path(e->fs, &fh, "x", path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/d/renamed.txt/x");

	/* Moved out of the export: never a path outside it. */
	assert_int_equal(rename(q, in_out(e, p, sizeof(p), "file.txt")), 0);
	assert_path_inside(e, &fh);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3ERR_STALE);
	assert_path_inside(e, &fh);
	/* Back in another directory: found there. */
	mkdir(in_exp(e, q, sizeof(q), "e2"), 0755);
	assert_int_equal(rename(p, in_exp(e, q, sizeof(q), "e2/back.txt")), 0);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &fh, &a), NFS3_OK);
	assert_true(nfs_fs_path(e->fs, &fh, NULL, path, sizeof(path)));
	assert_string_equal(path, "/srv/exp/e2/back.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_external_change_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subtree_moved_out_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_replaced_by_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inode_reuse_young, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inode_reuse_aged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaced_while_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_cache_eviction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rmdir_and_rename_over_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_after_external_rename, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
