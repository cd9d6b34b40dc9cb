/*
 * nfs_progs.h - the three programs of the NFS phase on top of nfs_fs:
 * portmapper v2 (RFC 1833 §3), MOUNT v3 and NFSv3 (RFC 1813), as XDR
 * decoders of call arguments and encoders of results (hand-written on the
 * bounded cursors of xdr.h: READ data is read straight into the reply,
 * WRITE data is taken from the record, READDIR(PLUS) fills the client's
 * byte budget). No sockets, no clocks: rpc_server.c parses the RPC header,
 * applies faults and the duplicate-request cache, and calls these.
 *
 * Portmapper: NULL; GETPORT for (MOUNT|NFS, 3, TCP|UDP) from the port map
 * given, with the version ignored on a miss only if the program is known
 * in another version (answering 0 otherwise, as rpcbind); DUMP lists the
 * map; SET/UNSET answer false (registrations are ours only); CALLIT gets
 * PROC_UNAVAIL. MOUNT: NULL, MNT (root handle and [AUTH_SYS, AUTH_NONE]),
 * DUMP (who mounted what), UMNT, UMNTALL, EXPORT (every export, with the
 * board it is restricted to as its group). NFSv3: all 22 procedures.
 */
#ifndef PITEST_NFS_PROGS_H
#define PITEST_NFS_PROGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "servers/nfs_fs.h"
#include "servers/rpc_wire.h"
#include "servers/xdr.h"

/* One portmapper mapping. */
struct pmap_mapping {
	uint32_t prog, vers, prot, port;
};
#define NFS_PROGS_MAX_MAPPINGS 16

/* One call being served. */
struct nfs_req {
	const struct rpc_call *call;  /* header and arguments (call->args, args_len) */
	struct nfs_cred cred;         /* from AUTH_SYS; nobody (65534) for AUTH_NONE */
	uint32_t peer_ip;             /* network order */
	uint16_t peer_port;
	bool tcp;
	uint32_t read_cap;            /* fault "truncate": READ returns at most this; 0 = no cap */
};

/* What a call did, for its rpc.call event. */
struct nfs_call_info {
	uint32_t status;              /* nfsstat3 / mountstat3; 0 for programs without one */
	bool has_status;
	uint64_t bytes;               /* READ/WRITE payload bytes */
	bool mounted, unmounted;      /* MNT succeeded / UMNT or UMNTALL served */
	char mount_path[MNT3_PATH_MAX];
};

struct nfs_progs;

/* fs is borrowed. The port map starts empty. */
int nfs_progs_new(struct nfs_fs *fs, struct nfs_progs **ret_progs);
/* The portmapper's answers (copied); -EINVAL over NFS_PROGS_MAX_MAPPINGS. */
int nfs_progs_set_map(struct nfs_progs *progs, const struct pmap_mapping *map, size_t n_map);
void nfs_progs_free(struct nfs_progs *progs);

/* Whether (prog, vers) is served; when the program is but not in vers,
 * *ret_low and *ret_high are its versions (PROG_MISMATCH). */
enum nfs_progs_known { NFS_PROGS_SERVED, NFS_PROGS_BAD_VERSION, NFS_PROGS_UNKNOWN };
enum nfs_progs_known nfs_progs_lookup(uint32_t prog, uint32_t vers, uint32_t *ret_low,
				      uint32_t *ret_high);
/* "portmap", "mount", "nfs", "nfsacl" or the number as text in buf. */
const char *nfs_progs_prog_name(uint32_t prog, char buf[16]);
/* Procedure name within a served program ("GETATTR", "MNT", "GETPORT"). */
const char *nfs_progs_proc_name(uint32_t prog, uint32_t proc);

/*
 * The path a call is about, for events and fault rules ("" when none):
 * the handle's path, with the name for LOOKUP/CREATE/REMOVE..., the
 * dirpath for MNT. No side effects; bad arguments give "".
 */
void nfs_progs_describe(struct nfs_progs *progs, const struct nfs_req *req, char *buf,
			size_t cap);

/*
 * Serves one call of a served (prog, vers): decodes the arguments,
 * performs the procedure, encodes the results into e (after the accepted
 * reply header the caller wrote). Returns RPC_ACCEPT_SUCCESS,
 * RPC_ACCEPT_PROC_UNAVAIL, RPC_ACCEPT_GARBAGE_ARGS (arguments do not
 * decode, or trailing bytes) or RPC_ACCEPT_SYSTEM_ERR (the reply does not
 * fit e). On anything but SUCCESS nothing of e is to be kept past the
 * caller's header.
 */
enum rpc_accept_stat nfs_progs_call(struct nfs_progs *progs, const struct nfs_req *req,
				    struct xdr_enc *e, struct nfs_call_info *ret_info);

/*
 * The results of NFS procedure `proc` failing with `status` (a fault's
 * NFS3ERR): the status and the empty attribute/wcc parts that procedure's
 * failure arm carries. For MOUNT MNT, a mountstat3 alone.
 */
int nfs_progs_encode_error(uint32_t prog, uint32_t proc, uint32_t status, struct xdr_enc *e);

/* Whether a procedure changes state (a duplicate must be replayed from the
 * cache, not executed again). */
bool nfs_progs_non_idempotent(uint32_t prog, uint32_t proc);

#endif
