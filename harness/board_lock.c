/*
 * board_lock.c - per-board flock files (see board_lock.h).
 */
#include "harness/board_lock.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static bool usable_dir(const char *dir, mode_t mode)
{
	if (mkdir(dir, mode) != 0 && errno != EEXIST)
		return false;
	return access(dir, W_OK | X_OK) == 0;
}

int board_lock_dir(char *buf, size_t cap)
{
	const char *env = getenv("PITEST_LOCK_DIR");
	if (env && *env) {
		if (snprintf(buf, cap, "%s", env) >= (int)cap)
			return -ENAMETOOLONG;
		return usable_dir(buf, 0755) ? 0 : -errno;
	}
	if (geteuid() == 0 && snprintf(buf, cap, "/run/lock/pitest") < (int)cap && usable_dir(buf, 0755))
		return 0;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg && snprintf(buf, cap, "%s/pitest", xdg) < (int)cap && usable_dir(buf, 0700))
		return 0;
	if (snprintf(buf, cap, "/tmp/pitest-locks-%u", (unsigned)geteuid()) >= (int)cap)
		return -ENAMETOOLONG;
	if (!usable_dir(buf, 0700))
		return -errno;
	/* a shared /tmp: the directory must be ours, not planted by another user */
	struct stat st;
	if (lstat(buf, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return -EPERM;
	return 0;
}

int board_lock_take(const char *lab, const char *board, char *err, size_t errcap)
{
	char dir[PATH_MAX - 64], path[PATH_MAX];
	int r = board_lock_dir(dir, sizeof(dir));
	if (r < 0) {
		snprintf(err, errcap, "no directory for board locks (set PITEST_LOCK_DIR): %s",
			 strerror(-r));
		return r;
	}
	if (strchr(lab, '/') || strchr(board, '/')) {
		snprintf(err, errcap, "lab and board names cannot hold '/' (%s, %s)", lab, board);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s.%s.lock", dir, lab, board);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errcap, "cannot open %s: %s", path, strerror(-r));
		return r;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		char owner[32] = "";
		ssize_t n = pread(fd, owner, sizeof(owner) - 1, 0);
		owner[n > 0 ? n : 0] = '\0';
		owner[strcspn(owner, "\n")] = '\0';
		if (r == -EBUSY)
			snprintf(err, errcap,
				 "board %s of lab %s is in use by another pitest run (pid %s; lock %s)",
				 board, lab, owner[0] ? owner : "?", path);
		else
			snprintf(err, errcap, "cannot lock %s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	/* who holds it, for the next run's message */
	char pid[24];
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		/* the lock holds without the note */
	}
	return fd;
}
