/*
 * test_rpc_call.c - RPC call-header parsing and reply builders (RFC 5531)
 * against hand-built wire vectors: the kernel's PMAP GETPORT for MOUNT v3
 * over TCP (nfs-server.md 1.2), a NULL call, AUTH_SYS with 16 and 17 gids,
 * rpcvers 3, truncated headers; and against libtirpc, written by others:
 * calls it encodes are parsed by us, replies we build are decoded by it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rpc/rpc.h>

#include "servers/rpc_wire.h"

#define W(v) (uint8_t)((v) >> 24), (uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)

/* PMAP v2 GETPORT(100005, 3, TCP), as the kernel's rpcbind client sends it
 * (AUTH_UNIX from an initramfs named "(none)"), after the record mark. */
static const uint8_t getport_mount[] = {
	W(0x5f3c1a01),      /* xid */
	W(0),               /* msg_type CALL */
	W(2),               /* rpcvers */
	W(100000),          /* prog: portmapper */
	W(2),               /* vers */
	W(3),               /* proc: GETPORT */
	W(1),               /* cred flavor AUTH_SYS */
	W(28),              /* cred body length: 4 + 12 + 4 + 4 + 4 */
	W(0),               /*   stamp */
	W(6), '(', 'n', 'o', 'n', 'e', ')', 0, 0, /* machinename<255>, padded */
	W(0),               /*   uid */
	W(0),               /*   gid */
	W(0),               /*   gids<16>: none */
	W(0), W(0),         /* verifier AUTH_NONE, empty */
	W(100005),          /* args: prog MOUNT */
	W(3),               /*   vers 3 */
	W(6),               /*   prot IPPROTO_TCP */
	W(0),               /*   port (ignored) */
};

static void test_getport_mount(void **state)
{
	(void)state;
	struct rpc_call c;
	assert_int_equal(rpc_wire_parse_call(getport_mount, sizeof(getport_mount), &c), 0);
	assert_int_equal(c.xid, 0x5f3c1a01);
	assert_int_equal(c.prog, 100000);
	assert_int_equal(c.vers, 2);
	assert_int_equal(c.proc, 3);
	assert_int_equal(c.cred_flavor, RPC_AUTH_FLAVOR_SYS);
	assert_int_equal(c.sys.machine_len, 6);
	assert_memory_equal(c.sys.machine, "(none)", 6);
	assert_int_equal(c.sys.n_gids, 0);
	assert_int_equal(c.verf_flavor, 0);
	assert_int_equal(c.args_len, 16);
	assert_ptr_equal(c.args, getport_mount + sizeof(getport_mount) - 16);
	/* Every truncation is refused, never read past. */
	for (size_t n = 0; n < sizeof(getport_mount) - 16; n++) {
		int r = rpc_wire_parse_call(getport_mount, n, &c);
		assert_true(r == -EBADMSG || r == -EACCES);
		if (n < 24)
			assert_int_equal(r, -EBADMSG);
	}
}

static void test_null_call_and_rpcvers3(void **state)
{
	(void)state;
	uint8_t v[] = { W(7), W(0), W(2), W(100003), W(3), W(0), W(0), W(0), W(0), W(0) };
	struct rpc_call c;
	assert_int_equal(rpc_wire_parse_call(v, sizeof(v), &c), 0);
	assert_int_equal(c.cred_flavor, RPC_AUTH_FLAVOR_NONE);
	assert_int_equal(c.args_len, 0);
	v[11] = 3; /* rpcvers 3 */
	assert_int_equal(rpc_wire_parse_call(v, sizeof(v), &c), -EPROTONOSUPPORT);
	assert_int_equal(c.xid, 7);
	v[11] = 2;
	v[7] = 1; /* a REPLY is not a call */
	assert_int_equal(rpc_wire_parse_call(v, sizeof(v), &c), -EBADMSG);
}

/* AUTH_SYS credential with n gids, built by hand. */
static size_t auth_sys_call(uint8_t *buf, uint32_t n_gids)
{
	struct xdr_enc e;
	xdr_enc_init(&e, buf, 256);
	uint32_t head[] = { 9, 0, 2, 100005, 3, 1, 1 };
	for (size_t i = 0; i < 7; i++)
		xdr_enc_u32(&e, head[i]);
	xdr_enc_u32(&e, 4 + 8 + 12 + 4 * n_gids); /* body length */
	xdr_enc_u32(&e, 0);
	xdr_enc_string(&e, "pi", 255);
	xdr_enc_u32(&e, 1000);
	xdr_enc_u32(&e, 1000);
	xdr_enc_u32(&e, n_gids);
	for (uint32_t i = 0; i < n_gids; i++)
		xdr_enc_u32(&e, 100 + i);
	xdr_enc_u32(&e, 0);
	xdr_enc_u32(&e, 0);
	return e.pos;
}

static void test_auth_sys_gids(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct rpc_call c;
	size_t n = auth_sys_call(buf, 16);
	assert_int_equal(rpc_wire_parse_call(buf, n, &c), 0);
	assert_int_equal(c.sys.uid, 1000);
	assert_int_equal(c.sys.n_gids, 16);
	assert_int_equal(c.sys.gids[15], 115);
	n = auth_sys_call(buf, 17);
	assert_int_equal(rpc_wire_parse_call(buf, n, &c), -EACCES);
	assert_int_equal(c.auth_err, RPC_AUTH_BADCRED);
	assert_int_equal(c.xid, 9);
	/* Body length one word too long: inconsistent, refused. */
	n = auth_sys_call(buf, 2);
	buf[31] += 4;
	assert_int_equal(rpc_wire_parse_call(buf, n, &c), -EACCES);
}

