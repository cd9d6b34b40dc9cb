/*
 * test_vpi_tftp.c - the board's TFTP read state machine against a scripted
 * server: exact RRQ/ACK/ERROR bytes, the early-terminate probe with and
 * without options, retransmission, duplicates, rollover, tsize mismatch,
 * bad OACK, file timeout (plain, idle, and wire time at a time scale),
 * foreign TIDs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "fixtures/vpi/vpi_tftp.h"

#define SRV 40001 /* the server's TID */

static const struct vpi_tftp_params rom = {
	.path = "bootcode.bin", .rrq_retry_ms = 1000, .ack_retry_ms = 1000,
	.file_timeout_ms = 10000, .rollover = true,
};

static void expect_bytes(const struct vpi_tftp_out *out, const void *want, size_t len,
			 uint16_t port)
{
	assert_int_equal(out->len, len);
	assert_memory_equal(out->pkt, want, len);
	assert_int_equal(out->dst_port, port);
}

static void feed(struct vpi_tftp *t, uint16_t port, const void *pkt, size_t len, uint64_t now,
		 struct vpi_tftp_out *out)
{
	vpi_tftp_input(t, port, pkt, len, now, out);
}

/* A DATA payload of `n` bytes of `fill`. */
static size_t data_pkt(uint8_t *buf, uint16_t block, size_t n, uint8_t fill)
{
	buf[0] = 0;
	buf[1] = 3;
	buf[2] = (uint8_t)(block >> 8);
	buf[3] = (uint8_t)block;
	memset(buf + 4, fill, n);
	return n + 4;
}

static const uint8_t ack0[] = { 0, 4, 0, 0 };
static const uint8_t ack1[] = { 0, 4, 0, 1 };
static const uint8_t ack2[] = { 0, 4, 0, 2 };
static const uint8_t early[] = "\0\5\0\0Early terminate"; /* sizeof includes the NUL */

static void test_rom_rrq_has_no_options(void **state)
{
	(void)state;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	assert_int_equal(vpi_tftp_start(&t, &rom, 0, &out), 0);
	/* [C] D1: RRQ "bootcode.bin" octet, 21-byte payload */
	static const uint8_t want[] = "\0\1bootcode.bin\0octet";
	expect_bytes(&out, want, sizeof(want), 69);
	assert_int_equal(out.len, 21);
	vpi_tftp_release(&t);
}

static void test_pi4_rrq_options_in_order(void **state)
{
	(void)state;
	struct vpi_tftp_params p = rom;
	p.path = "b7f44626/start4.elf";
	p.opt_tsize = true;
	p.opt_blksize = 1024;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	assert_int_equal(vpi_tftp_start(&t, &p, 0, &out), 0);
	static const uint8_t want[] = "\0\1b7f44626/start4.elf\0octet\0tsize\0" "0\0blksize\0" "1024";
	expect_bytes(&out, want, sizeof(want), 69);
	vpi_tftp_release(&t);
}

static void test_read_without_options(void **state)
{
	(void)state;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	uint8_t pkt[600];
	vpi_tftp_start(&t, &rom, 0, &out);
	feed(&t, SRV, pkt, data_pkt(pkt, 1, 512, 0xaa), 10, &out);
	expect_bytes(&out, ack1, 4, SRV);
	assert_false(out.finished);
	feed(&t, SRV, pkt, data_pkt(pkt, 2, 100, 0xbb), 20, &out);
	expect_bytes(&out, ack2, 4, SRV);
	assert_true(out.finished);
	assert_int_equal(t.outcome, VPI_TFTP_OK);
	size_t len;
	uint8_t *d = vpi_tftp_take_data(&t, &len);
	assert_int_equal(len, 612);
	assert_int_equal(d[0], 0xaa);
	assert_int_equal(d[611], 0xbb);
	free(d);
	/* anything after the end is ignored */
	feed(&t, SRV, pkt, data_pkt(pkt, 2, 100, 0xbb), 30, &out);
	assert_int_equal(out.len, 0);
	vpi_tftp_release(&t);
}

static void test_probe_without_options(void **state)
{
	(void)state;
	struct vpi_tftp_params p = rom;
	p.probe = true;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	uint8_t pkt[600];
	vpi_tftp_start(&t, &p, 0, &out);
	/* 3.2: DATA 1 -> ERROR 0 "Early terminate" */
	feed(&t, SRV, pkt, data_pkt(pkt, 1, 512, 1), 5, &out);
	expect_bytes(&out, early, sizeof(early), SRV);
	assert_true(out.finished);
	assert_int_equal(t.outcome, VPI_TFTP_OK);
	assert_int_equal(t.len, 0);
	vpi_tftp_release(&t);
}

