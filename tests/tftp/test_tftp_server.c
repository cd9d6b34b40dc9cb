/*
 * test_tftp_server.c - the TFTP engine's transfer state machine, driven
 * with synthetic datagrams and `now` values: OACK and ACK 0, lock-step and
 * windowed transfers, duplicate ACKs (never answered), retransmission with
 * backoff and giving up, block-number rollover, the Pi's early-terminate
 * probe, refusals, board roots, and every fault action.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness/fault.h"
#include "harness/timeline.h"
#include "servers/tftp_server.h"

#define CLIENT_IP "192.168.1.100"
#define T0 1000.0

static char top[64];

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 131 + (off >> 9));
}

static void make_file(const char *rel, uint64_t size)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	for (uint64_t i = 0; i < size; i++)
		fputc(pattern(i), f);
	fclose(f);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/pitest-tftp-srv-XXXXXX");
	assert_non_null(mkdtemp(top));
	make_file("bootcode.bin", 1300);
	make_file("k1024.img", 1024);
	make_file("big.img", 10 * 512 + 100);
	make_file("empty.txt", 0);
	make_file("roll.bin", 8 * 70000 + 3);
	char p[256];
	snprintf(p, sizeof(p), "%s/board1", top);
	assert_int_equal(mkdir(p, 0755), 0);
	make_file("board1/only-here.txt", 10);
	snprintf(p, sizeof(p), "%s/192.168.1.100", top);
	assert_int_equal(mkdir(p, 0755), 0);
	make_file("192.168.1.100/bootcode.bin", 7);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* ---- fixture ---------------------------------------------------------- */

struct fx {
	struct timeline *tl;
	struct fault_engine *fe;
	struct tftp_server *srv;
	struct tftp_transfer *x;
	struct tftp_step s;
};

static bool who_board1(void *ctx, uint32_t ip, char board[32], char model[16],
		       char ret_root[PATH_MAX])
{
	(void)ctx;
	(void)ip;
	snprintf(board, 32, "pi4-01");
	snprintf(model, 16, "pi4");
	snprintf(ret_root, PATH_MAX, "%s/board1", top);
	return true;
}

static bool who_named(void *ctx, uint32_t ip, char board[32], char model[16],
		      char ret_root[PATH_MAX])
{
	(void)ctx;
	(void)ip;
	(void)ret_root;
	snprintf(board, 32, "pi3b-01");
	snprintf(model, 16, "pi3b");
	return true;
}

static void fx_init(struct fx *f, struct tftp_server_config *cfg, const struct fault_rule *rules,
		    size_t n_rules)
{
	memset(f, 0, sizeof(*f));
	f->tl = timeline_new();
	assert_non_null(f->tl);
	if (n_rules) {
		f->fe = fault_engine_new(rules, n_rules, f->tl);
		assert_non_null(f->fe);
	}
	struct tftp_server_config base = { .time_scale = 1.0, .max_retries = 3 };
	if (!cfg)
		cfg = &base;
	snprintf(cfg->root, sizeof(cfg->root), "%s", top);
	assert_int_equal(tftp_server_new(cfg, f->tl, f->fe, &f->srv), 0);
}

static void fx_free(struct fx *f)
{
	tftp_transfer_free(f->x);
	assert_int_equal(tftp_server_n_transfers(f->srv), 0);
	tftp_server_free(f->srv);
	fault_engine_free(f->fe);
	timeline_free(f->tl);
}

static uint32_t client_ip(void)
{
	uint32_t a;
	inet_pton(AF_INET, CLIENT_IP, &a);
	return a;
}

/* Sends an RRQ with "name value" option pairs (NULL-terminated). */
static struct tftp_transfer *rrq(struct fx *f, const char *file, uint16_t port, double now, ...)
{
	struct tftp_option opts[8];
	size_t n = 0;
	va_list ap;
	va_start(ap, now);
	for (const char *k; (k = va_arg(ap, const char *)) != NULL && n < 8; n++) {
		snprintf(opts[n].name, sizeof(opts[n].name), "%s", k);
		snprintf(opts[n].value, sizeof(opts[n].value), "%s", va_arg(ap, const char *));
	}
	va_end(ap);
	uint8_t buf[600];
	int len = tftp_wire_build_rrq(buf, sizeof(buf), file, "octet", opts, n);
	assert_true(len > 0);
	struct tftp_transfer *x = NULL;
	assert_int_equal(tftp_server_request(f->srv, buf, (size_t)len, client_ip(), port, now, &x,
					     &f->s),
			 0);
	return x;
}

static void raw_request(struct fx *f, const void *buf, size_t len, double now)
{
	tftp_transfer_free(f->x);
	f->x = NULL;
	assert_int_equal(tftp_server_request(f->srv, buf, len, client_ip(), 2000, now, &f->x, &f->s),
			 0);
}

static void ack(struct fx *f, uint16_t block, double now)
{
	uint8_t buf[4];
	tftp_wire_build_ack(buf, sizeof(buf), block);
	tftp_transfer_handle(f->x, buf, 4, now, &f->s);
}

static void timer(struct fx *f, double now)
{
	tftp_transfer_timer(f->x, now, &f->s);
}

