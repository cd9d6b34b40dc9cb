/* test_lab.c - lab files: the fixtures load with the right values; every
 * kind of mistake gives one message with the right line (labs/bad-*.yaml). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/lab.h"
#include "tests/config/expect_files.h"

#define DATA PITEST_SOURCE_DIR "/tests/config/labs"

static uint32_t ip(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void test_virtual_fixture(void **state)
{
	(void)state;
	struct lab *lab = NULL;
	char err[512] = "";
	int r = lab_load(PITEST_SOURCE_DIR "/fixtures/labs/virtual.yaml", &lab, err, sizeof(err));
	if (r < 0)
		fail_msg("%s", err);
	assert_string_equal(lab->name, "virtual");
	assert_true(lab->is_virtual);
	assert_float_equal(lab->time_scale, 10, 0);
	assert_string_equal(lab->interface, "pitest0");
	assert_int_equal(lab->address, ip("192.168.1.1"));
	assert_int_equal(lab->prefix_len, 24);
	assert_int_equal(lab->dhcp.range_start, ip("192.168.1.150"));
	assert_int_equal(lab->dhcp.range_end, ip("192.168.1.199"));
	assert_int_equal(lab->dhcp.lease_s, 12 * 3600);
	assert_string_equal(lab->dhcp.pxe_menu, "Raspberry Pi Boot");
	assert_string_equal(lab->dhcp.pxe_spaces, "auto");
	assert_int_equal(lab->dhcp.router, 0);
	assert_string_equal(lab->dhcp.lease_file, "");

	/* one board of each model, each with a MAC of its model's range */
	assert_int_equal(lab->n_boards, 5);
	for (size_t m = 0; lab_models[m]; m++) {
		size_t found = 0;
		for (size_t i = 0; i < lab->n_boards; i++)
			found += strcmp(lab->boards[i].model, lab_models[m]) == 0;
		assert_true(found >= 1);
	}
	for (size_t i = 0; i < lab->n_boards; i++) {
		const struct lab_board *b = &lab->boards[i];
		assert_string_equal(b->power, "virtual");
		assert_string_equal(b->console, "virtual");
		assert_int_equal(ntohl(b->ip) & 0xffffff00u, 0xc0a80100u);
		if (strncmp(b->model, "pi2", 3) == 0 || strncmp(b->model, "pi3", 3) == 0) {
			/* Pi 1-3: b8:27:eb + the low 24 bits of the serial */
			assert_memory_equal(b->mac, "\xb8\x27\xeb", 3);
			assert_int_equal(b->serial & 0xffffff,
					 (uint32_t)b->mac[3] << 16 | b->mac[4] << 8 | b->mac[5]);
		}
	}

	const struct lab_board *b = lab_board_by_name(lab, "pi4b-1");
	assert_non_null(b);
	assert_string_equal(b->model, "pi4b");
	assert_string_equal(b->mac_text, "dc:a6:32:12:34:56");
	assert_int_equal(b->serial, 0x1a2b3c4d);
	assert_string_equal(b->serial_text, "1a2b3c4d");
	assert_int_equal(b->ip, ip("192.168.1.104"));
	assert_string_equal(b->ip_text, "192.168.1.104");
	assert_int_equal(b->lease_s, 3600);
	assert_true(b->line > 0);
	assert_ptr_equal(lab_board_by_mac(lab, (const uint8_t *)"\xdc\xa6\x32\x12\x34\x56"), b);
	assert_null(lab_board_by_mac(lab, (const uint8_t *)"\xdc\xa6\x32\x12\x34\x57"));
	assert_null(lab_board_by_name(lab, "nope"));

	/* no TFTP root: the runner generates a tree; serial folders for two boards */
	assert_string_equal(lab->tftp.root, "");
	assert_int_equal(lab->tftp.port, 69);
	for (size_t i = 0; i < lab->n_boards; i++) {
		const struct lab_board *o = &lab->boards[i];
		bool want = strcmp(o->name, "pi3bplus-1") == 0 || strcmp(o->name, "pi4b-1") == 0;
		if (o->tftp_prefix != want)
			fail_msg("board %s: tftp_prefix %d", o->name, o->tftp_prefix);
		assert_string_equal(o->tftp_root, "");
	}

	/* 16-digit serials keep their low 32 bits, as netboot does */
	b = lab_board_by_name(lab, "pi5-1");
	assert_non_null(b);
	assert_int_equal(b->serial, 0xe4b7c822);
	assert_string_equal(b->serial_text, "5d3f9a10e4b7c822");
	lab_free(lab);
}

