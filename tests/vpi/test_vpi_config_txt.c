/*
 * test_vpi_config_txt.c - config.txt as the firmware reads it: model
 * filters, [all]/[none], other filters, keys, initramfs, dtoverlay lists,
 * comments, odd input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "fixtures/vpi/vpi_config_txt.h"

static const char *const pi3[] = { "pi3", NULL };
static const char *const pi3plus[] = { "pi3", "pi3+", NULL };
static const char *const pi4[] = { "pi4", NULL };
static const char *const pi5[] = { "pi5", NULL };

static void parse(const char *text, const char *const *filters, struct vpi_config_txt *c)
{
	vpi_config_txt_defaults(c);
	assert_int_equal(vpi_config_txt_parse(text, strlen(text), filters, c), 0);
}

/* The tree `pitest mktree` writes, in short. */
static const char mktree_cfg[] =
	"# comment\n[all]\nenable_uart=1\nuart_2ndstage=1\ndtoverlay=vc4-kms-v3d\n\n"
	"[pi2]\nkernel=kernel7.img\n"
	"[pi3]\narm_64bit=1\nkernel=kernel8.img\ndtoverlay=disable-bt\n"
	"[pi3+]\ndtoverlay=disable-wifi\n"
	"[pi4]\narm_64bit=1\nkernel=kernel8.img\ndtoverlay=disable-bt\n"
	"[pi5]\nkernel=kernel_2712.img\n"
	"[none]\nkernel=kernel-never.img\n[all]\n";

static void test_model_sections(void **state)
{
	(void)state;
	struct vpi_config_txt c;
	parse(mktree_cfg, pi3, &c);
	assert_string_equal(c.kernel, "kernel8.img");
	assert_int_equal(c.arm_64bit, 1);
	assert_true(c.uart_2ndstage);
	assert_int_equal(c.n_overlays, 2);
	assert_string_equal(c.overlays[0], "vc4-kms-v3d");
	assert_string_equal(c.overlays[1], "disable-bt");

	/* a 3B+ is [pi3] and [pi3+] */
	parse(mktree_cfg, pi3plus, &c);
	assert_int_equal(c.n_overlays, 3);
	assert_string_equal(c.overlays[2], "disable-wifi");

	parse(mktree_cfg, pi5, &c);
	assert_string_equal(c.kernel, "kernel_2712.img");
	assert_int_equal(c.arm_64bit, -1);
	assert_int_equal(c.n_overlays, 1);
}

static void test_all_none_and_other_filters(void **state)
{
	(void)state;
	struct vpi_config_txt c;
	parse("[pi4]\n[tryboot]\nkernel=a.img\n[all]\nos_prefix=os1/\n[none]\ncmdline=x.txt\n",
	      pi4, &c);
	assert_string_equal(c.kernel, "");   /* [tryboot] is false here */
	assert_string_equal(c.os_prefix, "os1/");
	assert_string_equal(c.cmdline, "cmdline.txt");
	/* a model filter replaces the previous one */
	parse("[pi3]\n[pi4]\nkernel=b.img\n", pi4, &c);
	assert_string_equal(c.kernel, "b.img");
	parse("[pi4]\n[pi3]\nkernel=b.img\n", pi4, &c);
	assert_string_equal(c.kernel, "");
	/* [ALL] in capitals, filters with spaces */
	parse("[pi3]\n[ ALL ]\nkernel=c.img\n", pi4, &c);
	assert_string_equal(c.kernel, "c.img");
}

static void test_keys(void **state)
{
	(void)state;
	struct vpi_config_txt c;
	parse("  kernel = vmlinuz  # trailing comment\r\narm_64bit=0\n"
	      "initramfs initrd.img followkernel\nstart_file=start4x.elf\nfixup_file=fixup4x.dat\n"
	      "device_tree=my.dtb\ncmdline=cmd2.txt\ndtoverlay=i2c-rtc,ds3231\ndtparam=audio=on\n"
	      "unknown_key=1\ninclude extra.txt\n",
	      pi4, &c);
	assert_string_equal(c.kernel, "vmlinuz");
	assert_int_equal(c.arm_64bit, 0);
	assert_string_equal(c.initramfs, "initrd.img");
	assert_true(c.initramfs_followkernel);
	assert_string_equal(c.start_file, "start4x.elf");
	assert_string_equal(c.fixup_file, "fixup4x.dat");
	assert_string_equal(c.device_tree, "my.dtb");
	assert_string_equal(c.cmdline, "cmd2.txt");
	assert_int_equal(c.n_overlays, 1);
	assert_string_equal(c.overlays[0], "i2c-rtc");
	/* initramfs at an address; an empty dtoverlay= clears the list */
	parse("initramfs rd.gz 0x00800000\ndtoverlay=a\ndtoverlay=\ndtoverlay=b\n", pi4, &c);
	assert_false(c.initramfs_followkernel);
	assert_int_equal(c.n_overlays, 1);
	assert_string_equal(c.overlays[0], "b");
}

static void test_odd_input(void **state)
{
	(void)state;
	struct vpi_config_txt c;
	/* no final newline, an over-long line (ignored), a NUL inside a line,
	 * an unclosed section, too many overlays */
	char text[4096];
	size_t n = 0;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "kernel=");
	memset(text + n, 'x', 600);
	n += 600;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\n[pi4\nos_prefix=p/\n");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "dtoverlay=o%d\n", i);
	text[n++] = 'k';
	text[n++] = '\0';
	n += (size_t)snprintf(text + n, sizeof(text) - n, "=1\narm_64bit=1");
	vpi_config_txt_defaults(&c);
	assert_int_equal(vpi_config_txt_parse(text, n, pi4, &c), 0);
	assert_string_equal(c.kernel, "");
	assert_string_equal(c.os_prefix, "p/");
	assert_int_equal(c.n_overlays, VPI_CFG_MAX_OVERLAYS);
	assert_int_equal(c.arm_64bit, 1);
	assert_int_equal(vpi_config_txt_parse(NULL, 3, pi4, &c), -EINVAL);
	assert_int_equal(vpi_config_txt_parse("", 0, NULL, &c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_sections),
		cmocka_unit_test(test_all_none_and_other_filters),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_odd_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
