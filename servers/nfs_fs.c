/*
 * nfs_fs.c - exports and file operations of the NFS server (contract in
 * nfs_fs.h). Every object is reached by a walk from the export's root fd,
 * one component at a time: each name is stat'ed (never following it) in
 * the directory reached so far and must be the inode the table names, on
 * the export's own mount; directories on the way are then entered through
 * O_PATH|O_NOFOLLOW fds, kept in a small cache (struct dirc_ent says why
 * a cached fd is the directory the name leads to). Operations act
 * relative to those fds (or through /proc/self/fd for the few syscalls
 * that need a path), so a symlink or ".." can never lead outside the
 * export. Attributes always come from the stat of the current call.
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

/* Zeroes an optional result the caller may have passed as NULL. */
#define CLEAR_OUT(p) do { if (p) memset((p), 0, sizeof(*(p))); } while (0)

#define MAX_DEPTH 128            /* directories below an export root */
#define SCAN_MAX_ENTRIES 1000000 /* per restart scan */
#define FD_CACHE_SIZE 16
#define DIRC_WAYS 4              /* directory fd cache: sets of 4 ... */
#define DIRC_SETS 32             /* ... so 128 directories held open at most */
#define GENM_SIZE 4096           /* generation memo slots (direct-mapped) */
#define GENM_MIN_AGE 2           /* s: only files born this long ago are memoised */

struct nfs_fs;

struct export_rt {
	struct nfs_export_config cfg; /* name without trailing slashes */
	uint32_t id;
	int root_fd;                  /* O_PATH */
	dev_t dev;
	uint64_t mnt_id;
	uint64_t root_ino;
	uint32_t root_gen;
	struct nfs_itab *itab;
	struct nfs_fs *fs;
};

/* Open files kept for READ/WRITE, so sequential I/O does not reopen. */
struct fd_cache_ent {
	int fd;                       /* -1 = free */
	dev_t dev;
	uint64_t ino;
	uint32_t gen;                 /* its generation: it cannot change while held open */
	bool rw;
	uint64_t used;
};

/*
 * Directories kept open (O_PATH) so a handle's walk need not open every
 * component again. A cached fd is only used after a stat of the name in
 * its parent (itself reached from the export root in the same call)
 * shows the same inode number on the export's mount: the cache keeps that
 * inode alive, so no other directory can have its number, and the name
 * still leads to it. Entries lent to an object of the current call
 * (refs > 0) are not evicted.
 */
struct dirc_ent {
	const struct export_rt *ex;   /* NULL = free */
	uint64_t ino;
	int fd;
	unsigned refs;
	uint32_t gen;                 /* valid when gen_ok: the fd keeps the inode, so it holds */
	bool gen_ok;
	bool dead;                    /* dropped while lent: closed at the last put */
	uint64_t used;
};

/* Birth time from statx; ok false when the file system has none. */
struct btime {
	bool ok;
	int64_t sec;
	uint32_t nsec;
};

/*
 * Generations read before, keyed by (export, inode number, birth time),
 * so a LOOKUP need not open the file for FS_IOC_GETVERSION every time. A
 * reused inode number has a newer birth time: only files born
 * GENM_MIN_AGE seconds before they were memoised are kept, so a file
 * removed and re-created within the same coarse clock tick is never
 * taken for its predecessor.
 */
struct genm_ent {
	const struct export_rt *ex;   /* NULL = free */
	uint64_t ino;
	int64_t bsec;
	uint32_t bnsec;
	uint32_t gen;
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
	struct dirc_ent dirc[DIRC_SETS * DIRC_WAYS];
	struct genm_ent *genm;        /* GENM_SIZE */
};

/*
 * A resolved object: where it sits and its attributes as just stat'ed.
 * Its own fd is opened on first use (obj_fd); fds are owned (closed on
 * release), lent by the directory cache (ce set) or the export's root fd.
 */
