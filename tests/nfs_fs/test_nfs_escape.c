/*
 * test_nfs_escape.c - attempts to get out of an export through nfs_fs:
 * "..", names with '/', symlinks to the outside used as files and as
 * directories, forged and foreign handles, cross-export names, renames and
 * links, mounts inside the export. Each attempt must fail, and afterwards
 * the outside directory, the other export and /etc must be exactly as
 * before (a snapshot of names, sizes, modes, times, owners).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <sodium.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "servers/nfs_fh.h"
#include "servers/nfs_fs.h"
#include "tests/nfs_fs/nfs_fs_testlib.h"

#define SECRET "TOP SECRET, outside the export\n"

struct env {
	char top[64];
	char exp[128], expb[128], out[128], state[128], state2[128];
	struct nfs_export_config ex[2];
	struct nfs_fs_config cfg;
	struct nfs_fs *fs;
	struct nfs_fh root, broot;
	char *snap_out, *snap_b;
	struct stat passwd, etc;
};

static const struct nfs_sattr none;

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char p[256], t[256];
	snprintf(e->top, sizeof(e->top), "/tmp/test_nfs_escape.XXXXXX");
	if (!mkdtemp(e->top))
		return -1;
	tl_path(e->exp, sizeof(e->exp), e->top, "exp");
	tl_path(e->expb, sizeof(e->expb), e->top, "expb");
	tl_path(e->out, sizeof(e->out), e->top, "outside");
	tl_path(e->state, sizeof(e->state), e->top, "state");
	tl_path(e->state2, sizeof(e->state2), e->top, "state2");
	mkdir(e->exp, 0777);
	chmod(e->exp, 0777); /* past the umask: unprivileged callers may create */
	mkdir(e->expb, 0755);
	mkdir(e->out, 0755);
	mkdir(e->state, 0700);
	mkdir(e->state2, 0700);
	mkdir(tl_path(p, sizeof(p), e->exp, "inner"), 0777);
	tl_write_file(tl_path(p, sizeof(p), e->exp, "inner/file"), "inside\n");
	tl_write_file(tl_path(p, sizeof(p), e->out, "secret"), SECRET);
	tl_write_file(tl_path(p, sizeof(p), e->out, "hardsrc"), "shared inode\n");
	tl_write_file(tl_path(p, sizeof(p), e->expb, "bfile"), "export b\n");
	symlink("/etc", tl_path(p, sizeof(p), e->exp, "etc_link"));
	symlink("../outside", tl_path(p, sizeof(p), e->exp, "out_dir_link"));
	symlink(tl_path(t, sizeof(t), e->out, "secret"), tl_path(p, sizeof(p), e->exp, "abs_link"));
	symlink("loop", tl_path(p, sizeof(p), e->exp, "loop"));
	/* A hard link made on the host: the same inode inside and outside. */
	link(tl_path(t, sizeof(t), e->out, "hardsrc"), tl_path(p, sizeof(p), e->exp, "hard"));
	snprintf(e->ex[0].name, sizeof(e->ex[0].name), "/a");
	snprintf(e->ex[0].dir, sizeof(e->ex[0].dir), "%s", e->exp);
	snprintf(e->ex[1].name, sizeof(e->ex[1].name), "/b");
	snprintf(e->ex[1].dir, sizeof(e->ex[1].dir), "%s", e->expb);
	e->cfg.exports = e->ex;
	e->cfg.n_exports = 2;
	snprintf(e->cfg.state_dir, sizeof(e->cfg.state_dir), "%s", e->state);
	char err[256];
	if (nfs_fs_new(&e->cfg, &e->fs, err, sizeof(err)) != 0 ||
	    nfs_fs_mount(e->fs, &tl_root, "/a", &e->root) != MNT3_OK ||
	    nfs_fs_mount(e->fs, &tl_root, "/b", &e->broot) != MNT3_OK)
		return -1;
	e->snap_out = tl_snapshot(e->out);
	e->snap_b = tl_snapshot(e->expb);
	stat("/etc/passwd", &e->passwd);
	stat("/etc", &e->etc);
	*state = e;
	return 0;
}

