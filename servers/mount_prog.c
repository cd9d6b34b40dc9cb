/*
 * mount_prog.c - MOUNT v3 (RFC 1813 Appendix I): NULL, MNT (the export's
 * root handle and the flavors [AUTH_SYS, AUTH_NONE]), DUMP (who mounted
 * what, as recorded here), UMNT, UMNTALL, EXPORT (each export with the
 * board it is restricted to as its only group).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "servers/nfs_progs_internal.h"

static void record_mount(struct nfs_progs *progs, uint32_t ip, const char *path)
{
	for (size_t i = 0; i < progs->n_mounts; i++)
		if (progs->mounts[i].ip == ip && strcmp(progs->mounts[i].path, path) == 0)
			return;
	if (progs->n_mounts == NFS_PROGS_MAX_MOUNTS) {
		/* Forget the oldest: DUMP is informational (RFC 1813 calls it so). */
		memmove(&progs->mounts[0], &progs->mounts[1],
			(NFS_PROGS_MAX_MOUNTS - 1) * sizeof(progs->mounts[0]));
		progs->n_mounts--;
	}
	struct nfs_mount_rec *rec = &progs->mounts[progs->n_mounts++];
	rec->ip = ip;
	snprintf(rec->path, sizeof(rec->path), "%s", path);
}

/* Removes the records of ip (with path, or all of them when path is NULL). */
static void forget_mounts(struct nfs_progs *progs, uint32_t ip, const char *path)
{
	size_t out = 0;
	for (size_t i = 0; i < progs->n_mounts; i++) {
		const struct nfs_mount_rec *rec = &progs->mounts[i];
		if (rec->ip == ip && (!path || strcmp(rec->path, path) == 0))
			continue;
		if (out != i)
			progs->mounts[out] = *rec;
		out++;
	}
	progs->n_mounts = out;
}

static enum rpc_accept_stat do_mnt(struct nfs_progs *progs, const struct nfs_req *req,
				   const char *path, struct xdr_enc *e, struct nfs_call_info *info)
{
	struct nfs_fh fh;
	uint32_t st = nfs_fs_mount(progs->fs, &req->cred, path, &fh);
	info->status = st;
	info->has_status = true;
	snprintf(info->mount_path, sizeof(info->mount_path), "%s", path);
	int r = xdr_enc_u32(e, st);
	if (!r && st == MNT3_OK) {
		/* mountres3_ok: fhandle3, auth_flavors<>: AUTH_SYS first (preferred). */
		if (!(r = xdr_enc_opaque(e, fh.data, fh.len, NFS3_FHSIZE)) &&
		    !(r = xdr_enc_u32(e, 2)) && !(r = xdr_enc_u32(e, RPC_AUTH_FLAVOR_SYS)))
			r = xdr_enc_u32(e, RPC_AUTH_FLAVOR_NONE);
	}
	if (r)
		return RPC_ACCEPT_SYSTEM_ERR;
	if (st == MNT3_OK) {
		info->mounted = true;
		record_mount(progs, req->peer_ip, path);
	}
	return RPC_ACCEPT_SUCCESS;
}

/* mountlist: (hostname, directory) nodes behind value-follows bools. */
static int enc_dump(const struct nfs_progs *progs, struct xdr_enc *e)
{
	int r;
	for (size_t i = 0; i < progs->n_mounts; i++) {
		char host[INET_ADDRSTRLEN];
		struct in_addr a = { .s_addr = progs->mounts[i].ip };
		inet_ntop(AF_INET, &a, host, sizeof(host));
		if ((r = xdr_enc_bool(e, true)) || (r = xdr_enc_string(e, host, MNT3_NAME_MAX)) ||
		    (r = xdr_enc_string(e, progs->mounts[i].path, MNT3_PATH_MAX)))
			return r;
	}
	return xdr_enc_bool(e, false);
}

/* exports: (dir, groups) nodes; groups is a list of names, here 0 or 1. */
static int enc_exports(const struct nfs_progs *progs, struct xdr_enc *e)
{
	int r;
	size_t n = nfs_fs_n_exports(progs->fs);
	for (size_t i = 0; i < n; i++) {
		const struct nfs_export_config *ex = nfs_fs_export(progs->fs, i);
		if ((r = xdr_enc_bool(e, true)) || (r = xdr_enc_string(e, ex->name, MNT3_PATH_MAX)))
			return r;
		if (ex->board[0] && ((r = xdr_enc_bool(e, true)) ||
				     (r = xdr_enc_string(e, ex->board, MNT3_NAME_MAX))))
			return r;
		if ((r = xdr_enc_bool(e, false)))
			return r;
	}
	return xdr_enc_bool(e, false);
}

enum rpc_accept_stat mount_prog_call(struct nfs_progs *progs, const struct nfs_req *req,
				     struct xdr_dec *d, struct xdr_enc *e,
				     struct nfs_call_info *info)
{
	char path[MNT3_PATH_MAX + 1];
	uint32_t proc = req->call->proc;
	switch (proc) {
	case MNT3_MNT:
	case MNT3_UMNT:
		if (xdr_dec_string(d, MNT3_PATH_MAX, path, sizeof(path), NULL) || xdr_dec_left(d))
			return RPC_ACCEPT_GARBAGE_ARGS;
		if (proc == MNT3_MNT)
			return do_mnt(progs, req, path, e, info);
		forget_mounts(progs, req->peer_ip, path);
		info->unmounted = true;
		snprintf(info->mount_path, sizeof(info->mount_path), "%s", path);
		return RPC_ACCEPT_SUCCESS;
	case MNT3_NULL:
	case MNT3_DUMP:
	case MNT3_UMNTALL:
	case MNT3_EXPORT:
		if (xdr_dec_left(d))
			return RPC_ACCEPT_GARBAGE_ARGS;
		if (proc == MNT3_DUMP)
			return nfs_progs_enc_result(enc_dump(progs, e));
		if (proc == MNT3_EXPORT)
			return nfs_progs_enc_result(enc_exports(progs, e));
		if (proc == MNT3_UMNTALL) {
			forget_mounts(progs, req->peer_ip, NULL);
			info->unmounted = true;
			snprintf(info->mount_path, sizeof(info->mount_path), "*");
		}
		return RPC_ACCEPT_SUCCESS;
	default:
		return RPC_ACCEPT_PROC_UNAVAIL;
	}
}

void mount_prog_describe(const struct nfs_req *req, struct xdr_dec *d, char *buf, size_t cap)
{
	char path[MNT3_PATH_MAX + 1];
	uint32_t proc = req->call->proc;
	if ((proc == MNT3_MNT || proc == MNT3_UMNT) &&
	    xdr_dec_string(d, MNT3_PATH_MAX, path, sizeof(path), NULL) == 0)
		snprintf(buf, cap, "%s", path);
}
