/*
 * pmap_prog.c - portmapper v2 (RFC 1833 §3) over the fixed port map of
 * nfs_progs_set_map(): NULL, GETPORT, DUMP; SET and UNSET answer false
 * (only our own programs are mapped); CALLIT is not offered.
 */
#include <errno.h>

#include "servers/nfs_progs_internal.h"

/* struct mapping { unsigned prog, vers, prot, port; } */
static int dec_mapping(struct xdr_dec *d, struct pmap_mapping *m)
{
	struct pmap_mapping v;
	int r;
	if ((r = xdr_dec_u32(d, &v.prog)) || (r = xdr_dec_u32(d, &v.vers)) ||
	    (r = xdr_dec_u32(d, &v.prot)) || (r = xdr_dec_u32(d, &v.port)))
		return r;
	*m = v;
	return 0;
}

/*
 * The exact (prog, vers, prot) first; else, as rpcbind's find_service(),
 * the same program on that transport in another version; else 0.
 */
static uint32_t getport(const struct nfs_progs *progs, const struct pmap_mapping *q)
{
	const struct pmap_mapping *other = NULL;
	for (size_t i = 0; i < progs->n_map; i++) {
		const struct pmap_mapping *m = &progs->map[i];
		if (m->prog != q->prog || m->prot != q->prot)
			continue;
		if (m->vers == q->vers)
			return m->port;
		if (!other)
			other = m;
	}
	return other ? other->port : 0;
}

/* pmaplist: a linked list, each node behind a value-follows bool. */
static int enc_dump(const struct nfs_progs *progs, struct xdr_enc *e)
{
	int r;
	for (size_t i = 0; i < progs->n_map; i++) {
		const struct pmap_mapping *m = &progs->map[i];
		if ((r = xdr_enc_bool(e, true)) || (r = xdr_enc_u32(e, m->prog)) ||
		    (r = xdr_enc_u32(e, m->vers)) || (r = xdr_enc_u32(e, m->prot)) ||
		    (r = xdr_enc_u32(e, m->port)))
			return r;
	}
	return xdr_enc_bool(e, false);
}

enum rpc_accept_stat pmap_prog_call(struct nfs_progs *progs, const struct nfs_req *req,
				    struct xdr_dec *d, struct xdr_enc *e,
				    struct nfs_call_info *info)
{
	(void)info;
	struct pmap_mapping m;
	switch (req->call->proc) {
	case PMAP_NULL:
	case PMAP_DUMP:
		if (xdr_dec_left(d))
			return RPC_ACCEPT_GARBAGE_ARGS;
		return req->call->proc == PMAP_NULL ? RPC_ACCEPT_SUCCESS
						    : nfs_progs_enc_result(enc_dump(progs, e));
	case PMAP_SET:
	case PMAP_UNSET:
	case PMAP_GETPORT:
		if (dec_mapping(d, &m) || xdr_dec_left(d))
			return RPC_ACCEPT_GARBAGE_ARGS;
		if (req->call->proc == PMAP_GETPORT)
			return nfs_progs_enc_result(xdr_enc_u32(e, getport(progs, &m)));
		return nfs_progs_enc_result(xdr_enc_bool(e, false));
	default:
		return RPC_ACCEPT_PROC_UNAVAIL;
	}
}