/* Whatever the attempt did, nothing outside export A changed. */
static void assert_outside_intact(struct env *e)
{
	char *now = tl_snapshot(e->out);
	assert_string_equal(now, e->snap_out);
	free(now);
	now = tl_snapshot(e->expb);
	assert_string_equal(now, e->snap_b);
	free(now);
	struct stat st;
	assert_int_equal(stat("/etc/passwd", &st), 0);
	assert_int_equal(st.st_mode, e->passwd.st_mode);
	assert_int_equal(st.st_uid, e->passwd.st_uid);
	assert_int_equal(st.st_size, e->passwd.st_size);
	assert_int_equal(st.st_mtim.tv_sec, e->passwd.st_mtim.tv_sec);
	assert_int_equal(st.st_mtim.tv_nsec, e->passwd.st_mtim.tv_nsec);
	assert_int_equal(stat("/etc", &st), 0);
	assert_int_equal(st.st_mtim.tv_nsec, e->etc.st_mtim.tv_nsec);
	assert_int_equal(stat("/etc/pwned", &st), -1);
	char p[256];
	assert_int_equal(stat(tl_path(p, sizeof(p), e->top, "pwn"), &st), -1);
}

static int teardown(void **state)
{
	struct env *e = *state;
	nfs_fs_free(e->fs);
	tl_rm_rf(e->top);
	free(e->snap_out);
	free(e->snap_b);
	free(e);
	return 0;
}

static struct nfs_fh lk(struct env *e, const char *rel)
{
	struct nfs_fh fh;
	assert_int_equal(tl_lookup_path(e->fs, &tl_root, &e->root, rel, &fh), NFS3_OK);
	return fh;
}

/* 1-3: ".." at the root is the root; paths in names never walk. */
static void test_dotdot(void **state)
{
	struct env *e = *state;
	struct nfs_fh fh;
	struct nfs_fattr a, da;
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "..", &fh, &a, &da), NFS3_OK);
	assert_memory_equal(fh.data, e->root.data, NFS_FH_LEN);
	struct nfs_fh up = fh;
	for (int i = 0; i < 5; i++)
		assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &up, "..", &up, &a, &da), NFS3_OK);
	assert_memory_equal(up.data, e->root.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &up, "outside", &fh, &a, &da), NFS3ERR_NOENT);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "../outside", &fh, &a, &da),
			 NFS3ERR_NOENT);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "../../etc/passwd", &fh, &a, &da),
			 NFS3ERR_NOENT);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "/etc/passwd", &fh, &a, &da),
			 NFS3ERR_NOENT);
	struct nfs_fh inner = lk(e, "inner");
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &inner, "..", &fh, &a, &da), NFS3_OK);
	assert_memory_equal(fh.data, e->root.data, NFS_FH_LEN);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &inner, "../../outside", &fh, &a, &da),
			 NFS3ERR_NOENT);
	/* 4: export A's root handle with names that would reach export B. */
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &e->root, "../expb", &fh, &a, &da),
			 NFS3ERR_NOENT);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &up, "expb", &fh, &a, &da), NFS3ERR_NOENT);
	/* 5: READDIR of the root shows ".." as the root itself. */
	assert_outside_intact(e);
}

/* 6-13: names with '/' or dots for every operation that creates or removes. */
static void test_slash_names(void **state)
{
	struct env *e = *state;
	struct nfs_fh fh, file = lk(e, "inner/file");
	struct nfs_fattr a;
	struct nfs_wcc w, w2;
	const char *bad[] = { "../pwn", "../outside/pwn", "../../etc/pwned", "/etc/pwned",
			      "inner/../../pwn", "..", ".", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *n = bad[i];
		assert_int_not_equal(nfs_fs_create(e->fs, &tl_root, &e->root, n, NFS3_CREATE_UNCHECKED,
						   &none, NULL, &fh, &a, &w), NFS3_OK);
		assert_int_not_equal(nfs_fs_mkdir(e->fs, &tl_root, &e->root, n, &none, &fh, &a, &w),
				     NFS3_OK);
		assert_int_not_equal(nfs_fs_symlink(e->fs, &tl_root, &e->root, n, "/etc", &none, &fh, &a,
						    &w), NFS3_OK);
		assert_int_not_equal(nfs_fs_mknod(e->fs, &tl_root, &e->root, n, NF3FIFO, &none, 0, 0, &fh,
						  &a, &w), NFS3_OK);
		assert_int_not_equal(nfs_fs_link(e->fs, &tl_root, &file, &e->root, n, &a, &w), NFS3_OK);
		assert_int_not_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "inner", &e->root, n, &w,
						   &w2), NFS3_OK);
	}
	const char *victims[] = { "../outside/secret", "../outside", "../expb/bfile", "/etc/passwd",
				  "inner/../../outside/secret", ".", ".." };
	for (size_t i = 0; i < sizeof(victims) / sizeof(victims[0]); i++) {
		const char *n = victims[i];
		assert_int_not_equal(nfs_fs_remove(e->fs, &tl_root, &e->root, n, &w), NFS3_OK);
		assert_int_not_equal(nfs_fs_rmdir(e->fs, &tl_root, &e->root, n, &w), NFS3_OK);
		assert_int_not_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, n, &e->root, "stolen", &w,
						   &w2), NFS3_OK);
	}
	/* The expected statuses for the plain cases. */
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &e->root, "../pwn", NFS3_CREATE_UNCHECKED,
				       &none, NULL, &fh, &a, &w), NFS3ERR_INVAL);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &e->root, "../outside/secret", &w),
			 NFS3ERR_INVAL);
	assert_int_equal(nfs_fs_rmdir(e->fs, &tl_root, &e->root, "..", &w), NFS3ERR_EXIST);
	char p[256];
	struct stat st;
	assert_int_equal(stat(tl_path(p, sizeof(p), e->exp, "stolen"), &st), -1);
	assert_outside_intact(e);
}

