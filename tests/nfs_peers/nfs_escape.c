/*
 * nfs_escape.c - tries to get out of an NFS export: "..", names with '/'
 * sent raw for every name-taking procedure, symlinks pointing outside,
 * forged and foreign handles, cross-export RENAME/LINK, MNT of paths that
 * are not exports. Prints one line per attempt; exits 1 if any attempt
 * got further than it should, or if anything outside the export changed.
 *
 *   nfs_escape HOST NFSPORT MNTPORT EXPORT EXPORT2 OUTSIDE_DIR CANARY_INO
 *
 * EXPORT and EXPORT2 are mount paths that are also the host directories
 * (the driver exports each directory under its own path). OUTSIDE_DIR
 * holds only "canary" (known text) and an empty "emptydir"; both must stay
 * as they are. CANARY_INO is the canary's inode, for a handle forged with
 * it. The export holds "file" (text "inside\n"), "dir/", "to_passwd" ->
 * /etc/passwd, "to_outside" -> OUTSIDE_DIR, "rel_out" -> ../outside.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nfsc/libnfs.h>

#include "nfs_peer_rpc.h"

#define NFS3_OK 0
#define NF3LNK 5

static const char *g_export, *g_outside;
static char g_canary_text[256];
static struct stat g_canary_st;
static int g_failures, g_attempts;
static bool g_host_changed; /* reported once, at the attempt that did it */

/* Everything outside the export as the driver left it? */
static bool outside_intact(char *why, size_t cap)
{
	char path[4096], buf[256];
	struct stat st;
	DIR *d;
	struct dirent *e;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/canary", g_outside);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, cap, "canary gone");
		if (fd >= 0)
			close(fd);
		return false;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (strcmp(buf, g_canary_text) != 0 || st.st_size != g_canary_st.st_size ||
	    st.st_mtim.tv_sec != g_canary_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != g_canary_st.st_mtim.tv_nsec ||
	    st.st_nlink != g_canary_st.st_nlink || st.st_mode != g_canary_st.st_mode) {
		snprintf(why, cap, "canary changed");
		return false;
	}
	d = opendir(g_outside);
	if (!d) {
		snprintf(why, cap, "outside dir gone");
		return false;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "canary") || !strcmp(e->d_name, "emptydir"))
			continue;
		snprintf(why, cap, "new entry outside: %s", e->d_name);
		closedir(d);
		return false;
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/emptydir", g_outside);
	d = opendir(path);
	if (!d) {
		snprintf(why, cap, "emptydir gone");
		return false;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(why, cap, "new entry in emptydir: %s", e->d_name);
			closedir(d);
			return false;
		}
	}
	closedir(d);
	return true;
}

/* Records one attempt: `held` = the server refused as it should. */
static void report(const char *what, bool held, const char *detail)
{
	char why[256] = "";
	bool intact = g_host_changed || outside_intact(why, sizeof(why));

	if (!intact)
		g_host_changed = true;
	g_attempts++;
	if (!held || !intact)
		g_failures++;
	printf("%-4s %-58s %s%s%s\n", held && intact ? "ok" : "FAIL", what, detail,
	       intact ? "" : " / HOST: ", why);
}

/* The reply's status is one of the `n` accepted statuses. */
static void expect_nfs(const char *what, int rc, const struct peer_reply *r,
		       const uint32_t *accepted, size_t n)
{
	char detail[256];
	bool held = false;
	size_t i;

	if (rc < 0) {
		snprintf(detail, sizeof(detail), "no reply (%s)", r->rpc_error);
	} else {
		for (i = 0; i < n; i++)
			held |= r->stat == accepted[i];
		snprintf(detail, sizeof(detail), "%s", peer_nfs3_stat_name(r->stat));
	}
	report(what, held, detail);
}

#define EXPECT(what, rc, r, ...)                                                   \
	do {                                                                       \
		const uint32_t acc_[] = { __VA_ARGS__ };                           \
		expect_nfs(what, rc, r, acc_, sizeof(acc_) / sizeof(acc_[0]));   \
	} while (0)

