/*
 * fuzz_nfs_fh.c - arbitrary bytes as file handles and names into
 * nfs_fs_getattr / lookup / readdir(plus) / access / readlink / read /
 * path on a small export made once in a temporary directory.
 *
 * Input: flags(1) len(1) handle-bytes(len, ≤64) name(rest).
 * flags & 3: 0 = the bytes are the handle; 1..3 = XOR them onto a valid
 * handle (root, a directory, a file); flags & 4: re-sign the result with
 * the export's (fixed, test-only) key, so the fields behind the MAC get
 * fuzzed too; flags & 8: READDIRPLUS; flags & 0x40: keep `len` as the
 * handle length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "servers/nfs_fh.h"
#include "servers/nfs_fs.h"
#include "tests/nfs_fs/nfs_fs_testlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t test_key[NFS_FH_KEY_LEN] = "pitest-fuzz-key";
static char top[64];
static struct nfs_fs *fs;
static struct nfs_fh bases[4];

static void cleanup(void)
{
	nfs_fs_free(fs);
	tl_rm_rf(top);
}

static void init(void)
{
	char p[256], exp[128];
	snprintf(top, sizeof(top), "/tmp/fuzz_nfs_fh.XXXXXX");
	if (!mkdtemp(top))
		abort();
	tl_path(exp, sizeof(exp), top, "exp");
	mkdir(exp, 0755);
	mkdir(tl_path(p, sizeof(p), exp, "dir"), 0755);
	mkdir(tl_path(p, sizeof(p), exp, "dir/sub"), 0755);
	tl_write_file(tl_path(p, sizeof(p), exp, "dir/file"), "fuzz\n");
	symlink("/etc", tl_path(p, sizeof(p), exp, "link"));
	mkdir(tl_path(p, sizeof(p), top, "state"), 0700);
	int fd = open(tl_path(p, sizeof(p), top, "state/fh.key"), O_WRONLY | O_CREAT, 0600);
	if (fd < 0 || write(fd, test_key, sizeof(test_key)) != (ssize_t)sizeof(test_key))
		abort();
	close(fd);
	struct nfs_export_config ex = { .name = "/fuzz" };
	snprintf(ex.dir, sizeof(ex.dir), "%s", exp);
	struct nfs_fs_config cfg = { .exports = &ex, .n_exports = 1 };
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s/state", top);
	char err[256];
	if (nfs_fs_new(&cfg, &fs, err, sizeof(err)) != 0 ||
	    nfs_fs_mount(fs, &tl_root, "/fuzz", &bases[1]) != MNT3_OK ||
	    tl_lookup_path(fs, &tl_root, &bases[1], "dir", &bases[2]) != NFS3_OK ||
	    tl_lookup_path(fs, &tl_root, &bases[1], "dir/file", &bases[3]) != NFS3_OK)
		abort();
	atexit(cleanup);
}

static bool count_fn(void *ctx, const struct nfs_dirent *de)
{
	int *n = ctx;
	if (!de->name || strlen(de->name) > 255)
		abort();
	return ++*n < 4;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fs)
		init();
	if (size < 2)
		return 0;
	uint8_t flags = data[0];
	size_t len = data[1] % (NFS3_FHSIZE + 1);
	data += 2;
	size -= 2;
	if (len > size)
		len = size;
	struct nfs_fh fh = { 0 };
	if (flags & 3) {
		fh = bases[flags & 3];
		for (size_t i = 0; i < len; i++)
			fh.data[i] ^= data[i];
	} else {
		memcpy(fh.data, data, len);
		fh.len = (uint32_t)len;
	}
	if (flags & 4) {
		struct nfs_fh_fields f = {
			.type = fh.data[2], .export_id = be32(fh.data + 4),
			.ino = (uint64_t)be32(fh.data + 8) << 32 | be32(fh.data + 12),
			.gen = be32(fh.data + 16),
		};
		nfs_fh_encode(test_key, &f, &fh);
	}
	if (flags & 0x40)
		fh.len = (uint32_t)len;
	char name[300];
	size_t nl = size - len < sizeof(name) - 1 ? size - len : sizeof(name) - 1;
	memcpy(name, data + len, nl);
	name[nl] = '\0';

	struct nfs_fattr a, da;
	struct nfs_fh out;
	uint32_t g, n;
	bool eof;
	uint8_t buf[64], verf[8] = { 0 };
	char text[NFS3_PATH_MAX + 1], path[512];
	nfs_fs_getattr(fs, &tl_root, &fh, &a);
	if (nfs_fs_lookup(fs, &tl_root, &fh, name, &out, &a, &da) == NFS3_OK) {
		if (out.len != NFS_FH_LEN || nfs_fs_getattr(fs, &tl_root, &out, &a) != NFS3_OK)
			abort();
	}
	int cnt = 0;
	nfs_fs_readdir(fs, &tl_root, &fh, nl ? (uint64_t)(uint8_t)name[0] : 0, verf, flags & 8,
		       count_fn, &cnt, verf, &eof, &da);
	nfs_fs_access(fs, &tl_user, &fh, 0x3f, &g, &a);
	nfs_fs_readlink(fs, &tl_root, &fh, text, sizeof(text), &a);
	nfs_fs_read(fs, &tl_user, &fh, 0, sizeof(buf), buf, &n, &eof, &a);
	nfs_fs_path(fs, &fh, nl ? name : NULL, path, sizeof(path));
	return 0;
}
