/*
 * test_capture_filter.c - which captured frames are a board's
 * (harness/capture_filter.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "harness/capture_filter.h"

static const uint8_t board_mac[6] = { 0xdc, 0xa6, 0x32, 0x12, 0x34, 0x56 };
static const uint8_t other_mac[6] = { 0xdc, 0xa6, 0x32, 0x00, 0x00, 0x01 };
static const uint8_t server_mac[6] = { 0x02, 0, 0, 0, 0, 1 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static size_t eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

/* A broadcast BOOTP reply from the server for chaddr. */
static size_t dhcp_reply(uint8_t *f, const uint8_t *chaddr)
{
	memset(f, 0, 400);
	size_t at = eth(f, bcast, server_mac, 0x0800);
	f[at] = 0x45;
	f[at + 2] = (20 + 8 + 240) >> 8, f[at + 3] = (20 + 8 + 240) & 0xff; /* total length */
	f[at + 9] = 17;
	uint8_t *udp = f + at + 20;
	udp[0] = 0, udp[1] = 67, udp[2] = 0, udp[3] = 68;
	udp[4] = (8 + 240) >> 8, udp[5] = (8 + 240) & 0xff;
	memcpy(udp + 8 + 28, chaddr, 6);
	return at + 20 + 8 + 240;
}

static size_t arp(uint8_t *f, uint32_t sender, uint32_t target)
{
	memset(f, 0, 60);
	size_t at = eth(f, bcast, server_mac, 0x0806);
	static const uint8_t ethernet_ipv4[6] = { 0, 1, 0x08, 0x00, 6, 4 };
	memcpy(f + at, ethernet_ipv4, sizeof(ethernet_ipv4));
	memcpy(f + at + 14, &sender, 4);
	memcpy(f + at + 24, &target, 4);
	return 60;
}

static void test_frame_is_boards(void **state)
{
	(void)state;
	uint8_t f[400] = { 0 };
	uint32_t ip = htonl(0xc0a80168), server = htonl(0xc0a80101);
	size_t n = eth(f, server_mac, board_mac, 0x0800) + 40;
	assert_true(capture_frame_is_boards(f, n, board_mac, 0)); /* from it */
	n = eth(f, board_mac, server_mac, 0x0800) + 40;
	assert_true(capture_frame_is_boards(f, n, board_mac, 0)); /* to it */
	assert_false(capture_frame_is_boards(f, n, other_mac, 0));
	assert_false(capture_frame_is_boards(f, 13, board_mac, 0)); /* runt */
	n = dhcp_reply(f, board_mac);
	assert_true(capture_frame_is_boards(f, n, board_mac, 0)); /* OFFER/ACK broadcast */
	assert_false(capture_frame_is_boards(f, n, other_mac, 0));
	assert_false(capture_frame_is_boards(f, 14 + 20 + 8 + 30, board_mac, 0)); /* cut short */
	n = arp(f, server, ip);
	assert_true(capture_frame_is_boards(f, n, board_mac, ip)); /* who has its address */
	assert_false(capture_frame_is_boards(f, n, board_mac, 0));
	assert_false(capture_frame_is_boards(f, n, board_mac, htonl(0xc0a80169)));
	n = arp(f, ip, server);
	assert_true(capture_frame_is_boards(f, n, board_mac, ip)); /* it announcing itself */
	n = eth(f, bcast, server_mac, 0x86dd) + 40; /* IPv6 broadcast: nobody's */
	assert_false(capture_frame_is_boards(f, n, board_mac, ip));
}

/* A board's own IPv4 source is learnt; others' and non-IPv4 frames teach nothing. */
static void test_board_ip(void **state)
{
	(void)state;
	uint8_t f[400] = { 0 };
	uint32_t ip = htonl(0xc0a80168);
	size_t n = eth(f, server_mac, board_mac, 0x0800);
	f[n] = 0x45;
	f[n + 3] = 28;
	f[n + 9] = 17;
	memcpy(f + n + 12, &ip, 4);
	f[n + 20 + 5] = 8;
	n += 28;
	assert_int_equal(capture_frame_board_ip(f, n, board_mac), ip);
	assert_int_equal(capture_frame_board_ip(f, n, other_mac), 0);
	assert_int_equal(capture_frame_board_ip(f, 20, board_mac), 0); /* cut short */
	n = arp(f, ip, ip);
	assert_int_equal(capture_frame_board_ip(f, n, server_mac), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_is_boards),
		cmocka_unit_test(test_board_ip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
