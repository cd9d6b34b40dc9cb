/*
 * test_tftp_path.c - tftp_path_open() on a temporary tree with every class
 * of hostile name: dot-dot, absolute, empty and dot components, control
 * characters, over-long names, symlinks leading out (absolute, relative,
 * through a directory, chains, loops), symlinks staying inside (followed),
 * directories, FIFOs, sockets and device nodes (refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "servers/tftp_path.h"

static char top[64];
static char rootdir[128];
static int root_fd = -1;

static void put(const char *rel, const char *content)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void dir(const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void link_(const char *target, const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/pitest-tftp-path-XXXXXX");
	assert_non_null(mkdtemp(top));
	snprintf(rootdir, sizeof(rootdir), "%s/root", top);
	dir("root");
	dir("outside");
	dir("root2");
	put("secret.txt", "SECRET");
	put("outside/s2.txt", "SECRET2");
	put("root2/s3.txt", "SECRET3");
	put("root/good.bin", "0123456789");
	dir("root/sub");
	dir("root/sub/deeper");
	put("root/sub/inside.txt", "inside");
	put("root/sub/deeper/x.txt", "x");
	put("root/..hidden", "dots in a name are fine");
	char abs[256];
	snprintf(abs, sizeof(abs), "%s/secret.txt", top);
	link_(abs, "root/link-abs");
	link_("../secret.txt", "root/link-rel");
	link_("/etc/passwd", "root/link-etc");
	snprintf(abs, sizeof(abs), "%s/outside", top);
	link_(abs, "root/linkdir-abs");
	link_("..", "root/up");
	link_("../..", "root/sub/up2");
	link_("chain2", "root/chain1");
	link_("sub/chain3", "root/chain2");
	link_("../../secret.txt", "root/sub/chain3");
	link_("loop", "root/loop");
	link_("../root2/s3.txt", "root/prefix-link");
	/* inside links: followed */
	link_("good.bin", "root/alias");
	link_("../good.bin", "root/sub/up-alias");
	link_("sub", "root/subdir-link");
	link_("deeper/../inside.txt", "root/sub/dotdot-inside");
	link_("sub", "root/dirlink-last");
	char fifo[256];
	snprintf(fifo, sizeof(fifo), "%s/root/fifo", top);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	/* A socket */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/root/sock", top);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	/* /dev/null as a device, through a symlink-free path: a hard link is
	 * not possible across file systems, so a device node only if allowed. */
	char dev[256];
	snprintf(dev, sizeof(dev), "%s/root/null", top);
	(void)mknod(dev, S_IFCHR | 0666, makedev(1, 3));
	root_fd = open(rootdir, O_PATH | O_DIRECTORY);
	assert_true(root_fd >= 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(root_fd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const struct path_case {
	const char *name;
	int expect;          /* 0, -ENOENT, -EACCES */
	const char *reason;  /* NULL = any */
	const char *content; /* on success */
} cases[] = {
	{ "good.bin", 0, "ok", "0123456789" },
	{ "sub/inside.txt", 0, "ok", "inside" },
	{ "sub/deeper/x.txt", 0, "ok", "x" },
	{ "..hidden", 0, "ok", "dots in a name are fine" },
	{ "alias", 0, "ok", "0123456789" },
	{ "sub/up-alias", 0, "ok", "0123456789" },
	{ "subdir-link/inside.txt", 0, "ok", "inside" },
	{ "sub/dotdot-inside", 0, "ok", "inside" },
	{ "missing", -ENOENT, "not found", NULL },
	{ "sub/missing/x", -ENOENT, "not found", NULL },
	{ "good.bin/x", -ENOENT, "not found", NULL },
	{ "..", -EACCES, "dot-dot component", NULL },
	{ "../secret.txt", -EACCES, "dot-dot component", NULL },
	{ "sub/../../secret.txt", -EACCES, "dot-dot component", NULL },
	{ "sub/../good.bin", -EACCES, "dot-dot component", NULL },
	{ ".", -EACCES, "dot component", NULL },
	{ "./good.bin", -EACCES, "dot component", NULL },
	{ "/etc/passwd", -EACCES, "absolute path", NULL },
	{ "//good.bin", -EACCES, "absolute path", NULL },
	{ "sub//inside.txt", -EACCES, "empty path component", NULL },
	{ "sub/", -EACCES, "empty path component", NULL },
	{ "", -EACCES, "empty name", NULL },
	{ "a\001b", -EACCES, "control character in name", NULL },
	{ "a\nb", -EACCES, "control character in name", NULL },
	{ "link-abs", -EACCES, "symlink to an absolute path", NULL },
	{ "link-etc", -EACCES, "symlink to an absolute path", NULL },
	{ "link-rel", -EACCES, "symlink leads outside the root", NULL },
	{ "linkdir-abs/s2.txt", -EACCES, "symlink to an absolute path", NULL },
	{ "up/secret.txt", -EACCES, "symlink leads outside the root", NULL },
	{ "sub/up2/secret.txt", -EACCES, "symlink leads outside the root", NULL },
	{ "chain1", -EACCES, "symlink leads outside the root", NULL },
	{ "loop", -EACCES, "too many symlinks", NULL },
	{ "prefix-link", -EACCES, "symlink leads outside the root", NULL },
	{ "sub", -EACCES, "not a regular file", NULL },
	{ "dirlink-last", -EACCES, "not a regular file", NULL },
	{ "fifo", -EACCES, "not a regular file", NULL },
	{ "sock", -EACCES, "not a regular file", NULL },
	{ "%2e%2e/secret.txt", -ENOENT, "not found", NULL },
	{ "..\\secret.txt", -ENOENT, "not found", NULL },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct path_case *c = &cases[i];
		int fd = -1;
		uint64_t size = 0;
		const char *reason = NULL;
		int r = tftp_path_open(root_fd, c->name, &fd, &size, &reason);
		if (r != c->expect || !reason || (c->reason && strcmp(reason, c->reason) != 0))
			fail_msg("'%s': got %d (%s), want %d (%s)", c->name, r, reason ? reason : "-",
				 c->expect, c->reason ? c->reason : "-");
		if (r == 0) {
			char buf[64] = "";
			ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
			assert_true(n >= 0);
			buf[n] = '\0';
			assert_string_equal(buf, c->content);
			assert_int_equal(size, strlen(c->content));
			close(fd);
		}
	}
}

static void test_device_and_long(void **state)
{
	(void)state;
	int fd;
	uint64_t size;
	const char *reason;
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/null", rootdir);
	if (lstat(p, &st) == 0) {
		assert_int_equal(tftp_path_open(root_fd, "null", &fd, &size, &reason), -EACCES);
		assert_string_equal(reason, "not a regular file");
	}
	char name[TFTP_PATH_MAX_NAME + 2];
	memset(name, 'a', sizeof(name));
	name[TFTP_PATH_MAX_NAME + 1] = '\0';
	assert_int_equal(tftp_path_open(root_fd, name, &fd, &size, &reason), -EACCES);
	assert_string_equal(reason, "name too long");
	name[TFTP_PATH_MAX_NAME] = '\0';
	assert_int_equal(tftp_path_open(root_fd, name, &fd, &size, &reason), -ENOENT);
	assert_int_equal(tftp_path_open(-1, "good.bin", &fd, &size, &reason), -EINVAL);
	assert_int_equal(tftp_path_open(root_fd, NULL, &fd, &size, &reason), -EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_device_and_long),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
