/*
 * nfs3_const.c - names of the NFS phase's procedures and status codes
 * (nfs3_const.h), for events, logs and fault rules.
 */
#include "servers/nfs3_const.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const nfs3_procs[] = {
	"NULL", "GETATTR", "SETATTR", "LOOKUP", "ACCESS", "READLINK", "READ", "WRITE",
	"CREATE", "MKDIR", "SYMLINK", "MKNOD", "REMOVE", "RMDIR", "RENAME", "LINK",
	"READDIR", "READDIRPLUS", "FSSTAT", "FSINFO", "PATHCONF", "COMMIT",
};
_Static_assert(ARRAY_LEN(nfs3_procs) == NFS3_PROC_COUNT, "one name per NFSv3 procedure");

static const char *const mount3_procs[] = { "NULL", "MNT", "DUMP", "UMNT", "UMNTALL", "EXPORT" };
static const char *const pmap_procs[] = { "NULL", "SET", "UNSET", "GETPORT", "DUMP", "CALLIT" };

struct stat_name {
	uint32_t stat;
	const char *name;
};

static const struct stat_name nfs3_stats[] = {
	{ NFS3_OK, "NFS3_OK" },
	{ NFS3ERR_PERM, "NFS3ERR_PERM" },
	{ NFS3ERR_NOENT, "NFS3ERR_NOENT" },
	{ NFS3ERR_IO, "NFS3ERR_IO" },
	{ NFS3ERR_NXIO, "NFS3ERR_NXIO" },
	{ NFS3ERR_ACCES, "NFS3ERR_ACCES" },
	{ NFS3ERR_EXIST, "NFS3ERR_EXIST" },
	{ NFS3ERR_XDEV, "NFS3ERR_XDEV" },
	{ NFS3ERR_NODEV, "NFS3ERR_NODEV" },
	{ NFS3ERR_NOTDIR, "NFS3ERR_NOTDIR" },
	{ NFS3ERR_ISDIR, "NFS3ERR_ISDIR" },
	{ NFS3ERR_INVAL, "NFS3ERR_INVAL" },
	{ NFS3ERR_FBIG, "NFS3ERR_FBIG" },
	{ NFS3ERR_NOSPC, "NFS3ERR_NOSPC" },
	{ NFS3ERR_ROFS, "NFS3ERR_ROFS" },
	{ NFS3ERR_MLINK, "NFS3ERR_MLINK" },
	{ NFS3ERR_NAMETOOLONG, "NFS3ERR_NAMETOOLONG" },
	{ NFS3ERR_NOTEMPTY, "NFS3ERR_NOTEMPTY" },
	{ NFS3ERR_DQUOT, "NFS3ERR_DQUOT" },
	{ NFS3ERR_STALE, "NFS3ERR_STALE" },
	{ NFS3ERR_REMOTE, "NFS3ERR_REMOTE" },
	{ NFS3ERR_BADHANDLE, "NFS3ERR_BADHANDLE" },
	{ NFS3ERR_NOT_SYNC, "NFS3ERR_NOT_SYNC" },
	{ NFS3ERR_BAD_COOKIE, "NFS3ERR_BAD_COOKIE" },
	{ NFS3ERR_NOTSUPP, "NFS3ERR_NOTSUPP" },
	{ NFS3ERR_TOOSMALL, "NFS3ERR_TOOSMALL" },
	{ NFS3ERR_SERVERFAULT, "NFS3ERR_SERVERFAULT" },
	{ NFS3ERR_BADTYPE, "NFS3ERR_BADTYPE" },
	{ NFS3ERR_JUKEBOX, "NFS3ERR_JUKEBOX" },
};

static const struct stat_name mount3_stats[] = {
	{ MNT3_OK, "MNT3_OK" },
	{ MNT3ERR_PERM, "MNT3ERR_PERM" },
	{ MNT3ERR_NOENT, "MNT3ERR_NOENT" },
	{ MNT3ERR_IO, "MNT3ERR_IO" },
	{ MNT3ERR_ACCES, "MNT3ERR_ACCES" },
	{ MNT3ERR_NOTDIR, "MNT3ERR_NOTDIR" },
	{ MNT3ERR_INVAL, "MNT3ERR_INVAL" },
	{ MNT3ERR_NAMETOOLONG, "MNT3ERR_NAMETOOLONG" },
	{ MNT3ERR_NOTSUPP, "MNT3ERR_NOTSUPP" },
	{ MNT3ERR_SERVERFAULT, "MNT3ERR_SERVERFAULT" },
};

const char *nfs3_proc_name(uint32_t proc)
{
	return proc < ARRAY_LEN(nfs3_procs) ? nfs3_procs[proc] : "?";
}

const char *mount3_proc_name(uint32_t proc)
{
	return proc < ARRAY_LEN(mount3_procs) ? mount3_procs[proc] : "?";
}

const char *pmap_proc_name(uint32_t proc)
{
	return proc < ARRAY_LEN(pmap_procs) ? pmap_procs[proc] : "?";
}

static const char *stat_name(const struct stat_name *tab, size_t n, uint32_t stat)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i].stat == stat)
			return tab[i].name;
	return NULL;
}

const char *nfs3_stat_name(uint32_t stat)
{
	return stat_name(nfs3_stats, ARRAY_LEN(nfs3_stats), stat);
}

const char *mount3_stat_name(uint32_t stat)
{
	return stat_name(mount3_stats, ARRAY_LEN(mount3_stats), stat);
}

/*
 * A decimal number, the full name, or the name without its error prefix
 * ("io" for NFS3ERR_IO) or without its OK prefix ("ok"), in any case.
 */
static int stat_from_name(const struct stat_name *tab, size_t n, const char *err_prefix,
			  const char *ok_name, const char *name, uint32_t *ret_stat)
{
	if (!name || !*name)
		return -EINVAL;
	if (isdigit((unsigned char)name[0])) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(name, &end, 10);
		if (errno || *end || v > UINT32_MAX)
			return -EINVAL;
		*ret_stat = (uint32_t)v;
		return 0;
	}
	size_t plen = strlen(err_prefix);
	for (size_t i = 0; i < n; i++) {
		const char *full = tab[i].name;
		const char *bare = tab[i].stat == 0 ? "OK" : full + plen;
		if (tab[i].stat == 0 && strcasecmp(name, ok_name) == 0) {
			*ret_stat = 0;
			return 0;
		}
		if (strcasecmp(name, full) == 0 || strcasecmp(name, bare) == 0) {
			*ret_stat = tab[i].stat;
			return 0;
		}
	}
	return -EINVAL;
}

int nfs3_stat_from_name(const char *name, uint32_t *ret_stat)
{
	return stat_from_name(nfs3_stats, ARRAY_LEN(nfs3_stats), "NFS3ERR_", "NFS3_OK", name,
			      ret_stat);
}

int mount3_stat_from_name(const char *name, uint32_t *ret_stat)
{
	return stat_from_name(mount3_stats, ARRAY_LEN(mount3_stats), "MNT3ERR_", "MNT3_OK", name,
			      ret_stat);
}
