/*
 * progs_harness.h - a temporary export served by nfs_progs, behind an
 * interface of plain integers and bytes, so that tests which include
 * libnfs's headers (whose enums spell NFS3_OK, NF3REG... like ours) can
 * drive it from their own translation unit.
 *
 * The tree: hello.txt ("hello world\n"), big.bin (100000 bytes, byte i =
 * i * 7), link -> hello.txt, d/ with N_D_FILES files "file-NN" and sub/.
 * A second export "/brd" is restricted to board "pi1".
 */
#ifndef PITEST_PROGS_HARNESS_H
#define PITEST_PROGS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#define PH_EXPORT "/srv/test"
#define PH_BOARD_EXPORT "/brd"
#define PH_N_D_FILES 40
#define PH_BIG_LEN 100000
#define PH_PEER_IP 0x0a000002u /* 10.0.0.2, host order */

struct ph_env;
struct nfs_progs;
struct nfs_fs;

int ph_setup(struct ph_env **ret_env);
void ph_teardown(struct ph_env *env);
const char *ph_dir(const struct ph_env *env);

/*
 * One call as uid 0 over TCP from PH_PEER_IP: returns the accept_stat,
 * the results (after the reply header) in out. read_cap as nfs_req.
 */
int ph_call(struct ph_env *env, uint32_t prog, uint32_t vers, uint32_t proc, const void *args,
	    size_t args_len, uint8_t *out, size_t cap, size_t *ret_len, uint32_t read_cap);
/* The export root's handle (MNT of PH_EXPORT). */
void ph_root_fh(struct ph_env *env, uint8_t fh[64], uint32_t *ret_len);

/* For tests that build nfs_req themselves. */
struct nfs_progs *ph_progs(struct ph_env *env);
struct nfs_fs *ph_fs(struct ph_env *env);

#endif
