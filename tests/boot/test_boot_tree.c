/*
 * test_boot_tree.c - the generated boot files and trees: headers a reader
 * recognises, a trailer that catches truncation and corruption, the files
 * and sizes of each model, serial folders, a config.txt that gives each
 * model its kernel and only asks for files the tree has, and the same bytes
 * on every run.
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
#include "fixtures/boot/boot_tree.h"

/* ---- helpers ------------------------------------------------------------- */

/* Every regular file under a root, relative, in one newline-joined list. */
static char walked[1 << 16];
static size_t walked_root_len;
static int walk_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_F) {
		assert_true(S_ISREG(st->st_mode));
		size_t n = strlen(walked);
		snprintf(walked + n, sizeof(walked) - n, "%s\n", path + walked_root_len + 1);
	}
	return 0;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static bool listed(const char *name)
{
	char line[PATH_MAX + 2];
	snprintf(line, sizeof(line), "\n%s\n", name);
	char all[sizeof(walked) + 1];
	snprintf(all, sizeof(all), "\n%s", walked);
	return strstr(all, line) != NULL;
}

static void walk(const char *dir)
{
	walked[0] = '\0';
	walked_root_len = strlen(dir);
	assert_int_equal(nftw(dir, walk_one, 16, FTW_PHYS), 0);
}

/* ---- boot_image ------------------------------------------------------------ */