/* 14-18: symlinks to the outside are returned as links and never followed. */
static void test_symlinks_out(void **state)
{
	struct env *e = *state;
	struct nfs_fh fh, etc = lk(e, "etc_link"), outd = lk(e, "out_dir_link"), abs = lk(e, "abs_link");
	struct nfs_fattr a, da;
	struct nfs_wcc w, w2;
	uint8_t buf[256];
	uint32_t n, c;
	bool eof;
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &etc, &a), NFS3_OK);
	assert_int_equal(a.type, NF3LNK);
	char text[NFS3_PATH_MAX + 1];
	assert_int_equal(nfs_fs_readlink(e->fs, &tl_root, &etc, text, sizeof(text), &a), NFS3_OK);
	assert_string_equal(text, "/etc");
	/* Used as a directory. */
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &etc, "passwd", &fh, &a, &da), NFS3ERR_NOTDIR);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &outd, "secret", &fh, &a, &da), NFS3ERR_NOTDIR);
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &etc, "pwned", NFS3_CREATE_UNCHECKED, &none,
				       NULL, &fh, &a, &w), NFS3ERR_NOTDIR);
	assert_int_equal(nfs_fs_mkdir(e->fs, &tl_root, &outd, "pwn", &none, &fh, &a, &w), NFS3ERR_NOTDIR);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &outd, "secret", &w), NFS3ERR_NOTDIR);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &outd, "secret", &e->root, "stolen", &w, &w2),
			 NFS3ERR_NOTDIR);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "inner", &outd, "pwn", &w, &w2),
			 NFS3ERR_NOTDIR);
	uint8_t verf[8] = { 0 };
	struct { int n; } cnt = { 0 };
	assert_int_equal(nfs_fs_readdir(e->fs, &tl_root, &etc, 0, verf, true, NULL, &cnt, verf, &eof,
					&da), NFS3ERR_NOTDIR);
	/* Used as a file. */
	assert_int_equal(nfs_fs_read(e->fs, &tl_root, &abs, 0, sizeof(buf), buf, &n, &eof, &a),
			 NFS3ERR_INVAL);
	assert_int_equal(nfs_fs_write(e->fs, &tl_root, &abs, 0, (const uint8_t *)"x", 1,
				      NFS3_FILE_SYNC, &n, &c, &w), NFS3ERR_INVAL);
	assert_int_equal(nfs_fs_commit(e->fs, &tl_root, &abs, 0, 0, &w), NFS3ERR_INVAL);
	struct nfs_sattr sz = { .set_size = true, .size = 0 };
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &abs, &sz, NULL, &w), NFS3ERR_INVAL);
	/* chmod, chown and utimes on the link touch the link only. */
	struct nfs_sattr all = { .set_mode = true, .mode = 0777, .set_uid = true, .uid = 4242,
				 .atime_how = NFS_TIME_CLIENT, .mtime_how = NFS_TIME_CLIENT };
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &abs, &all, NULL, &w), NFS3_OK);
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &etc, &all, NULL, &w), NFS3_OK);
	/* LINK of a symlink links the link, not its target. */
	assert_int_equal(nfs_fs_link(e->fs, &tl_root, &abs, &e->root, "abs2", &a, &w), NFS3_OK);
	assert_int_equal(a.type, NF3LNK);
	/* A link made through NFS to the outside: text only. */
	struct nfs_fh evil;
	assert_int_equal(nfs_fs_symlink(e->fs, &tl_root, &e->root, "evil", "/etc/passwd", &none, &evil,
					&a, &w), NFS3_OK);
	assert_int_equal(nfs_fs_read(e->fs, &tl_root, &evil, 0, sizeof(buf), buf, &n, &eof, &a),
			 NFS3ERR_INVAL);
	struct nfs_sattr m = { .set_mode = true, .mode = 0666 };
	assert_int_equal(nfs_fs_setattr(e->fs, &tl_root, &evil, &m, NULL, &w), NFS3_OK);
	/* A link loop is just a link. */
	struct nfs_fh loop = lk(e, "loop");
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &loop, "x", &fh, &a, &da), NFS3ERR_NOTDIR);
	/* The outside file as the target of a rename over the link: only the link is replaced. */
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "inner", &e->root, "abs_link", &w, &w2),
			 NFS3ERR_NOTDIR);
	struct nfs_fh f2;
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &e->root, "tmpf", NFS3_CREATE_GUARDED, &none,
				       NULL, &f2, &a, &w), NFS3_OK);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "tmpf", &e->root, "abs_link", &w, &w2),
			 NFS3_OK);
	/* CREATE over a symlink never opens its target. */
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &e->root, "evil", NFS3_CREATE_UNCHECKED, &sz,
				       NULL, &fh, &a, &w), NFS3ERR_EXIST);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &e->root, "evil", &w), NFS3_OK);
	assert_outside_intact(e);
}

