/*
 * test_tftp_wire.c - the TFTP codec against wire vectors: requests as the
 * Raspberry Pi clients send them (pi-netboot.md 3.1), OACK, DATA, ACK,
 * ERROR, option decoding, and malformed inputs the parser must reject.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "servers/tftp_wire.h"

/* A vector: bytes with embedded NULs, written as a C string literal. */
#define VEC(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

static void test_rrq_pi3_rom(void **state)
{
	(void)state;
	/* The 3B ROM: RRQ "bootcode.bin" octet, no options, 21-byte payload. */
	static const char v[] = "\x00\x01"
				"bootcode.bin\0"
				"octet\0";
	assert_int_equal(sizeof(v) - 1, 21);
	struct tftp_packet p;
	assert_int_equal(tftp_wire_parse(VEC(v), &p), 0);
	assert_int_equal(p.opcode, TFTP_RRQ);
	assert_string_equal(p.filename, "bootcode.bin");
	assert_string_equal(p.mode, "octet");
	assert_int_equal(p.n_options, 0);
	struct tftp_options o;
	assert_int_equal(tftp_options_from_packet(&p, &o), 0);
	assert_false(o.has_blksize || o.has_tsize || o.has_timeout || o.has_windowsize);
	/* The builder produces the same bytes. */
	uint8_t buf[64];
	assert_int_equal(tftp_wire_build_rrq(buf, sizeof(buf), "bootcode.bin", "octet", NULL, 0), 21);
	assert_memory_equal(buf, v, 21);
}

static void test_rrq_pi4_options(void **state)
{
	(void)state;
	static const char v[] = "\x00\x01"
				"9ffefdef/start4.elf\0"
				"octet\0"
				"tsize\0"
				"0\0"
				"blksize\0"
				"1024\0";
	struct tftp_packet p;
	assert_int_equal(tftp_wire_parse(VEC(v), &p), 0);
	assert_string_equal(p.filename, "9ffefdef/start4.elf");
	assert_int_equal(p.n_options, 2);
	assert_string_equal(tftp_packet_get_option(&p, "TSIZE"), "0");
	assert_string_equal(tftp_packet_get_option(&p, "blksize"), "1024");
	assert_null(tftp_packet_get_option(&p, "windowsize"));
	struct tftp_options o;
	assert_int_equal(tftp_options_from_packet(&p, &o), 0);
	assert_true(o.has_tsize && o.tsize == 0);
	assert_true(o.has_blksize && o.blksize == 1024);
	struct tftp_option list[4];
	assert_int_equal(tftp_options_to_list(&o, list, 4), 2);
	uint8_t buf[128];
	int n = tftp_wire_build_rrq(buf, sizeof(buf), "9ffefdef/start4.elf", "OCTET", list, 2);
	assert_int_equal(n, (int)sizeof(v) - 1);
	assert_memory_equal(buf, v, sizeof(v) - 1);
}

static void test_mode_case_and_names(void **state)
{
	(void)state;
	static const char v[] = "\x00\x01"
				"a\0"
				"NetAscii\0"
				"BlkSize\0"
				"512\0";
	struct tftp_packet p;
	assert_int_equal(tftp_wire_parse(VEC(v), &p), 0);
	assert_string_equal(p.mode, "netascii");
	assert_string_equal(p.options[0].name, "blksize");
}

static void test_oack(void **state)
{
	(void)state;
	static const char v[] = "\x00\x06"
				"tsize\0"
				"2255328\0"
				"blksize\0"
				"1024\0";
	struct tftp_packet p;
	assert_int_equal(tftp_wire_parse(VEC(v), &p), 0);
	assert_int_equal(p.opcode, TFTP_OACK);
	struct tftp_options o;
	assert_int_equal(tftp_options_from_packet(&p, &o), 0);
	assert_int_equal(o.tsize, 2255328);
	assert_int_equal(o.blksize, 1024);
	struct tftp_option list[4];
	int n = tftp_options_to_list(&o, list, 4);
	uint8_t buf[128];
	assert_int_equal(tftp_wire_build_oack(buf, sizeof(buf), list, (size_t)n), (int)sizeof(v) - 1);
	assert_memory_equal(buf, v, sizeof(v) - 1);
	/* An OACK acknowledges at least one option. */
	assert_int_equal(tftp_wire_parse(VEC("\x00\x06"), &p), -EBADMSG);
	assert_int_equal(tftp_wire_build_oack(buf, sizeof(buf), NULL, 0), -EINVAL);
}

