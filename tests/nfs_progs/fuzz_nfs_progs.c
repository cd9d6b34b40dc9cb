/*
 * fuzz_nfs_progs.c - arbitrary argument bodies into nfs_progs_call (and
 * describe) for every (program, procedure), against a small read-write
 * export made once in a temporary directory.
 *
 * Input: sel(1) body(rest). sel % N_TARGETS picks (prog, proc) from the
 * table below. File handles are MAC'd, so the fuzzer could never guess
 * one: a handle-sized opaque in the body whose bytes start with "@FH" and
 * a digit is replaced by the export's handle of that index (0 root, 1 the
 * directory "dir", 2 the file "dir/file", 3 the symlink "link", 4 "big"),
 * which lets mutations reach past handle checks. Seeds (one valid call per
 * procedure) come from gen_nfs_progs_seeds.py.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servers/nfs_progs.h"
#include "tests/nfs_fs/nfs_fs_testlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct target {
	uint32_t prog, vers, proc;
};

static const struct target targets[] = {
	{ RPC_PROG_PMAP, 2, 0 }, { RPC_PROG_PMAP, 2, 1 }, { RPC_PROG_PMAP, 2, 2 },
	{ RPC_PROG_PMAP, 2, 3 }, { RPC_PROG_PMAP, 2, 4 }, { RPC_PROG_PMAP, 2, 5 },
	{ RPC_PROG_MOUNT, 3, 0 }, { RPC_PROG_MOUNT, 3, 1 }, { RPC_PROG_MOUNT, 3, 2 },
	{ RPC_PROG_MOUNT, 3, 3 }, { RPC_PROG_MOUNT, 3, 4 }, { RPC_PROG_MOUNT, 3, 5 },
	{ RPC_PROG_NFS, 3, 0 }, { RPC_PROG_NFS, 3, 1 }, { RPC_PROG_NFS, 3, 2 },
	{ RPC_PROG_NFS, 3, 3 }, { RPC_PROG_NFS, 3, 4 }, { RPC_PROG_NFS, 3, 5 },
	{ RPC_PROG_NFS, 3, 6 }, { RPC_PROG_NFS, 3, 7 }, { RPC_PROG_NFS, 3, 8 },
	{ RPC_PROG_NFS, 3, 9 }, { RPC_PROG_NFS, 3, 10 }, { RPC_PROG_NFS, 3, 11 },
	{ RPC_PROG_NFS, 3, 12 }, { RPC_PROG_NFS, 3, 13 }, { RPC_PROG_NFS, 3, 14 },
	{ RPC_PROG_NFS, 3, 15 }, { RPC_PROG_NFS, 3, 16 }, { RPC_PROG_NFS, 3, 17 },
	{ RPC_PROG_NFS, 3, 18 }, { RPC_PROG_NFS, 3, 19 }, { RPC_PROG_NFS, 3, 20 },
	{ RPC_PROG_NFS, 3, 21 }, { RPC_PROG_NFS, 3, 22 }, /* out of range: PROC_UNAVAIL */
};
#define N_TARGETS (sizeof(targets) / sizeof(targets[0]))
#define N_BASES 5
#define REPLY_CAP (RPC_RM_MAX_RECORD + 4096)
#define ARGS_MAX (RPC_RM_MAX_RECORD)

static char top[64];
static struct nfs_fs *fs;
static struct nfs_progs *progs;
static struct nfs_fh bases[N_BASES];
static uint8_t *reply, *args;

static void cleanup(void)
{
	nfs_progs_free(progs);
	nfs_fs_free(fs);
	free(reply);
	free(args);
	tl_rm_rf(top);
}