/* 19-25: forged, altered, foreign and truncated handles. */
static void test_forged_handles(void **state)
{
	struct env *e = *state;
	struct nfs_fattr a, da;
	struct nfs_fh fh = lk(e, "inner/file"), f, got;
	struct stat st;
	char p[256];
	randombytes_buf(f.data, sizeof(f.data));
	for (int i = 0; i < 200; i++) {
		randombytes_buf(f.data, sizeof(f.data));
		f.len = NFS_FH_LEN;
		if (i & 1) {
			f.data[0] = NFS_FH_MAGIC;
			f.data[1] = NFS_FH_VERSION;
		}
		assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &f, &a), NFS3ERR_BADHANDLE);
	}
	for (int bit = 0; bit < NFS_FH_LEN * 8; bit++) {
		f = fh;
		f.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &f, &a), NFS3ERR_BADHANDLE);
	}
	/* Another inode number (the outside secret's) with the old MAC. */
	stat(tl_path(p, sizeof(p), e->out, "secret"), &st);
	f = fh;
	for (int i = 0; i < 8; i++)
		f.data[8 + i] = (uint8_t)(st.st_ino >> (56 - 8 * i));
	assert_int_equal(nfs_fs_read(e->fs, &tl_root, &f, 0, 4, (uint8_t[4]){ 0 }, (uint32_t[1]){ 0 },
				     (bool[1]){ 0 }, &a), NFS3ERR_BADHANDLE);
	/* Lengths. */
	for (uint32_t len = 0; len <= NFS3_FHSIZE; len++) {
		if (len == NFS_FH_LEN)
			continue;
		f = fh;
		f.len = len;
		assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &f, &a), NFS3ERR_BADHANDLE);
	}
	f.len = 1000;
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &f, &a), NFS3ERR_BADHANDLE);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, NULL, &a), NFS3ERR_BADHANDLE);

	/* Even with the key, an inode outside the export is unreachable. */
	uint8_t key[NFS_FH_KEY_LEN];
	char err[128];
	assert_int_equal(nfs_fh_key_load(e->state, key, err, sizeof(err)), 0);
	struct nfs_fh_fields ff;
	assert_int_equal(nfs_fh_decode(key, &fh, &ff), 0);
	ff.ino = st.st_ino;
	nfs_fh_encode(key, &ff, &f);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &f, &a), NFS3ERR_STALE);
	stat(tl_path(p, sizeof(p), e->expb, "bfile"), &st);
	ff.ino = st.st_ino; /* export B's file under export A's id */
	nfs_fh_encode(key, &ff, &f);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &f, &a), NFS3ERR_STALE);
	stat(e->top, &st);
	ff.ino = st.st_ino; /* the export root's parent */
	ff.type = NF3DIR;
	nfs_fh_encode(key, &ff, &f);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &f, "outside", &got, &a, &da), NFS3ERR_STALE);
	assert_int_equal(nfs_fh_decode(key, &fh, &ff), 0);
	ff.type = NF3DIR; /* the right file, the wrong type */
	nfs_fh_encode(key, &ff, &f);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &f, "x", &got, &a, &da), NFS3ERR_STALE);
	assert_int_equal(nfs_fh_decode(key, &fh, &ff), 0);
	ff.gen ^= 1; /* another generation of the same inode number */
	nfs_fh_encode(key, &ff, &f);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &f, &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fh_decode(key, &fh, &ff), 0);
	ff.export_id ^= 0x5a5a; /* an unknown export */
	nfs_fh_encode(key, &ff, &f);
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &f, &a), NFS3ERR_STALE);

	/* A server with another key refuses our handles. */
	struct nfs_fs *other;
	struct nfs_fs_config cfg = e->cfg;
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", e->state2);
	assert_int_equal(nfs_fs_new(&cfg, &other, err, sizeof(err)), 0);
	assert_int_equal(nfs_fs_getattr(other, &tl_root, &fh, &a), NFS3ERR_BADHANDLE);
	assert_int_equal(nfs_fs_getattr(other, &tl_root, &e->root, &a), NFS3ERR_BADHANDLE);
	nfs_fs_free(other);
	/* Export B dropped from the configuration: its handles are stale. */
	struct nfs_fh bfile;
	assert_int_equal(tl_lookup_path(e->fs, &tl_root, &e->broot, "bfile", &bfile), NFS3_OK);
	cfg = e->cfg;
	cfg.n_exports = 1;
	assert_int_equal(nfs_fs_new(&cfg, &other, err, sizeof(err)), 0);
	assert_int_equal(nfs_fs_getattr(other, &tl_root, &bfile, &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_getattr(other, &tl_root, &e->broot, &a), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_getattr(other, &tl_root, &fh, &a), NFS3_OK);
	nfs_fs_free(other);
	assert_outside_intact(e);
}