static void test_seed_fixture(void **state)
{
	(void)state;
	struct lab *lab = NULL;
	char err[512] = "";
	int r = lab_load(PITEST_SOURCE_DIR "/fixtures/labs/seed.yaml", &lab, err, sizeof(err));
	if (r < 0)
		fail_msg("%s", err);
	assert_string_equal(lab->name, "seed");
	assert_false(lab->is_virtual);
	assert_float_equal(lab->time_scale, 1, 0);
	assert_string_equal(lab->interface, "enx0050b6175c07");
	assert_int_equal(lab->address, 0);
	assert_int_equal(ntohl(lab->dhcp.range_start) & 0xffffff00u, 0xc0a80100u);
	assert_string_equal(lab->dhcp.pxe_menu, "Raspberry Pi Boot");
	assert_int_equal(lab->n_boards, 1);
	const struct lab_board *b = &lab->boards[0];
	assert_string_equal(b->model, "pi2");
	assert_string_equal(b->mac_text, "be:27:eb:15:e4:ef");
	assert_int_equal(b->ip, ip("192.168.1.100"));
	assert_int_equal(b->lease_s, 3600);
	assert_string_equal(b->power, "manual");
	assert_string_equal(b->console, "none");
	assert_false(b->tftp_prefix);
	/* the seed's dnsmasq tftp-root; it need not exist here */
	assert_string_equal(lab->tftp.root, "/srv/tftp");
	assert_int_equal(lab->tftp.port, 69);
	lab_free(lab);
}

/* The real-lab example the README points at must keep loading. */
static void test_bench_example(void **state)
{
	(void)state;
	struct lab *lab = NULL;
	char err[512] = "";
	int r = lab_load(PITEST_SOURCE_DIR "/fixtures/labs/bench-example.yaml", &lab, err, sizeof(err));
	if (r < 0)
		fail_msg("%s", err);
	assert_false(lab->is_virtual);
	assert_int_equal(lab->n_boards, 3);
	const char *models[] = { "pi3b+", "pi4b", "pi5" };
	for (size_t i = 0; i < 3; i++) {
		const struct lab_board *b = &lab->boards[i];
		assert_string_equal(b->model, models[i]);
		assert_string_equal(b->power, "gpio");
		assert_true(b->gpio_active_low);
		assert_float_equal(b->power_off_time_s, 3, 0);
		assert_string_equal(b->console, "serial");
		assert_true(strncmp(b->console_device, "/dev/serial/by-id/", 18) == 0);
	}
	lab_free(lab);
}

static void test_good_tftp(void **state)
{
	(void)state;
	struct lab *lab = NULL;
	char err[512] = "";
	int r = lab_load(DATA "/good-tftp.yaml", &lab, err, sizeof(err));
	if (r < 0)
		fail_msg("%s", err);
	/* relative paths are taken from the lab file's folder */
	assert_string_equal(lab->tftp.root, DATA "/trees/main");
	assert_int_equal(lab->tftp.port, 6969);
	assert_int_equal(lab->n_boards, 3);
	assert_true(lab->boards[0].tftp_prefix);
	assert_string_equal(lab->boards[0].tftp_root, "");
	assert_false(lab->boards[1].tftp_prefix);
	assert_string_equal(lab->boards[1].tftp_root, "/srv/tftp-b");
	assert_false(lab->boards[2].tftp_prefix);
	assert_string_equal(lab->boards[2].tftp_root, DATA "/own");
	lab_free(lab);
}

static void test_good_small(void **state)
{
	(void)state;
	struct lab *lab = NULL;
	char err[512] = "";
	int r = lab_load(DATA "/good-defaults.yaml", &lab, err, sizeof(err));
	if (r < 0)
		fail_msg("%s", err);
	/* defaults */
	assert_float_equal(lab->time_scale, 1, 0);
	assert_int_equal(lab->dhcp.range_start, 0);
	assert_int_equal(lab->dhcp.lease_s, 12 * 3600);
	assert_string_equal(lab->dhcp.pxe_menu, "Raspberry Pi Boot");
	assert_string_equal(lab->dhcp.pxe_spaces, "auto");
	assert_int_equal(lab->n_boards, 2);
	assert_string_equal(lab->boards[0].mac_text, "dc:a6:32:ab:cd:ef"); /* lower-cased, ':' */
	assert_int_equal(lab->boards[0].ip, 0);
	assert_int_equal(lab->boards[0].lease_s, 0);
	assert_string_equal(lab->boards[0].power, "virtual");
	assert_int_equal(lab->boards[0].line, 6);
	assert_int_equal(lab->boards[1].line, 7);
	assert_int_equal(lab->boards[1].lease_s, UINT32_MAX); /* infinite */
	assert_int_equal(lab->dhcp.router, ip("10.0.0.1"));
	assert_int_equal(lab->dhcp.dns, ip("10.0.0.2"));
	lab_free(lab);
}

static int load(const char *path, char *err, size_t errcap)
{
	struct lab *lab = NULL;
	int r = lab_load(path, &lab, err, errcap);
	if (r == 0)
		lab_free(lab);
	return r;
}

static void test_bad_files(void **state)
{
	(void)state;
	assert_true(expect_files_check(DATA "/bad-*.yaml", load) >= 25);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct lab *lab = (struct lab *)0x1;
	char err[512];
	assert_int_equal(lab_load(DATA "/no-such-file.yaml", &lab, err, sizeof(err)), -ENOENT);
	assert_ptr_equal(lab, (struct lab *)0x1);
	assert_non_null(strstr(err, "no-such-file.yaml: cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtual_fixture),
		cmocka_unit_test(test_seed_fixture),
		cmocka_unit_test(test_bench_example),
		cmocka_unit_test(test_good_small),
		cmocka_unit_test(test_good_tftp),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
