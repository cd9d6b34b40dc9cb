/*
 * nfs3_const.h - numbers of the NFS phase's programs (RFC 1813 NFSv3 and
 * MOUNT v3, RFC 1833 portmapper v2), shared by the server, the virtual
 * board's client and the tests. Names carry an NFS3_/MNT3_/PMAP_ prefix of
 * our own: libtirpc and libnfs headers (linked by some tests) own the
 * RFC spellings.
 */
#ifndef PITEST_NFS3_CONST_H
#define PITEST_NFS3_CONST_H

#include <stdint.h>

enum {
	RPC_PROG_PMAP = 100000,
	RPC_PROG_NFS = 100003,
	RPC_PROG_MOUNT = 100005,
	RPC_PROG_NFSACL = 100227, /* probed by the kernel: PROG_UNAVAIL */
};
enum { PMAP_VERS = 2, NFS3_VERS = 3, MOUNT3_VERS = 3 };
enum { PMAP_PORT = 111, NFS_PORT = 2049 };
enum { IPPROTO_TCP_NUM = 6, IPPROTO_UDP_NUM = 17 };

enum pmap_proc {
	PMAP_NULL = 0, PMAP_SET = 1, PMAP_UNSET = 2, PMAP_GETPORT = 3,
	PMAP_DUMP = 4, PMAP_CALLIT = 5,
};

enum mount3_proc {
	MNT3_NULL = 0, MNT3_MNT = 1, MNT3_DUMP = 2, MNT3_UMNT = 3,
	MNT3_UMNTALL = 4, MNT3_EXPORT = 5,
};
enum mount3_stat {
	MNT3_OK = 0, MNT3ERR_PERM = 1, MNT3ERR_NOENT = 2, MNT3ERR_IO = 5,
	MNT3ERR_ACCES = 13, MNT3ERR_NOTDIR = 20, MNT3ERR_INVAL = 22,
	MNT3ERR_NAMETOOLONG = 63, MNT3ERR_NOTSUPP = 10004, MNT3ERR_SERVERFAULT = 10006,
};
#define MNT3_PATH_MAX 1024 /* dirpath<MNTPATHLEN> */
#define MNT3_NAME_MAX 255  /* name<MNTNAMLEN> */

enum nfs3_proc {
	NFS3_NULL = 0, NFS3_GETATTR = 1, NFS3_SETATTR = 2, NFS3_LOOKUP = 3,
	NFS3_ACCESS = 4, NFS3_READLINK = 5, NFS3_READ = 6, NFS3_WRITE = 7,
	NFS3_CREATE = 8, NFS3_MKDIR = 9, NFS3_SYMLINK = 10, NFS3_MKNOD = 11,
	NFS3_REMOVE = 12, NFS3_RMDIR = 13, NFS3_RENAME = 14, NFS3_LINK = 15,
	NFS3_READDIR = 16, NFS3_READDIRPLUS = 17, NFS3_FSSTAT = 18,
	NFS3_FSINFO = 19, NFS3_PATHCONF = 20, NFS3_COMMIT = 21,
	NFS3_PROC_COUNT = 22,
};

enum nfs3_stat {
	NFS3_OK = 0, NFS3ERR_PERM = 1, NFS3ERR_NOENT = 2, NFS3ERR_IO = 5,
	NFS3ERR_NXIO = 6, NFS3ERR_ACCES = 13, NFS3ERR_EXIST = 17, NFS3ERR_XDEV = 18,
	NFS3ERR_NODEV = 19, NFS3ERR_NOTDIR = 20, NFS3ERR_ISDIR = 21, NFS3ERR_INVAL = 22,
	NFS3ERR_FBIG = 27, NFS3ERR_NOSPC = 28, NFS3ERR_ROFS = 30, NFS3ERR_MLINK = 31,
	NFS3ERR_NAMETOOLONG = 63, NFS3ERR_NOTEMPTY = 66, NFS3ERR_DQUOT = 69,
	NFS3ERR_STALE = 70, NFS3ERR_REMOTE = 71, NFS3ERR_BADHANDLE = 10001,
	NFS3ERR_NOT_SYNC = 10002, NFS3ERR_BAD_COOKIE = 10003, NFS3ERR_NOTSUPP = 10004,
	NFS3ERR_TOOSMALL = 10005, NFS3ERR_SERVERFAULT = 10006, NFS3ERR_BADTYPE = 10007,
	NFS3ERR_JUKEBOX = 10008,
};

enum nfs3_ftype { NF3REG = 1, NF3DIR = 2, NF3BLK = 3, NF3CHR = 4, NF3LNK = 5, NF3SOCK = 6, NF3FIFO = 7 };
enum nfs3_stable { NFS3_UNSTABLE = 0, NFS3_DATA_SYNC = 1, NFS3_FILE_SYNC = 2 };
enum nfs3_createmode { NFS3_CREATE_UNCHECKED = 0, NFS3_CREATE_GUARDED = 1, NFS3_CREATE_EXCLUSIVE = 2 };
enum {
	NFS3_ACCESS_READ = 0x01, NFS3_ACCESS_LOOKUP = 0x02, NFS3_ACCESS_MODIFY = 0x04,
	NFS3_ACCESS_EXTEND = 0x08, NFS3_ACCESS_DELETE = 0x10, NFS3_ACCESS_EXECUTE = 0x20,
};
#define NFS3_FHSIZE 64
#define NFS3_COOKIEVERFSIZE 8
#define NFS3_CREATEVERFSIZE 8
#define NFS3_WRITEVERFSIZE 8
#define NFS3_NAME_MAX 255    /* filename3 */
#define NFS3_PATH_MAX 4096   /* nfspath3 */

/* "GETATTR", "MNT", "GETPORT"...; "?" for numbers out of range. */
const char *nfs3_proc_name(uint32_t proc);
const char *mount3_proc_name(uint32_t proc);
const char *pmap_proc_name(uint32_t proc);
/* "NFS3_OK", "NFS3ERR_NOENT"... ; NULL for an unknown value. */
const char *nfs3_stat_name(uint32_t stat);
const char *mount3_stat_name(uint32_t stat);
/*
 * Parses a status name for fault rules: "NFS3ERR_IO", "io", "jukebox" (any
 * case, with or without the NFS3ERR_ prefix) or a number. 0 or -EINVAL.
 */
int nfs3_stat_from_name(const char *name, uint32_t *ret_stat);
int mount3_stat_from_name(const char *name, uint32_t *ret_stat);

#endif
