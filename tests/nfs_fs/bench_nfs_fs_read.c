/*
 * bench_nfs_fs_read.c - sequential READ throughput through nfs_fs_read:
 * a file of N MiB (argv[1], default 1024) read in 1 MiB calls, as the
 * kernel client reads with rsize=1M, after one warm-up pass so the page
 * cache holds it. Prints GB/s; exits 1 below argv[2] GB/s (0 = report only).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "servers/nfs_fs.h"
#include "tests/nfs_fs/nfs_fs_testlib.h"

#define CHUNK (1u << 20)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_all(struct nfs_fs *fs, const struct nfs_fh *fh, uint8_t *buf, uint64_t *ret_total)
{
	uint64_t off = 0;
	bool eof = false;
	while (!eof) {
		uint32_t n;
		struct nfs_fattr a;
		if (nfs_fs_read(fs, &tl_root, fh, off, CHUNK, buf, &n, &eof, &a) != NFS3_OK)
			return -1;
		off += n;
		if (n == 0)
			break;
	}
	*ret_total = off;
	return 0;
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1024;
	double min_gbps = argc > 2 ? atof(argv[2]) : 0;
	char top[] = "/tmp/bench_nfs_fs.XXXXXX", path[256];
	if (!mkdtemp(top))
		return 2;
	int rc = 1;
	uint8_t *buf = malloc(CHUNK);
	memset(buf, 0xa5, CHUNK);
	int fd = open(tl_path(path, sizeof(path), top, "big"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (long i = 0; fd >= 0 && i < mib; i++) {
		buf[0] = (uint8_t)i;
		if (write(fd, buf, CHUNK) != CHUNK)
			goto out;
	}
	if (fd < 0)
		goto out;
	close(fd);
	struct nfs_export_config ex = { .name = "/bench" };
	snprintf(ex.dir, sizeof(ex.dir), "%s", top);
	struct nfs_fs_config cfg = { .exports = &ex, .n_exports = 1 };
	struct nfs_fs *fs;
	char err[256];
	if (nfs_fs_new(&cfg, &fs, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	struct nfs_fh root, fh;
	uint64_t total = 0;
	if (nfs_fs_mount(fs, &tl_root, "/bench", &root) != MNT3_OK ||
	    tl_lookup_path(fs, &tl_root, &root, "big", &fh) != NFS3_OK ||
	    read_all(fs, &fh, buf, &total) != 0) {
		nfs_fs_free(fs);
		goto out;
	}
	double t0 = now();
	if (read_all(fs, &fh, buf, &total) != 0 || total != (uint64_t)mib * CHUNK) {
		nfs_fs_free(fs);
		goto out;
	}
	double dt = now() - t0, gbps = (double)total / dt / 1e9;
	printf("nfs_fs_read: %llu MiB in %.3f s = %.2f GB/s (%.1f us per 1 MiB call)\n",
	       (unsigned long long)(total >> 20), dt, gbps, dt * 1e6 / (double)mib);
	nfs_fs_free(fs);
	rc = gbps >= min_gbps ? 0 : 1;
	if (rc)
		fprintf(stderr, "below the %.2f GB/s floor\n", min_gbps);
out:
	free(buf);
	tl_rm_rf(top);
	return rc;
}
