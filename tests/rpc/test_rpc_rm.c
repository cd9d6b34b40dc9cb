/*
 * test_rpc_rm.c - the TCP record-marking reassembler (RFC 5531 §11): a record
 * in three fragments with the last-fragment bit only on the third, fed split
 * at every byte boundary and one byte at a time; two records in one read;
 * an oversize record refused at its fragment header.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "servers/rpc_wire.h"

/* Record "ABCDEFGHIJ" as fragments of 3, 0 and 7 bytes, then record "xy". */
static const uint8_t stream[] = {
	0x00, 0x00, 0x00, 0x03, 'A', 'B', 'C',            /* not last, 3 bytes */
	0x00, 0x00, 0x00, 0x00,                           /* not last, empty */
	0x80, 0x00, 0x00, 0x07, 'D', 'E', 'F', 'G', 'H', 'I', 'J', /* last, 7 bytes */
	0x80, 0x00, 0x00, 0x02, 'x', 'y',                 /* second record */
};

/* Feeds stream in chunks ending at the given cut points; checks records. */
static void feed_split(const size_t *cuts, size_t n_cuts)
{
	uint8_t buf[16];
	struct rpc_rm rm;
	rpc_rm_init(&rm, buf, sizeof(buf));
	size_t pos = 0;
	int records = 0;
	for (size_t c = 0; c <= n_cuts; c++) {
		size_t end = c < n_cuts ? cuts[c] : sizeof(stream);
		while (pos < end) {
			size_t used = 0;
			int r = rpc_rm_feed(&rm, stream + pos, end - pos, &used);
			assert_true(r == 0 || r == 1);
			assert_true(used <= end - pos);
			pos += used;
			if (r == 1) {
				if (records == 0) {
					assert_int_equal(rm.len, 10);
					assert_memory_equal(rm.buf, "ABCDEFGHIJ", 10);
					assert_int_equal(pos, 22); /* stops at the record's end */
				} else {
					assert_int_equal(rm.len, 2);
					assert_memory_equal(rm.buf, "xy", 2);
				}
				records++;
			} else {
				assert_int_equal(pos, end);
			}
		}
	}
	assert_int_equal(records, 2);
}

static void test_every_split(void **state)
{
	(void)state;
	feed_split(NULL, 0);
	for (size_t i = 0; i <= sizeof(stream); i++)
		feed_split(&i, 1);
	for (size_t i = 0; i <= sizeof(stream); i++)
		for (size_t j = i; j <= sizeof(stream); j++) {
			size_t cuts[2] = { i, j };
			feed_split(cuts, 2);
		}
	size_t bytes[sizeof(stream)];
	for (size_t i = 0; i < sizeof(stream); i++)
		bytes[i] = i;
	feed_split(bytes, sizeof(stream));
}

static void test_oversize(void **state)
{
	(void)state;
	uint8_t buf[8];
	struct rpc_rm rm;
	size_t used;
	rpc_rm_init(&rm, buf, sizeof(buf));
	/* One 9-byte fragment: over the 8-byte cap, refused at its header. */
	static const uint8_t big[] = { 0x80, 0, 0, 9, 1, 2, 3 };
	assert_int_equal(rpc_rm_feed(&rm, big, sizeof(big), &used), -EMSGSIZE);
	assert_int_equal(used, 4);
	/* 5 + 4 bytes in two fragments: the second one overflows. */
	static const uint8_t two[] = { 0, 0, 0, 5, 1, 2, 3, 4, 5, 0x80, 0, 0, 4 };
	rpc_rm_init(&rm, buf, sizeof(buf));
	assert_int_equal(rpc_rm_feed(&rm, two, sizeof(two), &used), -EMSGSIZE);
	/* Largest fragment length (2^31 - 1) with the default cap. */
	static uint8_t rec[RPC_RM_MAX_RECORD];
	static const uint8_t max[] = { 0xff, 0xff, 0xff, 0xff };
	rpc_rm_init(&rm, rec, sizeof(rec));
	assert_int_equal(rpc_rm_feed(&rm, max, sizeof(max), &used), -EMSGSIZE);
	/* Exactly the cap is fine. */
	static const uint8_t fits[] = { 0x80, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	rpc_rm_init(&rm, buf, sizeof(buf));
	assert_int_equal(rpc_rm_feed(&rm, fits, sizeof(fits), &used), 1);
	assert_int_equal(rm.len, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_oversize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
