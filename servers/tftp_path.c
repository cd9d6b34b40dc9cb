/*
 * tftp_path.c - safe resolution of a TFTP request beneath a root (policy in
 * tftp_path.h). The walk keeps a stack of O_PATH fds of the directories it
 * went through, so a ".." coming from a symlink target pops back to a
 * directory already proven to be inside the root, and popping the root
 * itself is the escape we refuse.
 */
#include "servers/tftp_path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 64 /* directories deep; Pi trees are 3 at most */

/* Checks the request as sent, before touching the file system. */
static int check_request(const char *name, const char **ret_reason)
{
	size_t len = name ? strnlen(name, TFTP_PATH_MAX_NAME + 1) : 0;
	if (len == 0) {
		*ret_reason = "empty name";
		return -EACCES;
	}
	if (len > TFTP_PATH_MAX_NAME) {
		*ret_reason = "name too long";
		return -EACCES;
	}
	if (name[0] == '/') {
		*ret_reason = "absolute path";
		return -EACCES;
	}
	for (const char *c = name; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			*ret_reason = "control character in name";
			return -EACCES;
		}
	}
	const char *p = name;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0) {
			*ret_reason = "empty path component";
			return -EACCES;
		}
		if (n == 1 && p[0] == '.') {
			*ret_reason = "dot component";
			return -EACCES;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			*ret_reason = "dot-dot component";
			return -EACCES;
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	return 0;
}

struct walk {
	int root_fd;
	int stack[MAX_DEPTH]; /* owned fds of directories below the root */
	size_t depth;
	char path[PATH_MAX];  /* what is left to resolve */
	size_t pos;
	unsigned links;
};

static int cur_dir(const struct walk *w)
{
	return w->depth ? w->stack[w->depth - 1] : w->root_fd;
}

static void walk_release(struct walk *w)
{
	while (w->depth)
		close(w->stack[--w->depth]);
}

/* Replaces what is left to resolve by `target` + "/" + the rest. */
static int splice_link(struct walk *w, const char *target, const char **ret_reason)
{
	const char *rest = w->path + w->pos;
	size_t tl = strlen(target), rl = strlen(rest);
	if (tl + 1 + rl + 1 > sizeof(w->path)) {
		*ret_reason = "name too long";
		return -EACCES;
	}
	char tmp[PATH_MAX];
	memcpy(tmp, target, tl);
	size_t n = tl;
	if (rl) {
		tmp[n++] = '/';
		memcpy(tmp + n, rest, rl);
		n += rl;
	}
	tmp[n] = '\0';
	memcpy(w->path, tmp, n + 1);
	w->pos = 0;
	return 0;
}

/* Follows the symlink `fd` (an O_PATH fd of the link itself). */
static int follow_link(struct walk *w, int fd, const char **ret_reason)
{
	char target[PATH_MAX];
	if (++w->links > TFTP_PATH_MAX_LINKS) {
		*ret_reason = "too many symlinks";
		return -EACCES;
	}
	ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
	if (n <= 0) {
		*ret_reason = "unreadable symlink";
		return -EACCES;
	}
	target[n] = '\0';
	if (target[0] == '/') {
		/* Its meaning depends on the host's file system: outside by definition. */
		*ret_reason = "symlink to an absolute path";
		return -EACCES;
	}
	return splice_link(w, target, ret_reason);
}

/* Opens the final regular file and checks it is the entry the walk saw. */
static int open_final(struct walk *w, const char *comp, const struct stat *seen, int *ret_fd,
		      uint64_t *ret_size, const char **ret_reason)
{
	int fd = openat(cur_dir(w), comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		*ret_reason = e == ENOENT ? "not found" : e == EACCES ? "permission denied"
								      : "cannot open";
		return e == ENOENT ? -ENOENT : e == EACCES || e == ELOOP ? -EACCES : -e;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != seen->st_dev ||
	    st.st_ino != seen->st_ino) {
		close(fd);
		*ret_reason = "file changed during lookup";
		return -EACCES;
	}
	*ret_fd = fd;
	*ret_size = (uint64_t)st.st_size;
	return 0;
}

/* One step of the walk: the component `comp`, `last` if nothing follows. */
static int step(struct walk *w, const char *comp, bool last, int *ret_fd, uint64_t *ret_size,
		const char **ret_reason)
{
	if (strcmp(comp, "..") == 0) {
		/* Only symlink targets get here: requests with ".." were refused. */
		if (w->depth == 0) {
			*ret_reason = "symlink leads outside the root";
			return -EACCES;
		}
		close(w->stack[--w->depth]);
		if (last) {
			*ret_reason = "not a regular file";
			return -EACCES;
		}
		return 1;
	}
	if (strlen(comp) > NAME_MAX) {
		*ret_reason = "name too long";
		return -EACCES;
	}
	int fd = openat(cur_dir(w), comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT || e == ENOTDIR) {
			*ret_reason = "not found";
			return -ENOENT;
		}
		*ret_reason = e == EACCES ? "permission denied" : "cannot open";
		return e == EACCES ? -EACCES : -e;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		*ret_reason = "cannot stat";
		return -e;
	}
	int r = 1;
	if (S_ISLNK(st.st_mode)) {
		r = follow_link(w, fd, ret_reason);
		close(fd);
		return r < 0 ? r : 1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (last) {
			close(fd);
			*ret_reason = "not a regular file";
			return -EACCES;
		}
		if (w->depth == MAX_DEPTH) {
			close(fd);
			*ret_reason = "too deep";
			return -EACCES;
		}
		w->stack[w->depth++] = fd;
		return 1;
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		*ret_reason = "not a regular file"; /* FIFO, socket, device */
		return -EACCES;
	}
	if (!last) {
		*ret_reason = "not found"; /* a file used as a directory */
		return -ENOENT;
	}
	r = open_final(w, comp, &st, ret_fd, ret_size, ret_reason);
	return r < 0 ? r : 0;
}

int tftp_path_open(int root_fd, const char *name, int *ret_fd, uint64_t *ret_size,
		   const char **ret_reason)
{
	const char *reason = "bad arguments";
	int r = -EINVAL;
	if (root_fd < 0 || !ret_fd || !ret_size)
		goto out;
	r = check_request(name, &reason);
	if (r < 0)
		goto out;
	struct walk w = { .root_fd = root_fd };
	memcpy(w.path, name, strlen(name) + 1);
	int fd = -1;
	uint64_t size = 0;
	for (;;) {
		char *comp = w.path + w.pos;
		char *slash = strchr(comp, '/');
		if (slash) {
			*slash = '\0';
			w.pos = (size_t)(slash + 1 - w.path);
		} else {
			w.pos += strlen(comp);
		}
		/* Empty and "." components can only come from symlink targets. */
		bool last = w.path[w.pos] == '\0';
		if (comp[0] == '\0' || strcmp(comp, ".") == 0) {
			if (last) {
				reason = "not a regular file";
				r = -EACCES;
				break;
			}
			continue;
		}
		r = step(&w, comp, last, &fd, &size, &reason);
		if (r <= 0)
			break;
		if (last && w.path[w.pos] == '\0') {
			/* a last ".." popped, handled in step(); nothing left */
			reason = "not a regular file";
			r = -EACCES;
			break;
		}
	}
	walk_release(&w);
	if (r == 0) {
		*ret_fd = fd;
		*ret_size = size;
		reason = "ok";
	}
out:
	if (ret_reason)
		*ret_reason = reason;
	return r;
}
