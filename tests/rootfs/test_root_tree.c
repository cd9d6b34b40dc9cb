/*
 * test_root_tree.c - the generated root trees: every entry with its type,
 * mode, size, symlink target (absolute ones included) and contents; the
 * stand-in ELF files and their trailer; /sbin/init and its interpreter
 * resolving inside the tree as the kernel and ld.so would; per-board roots
 * sharing the binaries; the same bytes twice; --force; bad input refused
 * before anything is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/test_files.h"

#include "fixtures/boot/boot_image.h"
#include "fixtures/rootfs/root_image.h"
#include "fixtures/rootfs/root_tree.h"

/* ---- helpers ------------------------------------------------------------- */

static const char *at(const char *dir, const char *root, const char *rel)
{
	static char p[4][PATH_MAX];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s%s%s%s%s", dir, *root ? "/" : "", root, *rel ? "/" : "", rel);
	return p[k];
}

static int write_tree(const char *dir, const char *hostname, size_t n_boards, const char *const *boards, bool force,
		      char *err, size_t errcap)
{
	struct root_tree_options opt = { .hostname = hostname, .force = force, .n_boards = n_boards, .boards = boards };
	err[0] = '\0';
	return root_tree_write(dir, &opt, err, errcap);
}

/*
 * Resolves an absolute path inside `root` as the kernel's path walk does
 * over an NFS root: one component at a time, symlinks followed (absolute
 * targets restart at the root, never the host's /), ".." stops at the
 * root. Returns 0 with the host path of the final file, or -errno.
 */
static int resolve(const char *root, const char *path, char *out, size_t cap)
{
	char todo[PATH_MAX], done[PATH_MAX] = "";
	int links = 0;
	snprintf(todo, sizeof(todo), "%s", path);
	while (todo[0]) {
		char *s = todo;
		while (*s == '/')
			s++;
		char *end = strchr(s, '/');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		char comp[NAME_MAX + 1];
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, s, n);
		comp[n] = '\0';
		memmove(todo, s + n, strlen(s + n) + 1);
		if (n == 0 || strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			char *slash = strrchr(done, '/');
			if (slash)
				*slash = '\0';
			continue;
		}
		char host[PATH_MAX], target[PATH_MAX];
		struct stat st;
		snprintf(host, sizeof(host), "%s%s/%s", root, done, comp);
		if (lstat(host, &st) < 0)
			return -errno;
		if (S_ISLNK(st.st_mode)) {
			if (++links > 40)
				return -ELOOP;
			ssize_t tn = readlink(host, target, sizeof(target) - 1);
			if (tn < 0)
				return -errno;
			target[tn] = '\0';
			char rest[PATH_MAX];
			snprintf(rest, sizeof(rest), "%s%s", target, todo); /* todo is "" or "/..." */
			snprintf(todo, sizeof(todo), "%s", rest);
			if (target[0] == '/')
				done[0] = '\0';
			continue;
		}
		if (todo[strspn(todo, "/")] && !S_ISDIR(st.st_mode))
			return -ENOTDIR;
		size_t dl = strlen(done);
		snprintf(done + dl, sizeof(done) - dl, "/%s", comp);
	}
	snprintf(out, cap, "%s%s", root, done);
	return 0;
}

