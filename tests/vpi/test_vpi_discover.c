/*
 * test_vpi_discover.c - each model's DISCOVER and REQUEST, byte by byte,
 * against pi-netboot.md 2.1; built through the same functions the board
 * sends with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "fixtures/vpi/vpi_dhcp.h"
#include "fixtures/vpi/vpi_frame.h"
#include "fixtures/vpi/vpi_model.h"

static const struct vpi_identity board = {
	.mac = { 0xdc, 0xa6, 0x32, 0x01, 0x36, 0xc2 },
	.serial = 0x8d8696f5,
};

/* What 2.1 says, per model, as data. */
struct discover_vector {
	const char *model;
	bool constant_xid;
	uint8_t ttl;
	bool ip_id_zero;
	bool udp_checksum;
	size_t bootp_len;
	uint8_t order[8];
	size_t n_order;
	uint8_t prl[16];
	size_t prl_len;
	uint8_t guid[17];
};

static const struct discover_vector vectors[] = {
	{
		.model = "pi3b", .constant_xid = true, .ttl = 128, .ip_id_zero = true,
		.udp_checksum = false, .bootp_len = 320,
		.order = { 53, 55, 93, 94, 97, 60, 255 }, .n_order = 7,
		.prl = { 43, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135, 66 }, .prl_len = 12,
		.guid = { 0, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
			  0x44, 0x44, 0x44, 0x44, 0x44 },
	},
	{
		.model = "pi3b+", .constant_xid = true, .ttl = 128, .ip_id_zero = true,
		.udp_checksum = false, .bootp_len = 322,
		.order = { 53, 55, 93, 94, 97, 60, 255 }, .n_order = 7,
		.prl = { 43, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135, 66, 1, 3 }, .prl_len = 14,
		/* serial ...8d8696f5 -> 00 f5 96 86 8d x4 (firmware#941) */
		.guid = { 0, 0xf5, 0x96, 0x86, 0x8d, 0xf5, 0x96, 0x86, 0x8d, 0xf5, 0x96, 0x86, 0x8d,
			  0xf5, 0x96, 0x86, 0x8d },
	},
	{
		.model = "pi2", .constant_xid = true, .ttl = 128, .ip_id_zero = true,
		.udp_checksum = false, .bootp_len = 322,
		.order = { 53, 55, 93, 94, 97, 60, 255 }, .n_order = 7,
		.prl = { 43, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135, 66, 1, 3 }, .prl_len = 14,
		.guid = { 0, 0xf5, 0x96, 0x86, 0x8d, 0xf5, 0x96, 0x86, 0x8d, 0xf5, 0x96, 0x86, 0x8d,
			  0xf5, 0x96, 0x86, 0x8d },
	},
	{
		.model = "pi4b", .constant_xid = false, .ttl = 64, .ip_id_zero = false,
		.udp_checksum = true, .bootp_len = 322,
		.order = { 53, 55, 60, 93, 94, 97, 255 }, .n_order = 7,
		.prl = { 1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135 }, .prl_len = 14,
		/* 'R','P','i','4', rev 0x00c03112 LE, MAC LSBs, serial LE */
		.guid = { 0, 'R', 'P', 'i', '4', 0x12, 0x31, 0xc0, 0x00, 0x32, 0x01, 0x36, 0xc2,
			  0xf5, 0x96, 0x86, 0x8d },
	},
	{
		.model = "pi5", .constant_xid = false, .ttl = 64, .ip_id_zero = false,
		.udp_checksum = true, .bootp_len = 322,
		.order = { 53, 55, 60, 93, 94, 97, 255 }, .n_order = 7,
		.prl = { 1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135 }, .prl_len = 14,
		.guid = { 0, 'R', 'P', 'i', '5', 0x70, 0x41, 0xd0, 0x00, 0x32, 0x01, 0x36, 0xc2,
			  0xf5, 0x96, 0x86, 0x8d },
	},
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void check_discover(const struct discover_vector *v)
{
	const struct vpi_model *m = vpi_model_find(v->model);
	assert_non_null(m);
	uint32_t xid = v->constant_xid ? 0x26f30339u : 0xd383a6acu;
	if (v->constant_xid)
		assert_int_equal(m->xid, 0x26f30339u);
	assert_int_equal(m->random_xid, !v->constant_xid);

	struct dhcp_msg msg;
	assert_int_equal(vpi_dhcp_discover(m, &board, xid, &msg), 0);
	uint16_t ip_id = v->ip_id_zero ? 0 : 20586;
	uint8_t frame[VPI_FRAME_MAX];
	int n = vpi_dhcp_frame(m, &board, &msg, ip_id, frame, sizeof(frame));
	assert_int_equal(n, 14 + 20 + 8 + (int)v->bootp_len);

	/* Ethernet: broadcast from the board */
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	assert_memory_equal(frame, bcast, 6);
	assert_memory_equal(frame + 6, board.mac, 6);
	assert_int_equal(be16(frame + 12), 0x0800);

	/* IPv4: TOS 0, no DF, TTL, ID, 0.0.0.0 -> 255.255.255.255 */
	const uint8_t *ip = frame + 14;
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[1], 0);
	assert_int_equal(be16(ip + 2), 20 + 8 + v->bootp_len);
	assert_int_equal(be16(ip + 4), ip_id);
	assert_int_equal(be16(ip + 6), 0);
	assert_int_equal(ip[8], v->ttl);
	assert_int_equal(ip[9], 17);
	static const uint8_t zero4[4] = { 0 };
	assert_memory_equal(ip + 12, zero4, 4);
	assert_memory_equal(ip + 16, bcast, 4);

	/* UDP 68 -> 67, checksum none or valid */
	const uint8_t *udp = ip + 20;
	assert_int_equal(be16(udp), 68);
	assert_int_equal(be16(udp + 2), 67);
	assert_int_equal(be16(udp + 4), 8 + v->bootp_len);
	if (v->udp_checksum)
		assert_int_not_equal(be16(udp + 6), 0);
	else
		assert_int_equal(be16(udp + 6), 0);
	struct vpi_frame f;
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, true, &f), 0);

	/* BOOTP header */
	const uint8_t *b = udp + 8;
	assert_int_equal(b[0], 1);
	assert_int_equal(b[1], 1);
	assert_int_equal(b[2], 6);
	assert_int_equal(b[3], 0);
	assert_int_equal(((uint32_t)b[4] << 24) | ((uint32_t)b[5] << 16) | ((uint32_t)b[6] << 8) | b[7],
			 xid);
	assert_int_equal(be16(b + 8), 0);  /* secs */
	assert_int_equal(be16(b + 10), 0); /* flags: broadcast bit NOT set */
	for (int i = 12; i < 28; i++)
		assert_int_equal(b[i], 0); /* ciaddr yiaddr siaddr giaddr */
	assert_memory_equal(b + 28, board.mac, 6);
	for (int i = 34; i < 236; i++)
		assert_int_equal(b[i], 0); /* chaddr padding, sname, file */
	static const uint8_t cookie[4] = { 0x63, 0x82, 0x53, 0x63 };
	assert_memory_equal(b + 236, cookie, 4);

	/* Options in the model's order, nothing after END */
	size_t pos = 240, k = 0;
	while (pos < v->bootp_len) {
		uint8_t code = b[pos];
		assert_true(k < v->n_order);
		assert_int_equal(code, v->order[k]);
		k++;
		if (code == 255) {
			pos++;
			break;
		}
		uint8_t len = b[pos + 1];
		const uint8_t *d = b + pos + 2;
		switch (code) {
		case 53:
			assert_int_equal(len, 1);
			assert_int_equal(d[0], 1);
			break;
		case 55:
			assert_int_equal(len, v->prl_len);
			assert_memory_equal(d, v->prl, v->prl_len);
			break;
		case 93:
			assert_int_equal(len, 2);
			assert_int_equal(d[0], 0);
			assert_int_equal(d[1], 0);
			break;
		case 94:
			assert_int_equal(len, 3);
			assert_int_equal(d[0], 1);
			assert_int_equal(d[1], 2);
			assert_int_equal(d[2], 1);
			break;
		case 97:
			assert_int_equal(len, 17);
			assert_memory_equal(d, v->guid, 17);
			break;
		case 60:
			assert_int_equal(len, 32);
			assert_memory_equal(d, "PXEClient:Arch:00000:UNDI:002001", 32);
			break;
		default:
			fail_msg("unexpected option %u", code);
		}
		pos += 2 + (size_t)len;
	}
	assert_int_equal(k, v->n_order);
	assert_int_equal(pos, v->bootp_len);
	assert_int_equal(b[v->bootp_len - 1], 255);
}