struct obj {
	struct export_rt *ex;
	int fd;                       /* O_PATH, or -1 until obj_fd() */
	bool fd_own;
	struct dirc_ent *fd_ce;
	int parent_fd;                /* O_PATH of its directory; -1 at the root */
	bool parent_own;
	struct dirc_ent *parent_ce;
	char name[NAME_MAX + 1];      /* its name in parent_fd */
	struct stat st;
	struct btime bt;
	uint32_t gen;                 /* valid when gen_read: read from this inode in this call */
	bool gen_read;
};

#define OBJ_INIT { .fd = -1, .parent_fd = -1 }

static const struct nfs_cred nobody = { .uid = 65534, .gid = 65534 };

static void dirc_close(struct dirc_ent *e)
{
	close(e->fd);
	e->fd = -1;
	e->ex = NULL;
	e->dead = false;
}

static void ref_put(int *fd, bool *own, struct dirc_ent **ce)
{
	if (*ce) {
		if (--(*ce)->refs == 0 && (*ce)->dead)
			dirc_close(*ce);
	} else if (*own && *fd >= 0) {
		close(*fd);
	}
	*fd = -1;
	*own = false;
	*ce = NULL;
}

static void ref_lend(struct dirc_ent *e, int *fd, bool *own, struct dirc_ent **ce)
{
	e->refs++;
	*fd = e->fd;
	*own = false;
	*ce = e;
}

