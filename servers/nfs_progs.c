/*
 * nfs_progs.c - the program table of the NFS phase (nfs_progs.h): which
 * (program, version) pairs are served, their procedure names, and the
 * dispatch of a call to pmap_prog.c, mount_prog.c or nfs3_prog.c.
 */
#include "servers/nfs_progs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servers/nfs_progs_internal.h"

struct prog_entry {
	uint32_t prog, vers;
	const char *name;
	const char *(*proc_name)(uint32_t proc);
	uint32_t n_procs;
	enum rpc_accept_stat (*call)(struct nfs_progs *progs, const struct nfs_req *req,
				     struct xdr_dec *d, struct xdr_enc *e,
				     struct nfs_call_info *info);
};

/* One version each: v2 NFS/MOUNT and v4 NFS get PROG_MISMATCH(3, 3). */
static const struct prog_entry progs_table[] = {
	{ RPC_PROG_PMAP, PMAP_VERS, "portmap", pmap_proc_name, 6, pmap_prog_call },
	{ RPC_PROG_NFS, NFS3_VERS, "nfs", nfs3_proc_name, NFS3_PROC_COUNT, nfs3_prog_call },
	{ RPC_PROG_MOUNT, MOUNT3_VERS, "mount", mount3_proc_name, 6, mount_prog_call },
};

static const struct prog_entry *find_prog(uint32_t prog)
{
	for (size_t i = 0; i < sizeof(progs_table) / sizeof(progs_table[0]); i++)
		if (progs_table[i].prog == prog)
			return &progs_table[i];
	return NULL;
}

int nfs_progs_new(struct nfs_fs *fs, struct nfs_progs **ret_progs)
{
	struct nfs_progs *progs = calloc(1, sizeof(*progs));
	if (!progs)
		return -ENOMEM;
	progs->fs = fs;
	*ret_progs = progs;
	return 0;
}

int nfs_progs_set_map(struct nfs_progs *progs, const struct pmap_mapping *map, size_t n_map)
{
	if (n_map > NFS_PROGS_MAX_MAPPINGS)
		return -EINVAL;
	if (n_map)
		memcpy(progs->map, map, n_map * sizeof(*map));
	progs->n_map = n_map;
	return 0;
}

void nfs_progs_free(struct nfs_progs *progs)
{
	free(progs);
}

enum nfs_progs_known nfs_progs_lookup(uint32_t prog, uint32_t vers, uint32_t *ret_low,
				      uint32_t *ret_high)
{
	const struct prog_entry *p = find_prog(prog);
	if (!p)
		return NFS_PROGS_UNKNOWN;
	if (p->vers == vers)
		return NFS_PROGS_SERVED;
	if (ret_low)
		*ret_low = p->vers;
	if (ret_high)
		*ret_high = p->vers;
	return NFS_PROGS_BAD_VERSION;
}

const char *nfs_progs_prog_name(uint32_t prog, char buf[16])
{
	const struct prog_entry *p = find_prog(prog);
	if (p)
		return p->name;
	if (prog == RPC_PROG_NFSACL)
		return "nfsacl";
	snprintf(buf, 16, "%u", prog);
	return buf;
}

const char *nfs_progs_proc_name(uint32_t prog, uint32_t proc)
{
	const struct prog_entry *p = find_prog(prog);
	return p ? p->proc_name(proc) : "?";
}

void nfs_progs_describe(struct nfs_progs *progs, const struct nfs_req *req, char *buf,
			size_t cap)
{
	if (!cap)
		return;
	buf[0] = '\0';
	const struct rpc_call *call = req->call;
	if (nfs_progs_lookup(call->prog, call->vers, NULL, NULL) != NFS_PROGS_SERVED)
		return;
	struct xdr_dec d;
	xdr_dec_init(&d, call->args, call->args_len);
	if (call->prog == RPC_PROG_NFS)
		nfs3_prog_describe(progs, req, &d, buf, cap);
	else if (call->prog == RPC_PROG_MOUNT)
		mount_prog_describe(req, &d, buf, cap);
}

enum rpc_accept_stat nfs_progs_call(struct nfs_progs *progs, const struct nfs_req *req,
				    struct xdr_enc *e, struct nfs_call_info *ret_info)
{
	const struct rpc_call *call = req->call;
	memset(ret_info, 0, sizeof(*ret_info));
	const struct prog_entry *p = find_prog(call->prog);
	if (!p || p->vers != call->vers || call->proc >= p->n_procs)
		return RPC_ACCEPT_PROC_UNAVAIL;
	struct xdr_dec d;
	xdr_dec_init(&d, call->args, call->args_len);
	size_t start = e->pos;
	enum rpc_accept_stat st = p->call(progs, req, &d, e, ret_info);
	if (st != RPC_ACCEPT_SUCCESS)
		e->pos = start;
	return st;
}

int nfs_progs_encode_error(uint32_t prog, uint32_t proc, uint32_t status, struct xdr_enc *e)
{
	if (prog == RPC_PROG_MOUNT && proc == MNT3_MNT)
		return xdr_enc_u32(e, status);
	if (prog == RPC_PROG_NFS)
		return nfs3_prog_encode_error(proc, status, e);
	return -EINVAL;
}

bool nfs_progs_non_idempotent(uint32_t prog, uint32_t proc)
{
	if (prog == RPC_PROG_NFS) {
		/* Linux nfsd caches these replies (RC_REPLBUFF / RC_REPLSTAT). */
		switch (proc) {
		case NFS3_SETATTR: case NFS3_WRITE: case NFS3_CREATE: case NFS3_MKDIR:
		case NFS3_SYMLINK: case NFS3_MKNOD: case NFS3_REMOVE: case NFS3_RMDIR:
		case NFS3_RENAME: case NFS3_LINK:
			return true;
		default:
			return false;
		}
	}
	if (prog == RPC_PROG_MOUNT)
		return proc == MNT3_MNT || proc == MNT3_UMNT || proc == MNT3_UMNTALL;
	return false;
}
