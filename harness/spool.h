/*
 * spool.h - texts kept in an unlinked temporary file instead of memory.
 *
 * A long run (--repeat) finishes thousands of board runs, each with its
 * timeline slice as JUnit system-out (100 KB and more with NFS traffic),
 * all needed only when the report is written at the end. The runner appends
 * each text here as its run finishes and keeps just the offset; at the end
 * the file is mapped read-only and the texts are read in place. The file
 * has no name: it is gone when the process is, however it ends.
 */
#ifndef PITEST_SPOOL_H
#define PITEST_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct spool;

/* A new, empty spool in $TMPDIR (else /tmp). NULL with a message in err. */
struct spool *spool_new(char *err, size_t errcap);
/* Unmaps, closes (the file goes away) and frees. Accepts NULL. */
void spool_free(struct spool *sp);

/*
 * Appends `len` bytes of `text` and a NUL, so that the text reads back as a
 * C string; *ret_offset gets where it starts. 0, or -errno (disk full...).
 * Not while mapped.
 */
int spool_append(struct spool *sp, const char *text, size_t len, uint64_t *ret_offset);

/* Bytes appended so far, NULs included. */
uint64_t spool_size(const struct spool *sp);

/*
 * Maps everything appended so far, read-only, and returns its start: the
 * text appended at offset O is the C string at start + O. NULL with errno
 * set on failure. An empty spool maps to "". Valid until spool_unmap() or
 * spool_free(); mapping again returns the same start.
 */
const char *spool_map(struct spool *sp);
void spool_unmap(struct spool *sp);

#endif
