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

#define MS(j) ((uint64_t)(j) * 1000 / VPI_KRPC_HZ)
#define J(ms) ((uint64_t)(ms) * VPI_KRPC_HZ / 1000)

/*
 * Runs one unanswered call from jiffy 0: fills the transmission times (ms)
 * and which of the timeouts before them were major. n transmissions.
 */
static void run_unanswered(bool tcp, uint32_t timeo, uint32_t retrans, unsigned timer,
			   struct vpi_krpc_rtt *rt, size_t n, uint64_t *sent_ms, bool *major)
{
	struct vpi_krpc_timeout to;
	struct vpi_krpc_req rq;
	vpi_krpc_timeout_init(&to, tcp, timeo, retrans);
	vpi_krpc_req_init(&rq, &to, 0);
	uint64_t now = 0;
	for (size_t i = 0; i < n; i++) {
		sent_ms[i] = MS(now);
		uint64_t until = vpi_krpc_req_sent(&rq, &to, rt, tcp, timer, now);
		assert_true(until > now);
		now = until;
		major[i] = vpi_krpc_req_timeout(&rq, &to, rt, now);
	}
}

static void test_timeout_values(void **state)
{
	(void)state;
	struct vpi_krpc_timeout to;
	vpi_krpc_timeout_init(&to, true, VPI_KRPC_UNSPEC, VPI_KRPC_UNSPEC); /* TCP: 60 s, 2 */
	assert_int_equal(MS(to.initval), 60000);
	assert_int_equal(MS(to.increment), 60000);
	assert_int_equal(MS(to.maxval), 180000);
	assert_int_equal(to.retries, 2);
	assert_false(to.exponential);
	vpi_krpc_timeout_init(&to, true, 9000, 2); /* capped at 600 s */
	assert_int_equal(MS(to.initval), 600000);
	assert_int_equal(MS(to.maxval), 600000);
	vpi_krpc_timeout_init(&to, false, VPI_KRPC_UNSPEC, VPI_KRPC_UNSPEC); /* UDP: 1.1 s, 3 */
	assert_int_equal(MS(to.initval), 1100);
	assert_int_equal(MS(to.maxval), 60000);
	assert_int_equal(to.retries, 3);
	assert_true(to.exponential);
	vpi_krpc_timeout_init(&to, false, 20, VPI_KRPC_UNSPEC); /* timeo= alone keeps UDP's retrans */
	assert_int_equal(MS(to.initval), 2000);
	assert_int_equal(to.retries, 3);
	vpi_krpc_timeout_init(&to, false, 900, 1); /* UDP initval capped at 60 s */
	assert_int_equal(MS(to.initval), 60000);
}

/*
 * TCP defaults: the reply is waited for 60 s, then (minor) 120 s more but
 * no later than rq_majortimeo (180 s from the start): one retransmission,
 * then "not responding" at 180 s; the next budget counts from there.
 */
static void test_tcp_schedule(void **state)
{
	(void)state;
	struct vpi_krpc_rtt rt;
	vpi_krpc_rtt_init(&rt, J(60000));
	uint64_t sent[6];
	bool major[6];
	run_unanswered(true, VPI_KRPC_UNSPEC, VPI_KRPC_UNSPEC, 3, &rt, 6, sent, major);
	const uint64_t want[6] = { 0, 60000, 180000, 240000, 360000, 420000 };
	const bool want_major[6] = { false, true, false, true, false, true };
	for (int i = 0; i < 6; i++) {
		assert_int_equal(sent[i], want[i]);
		assert_int_equal(major[i], want_major[i]);
	}
	/* timeo=10,retrans=1: 1 s, then 2 s capped by majortimeo (2 s) */
	run_unanswered(true, 10, 1, 0, &rt, 3, sent, major);
	assert_int_equal(sent[1], 1000);
	assert_int_equal(sent[2], 2000);
	assert_false(major[0]);
	assert_true(major[1]);
}

/*
 * UDP defaults, a procedure without a timer class (NULL, SETATTR, ...):
 * waits of 1.1, 2.2, 4.4, 8.8 s (rq_majortimeo, 8.8 s, does not shorten a
 * UDP wait), so the first major timeout comes at 16.5 s; the next budget
 * runs from the old rq_majortimeo, hence a second major right after.
 */