/* libtirpc encodes an AUTH_SYS call; we parse it. */
static void test_tirpc_call(void **state)
{
	(void)state;
	gid_t gids[3] = { 4, 24, 27 };
	struct authunix_parms ap = { .aup_time = 42, .aup_machname = "rpi4-01", .aup_uid = 0,
				     .aup_gid = 0, .aup_len = 3, .aup_gids = gids };
	char credbuf[400];
	XDR cx;
	xdrmem_create(&cx, credbuf, sizeof(credbuf), XDR_ENCODE);
	assert_true(xdr_authunix_parms(&cx, &ap));
	struct rpc_msg m = { .rm_xid = 0xabcdef01, .rm_direction = CALL };
	m.rm_call.cb_rpcvers = 2;
	m.rm_call.cb_prog = 100003;
	m.rm_call.cb_vers = 3;
	m.rm_call.cb_proc = 19;
	m.rm_call.cb_cred.oa_flavor = AUTH_SYS;
	m.rm_call.cb_cred.oa_base = credbuf;
	m.rm_call.cb_cred.oa_length = xdr_getpos(&cx);
	m.rm_call.cb_verf.oa_flavor = AUTH_NONE;
	char out[1024];
	XDR x;
	xdrmem_create(&x, out, sizeof(out), XDR_ENCODE);
	assert_true(xdr_callmsg(&x, &m));
	struct rpc_call c;
	assert_int_equal(rpc_wire_parse_call((uint8_t *)out, xdr_getpos(&x), &c), 0);
	assert_int_equal(c.xid, 0xabcdef01);
	assert_int_equal(c.prog, 100003);
	assert_int_equal(c.proc, 19);
	assert_int_equal(c.sys.stamp, 42);
	assert_int_equal(c.sys.machine_len, 7);
	assert_int_equal(c.sys.n_gids, 3);
	assert_int_equal(c.sys.gids[2], 27);
	assert_int_equal(c.args_len, 0);
}

/* Our replies, decoded by libtirpc's xdr_replymsg. */
static void decode_reply(const uint8_t *buf, size_t len, struct rpc_msg *m)
{
	XDR x;
	memset(m, 0, sizeof(*m));
	m->acpted_rply.ar_results.proc = (xdrproc_t)(void (*)(void))xdr_void;
	xdrmem_create(&x, (char *)buf, (u_int)len, XDR_DECODE);
	assert_true(xdr_replymsg(&x, m));
	assert_int_equal(xdr_getpos(&x), len);
}

static void test_replies_tirpc(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct xdr_enc e;
	struct rpc_msg m;
	static const enum rpc_accept_stat stats[] = { RPC_ACCEPT_SUCCESS, RPC_ACCEPT_PROG_UNAVAIL,
		RPC_ACCEPT_PROC_UNAVAIL, RPC_ACCEPT_GARBAGE_ARGS, RPC_ACCEPT_SYSTEM_ERR };
	for (size_t i = 0; i < 5; i++) {
		xdr_enc_init(&e, buf, sizeof(buf));
		assert_int_equal(rpc_wire_put_accepted(&e, 100 + i, stats[i]), 0);
		decode_reply(buf, e.pos, &m);
		assert_int_equal(m.rm_xid, 100 + i);
		assert_int_equal(m.rm_direction, REPLY);
		assert_int_equal(m.rm_reply.rp_stat, MSG_ACCEPTED);
		assert_int_equal(m.acpted_rply.ar_verf.oa_flavor, AUTH_NONE);
		assert_int_equal(m.acpted_rply.ar_stat, (int)stats[i]);
	}
	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(rpc_wire_put_prog_mismatch(&e, 5, 3, 3), 0);
	decode_reply(buf, e.pos, &m);
	assert_int_equal(m.acpted_rply.ar_stat, PROG_MISMATCH);
	assert_int_equal(m.acpted_rply.ar_vers.low, 3);
	assert_int_equal(m.acpted_rply.ar_vers.high, 3);
	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(rpc_wire_put_rpc_mismatch(&e, 6, 2, 2), 0);
	decode_reply(buf, e.pos, &m);
	assert_int_equal(m.rm_reply.rp_stat, MSG_DENIED);
	assert_int_equal(m.rjcted_rply.rj_stat, RPC_MISMATCH);
	assert_int_equal(m.rjcted_rply.rj_vers.low, 2);
	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(rpc_wire_put_auth_error(&e, 7, RPC_AUTH_BADCRED), 0);
	decode_reply(buf, e.pos, &m);
	assert_int_equal(m.rjcted_rply.rj_stat, AUTH_ERROR);
	assert_int_equal(m.rjcted_rply.rj_why, AUTH_BADCRED);
	/* Too small a buffer: -ENOSPC, nothing written. */
	xdr_enc_init(&e, buf, 20);
	assert_int_equal(rpc_wire_put_accepted(&e, 1, RPC_ACCEPT_SUCCESS), -ENOSPC);
	assert_int_equal(rpc_wire_put_prog_mismatch(&e, 1, 2, 2), -ENOSPC);
	assert_int_equal(e.pos, 0);
	/* Record mark: last bit plus length. */
	uint8_t mk[4];
	rpc_rm_mark(mk, 28);
	assert_memory_equal(mk, "\x80\0\0\x1c", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getport_mount),
		cmocka_unit_test(test_null_call_and_rpcvers3),
		cmocka_unit_test(test_auth_sys_gids),
		cmocka_unit_test(test_tirpc_call),
		cmocka_unit_test(test_replies_tirpc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
