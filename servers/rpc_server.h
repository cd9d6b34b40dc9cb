/*
 * rpc_server.h - the NFS phase's RPC dispatcher: one entry takes a whole
 * RPC record from a peer (a TCP record or a UDP datagram) and says what to
 * do: send this reply now or later, drop it, close or stall the
 * connection. Pure: no sockets and no clocks (the glue passes `now`).
 *
 * Per call: rpc_wire_parse_call(); RPC_MISMATCH / AUTH_ERROR (AUTH_SYS and
 * AUTH_NONE accepted); PROG_UNAVAIL for programs not served (NFSACL,
 * LOCALIO: the connection stays open); PROG_MISMATCH for NFS v2/v4 and
 * MOUNT v1/v2; then the duplicate-request cache (key: xid, prog, vers,
 * proc, peer address and port, transport, argument length and a checksum
 * of the arguments): a retransmit of a call whose reply is cached gets
 * that reply again without executing (replies of non-idempotent calls are
 * kept whole; others are executed again), a retransmit of a call still
 * being delayed is dropped; then fault rules; then nfs_progs_call().
 *
 * Faults (fault.h, server "nfs"; `on` globs the procedure name, lower
 * case: "mnt", "getport", "lookup", "read", "*"; `file` globs the path of
 * nfs_progs_describe()):
 *   drop        the request is never executed (the client retransmits)
 *   drop-reply  executed, the reply is lost (the DRC answers the retransmit)
 *   delay       the reply goes out delay_s board seconds later
 *   error       the procedure fails with `code` (an nfsstat3, or for "mnt"
 *               a mountstat3: 13 ACCES, 2 NOENT) without being executed
 *   truncate    READ returns at most `bytes` bytes (a short read)
 *   stall       the connection goes silent (no reads, no replies) for
 *               delay_s board seconds, 0 = until the client closes it
 *   close       the connection is closed instead of replying
 *
 * Events (board from the `who` callback):
 *   rpc.call   prog, vers, proc, xid, transport, path, status, latency (s),
 *              bytes (READ/WRITE), fault (the action, when one applied),
 *              drc ("replay"/"in-progress" when the cache answered)
 *   nfs.mount  path, status ("MNT3_OK", "MNT3ERR_ACCES"...)
 *   nfs.umount path ("*" for UMNTALL)
 *   rpc.garbage ip, port, len, reason (a record that is no call)
 */
#ifndef PITEST_RPC_SERVER_H
#define PITEST_RPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "servers/nfs_progs.h"

struct timeline;
struct fault_engine;
struct nfs_fs;

/* Who is at `ip`: board name and model ("" when unknown). */
typedef bool (*rpc_who_fn)(void *ctx, uint32_t ip, char board[32], char model[16]);

struct rpc_server_config {
	struct nfs_fs *fs;              /* borrowed */
	double time_scale;              /* fault delays are board seconds: wall = board / scale */
	size_t drc_entries;             /* 0 = 1024 */
	rpc_who_fn who;                 /* may be NULL */
	void *who_ctx;
};

struct rpc_peer {
	uint32_t ip;                    /* network order */
	uint16_t port;                  /* host order */
	bool tcp;
	uint64_t conn;                  /* connection id for TCP (stall/close), 0 for UDP */
};

enum rpc_verdict {
	RPC_VERDICT_SEND,   /* send reply (after delay_s when > 0) */
	RPC_VERDICT_NONE,   /* nothing to send (dropped, garbage, duplicate in progress) */
	RPC_VERDICT_CLOSE,  /* close the connection (TCP; UDP: nothing to send) */
	RPC_VERDICT_STALL,  /* stop reading and sending on this connection for stall_s (0 = for good) */
};

struct rpc_result {
	enum rpc_verdict verdict;
	uint8_t *reply;     /* malloc'd, without record mark; the caller frees it */
	size_t len;
	double delay_s;     /* wall seconds */
	double stall_s;     /* wall seconds */
	/* Set when delay_s > 0: call rpc_server_sent(srv, token) when the reply goes out,
	 * so the duplicate cache stops treating the call as in progress. */
	uint64_t token;
};

struct rpc_server;

int rpc_server_new(const struct rpc_server_config *cfg, struct timeline *tl,
		   struct fault_engine *faults, struct rpc_server **ret_srv);
void rpc_server_free(struct rpc_server *srv);

/*
 * Handles one record from `peer` received at `now` (seconds, any
 * monotonic clock). Returns 0 with *ret filled, or -ENOMEM.
 */
int rpc_server_handle(struct rpc_server *srv, const uint8_t *rec, size_t len,
		      const struct rpc_peer *peer, double now, struct rpc_result *ret);
/* The portmapper's answers (copied); the glue sets them once its ports
 * are bound. */
int rpc_server_set_map(struct rpc_server *srv, const struct pmap_mapping *map, size_t n_map);
/*
 * Deferred events: rpc_server_handle() then keeps the call's rpc.call
 * event until rpc_server_flush_events(), so a glue can send the reply
 * first and format the event off the client's wait (the glue turns this
 * on and flushes after every record). Off by default: emitted at once.
 */
void rpc_server_set_defer_events(struct rpc_server *srv, bool defer);
void rpc_server_flush_events(struct rpc_server *srv);
/* A delayed reply was sent (or its connection is gone). */
void rpc_server_sent(struct rpc_server *srv, uint64_t token);
/* Mounts currently recorded (MOUNT DUMP), for tests. */
size_t rpc_server_n_mounts(const struct rpc_server *srv);

#endif
