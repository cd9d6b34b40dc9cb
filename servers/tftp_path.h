/*
 * tftp_path.h - opens a requested TFTP file strictly beneath a root
 * directory.
 *
 * Policy (the TFTP server's only way to the file system):
 *  - the request must be a relative path: a leading "/" is refused, not
 *    stripped (tftpd-hpa strips nothing by default and Raspberry Pi clients
 *    never send one; refusing keeps "/etc/passwd" an obvious refusal);
 *  - no empty component ("a//b", trailing "/"), no "." or ".." component,
 *    no control character, at most TFTP_PATH_MAX_NAME characters;
 *  - resolution walks one component at a time from an O_PATH directory fd
 *    of the root with openat(O_NOFOLLOW), so no component is ever looked up
 *    outside the root, whatever the rest of the file system does;
 *  - symlinks found on the way are followed only while they stay inside
 *    the root: relative targets are resolved against a stack of the
 *    directories walked so far ("../" pops it, popping past the root is
 *    refused); absolute targets are refused; at most 40 links per lookup;
 *  - the result must be a regular file (no directory, FIFO, socket or
 *    device); it is opened O_RDONLY|O_NONBLOCK|O_NOFOLLOW and checked again
 *    with fstat() against the entry seen by the walk.
 * The manual walk rather than openat2(RESOLVE_BENEATH) gives the same
 * behaviour on every kernel and a precise reason for each refusal.
 */
#ifndef PITEST_TFTP_PATH_H
#define PITEST_TFTP_PATH_H

#include <stdint.h>

#define TFTP_PATH_MAX_NAME 255   /* a request longer than this is refused */
#define TFTP_PATH_MAX_LINKS 40   /* symlinks followed per lookup (as Linux' ELOOP) */

/*
 * Opens `name` beneath the directory `root_fd` (any fd of a directory;
 * O_PATH is enough). On success returns 0, *ret_fd (O_RDONLY, O_CLOEXEC;
 * the caller closes it) and *ret_size. On failure returns
 *   -ENOENT   the file (or a directory on the way) does not exist: ERROR 1
 *   -EACCES   refused by policy or permissions: ERROR 2
 *   other -errno for local trouble (EMFILE, ENOMEM...)
 * and *ret_reason (always set, static text) says why, e.g. "dot-dot
 * component", "symlink leads outside the root", "not a regular file".
 */
int tftp_path_open(int root_fd, const char *name, int *ret_fd, uint64_t *ret_size,
		   const char **ret_reason);

#endif
