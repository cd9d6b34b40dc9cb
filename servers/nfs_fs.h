/*
 * nfs_fs.h - the exported file systems behind the NFS server: exports,
 * file handles and every file operation NFSv3 needs, on plain types (no
 * XDR here: nfs3_proc.c decodes calls and encodes replies around these).
 *
 * Confinement: every name is resolved one component at a time with
 * openat(O_PATH|O_NOFOLLOW) from the export's root directory fd; ".." at
 * an export root is the root itself; names that are empty, ".", "..",
 * contain '/' or are longer than 255 bytes are refused where they would
 * create or remove something; symlinks are never followed (LOOKUP returns
 * the link itself, READLINK its text). Nothing outside an export is
 * reachable, whatever the client sends.
 *
 * File handles (32 bytes): magic, version, export id, file type, inode
 * number, generation, and a keyed MAC (SipHash-2-4 via libsodium's
 * crypto_shorthash) over the rest. The key lives in the state directory,
 * so handles stay valid across server restarts; forged or altered handles
 * fail the MAC (NFS3ERR_BADHANDLE); handles of another server's key too;
 * handles of files since removed give NFS3ERR_STALE. A handle is resolved
 * through an in-memory inode table (ino -> parent ino + name, filled on
 * MNT, LOOKUP, READDIRPLUS, CREATE..., kept right on RENAME/REMOVE); on a
 * miss (a restart) by a bounded walk of the export from its root. Every
 * resolution re-checks each name from the root (a stat per component);
 * directory fds and inode generations are cached only where that check
 * proves them current (nfs_fs.c), so changes made outside the server are
 * seen by the next call.
 *
 * Identity: AUTH_SYS credentials are honoured as the client states them
 * (no root squash: a Pi root file system needs uid 0). ACCESS and the
 * permission checks use the file's mode/uid/gid against the credential;
 * created files get the credential's uid/gid when the server may chown
 * (running as root), else stay the server's. Read-only exports refuse
 * every change with NFS3ERR_ROFS. An export may be restricted to one
 * board: other boards get MNT3ERR_ACCES / NFS3ERR_ACCES.
 *
 * Functions return an enum nfs3_stat (NFS3_OK = 0), never -errno.
 */
#ifndef PITEST_NFS_FS_H
#define PITEST_NFS_FS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "servers/nfs3_const.h"

#define NFS_FS_MAX_EXPORTS 256
#define NFS_FH_LEN 32             /* our handles' length (≤ NFS3_FHSIZE) */

struct nfs_export_config {
	char name[MNT3_PATH_MAX];  /* the path clients mount: "/srv/pitest/rootfs" */
	char dir[PATH_MAX];        /* host directory served under that name */
	bool read_only;
	char board[32];            /* "" = every client; else only this board */
};

struct nfs_fs_config {
	const struct nfs_export_config *exports;
	size_t n_exports;
	/*
	 * Where the handle key is kept (file "fh.key", created 0600 when
	 * absent). "" = a random key for this process only (handles then do
	 * not survive a restart).
	 */
	char state_dir[PATH_MAX];
	uint32_t rtmax, wtmax;     /* FSINFO; 0 = 1 MiB */
	uint32_t dtpref;           /* FSINFO; 0 = 64 KiB */
};

/* The caller of one operation (AUTH_SYS, or AUTH_NONE as nobody). */
struct nfs_cred {
	uint32_t uid, gid;
	uint32_t n_gids;
	uint32_t gids[16];
	const char *board;         /* the calling board's name; "" or NULL when unknown */
};

struct nfs_fh {
	uint32_t len;
	uint8_t data[NFS3_FHSIZE];
};

struct nfs_time {
	uint32_t sec, nsec;
};

/* fattr3 */
struct nfs_fattr {
	uint32_t type;             /* enum nfs3_ftype */
	uint32_t mode;             /* permission bits incl. setuid/setgid/sticky (07777) */
	uint32_t nlink, uid, gid;
	uint64_t size, used;
	uint32_t rdev_major, rdev_minor;
	uint64_t fsid, fileid;
	struct nfs_time atime, mtime, ctime;
};

/* wcc_attr + post_op_attr of a directory or file changed by an operation. */
struct nfs_wcc {
	bool have_before;
	uint64_t before_size;
	struct nfs_time before_mtime, before_ctime;
	bool have_after;
	struct nfs_fattr after;
};

