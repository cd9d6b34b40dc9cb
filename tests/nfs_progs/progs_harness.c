/*
 * progs_harness.c - the temporary export of progs_harness.h.
 */
#include "tests/nfs_progs/progs_harness.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servers/nfs_progs.h"
#include "tests/nfs_fs/nfs_fs_testlib.h"

struct ph_env {
	char top[64];
	char dir[128];
	struct nfs_export_config ex[2];
	struct nfs_fs *fs;
	struct nfs_progs *progs;
};

static int make_tree(const char *dir)
{
	char p[256];
	if (mkdir(dir, 0755) || tl_write_file(tl_path(p, sizeof(p), dir, "hello.txt"), "hello world\n") ||
	    symlink("hello.txt", tl_path(p, sizeof(p), dir, "link")) ||
	    mkdir(tl_path(p, sizeof(p), dir, "d"), 0755) ||
	    mkdir(tl_path(p, sizeof(p), dir, "d/sub"), 0755))
		return -1;
	for (int i = 0; i < PH_N_D_FILES; i++) {
		char name[64];
		snprintf(name, sizeof(name), "d/file-%02d", i);
		if (tl_write_file(tl_path(p, sizeof(p), dir, name), "x"))
			return -1;
	}
	FILE *f = fopen(tl_path(p, sizeof(p), dir, "big.bin"), "wb");
	if (!f)
		return -1;
	for (int i = 0; i < PH_BIG_LEN; i++)
		fputc((i * 7) & 0xff, f);
	return fclose(f);
}

int ph_setup(struct ph_env **ret_env)
{
	struct ph_env *env = calloc(1, sizeof(*env));
	char err[256], p[256];
	if (!env)
		return -1;
	snprintf(env->top, sizeof(env->top), "/tmp/test_nfs_progs.XXXXXX");
	if (!mkdtemp(env->top))
		goto fail;
	tl_path(env->dir, sizeof(env->dir), env->top, "exp");
	if (make_tree(env->dir) || mkdir(tl_path(p, sizeof(p), env->top, "brd"), 0755))
		goto fail;
	snprintf(env->ex[0].name, sizeof(env->ex[0].name), PH_EXPORT);
	snprintf(env->ex[0].dir, sizeof(env->ex[0].dir), "%s", env->dir);
	snprintf(env->ex[1].name, sizeof(env->ex[1].name), PH_BOARD_EXPORT);
	snprintf(env->ex[1].dir, sizeof(env->ex[1].dir), "%s/brd", env->top);
	snprintf(env->ex[1].board, sizeof(env->ex[1].board), "pi1");
	struct nfs_fs_config cfg = { .exports = env->ex, .n_exports = 2 };
	if (nfs_fs_new(&cfg, &env->fs, err, sizeof(err)) != 0) {
		fprintf(stderr, "nfs_fs_new: %s\n", err);
		goto fail;
	}
	if (nfs_progs_new(env->fs, &env->progs) != 0)
		goto fail;
	const struct pmap_mapping map[] = {
		{ RPC_PROG_PMAP, PMAP_VERS, IPPROTO_TCP_NUM, PMAP_PORT },
		{ RPC_PROG_PMAP, PMAP_VERS, IPPROTO_UDP_NUM, PMAP_PORT },
		{ RPC_PROG_MOUNT, MOUNT3_VERS, IPPROTO_TCP_NUM, 20048 },
		{ RPC_PROG_NFS, NFS3_VERS, IPPROTO_TCP_NUM, NFS_PORT },
	};
	if (nfs_progs_set_map(env->progs, map, sizeof(map) / sizeof(map[0])) != 0)
		goto fail;
	*ret_env = env;
	return 0;
fail:
	ph_teardown(env);
	return -1;
}

void ph_teardown(struct ph_env *env)
{
	if (!env)
		return;
	nfs_progs_free(env->progs);
	nfs_fs_free(env->fs);
	if (env->top[0])
		tl_rm_rf(env->top);
	free(env);
}

const char *ph_dir(const struct ph_env *env)
{
	return env->dir;
}

int ph_call(struct ph_env *env, uint32_t prog, uint32_t vers, uint32_t proc, const void *args,
	    size_t args_len, uint8_t *out, size_t cap, size_t *ret_len, uint32_t read_cap)
{
	struct rpc_call call = {
		.xid = 1, .rpcvers = 2, .prog = prog, .vers = vers, .proc = proc,
		.cred_flavor = RPC_AUTH_FLAVOR_SYS, .args = args, .args_len = args_len,
	};
	struct nfs_req req = {
		.call = &call, .cred = { .uid = 0, .gid = 0, .board = "" },
		.peer_ip = htonl(PH_PEER_IP), .peer_port = 800, .tcp = true, .read_cap = read_cap,
	};
	struct xdr_enc e;
	struct nfs_call_info info;
	xdr_enc_init(&e, out, cap);
	int st = nfs_progs_call(env->progs, &req, &e, &info);
	*ret_len = e.pos;
	return st;
}

void ph_root_fh(struct ph_env *env, uint8_t fh[64], uint32_t *ret_len)
{
	struct nfs_fh root;
	struct nfs_cred cred = { .board = "" };
	if (nfs_fs_mount(env->fs, &cred, PH_EXPORT, &root) != MNT3_OK)
		abort();
	memcpy(fh, root.data, root.len);
	*ret_len = root.len;
}

struct nfs_progs *ph_progs(struct ph_env *env)
{
	return env->progs;
}

struct nfs_fs *ph_fs(struct ph_env *env)
{
	return env->fs;
}
