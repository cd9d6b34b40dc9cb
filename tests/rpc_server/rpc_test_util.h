/*
 * rpc_test_util.h - hand-built RPC calls for the rpc_server tests and the
 * fuzzer's seed generator: a call header with AUTH_SYS (uid 0) or any
 * flavor, then the arguments.
 */
#ifndef PITEST_RPC_TEST_UTIL_H
#define PITEST_RPC_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "servers/xdr.h"

struct rec {
	uint8_t b[2048];
	size_t n;
};

static inline void rec_u32(struct rec *r, uint32_t v)
{
	xdr_put_be32(r->b + r->n, v);
	r->n += 4;
}

static inline void rec_u64(struct rec *r, uint64_t v)
{
	rec_u32(r, (uint32_t)(v >> 32));
	rec_u32(r, (uint32_t)v);
}

static inline void rec_opaque(struct rec *r, const void *p, uint32_t len)
{
	rec_u32(r, len);
	memcpy(r->b + r->n, p, len);
	memset(r->b + r->n + len, 0, xdr_pad_len(len) - len);
	r->n += xdr_pad_len(len);
}

static inline void rec_string(struct rec *r, const char *s)
{
	rec_opaque(r, s, (uint32_t)strlen(s));
}

/* Call header: flavor 1 = AUTH_SYS (uid/gid 0, machine "t"), 0 = AUTH_NONE,
 * anything else an empty body of that flavor. */
static inline void rec_call(struct rec *r, uint32_t xid, uint32_t rpcvers, uint32_t prog,
			    uint32_t vers, uint32_t proc, uint32_t flavor)
{
	r->n = 0;
	rec_u32(r, xid);
	rec_u32(r, 0);
	rec_u32(r, rpcvers);
	rec_u32(r, prog);
	rec_u32(r, vers);
	rec_u32(r, proc);
	rec_u32(r, flavor);
	if (flavor == 1) {
		rec_u32(r, 24);
		rec_u32(r, 0);  /* stamp */
		rec_string(r, "t");
		rec_u32(r, 0);  /* uid */
		rec_u32(r, 0);  /* gid */
		rec_u32(r, 0);  /* gids */
	} else {
		rec_u32(r, 0);
	}
	rec_u32(r, 0);          /* verifier AUTH_NONE */
	rec_u32(r, 0);
}

#endif
