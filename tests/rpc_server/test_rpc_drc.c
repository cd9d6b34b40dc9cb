/*
 * test_rpc_drc.c - the duplicate-request cache alone: keys differ by every
 * field, LRU eviction at the entry limit, the byte cap, in-progress
 * entries and their tokens (stale tokens are ignored).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "servers/rpc_drc.h"

static struct rpc_drc_key key(uint32_t xid)
{
	return (struct rpc_drc_key){ .xid = xid, .prog = 100003, .vers = 3, .proc = 9,
				     .ip = 0x0100007f, .port = 700, .tcp = true, .args_len = 8,
				     .args_sum = 42 };
}

static void test_fields(void **state)
{
	(void)state;
	struct rpc_drc *d = rpc_drc_new(8, 0);
	assert_non_null(d);
	struct rpc_drc_key k = key(1);
	assert_int_equal(rpc_drc_insert(d, &k, (const uint8_t *)"abc", 3, false, NULL), 0);
	const uint8_t *r;
	size_t n;
	assert_int_equal(rpc_drc_lookup(d, &k, &r, &n), RPC_DRC_DONE);
	assert_int_equal(n, 3);
	assert_memory_equal(r, "abc", 3);
	struct rpc_drc_key v[7];
	for (int i = 0; i < 7; i++)
		v[i] = k;
	v[0].xid++;
	v[1].proc++;
	v[2].ip++;
	v[3].port++;
	v[4].tcp = false;
	v[5].args_len++;
	v[6].args_sum++;
	for (int i = 0; i < 7; i++)
		assert_int_equal(rpc_drc_lookup(d, &v[i], &r, &n), RPC_DRC_MISS);
	rpc_drc_free(d);
}

static void test_lru_and_cap(void **state)
{
	(void)state;
	struct rpc_drc *d = rpc_drc_new(4, 100);
	uint8_t blob[60] = { 0 };
	const uint8_t *r;
	size_t n;
	for (uint32_t i = 0; i < 4; i++) {
		struct rpc_drc_key k = key(i);
		assert_int_equal(rpc_drc_insert(d, &k, blob, 10, false, NULL), 0);
	}
	struct rpc_drc_key k0 = key(0), k1 = key(1), k4 = key(4);
	assert_int_equal(rpc_drc_lookup(d, &k0, &r, &n), RPC_DRC_DONE); /* 0 is now recent */
	assert_int_equal(rpc_drc_insert(d, &k4, blob, 10, false, NULL), 0);
	assert_int_equal(rpc_drc_count(d), 4);
	assert_int_equal(rpc_drc_lookup(d, &k1, &r, &n), RPC_DRC_MISS);  /* the oldest went */
	assert_int_equal(rpc_drc_lookup(d, &k0, &r, &n), RPC_DRC_DONE);
	/* 60 more bytes: over the 100-byte cap, older entries go. */
	struct rpc_drc_key k5 = key(5);
	assert_int_equal(rpc_drc_insert(d, &k5, blob, 60, false, NULL), 0);
	assert_true(rpc_drc_bytes(d) <= 100);
	assert_int_equal(rpc_drc_lookup(d, &k5, &r, &n), RPC_DRC_DONE);
	uint8_t huge[101] = { 0 };
	struct rpc_drc_key k6 = key(6);
	assert_int_equal(rpc_drc_insert(d, &k6, huge, sizeof(huge), false, NULL), -E2BIG);
	rpc_drc_free(d);
}

static void test_in_progress(void **state)
{
	(void)state;
	struct rpc_drc *d = rpc_drc_new(2, 0);
	const uint8_t *r;
	size_t n;
	uint64_t t1, t2;
	struct rpc_drc_key a = key(1), b = key(2), c = key(3);
	assert_int_equal(rpc_drc_insert(d, &a, (const uint8_t *)"r", 1, true, &t1), 0);
	assert_int_equal(rpc_drc_insert(d, &b, NULL, 0, true, &t2), 0);
	assert_int_equal(rpc_drc_lookup(d, &a, &r, &n), RPC_DRC_IN_PROGRESS);
	assert_int_equal(rpc_drc_lookup(d, &b, &r, &n), RPC_DRC_IN_PROGRESS);
	rpc_drc_sent(d, t1);
	assert_int_equal(rpc_drc_lookup(d, &a, &r, &n), RPC_DRC_DONE);
	rpc_drc_sent(d, t2);  /* nothing to replay: gone */
	assert_int_equal(rpc_drc_lookup(d, &b, &r, &n), RPC_DRC_MISS);
	assert_int_equal(rpc_drc_count(d), 1);
	/* A token whose entry was reused names nothing. */
	assert_int_equal(rpc_drc_insert(d, &c, NULL, 0, true, &t2), 0);
	struct rpc_drc_key e = key(4);
	uint64_t t3;
	assert_int_equal(rpc_drc_insert(d, &e, NULL, 0, true, &t3), 0); /* evicts a */
	rpc_drc_sent(d, t1);
	rpc_drc_sent(d, 0);
	rpc_drc_sent(d, UINT64_MAX);
	assert_int_equal(rpc_drc_lookup(d, &e, &r, &n), RPC_DRC_IN_PROGRESS);
	rpc_drc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_lru_and_cap),
		cmocka_unit_test(test_in_progress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
