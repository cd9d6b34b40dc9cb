/*
 * nfs_fh.c - NFS file handle codec and its MAC key (see nfs_fh.h). The MAC
 * makes handles unforgeable without the key, so a client cannot name an
 * inode it was never given; the key is persisted so handles survive a
 * server restart.
 */
#include "servers/nfs_fh.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BODY_LEN 24

_Static_assert(crypto_shorthash_KEYBYTES == NFS_FH_KEY_LEN, "SipHash key size");
_Static_assert(BODY_LEN + crypto_shorthash_BYTES == NFS_FH_LEN, "handle size");

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void nfs_fh_encode(const uint8_t key[NFS_FH_KEY_LEN], const struct nfs_fh_fields *f,
		   struct nfs_fh *ret_fh)
{
	uint8_t *d = ret_fh->data;
	memset(ret_fh, 0, sizeof(*ret_fh));
	d[0] = NFS_FH_MAGIC;
	d[1] = NFS_FH_VERSION;
	d[2] = f->type;
	put32(d + 4, f->export_id);
	put32(d + 8, (uint32_t)(f->ino >> 32));
	put32(d + 12, (uint32_t)f->ino);
	put32(d + 16, f->gen);
	crypto_shorthash(d + BODY_LEN, d, BODY_LEN, key);
	ret_fh->len = NFS_FH_LEN;
}

int nfs_fh_decode(const uint8_t key[NFS_FH_KEY_LEN], const struct nfs_fh *fh,
		  struct nfs_fh_fields *ret)
{
	const uint8_t *d = fh->data;
	uint8_t mac[crypto_shorthash_BYTES];
	if (fh->len != NFS_FH_LEN || d[0] != NFS_FH_MAGIC || d[1] != NFS_FH_VERSION || d[3] ||
	    get32(d + 20))
		return -EBADMSG;
	crypto_shorthash(mac, d, BODY_LEN, key);
	if (sodium_memcmp(mac, d + BODY_LEN, sizeof(mac)) != 0)
		return -EBADMSG;
	ret->type = d[2];
	ret->export_id = get32(d + 4);
	ret->ino = (uint64_t)get32(d + 8) << 32 | get32(d + 12);
	ret->gen = get32(d + 16);
	return 0;
}

static int read_key(int dirfd, uint8_t key[NFS_FH_KEY_LEN], char *err, size_t errcap,
		    const char *dir)
{
	int fd = openat(dirfd, "fh.key", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	uint8_t buf[NFS_FH_KEY_LEN + 1];
	ssize_t n = read(fd, buf, sizeof(buf));
	int e = errno;
	close(fd);
	if (n < 0) {
		snprintf(err, errcap, "%s/fh.key: %s", dir, strerror(e));
		return -e;
	}
	if (n != NFS_FH_KEY_LEN) {
		snprintf(err, errcap, "%s/fh.key: %zd bytes, expected %d", dir, n, NFS_FH_KEY_LEN);
		return -EINVAL;
	}
	memcpy(key, buf, NFS_FH_KEY_LEN);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

/* mkdir -p, private: the directory holds the handle key. */
static int make_state_dirs(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -errno;
		if (!c)
			return 0;
		*p = c;
	}
}

int nfs_fh_key_load(const char *state_dir, uint8_t ret_key[NFS_FH_KEY_LEN], char *err,
		    size_t errcap)
{
	if (sodium_init() < 0) {
		snprintf(err, errcap, "libsodium initialisation failed");
		return -EIO;
	}
	if (!state_dir || !state_dir[0]) {
		randombytes_buf(ret_key, NFS_FH_KEY_LEN);
		return 0;
	}
	int dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && errno == ENOENT && make_state_dirs(state_dir) == 0)
		dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		int e = errno;
		snprintf(err, errcap, "state dir %s: %s", state_dir, strerror(e));
		return -e;
	}
	int r = read_key(dirfd, ret_key, err, errcap, state_dir);
	if (r != -ENOENT)
		goto out;
	/* Absent: create it exclusively, so two servers agree on one key. */
	uint8_t key[NFS_FH_KEY_LEN];
	randombytes_buf(key, sizeof(key));
	int fd = openat(dirfd, "fh.key", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = errno == EEXIST ? read_key(dirfd, ret_key, err, errcap, state_dir) : -errno;
		if (r < 0 && r != -EINVAL)
			snprintf(err, errcap, "%s/fh.key: %s", state_dir, strerror(-r));
		goto out;
	}
	r = 0;
	if (fchmod(fd, 0600) != 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
	    fsync(fd) != 0) {
		r = errno ? -errno : -EIO;
		snprintf(err, errcap, "%s/fh.key: %s", state_dir, strerror(-r));
		unlinkat(dirfd, "fh.key", 0);
	} else {
		memcpy(ret_key, key, sizeof(key));
	}
	close(fd);
	sodium_memzero(key, sizeof(key));
out:
	close(dirfd);
	return r;
}

uint32_t nfs_fh_export_id(const char *name)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h ? h : 1;
}