static void test_udp_schedule(void **state)
{
	(void)state;
	struct vpi_krpc_rtt rt;
	vpi_krpc_rtt_init(&rt, J(1100));
	uint64_t sent[11];
	bool major[11];
	run_unanswered(false, VPI_KRPC_UNSPEC, VPI_KRPC_UNSPEC, 0, &rt, 11, sent, major);
	const uint64_t want[11] = { 0, 1100, 3300, 7700, 16500, 17600, 18700, 20900, 25300,
				    34100, 35200 };
	const bool want_major[11] = { false, false, false, true, true, false, false, false,
				      true, true, false };
	for (int i = 0; i < 11; i++) {
		assert_int_equal(sent[i], want[i]);
		assert_int_equal(major[i], want_major[i]);
	}
	/* doubling stops at 60 s: timeo=400 waits 40 s, then 60 s */
	vpi_krpc_rtt_init(&rt, J(40000));
	run_unanswered(false, 400, 5, 0, &rt, 3, sent, major);
	assert_int_equal(sent[1], 40000);
	assert_int_equal(sent[2], 100000);
}

/* UDP calls with a timer class wait the client's RTT estimate instead. */
static void test_udp_rtt(void **state)
{
	(void)state;
	struct vpi_krpc_timeout to;
	struct vpi_krpc_req rq;
	struct vpi_krpc_rtt rt;
	vpi_krpc_timeout_init(&to, false, VPI_KRPC_UNSPEC, VPI_KRPC_UNSPEC);
	vpi_krpc_rtt_init(&rt, to.initval);
	unsigned read = vpi_krpc_nfs3_timer(6);
	assert_int_equal(read, 3);
	assert_int_equal(vpi_krpc_nfs3_timer(0), 0);   /* NULL */
	assert_int_equal(vpi_krpc_nfs3_timer(3), 2);   /* LOOKUP */
	assert_int_equal(vpi_krpc_nfs3_timer(2), 0);   /* SETATTR */
	assert_int_equal(vpi_krpc_nfs3_timer(21), 5);  /* COMMIT */
	/* a fresh client estimates timeo */
	assert_int_equal(vpi_krpc_rtt_rto(&rt, read), to.initval);
	/* fast answers (under a jiffy) bring it down to the variance floor, HZ/10 */
	uint64_t now = 1000;
	uint32_t last = 0;
	for (int i = 0; i < 60; i++) {
		vpi_krpc_req_init(&rq, &to, now);
		vpi_krpc_req_sent(&rq, &to, &rt, false, read, now);
		vpi_krpc_req_reply(&rq, &rt, read, now);
		last = vpi_krpc_rtt_rto(&rt, read);
		now += 10;
	}
	assert_in_range(last, VPI_KRPC_HZ / 10 + 1, VPI_KRPC_HZ / 10 + 2);
	/* other classes keep their own estimate */
	assert_int_equal(vpi_krpc_rtt_rto(&rt, 4), to.initval);
	/* a lost READ is resent after the short estimate, then with backoff
	 * once rq_minortimeo (1.1 s) has passed */
	vpi_krpc_req_init(&rq, &to, now);
	uint64_t until = vpi_krpc_req_sent(&rq, &to, &rt, false, read, now);
	assert_int_equal(until - now, last);
	assert_false(vpi_krpc_req_timeout(&rq, &to, &rt, until));
	assert_int_equal(rq.retries, 0); /* before rq_minortimeo: no backoff yet */
	uint64_t t = until;
	while (t < now + to.initval) {
		t = vpi_krpc_req_sent(&rq, &to, &rt, false, read, t);
		assert_false(vpi_krpc_req_timeout(&rq, &to, &rt, t));
	}
	assert_int_equal(rq.retries, 1);
	assert_int_equal(vpi_krpc_req_sent(&rq, &to, &rt, false, read, t) - t, (uint64_t)last << 1);
	/* its late reply (sent more than once) leaves the mean alone (Karn)
	 * but the next READ starts backed off by the transmissions it took,
	 * at most 2^8 (rpc_set_timeo) */
	uint32_t ntrans = rq.ntrans;
	assert_true(ntrans > 2);
	vpi_krpc_req_reply(&rq, &rt, read, t + 1);
	assert_int_equal(vpi_krpc_rtt_rto(&rt, read), last);
	vpi_krpc_req_init(&rq, &to, t + 1);
	unsigned backoff = ntrans - 1 > 8 ? 8 : ntrans - 1;
	assert_int_equal(vpi_krpc_req_sent(&rq, &to, &rt, false, read, t + 1) - (t + 1),
			 (uint64_t)last << backoff);
	/* each reply to a call sent once halves that back (one step each) */
	vpi_krpc_req_reply(&rq, &rt, read, t + 2);
	vpi_krpc_req_init(&rq, &to, t + 3);
	assert_int_equal(vpi_krpc_req_sent(&rq, &to, &rt, false, read, t + 3) - (t + 3),
			 (uint64_t)last << (backoff - 1));
	/* a major timeout starts the estimate over */
	vpi_krpc_req_timeout(&rq, &to, &rt, rq.majortimeo);
	assert_int_equal(vpi_krpc_rtt_rto(&rt, read), to.initval);
}

