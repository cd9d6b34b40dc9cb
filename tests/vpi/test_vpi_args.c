/*
 * test_vpi_args.c - `pitest vpi` command line: defaults and bad usage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "fixtures/vpi/vpi.h"

#define ARGC(a) (int)(sizeof(a) / sizeof(a[0]))

static void test_defaults(void **state)
{
	(void)state;
	char *argv[] = { "vpi", "--model", "pi4b", "--mac", "dc:a6:32:01:36:C2", "--serial",
			 "10000000b7f44626", "--iface", "eth0" };
	struct vpi_config c;
	char err[128];
	assert_int_equal(vpi_parse_args(ARGC(argv), argv, &c, err, sizeof(err)), 0);
	assert_string_equal(c.model->name, "pi4b");
	assert_int_equal(c.id.mac[5], 0xc2);
	assert_int_equal(c.id.serial, 0xb7f44626u);
	assert_true(c.serial == 0x10000000b7f44626ull);
	assert_string_equal(c.iface, "eth0");
	assert_true(c.time_scale == 1.0);
	assert_int_equal(c.boot_order, 0xf21);
	assert_int_equal(c.dhcp_req_timeout_ms, 4000);
	assert_int_equal(c.dhcp_timeout_ms, 45000);
	assert_string_equal(c.pxe_option43, "Raspberry Pi Boot");
}

static void test_all_options(void **state)
{
	(void)state;
	char *argv[] = { "vpi", "--model=pi5", "--mac", "2c:cf:67:00:00:01", "--serial",
			 "0c8f7e5c", "--iface", "veth1", "--time-scale", "12.5",
			 "--boot-order", "0xf12", "--dhcp-req-timeout", "500", "--dhcp-timeout=5000",
			 "--pxe-option43", "Lab Boot" };
	struct vpi_config c;
	char err[128];
	assert_int_equal(vpi_parse_args(ARGC(argv), argv, &c, err, sizeof(err)), 0);
	assert_true(c.time_scale == 12.5);
	assert_int_equal(c.boot_order, 0xf12);
	assert_int_equal(c.dhcp_req_timeout_ms, 500);
	assert_int_equal(c.dhcp_timeout_ms, 5000);
	assert_string_equal(c.pxe_option43, "Lab Boot");
	assert_int_equal(c.id.serial, 0x0c8f7e5c);
}

static void test_help(void **state)
{
	(void)state;
	char *argv[] = { "vpi", "--help" };
	struct vpi_config c;
	char err[128];
	assert_int_equal(vpi_parse_args(ARGC(argv), argv, &c, err, sizeof(err)), 1);
}

struct bad {
	const char *opt, *val, *needle;
};

static void test_bad_usage(void **state)
{
	(void)state;
	static const struct bad bad[] = {
		{ "--model", "pi1", "unknown model" },
		{ "--mac", "dc:a6:32:01:36", "--mac" },
		{ "--mac", "01:00:5e:00:00:01", "multicast" },
		{ "--serial", "1234567", "--serial" },
		{ "--serial", "12345678x", "--serial" },
		{ "--serial", "xyz45678", "--serial" },
		{ "--time-scale", "0", "--time-scale" },
		{ "--time-scale", "-2", "--time-scale" },
		{ "--time-scale", "fast", "--time-scale" },
		{ "--time-scale", "nan", "--time-scale" },
		{ "--boot-order", "0", "--boot-order" },
		{ "--boot-order", "xyz", "--boot-order" },
		{ "--dhcp-req-timeout", "499", "--dhcp-req-timeout" },
		{ "--dhcp-timeout", "4999", "--dhcp-timeout" },
		{ "--pxe-option43", "", "--pxe-option43" },
		{ "--iface", "a-very-long-interface-name", "--iface" },
		{ "--colour", "red", "unknown option" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "vpi", "--model", "pi3b", "--mac", "b8:27:eb:01:02:03", "--serial",
				 "01020304", "--iface", "eth0", (char *)bad[i].opt,
				 (char *)bad[i].val };
		struct vpi_config c;
		char err[256] = "";
		assert_int_equal(vpi_parse_args(ARGC(argv), argv, &c, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].needle))
			fail_msg("%s %s: message '%s' lacks '%s'", bad[i].opt, bad[i].val, err,
				 bad[i].needle);
	}
	char *missing[] = { "vpi", "--model", "pi3b", "--mac", "b8:27:eb:01:02:03", "--iface", "e" };
	struct vpi_config c;
	char err[256];
	assert_int_equal(vpi_parse_args(ARGC(missing), missing, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--serial"));
	char *novalue[] = { "vpi", "--model" };
	assert_int_equal(vpi_parse_args(ARGC(novalue), novalue, &c, err, sizeof(err)), -EINVAL);
	char *stray[] = { "vpi", "pi3b" };
	assert_int_equal(vpi_parse_args(ARGC(stray), stray, &c, err, sizeof(err)), -EINVAL);
}

static void test_main_usage_exit(void **state)
{
	(void)state;
	char *argv[] = { "vpi", "--model", "nope" };
	assert_int_equal(vpi_main(ARGC(argv), argv), VPI_EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_bad_usage),
		cmocka_unit_test(test_main_usage_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
