/*
 * nfs_drc.c - the server's duplicate-request cache seen from a client:
 * a non-idempotent call (REMOVE, MKDIR, RENAME, RMDIR, CREATE GUARDED)
 * sent again with the same xid, as a client does after a lost reply, must
 * get the first, successful reply again; the same call with a new xid
 * gets the honest answer (NOENT / EXIST).
 *
 *   nfs_drc HOST NFSPORT MNTPORT EXPORT
 *
 * EXPORT is also the host directory; it holds "victim" (a file) and
 * "from" (a file) when the program starts.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nfs_peer_rpc.h"

static int g_failures;

static void check(const char *what, int rc, const struct peer_reply *r, uint32_t want)
{
	bool ok = rc == 0 && r->stat == want;

	if (!ok)
		g_failures++;
	printf("%-4s %-52s %s (want %s)\n", ok ? "ok" : "FAIL", what,
	       rc == 0 ? peer_nfs3_stat_name(r->stat) : r->rpc_error,
	       peer_nfs3_stat_name(want));
}

static bool host_exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

int main(int argc, char **argv)
{
	struct peer *p, *m;
	struct peer_reply r;
	struct peer_fh root;
	const char *exp;
	uint32_t xid;
	int rc;

	if (argc != 5) {
		fprintf(stderr, "usage: %s HOST NFSPORT MNTPORT EXPORT\n", argv[0]);
		return 2;
	}
	exp = argv[4];
	m = peer_connect(argv[1], atoi(argv[3]));
	p = peer_connect(argv[1], atoi(argv[2]));
	if (!m || !p)
		return 2;
	if (peer_mnt(m, exp, &r) < 0 || r.stat)
		return fprintf(stderr, "MNT failed\n"), 2;
	root = r.fh;
	/* Far from libnfs's own counter so no other call reuses these. */
	xid = 0x5a000000u ^ ((uint32_t)getpid() << 8) ^ (uint32_t)time(NULL);

	peer_set_next_xid(p, ++xid);
	rc = peer_remove(p, &root, "victim", &r);
	check("REMOVE victim", rc, &r, 0);
	peer_set_next_xid(p, xid);
	rc = peer_remove(p, &root, "victim", &r);
	check("REMOVE victim again, same xid (DRC replay)", rc, &r, 0);
	peer_set_next_xid(p, ++xid);
	rc = peer_remove(p, &root, "victim", &r);
	check("REMOVE victim again, new xid", rc, &r, 2 /* NOENT */);

	peer_set_next_xid(p, ++xid);
	rc = peer_mkdir(p, &root, "newdir", &r);
	check("MKDIR newdir", rc, &r, 0);
	peer_set_next_xid(p, xid);
	rc = peer_mkdir(p, &root, "newdir", &r);
	check("MKDIR newdir again, same xid (DRC replay)", rc, &r, 0);
	peer_set_next_xid(p, ++xid);
	rc = peer_mkdir(p, &root, "newdir", &r);
	check("MKDIR newdir again, new xid", rc, &r, 17 /* EXIST */);

	peer_set_next_xid(p, ++xid);
	rc = peer_rename(p, &root, "from", &root, "to", &r);
	check("RENAME from -> to", rc, &r, 0);
	peer_set_next_xid(p, xid);
	rc = peer_rename(p, &root, "from", &root, "to", &r);
	check("RENAME from -> to again, same xid (DRC replay)", rc, &r, 0);
	peer_set_next_xid(p, ++xid);
	rc = peer_rename(p, &root, "from", &root, "to", &r);
	check("RENAME from -> to again, new xid", rc, &r, 2 /* NOENT */);

	peer_set_next_xid(p, ++xid);
	rc = peer_create(p, &root, "guarded", &r);
	check("CREATE GUARDED guarded", rc, &r, 0);
	peer_set_next_xid(p, xid);
	rc = peer_create(p, &root, "guarded", &r);
	check("CREATE GUARDED again, same xid (DRC replay)", rc, &r, 0);
	peer_set_next_xid(p, ++xid);
	rc = peer_create(p, &root, "guarded", &r);
	check("CREATE GUARDED again, new xid", rc, &r, 17 /* EXIST */);

	peer_set_next_xid(p, ++xid);
	rc = peer_rmdir(p, &root, "newdir", &r);
	check("RMDIR newdir", rc, &r, 0);
	peer_set_next_xid(p, xid);
	rc = peer_rmdir(p, &root, "newdir", &r);
	check("RMDIR newdir again, same xid (DRC replay)", rc, &r, 0);

	/* The replays changed nothing on the host. */
	if (host_exists(exp, "victim") || host_exists(exp, "from") || !host_exists(exp, "to") ||
	    host_exists(exp, "newdir") || !host_exists(exp, "guarded")) {
		printf("FAIL host tree after the calls is wrong\n");
		g_failures++;
	} else {
		printf("ok   host tree as expected after replays\n");
	}
	peer_free(p);
	peer_free(m);
	printf("%d failure(s)\n", g_failures);
	return g_failures ? 1 : 0;
}
