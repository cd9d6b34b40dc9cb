/*
 * test_vpi_krpc.c - the kernel stage's RPC client codec (calls, replies,
 * record marking through servers/rpc_wire) and the Linux retransmit timers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "fixtures/vpi/vpi_krpc.h"
#include "servers/nfs3_const.h"
#include "servers/rpc_wire.h"

static void test_call_roundtrip(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct xdr_enc e;
	xdr_enc_init(&e, buf + 4, sizeof(buf) - 4);
	assert_int_equal(vpi_krpc_put_call(&e, 0xabcd, RPC_PROG_MOUNT, 3, MNT3_MNT, true, "pi4b-1"), 0);
	assert_int_equal(xdr_enc_string(&e, "/srv/pitest/rootfs", MNT3_PATH_MAX), 0);
	rpc_rm_mark(buf, (uint32_t)e.pos);
	/* the server's parser reads it back, through record marking in two pieces */
	uint8_t rec[512];
	struct rpc_rm rm;
	rpc_rm_init(&rm, rec, sizeof(rec));
	size_t used;
	assert_int_equal(rpc_rm_feed(&rm, buf, 3, &used), 0);
	assert_int_equal(rpc_rm_feed(&rm, buf + 3, e.pos + 4 - 3, &used), 1);
	struct rpc_call call;
	assert_int_equal(rpc_wire_parse_call(rm.buf, rm.len, &call), 0);
	assert_int_equal(call.xid, 0xabcd);
	assert_int_equal(call.prog, RPC_PROG_MOUNT);
	assert_int_equal(call.vers, 3);
	assert_int_equal(call.proc, MNT3_MNT);

	/* AUTH_NULL for the portmapper */
	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(vpi_krpc_put_call(&e, 7, RPC_PROG_PMAP, 2, PMAP_GETPORT, false, ""), 0);
	assert_int_equal(e.pos, 40);
	xdr_enc_init(&e, buf, 20);
	assert_int_equal(vpi_krpc_put_call(&e, 7, RPC_PROG_PMAP, 2, PMAP_GETPORT, false, ""), -ENOSPC);
}

static void test_replies(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct xdr_enc e;
	struct vpi_krpc_reply r;

	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(rpc_wire_put_accepted(&e, 42, RPC_ACCEPT_SUCCESS), 0);
	xdr_enc_u32(&e, 2049);
	assert_int_equal(vpi_krpc_parse_reply(buf, e.pos, &r), 0);
	assert_int_equal(r.xid, 42);
	assert_int_equal(r.status, VPI_KRPC_SUCCESS);
	assert_int_equal(r.body_len, 4);
	assert_int_equal(xdr_get_be32(r.body), 2049);

	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(rpc_wire_put_prog_mismatch(&e, 43, 3, 3), 0);
	assert_int_equal(vpi_krpc_parse_reply(buf, e.pos, &r), 0);
	assert_int_equal(r.status, VPI_KRPC_PROG_MISMATCH);
	assert_int_equal(r.low, 3);
	assert_int_equal(r.high, 3);
	assert_int_equal(vpi_krpc_errno(r.status), -EPROTONOSUPPORT);

	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(rpc_wire_put_accepted(&e, 44, RPC_ACCEPT_PROG_UNAVAIL), 0);
	assert_int_equal(vpi_krpc_parse_reply(buf, e.pos, &r), 0);
	assert_int_equal(r.status, VPI_KRPC_PROG_UNAVAIL);

	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(rpc_wire_put_auth_error(&e, 45, 1), 0);
	assert_int_equal(vpi_krpc_parse_reply(buf, e.pos, &r), 0);
	assert_int_equal(r.status, VPI_KRPC_DENIED);
	assert_int_equal(vpi_krpc_errno(r.status), -EACCES);

	/* a call is not a reply; truncated headers are refused */
	xdr_enc_init(&e, buf, sizeof(buf));
	vpi_krpc_put_call(&e, 1, 100003, 3, 0, false, "");
	assert_int_equal(vpi_krpc_parse_reply(buf, e.pos, &r), -EBADMSG);
	assert_int_equal(vpi_krpc_parse_reply(buf, 6, &r), -EBADMSG);
}

static void test_tcp_timer(void **state)
{
	(void)state;
	struct vpi_krpc_timer t;
	vpi_krpc_timer_init(&t, true, 600, 2); /* defaults: 60 s, linear, max 180 s */
	assert_int_equal(t.current_ms, 60000);
	assert_false(vpi_krpc_timer_expired(&t));
	assert_int_equal(t.current_ms, 120000);
	assert_false(vpi_krpc_timer_expired(&t));
	assert_int_equal(t.current_ms, 180000);
	assert_true(vpi_krpc_timer_expired(&t)); /* major: "not responding" */
	assert_int_equal(t.current_ms, 60000);

	vpi_krpc_timer_init(&t, true, 10, 1); /* timeo=10 (1 s) */
	assert_int_equal(t.max_ms, 2000);
	assert_false(vpi_krpc_timer_expired(&t));
	assert_int_equal(t.current_ms, 2000);
	assert_true(vpi_krpc_timer_expired(&t));

	vpi_krpc_timer_init(&t, true, 9000, 2); /* capped at 600 s */
	assert_int_equal(t.init_ms, 600000);
	assert_int_equal(t.max_ms, 600000);
}

static void test_udp_timer(void **state)
{
	(void)state;
	struct vpi_krpc_timer t;
	vpi_krpc_timer_init(&t, false, 11, 3); /* 1.1 s doubling */
	assert_int_equal(t.current_ms, 1100);
	assert_false(vpi_krpc_timer_expired(&t));
	assert_int_equal(t.current_ms, 2200);
	assert_false(vpi_krpc_timer_expired(&t));
	assert_int_equal(t.current_ms, 4400);
	assert_false(vpi_krpc_timer_expired(&t));
	assert_int_equal(t.current_ms, 8800);
	assert_true(vpi_krpc_timer_expired(&t));
	assert_int_equal(t.current_ms, 1100);
	vpi_krpc_timer_init(&t, false, 400, 10); /* 40 s, doubling capped at 60 s */
	assert_false(vpi_krpc_timer_expired(&t));
	assert_int_equal(t.current_ms, 60000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_roundtrip),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_tcp_timer),
		cmocka_unit_test(test_udp_timer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
