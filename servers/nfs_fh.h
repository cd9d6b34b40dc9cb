/*
 * nfs_fh.h - layout, encoding and MAC check of our 32-byte NFS file
 * handles, and the handle key kept in the state directory (internal to
 * nfs_fs.c; tests and the fuzzer may use it).
 *
 * Layout (big-endian): magic(1) version(1) type(1) zero(1) export_id(4)
 * ino(8) generation(4) zero(4) mac(8). The MAC is SipHash-2-4
 * (crypto_shorthash) of the first 24 bytes under the server's key.
 */
#ifndef PITEST_NFS_FH_H
#define PITEST_NFS_FH_H

#include <stddef.h>
#include <stdint.h>

#include "servers/nfs_fs.h"

#define NFS_FH_MAGIC 0xf5
#define NFS_FH_VERSION 1
#define NFS_FH_KEY_LEN 16 /* crypto_shorthash_KEYBYTES */

struct nfs_fh_fields {
	uint32_t export_id;
	uint8_t type;              /* enum nfs3_ftype */
	uint64_t ino;
	uint32_t gen;
};

void nfs_fh_encode(const uint8_t key[NFS_FH_KEY_LEN], const struct nfs_fh_fields *f,
		   struct nfs_fh *ret_fh);
/* 0, or -EBADMSG for a wrong length, magic, version, padding or MAC. */
int nfs_fh_decode(const uint8_t key[NFS_FH_KEY_LEN], const struct nfs_fh *fh,
		  struct nfs_fh_fields *ret);
/*
 * Loads "<state_dir>/fh.key", creating it (0600, random) when absent;
 * state_dir "" gives a random key for this process only. 0 or -errno with
 * a line in err.
 */
int nfs_fh_key_load(const char *state_dir, uint8_t ret_key[NFS_FH_KEY_LEN], char *err,
		    size_t errcap);
/* A stable id for an export name (FNV-1a), never 0. */
uint32_t nfs_fh_export_id(const char *name);

#endif
