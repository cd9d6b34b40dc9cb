/*
 * gen_corpus.c - writes the seed corpus of fuzz_rpc_server: one valid call
 * per program and procedure family (datagram mode, first byte 0), the same
 * as a TCP stream (first byte 1), and a few broken records. Run by hand:
 * gen_rpc_server_corpus DIR. Handles in the seeds come from no real
 * export, so NFS calls with one exercise the BADHANDLE paths.
 */
#include <stdio.h>

#include "servers/nfs3_const.h"
#include "servers/rpc_wire.h"
#include "tests/rpc_server/rpc_test_util.h"

static void put(const char *dir, const char *name, const struct rec *r, int stream)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s%s", dir, name, stream ? "-tcp" : "");
	FILE *f = fopen(p, "wb");
	if (!f)
		return;
	uint8_t mode = (uint8_t)stream;
	fwrite(&mode, 1, 1, f);
	if (stream) {
		uint8_t mark[4];
		rpc_rm_mark(mark, (uint32_t)r->n);
		fwrite(mark, 1, 4, f);
	}
	fwrite(r->b, 1, r->n, f);
	fclose(f);
}

static void both(const char *dir, const char *name, const struct rec *r)
{
	put(dir, name, r, 0);
	put(dir, name, r, 1);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	const char *d = argv[1];
	static const uint8_t fh[32] = { 0x70, 0x69, 1 };
	struct rec r;
	rec_call(&r, 1, 2, RPC_PROG_PMAP, 2, PMAP_NULL, 0);
	both(d, "pmap-null", &r);
	rec_call(&r, 2, 2, RPC_PROG_PMAP, 2, PMAP_GETPORT, 1);
	rec_u32(&r, RPC_PROG_MOUNT); rec_u32(&r, 3); rec_u32(&r, 6); rec_u32(&r, 0);
	both(d, "pmap-getport", &r);
	rec_call(&r, 3, 2, RPC_PROG_PMAP, 2, PMAP_DUMP, 1);
	both(d, "pmap-dump", &r);
	rec_call(&r, 4, 2, RPC_PROG_MOUNT, 3, MNT3_MNT, 1);
	rec_string(&r, "/export");
	both(d, "mnt", &r);
	rec_call(&r, 5, 2, RPC_PROG_MOUNT, 3, MNT3_EXPORT, 1);
	both(d, "mnt-export", &r);
	rec_call(&r, 6, 2, RPC_PROG_MOUNT, 3, MNT3_UMNT, 1);
	rec_string(&r, "/export");
	both(d, "mnt-umnt", &r);
	rec_call(&r, 7, 2, RPC_PROG_NFS, 3, NFS3_GETATTR, 1);
	rec_opaque(&r, fh, sizeof(fh));
	both(d, "nfs-getattr", &r);
	rec_call(&r, 8, 2, RPC_PROG_NFS, 3, NFS3_LOOKUP, 1);
	rec_opaque(&r, fh, sizeof(fh)); rec_string(&r, "file");
	both(d, "nfs-lookup", &r);
	rec_call(&r, 9, 2, RPC_PROG_NFS, 3, NFS3_READ, 1);
	rec_opaque(&r, fh, sizeof(fh)); rec_u64(&r, 0); rec_u32(&r, 65536);
	both(d, "nfs-read", &r);
	rec_call(&r, 10, 2, RPC_PROG_NFS, 3, NFS3_WRITE, 1);
	rec_opaque(&r, fh, sizeof(fh)); rec_u64(&r, 0); rec_u32(&r, 4); rec_u32(&r, 2);
	rec_opaque(&r, "abcd", 4);
	both(d, "nfs-write", &r);
	rec_call(&r, 11, 2, RPC_PROG_NFS, 3, NFS3_MKDIR, 1);
	rec_opaque(&r, fh, sizeof(fh)); rec_string(&r, "d");
	for (int i = 0; i < 6; i++)
		rec_u32(&r, 0);
	both(d, "nfs-mkdir", &r);
	rec_call(&r, 12, 2, RPC_PROG_NFS, 3, NFS3_READDIRPLUS, 1);
	rec_opaque(&r, fh, sizeof(fh)); rec_u64(&r, 0); rec_u64(&r, 0); rec_u32(&r, 4096);
	rec_u32(&r, 32768);
	both(d, "nfs-readdirplus", &r);
	rec_call(&r, 13, 2, RPC_PROG_NFS, 3, NFS3_FSINFO, 1);
	rec_opaque(&r, fh, sizeof(fh));
	both(d, "nfs-fsinfo", &r);
	/* Broken ones. */
	rec_call(&r, 20, 3, RPC_PROG_NFS, 3, 0, 1);
	both(d, "bad-rpcvers", &r);
	rec_call(&r, 21, 2, RPC_PROG_NFS, 3, 0, 6);
	both(d, "bad-flavor", &r);
	rec_call(&r, 22, 2, RPC_PROG_NFSACL, 3, 0, 1);
	both(d, "nfsacl", &r);
	rec_call(&r, 23, 2, RPC_PROG_NFS, 4, 0, 1);
	both(d, "nfs-v4", &r);
	rec_call(&r, 24, 2, RPC_PROG_MOUNT, 3, MNT3_MNT, 1);
	rec_u32(&r, 5000);
	both(d, "mnt-cut", &r);
	r.n = 10;
	both(d, "cut-header", &r);
	return 0;
}
