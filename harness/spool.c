/*
 * spool.c - an append-only temporary file read back through mmap.
 *
 * Appends go through write(2) at the end of the file: nothing of a text
 * stays in this process's memory. Reading maps the file, so the texts are
 * page cache pages the kernel can drop and read again, not heap.
 */
/* O_TMPFILE and mkostemp come with _GNU_SOURCE, which the build defines. */
#include "harness/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct spool {
	int fd;
	uint64_t size;
	char *map;       /* NULL when not mapped */
	size_t map_len;
};

/* An unnamed file in dir: O_TMPFILE, or a named one unlinked at once
 * where the filesystem cannot do that. */
static int open_unnamed(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/pitest-spool-XXXXXX", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

struct spool *spool_new(char *err, size_t errcap)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !dir[0])
		dir = "/tmp";
	struct spool *sp = calloc(1, sizeof(*sp));
	if (!sp) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	sp->fd = open_unnamed(dir);
	if (sp->fd < 0) {
		snprintf(err, errcap, "cannot make a temporary file in %s for the runs' output: %s",
			 dir, strerror(errno));
		free(sp);
		return NULL;
	}
	return sp;
}

void spool_free(struct spool *sp)
{
	if (!sp)
		return;
	spool_unmap(sp);
	close(sp->fd);
	free(sp);
}

static int write_all(int fd, const char *p, size_t n, uint64_t at)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)at);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
		at += (uint64_t)w;
	}
	return 0;
}

int spool_append(struct spool *sp, const char *text, size_t len, uint64_t *ret_offset)
{
	if (sp->map)
		return -EBUSY;
	uint64_t at = sp->size;
	int rc = write_all(sp->fd, text, len, at);
	if (rc == 0)
		rc = write_all(sp->fd, "", 1, at + len);
	if (rc)
		return rc; /* size stays: the next text overwrites the partial one */
	sp->size = at + len + 1;
	*ret_offset = at;
	return 0;
}

uint64_t spool_size(const struct spool *sp)
{
	return sp->size;
}

const char *spool_map(struct spool *sp)
{
	if (sp->map)
		return sp->map;
	if (sp->size == 0)
		return "";
	if (sp->size > SIZE_MAX) {
		errno = EFBIG;
		return NULL;
	}
	void *m = mmap(NULL, (size_t)sp->size, PROT_READ, MAP_SHARED, sp->fd, 0);
	if (m == MAP_FAILED)
		return NULL;
	/* the report reads it front to back, once */
	madvise(m, (size_t)sp->size, MADV_SEQUENTIAL);
	sp->map = m;
	sp->map_len = (size_t)sp->size;
	return sp->map;
}

void spool_unmap(struct spool *sp)
{
	if (!sp->map)
		return;
	munmap(sp->map, sp->map_len);
	sp->map = NULL;
	sp->map_len = 0;
}