static void client_error(struct fx *f, uint16_t code, const char *msg, double now)
{
	uint8_t buf[64];
	int n = tftp_wire_build_error(buf, sizeof(buf), code, msg);
	tftp_transfer_handle(f->x, buf, (size_t)n, now, &f->s);
}

/* Out i of the last step, parsed. */
static struct tftp_packet out_pkt(const struct fx *f, size_t i)
{
	struct tftp_packet p;
	assert_true(i < f->s.n_out);
	assert_int_equal(tftp_wire_parse(f->s.out[i].buf, f->s.out[i].len, &p), 0);
	return p;
}

/* Checks out i is DATA for absolute block b of a file served in blksize blocks. */
static void expect_data(const struct fx *f, size_t i, uint64_t b, size_t blksize, size_t len)
{
	struct tftp_packet p = out_pkt(f, i);
	assert_int_equal(p.opcode, TFTP_DATA);
	assert_int_equal(p.block, (uint16_t)b);
	assert_int_equal(p.data_len, len);
	uint64_t off = (b - 1) * blksize;
	for (size_t k = 0; k < len; k++)
		if (p.data[k] != pattern(off + k))
			fail_msg("block %llu byte %zu differs", (unsigned long long)b, k);
}

static void expect_error(const struct fx *f, uint16_t code, const char *msg)
{
	assert_int_equal(f->s.n_out, 1);
	struct tftp_packet p = out_pkt(f, 0);
	assert_int_equal(p.opcode, TFTP_ERROR);
	assert_int_equal(p.error_code, code);
	if (msg)
		assert_string_equal(p.error_msg, msg);
	assert_true(f->s.done);
}

static size_t count(const struct fx *f, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < timeline_count(f->tl); i++)
		if (strcmp(timeline_get(f->tl, i)->name, name) == 0)
			n++;
	return n;
}

static const struct event *last(const struct fx *f, const char *name)
{
	for (size_t i = timeline_count(f->tl); i-- > 0;)
		if (strcmp(timeline_get(f->tl, i)->name, name) == 0)
			return timeline_get(f->tl, i);
	fail_msg("no event %s", name);
	return NULL;
}

static void expect_field(const struct event *ev, const char *key, const char *value)
{
	const char *v = event_get(ev, key);
	if (!v || strcmp(v, value) != 0)
		fail_msg("%s.%s = %s, want %s", ev->name, key, v ? v : "(none)", value);
}

/* Lock-step from the current state (DATA `b` just sent) to the end. */
static void run_lockstep(struct fx *f, uint64_t b, size_t blksize, uint64_t size, double now)
{
	uint64_t nblocks = size / blksize + 1;
	for (;; b++) {
		size_t len = b < nblocks ? blksize : (size_t)(size - (nblocks - 1) * blksize);
		assert_int_equal(f->s.n_out, 1);
		expect_data(f, 0, b, blksize, len);
		assert_false(f->s.done);
		ack(f, (uint16_t)b, now);
		if (b == nblocks)
			break;
	}
	assert_true(f->s.done);
	assert_int_equal(f->s.n_out, 0);
}

/* ---- transfers -------------------------------------------------------- */

static void test_pi3_rom_lockstep(void **state)
{
	(void)state;
	struct fx f;
	struct tftp_server_config cfg = { .time_scale = 1.0 };
	cfg.who = who_named;
	fx_init(&f, &cfg, NULL, 0);
	f.x = rrq(&f, "bootcode.bin", 49152, T0, NULL);
	assert_non_null(f.x);
	assert_true(f.s.wake > T0); /* the retransmission timer */
	run_lockstep(&f, 1, 512, 1300, T0 + 0.1);
	const struct event *done = last(&f, "tftp.done");
	assert_string_equal(done->board, "pi3b-01");
	expect_field(done, "bytes", "1300");
	expect_field(done, "blocks", "3");
	expect_field(done, "blksize", "512");
	expect_field(done, "windowsize", "1");
	expect_field(done, "retransmits", "0");
	const struct event *r = last(&f, "tftp.rrq");
	expect_field(r, "file", "bootcode.bin");
	expect_field(r, "options", "");
	expect_field(r, "port", "49152");
	assert_int_equal(count(&f, "tftp.oack"), 0);
	fx_free(&f);
}

static void test_oack_blksize_tsize(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, NULL, NULL, 0);
	f.x = rrq(&f, "bootcode.bin", 40084, T0, "tsize", "0", "blksize", "1024", NULL);
	assert_int_equal(f.s.n_out, 1);
	struct tftp_packet p = out_pkt(&f, 0);
	assert_int_equal(p.opcode, TFTP_OACK);
	assert_string_equal(tftp_packet_get_option(&p, "tsize"), "1300");
	assert_string_equal(tftp_packet_get_option(&p, "blksize"), "1024");
	/* a stray ACK 1 before ACK 0 changes nothing */
	ack(&f, 1, T0 + 0.01);
	assert_int_equal(f.s.n_out, 0);
	ack(&f, 0, T0 + 0.02);
	run_lockstep(&f, 1, 1024, 1300, T0 + 0.03);
	expect_field(last(&f, "tftp.oack"), "options", "tsize=1300 blksize=1024");
	expect_field(last(&f, "tftp.rrq"), "options", "tsize=0 blksize=1024");
	expect_field(last(&f, "tftp.done"), "blksize", "1024");
	fx_free(&f);
}