static void test_data_ack_error(void **state)
{
	(void)state;
	struct tftp_packet p;
	assert_int_equal(tftp_wire_parse(VEC("\x00\x03\xff\xfe"
					     "abc"),
					 &p),
			 0);
	assert_int_equal(p.opcode, TFTP_DATA);
	assert_int_equal(p.block, 0xfffe);
	assert_int_equal(p.data_len, 3);
	assert_memory_equal(p.data, "abc", 3);
	/* An empty DATA ends a file that is a multiple of the block size. */
	assert_int_equal(tftp_wire_parse(VEC("\x00\x03\x00\x05"), &p), 0);
	assert_int_equal(p.data_len, 0);
	assert_int_equal(tftp_wire_parse(VEC("\x00\x04\x00\x00"), &p), 0);
	assert_int_equal(p.opcode, TFTP_ACK);
	assert_int_equal(p.block, 0);
	/* The Pi's probe abort. */
	assert_int_equal(tftp_wire_parse(VEC("\x00\x05\x00\x00"
					     "Early terminate\0"),
					 &p),
			 0);
	assert_int_equal(p.error_code, 0);
	assert_string_equal(p.error_msg, "Early terminate");
	uint8_t buf[600];
	assert_int_equal(tftp_wire_build_error(buf, sizeof(buf), 1, NULL), 4 + 15);
	assert_memory_equal(buf, "\x00\x05\x00\x01"
				 "File not found",
			    19);
	assert_int_equal(tftp_wire_build_ack(buf, sizeof(buf), 65535), 4);
	assert_memory_equal(buf, "\x00\x04\xff\xff", 4);
	assert_int_equal(tftp_wire_build_data(buf, sizeof(buf), 7, (const uint8_t *)"xy", 2), 6);
	assert_memory_equal(buf, "\x00\x03\x00\x07xy", 6);
	assert_int_equal(tftp_wire_build_data(buf, 5, 7, (const uint8_t *)"xy", 2), -ENOSPC);
	assert_int_equal(tftp_wire_build_ack(buf, 3, 1), -ENOSPC);
	assert_string_equal(tftp_error_name(2), "Access violation");
	assert_string_equal(tftp_error_name(99), "Unknown error");
	assert_string_equal(tftp_opcode_name(TFTP_OACK), "OACK");
}

/* Inputs the parser must reject, each with why. */
static const struct bad {
	const char *why;
	const char *bytes;
	size_t len;
} bad[] = {
#define BAD(why, s) { why, s, sizeof(s) - 1 }
	BAD("empty", ""),
	BAD("one byte", "\x00"),
	BAD("opcode 0", "\x00\x00x\0octet\0"),
	BAD("opcode 7", "\x00\x07x\0octet\0"),
	BAD("rrq without NUL", "\x00\x01"
			       "bootcode.bin"),
	BAD("rrq without mode", "\x00\x01"
				"bootcode.bin\0"),
	BAD("rrq mode without NUL", "\x00\x01"
				    "bootcode.bin\0octet"),
	BAD("rrq empty filename", "\x00\x01\0octet\0"),
	BAD("rrq unknown mode", "\x00\x01"
				"a\0binary\0"),
	BAD("option without value", "\x00\x01"
				    "a\0octet\0tsize\0"),
	BAD("option value without NUL", "\x00\x01"
					"a\0octet\0tsize\0"
					"0"),
	BAD("empty option name", "\x00\x01"
				 "a\0octet\0\0"
				 "0\0"),
	BAD("empty option value", "\x00\x01"
				  "a\0octet\0tsize\0\0"),
	BAD("duplicate option", "\x00\x01"
				"a\0octet\0blksize\0"
				"512\0BLKSIZE\0"
				"1024\0"),
	BAD("ack too short", "\x00\x04\x00"),
	BAD("ack too long", "\x00\x04\x00\x01\x00"),
	BAD("data too short", "\x00\x03\x00"),
	BAD("error without message", "\x00\x05\x00\x01"),
	BAD("error message without NUL", "\x00\x05\x00\x01oops"),
	BAD("bytes after error", "\x00\x05\x00\x01oops\0x"),
#undef BAD
};

static void test_malformed(void **state)
{
	(void)state;
	struct tftp_packet p;
	memset(&p, 0x5a, sizeof(p));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = tftp_wire_parse((const uint8_t *)bad[i].bytes, bad[i].len, &p);
		if (r != -EBADMSG)
			fail_msg("vector '%s': got %d", bad[i].why, r);
	}
	/* ret_pkt untouched on failure */
	assert_int_equal(p.opcode, 0x5a5a);
}