enum nfs_time_how { NFS_TIME_DONT = 0, NFS_TIME_SERVER = 1, NFS_TIME_CLIENT = 2 };

/* sattr3 */
struct nfs_sattr {
	bool set_mode, set_uid, set_gid, set_size;
	uint32_t mode, uid, gid;
	uint64_t size;
	enum nfs_time_how atime_how, mtime_how;
	struct nfs_time atime, mtime;
};

struct nfs_fs;

/*
 * Opens every export's directory, loads or creates the key. Returns 0, or
 * -EINVAL / -errno with one line naming the export or file in err.
 */
int nfs_fs_new(const struct nfs_fs_config *cfg, struct nfs_fs **ret_fs, char *err, size_t errcap);
void nfs_fs_free(struct nfs_fs *fs);

size_t nfs_fs_n_exports(const struct nfs_fs *fs);
const struct nfs_export_config *nfs_fs_export(const struct nfs_fs *fs, size_t i);
/* FSINFO maxima as configured. */
uint32_t nfs_fs_rtmax(const struct nfs_fs *fs);
uint32_t nfs_fs_wtmax(const struct nfs_fs *fs);
uint32_t nfs_fs_dtpref(const struct nfs_fs *fs);
/* The COMMIT/WRITE verifier: new at every nfs_fs_new(). */
void nfs_fs_write_verf(const struct nfs_fs *fs, uint8_t ret_verf[NFS3_WRITEVERFSIZE]);

/*
 * MOUNT: the root handle of the export named `path` (exact match after
 * removing trailing slashes). Returns MNT3_OK, MNT3ERR_NOENT (no such
 * export), MNT3ERR_ACCES (export restricted to another board).
 */
uint32_t nfs_fs_mount(struct nfs_fs *fs, const struct nfs_cred *cred, const char *path,
		      struct nfs_fh *ret_fh);

/*
 * The path of a handle for events and fault rules: "<export name>/<path
 * inside>", e.g. "/srv/pitest/rootfs/usr/sbin/init". With `name` set,
 * the path of that entry in the directory, from the inode table when it
 * knows the handle (no file-system access: this runs for every call),
 * else by resolving it. Returns false (and writes "?") when the handle
 * does not resolve. Never fails the call it names.
 */
bool nfs_fs_path(struct nfs_fs *fs, const struct nfs_fh *fh, const char *name, char *buf,
		 size_t cap);

uint32_t nfs_fs_getattr(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
			struct nfs_fattr *ret_attr);
/* guard_ctime: NULL = unchecked; else NFS3ERR_NOT_SYNC when ctime differs. */
uint32_t nfs_fs_setattr(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
			const struct nfs_sattr *sa, const struct nfs_time *guard_ctime,
			struct nfs_wcc *ret_wcc);
/* ret_attr may have type 0 when unavailable; ret_dir_attr likewise. */
uint32_t nfs_fs_lookup(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dir,
		       const char *name, struct nfs_fh *ret_fh, struct nfs_fattr *ret_attr,
		       struct nfs_fattr *ret_dir_attr);
uint32_t nfs_fs_access(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		       uint32_t want, uint32_t *ret_granted, struct nfs_fattr *ret_attr);
/* Link text, NUL-terminated, up to cap-1 bytes (cap ≥ NFS3_PATH_MAX + 1). */
uint32_t nfs_fs_readlink(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
			 char *buf, size_t cap, struct nfs_fattr *ret_attr);
/*
 * Reads up to count bytes at offset into buf. *ret_count, *ret_eof set.
 * ret_attr: the file's attributes after the read.
 */
uint32_t nfs_fs_read(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		     uint64_t offset, uint32_t count, uint8_t *buf, uint32_t *ret_count,
		     bool *ret_eof, struct nfs_fattr *ret_attr);
/* *ret_committed: how stable the data is now (UNSTABLE writes are not fsync'd). */
uint32_t nfs_fs_write(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		      uint64_t offset, const uint8_t *data, uint32_t count, uint32_t stable,
		      uint32_t *ret_count, uint32_t *ret_committed, struct nfs_wcc *ret_wcc);