static void test_option_caps(void **state)
{
	(void)state;
	struct fx f;
	struct tftp_server_config cfg = { .time_scale = 1.0, .max_blksize = 1468,
					  .max_windowsize = 8 };
	fx_init(&f, &cfg, NULL, 0);
	f.x = rrq(&f, "big.img", 1, T0, "blksize", "65464", "windowsize", "64", "timeout", "3",
		  "unknown", "x", NULL);
	struct tftp_packet p = out_pkt(&f, 0);
	assert_int_equal(p.opcode, TFTP_OACK);
	assert_string_equal(tftp_packet_get_option(&p, "blksize"), "1468");
	assert_string_equal(tftp_packet_get_option(&p, "windowsize"), "8");
	assert_string_equal(tftp_packet_get_option(&p, "timeout"), "3");
	assert_null(tftp_packet_get_option(&p, "unknown"));
	assert_null(tftp_packet_get_option(&p, "tsize"));
	/* the client's timeout is the retransmission base */
	assert_true(f.s.wake > T0 + 2.9 && f.s.wake < T0 + 3.1);
	tftp_transfer_free(f.x);
	/* out-of-range values: blksize 4 and timeout 0 are ignored, no OACK left */
	f.x = rrq(&f, "big.img", 2, T0, "blksize", "4", "timeout", "0", NULL);
	expect_data(&f, 0, 1, 512, 512);
	fx_free(&f);
}

static void test_exact_multiple_and_empty(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, NULL, NULL, 0);
	f.x = rrq(&f, "k1024.img", 1, T0, NULL);
	run_lockstep(&f, 1, 512, 1024, T0); /* 512, 512, then an empty DATA 3 */
	expect_field(last(&f, "tftp.done"), "blocks", "3");
	tftp_transfer_free(f.x);
	f.x = rrq(&f, "empty.txt", 2, T0, "tsize", "0", NULL);
	struct tftp_packet p = out_pkt(&f, 0);
	assert_string_equal(tftp_packet_get_option(&p, "tsize"), "0");
	ack(&f, 0, T0);
	run_lockstep(&f, 1, 512, 0, T0);
	fx_free(&f);
}

static void test_window(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, NULL, NULL, 0);
	/* 10 full blocks + 100 bytes = 11 blocks */
	f.x = rrq(&f, "big.img", 1, T0, "windowsize", "4", NULL);
	assert_int_equal(out_pkt(&f, 0).opcode, TFTP_OACK);
	ack(&f, 0, T0);
	assert_int_equal(f.s.n_out, 4);
	for (size_t i = 0; i < 4; i++)
		expect_data(&f, i, i + 1, 512, 512);
	ack(&f, 4, T0);
	assert_int_equal(f.s.n_out, 4);
	expect_data(&f, 0, 5, 512, 512);
	expect_data(&f, 3, 8, 512, 512);
	/* blocks 7 and 8 lost: ACK 6 restarts the window at 7 */
	ack(&f, 6, T0);
	assert_int_equal(f.s.n_out, 4);
	expect_data(&f, 0, 7, 512, 512);
	expect_data(&f, 3, 10, 512, 512);
	/* the same ACK again (the client repeats it per out-of-order block): ignored */
	ack(&f, 6, T0);
	assert_int_equal(f.s.n_out, 0);
	ack(&f, 5, T0);
	assert_int_equal(f.s.n_out, 0);
	ack(&f, 10, T0);
	assert_int_equal(f.s.n_out, 1);
	expect_data(&f, 0, 11, 512, 100);
	ack(&f, 11, T0);
	assert_true(f.s.done);
	const struct event *d = last(&f, "tftp.done");
	expect_field(d, "windowsize", "4");
	expect_field(d, "retransmits", "2"); /* 7 and 8 */
	fx_free(&f);
}

static void test_duplicate_ack_no_resend(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, NULL, NULL, 0);
	f.x = rrq(&f, "big.img", 1, T0, NULL);
	ack(&f, 1, T0 + 0.1);
	expect_data(&f, 0, 2, 512, 512);
	double wake = f.s.wake;
	/* Sorcerer's Apprentice: a delayed duplicate ACK 1 must not resend 2 */
	ack(&f, 1, T0 + 0.2);
	assert_int_equal(f.s.n_out, 0);
	assert_true(f.s.wake == wake); /* nor push the timer back */
	ack(&f, 0, T0 + 0.3);
	assert_int_equal(f.s.n_out, 0);
	ack(&f, 9, T0 + 0.3); /* a block never sent */
	assert_int_equal(f.s.n_out, 0);
	ack(&f, 2, T0 + 0.4);
	expect_data(&f, 0, 3, 512, 512);
	/* Other opcodes on the transfer's socket are ignored. */
	uint8_t junk[] = { 0, 3, 0, 1, 'x' };
	tftp_transfer_handle(f.x, junk, sizeof(junk), T0 + 0.5, &f.s);
	assert_int_equal(f.s.n_out, 0);
	tftp_transfer_handle(f.x, junk, 2, T0 + 0.5, &f.s);
	assert_int_equal(f.s.n_out, 0);
	fx_free(&f);
}