static void test_probe_with_tsize(void **state)
{
	(void)state;
	struct vpi_tftp_params p = rom;
	p.probe = true;
	p.opt_tsize = true;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	uint8_t pkt[600];
	vpi_tftp_start(&t, &p, 0, &out);
	/* RRQ(tsize 0) -> OACK(tsize N) -> ACK 0 -> DATA 1 -> ERROR 0 */
	static const uint8_t oack[] = "\0\6tsize\0" "2877988";
	feed(&t, SRV, oack, sizeof(oack), 1, &out);
	expect_bytes(&out, ack0, 4, SRV);
	assert_true(t.has_tsize);
	assert_int_equal(t.tsize, 2877988);
	/* a repeated OACK is not ACKed again ([O] firmware#1041) */
	feed(&t, SRV, oack, sizeof(oack), 2, &out);
	assert_int_equal(out.len, 0);
	feed(&t, SRV, pkt, data_pkt(pkt, 1, 512, 1), 3, &out);
	expect_bytes(&out, early, sizeof(early), SRV);
	assert_true(out.finished);
	assert_int_equal(t.outcome, VPI_TFTP_OK);
	vpi_tftp_release(&t);
}

static void test_blksize_and_tsize_mismatch(void **state)
{
	(void)state;
	struct vpi_tftp_params p = rom;
	p.opt_tsize = true;
	p.opt_blksize = 1468;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	uint8_t pkt[1600];
	vpi_tftp_start(&t, &p, 0, &out);
	static const uint8_t oack[] = "\0\6tsize\0" "2000\0blksize\0" "1468";
	feed(&t, SRV, oack, sizeof(oack), 1, &out);
	expect_bytes(&out, ack0, 4, SRV);
	assert_int_equal(t.blksize, 1468);
	feed(&t, SRV, pkt, data_pkt(pkt, 1, 1468, 7), 2, &out);
	expect_bytes(&out, ack1, 4, SRV);
	/* the server stops 32 bytes short of the size it announced */
	feed(&t, SRV, pkt, data_pkt(pkt, 2, 500, 7), 3, &out);
	expect_bytes(&out, ack2, 4, SRV);
	assert_true(out.finished);
	assert_int_equal(t.outcome, VPI_TFTP_SIZE_MISMATCH);
	vpi_tftp_release(&t);
}

static void test_server_ignores_options(void **state)
{
	(void)state;
	struct vpi_tftp_params p = rom;
	p.opt_tsize = true;
	p.opt_blksize = 1024;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	uint8_t pkt[600];
	vpi_tftp_start(&t, &p, 0, &out);
	/* no OACK: 512-byte blocks, no size check ([C] R1) */
	feed(&t, SRV, pkt, data_pkt(pkt, 1, 511, 3), 1, &out);
	expect_bytes(&out, ack1, 4, SRV);
	assert_true(out.finished);
	assert_int_equal(t.outcome, VPI_TFTP_OK);
	assert_int_equal(t.len, 511);
	vpi_tftp_release(&t);
}

static void test_bad_oack(void **state)
{
	(void)state;
	struct vpi_tftp_params p = rom;
	p.opt_tsize = true;
	p.opt_blksize = 1024;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	vpi_tftp_start(&t, &p, 0, &out);
	/* a larger block than asked */
	static const uint8_t oack[] = "\0\6blksize\0" "1468";
	feed(&t, SRV, oack, sizeof(oack), 1, &out);
	static const uint8_t err8[] = "\0\5\0\10" "Bad OACK";
	expect_bytes(&out, err8, sizeof(err8), SRV);
	assert_int_equal(t.outcome, VPI_TFTP_BAD_OACK);
	vpi_tftp_release(&t);
	/* an OACK to an RRQ without options is not ours: ignored */
	vpi_tftp_start(&t, &rom, 0, &out);
	feed(&t, SRV, oack, sizeof(oack), 1, &out);
	assert_int_equal(out.len, 0);
	assert_int_equal(t.state, VPI_TFTP_RRQ_SENT);
	vpi_tftp_release(&t);
}

static void test_error_not_found(void **state)
{
	(void)state;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	vpi_tftp_start(&t, &rom, 0, &out);
	static const uint8_t err[] = "\0\5\0\1" "File not found";
	feed(&t, SRV, err, sizeof(err), 1, &out);
	assert_true(out.finished);
	assert_int_equal(out.len, 0);
	assert_int_equal(t.outcome, VPI_TFTP_SERVER_ERROR);
	assert_int_equal(t.err_code, 1);
	assert_string_equal(t.err_msg, "File not found");
	vpi_tftp_release(&t);
}