/* 26-28: across exports. */
static void test_cross_export(void **state)
{
	struct env *e = *state;
	struct nfs_fattr a;
	struct nfs_wcc w, w2;
	struct nfs_fh file = lk(e, "inner/file"), bfile;
	assert_int_equal(tl_lookup_path(e->fs, &tl_root, &e->broot, "bfile", &bfile), NFS3_OK);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->root, "inner", &e->broot, "stolen", &w, &w2),
			 NFS3ERR_XDEV);
	assert_int_equal(nfs_fs_rename(e->fs, &tl_root, &e->broot, "bfile", &e->root, "stolen", &w, &w2),
			 NFS3ERR_XDEV);
	assert_int_equal(nfs_fs_link(e->fs, &tl_root, &bfile, &e->root, "blink", &a, &w), NFS3ERR_XDEV);
	assert_int_equal(nfs_fs_link(e->fs, &tl_root, &file, &e->broot, "alink", &a, &w), NFS3ERR_XDEV);
	assert_outside_intact(e);
}

/*
 * 29: a hard link made on the host to an outside file is the same inode:
 * it is served like any file of the export (the host put it there; NFS
 * cannot tell), writes included. Documented, not an escape by a client.
 */
static void test_host_hard_link(void **state)
{
	struct env *e = *state;
	struct nfs_fh hard = lk(e, "hard");
	uint8_t buf[64];
	uint32_t n;
	bool eof;
	struct nfs_fattr a;
	assert_int_equal(nfs_fs_read(e->fs, &tl_root, &hard, 0, sizeof(buf), buf, &n, &eof, &a), NFS3_OK);
	assert_int_equal(a.nlink, 2);
	assert_memory_equal(buf, "shared inode\n", n);
	/* A client cannot make such a link itself: LINK needs a handle, names have no '/'. */
	struct nfs_wcc w;
	assert_int_equal(nfs_fs_link(e->fs, &tl_root, &hard, &e->root, "../outside/x", &a, &w),
			 NFS3ERR_INVAL);
}

