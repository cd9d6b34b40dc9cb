/*
 * rpc_wire.c - ONC RPC wire pieces; see rpc_wire.h.
 */
#include "servers/rpc_wire.h"

#include <errno.h>
#include <string.h>

#include "servers/xdr.h"

void rpc_rm_init(struct rpc_rm *rm, uint8_t *buf, size_t cap)
{
	memset(rm, 0, sizeof(*rm));
	rm->buf = buf;
	rm->cap = buf ? cap : 0;
}

int rpc_rm_feed(struct rpc_rm *rm, const uint8_t *data, size_t len, size_t *ret_used)
{
	size_t used = 0;
	if (rm->done) {
		rm->done = false;
		rm->len = 0;
	}
	for (;;) {
		if (rm->hdr_have < 4) {
			while (rm->hdr_have < 4 && used < len)
				rm->hdr[rm->hdr_have++] = data[used++];
			if (rm->hdr_have < 4)
				break;
			uint32_t h = xdr_get_be32(rm->hdr);
			rm->last = (h & RPC_RM_LAST) != 0;
			rm->frag_left = h & ~RPC_RM_LAST;
			/* Refuse at the header, before any of the payload is stored. */
			if (rm->frag_left > rm->cap - rm->len) {
				*ret_used = used;
				return -EMSGSIZE;
			}
		}
		size_t n = len - used;
		if (n > rm->frag_left)
			n = rm->frag_left;
		if (n) {
			memcpy(rm->buf + rm->len, data + used, n);
			rm->len += n;
			used += n;
			rm->frag_left -= (uint32_t)n;
		}
		if (rm->frag_left)
			break;
		/* Fragment complete. */
		rm->hdr_have = 0;
		if (rm->last) {
			rm->done = true;
			*ret_used = used;
			return 1;
		}
		if (used == len)
			break;
	}
	*ret_used = used;
	return 0;
}

void rpc_rm_mark(uint8_t out[4], uint32_t len)
{
	xdr_put_be32(out, RPC_RM_LAST | (len & ~RPC_RM_LAST));
}

/* AUTH_SYS body: the declared length must match what its fields take, as
 * the Linux server checks too. */
static int parse_auth_sys(const uint8_t *body, uint32_t len, struct rpc_auth_sys *sys)
{
	struct xdr_dec d;
	xdr_dec_init(&d, body, len);
	if (xdr_dec_u32(&d, &sys->stamp) != 0 ||
	    xdr_dec_opaque(&d, RPC_AUTH_SYS_MACHINE_MAX, &sys->machine, &sys->machine_len) != 0 ||
	    xdr_dec_u32(&d, &sys->uid) != 0 || xdr_dec_u32(&d, &sys->gid) != 0 ||
	    xdr_dec_u32(&d, &sys->n_gids) != 0 || sys->n_gids > RPC_AUTH_SYS_GIDS_MAX)
		return -EACCES;
	for (uint32_t i = 0; i < sys->n_gids; i++)
		if (xdr_dec_u32(&d, &sys->gids[i]) != 0)
			return -EACCES;
	return xdr_dec_left(&d) == 0 ? 0 : -EACCES;
}

int rpc_wire_parse_call(const uint8_t *rec, size_t len, struct rpc_call *c)
{
	struct xdr_dec d;
	uint32_t mtype;
	const uint8_t *body;
	uint32_t blen;
	memset(c, 0, sizeof(*c));
	xdr_dec_init(&d, rec, len);
	if (xdr_dec_u32(&d, &c->xid) != 0 || xdr_dec_u32(&d, &mtype) != 0 || mtype != RPC_MSG_CALL ||
	    xdr_dec_u32(&d, &c->rpcvers) != 0)
		return -EBADMSG;
	/* RFC 5531 §9: a version other than 2 gets RPC_MISMATCH. */
	if (c->rpcvers != RPC_VERSION)
		return -EPROTONOSUPPORT;
	if (xdr_dec_u32(&d, &c->prog) != 0 || xdr_dec_u32(&d, &c->vers) != 0 ||
	    xdr_dec_u32(&d, &c->proc) != 0)
		return -EBADMSG;
	c->auth_err = RPC_AUTH_BADCRED;
	if (xdr_dec_u32(&d, &c->cred_flavor) != 0 ||
	    xdr_dec_opaque(&d, RPC_AUTH_BODY_MAX, &body, &blen) != 0)
		return -EACCES;
	if (c->cred_flavor == RPC_AUTH_FLAVOR_SYS && parse_auth_sys(body, blen, &c->sys) != 0)
		return -EACCES;
	if (c->cred_flavor == RPC_AUTH_FLAVOR_NONE && blen != 0)
		return -EACCES;
	c->auth_err = RPC_AUTH_BADVERF;
	if (xdr_dec_u32(&d, &c->verf_flavor) != 0 ||
	    xdr_dec_opaque(&d, RPC_AUTH_BODY_MAX, &c->verf, &c->verf_len) != 0)
		return -EACCES;
	c->auth_err = RPC_AUTH_OK;
	c->args = rec + d.pos;
	c->args_len = xdr_dec_left(&d);
	return 0;
}

/* xid, REPLY, reply_stat: the start of every reply. */
static int put_reply_head(struct xdr_enc *e, uint32_t xid, uint32_t stat)
{
	if (e->cap - e->pos < 12)
		return -ENOSPC;
	xdr_enc_u32(e, xid);
	xdr_enc_u32(e, RPC_MSG_REPLY);
	xdr_enc_u32(e, stat);
	return 0;
}

int rpc_wire_put_accepted(struct xdr_enc *e, uint32_t xid, enum rpc_accept_stat stat)
{
	if (e->cap - e->pos < 24)
		return -ENOSPC;
	put_reply_head(e, xid, RPC_REPLY_ACCEPTED);
	xdr_enc_u32(e, RPC_AUTH_FLAVOR_NONE); /* verifier: AUTH_NONE, empty */
	xdr_enc_u32(e, 0);
	xdr_enc_u32(e, (uint32_t)stat);
	return 0;
}

int rpc_wire_put_prog_mismatch(struct xdr_enc *e, uint32_t xid, uint32_t low, uint32_t high)
{
	if (e->cap - e->pos < 32)
		return -ENOSPC;
	rpc_wire_put_accepted(e, xid, RPC_ACCEPT_PROG_MISMATCH);
	xdr_enc_u32(e, low);
	xdr_enc_u32(e, high);
	return 0;
}

int rpc_wire_put_rpc_mismatch(struct xdr_enc *e, uint32_t xid, uint32_t low, uint32_t high)
{
	if (e->cap - e->pos < 24)
		return -ENOSPC;
	put_reply_head(e, xid, RPC_REPLY_DENIED);
	xdr_enc_u32(e, RPC_REJECT_MISMATCH);
	xdr_enc_u32(e, low);
	xdr_enc_u32(e, high);
	return 0;
}

int rpc_wire_put_auth_error(struct xdr_enc *e, uint32_t xid, enum rpc_auth_stat stat)
{
	if (e->cap - e->pos < 20)
		return -ENOSPC;
	put_reply_head(e, xid, RPC_REPLY_DENIED);
	xdr_enc_u32(e, RPC_REJECT_AUTH_ERROR);
	xdr_enc_u32(e, (uint32_t)stat);
	return 0;
}