static void test_timeout_backoff_giveup(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, NULL, NULL, 0); /* timeout 1 s, 3 retries */
	f.x = rrq(&f, "big.img", 1, T0, NULL);
	assert_true(f.s.wake == T0 + 1);
	timer(&f, T0 + 0.5); /* early: nothing */
	assert_int_equal(f.s.n_out, 0);
	assert_true(f.s.wake == T0 + 1);
	timer(&f, T0 + 1);
	expect_data(&f, 0, 1, 512, 512);
	assert_true(f.s.wake == T0 + 3); /* doubled */
	timer(&f, T0 + 3);
	expect_data(&f, 0, 1, 512, 512);
	assert_true(f.s.wake == T0 + 7);
	/* progress resets the backoff */
	ack(&f, 1, T0 + 4);
	expect_data(&f, 0, 2, 512, 512);
	assert_true(f.s.wake == T0 + 5);
	timer(&f, T0 + 5);
	timer(&f, T0 + 7);
	timer(&f, T0 + 11);
	expect_data(&f, 0, 2, 512, 512);
	assert_false(f.s.done);
	timer(&f, T0 + 15);
	assert_int_equal(f.s.n_out, 0);
	assert_true(f.s.done);
	const struct event *t = last(&f, "tftp.timeout");
	expect_field(t, "block", "2");
	expect_field(t, "retries", "3");
	assert_int_equal(count(&f, "tftp.done"), 0);
	/* the OACK is retransmitted the same way */
	tftp_transfer_free(f.x);
	f.x = rrq(&f, "big.img", 2, T0, "tsize", "0", NULL);
	timer(&f, T0 + 1);
	assert_int_equal(out_pkt(&f, 0).opcode, TFTP_OACK);
	ack(&f, 0, T0 + 1.1);
	expect_data(&f, 0, 1, 512, 512);
	fx_free(&f);
}

static void rollover(uint16_t window)
{
	struct fx f;
	fx_init(&f, NULL, NULL, 0);
	const uint64_t size = 8 * 70000 + 3, nblocks = 70001;
	char ws[8];
	snprintf(ws, sizeof(ws), "%u", window);
	f.x = rrq(&f, "roll.bin", 1, T0, "blksize", "8", "windowsize", ws, NULL);
	ack(&f, 0, T0);
	uint64_t b = 1;
	bool saw_zero = false;
	while (!f.s.done) {
		assert_true(f.s.n_out >= 1);
		for (size_t i = 0; i < f.s.n_out; i++, b++) {
			size_t len = b < nblocks ? 8 : (size_t)(size - (nblocks - 1) * 8);
			expect_data(&f, i, b, 8, len);
			if ((uint16_t)b == 0)
				saw_zero = true;
		}
		ack(&f, (uint16_t)(b - 1), T0);
	}
	assert_int_equal(b - 1, nblocks);
	assert_true(saw_zero); /* block 65536 went out as 0 */
	expect_field(last(&f, "tftp.done"), "blocks", "70001");
	expect_field(last(&f, "tftp.done"), "retransmits", "0");
	fx_free(&f);
}

static void test_rollover_lockstep(void **state)
{
	(void)state;
	rollover(1);
}

static void test_rollover_window(void **state)
{
	(void)state;
	rollover(16);
}

static void test_rollover_partial_ack(void **state)
{
	(void)state;
	/* An ACK across the wrap maps to the right block: window 4 at blocks 65534.. */
	struct fx f;
	fx_init(&f, NULL, NULL, 0);
	f.x = rrq(&f, "roll.bin", 1, T0, "blksize", "8", "windowsize", "4", NULL);
	ack(&f, 0, T0);
	uint64_t acked = 0;
	while (acked + 4 < 65536) {
		acked += f.s.n_out;
		ack(&f, (uint16_t)acked, T0);
	}
	assert_int_equal(acked, 65532);
	/* sent 65533, 65534, 65535, 65536 (=0) */
	assert_int_equal(f.s.n_out, 4);
	expect_data(&f, 3, 65536, 8, 8);
	ack(&f, 65534, T0); /* partial: restart at 65535, across the wrap */
	assert_int_equal(f.s.n_out, 4);
	expect_data(&f, 0, 65535, 8, 8);
	expect_data(&f, 1, 65536, 8, 8);
	expect_data(&f, 3, 65538, 8, 8);
	ack(&f, 0, T0); /* = 65536: restart at 65537 */
	assert_int_equal(f.s.n_out, 4);
	expect_data(&f, 0, 65537, 8, 8);
	ack(&f, 65535, T0); /* older than acknowledged: ignored */
	assert_int_equal(f.s.n_out, 0);
	fx_free(&f);
}

