/* Unit tests: the pcapng writer's blocks, byte for byte (reports/pcapng.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/pcapng.h"

struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
}

static void mem_close(struct mem *m)
{
	assert_int_equal(fclose(m->f), 0);
}

/* Section Header (version 1.0, length unknown, shb_userappl), then the
 * interface: Ethernet, snaplen, if_name padded to 32 bits, if_tsresol 9. */
static void test_header_bytes(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		/* SHB */
		0x0a, 0x0d, 0x0d, 0x0a, 0x28, 0x00, 0x00, 0x00,
		0x4d, 0x3c, 0x2b, 0x1a, 0x01, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x04, 0x00, 0x02, 0x00, 'p', 't', 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x28, 0x00, 0x00, 0x00,
		/* IDB */
		0x01, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x02, 0x00, 0x03, 0x00, 'b', 'r', '0', 0x00,
		0x09, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x28, 0x00, 0x00, 0x00,
	};
	struct mem m;
	mem_open(&m);
	assert_int_equal(pcapng_write_header(m.f, "pt", "br0", 262144), 0);
	mem_close(&m);
	assert_int_equal(m.len, sizeof(want));
	assert_memory_equal(m.buf, want, sizeof(want));
	free(m.buf);
}

/* Without names: no shb options at all, the interface only its tsresol. */
static void test_header_without_names(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0x00, 0x00, 0x00,
		0x4d, 0x3c, 0x2b, 0x1a, 0x01, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x1c, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0xdc, 0x05, 0x00, 0x00,
		0x09, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x20, 0x00, 0x00, 0x00,
	};
	struct mem m;
	mem_open(&m);
	assert_int_equal(pcapng_write_header(m.f, NULL, NULL, 1500), 0);
	mem_close(&m);
	assert_int_equal(m.len, sizeof(want));
	assert_memory_equal(m.buf, want, sizeof(want));
	free(m.buf);
}

/* An Enhanced Packet Block: interface 0, the 64-bit stamp high word first,
 * captured and original lengths, the frame padded to 32 bits. */
static void test_packet_bytes(void **state)
{
	(void)state;
	static const uint8_t frame[5] = { 1, 2, 3, 4, 5 };
	static const uint8_t want[] = {
		0x06, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0xfe, 0x9c, 0x97, 0x17, 0x15, 0xcd, 0x85, 0x3d,
		0x05, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00,
		1, 2, 3, 4, 5, 0x00, 0x00, 0x00,
		0x28, 0x00, 0x00, 0x00,
	};
	struct mem m;
	mem_open(&m);
	assert_int_equal(pcapng_write_packet(m.f, 1700000000123456789ull, frame, 5, 60), 0);
	mem_close(&m);
	assert_int_equal(m.len, sizeof(want));
	assert_memory_equal(m.buf, want, sizeof(want));
	free(m.buf);
}

/* A frame already a multiple of 4 gets no padding; an empty one is a bare block. */
static void test_packet_padding(void **state)
{
	(void)state;
	static const uint8_t frame[8] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22 };
	struct mem m;
	mem_open(&m);
	assert_int_equal(pcapng_write_packet(m.f, 0, frame, 8, 8), 0);
	assert_int_equal(pcapng_write_packet(m.f, 1, frame, 0, 0), 0);
	mem_close(&m);
	assert_int_equal(m.len, 40 + 32);
	const uint8_t *b = (const uint8_t *)m.buf;
	assert_int_equal(b[4], 40);
	assert_memory_equal(b + 28, frame, 8);
	assert_int_equal(b[36], 40);
	assert_int_equal(b[40 + 4], 32);
	assert_int_equal(b[40 + 16], 1); /* low word of the stamp */
	assert_int_equal(b[40 + 28], 32);
	free(m.buf);
}

static void test_caplen_above_origlen_refused(void **state)
{
	(void)state;
	static const uint8_t frame[4] = { 0 };
	struct mem m;
	mem_open(&m);
	assert_int_equal(pcapng_write_packet(m.f, 0, frame, 4, 3), -EINVAL);
	mem_close(&m);
	assert_int_equal(m.len, 0);
	free(m.buf);
}

/* Long option texts are cut, so a block never outgrows the writer's buffer. */
static void test_long_names_cut(void **state)
{
	(void)state;
	char name[1000];
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	struct mem m;
	mem_open(&m);
	assert_int_equal(pcapng_write_header(m.f, name, name, 65535), 0);
	mem_close(&m);
	const uint8_t *b = (const uint8_t *)m.buf;
	uint32_t shb_len = b[4] | b[5] << 8;
	assert_int_equal(shb_len, 28 + 4 + 256 + 4);
	assert_int_equal(m.len, shb_len + 20 + 4 + 256 + 8 + 4);
	free(m.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_header_without_names),
		cmocka_unit_test(test_packet_bytes),
		cmocka_unit_test(test_packet_padding),
		cmocka_unit_test(test_caplen_above_origlen_refused),
		cmocka_unit_test(test_long_names_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