static void test_retransmit_and_timeout(void **state)
{
	(void)state;
	struct vpi_tftp t;
	struct vpi_tftp_out out, rrq;
	uint8_t pkt[600];
	vpi_tftp_start(&t, &rom, 100, &rrq);
	assert_int_equal(vpi_tftp_deadline(&t), 1100);
	vpi_tftp_tick(&t, 500, &out);
	assert_int_equal(out.len, 0);
	/* unanswered RRQ: the same bytes to port 69 again */
	vpi_tftp_tick(&t, 1100, &out);
	expect_bytes(&out, rrq.pkt, rrq.len, 69);
	assert_int_equal(t.retransmits, 1);
	/* after DATA 1, a late DATA 2 makes the board resend ACK 1 */
	feed(&t, SRV, pkt, data_pkt(pkt, 1, 512, 0), 1500, &out);
	vpi_tftp_tick(&t, 2500, &out);
	expect_bytes(&out, ack1, 4, SRV);
	/* the file timeout counts from the RRQ: 100 + 10000 */
	vpi_tftp_tick(&t, 10099, &out);
	assert_false(out.finished);
	vpi_tftp_tick(&t, 10100, &out);
	assert_true(out.finished);
	assert_int_equal(out.len, 0);
	assert_int_equal(t.outcome, VPI_TFTP_TIMEOUT);
	vpi_tftp_release(&t);
}

static void test_idle_timeout_counts_from_progress(void **state)
{
	(void)state;
	struct vpi_tftp_params p = rom;
	p.timeout_idle = true;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	uint8_t pkt[600];
	vpi_tftp_start(&t, &p, 0, &out);
	for (uint16_t b = 1; b <= 20; b++) {
		feed(&t, SRV, pkt, data_pkt(pkt, b, 512, 0), (uint64_t)b * 900, &out);
		vpi_tftp_tick(&t, (uint64_t)b * 900, &out);
		assert_false(out.finished);
	}
	/* 18 s since the RRQ but only 9.99 s of silence: still going */
	vpi_tftp_tick(&t, 18000 + 9999, &out);
	assert_false(out.finished);
	vpi_tftp_tick(&t, 18000 + 10000, &out);
	assert_true(out.finished);
	assert_int_equal(t.outcome, VPI_TFTP_TIMEOUT);
	vpi_tftp_release(&t);
}

/*
 * Time scale 10: blocks that keep pace with the board (each before its ACK
 * would be resent) are wire time, charged at a tenth; a wait past the
 * resend interval is board time. The file fails when the charges and the
 * current silence reach the timeout, not 10 s of board time after the RRQ.
 */
static void test_scaled_timeout_charges_wire_time(void **state)
{
	(void)state;
	struct vpi_tftp_params p = rom;
	p.wire_scale = 10;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	uint8_t pkt[600];
	vpi_tftp_start(&t, &p, 0, &out);
	/* 200 blocks 100 board ms apart: 20 s of board time, 2 s charged */
	uint64_t now = 0;
	for (uint16_t b = 1; b <= 200; b++) {
		now += 100;
		feed(&t, SRV, pkt, data_pkt(pkt, b, 512, 0), now, &out);
		vpi_tftp_tick(&t, now, &out);
		assert_false(out.finished);
	}
	assert_int_equal(t.charged_ms, 2000);
	/* a block after a 3 s wait (ACK resent meanwhile) is charged in full */
	now += 3000;
	feed(&t, SRV, pkt, data_pkt(pkt, 201, 512, 0), now, &out);
	assert_int_equal(t.charged_ms, 5000);
	/* 5 s left: silence ends the file at 20000 + 3000 + 5000 */
	assert_int_equal(now, 23000);
	vpi_tftp_tick(&t, 27999, &out);
	assert_false(out.finished);
	assert_int_equal(vpi_tftp_deadline(&t) <= 28000, true);
	vpi_tftp_tick(&t, 28000, &out);
	assert_true(out.finished);
	assert_int_equal(t.outcome, VPI_TFTP_TIMEOUT);
	vpi_tftp_release(&t);

	/* unscaled, the same pace fails at 10 s of board time after the RRQ */
	p.wire_scale = 0;
	vpi_tftp_start(&t, &p, 0, &out);
	now = 0;
	for (uint16_t b = 1; now < 10000; b++) {
		now += 100;
		feed(&t, SRV, pkt, data_pkt(pkt, b, 512, 0), now, &out);
		vpi_tftp_tick(&t, now, &out);
	}
	assert_true(out.finished);
	assert_int_equal(t.outcome, VPI_TFTP_TIMEOUT);
	assert_int_equal(now, 10000);
	vpi_tftp_release(&t);
}

