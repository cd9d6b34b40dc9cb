/*
 * test_xdr.c - the bounded XDR cursors against RFC 4506 encodings: integers,
 * padding of opaques and strings, length bounds, short input, full buffers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "servers/xdr.h"

static void test_ints_round_trip(void **state)
{
	(void)state;
	uint8_t buf[20];
	struct xdr_enc e;
	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(xdr_enc_u32(&e, 0x01020304), 0);
	assert_int_equal(xdr_enc_u64(&e, 0x1122334455667788ull), 0);
	assert_int_equal(xdr_enc_bool(&e, true), 0);
	assert_int_equal(xdr_enc_i32(&e, -2), 0);
	assert_int_equal(e.pos, 20);
	assert_int_equal(xdr_enc_u32(&e, 1), -ENOSPC);
	static const uint8_t want[20] = { 1, 2, 3, 4, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
					  0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe };
	assert_memory_equal(buf, want, 20);
	struct xdr_dec d;
	xdr_dec_init(&d, buf, sizeof(buf));
	uint32_t u;
	uint64_t q;
	bool b;
	int32_t i;
	assert_int_equal(xdr_dec_u32(&d, &u), 0);
	assert_int_equal(u, 0x01020304);
	assert_int_equal(xdr_dec_u64(&d, &q), 0);
	assert_true(q == 0x1122334455667788ull);
	assert_int_equal(xdr_dec_bool(&d, &b), 0);
	assert_true(b);
	assert_int_equal(xdr_dec_i32(&d, &i), 0);
	assert_int_equal(i, -2);
	assert_int_equal(xdr_dec_u32(&d, &u), -EBADMSG);
	assert_int_equal(xdr_dec_left(&d), 0);
}

static void test_bool_must_be_0_or_1(void **state)
{
	(void)state;
	static const uint8_t v[4] = { 0, 0, 0, 2 };
	struct xdr_dec d;
	bool b;
	xdr_dec_init(&d, v, 4);
	assert_int_equal(xdr_dec_bool(&d, &b), -EBADMSG);
	assert_int_equal(d.pos, 0);
}

static void test_opaque_and_string(void **state)
{
	(void)state;
	uint8_t buf[20];
	struct xdr_enc e;
	xdr_enc_init(&e, buf, sizeof(buf));
	memset(buf, 0xaa, sizeof(buf));
	/* "abcde": length 5, then 5 bytes and 3 zero pad bytes (RFC 4506 §4.11). */
	assert_int_equal(xdr_enc_string(&e, "abcde", 255), 0);
	assert_int_equal(e.pos, 12);
	assert_memory_equal(buf, "\0\0\0\5abcde\0\0\0", 12);
	assert_int_equal(xdr_enc_string(&e, "abcdef", 5), -EINVAL);
	assert_int_equal(xdr_enc_opaque(&e, "x", 1, 8), 0); /* 12 + 4 + 4 = 20 */
	assert_int_equal(xdr_enc_opaque(&e, "", 0, 8), -ENOSPC);
	assert_int_equal(e.pos, 20);
	assert_memory_equal(buf + 12, "\0\0\0\1x\0\0\0", 8);

	struct xdr_dec d;
	char s[8];
	uint32_t n;
	xdr_dec_init(&d, buf, 12);
	assert_int_equal(xdr_dec_string(&d, 4, s, sizeof(s), &n), -EBADMSG); /* over max */
	assert_int_equal(d.pos, 0);
	assert_int_equal(xdr_dec_string(&d, 7, s, 7, &n), -EINVAL); /* no room for NUL */
	assert_int_equal(xdr_dec_string(&d, 7, s, sizeof(s), &n), 0);
	assert_string_equal(s, "abcde");
	assert_int_equal(n, 5);
	assert_int_equal(d.pos, 12);

	/* Length says 5 but only 4 bytes follow: short. */
	xdr_dec_init(&d, buf, 8);
	const uint8_t *p;
	assert_int_equal(xdr_dec_opaque(&d, 64, &p, &n), -EBADMSG);
	assert_int_equal(d.pos, 0);
	/* Padding missing (9 bytes): short as well. */
	xdr_dec_init(&d, buf, 9);
	assert_int_equal(xdr_dec_opaque(&d, 64, &p, &n), -EBADMSG);
	/* Huge length does not wrap. */
	static const uint8_t huge[8] = { 0xff, 0xff, 0xff, 0xfe, 'a', 'b', 'c', 'd' };
	xdr_dec_init(&d, huge, 8);
	assert_int_equal(xdr_dec_opaque(&d, UINT32_MAX, &p, &n), -EBADMSG);
	assert_int_equal(xdr_dec_fixed_opaque(&d, SIZE_MAX, &p), -EBADMSG);
	/* Embedded NUL in a string is refused. */
	static const uint8_t nul[8] = { 0, 0, 0, 3, 'a', 0, 'b', 0 };
	xdr_dec_init(&d, nul, 8);
	assert_int_equal(xdr_dec_string(&d, 7, s, sizeof(s), &n), -EBADMSG);
	assert_int_equal(d.pos, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ints_round_trip),
		cmocka_unit_test(test_bool_must_be_0_or_1),
		cmocka_unit_test(test_opaque_and_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
