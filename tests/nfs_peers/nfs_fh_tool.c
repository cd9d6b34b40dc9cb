/*
 * nfs_fh_tool.c - keeps NFS file handles across server restarts for the
 * peer tests: prints a handle, uses a handle given in hex, renames.
 *
 *   nfs_fh_tool lookup  HOST NFSPORT MNTPORT EXPORT PATH   -> hex handle
 *   nfs_fh_tool getattr HOST NFSPORT HEX                   -> "fileid size"
 *   nfs_fh_tool read    HOST NFSPORT HEX                   -> file data (≤4 KiB)
 *   nfs_fh_tool rename  HOST NFSPORT MNTPORT EXPORT FROM TO  (in the root)
 *
 * Exit status: 0 NFS3_OK, 1 another status (its name on stderr), 2 no reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfs_peer_rpc.h"

static int status_exit(const char *what, int rc, const struct peer_reply *r)
{
	if (rc < 0) {
		fprintf(stderr, "%s: no reply (%s)\n", what, r->rpc_error);
		return 2;
	}
	if (r->stat) {
		fprintf(stderr, "%s: %s\n", what, peer_nfs3_stat_name(r->stat));
		return 1;
	}
	return 0;
}

static int mount_root(const char *host, int mntport, const char *export,
		      struct peer_fh *ret_root)
{
	struct peer *m = peer_connect(host, mntport);
	struct peer_reply r;
	int rc;

	if (!m)
		return 2;
	rc = peer_mnt(m, export, &r);
	peer_free(m);
	if (rc < 0 || r.stat) {
		fprintf(stderr, "MNT %s: %s\n", export,
			rc < 0 ? r.rpc_error : peer_mnt3_stat_name(r.stat));
		return rc < 0 ? 2 : 1;
	}
	*ret_root = r.fh;
	return 0;
}

int main(int argc, char **argv)
{
	struct peer_reply r;
	struct peer_fh fh, root;
	struct peer *p;
	char hex[2 * PEER_FH_MAX + 1], buf[4096];
	char *comp, *save;
	int rc, ret;

	if (argc < 5) {
		fprintf(stderr, "usage: see nfs_fh_tool.c\n");
		return 2;
	}
	if (!strcmp(argv[1], "lookup") && argc == 7) {
		ret = mount_root(argv[2], atoi(argv[4]), argv[5], &root);
		if (ret)
			return ret;
		p = peer_connect(argv[2], atoi(argv[3]));
		if (!p)
			return 2;
		fh = root;
		snprintf(buf, sizeof(buf), "%s", argv[6]);
		for (comp = strtok_r(buf, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
			rc = peer_lookup(p, &fh, comp, &r);
			ret = status_exit("LOOKUP", rc, &r);
			if (ret) {
				peer_free(p);
				return ret;
			}
			fh = r.fh;
		}
		peer_free(p);
		peer_fh_to_hex(&fh, hex);
		printf("%s\n", hex);
		return 0;
	}
	if (!strcmp(argv[1], "rename") && argc == 8) {
		ret = mount_root(argv[2], atoi(argv[4]), argv[5], &root);
		if (ret)
			return ret;
		p = peer_connect(argv[2], atoi(argv[3]));
		if (!p)
			return 2;
		rc = peer_rename(p, &root, argv[6], &root, argv[7], &r);
		peer_free(p);
		return status_exit("RENAME", rc, &r);
	}
	if ((!strcmp(argv[1], "getattr") || !strcmp(argv[1], "read")) && argc == 5) {
		if (peer_fh_from_hex(argv[4], &fh) < 0) {
			fprintf(stderr, "bad hex handle\n");
			return 2;
		}
		p = peer_connect(argv[2], atoi(argv[3]));
		if (!p)
			return 2;
		if (!strcmp(argv[1], "getattr")) {
			rc = peer_getattr(p, &fh, &r);
			ret = status_exit("GETATTR", rc, &r);
			if (!ret)
				printf("%llu %llu\n", (unsigned long long)r.fileid,
				       (unsigned long long)r.size);
		} else {
			rc = peer_read(p, &fh, 0, sizeof(r.data), &r);
			ret = status_exit("READ", rc, &r);
			if (!ret)
				fwrite(r.data, 1, r.data_len, stdout);
		}
		peer_free(p);
		return ret;
	}
	fprintf(stderr, "usage: see nfs_fh_tool.c\n");
	return 2;
}