/* Every entry of one written root against the table. */
static void check_root(const char *dir, const char *root, const char *hostname)
{
	struct stat st;
	char text[4096], target[PATH_MAX];
	size_t len;

	assert_int_equal(lstat(at(dir, root, ""), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	for (size_t i = 0; i < root_tree_entry_count(); i++) {
		const struct root_tree_entry *e = root_tree_entry_at(i);
		const char *p = at(dir, root, e->path);
		if (lstat(p, &st) < 0)
			fail_msg("%s: %s", p, strerror(errno));
		assert_int_equal(st.st_mtime, ROOT_TREE_MTIME);
		switch (e->kind) {
		case ROOT_TREE_DIR:
			assert_true(S_ISDIR(st.st_mode));
			break;
		case ROOT_TREE_SYMLINK: {
			assert_true(S_ISLNK(st.st_mode));
			ssize_t n = readlink(p, target, sizeof(target) - 1);
			assert_true(n > 0);
			target[n] = '\0';
			assert_string_equal(target, e->data);
			break;
		}
		case ROOT_TREE_PROGRAM:
		case ROOT_TREE_LIBRARY: {
			assert_true(S_ISREG(st.st_mode));
			assert_int_equal((size_t)st.st_size, e->size);
			uint8_t *data = test_read_all(p, &len);
			assert_int_equal(boot_image_check(data, len), 0);
			char interp[64];
			assert_int_equal(root_image_interp(data, len, interp, sizeof(interp)),
					 e->kind == ROOT_TREE_PROGRAM ? (int)strlen(ROOT_IMAGE_INTERP) : -ENOENT);
			free(data);
			break;
		}
		case ROOT_TREE_TEXT: {
			assert_true(S_ISREG(st.st_mode));
			int n = root_tree_text(e, hostname, text, sizeof(text));
			assert_true(n >= 0);
			char *data = (char *)test_read_all(p, &len);
			assert_int_equal(len, (size_t)n);
			assert_memory_equal(data, text, len);
			free(data);
			break;
		}
		}
		if (e->kind != ROOT_TREE_SYMLINK)
			assert_int_equal(st.st_mode & 07777, e->mode);
		if (geteuid() == 0) {
			assert_int_equal(st.st_uid, e->uid < 0 ? 0 : (uid_t)e->uid);
			assert_int_equal(st.st_gid, e->gid < 0 ? 0 : (gid_t)e->gid);
		}
	}
	char *h = (char *)test_read_all(at(dir, root, "etc/hostname"), &len);
	char want[80];
	snprintf(want, sizeof(want), "%s\n", hostname);
	assert_string_equal(h, want);
	free(h);
}

/* ---- the table ----------------------------------------------------------- */

static void test_table_is_well_formed(void **state)
{
	(void)state;
	size_t n = root_tree_entry_count();
	assert_true(n > 40);
	assert_null(root_tree_entry_at(n));
	for (size_t i = 0; i < n; i++) {
		const struct root_tree_entry *e = root_tree_entry_at(i);
		assert_true(e->path[0] != '/' && e->path[strlen(e->path) - 1] != '/');
		assert_ptr_equal(root_tree_entry_find(e->path), e); /* unique */
		/* the parent is a directory written before (the writer relies on it) */
		const char *slash = strrchr(e->path, '/');
		if (slash) {
			char parent[PATH_MAX];
			snprintf(parent, sizeof(parent), "%.*s", (int)(slash - e->path), e->path);
			const struct root_tree_entry *pe = root_tree_entry_find(parent);
			if (!pe)
				fail_msg("%s: no parent entry", e->path);
			assert_int_equal(pe->kind, ROOT_TREE_DIR);
			assert_true(pe < e);
		}
		if (e->kind == ROOT_TREE_PROGRAM || e->kind == ROOT_TREE_LIBRARY)
			assert_true(e->size >= ROOT_IMAGE_MIN_LEN);
		if (e->kind == ROOT_TREE_SYMLINK || e->kind == ROOT_TREE_TEXT)
			assert_non_null(e->data);
	}
	assert_null(root_tree_entry_find("usr/sbin/nope"));
}

/* What the brief and Debian call for, spelled out once more. */
static void test_table_has_the_debian_shape(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		enum root_tree_kind kind;
		const char *target;
		unsigned mode;
	} want[] = {
		{ "bin", ROOT_TREE_SYMLINK, "usr/bin", 0 },
		{ "sbin", ROOT_TREE_SYMLINK, "usr/sbin", 0 },
		{ "lib", ROOT_TREE_SYMLINK, "usr/lib", 0 },
		{ "usr/sbin/init", ROOT_TREE_SYMLINK, "/lib/systemd/systemd", 0 },
		{ "usr/lib/ld-linux-aarch64.so.1", ROOT_TREE_SYMLINK, "aarch64-linux-gnu/ld-linux-aarch64.so.1", 0 },
		{ "etc/os-release", ROOT_TREE_SYMLINK, "../usr/lib/os-release", 0 },
		{ "etc/systemd/system/getty.target.wants/getty@tty1.service", ROOT_TREE_SYMLINK,
		  "/lib/systemd/system/getty@.service", 0 },
		{ "tmp", ROOT_TREE_DIR, NULL, 01777 },
		{ "var/tmp", ROOT_TREE_DIR, NULL, 01777 },
		{ "root", ROOT_TREE_DIR, NULL, 0700 },
		{ "boot/firmware", ROOT_TREE_DIR, NULL, 0755 },
		{ "etc/shadow", ROOT_TREE_TEXT, NULL, 0640 },
		{ "etc/machine-id", ROOT_TREE_TEXT, NULL, 0444 },
		{ "usr/lib/systemd/systemd", ROOT_TREE_PROGRAM, NULL, 0755 },
		{ "usr/bin/bash", ROOT_TREE_PROGRAM, NULL, 0755 },
		{ "usr/sbin/agetty", ROOT_TREE_PROGRAM, NULL, 0755 },
		{ "usr/lib/aarch64-linux-gnu/libc.so.6", ROOT_TREE_LIBRARY, NULL, 0755 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct root_tree_entry *e = root_tree_entry_find(want[i].path);
		if (!e)
			fail_msg("%s: missing", want[i].path);
		assert_int_equal(e->kind, want[i].kind);
		if (want[i].target)
			assert_string_equal(e->data, want[i].target);
		else
			assert_int_equal(e->mode, want[i].mode);
	}
	/* realistic sizes: systemd ~90 KiB, libc ~1.6 MiB, bash ~1.2 MiB, libsystemd-shared ~2 MiB */
	assert_in_range(root_tree_entry_find("usr/lib/systemd/systemd")->size, 80 << 10, 100 << 10);
	assert_in_range(root_tree_entry_find("usr/lib/aarch64-linux-gnu/libc.so.6")->size, 1500 << 10, 1700 << 10);
	assert_in_range(root_tree_entry_find("usr/bin/bash")->size, 1100 << 10, 1400 << 10);
	assert_in_range(root_tree_entry_find("usr/lib/aarch64-linux-gnu/systemd/libsystemd-shared-252.so")->size,
			1900 << 10, 2200 << 10);
	assert_int_equal(root_tree_entry_find("etc/shadow")->gid, 42);
	assert_int_equal(root_tree_entry_find("home/pi")->uid, 1000);
}

static void test_texts(void **state)
{
	(void)state;
	char buf[4096];
	const struct root_tree_entry *hosts = root_tree_entry_find("etc/hosts");
	int n = root_tree_text(hosts, "pi4b-1", buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n == strlen(buf));
	assert_non_null(strstr(buf, "127.0.1.1\t\tpi4b-1\n"));
	assert_null(strstr(buf, "@HOSTNAME@"));
	n = root_tree_text(root_tree_entry_find("etc/hostname"), NULL, buf, sizeof(buf));
	assert_string_equal(buf, ROOT_TREE_DEFAULT_HOSTNAME "\n");
	assert_int_equal(n, (int)strlen(ROOT_TREE_DEFAULT_HOSTNAME) + 1);
	/* fstab: proc and the NFS root, nothing that needs an SD card */
	root_tree_text(root_tree_entry_find("etc/fstab"), NULL, buf, sizeof(buf));
	assert_true(strncmp(buf, "proc ", 5) == 0);
	assert_non_null(strstr(buf, "\n/dev/nfs        /               nfs     defaults,noatime  0       1\n"));
	assert_null(strstr(buf, "PARTUUID"));
	root_tree_text(root_tree_entry_find("usr/lib/os-release"), NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "VERSION_CODENAME=bookworm\n"));
	assert_non_null(strstr(buf, "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"));
	root_tree_text(root_tree_entry_find("etc/passwd"), NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\npi:x:1000:1000:,,,:/home/pi:/bin/bash\n"));
	assert_true(strncmp(buf, "root:x:0:0:", 11) == 0);
	assert_int_equal(root_tree_text(root_tree_entry_find("etc/machine-id"), NULL, buf, sizeof(buf)), 0);
	/* errors */
	assert_int_equal(root_tree_text(hosts, "pi4b-1", buf, 20), -ENOSPC);
	assert_int_equal(root_tree_text(root_tree_entry_find("etc/hostname"), "abc", buf, 4), -ENOSPC);
	assert_int_equal(root_tree_text(root_tree_entry_find("etc/hostname"), "abc", buf, 5), 4);
	assert_int_equal(root_tree_text(root_tree_entry_find("bin"), NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(root_tree_text(NULL, NULL, buf, sizeof(buf)), -EINVAL);
}

static void test_hostname_check(void **state)
{
	(void)state;
	assert_int_equal(root_tree_check_hostname("raspberrypi"), 0);
	assert_int_equal(root_tree_check_hostname("pi4b-1"), 0);
	assert_int_equal(root_tree_check_hostname("A0"), 0);
	assert_int_equal(root_tree_check_hostname(""), -EINVAL);
	assert_int_equal(root_tree_check_hostname(NULL), -EINVAL);
	assert_int_equal(root_tree_check_hostname("-pi"), -EINVAL);
	assert_int_equal(root_tree_check_hostname("pi_4"), -EINVAL);
	assert_int_equal(root_tree_check_hostname("pi.lan"), -EINVAL);
	assert_int_equal(root_tree_check_hostname("../x"), -EINVAL);
	char long_name[65];
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	assert_int_equal(root_tree_check_hostname(long_name), -EINVAL);
	long_name[63] = '\0';
	assert_int_equal(root_tree_check_hostname(long_name), 0);
}

/* ---- the stand-in ELF files --------------------------------------------------- */

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void test_image(void **state)
{
	(void)state;
	size_t len = 92312;
	uint8_t *a = malloc(len), *b = malloc(len);
	char interp[64];
	assert_non_null(a);
	assert_non_null(b);

	root_image_fill("usr/lib/systemd/systemd", true, a, len);
	assert_memory_equal(a, "\x7f" "ELF\x02\x01\x01", 7);
	assert_int_equal(le(a + 16, 2), 3);   /* ET_DYN */
	assert_int_equal(le(a + 18, 2), 183); /* EM_AARCH64 */
	assert_int_equal(le(a + 56, 2), 2);   /* PT_INTERP + PT_LOAD */
	assert_int_equal(boot_image_check(a, len), 0);
	assert_int_equal(root_image_interp(a, len, interp, sizeof(interp)), (int)strlen(ROOT_IMAGE_INTERP));
	assert_string_equal(interp, ROOT_IMAGE_INTERP);
	assert_int_equal(root_image_interp(a, len, interp, 8), -ENOSPC);

	/* the seed is the base name: same name, same bytes; other name, other bytes */
	root_image_fill("systemd", true, b, len);
	assert_memory_equal(a, b, len);
	root_image_fill("usr/bin/bash", true, b, len);
	assert_memory_not_equal(a + 256, b + 256, 64);

	/* a library has no interpreter */
	root_image_fill("libc.so.6", false, b, len);
	assert_int_equal(boot_image_check(b, len), 0);
	assert_int_equal(le(b + 56, 2), 1);
	assert_int_equal(root_image_interp(b, len, interp, sizeof(interp)), -ENOENT);

	/* truncation and corruption are seen; non-ELF is refused */
	assert_int_equal(boot_image_check(a, len - 100), -ENODATA);
	a[5000] ^= 1;
	assert_int_equal(boot_image_check(a, len), -EBADMSG);
	a[5000] ^= 1;
	assert_int_equal(root_image_interp(a, 40, interp, sizeof(interp)), -ENOEXEC);
	a[18] = 62; /* x86-64 */
	assert_int_equal(root_image_interp(a, len, interp, sizeof(interp)), -ENOEXEC);
	a[18] = 183;
	a[56] = 0xff; /* more program headers than the file holds */
	a[57] = 0xff;
	assert_int_equal(root_image_interp(a, len, interp, sizeof(interp)), -ENOEXEC);
	/* the smallest file still works */
	root_image_fill("tiny", true, b, ROOT_IMAGE_MIN_LEN);
	assert_int_equal(boot_image_check(b, ROOT_IMAGE_MIN_LEN), 0);
	assert_int_equal(root_image_interp(b, ROOT_IMAGE_MIN_LEN, interp, sizeof(interp)),
			 (int)strlen(ROOT_IMAGE_INTERP));
	free(a);
	free(b);
}

/* ---- writing ----------------------------------------------------------------- */

static const char *const two_boards[] = { "pi4b-1", "pi5-1" };

static void test_write_and_check_every_entry(void **state)
{
	(void)state;
	char *dir = test_make_tmpdir("pitest-root"), err[512];
	assert_int_equal(write_tree(dir, NULL, 2, two_boards, false, err, sizeof(err)), 0);
	check_root(dir, "rootfs", ROOT_TREE_DEFAULT_HOSTNAME);
	check_root(dir, "pi4b-1", "pi4b-1");
	check_root(dir, "pi5-1", "pi5-1");

	/* the boards share the binaries (hard links), not the texts */
	struct stat s0, s1;
	assert_int_equal(stat(at(dir, "rootfs", "usr/bin/bash"), &s0), 0);
	assert_int_equal(stat(at(dir, "pi5-1", "usr/bin/bash"), &s1), 0);
	assert_int_equal(s0.st_ino, s1.st_ino);
	assert_int_equal(s0.st_nlink, 3);
	assert_int_equal(stat(at(dir, "rootfs", "etc/passwd"), &s0), 0);
	assert_int_equal(stat(at(dir, "pi5-1", "etc/passwd"), &s1), 0);
	assert_int_not_equal(s0.st_ino, s1.st_ino);

	/* nothing else at the top: DIR/rootfs and one folder per board */
	assert_int_equal(access(at(dir, "", "rootfs"), F_OK), 0);
	assert_int_equal(access(at(dir, "", "pi3b-1"), F_OK), -1);
	test_rm_tree(dir);
}

static void check_resolves_to_program(const char *root, const char *path, const char *want)
{
	char host[PATH_MAX], interp[64];
	size_t len;
	assert_int_equal(resolve(root, path, host, sizeof(host)), 0);
	char expect[PATH_MAX];
	snprintf(expect, sizeof(expect), "%s/%s", root, want);
	assert_string_equal(host, expect);
	uint8_t *data = test_read_all(host, &len);
	assert_int_equal(boot_image_check(data, len), 0);
	/* and its interpreter, through /lib -> usr/lib and the loader symlink */
	assert_true(root_image_interp(data, len, interp, sizeof(interp)) > 0);
	free(data);
	assert_int_equal(resolve(root, interp, host, sizeof(host)), 0);
	snprintf(expect, sizeof(expect), "%s/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", root);
	assert_string_equal(host, expect);
	data = test_read_all(host, &len);
	assert_int_equal(boot_image_check(data, len), 0);
	assert_int_equal(root_image_interp(data, len, interp, sizeof(interp)), -ENOENT);
	free(data);
}

static void test_init_resolves_inside_the_tree(void **state)
{
	(void)state;
	char *dir = test_make_tmpdir("pitest-root"), err[512], host[PATH_MAX], root[PATH_MAX];
	assert_int_equal(write_tree(dir, NULL, 1, two_boards, false, err, sizeof(err)), 0);
	for (int k = 0; k < 2; k++) {
		snprintf(root, sizeof(root), "%s/%s", dir, k ? "pi4b-1" : "rootfs");
		/* /sbin -> usr/sbin, usr/sbin/init -> /lib/systemd/systemd (absolute:
		 * the tree's /lib, not the host's), /lib -> usr/lib */
		check_resolves_to_program(root, ROOT_TREE_INIT, "usr/lib/systemd/systemd");
		check_resolves_to_program(root, "/bin/bash", "usr/bin/bash");
		check_resolves_to_program(root, "/bin/sh", "usr/bin/dash");
		check_resolves_to_program(root, "/sbin/agetty", "usr/sbin/agetty");
		/* the unit symlinks systemd reads at boot */
		assert_int_equal(resolve(root, "/etc/systemd/system/getty.target.wants/getty@tty1.service", host,
					 sizeof(host)),
				 0);
		assert_string_equal(host, at(root, "", "usr/lib/systemd/system/getty@.service"));
		assert_int_equal(resolve(root, "/etc/systemd/system/default.target", host, sizeof(host)), 0);
		assert_string_equal(host, at(root, "", "usr/lib/systemd/system/multi-user.target"));
		assert_int_equal(resolve(root, "/etc/os-release", host, sizeof(host)), 0);
		assert_string_equal(host, at(root, "", "usr/lib/os-release"));
		assert_int_equal(resolve(root, "/lib/aarch64-linux-gnu/libtinfo.so.6", host, sizeof(host)), 0);
		assert_string_equal(host, at(root, "", "usr/lib/aarch64-linux-gnu/libtinfo.so.6.4"));
		/* ".." at the top stays inside; a missing name is ENOENT */
		assert_int_equal(resolve(root, "/../../usr/../etc/hostname", host, sizeof(host)), 0);
		assert_string_equal(host, at(root, "", "etc/hostname"));
		/* ".." after a symlink is taken from where the link led: /sbin/.. is /usr */
		assert_int_equal(resolve(root, "/sbin/../lib/os-release", host, sizeof(host)), 0);
		assert_string_equal(host, at(root, "", "usr/lib/os-release"));
		assert_int_equal(resolve(root, "/sbin/init/x", host, sizeof(host)), -ENOTDIR);
		assert_int_equal(resolve(root, "/usr/sbin/nope", host, sizeof(host)), -ENOENT);
	}
	/* every symlink of the tree resolves inside it (none dangles) */
	snprintf(root, sizeof(root), "%s/rootfs", dir);
	for (size_t i = 0; i < root_tree_entry_count(); i++) {
		const struct root_tree_entry *e = root_tree_entry_at(i);
		char abs[PATH_MAX];
		snprintf(abs, sizeof(abs), "/%s", e->path);
		int r = resolve(root, abs, host, sizeof(host));
		if (r < 0)
			fail_msg("%s: %s", e->path, strerror(-r));
	}
	test_rm_tree(dir);
}

static void compare_trees(const char *a, const char *b)
{
	for (size_t i = 0; i < root_tree_entry_count(); i++) {
		const struct root_tree_entry *e = root_tree_entry_at(i);
		struct stat sa, sb;
		assert_int_equal(lstat(at(a, "", e->path), &sa), 0);
		assert_int_equal(lstat(at(b, "", e->path), &sb), 0);
		assert_int_equal(sa.st_mode, sb.st_mode);
		assert_int_equal(sa.st_size, sb.st_size);
		assert_int_equal(sa.st_mtime, sb.st_mtime);
		if (S_ISREG(sa.st_mode)) {
			size_t la, lb;
			uint8_t *da = test_read_all(at(a, "", e->path), &la), *db = test_read_all(at(b, "", e->path), &lb);
			assert_int_equal(la, lb);
			if (memcmp(da, db, la) != 0)
				fail_msg("%s differs", e->path);
			free(da);
			free(db);
		}
	}
}

static void test_same_bytes_twice(void **state)
{
	(void)state;
	char *d1 = test_make_tmpdir("pitest-root"), *d2 = test_make_tmpdir("pitest-root"), err[512], a[PATH_MAX], b[PATH_MAX];
	assert_int_equal(write_tree(d1, "node7", 1, two_boards, false, err, sizeof(err)), 0);
	assert_int_equal(write_tree(d2, "node7", 1, two_boards, false, err, sizeof(err)), 0);
	snprintf(a, sizeof(a), "%s/rootfs", d1);
	snprintf(b, sizeof(b), "%s/rootfs", d2);
	compare_trees(a, b);
	snprintf(a, sizeof(a), "%s/pi4b-1", d1);
	snprintf(b, sizeof(b), "%s/pi4b-1", d2);
	compare_trees(a, b);
	test_rm_tree(d1);
	test_rm_tree(d2);
}

static void test_force(void **state)
{
	(void)state;
	char *dir = test_make_tmpdir("pitest-root"), err[512];
	char outside[PATH_MAX];
	assert_int_equal(write_tree(dir, NULL, 0, NULL, false, err, sizeof(err)), 0);

	/* a second run needs --force and says so */
	assert_int_equal(write_tree(dir, NULL, 0, NULL, false, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "not empty (--force"));

	/* with it: our entries come back as they were, foreign files stay */
	test_write_text(at(dir, "rootfs", "etc/hostname"), "changed\n");
	assert_int_equal(chmod(at(dir, "rootfs", "tmp"), 0700), 0);
	assert_int_equal(unlink(at(dir, "rootfs", "sbin")), 0);
	assert_int_equal(symlink("elsewhere", at(dir, "rootfs", "sbin")), 0);
	assert_int_equal(unlink(at(dir, "rootfs", "usr/bin/bash")), 0);
	test_write_text(at(dir, "rootfs", "usr/bin/bash"), "short");
	test_write_text(at(dir, "rootfs", "var/log/boot.log"), "kept\n");
	assert_int_equal(write_tree(dir, "other", 1, two_boards, true, err, sizeof(err)), 0);
	check_root(dir, "rootfs", "other");
	check_root(dir, "pi4b-1", "pi4b-1");
	assert_int_equal(access(at(dir, "rootfs", "var/log/boot.log"), F_OK), 0);

	/* a directory where a symlink belongs is not removed: one message */
	assert_int_equal(unlink(at(dir, "rootfs", "lib")), 0);
	assert_int_equal(mkdir(at(dir, "rootfs", "lib"), 0755), 0);
	assert_int_equal(write_tree(dir, NULL, 0, NULL, true, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "rootfs/lib: cannot replace"));
	assert_int_equal(rmdir(at(dir, "rootfs", "lib")), 0);

	/* a symlink in place of a directory is never written through */
	char *victim = test_make_tmpdir("pitest-root");
	snprintf(outside, sizeof(outside), "%s", victim);
	assert_int_equal(rename(at(dir, "rootfs", "etc"), at(dir, "", "etc.old")), 0);
	assert_int_equal(symlink(outside, at(dir, "rootfs", "etc")), 0);
	assert_int_equal(write_tree(dir, NULL, 0, NULL, true, err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, "rootfs/etc: in the way of a directory"));
	assert_int_equal(access(at(outside, "", "hostname"), F_OK), -1);
	test_rm_tree(victim);
	test_rm_tree(dir);
}

static void test_bad_input_writes_nothing(void **state)
{
	(void)state;
	char *dir = test_make_tmpdir("pitest-root"), err[512], sub[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s/new", dir);
	static const char *const rootfs_board[] = { "pi4b-1", "rootfs" };
	static const char *const twice[] = { "pi4b-1", "pi4b-1" };
	static const char *const slash[] = { "../pi4b-1" };
	static const char *const empty[] = { "" };
	static const char *const dot[] = { ".hidden" };

	assert_int_equal(write_tree(sub, "bad_name", 0, NULL, false, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad_name: expected a hostname"));
	assert_int_equal(write_tree(sub, NULL, 2, rootfs_board, false, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "board 'rootfs'"));
	assert_int_equal(write_tree(sub, NULL, 2, twice, false, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "named twice"));
	assert_int_equal(write_tree(sub, NULL, 1, slash, false, err, sizeof(err)), -EINVAL);
	assert_int_equal(write_tree(sub, NULL, 1, empty, false, err, sizeof(err)), -EINVAL);
	assert_int_equal(write_tree(sub, NULL, 1, dot, false, err, sizeof(err)), -EINVAL);
	assert_int_equal(write_tree("", NULL, 0, NULL, false, err, sizeof(err)), -EINVAL);
	assert_int_equal(access(sub, F_OK), -1);

	/* DIR is a file */
	test_write_text(sub, "x");
	assert_true(write_tree(sub, NULL, 0, NULL, false, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, sub));
	test_rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_well_formed),
		cmocka_unit_test(test_table_has_the_debian_shape),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_hostname_check),
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_write_and_check_every_entry),
		cmocka_unit_test(test_init_resolves_inside_the_tree),
		cmocka_unit_test(test_same_bytes_twice),
		cmocka_unit_test(test_force),
		cmocka_unit_test(test_bad_input_writes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