/* Statuses a name containing '/' may get: any refusal that creates nothing. */
#define SLASH_REFUSALS 22 /* INVAL */, 13 /* ACCES */, 2 /* NOENT */, 1 /* PERM */
#define BAD_FH 10001 /* BADHANDLE */, 70 /* STALE */

static void expect_mnt(struct peer *m, const char *path, uint32_t a, uint32_t b)
{
	struct peer_reply r;
	char what[512], detail[160];
	int rc = peer_mnt(m, path, &r);

	snprintf(what, sizeof(what), "MNT %.440s", path);
	if (rc < 0) {
		snprintf(detail, sizeof(detail), "no reply (%s)", r.rpc_error);
		report(what, false, detail);
		return;
	}
	report(what, r.stat == a || r.stat == b, peer_mnt3_stat_name(r.stat));
}

/* Sync (path) API: opening PATH inside the mount must not yield `forbidden`. */
static void path_api_read(struct nfs_context *nfs, const char *path, const char *forbidden)
{
	struct nfsfh *fh = NULL;
	char buf[256] = "", what[300], detail[300];
	int n;

	snprintf(what, sizeof(what), "nfs_open(\"%s\")", path);
	if (nfs_open(nfs, path, O_RDONLY, &fh) != 0) {
		snprintf(detail, sizeof(detail), "refused: %.200s", nfs_get_error(nfs));
		report(what, true, detail);
		return;
	}
	n = nfs_read(nfs, fh, sizeof(buf) - 1, buf);
	nfs_close(nfs, fh);
	buf[n > 0 ? n : 0] = '\0';
	snprintf(detail, sizeof(detail), "opened, read %d bytes inside", n);
	report(what, strstr(buf, forbidden) == NULL && strstr(buf, "root:") == NULL, detail);
}

static int host_exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

