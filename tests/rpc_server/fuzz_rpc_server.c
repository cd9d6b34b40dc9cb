/*
 * fuzz_rpc_server.c - libFuzzer over rpc_server_handle(). The first byte
 * picks the mode: even, the rest is one record as a UDP datagram; odd,
 * the rest is a TCP byte stream cut into records by rpc_rm_feed() first.
 * The export (one file, one directory) is made once per process; calls
 * that change it act inside that temporary directory only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/timeline.h"
#include "servers/nfs_fs.h"
#include "servers/rpc_server.h"
#include "servers/rpc_wire.h"

static struct rpc_server *srv;
static struct nfs_fs *fs;
static char dir[64];

static void cleanup(void)
{
	rpc_server_free(srv);
	nfs_fs_free(fs);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void setup(void)
{
	strcpy(dir, "/tmp/fuzz-rpcsrv-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	char p[128];
	snprintf(p, sizeof(p), "%s/file", dir);
	FILE *f = fopen(p, "w");
	if (!f)
		abort();
	fputs("hello", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/sub", dir);
	mkdir(p, 0755);
	static struct nfs_export_config x;
	strcpy(x.name, "/export");
	snprintf(x.dir, sizeof(x.dir), "%s", dir);
	struct nfs_fs_config fc = { .exports = &x, .n_exports = 1 };
	char err[256];
	if (nfs_fs_new(&fc, &fs, err, sizeof(err)) != 0)
		abort();
	struct rpc_server_config sc = { .fs = fs, .time_scale = 1 };
	if (rpc_server_new(&sc, NULL, NULL, &srv) != 0)
		abort();
	const struct pmap_mapping map[] = { { 100000, 2, 6, 111 }, { 100005, 3, 6, 2049 },
					    { 100003, 3, 17, 2049 } };
	rpc_server_set_map(srv, map, 3);
	atexit(cleanup);
}

static void one(const uint8_t *rec, size_t len, bool tcp)
{
	struct rpc_peer p = { .ip = 0x0100007f, .port = 1000, .tcp = tcp, .conn = tcp };
	struct rpc_result res;
	if (rpc_server_handle(srv, rec, len, &p, 0, &res) != 0)
		return;
	if (res.verdict == RPC_VERDICT_SEND && res.len < 20)
		abort(); /* every reply has a whole header (AUTH_ERROR: 20 bytes) */
	free(res.reply);
	if (res.token)
		rpc_server_sent(srv, res.token);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!srv)
		setup();
	if (size < 1)
		return 0;
	bool stream = data[0] & 1;
	data++;
	size--;
	if (!stream) {
		one(data, size, false);
		return 0;
	}
	static uint8_t buf[RPC_RM_MAX_RECORD];
	struct rpc_rm rm;
	rpc_rm_init(&rm, buf, sizeof(buf));
	for (int i = 0; i < 64 && size > 0; i++) {
		size_t used = 0;
		int r = rpc_rm_feed(&rm, data, size, &used);
		data += used;
		size -= used;
		if (r < 0)
			break;
		if (r == 1)
			one(rm.buf, rm.len, true);
		else if (used == 0)
			break;
	}
	return 0;
}