static void test_bounds(void **state)
{
	(void)state;
	uint8_t buf[TFTP_MAX_PACKET + 8];
	struct tftp_packet p;
	/* filename of exactly TFTP_MAX_FILENAME parses, one more does not */
	char name[TFTP_MAX_FILENAME + 2];
	memset(name, 'a', sizeof(name));
	name[TFTP_MAX_FILENAME] = '\0';
	int n = tftp_wire_build_rrq(buf, sizeof(buf), name, "octet", NULL, 0);
	assert_true(n > 0);
	assert_int_equal(tftp_wire_parse(buf, (size_t)n, &p), 0);
	buf[2 + TFTP_MAX_FILENAME] = 'a'; /* move the NUL one further */
	memmove(buf + 3 + TFTP_MAX_FILENAME, buf + 2 + TFTP_MAX_FILENAME, 7);
	buf[2 + TFTP_MAX_FILENAME] = 'a';
	assert_int_equal(tftp_wire_parse(buf, (size_t)n + 1, &p), -EBADMSG);
	name[TFTP_MAX_FILENAME] = 'a';
	name[TFTP_MAX_FILENAME + 1] = '\0';
	assert_int_equal(tftp_wire_build_rrq(buf, sizeof(buf), name, "octet", NULL, 0), -EINVAL);
	/* DATA of the largest block size, and one byte over */
	static uint8_t payload[TFTP_BLKSIZE_MAX + 1];
	assert_int_equal(tftp_wire_build_data(buf, sizeof(buf), 1, payload, TFTP_BLKSIZE_MAX),
			 TFTP_MAX_PACKET);
	assert_int_equal(tftp_wire_build_data(buf, sizeof(buf), 1, payload, TFTP_BLKSIZE_MAX + 1),
			 -EINVAL);
	assert_int_equal(tftp_wire_parse(buf, TFTP_MAX_PACKET, &p), 0);
	assert_int_equal(tftp_wire_parse(buf, TFTP_MAX_PACKET + 1, &p), -EBADMSG);
	/* too many options */
	size_t pos = 0;
	buf[pos++] = 0;
	buf[pos++] = 1;
	pos += (size_t)sprintf((char *)buf + pos, "f") + 1;
	pos += (size_t)sprintf((char *)buf + pos, "octet") + 1;
	for (int i = 0; i <= TFTP_MAX_OPTIONS; i++) {
		pos += (size_t)sprintf((char *)buf + pos, "x%d", i) + 1;
		pos += (size_t)sprintf((char *)buf + pos, "1") + 1;
	}
	assert_int_equal(tftp_wire_parse(buf, pos, &p), -EBADMSG);
}

static void test_option_values(void **state)
{
	(void)state;
	struct {
		const char *name, *value;
		int expect;
	} cases[] = {
		{ "blksize", "8", 0 },       { "blksize", "65464", 0 },   { "blksize", "7", -ERANGE },
		{ "blksize", "65465", -ERANGE }, { "blksize", "0x10", -EBADMSG },
		{ "blksize", "-1", -EBADMSG },   { "timeout", "0", -ERANGE }, { "timeout", "255", 0 },
		{ "timeout", "256", -ERANGE },   { "windowsize", "1", 0 },    { "windowsize", "0", -ERANGE },
		{ "windowsize", "65535", 0 },    { "tsize", "0", 0 },         { "tsize", "5", -ERANGE },
		{ "tsize", "99999999999999999999999", -ERANGE },             { "unknown", "zz", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tftp_option opt;
		snprintf(opt.name, sizeof(opt.name), "%s", cases[i].name);
		snprintf(opt.value, sizeof(opt.value), "%s", cases[i].value);
		uint8_t buf[256];
		int n = tftp_wire_build_rrq(buf, sizeof(buf), "f", "octet", &opt, 1);
		assert_true(n > 0);
		struct tftp_packet p;
		assert_int_equal(tftp_wire_parse(buf, (size_t)n, &p), 0);
		struct tftp_options o;
		int r = tftp_options_from_packet(&p, &o);
		if (r != cases[i].expect)
			fail_msg("%s=%s: got %d want %d", cases[i].name, cases[i].value, r,
				 cases[i].expect);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rrq_pi3_rom),   cmocka_unit_test(test_rrq_pi4_options),
		cmocka_unit_test(test_mode_case_and_names), cmocka_unit_test(test_oack),
		cmocka_unit_test(test_data_ack_error), cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bounds),        cmocka_unit_test(test_option_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
