/*
 * rpc_wire.h - ONC RPC (RFC 5531) wire pieces. So far: the TCP record-marking
 * reassembler (RFC 5531 §11), a pure incremental state machine: feed it
 * bytes as they arrive, get whole records out. Call-header parsing and reply
 * builders below. Replies are written without a record mark: UDP sends them
 * as they are, TCP puts rpc_rm_mark() of their length in front.
 */
#ifndef PITEST_RPC_WIRE_H
#define PITEST_RPC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "servers/xdr.h"

#define RPC_RM_LAST 0x80000000u   /* fragment header: last fragment of the record */
#define RPC_RM_MAX_RECORD (1024u * 1024u + 4096u) /* a 1 MiB WRITE plus its headers */

/*
 * Reassembly state for one connection. The record is gathered in a buffer
 * the caller owns (no allocation here); its size is the record-size cap.
 */
struct rpc_rm {
	uint8_t *buf;
	size_t cap;
	size_t len;        /* bytes of the record gathered so far */
	uint8_t hdr[4];
	unsigned hdr_have; /* bytes of the current fragment header seen */
	uint32_t frag_left; /* payload bytes of the current fragment still due */
	bool last;         /* the current fragment is the record's last */
	bool done;         /* a record was returned: start a new one on next feed */
};

void rpc_rm_init(struct rpc_rm *rm, uint8_t *buf, size_t cap);
/*
 * Consumes bytes from (data, len) up to the end of the next complete record.
 * Returns 1 when a record is complete (rm->buf, rm->len; valid until the
 * next call), 0 when all of the input was consumed without completing one,
 * -EMSGSIZE when the record would exceed the cap (drop the connection; the
 * state is then unusable). *ret_used is the number of bytes consumed.
 */
int rpc_rm_feed(struct rpc_rm *rm, const uint8_t *data, size_t len, size_t *ret_used);


#define RPC_VERSION 2
#define RPC_AUTH_BODY_MAX 400     /* opaque_auth body<400> */
#define RPC_AUTH_SYS_MACHINE_MAX 255
#define RPC_AUTH_SYS_GIDS_MAX 16  /* authsys_parms gids<16> */

/* Names carry a prefix: libtirpc's headers own SUCCESS, AUTH_SYS and co. */
enum { RPC_MSG_CALL = 0, RPC_MSG_REPLY = 1 };
enum { RPC_REPLY_ACCEPTED = 0, RPC_REPLY_DENIED = 1 };
enum rpc_accept_stat {
	RPC_ACCEPT_SUCCESS = 0,
	RPC_ACCEPT_PROG_UNAVAIL = 1,
	RPC_ACCEPT_PROG_MISMATCH = 2,
	RPC_ACCEPT_PROC_UNAVAIL = 3,
	RPC_ACCEPT_GARBAGE_ARGS = 4,
	RPC_ACCEPT_SYSTEM_ERR = 5,
};
enum { RPC_REJECT_MISMATCH = 0, RPC_REJECT_AUTH_ERROR = 1 };
enum rpc_auth_stat {
	RPC_AUTH_OK = 0,
	RPC_AUTH_BADCRED = 1,
	RPC_AUTH_REJECTEDCRED = 2,
	RPC_AUTH_BADVERF = 3,
	RPC_AUTH_REJECTEDVERF = 4,
	RPC_AUTH_TOOWEAK = 5,
};
enum { RPC_AUTH_FLAVOR_NONE = 0, RPC_AUTH_FLAVOR_SYS = 1 };

/* AUTH_SYS credential (RFC 5531 Appendix A); machine points into the record. */
struct rpc_auth_sys {
	uint32_t stamp;
	const uint8_t *machine;
	uint32_t machine_len;
	uint32_t uid, gid;
	uint32_t n_gids;
	uint32_t gids[RPC_AUTH_SYS_GIDS_MAX];
};

/* A parsed call header. Pointers point into the record given to the parser. */
struct rpc_call {
	uint32_t xid;
	uint32_t rpcvers;
	uint32_t prog, vers, proc;
	uint32_t cred_flavor;
	struct rpc_auth_sys sys;     /* set when cred_flavor is AUTH_SYS */
	uint32_t verf_flavor;
	const uint8_t *verf;
	uint32_t verf_len;
	const uint8_t *args;         /* procedure arguments: the rest of the record */
	size_t args_len;
	enum rpc_auth_stat auth_err; /* why -EACCES was returned */
};

/*
 * Parses a call message. Returns 0 for a well-formed call (any credential
 * flavor: accepting it is the server's policy), or, with ret_call filled as
 * far as parsed:
 *   -EBADMSG  not a call or cut before its proc: no reply can be made, drop;
 *   -EPROTONOSUPPORT  rpcvers != 2: reply rpc_wire_put_rpc_mismatch(2, 2);
 *   -EACCES   bad credential or verifier (truncated, body over 400 bytes,
 *             AUTH_SYS body inconsistent, more than 16 gids): reply
 *             rpc_wire_put_auth_error(ret_call->auth_err).
 */
int rpc_wire_parse_call(const uint8_t *rec, size_t len, struct rpc_call *ret_call);

/* Accepted reply header with a null verifier and the given status. After
 * SUCCESS the caller encodes the results. */
int rpc_wire_put_accepted(struct xdr_enc *e, uint32_t xid, enum rpc_accept_stat stat);
int rpc_wire_put_prog_mismatch(struct xdr_enc *e, uint32_t xid, uint32_t low, uint32_t high);
int rpc_wire_put_rpc_mismatch(struct xdr_enc *e, uint32_t xid, uint32_t low, uint32_t high);
int rpc_wire_put_auth_error(struct xdr_enc *e, uint32_t xid, enum rpc_auth_stat stat);

/* TCP record mark for a one-fragment record of len bytes. */
void rpc_rm_mark(uint8_t out[4], uint32_t len);

#endif