static void test_crc32(void **state)
{
	(void)state;
	/* the check value of CRC-32/ISO-HDLC, as zlib computes it */
	assert_int_equal(boot_image_crc32(0, (const uint8_t *)"123456789", 9), 0xcbf43926u);
	assert_int_equal(boot_image_crc32(0, NULL, 0), 0);
	/* chunked = whole, whatever the split and alignment (slice-by-8 path) */
	uint8_t buf[1000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	uint32_t whole = boot_image_crc32(0, buf, sizeof(buf));
	for (size_t cut = 0; cut <= 17; cut++) {
		uint32_t c = boot_image_crc32(0, buf, cut);
		assert_int_equal(boot_image_crc32(c, buf + cut, sizeof(buf) - cut), whole);
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_headers(void **state)
{
	(void)state;
	size_t len = 70001;
	uint8_t *b = malloc(len);
	assert_non_null(b);

	boot_image_fill("start4.elf", b, len);
	assert_memory_equal(b, "\x7f" "ELF\x01\x01\x01", 7);
	assert_int_equal(b[18] | b[19] << 8, 137); /* EM_VIDEOCORE3 */
	assert_int_equal(boot_image_check(b, len), 0);

	boot_image_fill("some/dir/bcm2711-rpi-4-b.dtb", b, len);
	assert_int_equal(be32(b), 0xd00dfeedu);
	assert_int_equal(be32(b + 4), len);          /* totalsize */
	assert_int_equal(be32(b + 20), 17);          /* version */
	uint32_t off_struct = be32(b + 8), off_strings = be32(b + 12), size_struct = be32(b + 36);
	assert_true(off_struct >= 40 && off_struct + size_struct <= off_strings);
	assert_true(off_strings + be32(b + 32) <= len);
	assert_int_equal(be32(b + off_struct), 1);                     /* FDT_BEGIN_NODE */
	assert_int_equal(be32(b + off_struct + size_struct - 4), 9);   /* FDT_END */
	assert_string_equal((const char *)b + off_strings, "compatible");
	assert_non_null(memmem(b + off_struct, size_struct, "pitest,bcm2711-rpi-4-b.dtb", 26));

	boot_image_fill("overlays/disable-bt.dtbo", b, 1165);
	assert_int_equal(be32(b), 0xd00dfeedu);
	assert_int_equal(be32(b + 4), 1165);
	assert_int_equal(boot_image_check(b, 1165), 0);

	boot_image_fill("kernel8.img", b, len);
	assert_memory_equal(b + 56, "ARM\x64", 4);
	assert_int_equal(le32(b + 16), len); /* image_size */
	boot_image_fill("kernel_2712.img", b, len);
	assert_memory_equal(b + 56, "ARM\x64", 4);

	boot_image_fill("kernel7.img", b, len);
	assert_int_equal(le32(b + 0x24), 0x016f2818u);
	assert_int_equal(le32(b + 0x2c), len);
	assert_memory_not_equal(b + 56, "ARM\x64", 4);

	/* bootcode.bin is no ELF on real boards: filler only */
	boot_image_fill("bootcode.bin", b, len);
	assert_memory_not_equal(b, "\x7f" "ELF", 4);
	assert_int_equal(boot_image_check(b, len), 0);

	/* tiny files still get their trailer, header or not */
	boot_image_fill("start.elf", b, BOOT_IMAGE_TRAILER_LEN);
	assert_int_equal(boot_image_check(b, BOOT_IMAGE_TRAILER_LEN), 0);
	boot_image_fill("x.dtb", b, 40);
	assert_int_equal(boot_image_check(b, 40), 0);
	free(b);
}

static void test_check_catches_damage(void **state)
{
	(void)state;
	size_t len = 100000;
	uint8_t *b = malloc(len), *c = malloc(len);
	assert_non_null(b);
	assert_non_null(c);
	boot_image_fill("kernel8.img", b, len);
	assert_int_equal(boot_image_check(b, len), 0);

	/* cut short: the trailer is gone */
	size_t cuts[] = { 0, 1, 15, 16, 512, len / 2, len - 512, len - 17, len - 16, len - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		if (boot_image_check(b, cuts[i]) == 0)
			fail_msg("truncated to %zu bytes passed", cuts[i]);
	assert_int_equal(boot_image_check(b, len - 1), -ENODATA);

	/* cut short and padded back to the size: the CRC says so */
	memcpy(c, b, len);
	memset(c + 4096, 0, len - 4096 - BOOT_IMAGE_TRAILER_LEN);
	assert_int_equal(boot_image_check(c, len), -EBADMSG);

	/* one byte changed anywhere: header, filler, every trailer field */
	size_t at[] = { 0, 16, 56, 4095, len / 2, len - 17, len - 16, len - 9, len - 8, len - 5, len - 4, len - 1 };
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		memcpy(c, b, len);
		c[at[i]] ^= 0x01;
		if (boot_image_check(c, len) == 0)
			fail_msg("byte %zu flipped passed", at[i]);
	}
	/* a longer file with our trailer somewhere inside is not ours either */
	assert_int_not_equal(boot_image_check(b, len - 1), 0);
	free(b);
	free(c);
}

static void test_deterministic_fill(void **state)
{
	(void)state;
	uint8_t a[4096], b[4096];
	boot_image_fill("fixup.dat", a, sizeof(a));
	boot_image_fill("a/b/fixup.dat", b, sizeof(b));
	assert_memory_equal(a, b, sizeof(a)); /* seeded by the base name */
	boot_image_fill("fixup4.dat", b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
}

/* ---- the file table --------------------------------------------------------- */

static void test_table(void **state)
{
	(void)state;
	enum boot_tree_model m;
	assert_int_equal(boot_tree_model_from_name("pi3b+", &m), 0);
	assert_int_equal(m, BOOT_TREE_PI3BPLUS);
	assert_string_equal(boot_tree_model_name(BOOT_TREE_PI5), "pi5");
	assert_int_equal(boot_tree_model_from_name("pi4", &m), -EINVAL);

	/* realistic sizes (pi-netboot.md 3.4, 7) */
	static const struct {
		const char *name;
		size_t min, max;
	} sizes[] = {
		{ "bootcode.bin", 48 << 10, 56 << 10 },
		{ "start.elf", 2700 << 10, 3100 << 10 },
		{ "fixup.dat", 6 << 10, 8 << 10 },
		{ "start4.elf", 2100 << 10, 2300 << 10 },
		{ "fixup4.dat", 5 << 10, 6 << 10 },
		{ "bcm2709-rpi-2-b.dtb", 30 << 10, 80 << 10 },
		{ "bcm2710-rpi-3-b.dtb", 30 << 10, 80 << 10 },
		{ "bcm2710-rpi-3-b-plus.dtb", 30 << 10, 80 << 10 },
		{ "bcm2711-rpi-4-b.dtb", 30 << 10, 80 << 10 },
		{ "bcm2712-rpi-5-b.dtb", 30 << 10, 80 << 10 },
		{ "overlays/overlay_map.dtb", 4 << 10, 6 << 10 },
		{ "kernel7.img", 6 << 20, 7 << 20 },
		{ "kernel7l.img", 6 << 20, 8 << 20 },
		{ "kernel8.img", 8 << 20, 9 << 20 },
		{ "kernel_2712.img", 9 << 20, 10 << 20 },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const struct boot_tree_file *f = boot_tree_file_find(sizes[i].name);
		if (!f)
			fail_msg("%s not in the table", sizes[i].name);
		if (f->size < sizes[i].min || f->size > sizes[i].max)
			fail_msg("%s: %zu bytes", f->name, f->size);
	}
	/* what the boards probe for and must not find */
	static const char *const absent[] = { "bootsig.bin", "recovery.elf", "recovery7.img", "start_cd.elf",
					      "fixup_cd.dat", "start4x.elf", "autoboot.txt", "dt-blob.bin" };
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		assert_null(boot_tree_file_find(absent[i]));
	for (size_t i = 0; i < boot_tree_file_count(); i++) {
		const struct boot_tree_file *f = boot_tree_file_at(i);
		if (strstr(f->name, ".dtbo"))
			assert_true(f->size >= 1024 && f->size <= 3 << 10);
		assert_true(f->models != 0);
	}
	assert_null(boot_tree_file_at(boot_tree_file_count()));
}

/* ---- config.txt as the firmware reads it ------------------------------------------ */

struct config_view {
	char kernel[64];
	bool arm_64bit;
	bool uart, uart_2ndstage;
	size_t n_overlays;
	char overlays[8][48];
};

/*
 * config.txt through the firmware's eyes for one model: a model filter
 * replaces the previous one, [all] ends filtering, [none] skips.
 */
static void config_read(const char *text, enum boot_tree_model model, struct config_view *v)
{
	static const char *const filters[BOOT_TREE_MODEL_COUNT][3] = {
		[BOOT_TREE_PI2] = { "pi2" },
		[BOOT_TREE_PI3B] = { "pi3" },
		[BOOT_TREE_PI3BPLUS] = { "pi3", "pi3+" },
		[BOOT_TREE_PI4B] = { "pi4" },
		[BOOT_TREE_PI5] = { "pi5" },
	};
	memset(v, 0, sizeof(*v));
	bool active = true;
	const char *p = text;
	while (*p) {
		char line[256];
		size_t n = strcspn(p, "\n");
		assert_true(n < sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (p[n] == '\n');
		if (!line[0] || line[0] == '#')
			continue;
		if (line[0] == '[') {
			char *end = strchr(line, ']');
			assert_non_null(end);
			*end = '\0';
			const char *f = line + 1;
			active = strcmp(f, "all") == 0;
			for (size_t i = 0; i < 3 && filters[model][i]; i++)
				active = active || strcmp(f, filters[model][i]) == 0;
			continue;
		}
		char *eq = strchr(line, '=');
		if (!eq)
			fail_msg("config.txt line without '=': %s", line);
		*eq = '\0';
		const char *key = line, *val = eq + 1;
		if (!active)
			continue;
		if (strcmp(key, "kernel") == 0)
			snprintf(v->kernel, sizeof(v->kernel), "%s", val);
		else if (strcmp(key, "arm_64bit") == 0)
			v->arm_64bit = strcmp(val, "1") == 0;
		else if (strcmp(key, "enable_uart") == 0)
			v->uart = strcmp(val, "1") == 0;
		else if (strcmp(key, "uart_2ndstage") == 0)
			v->uart_2ndstage = strcmp(val, "1") == 0;
		else if (strcmp(key, "dtoverlay") == 0 && v->n_overlays < 8)
			snprintf(v->overlays[v->n_overlays++], 48, "%s", val);
		else
			fail_msg("unexpected config.txt key %s", key);
	}
}

static void test_config_txt(void **state)
{
	(void)state;
	static const struct {
		enum boot_tree_model model;
		const char *kernel;
		bool arm_64bit;
	} want[] = {
		{ BOOT_TREE_PI2, "kernel7.img", false },
		{ BOOT_TREE_PI3B, "kernel8.img", true },
		{ BOOT_TREE_PI3BPLUS, "kernel8.img", true },
		{ BOOT_TREE_PI4B, "kernel8.img", true },
		{ BOOT_TREE_PI5, "kernel_2712.img", false },
	};
	char text[4096];
	int n = boot_tree_config_txt(0, NULL, text, sizeof(text));
	assert_true(n > 0 && (size_t)n == strlen(text));
	assert_non_null(strstr(text, "\n[none]\n"));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct config_view v;
		unsigned bit = 1u << want[i].model;
		config_read(text, want[i].model, &v);
		assert_string_equal(v.kernel, want[i].kernel);
		assert_int_equal(v.arm_64bit, want[i].arm_64bit);
		assert_true(v.uart && v.uart_2ndstage);
		/* the kernel and every overlay asked for are in the model's files */
		const struct boot_tree_file *k = boot_tree_file_find(v.kernel);
		assert_non_null(k);
		assert_true(k->models & bit);
		assert_true(v.n_overlays >= 1);
		for (size_t o = 0; o < v.n_overlays; o++) {
			char name[80];
			snprintf(name, sizeof(name), "overlays/%s.dtbo", v.overlays[o]);
			const struct boot_tree_file *f = boot_tree_file_find(name);
			if (!f || !(f->models & bit))
				fail_msg("%s asks for %s", boot_tree_model_name(want[i].model), name);
		}
		/* and a board's own copy says the same */
		char own[4096];
		assert_true(boot_tree_config_txt(bit, "b-1", own, sizeof(own)) > 0);
		assert_non_null(strstr(own, "for board b-1"));
		struct config_view v2;
		config_read(own, want[i].model, &v2);
		assert_memory_equal(&v, &v2, sizeof(v));
	}
	/* a 3B+ reads [pi3+] too, a 3B does not */
	struct config_view v;
	config_read(text, BOOT_TREE_PI3BPLUS, &v);
	assert_int_equal(v.n_overlays, 3);
	assert_string_equal(v.overlays[2], "disable-wifi");
	config_read(text, BOOT_TREE_PI3B, &v);
	assert_int_equal(v.n_overlays, 2);

	/* one model: only its section */
	assert_true(boot_tree_config_txt(1u << BOOT_TREE_PI4B, NULL, text, sizeof(text)) > 0);
	assert_null(strstr(text, "\n[pi2]\n"));
	assert_non_null(strstr(text, "\n[pi4]\n"));
	assert_int_equal(boot_tree_config_txt(0, NULL, text, 100), -ENOSPC);
}

static void test_cmdline_txt(void **state)
{
	(void)state;
	char text[512];
	int n = boot_tree_cmdline_txt(NULL, "rootfs", text, sizeof(text));
	assert_string_equal(text, "console=serial0,115200 console=tty1 root=/dev/nfs "
				  "nfsroot=192.168.1.1:/srv/pitest/rootfs,vers=3,tcp rw ip=dhcp rootwait\n");
	assert_int_equal(n, (int)strlen(text));
	boot_tree_cmdline_txt("10.0.0.1", "pi4b-1", text, sizeof(text));
	assert_non_null(strstr(text, " nfsroot=10.0.0.1:/srv/pitest/pi4b-1,vers=3,tcp "));
	assert_int_equal(boot_tree_cmdline_txt("server.lan", "rootfs", text, sizeof(text)), -EINVAL);
	assert_int_equal(boot_tree_cmdline_txt("10.0.0.1", "a/b", text, sizeof(text)), -EINVAL);
	assert_int_equal(boot_tree_cmdline_txt("10.0.0.1", "rootfs", text, 20), -ENOSPC);
}

/* ---- whole trees --------------------------------------------------------------- */

static const struct boot_tree_board boards[] = {
	{ "pi3bplus-1", BOOT_TREE_PI3BPLUS, 0x6c9e41f2 },
	{ "pi4b-1", BOOT_TREE_PI4B, 0x1a2b3c4d },
	{ "pi5-1", BOOT_TREE_PI5, 0xe4b7c822 },
};

static void check_binary(const char *dir, const char *rel, size_t size)
{
	char path[PATH_MAX];
	size_t len;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	uint8_t *b = test_read_all(path, &len);
	if (len != size)
		fail_msg("%s: %zu bytes, want %zu", rel, len, size);
	if (boot_image_check(b, len) != 0)
		fail_msg("%s: boot_image_check failed", rel);
	free(b);
}

/* Exactly the files the options call for, each with its size and trailer. */
static void check_tree(const char *dir, unsigned models, const struct boot_tree_board *bs, size_t n_boards,
		       const char *server)
{
	size_t expected = 2;
	walk(dir);
	assert_true(listed("config.txt"));
	assert_true(listed("cmdline.txt"));
	for (size_t i = 0; i < boot_tree_file_count(); i++) {
		const struct boot_tree_file *f = boot_tree_file_at(i);
		if (!(f->models & models)) {
			if (listed(f->name))
				fail_msg("%s written for models 0x%x", f->name, models);
			continue;
		}
		if (!listed(f->name))
			fail_msg("%s missing", f->name);
		check_binary(dir, f->name, f->size);
		expected++;
	}
	char path[PATH_MAX], rel[PATH_MAX];
	for (size_t b = 0; b < n_boards; b++) {
		unsigned bit = 1u << bs[b].model;
		if (!(bit & models))
			continue;
		for (size_t i = 0; i < boot_tree_file_count(); i++) {
			const struct boot_tree_file *f = boot_tree_file_at(i);
			snprintf(rel, sizeof(rel), "%08x/%s", bs[b].serial, f->name);
			if (!(f->models & bit) || f->before_prefix) {
				assert_false(listed(rel));
				continue;
			}
			if (!listed(rel))
				fail_msg("%s missing", rel);
			/* a hard link to the root's file */
			struct stat a, c;
			snprintf(path, sizeof(path), "%s/%s", dir, f->name);
			assert_int_equal(stat(path, &a), 0);
			snprintf(path, sizeof(path), "%s/%s", dir, rel);
			assert_int_equal(stat(path, &c), 0);
			assert_int_equal(a.st_ino, c.st_ino);
			check_binary(dir, rel, f->size);
			expected++;
		}
		size_t len;
		snprintf(path, sizeof(path), "%s/%08x/config.txt", dir, bs[b].serial);
		char *cfg = (char *)test_read_all(path, &len);
		struct config_view v;
		config_read(cfg, bs[b].model, &v);
		snprintf(rel, sizeof(rel), "%08x/%s", bs[b].serial, v.kernel);
		assert_true(listed(rel)); /* its kernel is under the prefix */
		free(cfg);
		snprintf(path, sizeof(path), "%s/%08x/cmdline.txt", dir, bs[b].serial);
		char *cmd = (char *)test_read_all(path, &len);
		char want[128];
		snprintf(want, sizeof(want), "nfsroot=%s:/srv/pitest/%s,", server, bs[b].name);
		assert_non_null(strstr(cmd, want));
		free(cmd);
		expected += 2;
	}
	if (count_lines(walked) != expected)
		fail_msg("%zu files, want %zu:\n%s", count_lines(walked), expected, walked);
	size_t len;
	snprintf(path, sizeof(path), "%s/cmdline.txt", dir);
	char *cmd = (char *)test_read_all(path, &len);
	char want[128];
	snprintf(want, sizeof(want), "nfsroot=%s:/srv/pitest/rootfs,", server);
	assert_non_null(strstr(cmd, want));
	free(cmd);
}

static void test_full_tree(void **state)
{
	(void)state;
	char *dir = test_make_tmpdir("pitest-boot");
	char err[512] = "";
	struct boot_tree_options opt = { .server = "10.1.2.3", .boards = boards, .n_boards = 3 };
	if (boot_tree_write(dir, &opt, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	check_tree(dir, BOOT_TREE_ALL_MODELS, boards, 3, "10.1.2.3");
	/* the ROM fetches bootcode.bin before any prefix: root only */
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/6c9e41f2/bootcode.bin", dir);
	assert_int_equal(access(path, F_OK), -1);
	/* the Pi 5 folder has no start*.elf but its config.txt */
	snprintf(path, sizeof(path), "%s/e4b7c822/config.txt", dir);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/e4b7c822/start4.elf", dir);
	assert_int_equal(access(path, F_OK), -1);
	test_rm_tree(dir);
}

static void test_one_model(void **state)
{
	(void)state;
	for (int m = 0; m < BOOT_TREE_MODEL_COUNT; m++) {
		char *dir = test_make_tmpdir("pitest-boot");
		char err[512] = "";
		struct boot_tree_options opt = { .models = 1u << m, .boards = boards, .n_boards = 3 };
		if (boot_tree_write(dir, &opt, err, sizeof(err)) < 0)
			fail_msg("%s", err);
		/* serial folders only for boards of that model */
		check_tree(dir, 1u << m, boards, 3, BOOT_TREE_DEFAULT_SERVER);
		test_rm_tree(dir);
	}
}

/* Same options, same bytes: compare two trees file by file. */
static void test_deterministic_tree(void **state)
{
	(void)state;
	char *a = test_make_tmpdir("pitest-boot"), *b = test_make_tmpdir("pitest-boot");
	char err[512] = "", list[sizeof(walked)];
	struct boot_tree_options opt = { .boards = boards, .n_boards = 3 };
	assert_int_equal(boot_tree_write(a, &opt, err, sizeof(err)), 0);
	assert_int_equal(boot_tree_write(b, &opt, err, sizeof(err)), 0);
	walk(a);
	memcpy(list, walked, sizeof(list));
	walk(b);
	assert_string_equal(list, walked);
	for (char *line = list, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		char pa[PATH_MAX], pb[PATH_MAX];
		size_t la, lb;
		snprintf(pa, sizeof(pa), "%s/%s", a, line);
		snprintf(pb, sizeof(pb), "%s/%s", b, line);
		uint8_t *da = test_read_all(pa, &la), *db = test_read_all(pb, &lb);
		assert_int_equal(la, lb);
		if (memcmp(da, db, la) != 0)
			fail_msg("%s differs between two runs", line);
		free(da);
		free(db);
	}
	test_rm_tree(a);
	test_rm_tree(b);
}

static void test_force(void **state)
{
	(void)state;
	char *dir = test_make_tmpdir("pitest-boot");
	char err[512] = "", path[PATH_MAX];
	struct boot_tree_options opt = { .models = 1u << BOOT_TREE_PI4B, .boards = boards, .n_boards = 3 };
	assert_int_equal(boot_tree_write(dir, &opt, err, sizeof(err)), 0);

	/* a second run needs --force */
	err[0] = '\0';
	assert_int_equal(boot_tree_write(dir, &opt, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "not empty"));

	/* with it, damaged files are replaced, without writing through the
	 * links into the other folder's file, and foreign files are kept */
	snprintf(path, sizeof(path), "%s/1a2b3c4d/kernel8.img", dir);
	test_write_text(path, "not a kernel");
	snprintf(path, sizeof(path), "%s/mine.txt", dir);
	test_write_text(path, "keep me");
	opt.force = true;
	assert_int_equal(boot_tree_write(dir, &opt, err, sizeof(err)), 0);
	check_binary(dir, "kernel8.img", boot_tree_file_find("kernel8.img")->size);
	check_binary(dir, "1a2b3c4d/kernel8.img", boot_tree_file_find("kernel8.img")->size);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(unlink(path), 0);
	check_tree(dir, 1u << BOOT_TREE_PI4B, boards, 3, BOOT_TREE_DEFAULT_SERVER);
	test_rm_tree(dir);
}

static void test_errors(void **state)
{
	(void)state;
	char *dir = test_make_tmpdir("pitest-boot");
	char err[512] = "", path[PATH_MAX];
	struct boot_tree_options opt = { .server = "nfs.example" };
	assert_int_equal(boot_tree_write(dir, &opt, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "IPv4"));

	/* a file where the directory should be */
	snprintf(path, sizeof(path), "%s/file", dir);
	test_write_text(path, "x");
	opt.server = NULL;
	assert_true(boot_tree_write(path, &opt, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, path));
	/* a new directory, parents included, is fine */
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	opt.models = 1u << BOOT_TREE_PI5;
	assert_int_equal(boot_tree_write(path, &opt, err, sizeof(err)), 0);
	check_tree(path, 1u << BOOT_TREE_PI5, NULL, 0, BOOT_TREE_DEFAULT_SERVER);
	test_rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_check_catches_damage),
		cmocka_unit_test(test_deterministic_fill),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_config_txt),
		cmocka_unit_test(test_cmdline_txt),
		cmocka_unit_test(test_full_tree),
		cmocka_unit_test(test_one_model),
		cmocka_unit_test(test_deterministic_tree),
		cmocka_unit_test(test_force),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
