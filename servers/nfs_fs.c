/*
 * nfs_fs.c - exports and file operations of the NFS server (contract in
 * nfs_fs.h). Every object is reached by a walk of O_PATH|O_NOFOLLOW
 * openat() calls from the export's root fd, one component at a time, each
 * checked to be on the export's own mount; operations then act relative to
 * those fds (or through /proc/self/fd for the few syscalls that need a
 * path), so a symlink or ".." can never lead outside the export.
 */
#include "servers/nfs_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "servers/nfs_fh.h"
#include "servers/nfs_itab.h"

#define MAX_DEPTH 128            /* directories below an export root */
#define SCAN_MAX_ENTRIES 1000000 /* per restart scan */
#define FD_CACHE_SIZE 16

struct export_rt {
	struct nfs_export_config cfg; /* name without trailing slashes */
	uint32_t id;
	int root_fd;                  /* O_PATH */
	dev_t dev;
	uint64_t mnt_id;
	uint64_t root_ino;
	uint32_t root_gen;
	struct nfs_itab *itab;
};

/* Open files kept for READ/WRITE, so sequential I/O does not reopen. */
struct fd_cache_ent {
	int fd;                       /* -1 = free */
	dev_t dev;
	uint64_t ino;
	bool rw;
	uint64_t used;
};

struct nfs_fs {
	struct export_rt *ex;
	size_t n_ex;
	uint8_t key[NFS_FH_KEY_LEN];
	uint8_t wverf[NFS3_WRITEVERFSIZE];
	uint32_t rtmax, wtmax, dtpref;
	bool can_chown;
	struct fd_cache_ent fdc[FD_CACHE_SIZE];
	uint64_t tick;
};

/* A resolved object: O_PATH fd plus where it sits. */
struct obj {
	struct export_rt *ex;
	int fd;                       /* O_PATH, owned */
	int parent_fd;                /* O_PATH of its directory, owned; -1 at the root */
	char name[NAME_MAX + 1];      /* its name in parent_fd */
	struct stat st;
};

#define OBJ_INIT { .fd = -1, .parent_fd = -1 }

static const struct nfs_cred nobody = { .uid = 65534, .gid = 65534 };

static void obj_release(struct obj *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->parent_fd >= 0)
		close(o->parent_fd);
	o->fd = o->parent_fd = -1;
}

/* The one errno -> nfsstat3 mapping. */
static uint32_t errno_to_nfs(int e)
{
	switch (e) {
	case 0: return NFS3_OK;
	case EPERM: return NFS3ERR_PERM;
	case ENOENT: return NFS3ERR_NOENT;
	case ENXIO: return NFS3ERR_NXIO;
	case EACCES: case ETXTBSY: case EBUSY: return NFS3ERR_ACCES;
	case EEXIST: return NFS3ERR_EXIST;
	case EXDEV: return NFS3ERR_XDEV;
	case ENODEV: return NFS3ERR_NODEV;
	case ENOTDIR: return NFS3ERR_NOTDIR;
	case EISDIR: return NFS3ERR_ISDIR;
	case EINVAL: case ELOOP: return NFS3ERR_INVAL;
	case EFBIG: return NFS3ERR_FBIG;
	case ENOSPC: return NFS3ERR_NOSPC;
	case EROFS: return NFS3ERR_ROFS;
	case EMLINK: return NFS3ERR_MLINK;
	case ENAMETOOLONG: return NFS3ERR_NAMETOOLONG;
	case ENOTEMPTY: return NFS3ERR_NOTEMPTY;
	case EDQUOT: return NFS3ERR_DQUOT;
	case ESTALE: case EBADF: return NFS3ERR_STALE;
	case EOPNOTSUPP: return NFS3ERR_NOTSUPP;
	case EAGAIN: case EINTR: return NFS3ERR_JUKEBOX;
	case ENOMEM: return NFS3ERR_SERVERFAULT;
	default: return NFS3ERR_IO;
	}
}

static uint32_t ftype_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return NF3REG;
	case S_IFDIR: return NF3DIR;
	case S_IFBLK: return NF3BLK;
	case S_IFCHR: return NF3CHR;
	case S_IFLNK: return NF3LNK;
	case S_IFSOCK: return NF3SOCK;
	case S_IFIFO: return NF3FIFO;
	default: return 0;
	}
}

/* stat of (dirfd, name) never following a final link, with its mount id. */
static int xstat(int dirfd, const char *name, struct stat *st, uint64_t *ret_mnt)
{
	struct statx sx;
	int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (name[0] ? 0 : AT_EMPTY_PATH);
	if (statx(dirfd, name, flags, STATX_BASIC_STATS | STATX_MNT_ID, &sx) != 0)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->st_mode = sx.stx_mode;
	st->st_nlink = sx.stx_nlink;
	st->st_uid = sx.stx_uid;
	st->st_gid = sx.stx_gid;
	st->st_size = (off_t)sx.stx_size;
	st->st_blocks = (blkcnt_t)sx.stx_blocks;
	st->st_ino = sx.stx_ino;
	st->st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	st->st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
	st->st_atim.tv_sec = sx.stx_atime.tv_sec;
	st->st_atim.tv_nsec = sx.stx_atime.tv_nsec;
	st->st_mtim.tv_sec = sx.stx_mtime.tv_sec;
	st->st_mtim.tv_nsec = sx.stx_mtime.tv_nsec;
	st->st_ctim.tv_sec = sx.stx_ctime.tv_sec;
	st->st_ctim.tv_nsec = sx.stx_ctime.tv_nsec;
	/* Kernels before 5.8 do not report a mount id: dev alone then. */
	*ret_mnt = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
	return 0;
}

/* Is (st, mnt) on the export's own mount? Other mounts are never entered. */
static bool on_export(const struct export_rt *ex, const struct stat *st, uint64_t mnt)
{
	return st->st_dev == ex->dev && mnt == ex->mnt_id;
}

