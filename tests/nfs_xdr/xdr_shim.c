/*
 * xdr_shim.c - the server side of xdr_shim.h.
 */
#include "tests/nfs_xdr/xdr_shim.h"

#include <arpa/inet.h>
#include <string.h>

#include "servers/nfs_progs.h"
#include "tests/nfs_progs/progs_harness.h"

int xs_call(struct ph_env *env, const struct xs_opts *o, uint32_t prog, uint32_t vers,
	    uint32_t proc, const void *args, size_t args_len, uint8_t *out, size_t cap,
	    size_t *ret_len, struct xs_info *ret_info)
{
	static const struct xs_opts defaults;
	if (!o)
		o = &defaults;
	struct rpc_call call = {
		.xid = 0x5eed, .rpcvers = 2, .prog = prog, .vers = vers, .proc = proc,
		.cred_flavor = RPC_AUTH_FLAVOR_SYS, .args = args, .args_len = args_len,
	};
	struct nfs_req req = {
		.call = &call,
		.cred = { .uid = o->uid, .gid = o->gid, .board = o->board ? o->board : "" },
		.peer_ip = htonl(o->peer_ip ? o->peer_ip : PH_PEER_IP),
		.peer_port = 811,
		.tcp = !o->udp,
	};
	struct xdr_enc e;
	struct nfs_call_info info;
	xdr_enc_init(&e, out, cap);
	int st = nfs_progs_call(ph_progs(env), &req, &e, &info);
	*ret_len = e.pos;
	if (ret_info)
		*ret_info = (struct xs_info){ .status = info.status, .has_status = info.has_status,
					      .bytes = info.bytes, .mounted = info.mounted,
					      .unmounted = info.unmounted };
	return st;
}

int xs_encode_error(uint32_t prog, uint32_t proc, uint32_t status, uint8_t *out, size_t cap,
		    size_t *ret_len)
{
	struct xdr_enc e;
	xdr_enc_init(&e, out, cap);
	int r = nfs_progs_encode_error(prog, proc, status, &e);
	*ret_len = e.pos;
	return r;
}

int xs_set_map(struct ph_env *env, const uint32_t (*rows)[4], size_t n)
{
	struct pmap_mapping map[NFS_PROGS_MAX_MAPPINGS + 1];
	if (n > NFS_PROGS_MAX_MAPPINGS + 1)
		return -1;
	for (size_t i = 0; i < n; i++)
		map[i] = (struct pmap_mapping){ rows[i][0], rows[i][1], rows[i][2], rows[i][3] };
	return nfs_progs_set_map(ph_progs(env), map, n);
}

void xs_write_verf(struct ph_env *env, uint8_t verf[8])
{
	nfs_fs_write_verf(ph_fs(env), verf);
}

void xs_fs_limits(struct ph_env *env, uint32_t *rtmax, uint32_t *wtmax, uint32_t *dtpref)
{
	*rtmax = nfs_fs_rtmax(ph_fs(env));
	*wtmax = nfs_fs_wtmax(ph_fs(env));
	*dtpref = nfs_fs_dtpref(ph_fs(env));
}
