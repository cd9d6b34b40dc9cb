/*
 * xdr_shim.h - what test_nfs_xdr_rpcgen.c needs of the server beyond
 * progs_harness.h, behind plain integers: that test includes rpcgen's
 * headers, whose RFC spellings (NFS3_OK, NF3REG, MNT3_OK...) are also
 * the names of servers/nfs3_const.h, so the two never meet in one file.
 */
#ifndef PITEST_XDR_SHIM_H
#define PITEST_XDR_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ph_env;

/* Who calls and how; zeroed = uid 0 over TCP from PH_PEER_IP, no board. */
struct xs_opts {
	bool udp;
	uint32_t uid, gid;
	uint32_t peer_ip;          /* host order; 0 = PH_PEER_IP */
	const char *board;
};

/* The server's own account of a call (struct nfs_call_info). */
struct xs_info {
	uint32_t status;
	bool has_status;
	uint64_t bytes;
	bool mounted, unmounted;
};

/* nfs_progs_call(): returns the accept_stat, the results in out. */
int xs_call(struct ph_env *env, const struct xs_opts *o, uint32_t prog, uint32_t vers,
	    uint32_t proc, const void *args, size_t args_len, uint8_t *out, size_t cap,
	    size_t *ret_len, struct xs_info *ret_info);
/* nfs_progs_encode_error() into out; returns its result. */
int xs_encode_error(uint32_t prog, uint32_t proc, uint32_t status, uint8_t *out, size_t cap,
		    size_t *ret_len);
/* nfs_progs_set_map() from (prog, vers, prot, port) rows. */
int xs_set_map(struct ph_env *env, const uint32_t (*rows)[4], size_t n);
/* The WRITE/COMMIT verifier of the harness's nfs_fs. */
void xs_write_verf(struct ph_env *env, uint8_t verf[8]);
/* FSINFO's configured maxima. */
void xs_fs_limits(struct ph_env *env, uint32_t *rtmax, uint32_t *wtmax, uint32_t *dtpref);

#endif