/*
 * CREATE: mode UNCHECKED / GUARDED use sa; EXCLUSIVE stores verf in the
 * file's times so a retransmitted EXCLUSIVE create succeeds again (RFC
 * 1813 §3.3.8).
 */
uint32_t nfs_fs_create(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dir,
		       const char *name, uint32_t how, const struct nfs_sattr *sa,
		       const uint8_t verf[NFS3_CREATEVERFSIZE], struct nfs_fh *ret_fh,
		       struct nfs_fattr *ret_attr, struct nfs_wcc *ret_dir_wcc);
uint32_t nfs_fs_mkdir(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dir,
		      const char *name, const struct nfs_sattr *sa, struct nfs_fh *ret_fh,
		      struct nfs_fattr *ret_attr, struct nfs_wcc *ret_dir_wcc);
uint32_t nfs_fs_symlink(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dir,
			const char *name, const char *target, const struct nfs_sattr *sa,
			struct nfs_fh *ret_fh, struct nfs_fattr *ret_attr,
			struct nfs_wcc *ret_dir_wcc);
/* type: NF3CHR/NF3BLK (with rdev), NF3SOCK, NF3FIFO; else NFS3ERR_BADTYPE. */
uint32_t nfs_fs_mknod(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dir,
		      const char *name, uint32_t type, const struct nfs_sattr *sa,
		      uint32_t rdev_major, uint32_t rdev_minor, struct nfs_fh *ret_fh,
		      struct nfs_fattr *ret_attr, struct nfs_wcc *ret_dir_wcc);
uint32_t nfs_fs_remove(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dir,
		       const char *name, struct nfs_wcc *ret_dir_wcc);
uint32_t nfs_fs_rmdir(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dir,
		      const char *name, struct nfs_wcc *ret_dir_wcc);
/* Across exports: NFS3ERR_XDEV. */
uint32_t nfs_fs_rename(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *from_dir,
		       const char *from_name, const struct nfs_fh *to_dir, const char *to_name,
		       struct nfs_wcc *ret_from_wcc, struct nfs_wcc *ret_to_wcc);
uint32_t nfs_fs_link(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *file,
		     const struct nfs_fh *dir, const char *name, struct nfs_fattr *ret_file_attr,
		     struct nfs_wcc *ret_dir_wcc);

/* One directory entry for READDIR(PLUS). */
struct nfs_dirent {
	uint64_t fileid;
	const char *name;          /* valid during the callback only */
	uint64_t cookie;           /* pass back to continue after this entry */
	bool have_attr;            /* READDIRPLUS: attr and fh filled */
	struct nfs_fattr attr;
	struct nfs_fh fh;
};
/* Returns false to stop (the reply is full): that entry is not consumed. */
typedef bool (*nfs_dirent_fn)(void *ctx, const struct nfs_dirent *ent);
/*
 * Lists the directory from after `cookie` (0 = start), "." and ".."
 * included, calling fn per entry until it returns false or the directory
 * ends (*ret_eof). Cookies are stable positions; a cookie verifier that no
 * longer matches the directory gives NFS3ERR_BAD_COOKIE. plus: fill
 * attributes and handles.
 */
uint32_t nfs_fs_readdir(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *dir,
			uint64_t cookie, const uint8_t verf[NFS3_COOKIEVERFSIZE], bool plus,
			nfs_dirent_fn fn, void *ctx, uint8_t ret_verf[NFS3_COOKIEVERFSIZE],
			bool *ret_eof, struct nfs_fattr *ret_dir_attr);

struct nfs_fsstat {
	uint64_t tbytes, fbytes, abytes, tfiles, ffiles, afiles;
	uint32_t invarsec;
};
uint32_t nfs_fs_fsstat(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		       struct nfs_fsstat *ret, struct nfs_fattr *ret_attr);
/* FSINFO/PATHCONF need only the handle to be valid (attributes returned). */
uint32_t nfs_fs_check(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		      struct nfs_fattr *ret_attr);
/* fsync's the file; *ret_wcc as WRITE. */
uint32_t nfs_fs_commit(struct nfs_fs *fs, const struct nfs_cred *cred, const struct nfs_fh *fh,
		       uint64_t offset, uint32_t count, struct nfs_wcc *ret_wcc);

#endif