static void proc_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/* A real fd on the inode of an O_PATH fd (never a symlink or device here). */
static int reopen(int opath_fd, int flags)
{
	char p[32];
	proc_path(opath_fd, p);
	int fd = open(p, flags | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

/*
 * The inode generation (FS_IOC_GETVERSION), which tells a reused inode
 * number from the file a handle was made for. Only regular files and
 * directories are opened for it (opening a device could act on it); the
 * others, and file systems without the ioctl, give 0.
 */
static uint32_t read_gen(int opath_fd, const struct stat *st)
{
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return 0;
	int flags = O_RDONLY | O_NONBLOCK | (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0);
	int fd = reopen(opath_fd, flags | O_NOATIME);
	if (fd == -EPERM)
		fd = reopen(opath_fd, flags);
	if (fd < 0)
		return 0;
	long v = 0;
	uint32_t gen = 0;
	if (ioctl(fd, FS_IOC_GETVERSION, &v) == 0)
		gen = (uint32_t)v;
	close(fd);
	return gen;
}

static void to_time(const struct timespec *ts, struct nfs_time *t)
{
	t->sec = (uint32_t)ts->tv_sec;
	t->nsec = (uint32_t)ts->tv_nsec;
}

static void fill_attr(const struct export_rt *ex, const struct stat *st, struct nfs_fattr *a)
{
	if (!a)
		return;
	memset(a, 0, sizeof(*a));
	a->type = ftype_of(st->st_mode);
	a->mode = st->st_mode & 07777;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->size = (uint64_t)st->st_size;
	a->used = (uint64_t)st->st_blocks * 512;
	a->rdev_major = major(st->st_rdev);
	a->rdev_minor = minor(st->st_rdev);
	a->fsid = ex->id;
	a->fileid = st->st_ino;
	to_time(&st->st_atim, &a->atime);
	to_time(&st->st_mtim, &a->mtime);
	to_time(&st->st_ctim, &a->ctime);
}

static void wcc_before(struct nfs_wcc *w, const struct stat *st)
{
	if (!w)
		return;
	memset(w, 0, sizeof(*w));
	w->have_before = true;
	w->before_size = (uint64_t)st->st_size;
	to_time(&st->st_mtim, &w->before_mtime);
	to_time(&st->st_ctim, &w->before_ctime);
}

static void wcc_after(struct nfs_wcc *w, const struct export_rt *ex, int fd)
{
	struct stat st;
	uint64_t mnt;
	if (!w)
		return;
	w->have_after = fd >= 0 && xstat(fd, "", &st, &mnt) == 0;
	if (w->have_after)
		fill_attr(ex, &st, &w->after);
}

/* ---- credentials and permissions ---- */

static bool in_group(const struct nfs_cred *c, gid_t gid)
{
	if (c->gid == gid)
		return true;
	for (uint32_t i = 0; i < c->n_gids && i < 16; i++)
		if (c->gids[i] == gid)
			return true;
	return false;
}

enum { MAY_X = 1, MAY_W = 2, MAY_R = 4 };

/* Mode bits against the credential; root may do all but execute a file without any x bit. */
static bool may(const struct nfs_cred *c, const struct stat *st, int want)
{
	if (c->uid == 0)
		return !(want & MAY_X) || S_ISDIR(st->st_mode) || (st->st_mode & 0111);
	unsigned bits;
	if (c->uid == st->st_uid)
		bits = (st->st_mode >> 6) & 7;
	else if (in_group(c, st->st_gid))
		bits = (st->st_mode >> 3) & 7;
	else
		bits = st->st_mode & 7;
	return ((int)bits & want) == want;
}

static bool is_owner(const struct nfs_cred *c, const struct stat *st)
{
	return c->uid == 0 || c->uid == st->st_uid;
}

/*
 * READ is granted to the owner and to whoever may execute, as knfsd does:
 * the client checks open permissions itself and must page in executables.
 */
static bool may_read_data(const struct nfs_cred *c, const struct stat *st)
{
	return may(c, st, MAY_R) || may(c, st, MAY_X) || is_owner(c, st);
}

static bool may_write_data(const struct nfs_cred *c, const struct stat *st)
{
	return may(c, st, MAY_W) || is_owner(c, st);
}

/* Sticky directories: only the owner of the entry or of the directory may remove it. */
static bool may_delete_in(const struct nfs_cred *c, const struct stat *dir, const struct stat *child)
{
	if (!may(c, dir, MAY_W | MAY_X))
		return false;
	if (!(dir->st_mode & S_ISVTX) || c->uid == 0)
		return true;
	return c->uid == dir->st_uid || c->uid == child->st_uid;
}

static bool board_allowed(const struct export_rt *ex, const struct nfs_cred *c)
{
	if (!ex->cfg.board[0])
		return true;
	return c->board && strcmp(c->board, ex->cfg.board) == 0;
}

enum name_use { NAME_CREATE, NAME_REMOVE };

/* Names that would create or remove something: one plain component. */
static uint32_t check_name(const char *name, enum name_use use)
{
	if (!name || !name[0])
		return NFS3ERR_INVAL;
	if (strnlen(name, NFS3_NAME_MAX + 1) > NFS3_NAME_MAX)
		return NFS3ERR_NAMETOOLONG;
	if (strchr(name, '/'))
		return NFS3ERR_INVAL;
	if (strcmp(name, ".") == 0)
		return use == NAME_CREATE ? NFS3ERR_EXIST : NFS3ERR_INVAL;
	if (strcmp(name, "..") == 0)
		return NFS3ERR_EXIST;
	return NFS3_OK;
}

/* ---- the fd cache ---- */

static void fdc_drop(struct nfs_fs *fs, dev_t dev, uint64_t ino)
{
	for (int i = 0; i < FD_CACHE_SIZE; i++) {
		struct fd_cache_ent *e = &fs->fdc[i];
		if (e->fd >= 0 && e->dev == dev && e->ino == ino) {
			close(e->fd);
			e->fd = -1;
		}
	}
}

/*
 * A read (or read-write) fd on the regular file o, owned by the cache.
 * While the cache holds a file open its inode number cannot be reused,
 * so (dev, ino) of a freshly resolved handle names the same file.
 */
static int fdc_get(struct nfs_fs *fs, const struct obj *o, bool rw)
{
	struct fd_cache_ent *victim = &fs->fdc[0];
	fs->tick++;
	for (int i = 0; i < FD_CACHE_SIZE; i++) {
		struct fd_cache_ent *e = &fs->fdc[i];
		if (e->fd >= 0 && e->dev == o->st.st_dev && e->ino == o->st.st_ino) {
			if (rw && !e->rw) {
				close(e->fd);
				e->fd = -1;
				victim = e;
				break;
			}
			e->used = fs->tick;
			return e->fd;
		}
		if (e->fd < 0 || (victim->fd >= 0 && e->used < victim->used))
			victim = e;
	}
	int fd = reopen(o->fd, rw ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return fd;
	if (victim->fd >= 0)
		close(victim->fd);
	*victim = (struct fd_cache_ent){ .fd = fd, .dev = o->st.st_dev, .ino = o->st.st_ino,
					 .rw = rw, .used = fs->tick };
	return fd;
}

/* ---- resolution ---- */

static struct export_rt *export_by_id(struct nfs_fs *fs, uint32_t id)
{
	for (size_t i = 0; i < fs->n_ex; i++)
		if (fs->ex[i].id == id)
			return &fs->ex[i];
	return NULL;
}

static uint32_t open_root(struct export_rt *ex, struct obj *o)
{
	uint64_t mnt;
	o->ex = ex;
	o->fd = fcntl(ex->root_fd, F_DUPFD_CLOEXEC, 3);
	if (o->fd < 0)
		return errno_to_nfs(errno);
	o->name[0] = '\0';
	if (xstat(o->fd, "", &o->st, &mnt) != 0 || o->st.st_ino != ex->root_ino) {
		obj_release(o);
		return NFS3ERR_STALE;
	}
	return NFS3_OK;
}

/*
 * Opens the entry `name` of the directory dirfd as O_PATH without
 * following it, checking it stays on the export's mount.
 */
static int open_child(const struct export_rt *ex, int dirfd, const char *name, struct stat *st)
{
	uint64_t mnt;
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (xstat(fd, "", st, &mnt) != 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (!on_export(ex, st, mnt)) {
		close(fd);
		return -EXDEV;
	}
	return fd;
}

/* Re-walks the table's chain root -> ino, checking every inode number. */
static int walk_chain(struct export_rt *ex, uint64_t ino, struct obj *o)
{
	const struct nfs_itab_ent *chain[MAX_DEPTH];
	size_t n = 0;
	for (uint64_t cur = ino; cur != ex->root_ino;) {
		const struct nfs_itab_ent *e = nfs_itab_get(ex->itab, cur);
		if (!e || e->gone || n == MAX_DEPTH)
			return -ENOENT;
		chain[n++] = e;
		cur = e->parent;
	}
	if (n == 0)
		return -ENOENT;
	int dirfd = ex->root_fd, prev = -1;
	struct stat st;
	for (size_t i = n; i-- > 0;) {
		int fd = open_child(ex, dirfd, chain[i]->name, &st);
		if (fd < 0 || st.st_ino != chain[i]->ino || (i > 0 && !S_ISDIR(st.st_mode))) {
			if (fd >= 0)
				close(fd);
			if (prev >= 0)
				close(prev);
			return -ENOENT;
		}
		if (i > 0 && prev >= 0)
			close(prev);
		if (i == 0) {
			o->parent_fd = prev >= 0 ? prev : fcntl(ex->root_fd, F_DUPFD_CLOEXEC, 3);
			snprintf(o->name, sizeof(o->name), "%s", chain[0]->name);
			o->fd = fd;
			o->st = st;
			o->ex = ex;
			return 0;
		}
		prev = fd;
		dirfd = fd;
	}
	return -ENOENT;
}

struct scan {
	struct export_rt *ex;
	uint64_t target;
	size_t budget;
};

static uint8_t dtype_to_ftype(unsigned char t)
{
	switch (t) {
	case DT_REG: return NF3REG;
	case DT_DIR: return NF3DIR;
	case DT_BLK: return NF3BLK;
	case DT_CHR: return NF3CHR;
	case DT_LNK: return NF3LNK;
	case DT_SOCK: return NF3SOCK;
	case DT_FIFO: return NF3FIFO;
	default: return 0;
	}
}

/*
 * Depth-first scan below dirfd (owned, O_RDONLY directory), filling the
 * table, until `target` is seen. Returns 1 found, 0 not (or budget spent).
 */
static int scan_dir(struct scan *s, int dirfd, uint64_t dir_ino, int depth)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return 0;
	}
	int found = 0;
	struct dirent *de;
	while (!found && s->budget > 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		s->budget--;
		uint8_t type = dtype_to_ftype(de->d_type);
		uint64_t ino = de->d_ino;
		struct stat st;
		uint64_t mnt;
		if (type == 0 || type == NF3DIR) {
			if (xstat(dirfd, de->d_name, &st, &mnt) != 0 || !on_export(s->ex, &st, mnt))
				continue;
			type = (uint8_t)ftype_of(st.st_mode);
			ino = st.st_ino;
		}
		nfs_itab_put(s->ex->itab, ino, dir_ino, de->d_name, type, false, 0);
		if (ino == s->target) {
			found = 1;
			break;
		}
		if (type == NF3DIR && depth + 1 < MAX_DEPTH) {
			int sub = openat(dirfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
			if (sub >= 0 && (xstat(sub, "", &st, &mnt) != 0 || st.st_ino != ino ||
					 !on_export(s->ex, &st, mnt))) {
				close(sub);
				sub = -1;
			}
			if (sub >= 0)
				found = scan_dir(s, sub, ino, depth + 1);
		}
	}
	closedir(d);
	return found;
}

/* After a restart the table is empty: find ino by a bounded walk of the export. */
static bool scan_for(struct export_rt *ex, uint64_t ino)
{
	struct scan s = { .ex = ex, .target = ino, .budget = SCAN_MAX_ENTRIES };
	int fd = openat(ex->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	return scan_dir(&s, fd, ex->root_ino, 0) == 1;
}

static uint32_t open_ino(struct export_rt *ex, uint64_t ino, struct obj *o)
{
	if (ino == ex->root_ino)
		return open_root(ex, o);
	if (walk_chain(ex, ino, o) == 0)
		return NFS3_OK;
	const struct nfs_itab_ent *e = nfs_itab_get(ex->itab, ino);
	if (e && e->gone)
		return NFS3ERR_STALE;
	if (scan_for(ex, ino) && walk_chain(ex, ino, o) == 0)
		return NFS3_OK;
	return NFS3ERR_STALE;
}

/* The generation of a resolved object, from the table when known. */
static uint32_t obj_gen(const struct obj *o, bool fresh)
{
	if (o->st.st_ino == o->ex->root_ino)
		return o->ex->root_gen;
	struct nfs_itab_ent *e = nfs_itab_get(o->ex->itab, o->st.st_ino);
	if (e && e->gen_known && !fresh)
		return e->gen;
	uint32_t gen = read_gen(o->fd, &o->st);
	if (e) {
		e->gen = gen;
		e->gen_known = true;
	}
	return gen;
}

/* Handle -> object: MAC, export, board, then the walk and its checks. */
static uint32_t resolve_nocred(struct nfs_fs *fs, const struct nfs_fh *fh, struct obj *o)
{
	struct nfs_fh_fields f;
	if (!fh || nfs_fh_decode(fs->key, fh, &f) != 0)
		return NFS3ERR_BADHANDLE;
	struct export_rt *ex = export_by_id(fs, f.export_id);
	if (!ex)
		return NFS3ERR_STALE;
	uint32_t r = open_ino(ex, f.ino, o);
	if (r != NFS3_OK)
		return r;
	if (ftype_of(o->st.st_mode) != f.type ||
	    (obj_gen(o, false) != f.gen && obj_gen(o, true) != f.gen)) {
		obj_release(o);
		return NFS3ERR_STALE;
	}
	return NFS3_OK;
}

static uint32_t resolve(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
			struct obj *o)
{
	uint32_t r = resolve_nocred(fs, fh, o);
	if (r == NFS3_OK && !board_allowed(o->ex, cred)) {
		obj_release(o);
		return NFS3ERR_ACCES;
	}
	return r;
}

static uint32_t resolve_dir(struct nfs_fs *fs, const struct nfs_cred *cred,
			    const struct nfs_fh *fh, struct obj *o)
{
	uint32_t r = resolve(fs, cred, fh, o);
	if (r == NFS3_OK && !S_ISDIR(o->st.st_mode)) {
		obj_release(o);
		return NFS3ERR_NOTDIR;
	}
	return r;
}

static void encode_obj(struct nfs_fs *fs, const struct obj *o, struct nfs_fh *ret_fh)
{
	struct nfs_fh_fields f = {
		.export_id = o->ex->id,
		.type = (uint8_t)ftype_of(o->st.st_mode),
		.ino = o->st.st_ino,
		.gen = obj_gen(o, false),
	};
	nfs_fh_encode(fs->key, &f, ret_fh);
}

/*
 * Opens the entry `name` of directory `dir` as an object, records it in
 * the table (fresh generation) and, when asked, gives its handle.
 */
static uint32_t open_entry(struct nfs_fs *fs, const struct obj *dir, const char *name,
			   struct obj *o, struct nfs_fh *ret_fh)
{
	int fd = open_child(dir->ex, dir->fd, name, &o->st);
	if (fd < 0)
		return fd == -EXDEV ? NFS3ERR_ACCES : errno_to_nfs(-fd);
	o->ex = dir->ex;
	o->fd = fd;
	o->parent_fd = fcntl(dir->fd, F_DUPFD_CLOEXEC, 3);
	snprintf(o->name, sizeof(o->name), "%s", name);
	uint32_t gen = read_gen(fd, &o->st);
	if (o->st.st_ino != dir->ex->root_ino)
		nfs_itab_put(dir->ex->itab, o->st.st_ino, dir->st.st_ino, name,
			     (uint8_t)ftype_of(o->st.st_mode), true, gen);
	if (ret_fh)
		encode_obj(fs, o, ret_fh);
	return NFS3_OK;
}

/* The parent of a directory inside the export (the root's is itself). */
static uint32_t open_parent(const struct obj *dir, struct obj *o)
{
	if (dir->st.st_ino == dir->ex->root_ino)
		return open_root(dir->ex, o);
	const struct nfs_itab_ent *e = nfs_itab_get(dir->ex->itab, dir->st.st_ino);
	if (!e)
		return NFS3ERR_STALE;
	return open_ino(dir->ex, e->parent, o);
}

static void mark_gone(struct export_rt *ex, uint64_t ino)
{
	struct nfs_itab_ent *e = nfs_itab_get(ex->itab, ino);
	if (!e && nfs_itab_put(ex->itab, ino, 0, "", 0, false, 0) == 0)
		e = nfs_itab_get(ex->itab, ino);
	if (e)
		e->gone = true;
}

/* ---- set-up ---- */

static void normalize_name(char *name)
{
	size_t n = strlen(name);
	while (n > 1 && name[n - 1] == '/')
		name[--n] = '\0';
}

int nfs_fs_new(const struct nfs_fs_config *cfg, struct nfs_fs **ret_fs, char *err, size_t errcap)
{
	char dummy[8];
	if (!err) {
		err = dummy;
		errcap = sizeof(dummy);
	}
	err[0] = '\0';
	if (!cfg || cfg->n_exports > NFS_FS_MAX_EXPORTS || (cfg->n_exports && !cfg->exports)) {
		snprintf(err, errcap, "bad export list");
		return -EINVAL;
	}
	struct nfs_fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	for (int i = 0; i < FD_CACHE_SIZE; i++)
		fs->fdc[i].fd = -1;
	int r = nfs_fh_key_load(cfg->state_dir, fs->key, err, errcap);
	if (r < 0)
		goto fail;
	randombytes_buf(fs->wverf, sizeof(fs->wverf));
	fs->rtmax = cfg->rtmax ? cfg->rtmax : 1u << 20;
	fs->wtmax = cfg->wtmax ? cfg->wtmax : 1u << 20;
	fs->dtpref = cfg->dtpref ? cfg->dtpref : 64u << 10;
	fs->can_chown = geteuid() == 0;
	fs->ex = calloc(cfg->n_exports ? cfg->n_exports : 1, sizeof(*fs->ex));
	if (!fs->ex) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < cfg->n_exports; i++) {
		struct export_rt *ex = &fs->ex[i];
		ex->root_fd = -1;
		fs->n_ex = i + 1;
		ex->cfg = cfg->exports[i];
		ex->cfg.name[sizeof(ex->cfg.name) - 1] = '\0';
		ex->cfg.board[sizeof(ex->cfg.board) - 1] = '\0';
		normalize_name(ex->cfg.name);
		if (!ex->cfg.name[0]) {
			snprintf(err, errcap, "export %zu has no name", i + 1);
			r = -EINVAL;
			goto fail;
		}
		ex->id = nfs_fh_export_id(ex->cfg.name);
		for (size_t j = 0; j < i; j++) {
			if (fs->ex[j].id == ex->id) {
				snprintf(err, errcap, "export %s: %s", ex->cfg.name,
					 strcmp(fs->ex[j].cfg.name, ex->cfg.name) ?
					 "its id collides with another export's; rename it" :
					 "exported twice");
				r = -EINVAL;
				goto fail;
			}
		}
		ex->root_fd = open(ex->cfg.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct stat st;
		if (ex->root_fd < 0 || xstat(ex->root_fd, "", &st, &ex->mnt_id) != 0) {
			r = -errno;
			snprintf(err, errcap, "export %s: %s: %s", ex->cfg.name, ex->cfg.dir,
				 strerror(errno));
			goto fail;
		}
		ex->dev = st.st_dev;
		ex->root_ino = st.st_ino;
		ex->root_gen = read_gen(ex->root_fd, &st);
		ex->itab = nfs_itab_new();
		if (!ex->itab) {
			r = -ENOMEM;
			goto fail;
		}
	}
	*ret_fs = fs;
	return 0;
fail:
	nfs_fs_free(fs);
	return r;
}

void nfs_fs_free(struct nfs_fs *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n_ex; i++) {
		if (fs->ex[i].root_fd >= 0)
			close(fs->ex[i].root_fd);
		nfs_itab_free(fs->ex[i].itab);
	}
	for (int i = 0; i < FD_CACHE_SIZE; i++)
		if (fs->fdc[i].fd >= 0)
			close(fs->fdc[i].fd);
	sodium_memzero(fs->key, sizeof(fs->key));
	free(fs->ex);
	free(fs);
}

size_t nfs_fs_n_exports(const struct nfs_fs *fs)
{
	return fs->n_ex;
}

const struct nfs_export_config *nfs_fs_export(const struct nfs_fs *fs, size_t i)
{
	return i < fs->n_ex ? &fs->ex[i].cfg : NULL;
}

uint32_t nfs_fs_rtmax(const struct nfs_fs *fs)
{
	return fs->rtmax;
}

uint32_t nfs_fs_wtmax(const struct nfs_fs *fs)
{
	return fs->wtmax;
}

uint32_t nfs_fs_dtpref(const struct nfs_fs *fs)
{
	return fs->dtpref;
}

void nfs_fs_write_verf(const struct nfs_fs *fs, uint8_t ret_verf[NFS3_WRITEVERFSIZE])
{
	memcpy(ret_verf, fs->wverf, NFS3_WRITEVERFSIZE);
}

uint32_t nfs_fs_mount(struct nfs_fs *fs, const struct nfs_cred *cred, const char *path,
		      struct nfs_fh *ret_fh)
{
	char want[MNT3_PATH_MAX];
	if (!cred)
		cred = &nobody;
	if (!path || strlen(path) >= sizeof(want))
		return MNT3ERR_NOENT;
	snprintf(want, sizeof(want), "%s", path);
	normalize_name(want);
	for (size_t i = 0; i < fs->n_ex; i++) {
		struct export_rt *ex = &fs->ex[i];
		if (strcmp(ex->cfg.name, want) != 0)
			continue;
		if (!board_allowed(ex, cred))
			return MNT3ERR_ACCES;
		struct obj o = OBJ_INIT;
		if (open_root(ex, &o) != NFS3_OK)
			return MNT3ERR_IO;
		encode_obj(fs, &o, ret_fh);
		obj_release(&o);
		return MNT3_OK;
	}
	return MNT3ERR_NOENT;
}

bool nfs_fs_path(struct nfs_fs *fs, const struct nfs_fh *fh, const char *name, char *buf,
		 size_t cap)
{
	if (!buf || cap == 0)
		return false;
	struct obj o = OBJ_INIT;
	if (resolve_nocred(fs, fh, &o) != NFS3_OK) {
		snprintf(buf, cap, "?");
		return false;
	}
	/* Names root-wards from the table, then written out in order. */
	const char *names[MAX_DEPTH];
	size_t n = 0;
	for (uint64_t cur = o.st.st_ino; cur != o.ex->root_ino && n < MAX_DEPTH;) {
		const struct nfs_itab_ent *e = nfs_itab_get(o.ex->itab, cur);
		if (!e)
			break;
		names[n++] = e->name;
		cur = e->parent;
	}
	size_t len = (size_t)snprintf(buf, cap, "%s", strcmp(o.ex->cfg.name, "/") ? o.ex->cfg.name : "");
	while (n > 0 && len < cap)
		len += (size_t)snprintf(buf + len, cap - len, "/%s", names[--n]);
	if (name && len < cap)
		len += (size_t)snprintf(buf + len, cap - len, "/%s", name);
	if (!buf[0])
		snprintf(buf, cap, "/");
	obj_release(&o);
	return true;
}

uint32_t nfs_fs_getattr(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
			struct nfs_fattr *ret_attr)
{
	struct obj o = OBJ_INIT;
	uint32_t r = resolve(fs, cred ? cred : &nobody, fh, &o);
	if (r == NFS3_OK)
		fill_attr(o.ex, &o.st, ret_attr);
	obj_release(&o);
	return r;
}

uint32_t nfs_fs_check(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		      struct nfs_fattr *ret_attr)
{
	return nfs_fs_getattr(fs, cred, fh, ret_attr);
}

/* ---- SETATTR and the attributes of new objects ---- */

static uint32_t sattr_allowed(const struct nfs_cred *c, const struct stat *st,
			      const struct nfs_sattr *sa)
{
	if (c->uid == 0)
		return NFS3_OK;
	if (sa->set_uid && sa->uid != st->st_uid)
		return NFS3ERR_PERM;
	if (sa->set_gid && sa->gid != st->st_gid && (c->uid != st->st_uid || !in_group(c, sa->gid)))
		return NFS3ERR_PERM;
	if (sa->set_mode && c->uid != st->st_uid)
		return NFS3ERR_PERM;
	if (sa->set_size && !may_write_data(c, st))
		return NFS3ERR_ACCES;
	if ((sa->atime_how == NFS_TIME_CLIENT || sa->mtime_how == NFS_TIME_CLIENT) &&
	    c->uid != st->st_uid)
		return NFS3ERR_PERM;
	if ((sa->atime_how == NFS_TIME_SERVER || sa->mtime_how == NFS_TIME_SERVER) &&
	    c->uid != st->st_uid && !may(c, st, MAY_W))
		return NFS3ERR_ACCES;
	return NFS3_OK;
}

static void set_ts(struct timespec *ts, enum nfs_time_how how, const struct nfs_time *t)
{
	ts->tv_sec = 0;
	if (how == NFS_TIME_SERVER) {
		ts->tv_nsec = UTIME_NOW;
	} else if (how == NFS_TIME_CLIENT) {
		ts->tv_sec = t->sec;
		ts->tv_nsec = t->nsec < 1000000000u ? t->nsec : 0;
	} else {
		ts->tv_nsec = UTIME_OMIT;
	}
}

/*
 * Applies sattr to o: owner first (chown clears set-id bits), then mode,
 * size and times. Symlinks keep their mode (Linux cannot change it).
 */
static int apply_sattr(const struct obj *o, const struct nfs_sattr *sa, bool chown_ok)
{
	char p[32];
	proc_path(o->fd, p);
	bool link = S_ISLNK(o->st.st_mode);
	if ((sa->set_uid || sa->set_gid) && chown_ok) {
		uid_t u = sa->set_uid ? sa->uid : (uid_t)-1;
		gid_t g = sa->set_gid ? sa->gid : (gid_t)-1;
		if (fchownat(o->fd, "", u, g, AT_EMPTY_PATH) != 0)
			return -errno;
	}
	if (sa->set_mode && !link && chmod(p, sa->mode & 07777) != 0)
		return -errno;
	if (sa->set_size) {
		if (S_ISDIR(o->st.st_mode))
			return -EISDIR;
		if (!S_ISREG(o->st.st_mode))
			return -EINVAL;
		if (truncate(p, (off_t)sa->size) != 0)
			return -errno;
	}
	if (sa->atime_how != NFS_TIME_DONT || sa->mtime_how != NFS_TIME_DONT) {
		struct timespec ts[2];
		set_ts(&ts[0], sa->atime_how, &sa->atime);
		set_ts(&ts[1], sa->mtime_how, &sa->mtime);
		int r;
		if (link)
			r = o->parent_fd >= 0 ?
			    utimensat(o->parent_fd, o->name, ts, AT_SYMLINK_NOFOLLOW) : -1;
		else
			r = utimensat(AT_FDCWD, p, ts, 0);
		if (r != 0)
			return -errno;
	}
	return 0;
}

uint32_t nfs_fs_setattr(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
			const struct nfs_sattr *sa, const struct nfs_time *guard_ctime,
			struct nfs_wcc *ret_wcc)
{
	struct obj o = OBJ_INIT;
	if (!cred)
		cred = &nobody;
	if (ret_wcc)
		memset(ret_wcc, 0, sizeof(*ret_wcc));
	uint32_t r = resolve(fs, cred, fh, &o);
	if (r != NFS3_OK)
		return r;
	wcc_before(ret_wcc, &o.st);
	if (o.ex->cfg.read_only) {
		r = NFS3ERR_ROFS;
		goto out;
	}
	if (guard_ctime && ((uint32_t)o.st.st_ctim.tv_sec != guard_ctime->sec ||
			    (uint32_t)o.st.st_ctim.tv_nsec != guard_ctime->nsec)) {
		r = NFS3ERR_NOT_SYNC;
		goto out;
	}
	r = sattr_allowed(cred, &o.st, sa);
	if (r != NFS3_OK)
		goto out;
	/* The server unprivileged cannot give files away: refuse rather than lie. */
	if ((sa->set_uid || sa->set_gid) && !fs->can_chown &&
	    ((sa->set_uid && sa->uid != o.st.st_uid) || (sa->set_gid && sa->gid != o.st.st_gid))) {
		r = NFS3ERR_PERM;
		goto out;
	}
	r = errno_to_nfs(-apply_sattr(&o, sa, true));
out:
	wcc_after(ret_wcc, o.ex, o.fd);
	obj_release(&o);
	return r;
}

/* ---- LOOKUP, ACCESS, READLINK ---- */

uint32_t nfs_fs_lookup(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dirfh,
		       const char *name, struct nfs_fh *ret_fh, struct nfs_fattr *ret_attr,
		       struct nfs_fattr *ret_dir_attr)
{
	struct obj dir = OBJ_INIT, o = OBJ_INIT;
	if (!cred)
		cred = &nobody;
	if (ret_attr)
		memset(ret_attr, 0, sizeof(*ret_attr));
	if (ret_dir_attr)
		memset(ret_dir_attr, 0, sizeof(*ret_dir_attr));
	uint32_t r = resolve_dir(fs, cred, dirfh, &dir);
	if (r != NFS3_OK)
		return r;
	fill_attr(dir.ex, &dir.st, ret_dir_attr);
	if (!may(cred, &dir.st, MAY_X)) {
		r = NFS3ERR_ACCES;
	} else if (!name || !name[0] || strchr(name, '/')) {
		r = NFS3ERR_NOENT;
	} else if (strnlen(name, NFS3_NAME_MAX + 1) > NFS3_NAME_MAX) {
		r = NFS3ERR_NAMETOOLONG;
	} else if (strcmp(name, ".") == 0) {
		r = open_ino(dir.ex, dir.st.st_ino, &o);
	} else if (strcmp(name, "..") == 0) {
		r = open_parent(&dir, &o);
	} else {
		r = open_entry(fs, &dir, name, &o, NULL);
	}
	if (r == NFS3_OK) {
		encode_obj(fs, &o, ret_fh);
		fill_attr(o.ex, &o.st, ret_attr);
	}
	obj_release(&o);
	obj_release(&dir);
	return r;
}

uint32_t nfs_fs_access(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		       uint32_t want, uint32_t *ret_granted, struct nfs_fattr *ret_attr)
{
	struct obj o = OBJ_INIT;
	if (!cred)
		cred = &nobody;
	uint32_t r = resolve(fs, cred, fh, &o);
	if (r != NFS3_OK)
		return r;
	bool dir = S_ISDIR(o.st.st_mode), ro = o.ex->cfg.read_only;
	uint32_t g = 0;
	if ((want & NFS3_ACCESS_READ) && may(cred, &o.st, MAY_R))
		g |= NFS3_ACCESS_READ;
	if ((want & NFS3_ACCESS_LOOKUP) && dir && may(cred, &o.st, MAY_X))
		g |= NFS3_ACCESS_LOOKUP;
	if (!ro && may(cred, &o.st, MAY_W)) {
		g |= want & (NFS3_ACCESS_MODIFY | NFS3_ACCESS_EXTEND);
		if (dir)
			g |= want & NFS3_ACCESS_DELETE;
	}
	if ((want & NFS3_ACCESS_EXECUTE) && !dir && may(cred, &o.st, MAY_X))
		g |= NFS3_ACCESS_EXECUTE;
	*ret_granted = g;
	fill_attr(o.ex, &o.st, ret_attr);
	obj_release(&o);
	return NFS3_OK;
}

uint32_t nfs_fs_readlink(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
			 char *buf, size_t cap, struct nfs_fattr *ret_attr)
{
	struct obj o = OBJ_INIT;
	if (!buf || cap < 2)
		return NFS3ERR_SERVERFAULT;
	uint32_t r = resolve(fs, cred ? cred : &nobody, fh, &o);
	if (r != NFS3_OK)
		return r;
	fill_attr(o.ex, &o.st, ret_attr);
	if (!S_ISLNK(o.st.st_mode)) {
		r = NFS3ERR_INVAL;
	} else {
		ssize_t n = readlinkat(o.fd, "", buf, cap - 1);
		if (n < 0)
			r = errno_to_nfs(errno);
		else
			buf[n] = '\0';
	}
	obj_release(&o);
	return r;
}

/* ---- READ, WRITE, COMMIT ---- */

static uint32_t data_type_error(const struct stat *st)
{
	return S_ISDIR(st->st_mode) ? NFS3ERR_ISDIR : NFS3ERR_INVAL;
}

uint32_t nfs_fs_read(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		     uint64_t offset, uint32_t count, uint8_t *buf, uint32_t *ret_count,
		     bool *ret_eof, struct nfs_fattr *ret_attr)
{
	struct obj o = OBJ_INIT;
	if (!cred)
		cred = &nobody;
	uint32_t r = resolve(fs, cred, fh, &o);
	if (r != NFS3_OK)
		return r;
	if (!S_ISREG(o.st.st_mode)) {
		r = data_type_error(&o.st);
		goto out;
	}
	if (!may_read_data(cred, &o.st)) {
		r = NFS3ERR_ACCES;
		goto out;
	}
	if (offset > (uint64_t)INT64_MAX - count) {
		r = NFS3ERR_INVAL;
		goto out;
	}
	int fd = fdc_get(fs, &o, false);
	if (fd < 0) {
		r = errno_to_nfs(-fd);
		goto out;
	}
	size_t got = 0;
	while (got < count) {
		ssize_t n = pread(fd, buf + got, count - got, (off_t)(offset + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = errno_to_nfs(errno);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	struct stat st;
	if (fstat(fd, &st) != 0)
		st = o.st;
	*ret_count = (uint32_t)got;
	*ret_eof = offset + got >= (uint64_t)st.st_size;
	fill_attr(o.ex, &st, ret_attr);
out:
	obj_release(&o);
	return r;
}

uint32_t nfs_fs_write(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		      uint64_t offset, const uint8_t *data, uint32_t count, uint32_t stable,
		      uint32_t *ret_count, uint32_t *ret_committed, struct nfs_wcc *ret_wcc)
{
	struct obj o = OBJ_INIT;
	if (!cred)
		cred = &nobody;
	if (ret_wcc)
		memset(ret_wcc, 0, sizeof(*ret_wcc));
	uint32_t r = resolve(fs, cred, fh, &o);
	if (r != NFS3_OK)
		return r;
	wcc_before(ret_wcc, &o.st);
	int fd = -1;
	if (o.ex->cfg.read_only) {
		r = NFS3ERR_ROFS;
		goto out;
	}
	if (!S_ISREG(o.st.st_mode)) {
		r = data_type_error(&o.st);
		goto out;
	}
	if (!may_write_data(cred, &o.st)) {
		r = NFS3ERR_ACCES;
		goto out;
	}
	if (offset > (uint64_t)INT64_MAX - count) {
		r = NFS3ERR_FBIG;
		goto out;
	}
	fd = fdc_get(fs, &o, true);
	if (fd < 0) {
		r = errno_to_nfs(-fd);
		goto out;
	}
	size_t put = 0;
	while (put < count) {
		ssize_t n = pwrite(fd, data + put, count - put, (off_t)(offset + put));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = errno_to_nfs(n < 0 ? errno : EIO);
			goto out;
		}
		put += (size_t)n;
	}
	if ((stable == NFS3_DATA_SYNC && fdatasync(fd) != 0) ||
	    (stable == NFS3_FILE_SYNC && fsync(fd) != 0)) {
		r = errno_to_nfs(errno);
		goto out;
	}
	*ret_count = (uint32_t)put;
	*ret_committed = stable <= NFS3_FILE_SYNC ? stable : NFS3_FILE_SYNC;
out:
	wcc_after(ret_wcc, o.ex, fd >= 0 ? fd : o.fd);
	obj_release(&o);
	return r;
}

uint32_t nfs_fs_commit(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		       uint64_t offset, uint32_t count, struct nfs_wcc *ret_wcc)
{
	struct obj o = OBJ_INIT;
	(void)offset;
	(void)count;
	if (ret_wcc)
		memset(ret_wcc, 0, sizeof(*ret_wcc));
	uint32_t r = resolve(fs, cred ? cred : &nobody, fh, &o);
	if (r != NFS3_OK)
		return r;
	wcc_before(ret_wcc, &o.st);
	if (!S_ISREG(o.st.st_mode)) {
		r = data_type_error(&o.st);
	} else {
		int fd = fdc_get(fs, &o, false);
		if (fd < 0)
			r = errno_to_nfs(-fd);
		else if (fsync(fd) != 0)
			r = errno_to_nfs(errno);
	}
	wcc_after(ret_wcc, o.ex, o.fd);
	obj_release(&o);
	return r;
}

/* ---- operations that change a directory ---- */

/*
 * Common start of CREATE/MKDIR/SYMLINK/MKNOD/REMOVE/RMDIR/LINK: the
 * directory, read-only check, name check, write+search permission.
 */
static uint32_t begin_dirop(struct nfs_fs *fs, const struct nfs_cred *cred,
			    const struct nfs_fh *dirfh, const char *name, enum name_use use,
			    struct obj *dir, struct nfs_wcc *wcc)
{
	if (wcc)
		memset(wcc, 0, sizeof(*wcc));
	uint32_t r = resolve_dir(fs, cred, dirfh, dir);
	if (r != NFS3_OK)
		return r;
	wcc_before(wcc, &dir->st);
	if (dir->ex->cfg.read_only)
		r = NFS3ERR_ROFS;
	else if ((r = check_name(name, use)) != NFS3_OK)
		;
	else if (!may(cred, &dir->st, MAY_W | MAY_X))
		r = NFS3ERR_ACCES;
	return r;
}

static void end_dirop(struct obj *dir, struct nfs_wcc *wcc)
{
	if (dir->fd >= 0)
		wcc_after(wcc, dir->ex, dir->fd);
	obj_release(dir);
}

/*
 * Ownership and mode of a new object: the caller's uid, the directory's
 * gid when it is setgid (BSD semantics, as Linux) else the caller's gid;
 * sattr values win. Applied only when the server may chown.
 */
static uint32_t init_new(struct nfs_fs *fs, const struct nfs_cred *cred, const struct obj *dir,
			 const struct obj *o, const struct nfs_sattr *sa, uint32_t def_mode)
{
	struct nfs_sattr s = sa ? *sa : (struct nfs_sattr){ 0 };
	s.set_size = s.set_size && S_ISREG(o->st.st_mode);
	if (!s.set_mode) {
		s.set_mode = true;
		s.mode = def_mode;
	}
	if (!s.set_uid) {
		s.set_uid = true;
		s.uid = cred->uid;
	}
	if (!s.set_gid) {
		s.set_gid = true;
		s.gid = (dir->st.st_mode & S_ISGID) ? dir->st.st_gid : cred->gid;
	}
	if (S_ISDIR(o->st.st_mode) && (dir->st.st_mode & S_ISGID))
		s.mode |= S_ISGID;
	return errno_to_nfs(-apply_sattr(o, &s, fs->can_chown));
}

/* Re-stats o after changes and fills the caller's handle and attributes. */
static void finish_new(struct nfs_fs *fs, struct obj *o, struct nfs_fh *ret_fh,
		       struct nfs_fattr *ret_attr)
{
	uint64_t mnt;
	xstat(o->fd, "", &o->st, &mnt);
	if (ret_fh)
		encode_obj(fs, o, ret_fh);
	fill_attr(o->ex, &o->st, ret_attr);
}

static bool verf_matches(const struct stat *st, const uint8_t verf[NFS3_CREATEVERFSIZE])
{
	uint32_t a = (uint32_t)verf[0] << 24 | (uint32_t)verf[1] << 16 | (uint32_t)verf[2] << 8 | verf[3];
	uint32_t m = (uint32_t)verf[4] << 24 | (uint32_t)verf[5] << 16 | (uint32_t)verf[6] << 8 | verf[7];
	return S_ISREG(st->st_mode) && (uint32_t)st->st_atim.tv_sec == a &&
	       (uint32_t)st->st_mtim.tv_sec == m && st->st_atim.tv_nsec == 0 &&
	       st->st_mtim.tv_nsec == 0;
}

uint32_t nfs_fs_create(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dirfh,
		       const char *name, uint32_t how, const struct nfs_sattr *sa,
		       const uint8_t verf[NFS3_CREATEVERFSIZE], struct nfs_fh *ret_fh,
		       struct nfs_fattr *ret_attr, struct nfs_wcc *ret_dir_wcc)
{
	struct obj dir = OBJ_INIT, o = OBJ_INIT;
	if (!cred)
		cred = &nobody;
	if (ret_attr)
		memset(ret_attr, 0, sizeof(*ret_attr));
	uint32_t r = begin_dirop(fs, cred, dirfh, name, NAME_CREATE, &dir, ret_dir_wcc);
	if (r != NFS3_OK)
		goto out;
	if (how > NFS3_CREATE_EXCLUSIVE || (how == NFS3_CREATE_EXCLUSIVE && !verf)) {
		r = NFS3ERR_INVAL;
		goto out;
	}
	/*
	 * Always O_EXCL: an existing entry is never opened (it could be a
	 * FIFO or a device); UNCHECKED then only applies sattr to a file.
	 */
	int fd = openat(dir.fd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno != EEXIST) {
			r = errno_to_nfs(errno);
			goto out;
		}
		r = open_entry(fs, &dir, name, &o, NULL);
		if (r != NFS3_OK)
			goto out;
		if (how == NFS3_CREATE_GUARDED ||
		    (how == NFS3_CREATE_EXCLUSIVE && !verf_matches(&o.st, verf)) ||
		    !S_ISREG(o.st.st_mode)) {
			r = NFS3ERR_EXIST;
			goto out;
		}
		if (how == NFS3_CREATE_UNCHECKED && sa && sa->set_size) {
			/* Like open(O_TRUNC) on an existing file: only the size counts. */
			struct nfs_sattr s = { .set_size = true, .size = sa->size };
			if (!may_write_data(cred, &o.st))
				r = NFS3ERR_ACCES;
			else
				r = errno_to_nfs(-apply_sattr(&o, &s, false));
			if (r != NFS3_OK)
				goto out;
			fdc_drop(fs, o.st.st_dev, o.st.st_ino);
		}
		finish_new(fs, &o, ret_fh, ret_attr);
		goto out;
	}
	close(fd);
	r = open_entry(fs, &dir, name, &o, NULL);
	if (r != NFS3_OK)
		goto out;
	if (how == NFS3_CREATE_EXCLUSIVE) {
		/* RFC 1813 §3.3.8: the verifier goes where a retransmission can find it. */
		struct nfs_sattr s = {
			.atime_how = NFS_TIME_CLIENT, .mtime_how = NFS_TIME_CLIENT,
			.atime = { (uint32_t)verf[0] << 24 | (uint32_t)verf[1] << 16 |
				   (uint32_t)verf[2] << 8 | verf[3], 0 },
			.mtime = { (uint32_t)verf[4] << 24 | (uint32_t)verf[5] << 16 |
				   (uint32_t)verf[6] << 8 | verf[7], 0 },
		};
		r = init_new(fs, cred, &dir, &o, NULL, 0600);
		if (r == NFS3_OK)
			r = errno_to_nfs(-apply_sattr(&o, &s, false));
	} else {
		r = init_new(fs, cred, &dir, &o, sa, 0644);
	}
	if (r != NFS3_OK) {
		unlinkat(dir.fd, name, 0);
		mark_gone(dir.ex, o.st.st_ino);
		goto out;
	}
	finish_new(fs, &o, ret_fh, ret_attr);
out:
	obj_release(&o);
	end_dirop(&dir, ret_dir_wcc);
	return r;
}

/* MKDIR, SYMLINK and MKNOD after their syscall: handle, owner, mode. */
static uint32_t after_make(struct nfs_fs *fs, const struct nfs_cred *cred, struct obj *dir,
			   const char *name, const struct nfs_sattr *sa, uint32_t def_mode,
			   struct nfs_fh *ret_fh, struct nfs_fattr *ret_attr)
{
	struct obj o = OBJ_INIT;
	uint32_t r = open_entry(fs, dir, name, &o, NULL);
	if (r == NFS3_OK) {
		r = init_new(fs, cred, dir, &o, sa, def_mode);
		if (r != NFS3_OK) {
			unlinkat(dir->fd, name, S_ISDIR(o.st.st_mode) ? AT_REMOVEDIR : 0);
			mark_gone(dir->ex, o.st.st_ino);
		} else {
			finish_new(fs, &o, ret_fh, ret_attr);
		}
	}
	obj_release(&o);
	return r;
}

uint32_t nfs_fs_mkdir(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dirfh,
		      const char *name, const struct nfs_sattr *sa, struct nfs_fh *ret_fh,
		      struct nfs_fattr *ret_attr, struct nfs_wcc *ret_dir_wcc)
{
	struct obj dir = OBJ_INIT;
	if (!cred)
		cred = &nobody;
	if (ret_attr)
		memset(ret_attr, 0, sizeof(*ret_attr));
	uint32_t r = begin_dirop(fs, cred, dirfh, name, NAME_CREATE, &dir, ret_dir_wcc);
	if (r == NFS3_OK)
		r = mkdirat(dir.fd, name, 0700) != 0 ? errno_to_nfs(errno) :
		    after_make(fs, cred, &dir, name, sa, 0755, ret_fh, ret_attr);
	end_dirop(&dir, ret_dir_wcc);
	return r;
}

uint32_t nfs_fs_symlink(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dirfh,
			const char *name, const char *target, const struct nfs_sattr *sa,
			struct nfs_fh *ret_fh, struct nfs_fattr *ret_attr,
			struct nfs_wcc *ret_dir_wcc)
{
	struct obj dir = OBJ_INIT;
	if (!cred)
		cred = &nobody;
	if (ret_attr)
		memset(ret_attr, 0, sizeof(*ret_attr));
	uint32_t r = begin_dirop(fs, cred, dirfh, name, NAME_CREATE, &dir, ret_dir_wcc);
	if (r != NFS3_OK)
		goto out;
	if (!target || !target[0]) {
		r = NFS3ERR_INVAL;
	} else if (strnlen(target, NFS3_PATH_MAX + 1) > NFS3_PATH_MAX) {
		r = NFS3ERR_NAMETOOLONG;
	} else if (symlinkat(target, dir.fd, name) != 0) {
		r = errno_to_nfs(errno);
	} else {
		/* A link's mode is meaningless on Linux: only owner and times apply. */
		struct nfs_sattr s = sa ? *sa : (struct nfs_sattr){ 0 };
		s.set_mode = false;
		r = after_make(fs, cred, &dir, name, &s, 0777, ret_fh, ret_attr);
	}
out:
	end_dirop(&dir, ret_dir_wcc);
	return r;
}

uint32_t nfs_fs_mknod(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dirfh,
		      const char *name, uint32_t type, const struct nfs_sattr *sa,
		      uint32_t rdev_major, uint32_t rdev_minor, struct nfs_fh *ret_fh,
		      struct nfs_fattr *ret_attr, struct nfs_wcc *ret_dir_wcc)
{
	struct obj dir = OBJ_INIT;
	if (!cred)
		cred = &nobody;
	if (ret_attr)
		memset(ret_attr, 0, sizeof(*ret_attr));
	uint32_t r = begin_dirop(fs, cred, dirfh, name, NAME_CREATE, &dir, ret_dir_wcc);
	if (r != NFS3_OK)
		goto out;
	mode_t fmt;
	dev_t rdev = 0;
	switch (type) {
	case NF3CHR: fmt = S_IFCHR; rdev = makedev(rdev_major, rdev_minor); break;
	case NF3BLK: fmt = S_IFBLK; rdev = makedev(rdev_major, rdev_minor); break;
	case NF3SOCK: fmt = S_IFSOCK; break;
	case NF3FIFO: fmt = S_IFIFO; break;
	default: r = NFS3ERR_BADTYPE; goto out;
	}
	/* Device nodes only for a root caller, as mknod(2) would demand. */
	if ((fmt == S_IFCHR || fmt == S_IFBLK) && cred->uid != 0) {
		r = NFS3ERR_PERM;
		goto out;
	}
	if (mknodat(dir.fd, name, fmt | 0600, rdev) != 0)
		r = errno_to_nfs(errno);
	else
		r = after_make(fs, cred, &dir, name, sa, 0644, ret_fh, ret_attr);
out:
	end_dirop(&dir, ret_dir_wcc);
	return r;
}

/* The table after `name` (inode st) left a directory. */
static void forget_name(struct nfs_fs *fs, struct export_rt *ex, uint64_t dir_ino,
			const char *name, const struct stat *st)
{
	fdc_drop(fs, st->st_dev, st->st_ino);
	if (S_ISDIR(st->st_mode) || st->st_nlink <= 1) {
		mark_gone(ex, st->st_ino);
		return;
	}
	/* Other links remain: drop this name so the scan finds another. */
	const struct nfs_itab_ent *e = nfs_itab_get(ex->itab, st->st_ino);
	if (e && e->parent == dir_ino && strcmp(e->name, name) == 0)
		nfs_itab_forget(ex->itab, st->st_ino);
}

static uint32_t remove_common(struct nfs_fs *fs, const struct nfs_cred *cred,
			      const struct nfs_fh *dirfh, const char *name, bool rmdir,
			      struct nfs_wcc *ret_dir_wcc)
{
	struct obj dir = OBJ_INIT;
	struct stat st;
	uint64_t mnt;
	if (!cred)
		cred = &nobody;
	uint32_t r = begin_dirop(fs, cred, dirfh, name, NAME_REMOVE, &dir, ret_dir_wcc);
	if (r != NFS3_OK)
		goto out;
	if (xstat(dir.fd, name, &st, &mnt) != 0) {
		r = errno_to_nfs(errno);
	} else if (!rmdir && S_ISDIR(st.st_mode)) {
		r = NFS3ERR_ISDIR;
	} else if (rmdir && !S_ISDIR(st.st_mode)) {
		r = NFS3ERR_NOTDIR;
	} else if (!may_delete_in(cred, &dir.st, &st)) {
		r = NFS3ERR_ACCES;
	} else if (unlinkat(dir.fd, name, rmdir ? AT_REMOVEDIR : 0) != 0) {
		r = errno_to_nfs(errno);
	} else {
		forget_name(fs, dir.ex, dir.st.st_ino, name, &st);
	}
out:
	end_dirop(&dir, ret_dir_wcc);
	return r;
}

uint32_t nfs_fs_remove(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dirfh,
		       const char *name, struct nfs_wcc *ret_dir_wcc)
{
	return remove_common(fs, cred, dirfh, name, false, ret_dir_wcc);
}

uint32_t nfs_fs_rmdir(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dirfh,
		      const char *name, struct nfs_wcc *ret_dir_wcc)
{
	return remove_common(fs, cred, dirfh, name, true, ret_dir_wcc);
}

uint32_t nfs_fs_rename(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *from_dir,
		       const char *from_name, const struct nfs_fh *to_dir, const char *to_name,
		       struct nfs_wcc *ret_from_wcc, struct nfs_wcc *ret_to_wcc)
{
	struct obj from = OBJ_INIT, to = OBJ_INIT;
	struct stat src, dst;
	uint64_t mnt;
	if (!cred)
		cred = &nobody;
	if (ret_to_wcc)
		memset(ret_to_wcc, 0, sizeof(*ret_to_wcc));
	uint32_t r = begin_dirop(fs, cred, from_dir, from_name, NAME_REMOVE, &from, ret_from_wcc);
	if (r != NFS3_OK)
		goto out;
	r = resolve_dir(fs, cred, to_dir, &to);
	if (r != NFS3_OK)
		goto out;
	wcc_before(ret_to_wcc, &to.st);
	if (to.ex != from.ex) {
		r = NFS3ERR_XDEV;
		goto out;
	}
	if ((r = check_name(to_name, NAME_CREATE)) != NFS3_OK)
		goto out;
	if (!may(cred, &to.st, MAY_W | MAY_X)) {
		r = NFS3ERR_ACCES;
		goto out;
	}
	if (xstat(from.fd, from_name, &src, &mnt) != 0) {
		r = errno_to_nfs(errno);
		goto out;
	}
	if (!on_export(from.ex, &src, mnt)) {
		r = NFS3ERR_XDEV;
		goto out;
	}
	bool had_dst = xstat(to.fd, to_name, &dst, &mnt) == 0;
	if (!may_delete_in(cred, &from.st, &src) ||
	    (had_dst && !may_delete_in(cred, &to.st, &dst))) {
		r = NFS3ERR_ACCES;
		goto out;
	}
	if (renameat(from.fd, from_name, to.fd, to_name) != 0) {
		r = errno_to_nfs(errno);
		goto out;
	}
	if (had_dst && dst.st_ino != src.st_ino)
		forget_name(fs, to.ex, to.st.st_ino, to_name, &dst);
	if (!had_dst || dst.st_ino != src.st_ino) {
		const struct nfs_itab_ent *e = nfs_itab_get(from.ex->itab, src.st_ino);
		bool known = e && e->gen_known;
		uint32_t gen = known ? e->gen : 0;
		nfs_itab_put(from.ex->itab, src.st_ino, to.st.st_ino, to_name,
			     (uint8_t)ftype_of(src.st_mode), known, gen);
	}
out:
	if (to.fd >= 0)
		wcc_after(ret_to_wcc, to.ex, to.fd);
	obj_release(&to);
	end_dirop(&from, ret_from_wcc);
	return r;
}

uint32_t nfs_fs_link(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *file,
		     const struct nfs_fh *dirfh, const char *name, struct nfs_fattr *ret_file_attr,
		     struct nfs_wcc *ret_dir_wcc)
{
	struct obj o = OBJ_INIT, dir = OBJ_INIT;
	if (!cred)
		cred = &nobody;
	if (ret_file_attr)
		memset(ret_file_attr, 0, sizeof(*ret_file_attr));
	if (ret_dir_wcc)
		memset(ret_dir_wcc, 0, sizeof(*ret_dir_wcc));
	uint32_t r = resolve(fs, cred, file, &o);
	if (r != NFS3_OK)
		return r;
	r = begin_dirop(fs, cred, dirfh, name, NAME_CREATE, &dir, ret_dir_wcc);
	if (r != NFS3_OK)
		goto out;
	if (dir.ex != o.ex) {
		r = NFS3ERR_XDEV;
		goto out;
	}
	if (S_ISDIR(o.st.st_mode)) {
		r = NFS3ERR_ISDIR;
		goto out;
	}
	/* The inode itself (AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH), else its entry. */
	if (linkat(o.fd, "", dir.fd, name, AT_EMPTY_PATH) != 0) {
		if ((errno != ENOENT && errno != EPERM) || o.parent_fd < 0 ||
		    linkat(o.parent_fd, o.name, dir.fd, name, 0) != 0) {
			r = errno_to_nfs(errno);
			goto out;
		}
	}
	uint64_t mnt;
	if (xstat(o.fd, "", &o.st, &mnt) == 0)
		fill_attr(o.ex, &o.st, ret_file_attr);
out:
	end_dirop(&dir, ret_dir_wcc);
	obj_release(&o);
	return r;
}

/* ---- READDIR(PLUS) ---- */

/*
 * The cookie verifier names the directory (export and inode), not its
 * mtime: cookies are the file system's own stable positions (telldir),
 * valid across changes, and a verifier that changed with every entry
 * would send `rm -r` of a large directory into BAD_COOKIE restarts.
 */
static void cookie_verf(const struct obj *dir, uint8_t verf[NFS3_COOKIEVERFSIZE])
{
	uint64_t v = dir->st.st_ino ^ ((uint64_t)dir->ex->id << 32);
	v ^= v >> 29;
	v *= 0xbf58476d1ce4e5b9ULL;
	v ^= v >> 32;
	for (int i = 0; i < 8; i++)
		verf[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* attr + handle of one entry for READDIRPLUS; false leaves them out. */
static bool plus_entry(struct nfs_fs *fs, const struct obj *dir, const char *name,
		       struct nfs_dirent *de)
{
	struct obj o = OBJ_INIT;
	uint32_t r;
	if (strcmp(name, ".") == 0)
		r = open_ino(dir->ex, dir->st.st_ino, &o);
	else if (strcmp(name, "..") == 0)
		r = open_parent(dir, &o);
	else
		r = open_entry(fs, dir, name, &o, NULL);
	if (r == NFS3_OK) {
		encode_obj(fs, &o, &de->fh);
		fill_attr(o.ex, &o.st, &de->attr);
		de->fileid = o.st.st_ino;
		de->have_attr = true;
	}
	obj_release(&o);
	return r == NFS3_OK;
}

uint32_t nfs_fs_readdir(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dirfh,
			uint64_t cookie, const uint8_t verf[NFS3_COOKIEVERFSIZE], bool plus,
			nfs_dirent_fn fn, void *ctx, uint8_t ret_verf[NFS3_COOKIEVERFSIZE],
			bool *ret_eof, struct nfs_fattr *ret_dir_attr)
{
	static const uint8_t zero[NFS3_COOKIEVERFSIZE];
	struct obj dir = OBJ_INIT;
	uint8_t want[NFS3_COOKIEVERFSIZE];
	if (!cred)
		cred = &nobody;
	if (ret_dir_attr)
		memset(ret_dir_attr, 0, sizeof(*ret_dir_attr));
	uint32_t r = resolve_dir(fs, cred, dirfh, &dir);
	if (r != NFS3_OK)
		return r;
	fill_attr(dir.ex, &dir.st, ret_dir_attr);
	cookie_verf(&dir, want);
	if (!may(cred, &dir.st, MAY_R)) {
		r = NFS3ERR_ACCES;
		goto out;
	}
	if (cookie != 0 && verf && memcmp(verf, zero, sizeof(zero)) != 0 &&
	    memcmp(verf, want, sizeof(want)) != 0) {
		r = NFS3ERR_BAD_COOKIE;
		goto out;
	}
	if (cookie > (uint64_t)LONG_MAX) {
		r = NFS3ERR_BAD_COOKIE;
		goto out;
	}
	int fd = openat(dir.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = errno_to_nfs(errno);
		goto out;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		r = errno_to_nfs(errno);
		close(fd);
		goto out;
	}
	if (cookie)
		seekdir(d, (long)cookie);
	bool eof = false;
	uint64_t parent_ino = dir.ex->root_ino;
	if (dir.st.st_ino != dir.ex->root_ino) {
		const struct nfs_itab_ent *e = nfs_itab_get(dir.ex->itab, dir.st.st_ino);
		parent_ino = e ? e->parent : dir.st.st_ino;
	}
	for (;;) {
		errno = 0;
		struct dirent *ent = readdir(d);
		if (!ent) {
			eof = errno == 0;
			if (errno)
				r = errno_to_nfs(errno);
			break;
		}
		long pos = telldir(d);
		struct nfs_dirent de = { .name = ent->d_name, .cookie = (uint64_t)pos,
					 .fileid = ent->d_ino };
		/* The directory's own "." and "..": inode numbers inside the export. */
		if (strcmp(ent->d_name, ".") == 0)
			de.fileid = dir.st.st_ino;
		else if (strcmp(ent->d_name, "..") == 0)
			de.fileid = parent_ino;
		if (plus)
			plus_entry(fs, &dir, ent->d_name, &de);
		if (!fn(ctx, &de))
			break;
	}
	closedir(d);
	if (r == NFS3_OK) {
		if (ret_verf)
			memcpy(ret_verf, want, sizeof(want));
		*ret_eof = eof;
	}
out:
	obj_release(&dir);
	return r;
}

/* ---- FSSTAT ---- */

uint32_t nfs_fs_fsstat(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		       struct nfs_fsstat *ret, struct nfs_fattr *ret_attr)
{
	struct obj o = OBJ_INIT;
	uint32_t r = resolve(fs, cred ? cred : &nobody, fh, &o);
	if (r != NFS3_OK)
		return r;
	fill_attr(o.ex, &o.st, ret_attr);
	struct statvfs sv;
	if (fstatvfs(o.fd, &sv) != 0) {
		r = errno_to_nfs(errno);
	} else {
		uint64_t bs = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
		*ret = (struct nfs_fsstat){
			.tbytes = sv.f_blocks * bs, .fbytes = sv.f_bfree * bs,
			.abytes = sv.f_bavail * bs, .tfiles = sv.f_files,
			.ffiles = sv.f_ffree, .afiles = sv.f_favail, .invarsec = 0,
		};
	}
	obj_release(&o);
	return r;
}