static void test_probe(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, NULL, NULL, 0);
	/* start4.elf style: OACK, ACK 0, DATA 1, ERROR 0 "Early terminate" */
	f.x = rrq(&f, "bootcode.bin", 40084, T0, "tsize", "0", "blksize", "1024", NULL);
	ack(&f, 0, T0);
	expect_data(&f, 0, 1, 1024, 1024);
	client_error(&f, 0, "Early terminate", T0 + 0.01);
	assert_true(f.s.done);
	assert_int_equal(f.s.n_out, 0);
	expect_field(last(&f, "tftp.probe"), "bytes", "1024");
	tftp_transfer_free(f.x);
	/* then the real download from the next port */
	f.x = rrq(&f, "bootcode.bin", 40085, T0 + 0.02, "tsize", "0", "blksize", "1024", NULL);
	ack(&f, 0, T0);
	run_lockstep(&f, 1, 1024, 1300, T0 + 0.03);
	tftp_transfer_free(f.x);
	/* abort right after the OACK */
	f.x = rrq(&f, "bootcode.bin", 40086, T0, "tsize", "0", NULL);
	client_error(&f, 0, "Early terminate", T0);
	assert_true(f.s.done);
	expect_field(last(&f, "tftp.probe"), "bytes", "0");
	tftp_transfer_free(f.x);
	/* without options: after DATA 1 */
	f.x = rrq(&f, "bootcode.bin", 40087, T0, NULL);
	client_error(&f, 0, "Early terminate", T0);
	assert_int_equal(count(&f, "tftp.probe"), 3);
	assert_int_equal(count(&f, "tftp.error"), 0);
	assert_int_equal(count(&f, "tftp.done"), 1);
	tftp_transfer_free(f.x);
	/* an ERROR later in a transfer is an error, not a probe */
	f.x = rrq(&f, "big.img", 40088, T0, NULL);
	ack(&f, 1, T0);
	ack(&f, 2, T0);
	client_error(&f, 0, "Cancelled", T0);
	assert_true(f.s.done);
	const struct event *e = last(&f, "tftp.error");
	expect_field(e, "sent", "client");
	expect_field(e, "code", "0");
	expect_field(e, "message", "Cancelled");
	assert_int_equal(count(&f, "tftp.probe"), 3);
	fx_free(&f);
}

static void test_refusals(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, NULL, NULL, 0);
	uint8_t buf[600];
	int n = tftp_wire_build_rrq(buf, sizeof(buf), "new.txt", "octet", NULL, 0);
	buf[1] = TFTP_WRQ;
	raw_request(&f, buf, (size_t)n, T0);
	expect_error(&f, 2, "Access violation");
	expect_field(last(&f, "tftp.refused"), "reason", "write request");

	n = tftp_wire_build_rrq(buf, sizeof(buf), "../etc/passwd", "octet", NULL, 0);
	raw_request(&f, buf, (size_t)n, T0);
	expect_error(&f, 2, NULL);
	expect_field(last(&f, "tftp.refused"), "reason", "dot-dot component");
	expect_field(last(&f, "tftp.refused"), "file", "../etc/passwd");

	n = tftp_wire_build_rrq(buf, sizeof(buf), "/etc/passwd", "octet", NULL, 0);
	raw_request(&f, buf, (size_t)n, T0);
	expect_error(&f, 2, NULL);

	n = tftp_wire_build_rrq(buf, sizeof(buf), "bootcode.bin", "netascii", NULL, 0);
	raw_request(&f, buf, (size_t)n, T0);
	expect_error(&f, 2, "Only octet mode is supported");

	n = tftp_wire_build_rrq(buf, sizeof(buf), "nope.bin", "octet", NULL, 0);
	raw_request(&f, buf, (size_t)n, T0);
	expect_error(&f, 1, "File not found");
	expect_field(last(&f, "tftp.error"), "code", "1");
	expect_field(last(&f, "tftp.error"), "sent", "server");

	/* malformed requests still get an answer */
	static const uint8_t no_mode[] = { 0, 1, 'a', 0 };
	raw_request(&f, no_mode, sizeof(no_mode), T0);
	expect_error(&f, 4, NULL);
	expect_field(last(&f, "tftp.refused"), "reason", "malformed request");
	uint8_t longname[2 + 300 + 7] = { 0, 1 };
	memset(longname + 2, 'a', 300);
	memcpy(longname + 302, "\0octet", 7);
	raw_request(&f, longname, sizeof(longname), T0);
	expect_error(&f, 2, NULL);
	expect_field(last(&f, "tftp.refused"), "reason", "name too long");
	static const uint8_t empty[] = { 0, 1, 0, 'o', 'c', 't', 'e', 't', 0 };
	raw_request(&f, empty, sizeof(empty), T0);
	expect_error(&f, 2, NULL);
	/* control bytes never reach the timeline */
	static const uint8_t ctl[] = { 0, 1, 'a', 0x1b, 0xc0, 0, 'o', 'c', 't', 'e', 't', 0 };
	raw_request(&f, ctl, sizeof(ctl), T0);
	expect_error(&f, 2, NULL);
	expect_field(last(&f, "tftp.refused"), "file", "a??");

	/* not requests: no transfer, maybe an event */
	static const uint8_t stray_ack[] = { 0, 4, 0, 1 };
	raw_request(&f, stray_ack, sizeof(stray_ack), T0);
	assert_null(f.x);
	static const uint8_t garbage[] = { 0x42 };
	raw_request(&f, garbage, sizeof(garbage), T0);
	assert_null(f.x);
	assert_int_equal(count(&f, "tftp.malformed"), 1);
	assert_int_equal(count(&f, "tftp.oack") + count(&f, "tftp.done"), 0);
	fx_free(&f);
}

