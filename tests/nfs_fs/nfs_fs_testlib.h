/*
 * nfs_fs_testlib.h - helpers shared by the nfs_fs tests and fuzzer: a
 * temporary tree with exports, an outside directory and state dirs;
 * shortcuts for LOOKUP by path; a snapshot of a directory tree to prove
 * nothing outside an export changed. Header-only (static functions).
 */
#ifndef PITEST_NFS_FS_TESTLIB_H
#define PITEST_NFS_FS_TESTLIB_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "servers/nfs_fs.h"

static const struct nfs_cred tl_root = { .uid = 0, .gid = 0, .board = "" };
static const struct nfs_cred tl_user = { .uid = 1000, .gid = 1000, .board = "" };

static int tl_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void tl_rm_rf(const char *path)
{
	nftw(path, tl_rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

static inline int tl_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	size_t n = strlen(text);
	int r = write(fd, text, n) == (ssize_t)n ? 0 : -EIO;
	close(fd);
	return r;
}

/* "<base>/<rel>" into buf. */
static inline const char *tl_path(char *buf, size_t cap, const char *base, const char *rel)
{
	snprintf(buf, cap, "%s/%s", base, rel);
	return buf;
}

/* LOOKUP each '/'-separated component of rel from fh; NFS3_OK or the failing status. */
static inline uint32_t tl_lookup_path(struct nfs_fs *fs, const struct nfs_cred *c,
				      const struct nfs_fh *from, const char *rel, struct nfs_fh *ret)
{
	struct nfs_fh cur = *from;
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", rel);
	char *save = NULL;
	for (char *tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		struct nfs_fh next;
		struct nfs_fattr a, da;
		uint32_t r = nfs_fs_lookup(fs, c, &cur, tok, &next, &a, &da);
		if (r != NFS3_OK)
			return r;
		cur = next;
	}
	*ret = cur;
	return NFS3_OK;
}

/* A fingerprint of every entry below a directory: names, types, sizes, modes, mtimes. */
static char *tl_snap_buf;
static size_t tl_snap_len, tl_snap_cap;

static int tl_snap_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	char line[4400];
	int n = snprintf(line, sizeof(line), "%s %o %lld %lld.%09ld %lu %u:%u\n", path,
			 (unsigned)st->st_mode, (long long)st->st_size, (long long)st->st_mtim.tv_sec,
			 st->st_mtim.tv_nsec, (unsigned long)st->st_nlink, st->st_uid, st->st_gid);
	if (tl_snap_len + (size_t)n + 1 > tl_snap_cap) {
		size_t cap = (tl_snap_cap + (size_t)n + 1) * 2;
		char *b = realloc(tl_snap_buf, cap);
		if (!b)
			return 1;
		tl_snap_buf = b;
		tl_snap_cap = cap;
	}
	memcpy(tl_snap_buf + tl_snap_len, line, (size_t)n + 1);
	tl_snap_len += (size_t)n;
	return 0;
}

/* Caller frees. Includes the directory's own entry (its mtime reveals creations). */
static inline char *tl_snapshot(const char *dir)
{
	tl_snap_buf = NULL;
	tl_snap_len = tl_snap_cap = 0;
	if (nftw(dir, tl_snap_one, 32, FTW_PHYS) != 0) {
		free(tl_snap_buf);
		return strdup("<nftw failed>");
	}
	return tl_snap_buf ? tl_snap_buf : strdup("");
}

#endif
