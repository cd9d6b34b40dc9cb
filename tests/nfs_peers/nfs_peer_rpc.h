/*
 * nfs_peer_rpc.h - a small synchronous layer over libnfs's raw async API
 * for the NFS peer tests: one TCP connection, one call at a time, replies
 * reduced to the fields the tests check (status, handle, fileid, type,
 * data). Lets a test send what libnfs's path API never would (names with
 * '/', forged handles, a repeated xid).
 */
#ifndef PITEST_NFS_PEER_RPC_H
#define PITEST_NFS_PEER_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEER_FH_MAX 80  /* room for over-long handles */

struct peer_fh {
	uint32_t len;
	uint8_t b[PEER_FH_MAX];
};

/* What a reply carried. rpc_status != 0 means no usable reply (RPC_STATUS_*). */
struct peer_reply {
	int rpc_status;
	char rpc_error[160];
	uint32_t stat;          /* nfsstat3 / mountstat3 */
	bool have_fh;
	struct peer_fh fh;      /* MNT, LOOKUP, CREATE, MKDIR, SYMLINK */
	bool have_attr;
	uint32_t ftype;
	uint64_t fileid;
	uint64_t size;
	uint32_t data_len;      /* READ data / READLINK text */
	uint8_t data[4096];
	uint32_t n_names;       /* READDIR */
	char names[64][64];
	bool eof;
};

struct peer;

/* Connects to host:port over TCP; NULL (with a message on stderr) on failure. */
struct peer *peer_connect(const char *host, int port);
void peer_free(struct peer *p);
void peer_set_uid(struct peer *p, int uid, int gid);
/* The next call goes out with this xid (libnfs rpc_set_next_xid). */
void peer_set_next_xid(struct peer *p, uint32_t xid);

/* Each returns 0 when a reply arrived (see r->stat), -1 on RPC failure. */
int peer_mnt(struct peer *p, const char *path, struct peer_reply *r);
int peer_getattr(struct peer *p, const struct peer_fh *fh, struct peer_reply *r);
int peer_lookup(struct peer *p, const struct peer_fh *dir, const char *name,
		struct peer_reply *r);
int peer_read(struct peer *p, const struct peer_fh *fh, uint64_t off, uint32_t count,
	      struct peer_reply *r);
int peer_readlink(struct peer *p, const struct peer_fh *fh, struct peer_reply *r);
int peer_create(struct peer *p, const struct peer_fh *dir, const char *name,
		struct peer_reply *r);
int peer_mkdir(struct peer *p, const struct peer_fh *dir, const char *name,
	       struct peer_reply *r);
int peer_symlink(struct peer *p, const struct peer_fh *dir, const char *name,
		 const char *target, struct peer_reply *r);
int peer_remove(struct peer *p, const struct peer_fh *dir, const char *name,
		struct peer_reply *r);
int peer_rmdir(struct peer *p, const struct peer_fh *dir, const char *name,
	       struct peer_reply *r);
int peer_rename(struct peer *p, const struct peer_fh *from_dir, const char *from,
		const struct peer_fh *to_dir, const char *to, struct peer_reply *r);
int peer_link(struct peer *p, const struct peer_fh *file, const struct peer_fh *dir,
	      const char *name, struct peer_reply *r);
int peer_readdir(struct peer *p, const struct peer_fh *dir, struct peer_reply *r);

const char *peer_nfs3_stat_name(uint32_t stat);
const char *peer_mnt3_stat_name(uint32_t stat);
/* Hex of a handle into buf (2*len+1 bytes); parse returns 0 or -1. */
void peer_fh_to_hex(const struct peer_fh *fh, char *buf);
int peer_fh_from_hex(const char *hex, struct peer_fh *ret_fh);

#endif