static size_t reply_msg(uint8_t *buf, size_t cap, uint32_t xid, uint32_t port)
{
	struct xdr_enc e;
	xdr_enc_init(&e, buf, cap);
	assert_int_equal(rpc_wire_put_accepted(&e, xid, RPC_ACCEPT_SUCCESS), 0);
	xdr_enc_u32(&e, port);
	return e.pos;
}

/* Replies are matched by xid only; late, duplicate and foreign ones are dropped. */
static void test_xid_matching(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct vpi_krpc_reply r;
	size_t n = reply_msg(buf, sizeof(buf), 0x1000, 2049);
	assert_int_equal(vpi_krpc_match(buf, n, 0x1000, true, &r), 1);
	assert_int_equal(xdr_get_be32(r.body), 2049);
	/* the same datagram again once the call completed (a retransmit's reply) */
	assert_int_equal(vpi_krpc_match(buf, n, 0x1000, false, &r), 0);
	/* a late reply to the previous call while the next one is in flight */
	assert_int_equal(vpi_krpc_match(buf, n, 0x1001, true, &r), 0);
	/* xids wrap: 0xffffffff then 0 are distinct calls */
	n = reply_msg(buf, sizeof(buf), 0xffffffffu, 1);
	assert_int_equal(vpi_krpc_match(buf, n, 0, true, &r), 0);
	assert_int_equal(vpi_krpc_match(buf, n, 0xffffffffu, true, &r), 1);
	/* a call echoed back, or a runt, is not a reply at all */
	struct xdr_enc e;
	xdr_enc_init(&e, buf, sizeof(buf));
	vpi_krpc_put_call(&e, 0x1000, RPC_PROG_NFS, 3, 0, true, "pi");
	assert_int_equal(vpi_krpc_match(buf, e.pos, 0x1000, true, &r), -EBADMSG);
	assert_int_equal(vpi_krpc_match(buf, 3, 0x1000, true, &r), -EBADMSG);
	/* a PROG_MISMATCH for the call in flight completes it (the caller fails) */
	xdr_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(rpc_wire_put_prog_mismatch(&e, 0x2000, 3, 3), 0);
	assert_int_equal(vpi_krpc_match(buf, e.pos, 0x2000, true, &r), 1);
	assert_int_equal(r.status, VPI_KRPC_PROG_MISMATCH);
}

/* rsize/wsize: the option, FSINFO's maximum, the transport's payload. */
static void test_io_size(void **state)
{
	(void)state;
	/* nfsroot's default 4096 against a 1 MiB server: 4096 on both */
	assert_int_equal(vpi_krpc_io_size(4096, 1048576, true), 4096);
	assert_int_equal(vpi_krpc_io_size(4096, 1048576, false), 4096);
	/* asked 1 MiB: TCP gets it, UDP stops at 32 KiB */
	assert_int_equal(vpi_krpc_io_size(1048576, 1048576, true), 1048576);
	assert_int_equal(vpi_krpc_io_size(1048576, 1048576, false), 32768);
	assert_int_equal(vpi_krpc_io_size(1048576, 32768, false), 32768);
	/* a server offering less: its rtmax (UDP rounds to a power of two) */
	assert_int_equal(vpi_krpc_io_size(1048576, 65536, true), 65536);
	assert_int_equal(vpi_krpc_io_size(1048576, 24000, false), 16384);
	assert_int_equal(vpi_krpc_io_size(1048576, 24000, true), 20480);
	/* an rtmax under 512 is ignored */
	assert_int_equal(vpi_krpc_io_size(8192, 256, true), 8192);
	/* odd or tiny options: page multiple on TCP, power of two on UDP, < 1 KiB means 4 KiB */
	assert_int_equal(vpi_krpc_io_size(50000, 1048576, true), 49152);
	assert_int_equal(vpi_krpc_io_size(50000, 1048576, false), 32768);
	assert_int_equal(vpi_krpc_io_size(3000, 1048576, true), 2048);
	assert_int_equal(vpi_krpc_io_size(100, 1048576, false), 4096);
	assert_int_equal(vpi_krpc_io_size(5u << 20, 1u << 24, true), 1048576);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_roundtrip),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_timeout_values),
		cmocka_unit_test(test_tcp_schedule),
		cmocka_unit_test(test_udp_schedule),
		cmocka_unit_test(test_udp_rtt),
		cmocka_unit_test(test_xid_matching),
		cmocka_unit_test(test_io_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