/* 30: a directory swapped for a symlink to the outside behind our back. */
static void test_swapped_dir(void **state)
{
	struct env *e = *state;
	struct nfs_fh inner = lk(e, "inner"), fh;
	struct nfs_fattr a, da;
	struct nfs_wcc w;
	char p[256], q[256];
	rename(tl_path(p, sizeof(p), e->exp, "inner"), tl_path(q, sizeof(q), e->exp, "inner.old"));
	symlink(e->out, p);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &inner, "secret", &fh, &a, &da), NFS3ERR_NOENT);
	assert_int_equal(nfs_fs_create(e->fs, &tl_root, &inner, "pwn", NFS3_CREATE_UNCHECKED, &none,
				       NULL, &fh, &a, &w), NFS3_OK); /* inside inner.old */
	assert_int_equal(stat(tl_path(p, sizeof(p), e->exp, "inner.old/pwn"), &(struct stat){ 0 }), 0);
	/* Now the directory itself is gone: the handle is stale. */
	tl_rm_rf(q);
	assert_int_equal(nfs_fs_lookup(e->fs, &tl_root, &inner, "secret", &fh, &a, &da), NFS3ERR_STALE);
	assert_int_equal(nfs_fs_remove(e->fs, &tl_root, &inner, "secret", &w), NFS3ERR_STALE);
	struct nfs_fh l = lk(e, "inner");
	assert_int_equal(nfs_fs_getattr(e->fs, &tl_root, &l, &a), NFS3_OK);
	assert_int_equal(a.type, NF3LNK);
	assert_outside_intact(e);
}

/* 31: device nodes: only a root caller may make them, and they are never opened. */
static void test_devices(void **state)
{
	struct env *e = *state;
	struct nfs_fh fh;
	struct nfs_fattr a;
	struct nfs_wcc w;
	struct nfs_cred user = { .uid = 1000, .gid = 1000 };
	assert_int_equal(nfs_fs_mknod(e->fs, &user, &e->root, "sda", NF3BLK, &none, 8, 0, &fh, &a, &w),
			 NFS3ERR_PERM);
	if (geteuid() != 0)
		skip();
	assert_int_equal(nfs_fs_mknod(e->fs, &tl_root, &e->root, "mem", NF3CHR, &none, 1, 1, &fh, &a,
				      &w), NFS3_OK);
	uint8_t buf[16];
	uint32_t n, c;
	bool eof;
	assert_int_equal(nfs_fs_read(e->fs, &tl_root, &fh, 0, sizeof(buf), buf, &n, &eof, &a),
			 NFS3ERR_INVAL);
	assert_int_equal(nfs_fs_write(e->fs, &tl_root, &fh, 0, buf, 1, NFS3_FILE_SYNC, &n, &c, &w),
			 NFS3ERR_INVAL);
	assert_outside_intact(e);
}

/*
 * 32-33: other mounts inside the export (a tmpfs, and a bind mount of the
 * outside directory, which has the same st_dev) are not entered. Done in a
 * child in its own mount namespace, so the host sees no mount.
 */
static int mount_child(struct env *e)
{
	char mnt[256], bind[256];
	if (unshare(CLONE_NEWNS) != 0)
		return 77;
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
		return 77;
	tl_path(mnt, sizeof(mnt), e->exp, "mnt");
	tl_path(bind, sizeof(bind), e->exp, "bind");
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0 ||
	    mount(e->out, bind, "none", MS_BIND, NULL) != 0)
		return 77;
	struct nfs_fs *fs;
	char err[128];
	struct nfs_fh root, fh;
	struct nfs_fattr a, da;
	struct nfs_wcc w;
	if (nfs_fs_new(&e->cfg, &fs, err, sizeof(err)) != 0 ||
	    nfs_fs_mount(fs, &tl_root, "/a", &root) != MNT3_OK)
		return 2;
	int bad = 0;
	bad |= nfs_fs_lookup(fs, &tl_root, &root, "mnt", &fh, &a, &da) != NFS3ERR_ACCES;
	bad |= (nfs_fs_lookup(fs, &tl_root, &root, "bind", &fh, &a, &da) != NFS3ERR_ACCES) << 1;
	bad |= (nfs_fs_remove(fs, &tl_root, &root, "bind", &w) == NFS3_OK) << 2;
	bad |= (nfs_fs_rename(fs, &tl_root, &root, "bind", &root, "x", &w, &w) == NFS3_OK) << 3;
	nfs_fs_free(fs);
	return bad ? 10 + bad : 0;
}

static void test_mounts_inside(void **state)
{
	struct env *e = *state;
	char p[256];
	if (geteuid() != 0)
		skip();
	mkdir(tl_path(p, sizeof(p), e->exp, "mnt"), 0755);
	mkdir(tl_path(p, sizeof(p), e->exp, "bind"), 0755);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(mount_child(e));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_outside_intact(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dotdot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slash_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cross_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_hard_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapped_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mounts_inside, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