static void test_duplicate_rrq_and_limits(void **state)
{
	(void)state;
	struct fx f;
	struct tftp_server_config cfg = { .time_scale = 1.0, .max_transfers = 2 };
	fx_init(&f, &cfg, NULL, 0);
	struct tftp_transfer *a = rrq(&f, "big.img", 100, T0, NULL);
	assert_non_null(a);
	/* the same RRQ again from the same port (a client retrying): ignored */
	assert_null(rrq(&f, "big.img", 100, T0 + 2, NULL));
	struct tftp_transfer *b = rrq(&f, "big.img", 101, T0, NULL);
	assert_non_null(b);
	f.x = rrq(&f, "big.img", 102, T0, NULL);
	expect_error(&f, 0, "Too many transfers");
	assert_int_equal(tftp_server_n_transfers(f.srv), 3);
	/* abort: ERROR 0 to the client, tftp.error sent=server */
	tftp_transfer_abort(a, "Server shutting down", T0, &f.s);
	expect_error(&f, 0, "Server shutting down");
	expect_field(last(&f, "tftp.error"), "sent", "server");
	tftp_transfer_free(a);
	tftp_transfer_free(b);
	fx_free(&f);
}

static void test_board_root_and_unique_root(void **state)
{
	(void)state;
	struct fx f;
	struct tftp_server_config cfg = { .time_scale = 1.0, .who = who_board1 };
	fx_init(&f, &cfg, NULL, 0);
	f.x = rrq(&f, "only-here.txt", 1, T0, NULL);
	assert_int_equal(f.s.n_out, 1);
	assert_int_equal(out_pkt(&f, 0).data_len, 10);
	assert_string_equal(last(&f, "tftp.rrq")->board, "pi4-01");
	tftp_transfer_free(f.x);
	f.x = rrq(&f, "bootcode.bin", 2, T0, NULL); /* not in the board's root */
	expect_error(&f, 1, NULL);
	fx_free(&f);

	fx_init(&f, NULL, NULL, 0);
	struct tftp_server_extra extra = { .unique_root = TFTP_UNIQUE_ROOT_IP };
	tftp_server_set_extra(f.srv, &extra);
	f.x = rrq(&f, "bootcode.bin", 1, T0, NULL); /* root/192.168.1.100/bootcode.bin: 7 bytes */
	assert_int_equal(out_pkt(&f, 0).data_len, 7);
	tftp_transfer_free(f.x);
	f.x = rrq(&f, "k1024.img", 2, T0, NULL); /* unique root has no fallback, like dnsmasq */
	expect_error(&f, 1, NULL);
	fx_free(&f);
}

/* ---- faults ----------------------------------------------------------- */

static struct fault_rule rule(const char *on, enum fault_action action)
{
	struct fault_rule r = { .server = "tftp", .action = action, .probability = 1.0 };
	snprintf(r.on, sizeof(r.on), "%s", on);
	return r;
}

static void test_fault_rrq_error_missing_drop(void **state)
{
	(void)state;
	struct fault_rule rules[3] = {
		rule("rrq", FAULT_ERROR),
		rule("rrq", FAULT_MISSING),
		rule("rrq", FAULT_DROP),
	};
	rules[0].code = 3;
	snprintf(rules[0].message, sizeof(rules[0].message), "Disk full");
	snprintf(rules[0].file, sizeof(rules[0].file), "k1024.img");
	snprintf(rules[1].file, sizeof(rules[1].file), "*.bin");
	rules[1].count = 1;
	snprintf(rules[2].file, sizeof(rules[2].file), "big.img");
	rules[2].count = 1;
	struct fx f;
	fx_init(&f, NULL, rules, 3);
	f.x = rrq(&f, "k1024.img", 1, T0, NULL);
	expect_error(&f, 3, "Disk full");
	expect_field(last(&f, "tftp.error"), "code", "3");
	tftp_transfer_free(f.x);
	f.x = rrq(&f, "bootcode.bin", 2, T0, "tsize", "0", NULL);
	expect_error(&f, 1, "File not found");
	tftp_transfer_free(f.x);
	f.x = rrq(&f, "bootcode.bin", 3, T0, "tsize", "0", NULL); /* count 1: served now */
	assert_int_equal(out_pkt(&f, 0).opcode, TFTP_OACK);
	tftp_transfer_free(f.x);
	f.x = rrq(&f, "big.img", 4, T0, NULL);
	assert_null(f.x); /* dropped: no answer at all */
	f.x = rrq(&f, "big.img", 4, T0 + 2, NULL);
	expect_data(&f, 0, 1, 512, 512);
	assert_int_equal(count(&f, "fault.applied"), 3);
	fx_free(&f);
}