static void init(void)
{
	char p[256], exp[128];
	snprintf(top, sizeof(top), "/tmp/fuzz_nfs_progs.XXXXXX");
	if (!mkdtemp(top))
		abort();
	tl_path(exp, sizeof(exp), top, "exp");
	mkdir(exp, 0755);
	mkdir(tl_path(p, sizeof(p), exp, "dir"), 0755);
	mkdir(tl_path(p, sizeof(p), exp, "dir/sub"), 0755);
	tl_write_file(tl_path(p, sizeof(p), exp, "dir/file"), "fuzz\n");
	tl_write_file(tl_path(p, sizeof(p), exp, "big"), "0123456789abcdef0123456789abcdef");
	symlink("dir/file", tl_path(p, sizeof(p), exp, "link"));
	struct nfs_export_config ex = { .name = "/fuzz" };
	snprintf(ex.dir, sizeof(ex.dir), "%s", exp);
	struct nfs_fs_config cfg = { .exports = &ex, .n_exports = 1 };
	char err[256];
	if (nfs_fs_new(&cfg, &fs, err, sizeof(err)) != 0 ||
	    nfs_fs_mount(fs, &tl_root, "/fuzz", &bases[0]) != MNT3_OK ||
	    tl_lookup_path(fs, &tl_root, &bases[0], "dir", &bases[1]) != NFS3_OK ||
	    tl_lookup_path(fs, &tl_root, &bases[0], "dir/file", &bases[2]) != NFS3_OK ||
	    tl_lookup_path(fs, &tl_root, &bases[0], "link", &bases[3]) != NFS3_OK ||
	    tl_lookup_path(fs, &tl_root, &bases[0], "big", &bases[4]) != NFS3_OK ||
	    nfs_progs_new(fs, &progs) != 0)
		abort();
	const struct pmap_mapping map[] = {
		{ RPC_PROG_MOUNT, 3, IPPROTO_TCP_NUM, 2049 },
		{ RPC_PROG_NFS, 3, IPPROTO_TCP_NUM, 2049 },
	};
	nfs_progs_set_map(progs, map, 2);
	reply = malloc(REPLY_CAP);
	args = malloc(ARGS_MAX);
	if (!reply || !args)
		abort();
	atexit(cleanup);
}

/* Replaces every "len=NFS_FH_LEN, '@FH<digit>'..." opaque with a real handle. */
static void patch_handles(uint8_t *b, size_t len)
{
	for (size_t i = 0; i + 4 + NFS_FH_LEN <= len; i += 4) {
		if (xdr_get_be32(b + i) != NFS_FH_LEN || memcmp(b + i + 4, "@FH", 3) != 0)
			continue;
		unsigned idx = (unsigned)(b[i + 7] - '0');
		if (idx >= N_BASES)
			continue;
		memcpy(b + i + 4, bases[idx].data, NFS_FH_LEN);
		i += NFS_FH_LEN;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fs)
		init();
	if (size < 1 || size - 1 > ARGS_MAX)
		return 0;
	const struct target *t = &targets[data[0] % N_TARGETS];
	size_t len = size - 1;
	memcpy(args, data + 1, len);
	patch_handles(args, len);
	struct rpc_call call = {
		.xid = 1, .rpcvers = 2, .prog = t->prog, .vers = t->vers, .proc = t->proc,
		.args = len ? args : NULL, .args_len = len,
	};
	/* The second bit of sel picks an unprivileged caller, the third UDP. */
	struct nfs_req req = {
		.call = &call, .cred = (data[0] & 0x40) ? tl_user : tl_root,
		.peer_ip = 0x0200000a, .peer_port = 1000, .tcp = !(data[0] & 0x80),
		.read_cap = (data[0] & 0x20) ? 3 : 0,
	};
	char path[4200];
	nfs_progs_describe(progs, &req, path, sizeof(path));
	if (strlen(path) >= sizeof(path))
		abort();
	struct xdr_enc e;
	struct nfs_call_info info;
	xdr_enc_init(&e, reply, REPLY_CAP);
	enum rpc_accept_stat st = nfs_progs_call(progs, &req, &e, &info);
	if (e.pos > REPLY_CAP || (st != RPC_ACCEPT_SUCCESS && e.pos != 0) || e.pos % 4)
		abort();
	/* To check that seeds are valid calls: FUZZ_NFS_PROGS_VERBOSE=1. */
	if (getenv("FUZZ_NFS_PROGS_VERBOSE"))
		fprintf(stderr, "%s %s: accept %d status %u reply %zu path '%s'\n",
			nfs_progs_prog_name(t->prog, (char[16]){ 0 }),
			nfs_progs_proc_name(t->prog, t->proc), st, info.status, e.pos, path);
	/* Error arms of every procedure encode. */
	xdr_enc_init(&e, reply, 256);
	nfs_progs_encode_error(t->prog, t->proc, NFS3ERR_IO, &e);
	(void)nfs_progs_non_idempotent(t->prog, t->proc);
	return 0;
}
