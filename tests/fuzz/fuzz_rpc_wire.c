/*
 * fuzz_rpc_wire.c - the RPC wire pieces on arbitrary bytes: the input is fed
 * through the record-marking reassembler in chunks whose size the first byte
 * picks, every record (and the whole input) goes to rpc_wire_parse_call, and
 * a reply is built for each outcome as the server would.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "servers/rpc_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_call(const uint8_t *rec, size_t len)
{
	struct rpc_call c;
	uint8_t out[64];
	struct xdr_enc e;
	xdr_enc_init(&e, out, sizeof(out));
	int r = rpc_wire_parse_call(rec, len, &c);
	switch (r) {
	case 0:
		if (c.args < rec || c.args + c.args_len != rec + len ||
		    (c.cred_flavor == RPC_AUTH_FLAVOR_SYS && c.sys.n_gids > RPC_AUTH_SYS_GIDS_MAX))
			abort();
		r = rpc_wire_put_accepted(&e, c.xid, RPC_ACCEPT_PROC_UNAVAIL);
		break;
	case -EPROTONOSUPPORT:
		r = rpc_wire_put_rpc_mismatch(&e, c.xid, 2, 2);
		break;
	case -EACCES:
		r = rpc_wire_put_auth_error(&e, c.xid, c.auth_err);
		break;
	case -EBADMSG:
		return;
	default:
		abort();
	}
	if (r != 0 || e.pos > sizeof(out))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t rec[4096];
	if (size < 1)
		return 0;
	size_t chunk = (size_t)data[0] + 1;
	data++;
	size--;
	check_call(data, size);
	struct rpc_rm rm;
	rpc_rm_init(&rm, rec, sizeof(rec));
	size_t pos = 0;
	while (pos < size) {
		size_t n = size - pos < chunk ? size - pos : chunk, used = 0;
		int r = rpc_rm_feed(&rm, data + pos, n, &used);
		if (used > n || r < -EMSGSIZE || r > 1 || (r == 0 && used != n))
			abort();
		pos += used;
		if (r == -EMSGSIZE)
			break;
		if (r == 1) {
			if (rm.len > sizeof(rec))
				abort();
			check_call(rm.buf, rm.len);
		}
	}
	return 0;
}