static void test_discover_all_models(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		print_message("model %s\n", vectors[i].model);
		check_discover(&vectors[i]);
	}
}

static void test_models_table(void **state)
{
	(void)state;
	assert_int_equal(vpi_model_count(), 5);
	assert_null(vpi_model_find("pi1"));
	assert_null(vpi_model_find(NULL));
	assert_true(vpi_model_find("pi3b")->rejects_hops);
	assert_false(vpi_model_find("pi3b+")->rejects_hops);
	for (size_t i = 0; i < vpi_model_count(); i++) {
		const struct vpi_model *m = vpi_model_at(i);
		bool eeprom = m->code == VPI_CODE_PI4_EEPROM || m->code == VPI_CODE_PI5_EEPROM;
		assert_int_equal(m->sends_request, eeprom);
		assert_int_equal(m->console == VPI_CONSOLE_NONE,
				 m->code == VPI_CODE_3B_ROM || m->code == VPI_CODE_3BPLUS_ROM);
		if (!eeprom) {
			assert_int_equal(m->dhcp_attempts, 5);
			assert_int_equal(m->dhcp_retry_ms, 5000);
		}
	}
	assert_null(vpi_model_at(99));
}

static void test_request_pi4(void **state)
{
	(void)state;
	const struct vpi_model *m = vpi_model_find("pi4b");
	struct dhcp_msg msg;
	uint32_t ip = htonl(0xc0a80164), srv = htonl(0xc0a80101);
	assert_int_equal(vpi_dhcp_request(m, &board, 0x11223344, ip, srv, &msg), 0);
	assert_int_equal(msg.type, DHCPREQUEST);
	assert_int_equal(msg.flags, 0);
	assert_int_equal(msg.ciaddr, 0);
	assert_false(dhcp_msg_has_option(&msg, 60)); /* rpi-eeprom#82 */
	uint32_t a = 0;
	assert_int_equal(dhcp_msg_get_addr(&msg, 50, &a), 0);
	assert_int_equal(a, ip);
	assert_int_equal(dhcp_msg_get_addr(&msg, 54, &a), 0);
	assert_int_equal(a, srv);
	assert_true(dhcp_msg_has_option(&msg, 93));
	uint8_t frame[VPI_FRAME_MAX];
	assert_true(vpi_dhcp_frame(m, &board, &msg, 7, frame, sizeof(frame)) > 0);
	/* no server id: no option 54 */
	assert_int_equal(vpi_dhcp_request(m, &board, 1, ip, 0, &msg), 0);
	assert_false(dhcp_msg_has_option(&msg, 54));
}

static void test_frame_too_small(void **state)
{
	(void)state;
	const struct vpi_model *m = vpi_model_find("pi3b");
	struct dhcp_msg msg;
	assert_int_equal(vpi_dhcp_discover(m, &board, 1, &msg), 0);
	uint8_t frame[100];
	assert_true(vpi_dhcp_frame(m, &board, &msg, 0, frame, sizeof(frame)) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discover_all_models),
		cmocka_unit_test(test_models_table),
		cmocka_unit_test(test_request_pi4),
		cmocka_unit_test(test_frame_too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
