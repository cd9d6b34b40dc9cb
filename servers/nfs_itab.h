/*
 * nfs_itab.h - the inode table of one export: inode number -> (parent
 * inode, name, type, generation), from which nfs_fs re-walks a handle's
 * path from the export root. Entries come from MNT, LOOKUP, READDIRPLUS,
 * CREATE... and the restart scan; RENAME moves them, REMOVE marks them gone.
 * Internal to nfs_fs.c.
 */
#ifndef PITEST_NFS_ITAB_H
#define PITEST_NFS_ITAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NFS_ITAB_MAX 2000000 /* entries; beyond, puts are refused (lookups then rescan) */

struct nfs_itab_ent {
	struct nfs_itab_ent *next; /* hash chain */
	uint64_t ino, parent;
	uint32_t gen;
	uint8_t type;              /* enum nfs3_ftype */
	bool gen_known;            /* gen was read (not just listed by the scan) */
	bool gone;                 /* removed by us: handles of it are stale */
	char name[];
};

struct nfs_itab;

struct nfs_itab *nfs_itab_new(void);
void nfs_itab_free(struct nfs_itab *t);
/* NULL when unknown. Valid until the next put/forget of that ino. */
struct nfs_itab_ent *nfs_itab_get(struct nfs_itab *t, uint64_t ino);
/* Adds or replaces (clearing gone). 0, -ENOMEM or -ENOSPC (table full). */
int nfs_itab_put(struct nfs_itab *t, uint64_t ino, uint64_t parent, const char *name,
		 uint8_t type, bool gen_known, uint32_t gen);
void nfs_itab_forget(struct nfs_itab *t, uint64_t ino);
size_t nfs_itab_count(const struct nfs_itab *t);

#endif