static void obj_release(struct obj *o)
{
	ref_put(&o->fd, &o->fd_own, &o->fd_ce);
	ref_put(&o->parent_fd, &o->parent_own, &o->parent_ce);
	o->gen_read = false;
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

/*
 * stat of (dirfd, name) never following a final link, with its mount id
 * and (bt not NULL) its birth time.
 */
static int xstat(int dirfd, const char *name, struct stat *st, uint64_t *ret_mnt, struct btime *bt)
{
	struct statx sx;
	int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (name[0] ? 0 : AT_EMPTY_PATH);
	if (statx(dirfd, name, flags, STATX_BASIC_STATS | STATX_MNT_ID | STATX_BTIME, &sx) != 0)
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
	if (bt) {
		bt->ok = (sx.stx_mask & STATX_BTIME) != 0;
		bt->sec = sx.stx_btime.tv_sec;
		bt->nsec = sx.stx_btime.tv_nsec;
	}
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

/* ---- the directory fd cache and the generation memo ---- */

static size_t mix(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (size_t)v;
}

static struct dirc_ent *dirc_find(struct nfs_fs *fs, const struct export_rt *ex, uint64_t ino)
{
	struct dirc_ent *set = &fs->dirc[(mix(ino) % DIRC_SETS) * DIRC_WAYS];
	for (int i = 0; i < DIRC_WAYS; i++) {
		if (set[i].ex == ex && set[i].ino == ino && !set[i].dead) {
			set[i].used = ++fs->tick;
			return &set[i];
		}
	}
	return NULL;
}

/* Keeps fd (an O_PATH directory) in the cache; NULL when every way is lent. */
static struct dirc_ent *dirc_insert(struct nfs_fs *fs, const struct export_rt *ex, uint64_t ino,
				    int fd)
{
	struct dirc_ent *set = &fs->dirc[(mix(ino) % DIRC_SETS) * DIRC_WAYS], *victim = NULL;
	for (int i = 0; i < DIRC_WAYS; i++) {
		struct dirc_ent *e = &set[i];
		if (e->refs > 0)
			continue;
		if (!e->ex) {
			victim = e;
			break;
		}
		if (!victim || e->used < victim->used)
			victim = e;
	}
	if (!victim)
		return NULL;
	if (victim->ex)
		dirc_close(victim);
	*victim = (struct dirc_ent){ .ex = ex, .ino = ino, .fd = fd, .used = ++fs->tick };
	return victim;
}

/* The directory is gone (or moved): do not keep its inode alive. */
static void dirc_drop(struct nfs_fs *fs, const struct export_rt *ex, uint64_t ino)
{
	struct dirc_ent *set = &fs->dirc[(mix(ino) % DIRC_SETS) * DIRC_WAYS];
	for (int i = 0; i < DIRC_WAYS; i++) {
		struct dirc_ent *e = &set[i];
		if (e->ex != ex || e->ino != ino || e->dead)
			continue;
		if (e->refs > 0)
			e->dead = true;
		else
			dirc_close(e);
	}
}

static struct genm_ent *genm_slot(struct nfs_fs *fs, const struct export_rt *ex, uint64_t ino)
{
	return fs->genm ? &fs->genm[mix(ino ^ ((uint64_t)ex->id << 40)) % GENM_SIZE] : NULL;
}

static bool genm_get(struct nfs_fs *fs, const struct obj *o, uint32_t *ret_gen)
{
	struct genm_ent *m = genm_slot(fs, o->ex, o->st.st_ino);
	if (!m || !o->bt.ok || m->ex != o->ex || m->ino != o->st.st_ino || m->bsec != o->bt.sec ||
	    m->bnsec != o->bt.nsec)
		return false;
	*ret_gen = m->gen;
	return true;
}

static void genm_put(struct nfs_fs *fs, const struct obj *o, uint32_t gen)
{
	struct genm_ent *m = genm_slot(fs, o->ex, o->st.st_ino);
	struct timespec now;
	if (!m || !o->bt.ok || clock_gettime(CLOCK_REALTIME_COARSE, &now) != 0 ||
	    o->bt.sec > (int64_t)now.tv_sec - GENM_MIN_AGE)
		return;
	*m = (struct genm_ent){ .ex = o->ex, .ino = o->st.st_ino, .bsec = o->bt.sec,
				.bnsec = o->bt.nsec, .gen = gen };
}

static void genm_drop(struct nfs_fs *fs, const struct export_rt *ex, uint64_t ino)
{
	struct genm_ent *m = genm_slot(fs, ex, ino);
	if (m && m->ex == ex && m->ino == ino)
		m->ex = NULL;
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
	w->have_after = fd >= 0 && xstat(fd, "", &st, &mnt, NULL) == 0;
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

static int obj_fd(struct obj *o);
static uint32_t obj_gen(struct obj *o, bool fresh);

/*
 * A read (or read-write) fd on the regular file o, owned by the cache.
 * While the cache holds a file open its inode number cannot be reused,
 * so (dev, ino) of a freshly resolved handle names the same file.
 */
static int fdc_get(struct nfs_fs *fs, struct obj *o, bool rw)
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
	int opath = obj_fd(o);
	if (opath < 0)
		return opath;
	uint32_t gen = obj_gen(o, false);
	int fd = reopen(opath, rw ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return fd;
	if (victim->fd >= 0)
		close(victim->fd);
	*victim = (struct fd_cache_ent){ .fd = fd, .dev = o->st.st_dev, .ino = o->st.st_ino,
					 .gen = gen, .rw = rw, .used = fs->tick };
	return fd;
}

/*
 * The generation of o when the cache holds its inode open: that inode
 * cannot be freed, so no other file has its number (spares young files,
 * which the memo does not keep, a read of the generation per READ).
 */
static bool fdc_gen(const struct nfs_fs *fs, const struct obj *o, uint32_t *ret_gen)
{
	for (int i = 0; i < FD_CACHE_SIZE; i++) {
		const struct fd_cache_ent *e = &fs->fdc[i];
		if (e->fd >= 0 && e->dev == o->st.st_dev && e->ino == o->st.st_ino) {
			*ret_gen = e->gen;
			return true;
		}
	}
	return false;
}

/* ---- resolution ---- */

static struct export_rt *export_by_id(struct nfs_fs *fs, uint32_t id)
{
	for (size_t i = 0; i < fs->n_ex; i++)
		if (fs->ex[i].id == id)
			return &fs->ex[i];
	return NULL;
}

/* The root: the export's own fd, lent for the call. */
static uint32_t open_root(struct export_rt *ex, struct obj *o)
{
	uint64_t mnt;
	o->ex = ex;
	o->fd = ex->root_fd;
	o->name[0] = '\0';
	if (xstat(o->fd, "", &o->st, &mnt, &o->bt) != 0 || o->st.st_ino != ex->root_ino) {
		obj_release(o);
		return NFS3ERR_STALE;
	}
	return NFS3_OK;
}

/*
 * stat of the entry `name` of the directory dirfd, not following it;
 * -EXDEV when it is on another mount (a mount point inside the export).
 */
static int stat_entry(const struct export_rt *ex, int dirfd, const char *name, struct stat *st,
		      struct btime *bt)
{
	uint64_t mnt;
	if (!name[0] || strchr(name, '/'))
		return -ENOENT;
	int r = xstat(dirfd, name, st, &mnt, bt);
	if (r < 0)
		return r;
	return on_export(ex, st, mnt) ? 0 : -EXDEV;
}

/*
 * The fd of the directory `name` in dirfd, whose stat st was just taken
 * there: the cached fd of that inode, else a new O_PATH fd (checked to be
 * the same inode) that joins the cache.
 */
static int dir_open(struct export_rt *ex, int dirfd, const char *name, const struct stat *st,
		    int *fd, bool *own, struct dirc_ent **ce)
{
	struct dirc_ent *e = dirc_find(ex->fs, ex, st->st_ino);
	if (e) {
		ref_lend(e, fd, own, ce);
		return 0;
	}
	int nfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	struct stat now = { 0 };
	uint64_t mnt = 0;
	if (xstat(nfd, "", &now, &mnt, NULL) != 0 || now.st_ino != st->st_ino ||
	    !on_export(ex, &now, mnt)) {
		close(nfd);
		return -ESTALE;
	}
	e = dirc_insert(ex->fs, ex, st->st_ino, nfd);
	if (e) {
		ref_lend(e, fd, own, ce);
	} else {
		*fd = nfd;
		*own = true;
		*ce = NULL;
	}
	return 0;
}

/*
 * The object's own O_PATH fd, opened on first use by its name in its
 * directory and checked to still be the inode that was stat'ed.
 */
static int obj_fd(struct obj *o)
{
	if (o->fd >= 0)
		return o->fd;
	if (o->parent_fd < 0)
		return -ESTALE;
	if (S_ISDIR(o->st.st_mode)) {
		int r = dir_open(o->ex, o->parent_fd, o->name, &o->st, &o->fd, &o->fd_own, &o->fd_ce);
		return r < 0 ? r : o->fd;
	}
	int fd = openat(o->parent_fd, o->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat now = { 0 };
	uint64_t mnt = 0;
	if (xstat(fd, "", &now, &mnt, NULL) != 0 || now.st_ino != o->st.st_ino ||
	    !on_export(o->ex, &now, mnt)) {
		close(fd);
		return -ESTALE;
	}
	o->fd = fd;
	o->fd_own = true;
	return fd;
}

/* Post-operation attributes of o (none when it cannot be reached). */
static void wcc_after_obj(struct nfs_wcc *w, struct obj *o)
{
	if (w)
		wcc_after(w, o->ex, obj_fd(o));
}

/* A directory cached fd for o when one is held (saves obj_fd()'s open). */
static void lend_cached_dir(struct obj *o)
{
	struct dirc_ent *e;
	if (o->fd < 0 && S_ISDIR(o->st.st_mode) && (e = dirc_find(o->ex->fs, o->ex, o->st.st_ino)))
		ref_lend(e, &o->fd, &o->fd_own, &o->fd_ce);
}

/*
 * Re-walks the table's chain root -> ino, a name at a time from the root
 * fd, checking every inode number (directories from the cache after that
 * check). The object itself is stat'ed by name; its fd is opened lazily.
 */
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
	int dirfd = ex->root_fd;
	bool dir_own = false;
	struct dirc_ent *dir_ce = NULL;
	struct stat st;
	struct btime bt;
	for (size_t i = n; i-- > 0;) {
		int r = stat_entry(ex, dirfd, chain[i]->name, &st, &bt);
		if (r == 0 && (st.st_ino != chain[i]->ino || (i > 0 && !S_ISDIR(st.st_mode))))
			r = -ENOENT;
		if (r == 0 && i > 0) {
			int fd;
			bool own;
			struct dirc_ent *ce;
			r = dir_open(ex, dirfd, chain[i]->name, &st, &fd, &own, &ce);
			if (r == 0) {
				ref_put(&dirfd, &dir_own, &dir_ce);
				dirfd = fd;
				dir_own = own;
				dir_ce = ce;
				continue;
			}
		}
		if (r != 0) {
			ref_put(&dirfd, &dir_own, &dir_ce);
			return -ENOENT;
		}
		o->ex = ex;
		o->parent_fd = dirfd;
		o->parent_own = dir_own;
		o->parent_ce = dir_ce;
		snprintf(o->name, sizeof(o->name), "%s", chain[0]->name);
		o->st = st;
		o->bt = bt;
		lend_cached_dir(o);
		return 0;
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
			if (xstat(dirfd, de->d_name, &st, &mnt, NULL) != 0 || !on_export(s->ex, &st, mnt))
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
			if (sub >= 0 && (xstat(sub, "", &st, &mnt, NULL) != 0 || st.st_ino != ino ||
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

/* gen was just read from o's inode: kept for the call and where caches allow. */
static void gen_was_read(struct obj *o, uint32_t gen)
{
	genm_put(o->ex->fs, o, gen);
	o->gen = gen;
	o->gen_read = true;
	if (o->fd_ce) {
		o->fd_ce->gen = gen;
		o->fd_ce->gen_ok = true;
	}
}

/*
 * The generation of a resolved object: as read in this call, else from
 * the memo (same inode, same birth time) or the open-file or directory
 * caches (which hold the inode), else read (fresh: none of those). Not
 * the table's: it keeps a generation across a scan's re-listing, so after
 * the file is removed outside the server and its inode number reused, it
 * would give the old file's for the new one.
 */
static uint32_t obj_gen(struct obj *o, bool fresh)
{
	if (o->st.st_ino == o->ex->root_ino)
		return o->ex->root_gen;
	if (o->gen_read)
		return o->gen;
	struct nfs_fs *fs = o->ex->fs;
	uint32_t gen;
	if (!fresh && (genm_get(fs, o, &gen) || fdc_gen(fs, o, &gen)))
		return gen;
	if (!fresh && o->fd_ce && o->fd_ce->gen_ok)
		return o->fd_ce->gen;
	int fd = obj_fd(o);
	gen = fd >= 0 ? read_gen(fd, &o->st) : 0;
	if (fd >= 0)
		gen_was_read(o, gen);
	struct nfs_itab_ent *e = nfs_itab_get(o->ex->itab, o->st.st_ino);
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

/* A directory, with its fd open (operations act relative to it). */
static uint32_t resolve_dir(struct nfs_fs *fs, const struct nfs_cred *cred,
			    const struct nfs_fh *fh, struct obj *o)
{
	uint32_t r = resolve(fs, cred, fh, o);
	if (r == NFS3_OK && !S_ISDIR(o->st.st_mode))
		r = NFS3ERR_NOTDIR;
	else if (r == NFS3_OK && obj_fd(o) < 0)
		r = NFS3ERR_STALE;
	if (r != NFS3_OK)
		obj_release(o);
	return r;
}

static void encode_obj(struct nfs_fs *fs, struct obj *o, struct nfs_fh *ret_fh)
{
	struct nfs_fh_fields f = {
		.export_id = o->ex->id,
		.type = (uint8_t)ftype_of(o->st.st_mode),
		.ino = o->st.st_ino,
		.gen = obj_gen(o, false),
	};
	nfs_fh_encode(fs->key, &f, ret_fh);
}

/* Another reference to dir's fd, as the parent of an object in it. */
static int ref_copy_dir(const struct obj *dir, int *fd, bool *own, struct dirc_ent **ce)
{
	if (dir->fd_ce) {
		ref_lend(dir->fd_ce, fd, own, ce);
		return 0;
	}
	*ce = NULL;
	if (!dir->fd_own) { /* the export's root fd */
		*fd = dir->fd;
		*own = false;
		return 0;
	}
	*fd = fcntl(dir->fd, F_DUPFD_CLOEXEC, 3);
	*own = *fd >= 0;
	return *fd >= 0 ? 0 : -errno;
}

/*
 * Opens the entry `name` of directory `dir` (fd open) as an object,
 * records it in the table with its generation (the memo's when it has
 * this very inode, else read) and, when asked, gives its handle.
 */
static uint32_t open_entry(struct nfs_fs *fs, const struct obj *dir, const char *name,
			   struct obj *o, struct nfs_fh *ret_fh)
{
	uint32_t gen = 0;
	for (int attempt = 0;; attempt++) {
		int r = stat_entry(dir->ex, dir->fd, name, &o->st, &o->bt);
		if (r < 0)
			return r == -EXDEV ? NFS3ERR_ACCES : errno_to_nfs(-r);
		o->ex = dir->ex;
		r = ref_copy_dir(dir, &o->parent_fd, &o->parent_own, &o->parent_ce);
		if (r < 0)
			return errno_to_nfs(-r);
		snprintf(o->name, sizeof(o->name), "%s", name);
		lend_cached_dir(o);
		if (o->st.st_ino == dir->ex->root_ino || genm_get(fs, o, &gen))
			break;
		int fd = obj_fd(o);
		if (fd >= 0) {
			gen = read_gen(fd, &o->st);
			gen_was_read(o, gen);
			break;
		}
		/* Replaced between the stat and the open: once more, with the new one. */
		obj_release(o);
		if (fd != -ESTALE || attempt > 0)
			return errno_to_nfs(-fd);
	}
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
	genm_drop(ex->fs, ex, ino);
	dirc_drop(ex->fs, ex, ino);
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
	for (int i = 0; i < DIRC_SETS * DIRC_WAYS; i++)
		fs->dirc[i].fd = -1;
	fs->genm = calloc(GENM_SIZE, sizeof(*fs->genm)); /* NULL: no memo, reads every time */
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
		ex->fs = fs;
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
		if (ex->root_fd < 0 || xstat(ex->root_fd, "", &st, &ex->mnt_id, NULL) != 0) {
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
	for (int i = 0; i < DIRC_SETS * DIRC_WAYS; i++)
		if (fs->dirc[i].ex)
			close(fs->dirc[i].fd);
	free(fs->genm);
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

/*
 * "<export name>/<names from the table>[/name]" for ino. False when the
 * table has no complete chain to the root.
 */
static bool table_path(struct export_rt *ex, uint64_t ino, const char *name, char *buf, size_t cap)
{
	/* Names root-wards from the table, then written out in order. */
	const char *names[MAX_DEPTH];
	size_t n = 0;
	for (uint64_t cur = ino; cur != ex->root_ino;) {
		const struct nfs_itab_ent *e = nfs_itab_get(ex->itab, cur);
		if (!e || e->gone || n == MAX_DEPTH)
			return false;
		names[n++] = e->name;
		cur = e->parent;
	}
	size_t len = (size_t)snprintf(buf, cap, "%s", strcmp(ex->cfg.name, "/") ? ex->cfg.name : "");
	while (n > 0 && len < cap)
		len += (size_t)snprintf(buf + len, cap - len, "/%s", names[--n]);
	if (name && len < cap)
		len += (size_t)snprintf(buf + len, cap - len, "/%s", name);
	if (!buf[0])
		snprintf(buf, cap, "/");
	return true;
}

/*
 * Events and fault rules name every call, so the path comes from the
 * table without touching the file system when the table knows the handle
 * (MAC checked, same generation); otherwise the handle is resolved, which
 * re-fills the table after a restart.
 */
bool nfs_fs_path(struct nfs_fs *fs, const struct nfs_fh *fh, const char *name, char *buf,
		 size_t cap)
{
	if (!buf || cap == 0)
		return false;
	struct nfs_fh_fields f;
	struct export_rt *ex = NULL;
	if (fh && nfs_fh_decode(fs->key, fh, &f) == 0 && (ex = export_by_id(fs, f.export_id))) {
		const struct nfs_itab_ent *e = nfs_itab_get(ex->itab, f.ino);
		bool known = f.ino == ex->root_ino ?
			     f.gen == ex->root_gen && f.type == NF3DIR :
			     e && !e->gone && e->gen_known && e->gen == f.gen && e->type == f.type;
		if (known && table_path(ex, f.ino, name, buf, cap))
			return true;
	}
	struct obj o = OBJ_INIT;
	if (!ex || resolve_nocred(fs, fh, &o) != NFS3_OK ||
	    !table_path(o.ex, o.st.st_ino, name, buf, cap)) {
		obj_release(&o);
		snprintf(buf, cap, "?");
		return false;
	}
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
static int apply_sattr(struct obj *o, const struct nfs_sattr *sa, bool chown_ok)
{
	char p[32];
	int fd = obj_fd(o);
	if (fd < 0)
		return fd;
	proc_path(fd, p);
	bool link = S_ISLNK(o->st.st_mode);
	if ((sa->set_uid || sa->set_gid) && chown_ok) {
		uid_t u = sa->set_uid ? sa->uid : (uid_t)-1;
		gid_t g = sa->set_gid ? sa->gid : (gid_t)-1;
		if (fchownat(fd, "", u, g, AT_EMPTY_PATH) != 0)
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
	CLEAR_OUT(ret_wcc);
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
	wcc_after_obj(ret_wcc, &o);
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
	CLEAR_OUT(ret_attr);
	CLEAR_OUT(ret_dir_attr);
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
		int fd = obj_fd(&o);
		ssize_t n = fd < 0 ? (errno = -fd, -1) : readlinkat(fd, "", buf, cap - 1);
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
	CLEAR_OUT(ret_wcc);
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
	if (fd >= 0)
		wcc_after(ret_wcc, o.ex, fd);
	else
		wcc_after_obj(ret_wcc, &o);
	obj_release(&o);
	return r;
}

uint32_t nfs_fs_commit(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		       uint64_t offset, uint32_t count, struct nfs_wcc *ret_wcc)
{
	struct obj o = OBJ_INIT;
	(void)offset;
	(void)count;
	CLEAR_OUT(ret_wcc);
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
	wcc_after_obj(ret_wcc, &o);
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
			 struct obj *o, const struct nfs_sattr *sa, uint32_t def_mode)
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
	int fd = obj_fd(o);
	if (fd >= 0)
		xstat(fd, "", &o->st, &mnt, &o->bt);
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
	CLEAR_OUT(ret_attr);
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
	CLEAR_OUT(ret_attr);
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
	CLEAR_OUT(ret_attr);
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
	CLEAR_OUT(ret_attr);
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
	if (xstat(dir.fd, name, &st, &mnt, NULL) != 0) {
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
	CLEAR_OUT(ret_to_wcc);
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
	if (xstat(from.fd, from_name, &src, &mnt, NULL) != 0) {
		r = errno_to_nfs(errno);
		goto out;
	}
	if (!on_export(from.ex, &src, mnt)) {
		r = NFS3ERR_XDEV;
		goto out;
	}
	bool had_dst = xstat(to.fd, to_name, &dst, &mnt, NULL) == 0;
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
	CLEAR_OUT(ret_file_attr);
	CLEAR_OUT(ret_dir_wcc);
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
	int fd = obj_fd(&o);
	if (fd < 0) {
		r = errno_to_nfs(-fd);
		goto out;
	}
	if (linkat(fd, "", dir.fd, name, AT_EMPTY_PATH) != 0) {
		if ((errno != ENOENT && errno != EPERM) || o.parent_fd < 0 ||
		    linkat(o.parent_fd, o.name, dir.fd, name, 0) != 0) {
			r = errno_to_nfs(errno);
			goto out;
		}
	}
	uint64_t mnt;
	if (xstat(fd, "", &o.st, &mnt, &o.bt) == 0)
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
	CLEAR_OUT(ret_dir_attr);
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
	int fd = obj_fd(&o);
	if (fd < 0 || fstatvfs(fd, &sv) != 0) {
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