int main(int argc, char **argv)
{
	struct peer *p, *m;
	struct peer_reply r, root_attr;
	struct peer_fh root, root2, file, dir, link_pw, link_out, fh;
	const char *host;
	int nfsport, mntport, rc;
	unsigned long long canary_ino;
	char path[4096], url[4096];
	struct nfs_context *nfs;
	struct nfs_url *u;
	uint32_t i;
	int fd;
	ssize_t n;

	if (argc != 8) {
		fprintf(stderr, "usage: %s HOST NFSPORT MNTPORT EXPORT EXPORT2 OUTSIDE CANARY_INO\n",
			argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	host = argv[1];
	nfsport = atoi(argv[2]);
	mntport = atoi(argv[3]);
	g_export = argv[4];
	g_outside = argv[6];
	canary_ino = strtoull(argv[7], NULL, 0);

	snprintf(path, sizeof(path), "%s/canary", g_outside);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &g_canary_st) < 0)
		return perror(path), 2;
	n = read(fd, g_canary_text, sizeof(g_canary_text) - 1);
	close(fd);
	g_canary_text[n > 0 ? n : 0] = '\0';

	m = peer_connect(host, mntport);
	p = peer_connect(host, nfsport);
	if (!m || !p)
		return 2;

	/* Setup: the roots and a few handles inside. */
	if (peer_mnt(m, g_export, &r) < 0 || r.stat != 0)
		return fprintf(stderr, "MNT %s failed\n", g_export), 2;
	root = r.fh;
	if (peer_mnt(m, argv[5], &r) < 0 || r.stat != 0)
		return fprintf(stderr, "MNT %s failed\n", argv[5]), 2;
	root2 = r.fh;
	if (peer_getattr(p, &root, &root_attr) < 0 || root_attr.stat != 0)
		return fprintf(stderr, "GETATTR root failed\n"), 2;
	if (peer_lookup(p, &root, "file", &r) < 0 || r.stat != 0)
		return fprintf(stderr, "LOOKUP file failed\n"), 2;
	file = r.fh;
	if (peer_lookup(p, &root, "dir", &r) < 0 || r.stat != 0)
		return fprintf(stderr, "LOOKUP dir failed\n"), 2;
	dir = r.fh;

	/* 1. ".." at the export root is the root itself. */
	rc = peer_lookup(p, &root, "..", &r);
	{
		char d[200];
		bool same = rc == 0 && r.stat == 0 && r.have_attr &&
			    r.fileid == root_attr.fileid;
		snprintf(d, sizeof(d), "%s, fileid %llu (root %llu)%s",
			 rc == 0 ? peer_nfs3_stat_name(r.stat) : r.rpc_error,
			 (unsigned long long)r.fileid, (unsigned long long)root_attr.fileid,
			 rc == 0 && r.have_fh && r.fh.len == root.len &&
					 !memcmp(r.fh.b, root.b, root.len) ? ", same handle" : "");
		report("LOOKUP \"..\" at root", same || (rc == 0 && r.stat == 2), d);
	}
	/* LOOKUP ".." from a subdirectory must give the root back, too. */
	rc = peer_lookup(p, &dir, "..", &r);
	report("LOOKUP \"..\" from dir/ is the root", rc == 0 && r.stat == 0 && r.have_attr &&
	       r.fileid == root_attr.fileid, rc == 0 ? peer_nfs3_stat_name(r.stat) : r.rpc_error);

	/* 2. Names with '/' for every name-taking procedure. */
	rc = peer_lookup(p, &root, "../outside/canary", &r);
	EXPECT("LOOKUP \"../outside/canary\"", rc, &r, SLASH_REFUSALS);
	rc = peer_lookup(p, &root, "../outside", &r);
	EXPECT("LOOKUP \"../outside\"", rc, &r, SLASH_REFUSALS);
	rc = peer_lookup(p, &root, "dir/../..", &r);
	EXPECT("LOOKUP \"dir/../..\"", rc, &r, SLASH_REFUSALS);
	rc = peer_lookup(p, &root, "/etc", &r);
	EXPECT("LOOKUP \"/etc\"", rc, &r, SLASH_REFUSALS);
	rc = peer_create(p, &root, "../outside/created", &r);
	EXPECT("CREATE \"../outside/created\"", rc, &r, SLASH_REFUSALS);
	rc = peer_create(p, &root, "../outside/emptydir/created", &r);
	EXPECT("CREATE \"../outside/emptydir/created\"", rc, &r, SLASH_REFUSALS);
	rc = peer_create(p, &root, "dir/x", &r);
	EXPECT("CREATE \"dir/x\"", rc, &r, SLASH_REFUSALS);
	if (host_exists(g_export, "dir/x"))
		report("CREATE \"dir/x\" created nothing", false, "dir/x exists on host");
	rc = peer_mkdir(p, &root, "../outside/emptydir/newdir", &r);
	EXPECT("MKDIR \"../outside/emptydir/newdir\"", rc, &r, SLASH_REFUSALS);
	rc = peer_symlink(p, &root, "../outside/emptydir/sl", "/etc/passwd", &r);
	EXPECT("SYMLINK \"../outside/emptydir/sl\"", rc, &r, SLASH_REFUSALS);
	rc = peer_remove(p, &root, "../outside/canary", &r);
	EXPECT("REMOVE \"../outside/canary\"", rc, &r, SLASH_REFUSALS);
	rc = peer_rmdir(p, &root, "../outside/emptydir", &r);
	EXPECT("RMDIR \"../outside/emptydir\"", rc, &r, SLASH_REFUSALS);
	rc = peer_rename(p, &root, "../outside/canary", &root, "stolen", &r);
	EXPECT("RENAME \"../outside/canary\" -> \"stolen\"", rc, &r, SLASH_REFUSALS);
	rc = peer_rename(p, &root, "file", &root, "../outside/emptydir/moved", &r);
	EXPECT("RENAME \"file\" -> \"../outside/emptydir/moved\"", rc, &r, SLASH_REFUSALS);
	rc = peer_link(p, &file, &root, "../outside/emptydir/hl", &r);
	EXPECT("LINK file -> \"../outside/emptydir/hl\"", rc, &r, SLASH_REFUSALS);
	if (!host_exists(g_export, "file"))
		report("\"file\" still inside after RENAME/LINK attempts", false, "file gone");
	/* "." and ".." and "" as names that would change something. */
	rc = peer_create(p, &root, "..", &r);
	EXPECT("CREATE \"..\"", rc, &r, 22, 17 /* EXIST */, 13);
	rc = peer_mkdir(p, &dir, "..", &r);
	EXPECT("MKDIR \"..\" in dir/", rc, &r, 22, 17, 13);
	rc = peer_remove(p, &dir, "..", &r);
	EXPECT("REMOVE \"..\" in dir/", rc, &r, 22, 13, 21 /* ISDIR */, 1, 17);
	rc = peer_rmdir(p, &dir, "..", &r);
	EXPECT("RMDIR \"..\" in dir/", rc, &r, 22, 13, 66 /* NOTEMPTY */, 1, 17);
	rc = peer_rmdir(p, &root, ".", &r);
	EXPECT("RMDIR \".\" at root", rc, &r, 22, 13, 1);
	rc = peer_rename(p, &dir, "..", &root, "moved_root", &r);
	EXPECT("RENAME \"..\" of dir/ -> \"moved_root\"", rc, &r, 22, 13, 1, 17);
	rc = peer_rename(p, &root, "file", &dir, "..", &r);
	EXPECT("RENAME file -> \"..\" in dir/", rc, &r, 22, 13, 17, 21, 1);
	rc = peer_create(p, &root, "", &r);
	EXPECT("CREATE \"\" (empty name)", rc, &r, 22, 13, 2, 1);
	{
		char longname[300];
		memset(longname, 'a', 256);
		longname[256] = '\0';
		rc = peer_create(p, &root, longname, &r);
		EXPECT("CREATE 256-byte name", rc, &r, 63 /* NAMETOOLONG */, 22);
	}
	if (!host_exists(g_export, "file") || !host_exists(g_export, "dir") ||
	    host_exists(g_export, "moved_root"))
		report("export tree intact after \".\"/\"..\" attempts", false, "changed");


	/* 3. Symlinks pointing out: LOOKUP gives the link, never its target. */
	rc = peer_lookup(p, &root, "to_passwd", &r);
	report("LOOKUP to_passwd returns the link", rc == 0 && r.stat == 0 && r.have_attr &&
	       r.ftype == NF3LNK, rc == 0 ? peer_nfs3_stat_name(r.stat) : r.rpc_error);
	link_pw = r.fh;
	rc = peer_read(p, &link_pw, 0, 4096, &r);
	if (rc == 0 && r.stat == 0 && memmem(r.data, r.data_len, "root:", 5))
		report("READ through to_passwd", false, "got /etc/passwd!");
	else
		EXPECT("READ through to_passwd", rc, &r, 22 /* INVAL */, 13, 10007 /* BADTYPE */,
		       1);
	rc = peer_lookup(p, &root, "to_outside", &r);
	report("LOOKUP to_outside returns the link", rc == 0 && r.stat == 0 && r.have_attr &&
	       r.ftype == NF3LNK, rc == 0 ? peer_nfs3_stat_name(r.stat) : r.rpc_error);
	link_out = r.fh;
	rc = peer_lookup(p, &link_out, "canary", &r);
	EXPECT("LOOKUP canary in to_outside (a symlink)", rc, &r, 20 /* NOTDIR */);
	rc = peer_create(p, &link_out, "created", &r);
	EXPECT("CREATE created in to_outside", rc, &r, 20 /* NOTDIR */);
	rc = peer_readdir(p, &link_out, &r);
	EXPECT("READDIR of to_outside", rc, &r, 20 /* NOTDIR */);
	rc = peer_lookup(p, &root, "rel_out", &r);
	if (rc == 0 && r.stat == 0) {
		struct peer_fh rel = r.fh;
		rc = peer_lookup(p, &rel, "canary", &r);
		EXPECT("LOOKUP canary in rel_out (-> ../outside)", rc, &r, 20 /* NOTDIR */);
	}

	/* An absolute symlink may be created; the server never follows it. */
	rc = peer_symlink(p, &root, "abs_new", g_outside, &r);
	report("SYMLINK abs_new -> OUTSIDE allowed", rc == 0 && r.stat == 0,
	       rc == 0 ? peer_nfs3_stat_name(r.stat) : r.rpc_error);
	rc = peer_lookup(p, &root, "abs_new", &r);
	if (rc == 0 && r.stat == 0) {
		fh = r.fh;
		rc = peer_lookup(p, &fh, "canary", &r);
		EXPECT("LOOKUP canary through new abs_new", rc, &r, 20 /* NOTDIR */);
		rc = peer_mkdir(p, &fh, "sub", &r);
		EXPECT("MKDIR sub through new abs_new", rc, &r, 20 /* NOTDIR */);
		rc = peer_readlink(p, &fh, &r);
		report("READLINK abs_new gives its text", rc == 0 && r.stat == 0 &&
		       r.data_len == strlen(g_outside) && !memcmp(r.data, g_outside, r.data_len),
		       rc == 0 ? peer_nfs3_stat_name(r.stat) : r.rpc_error);
	} else {
		report("LOOKUP abs_new", false, rc == 0 ? peer_nfs3_stat_name(r.stat) : "");
	}

	/* 4. Forged handles. */
	fh.len = file.len;
	srand((unsigned)getpid());
	for (i = 0; i < fh.len; i++)
		fh.b[i] = (uint8_t)rand();
	rc = peer_getattr(p, &fh, &r);
	EXPECT("GETATTR random handle", rc, &r, BAD_FH);
	for (i = 0; i < file.len; i++) {
		fh = file;
		fh.b[i] ^= 0x01;
		rc = peer_read(p, &fh, 0, 64, &r);
		if (rc != 0 || (r.stat != 10001 && r.stat != 70)) {
			char w[80];
			snprintf(w, sizeof(w), "READ handle with byte %u flipped", i);
			EXPECT(w, rc, &r, BAD_FH);
			break;
		}
	}
	if (i == file.len)
		report("READ handle with any one byte flipped (each tried)", true,
		       "BADHANDLE/STALE");
	fh = file;
	if (fh.len >= 16) {
		/* Our layout: ino big-endian at bytes 8..15, MAC unchanged. */
		for (i = 0; i < 8; i++)
			fh.b[8 + i] = (uint8_t)(canary_ino >> (56 - 8 * i));
		rc = peer_read(p, &fh, 0, 256, &r);
		if (rc == 0 && r.stat == 0 && r.data_len && strstr((char *)r.data, "CANARY"))
			report("READ handle with the canary's ino, old MAC", false, "canary read!");
		else
			EXPECT("READ handle with the canary's ino, old MAC", rc, &r, BAD_FH);
	}
	memset(&fh, 0, sizeof(fh));
	fh.len = file.len;
	rc = peer_getattr(p, &fh, &r);
	EXPECT("GETATTR all-zero handle", rc, &r, BAD_FH);
	fh = file;
	for (i = file.len; i < 64; i++)
		fh.b[i] = (uint8_t)i;
	fh.len = 64;
	rc = peer_getattr(p, &fh, &r);
	EXPECT("GETATTR 64-byte handle (valid prefix)", rc, &r, BAD_FH);
	fh.len = 0;
	rc = peer_getattr(p, &fh, &r);
	EXPECT("GETATTR 0-length handle", rc, &r, BAD_FH);
	fh = file;
	fh.len = file.len - 1;
	rc = peer_getattr(p, &fh, &r);
	EXPECT("GETATTR truncated handle", rc, &r, BAD_FH);

	/* 5. Across exports. */
	rc = peer_rename(p, &root, "file", &root2, "moved", &r);
	EXPECT("RENAME file into the other export", rc, &r, 18 /* XDEV */);
	rc = peer_link(p, &file, &root2, "hl", &r);
	EXPECT("LINK file into the other export", rc, &r, 18 /* XDEV */);
	if (host_exists(argv[5], "moved") || host_exists(argv[5], "hl"))
		report("other export unchanged", false, "moved/hl appeared");

	/* 6. A removed file's handle. */
	rc = peer_create(p, &root, "gone", &r);
	if (rc == 0 && r.stat == 0 && r.have_fh) {
		fh = r.fh;
		peer_remove(p, &root, "gone", &r);
		rc = peer_getattr(p, &fh, &r);
		EXPECT("GETATTR handle of a removed file", rc, &r, 70 /* STALE */);
	} else {
		report("CREATE gone (setup)", false, rc == 0 ? peer_nfs3_stat_name(r.stat) : "");
	}

	/* 7. MOUNT of paths that are not exports. */
	expect_mnt(m, "/nonexistent-export", 2, 2);
	expect_mnt(m, "/", 2, 13);
	snprintf(path, sizeof(path), "%s", g_export);
	*strrchr(path, '/') = '\0';
	expect_mnt(m, path, 2, 13);
	snprintf(path, sizeof(path), "%s/..", g_export);
	expect_mnt(m, path, 2, 13);
	snprintf(path, sizeof(path), "%s/../..", g_export);
	expect_mnt(m, path, 2, 13);
	snprintf(path, sizeof(path), "%s/../outside", g_export);
	expect_mnt(m, path, 2, 13);
	expect_mnt(m, g_outside, 2, 13);

	/* 8. READDIR of the root lists only what is inside. */
	rc = peer_readdir(p, &root, &r);
	{
		char d[300] = "all names exist inside";
		bool held = rc == 0 && r.stat == 0;
		for (i = 0; held && i < r.n_names; i++) {
			if (!strcmp(r.names[i], ".") || !strcmp(r.names[i], ".."))
				continue;
			if (!host_exists(g_export, r.names[i]) || !strcmp(r.names[i], "canary")) {
				held = false;
				snprintf(d, sizeof(d), "unexpected entry %s", r.names[i]);
			}
		}
		report("READDIR root shows nothing outside", held,
		       rc == 0 && r.stat ? peer_nfs3_stat_name(r.stat) : d);
	}

	/* 9. The path API (libnfs resolves ".." and symlinks client side). */
	nfs = nfs_init_context();
	snprintf(url, sizeof(url), "nfs://%s%s?nfsport=%d&mountport=%d", host, g_export,
		 nfsport, mntport);
	u = nfs ? nfs_parse_url_dir(nfs, url) : NULL;
	if (!u || nfs_mount(nfs, u->server, u->path) != 0) {
		report("nfs_mount for path API", false, nfs ? nfs_get_error(nfs) : "no ctx");
	} else {
		path_api_read(nfs, "../../etc/passwd", g_canary_text);
		path_api_read(nfs, "../outside/canary", g_canary_text);
		path_api_read(nfs, "/../../../../etc/passwd", g_canary_text);
		path_api_read(nfs, "dir/../../outside/canary", g_canary_text);
		path_api_read(nfs, "rel_out/canary", g_canary_text);
		path_api_read(nfs, "to_outside/canary", g_canary_text);
		path_api_read(nfs, "to_passwd", g_canary_text);
	}
	if (u)
		nfs_destroy_url(u);
	if (nfs)
		nfs_destroy_context(nfs);

	peer_free(p);
	peer_free(m);
	printf("%d attempts, %d failed\n", g_attempts, g_failures);
	return g_failures ? 1 : 0;
}