static void test_duplicate_is_reacked(void **state)
{
	(void)state;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	uint8_t pkt[600];
	vpi_tftp_start(&t, &rom, 0, &out);
	feed(&t, SRV, pkt, data_pkt(pkt, 1, 512, 0), 1, &out);
	feed(&t, SRV, pkt, data_pkt(pkt, 1, 512, 0), 2, &out);
	expect_bytes(&out, ack1, 4, SRV);
	assert_true(out.duplicate);
	assert_int_equal(out.dup_block, 1);
	assert_int_equal(out.dup_expected, 2);
	assert_int_equal(t.len, 512); /* not stored twice */
	/* a block from the future is ignored */
	feed(&t, SRV, pkt, data_pkt(pkt, 5, 512, 0), 3, &out);
	assert_int_equal(out.len, 0);
	assert_false(out.duplicate);
	vpi_tftp_release(&t);
}

static void test_foreign_tid_ignored(void **state)
{
	(void)state;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	uint8_t pkt[600];
	vpi_tftp_start(&t, &rom, 0, &out);
	feed(&t, SRV, pkt, data_pkt(pkt, 1, 512, 0), 1, &out);
	feed(&t, SRV + 1, pkt, data_pkt(pkt, 2, 10, 0), 2, &out);
	assert_int_equal(out.len, 0);
	assert_int_equal(t.state, VPI_TFTP_RECEIVING);
	static const uint8_t junk[] = { 0, 9, 1 };
	feed(&t, SRV, junk, sizeof(junk), 3, &out);
	assert_int_equal(out.len, 0);
	vpi_tftp_release(&t);
}

static void run_blocks(struct vpi_tftp *t, uint32_t nblocks, size_t last_len)
{
	struct vpi_tftp_out out;
	uint8_t pkt[16];
	for (uint32_t i = 1; i <= nblocks; i++) {
		size_t n = i == nblocks ? last_len : 8;
		feed(t, SRV, pkt, data_pkt(pkt, (uint16_t)i, n, (uint8_t)i), i, &out);
		if (t->state == VPI_TFTP_FAILED)
			return;
		assert_int_equal(out.len, 4);
		assert_int_equal(out.pkt[2], (uint8_t)(i >> 8) & 0xff);
		assert_int_equal(out.pkt[3], (uint8_t)i);
	}
}

static void test_rollover(void **state)
{
	(void)state;
	/* blksize 8: 65537 blocks wrap the counter (65535 -> 0 -> 1) */
	struct vpi_tftp_params p = rom;
	p.opt_blksize = 8;
	p.file_timeout_ms = UINT32_MAX;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	vpi_tftp_start(&t, &p, 0, &out);
	static const uint8_t oack[] = "\0\6blksize\0" "8";
	feed(&t, SRV, oack, sizeof(oack), 0, &out);
	run_blocks(&t, 65537, 3);
	assert_int_equal(t.outcome, VPI_TFTP_OK);
	assert_int_equal(t.len, 65536 * 8 + 3);
	vpi_tftp_release(&t);

	/* old firmware: no rollover, the file is too large */
	p.rollover = false;
	vpi_tftp_start(&t, &p, 0, &out);
	feed(&t, SRV, oack, sizeof(oack), 0, &out);
	run_blocks(&t, 65537, 3);
	assert_int_equal(t.outcome, VPI_TFTP_TOO_LARGE);
	vpi_tftp_release(&t);
}

static void test_bad_path(void **state)
{
	(void)state;
	struct vpi_tftp t;
	struct vpi_tftp_out out;
	struct vpi_tftp_params p = rom;
	p.path = "";
	assert_int_equal(vpi_tftp_start(&t, &p, 0, &out), -EINVAL);
	vpi_tftp_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rom_rrq_has_no_options),
		cmocka_unit_test(test_pi4_rrq_options_in_order),
		cmocka_unit_test(test_read_without_options),
		cmocka_unit_test(test_probe_without_options),
		cmocka_unit_test(test_probe_with_tsize),
		cmocka_unit_test(test_blksize_and_tsize_mismatch),
		cmocka_unit_test(test_server_ignores_options),
		cmocka_unit_test(test_bad_oack),
		cmocka_unit_test(test_error_not_found),
		cmocka_unit_test(test_retransmit_and_timeout),
		cmocka_unit_test(test_idle_timeout_counts_from_progress),
		cmocka_unit_test(test_scaled_timeout_charges_wire_time),
		cmocka_unit_test(test_duplicate_is_reacked),
		cmocka_unit_test(test_foreign_tid_ignored),
		cmocka_unit_test(test_rollover),
		cmocka_unit_test(test_bad_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
