/*
 * rpc_drc.h - the duplicate-request cache of the RPC server (RFC 5531 has
 * none; this follows what NFS servers do, cf. RFC 1813 §4.1 on
 * non-idempotent procedures). A fixed-size hash table with an LRU list:
 * entries are keyed by the call's identity (xid, program, version,
 * procedure, peer address and port, transport, argument length and a
 * checksum of the arguments) and are either in progress (the reply is
 * being delayed) or done (the whole reply is kept). Memory is bounded by
 * the entry count and a cap on the bytes of replies kept: the least
 * recently used entries go first.
 */
#ifndef PITEST_RPC_DRC_H
#define PITEST_RPC_DRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rpc_drc_key {
	uint32_t xid, prog, vers, proc;
	uint32_t ip;       /* network order */
	uint16_t port;
	bool tcp;
	uint32_t args_len;
	uint64_t args_sum; /* rpc_drc_checksum() of the arguments */
};

enum rpc_drc_state {
	RPC_DRC_MISS,
	RPC_DRC_IN_PROGRESS,
	RPC_DRC_DONE,
};

struct rpc_drc;

/* n_entries 0 = 1024; max_bytes 0 = 64 MiB of kept replies. NULL on OOM. */
struct rpc_drc *rpc_drc_new(size_t n_entries, size_t max_bytes);
void rpc_drc_free(struct rpc_drc *drc);

/* FNV-1a over the arguments: cheap, enough to tell a reused xid apart. */
uint64_t rpc_drc_checksum(const uint8_t *p, size_t len);

/*
 * Looks a call up. For RPC_DRC_DONE, *ret_reply / *ret_len is the kept
 * reply (valid until the next change of the cache). A hit becomes the
 * most recently used entry.
 */
enum rpc_drc_state rpc_drc_lookup(struct rpc_drc *drc, const struct rpc_drc_key *key,
				  const uint8_t **ret_reply, size_t *ret_len);

/*
 * Records a call: in progress (its reply goes out later; *ret_token names
 * it for rpc_drc_sent) or done. reply may be NULL (an in-progress
 * idempotent call: nothing to replay, the entry goes once sent); it is
 * copied. Evicts the least recently used entries as needed. Returns 0 or
 * -ENOMEM; -E2BIG when the reply alone is over the byte cap (not kept).
 */
int rpc_drc_insert(struct rpc_drc *drc, const struct rpc_drc_key *key, const uint8_t *reply,
		   size_t len, bool in_progress, uint64_t *ret_token);

/* The delayed reply named by token went out (or never will): the entry
 * becomes done when it keeps a reply, else it is removed. Unknown tokens
 * (evicted meanwhile) are ignored. */
void rpc_drc_sent(struct rpc_drc *drc, uint64_t token);

size_t rpc_drc_count(const struct rpc_drc *drc);
size_t rpc_drc_bytes(const struct rpc_drc *drc);

#endif