static void test_fault_rrq_delay(void **state)
{
	(void)state;
	struct fault_rule r = rule("rrq", FAULT_DELAY);
	r.delay_s = 4; /* board seconds; time_scale 2 -> 2 s wall */
	struct fx f;
	struct tftp_server_config cfg = { .time_scale = 2.0 };
	fx_init(&f, &cfg, &r, 1);
	f.x = rrq(&f, "bootcode.bin", 1, T0, "tsize", "0", NULL);
	assert_int_equal(f.s.n_out, 0);
	assert_true(f.s.wake == T0 + 2);
	timer(&f, T0 + 1);
	assert_int_equal(f.s.n_out, 0);
	timer(&f, T0 + 2);
	assert_int_equal(out_pkt(&f, 0).opcode, TFTP_OACK);
	tftp_transfer_free(f.x);
	/* a delayed "not found" too */
	f.x = rrq(&f, "nothing", 2, T0, NULL);
	assert_int_equal(f.s.n_out, 0);
	timer(&f, T0 + 2);
	expect_error(&f, 1, NULL);
	fx_free(&f);
}

static void test_fault_truncate(void **state)
{
	(void)state;
	struct fault_rule r = rule("rrq", FAULT_TRUNCATE);
	r.bytes = 1000;
	struct fx f;
	fx_init(&f, NULL, &r, 1);
	f.x = rrq(&f, "bootcode.bin", 1, T0, "tsize", "0", NULL);
	/* tsize is the real size, so a client comparing can notice */
	struct tftp_packet p = out_pkt(&f, 0);
	assert_string_equal(tftp_packet_get_option(&p, "tsize"), "1300");
	ack(&f, 0, T0);
	run_lockstep(&f, 1, 512, 1000, T0);
	expect_field(last(&f, "tftp.done"), "bytes", "1000");
	fx_free(&f);
}

static void test_fault_rate(void **state)
{
	(void)state;
	struct fault_rule r = rule("rrq", FAULT_RATE);
	r.rate = 1032; /* board bytes/s; time_scale 2 -> 2064 wall: 4 DATA of 516 bytes a second */
	struct fx f;
	struct tftp_server_config cfg = { .time_scale = 2.0 };
	fx_init(&f, &cfg, &r, 1);
	f.x = rrq(&f, "big.img", 1, T0, "windowsize", "8", NULL);
	ack(&f, 0, T0);
	assert_int_equal(f.s.n_out, 1); /* paced: one now, the next in 0.25 s */
	assert_true(f.s.wake > T0 + 0.249 && f.s.wake < T0 + 0.251);
	double now = f.s.wake;
	timer(&f, now);
	assert_int_equal(f.s.n_out, 1);
	expect_data(&f, 0, 2, 512, 512);
	assert_true(f.s.wake > now + 0.249 && f.s.wake < now + 0.251);
	fx_free(&f);
}

static void test_fault_ignore_options(void **state)
{
	(void)state;
	struct fault_rule r = rule("rrq", FAULT_IGNORE_OPTIONS);
	struct fx f;
	fx_init(&f, NULL, &r, 1);
	f.x = rrq(&f, "bootcode.bin", 1, T0, "tsize", "0", "blksize", "1024", NULL);
	run_lockstep(&f, 1, 512, 1300, T0); /* plain RFC 1350 */
	assert_int_equal(count(&f, "tftp.oack"), 0);
	fx_free(&f);
}

static void test_fault_oack(void **state)
{
	(void)state;
	struct fault_rule rules[2] = { rule("oack", FAULT_DROP), rule("oack", FAULT_DELAY) };
	rules[0].count = 1;
	rules[1].delay_s = 3;
	struct fx f;
	fx_init(&f, NULL, rules, 2);
	f.x = rrq(&f, "bootcode.bin", 1, T0, "tsize", "0", NULL);
	assert_int_equal(f.s.n_out, 0); /* dropped once */
	assert_true(f.s.wake == T0 + 1);
	timer(&f, T0 + 1);
	assert_int_equal(out_pkt(&f, 0).opcode, TFTP_OACK);
	assert_int_equal(count(&f, "tftp.oack"), 1);
	tftp_transfer_free(f.x);
	f.x = rrq(&f, "bootcode.bin", 2, T0, "tsize", "0", NULL);
	assert_int_equal(f.s.n_out, 0);
	assert_true(f.s.wake == T0 + 3);
	timer(&f, T0 + 3);
	assert_int_equal(out_pkt(&f, 0).opcode, TFTP_OACK);
	fx_free(&f);
}

