/*
 * nfs_progs_internal.h - what the three program files (pmap_prog.c,
 * mount_prog.c, nfs3_prog.c) share with nfs_progs.c: the state, each
 * program's entry points and the XDR pieces of RFC 1813 they all use.
 */
#ifndef PITEST_NFS_PROGS_INTERNAL_H
#define PITEST_NFS_PROGS_INTERNAL_H

#include "servers/nfs_progs.h"

/* MOUNT DUMP records kept; past this the oldest is forgotten. */
#define NFS_PROGS_MAX_MOUNTS 64

struct nfs_mount_rec {
	uint32_t ip;                    /* network order */
	char path[MNT3_PATH_MAX + 1];
};

struct nfs_progs {
	struct nfs_fs *fs;
	struct pmap_mapping map[NFS_PROGS_MAX_MAPPINGS];
	size_t n_map;
	struct nfs_mount_rec mounts[NFS_PROGS_MAX_MOUNTS];
	size_t n_mounts;
};

/*
 * Each program serves one call: d holds the arguments, e takes the
 * results. They return an rpc_accept_stat as nfs_progs_call().
 */
enum rpc_accept_stat pmap_prog_call(struct nfs_progs *progs, const struct nfs_req *req,
				    struct xdr_dec *d, struct xdr_enc *e,
				    struct nfs_call_info *info);
enum rpc_accept_stat mount_prog_call(struct nfs_progs *progs, const struct nfs_req *req,
				     struct xdr_dec *d, struct xdr_enc *e,
				     struct nfs_call_info *info);
enum rpc_accept_stat nfs3_prog_call(struct nfs_progs *progs, const struct nfs_req *req,
				    struct xdr_dec *d, struct xdr_enc *e,
				    struct nfs_call_info *info);

void mount_prog_describe(const struct nfs_req *req, struct xdr_dec *d, char *buf, size_t cap);
void nfs3_prog_describe(struct nfs_progs *progs, const struct nfs_req *req, struct xdr_dec *d,
			char *buf, size_t cap);
int nfs3_prog_encode_error(uint32_t proc, uint32_t status, struct xdr_enc *e);

/* Maps a codec result to the accept status: -ENOSPC is SYSTEM_ERR. */
static inline enum rpc_accept_stat nfs_progs_enc_result(int r)
{
	return r == 0 ? RPC_ACCEPT_SUCCESS : RPC_ACCEPT_SYSTEM_ERR;
}

#endif