static void test_fault_data_drop_delay_duplicate(void **state)
{
	(void)state;
	struct fault_rule rules[3] = {
		rule("data", FAULT_DROP),
		rule("data", FAULT_DELAY),
		rule("data", FAULT_DUPLICATE),
	};
	rules[0].block = 2;
	rules[1].block = 3;
	rules[1].delay_s = 5;
	rules[2].block = 4;
	struct fx f;
	fx_init(&f, NULL, rules, 3);
	f.x = rrq(&f, "big.img", 1, T0, NULL);
	ack(&f, 1, T0);
	assert_int_equal(f.s.n_out, 0); /* block 2 dropped once */
	assert_true(f.s.wake == T0 + 1);
	ack(&f, 1, T0 + 0.5); /* the client re-ACKs: still nothing (no apprentice) */
	assert_int_equal(f.s.n_out, 0);
	timer(&f, T0 + 1);
	expect_data(&f, 0, 2, 512, 512);
	ack(&f, 2, T0 + 1.1);
	assert_int_equal(f.s.n_out, 0); /* block 3 held 5 s */
	assert_true(f.s.wake == T0 + 6.1);
	timer(&f, T0 + 6.1);
	expect_data(&f, 0, 3, 512, 512);
	ack(&f, 3, T0 + 6.2);
	assert_int_equal(f.s.n_out, 2); /* block 4 twice */
	expect_data(&f, 0, 4, 512, 512);
	expect_data(&f, 1, 4, 512, 512);
	ack(&f, 4, T0 + 6.3);
	ack(&f, 4, T0 + 6.3); /* the duplicate's ACK: ignored */
	assert_int_equal(f.s.n_out, 0);
	for (uint16_t b = 5; b <= 11; b++)
		ack(&f, b, T0 + 7);
	assert_true(f.s.done);
	expect_field(last(&f, "tftp.done"), "retransmits", "1"); /* the dropped block */
	fx_free(&f);
}

static void test_fault_corrupt(void **state)
{
	(void)state;
	struct fault_rule rules[2] = { rule("data", FAULT_CORRUPT), rule("data", FAULT_CORRUPT) };
	rules[0].bytes = 600; /* in block 2, at 88 */
	snprintf(rules[0].value, sizeof(rules[0].value), "hex:dead");
	rules[0].count = 1;
	rules[1].block = 4; /* no value: invert 4 bytes at the start of block 4 */
	struct fx f;
	fx_init(&f, NULL, rules, 2);
	f.x = rrq(&f, "big.img", 1, T0, NULL);
	expect_data(&f, 0, 1, 512, 512); /* the rule fired on block 1; the damage is further */
	ack(&f, 1, T0);
	struct tftp_packet p = out_pkt(&f, 0);
	assert_int_equal(p.block, 2);
	assert_int_equal(p.data[88], 0xde);
	assert_int_equal(p.data[89], 0xad);
	assert_int_equal(p.data[87], pattern(600 - 1));
	assert_int_equal(p.data[90], pattern(600 + 2));
	/* a retransmission carries the same damage */
	timer(&f, T0 + 1);
	p = out_pkt(&f, 0);
	assert_int_equal(p.data[88], 0xde);
	ack(&f, 2, T0 + 1);
	expect_data(&f, 0, 3, 512, 512);
	ack(&f, 3, T0 + 1);
	p = out_pkt(&f, 0);
	assert_int_equal(p.block, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(p.data[i], (uint8_t)~pattern(3 * 512 + (uint64_t)i));
	assert_int_equal(p.data[4], pattern(3 * 512 + 4));
	fx_free(&f);
}

static void test_fault_stall(void **state)
{
	(void)state;
	struct fault_rule r = rule("data", FAULT_STALL);
	r.block = 3;
	struct fx f;
	fx_init(&f, NULL, &r, 1); /* 3 retries */
	f.x = rrq(&f, "big.img", 1, T0, NULL);
	ack(&f, 1, T0);
	ack(&f, 2, T0);
	assert_int_equal(f.s.n_out, 0);
	double now = T0;
	int wakes = 0;
	while (!f.s.done) {
		assert_true(f.s.wake > now);
		now = f.s.wake;
		timer(&f, now);
		assert_int_equal(f.s.n_out, 0); /* silent: no retransmission either */
		ack(&f, 2, now);
		assert_int_equal(f.s.n_out, 0);
		wakes++;
		assert_true(wakes < 10);
	}
	assert_int_equal(wakes, 4);
	assert_true(now == T0 + 1 + 2 + 4 + 4);
	const struct event *t = last(&f, "tftp.timeout");
	expect_field(t, "block", "3");
	expect_field(t, "retries", "3");
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pi3_rom_lockstep),
		cmocka_unit_test(test_oack_blksize_tsize),
		cmocka_unit_test(test_option_caps),
		cmocka_unit_test(test_exact_multiple_and_empty),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_duplicate_ack_no_resend),
		cmocka_unit_test(test_timeout_backoff_giveup),
		cmocka_unit_test(test_rollover_lockstep),
		cmocka_unit_test(test_rollover_window),
		cmocka_unit_test(test_rollover_partial_ack),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_duplicate_rrq_and_limits),
		cmocka_unit_test(test_board_root_and_unique_root),
		cmocka_unit_test(test_fault_rrq_error_missing_drop),
		cmocka_unit_test(test_fault_rrq_delay),
		cmocka_unit_test(test_fault_truncate),
		cmocka_unit_test(test_fault_rate),
		cmocka_unit_test(test_fault_ignore_options),
		cmocka_unit_test(test_fault_oack),
		cmocka_unit_test(test_fault_data_drop_delay_duplicate),
		cmocka_unit_test(test_fault_corrupt),
		cmocka_unit_test(test_fault_stall),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
