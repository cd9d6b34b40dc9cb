/*
 * test_frame_wire.c - the link-layer frame codec (servers/frame_wire.h):
 * Ethernet, cooked and 802.1Q-tagged frames, IPv4/UDP and ARP, every
 * malformation it must refuse, and the checksums.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "servers/frame_wire.h"

static const uint8_t board_mac[6] = { 0xb8, 0x27, 0xeb, 0x01, 0x02, 0x03 };
static const uint8_t server_mac[6] = { 0x02, 0x70, 0x69, 0x74, 0x00, 0x01 };

#define PAYLOAD_LEN 10

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * A server -> board UDP frame (10.0.0.1:69 -> 10.0.0.2:49152, 10 bytes of
 * payload) with both checksums right, padded to the Ethernet minimum.
 * Returns the frame length.
 */
static size_t udp_frame(uint8_t *f)
{
	memset(f, 0, 64);
	memcpy(f, board_mac, 6);
	memcpy(f + 6, server_mac, 6);
	put16(f + 12, FRAME_ETHERTYPE_IPV4);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	put16(ip + 2, 20 + 8 + PAYLOAD_LEN);
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17;
	uint32_t src = htonl(0x0a000001), dst = htonl(0x0a000002);
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, frame_wire_csum_finish(frame_wire_csum_add(0, ip, 20)));
	uint8_t *udp = ip + 20;
	put16(udp, 69);
	put16(udp + 2, 49152);
	put16(udp + 4, 8 + PAYLOAD_LEN);
	memcpy(udp + 8, "0123456789", PAYLOAD_LEN);
	put16(udp + 6, frame_wire_udp_checksum(src, dst, udp, 8 + PAYLOAD_LEN));
	return 64; /* 52 bytes of frame and 12 of padding */
}

static size_t arp_frame(uint8_t *f)
{
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, board_mac, 6);
	put16(f + 12, FRAME_ETHERTYPE_ARP);
	uint8_t *a = f + 14;
	put16(a, 1);
	put16(a + 2, FRAME_ETHERTYPE_IPV4);
	a[4] = 6, a[5] = 4;
	put16(a + 6, 1); /* request */
	memcpy(a + 8, board_mac, 6);
	a[14] = 10, a[17] = 2;
	a[24] = 10, a[27] = 1;
	return 60;
}

static void test_udp(void **state)
{
	(void)state;
	uint8_t f[64];
	size_t n = udp_frame(f);
	struct frame_view v;
	assert_int_equal(frame_wire_parse(f, n, FRAME_WIRE_IP_CSUM | FRAME_WIRE_UDP_CSUM, &v), 0);
	assert_ptr_equal(v.dst_mac, f);
	assert_ptr_equal(v.src_mac, f + 6);
	assert_int_equal(v.ethertype, FRAME_ETHERTYPE_IPV4);
	assert_false(v.vlan_tagged);
	assert_true(v.has_ipv4 && v.has_udp);
	assert_false(v.has_arp || v.fragment);
	assert_int_equal(v.src_ip, htonl(0x0a000001));
	assert_int_equal(v.dst_ip, htonl(0x0a000002));
	assert_int_equal(v.ttl, 64);
	assert_int_equal(v.ip_id, 0x1234);
	assert_int_equal(v.ip_proto, 17);
	assert_int_equal(v.src_port, 69);
	assert_int_equal(v.dst_port, 49152);
	assert_int_not_equal(v.udp_checksum, 0);
	/* the UDP length, not the Ethernet padding after it */
	assert_int_equal(v.payload_off, 14 + 20 + 8);
	assert_int_equal(v.payload_len, PAYLOAD_LEN);
	assert_memory_equal(f + v.payload_off, "0123456789", PAYLOAD_LEN);
}

static void test_vlan_and_cooked(void **state)
{
	(void)state;
	uint8_t f[64], t[68];
	size_t n = udp_frame(f);
	struct frame_view v;
	/* 802.1Q: the tag sits after the MACs */
	memcpy(t, f, 12);
	put16(t + 12, FRAME_ETHERTYPE_VLAN);
	put16(t + 14, 5);
	memcpy(t + 16, f + 12, n - 12);
	assert_int_equal(frame_wire_parse(t, n + 4, FRAME_WIRE_VLAN, &v), 0);
	assert_true(v.vlan_tagged);
	assert_int_equal(v.ethertype, FRAME_ETHERTYPE_IPV4);
	assert_int_equal(v.payload_off, 4 + 14 + 20 + 8);
	/* not asked to look through tags: another kind of frame */
	assert_int_equal(frame_wire_parse(t, n + 4, 0, &v), -ENOMSG);
	assert_int_equal(v.ethertype, FRAME_ETHERTYPE_VLAN);
	assert_false(v.has_ipv4);
	/* a tag cut off */
	assert_int_equal(frame_wire_parse(t, 16, FRAME_WIRE_VLAN, &v), -EBADMSG);

	/* Linux cooked: packet type, ARPHRD, address length, 8 address bytes, protocol */
	memset(t, 0, 16);
	put16(t + 2, 1);
	put16(t + 4, 6);
	memcpy(t + 6, server_mac, 6);
	memcpy(t + 14, f + 12, n - 12);
	assert_int_equal(frame_wire_parse(t, n + 2, FRAME_WIRE_SLL | FRAME_WIRE_IP_CSUM, &v), 0);
	assert_null(v.dst_mac);
	assert_ptr_equal(v.src_mac, t + 6);
	assert_int_equal(v.payload_off, 16 + 20 + 8);
	put16(t + 4, 0); /* no link-layer address */
	assert_int_equal(frame_wire_parse(t, n + 2, FRAME_WIRE_SLL, &v), 0);
	assert_null(v.src_mac);
	assert_int_equal(frame_wire_parse(t, 15, FRAME_WIRE_SLL, &v), -EBADMSG);
}

/* Well-formed frames of another kind: the layers that parsed stay visible. */
static void test_other_kinds(void **state)
{
	(void)state;
	uint8_t f[64];
	size_t n = udp_frame(f);
	struct frame_view v;
	f[14 + 6] |= 0x20; /* MF: a first fragment */
	assert_int_equal(frame_wire_parse(f, n, 0, &v), -ENOMSG);
	assert_true(v.has_ipv4 && v.fragment);
	assert_false(v.has_udp);
	assert_int_equal(v.dst_ip, htonl(0x0a000002));
	n = udp_frame(f);
	f[14 + 7] = 1; /* an offset: a later fragment */
	assert_int_equal(frame_wire_parse(f, n, 0, &v), -ENOMSG);
	assert_true(v.fragment);
	n = udp_frame(f);
	f[14 + 9] = 6; /* TCP */
	assert_int_equal(frame_wire_parse(f, n, 0, &v), -ENOMSG);
	assert_true(v.has_ipv4);
	assert_int_equal(v.ip_proto, 6);
	n = udp_frame(f);
	put16(f + 12, 0x86dd); /* IPv6 */
	assert_int_equal(frame_wire_parse(f, n, 0, &v), -ENOMSG);
	assert_false(v.has_ipv4);
}

static void test_malformed(void **state)
{
	(void)state;
	uint8_t f[64];
	size_t n = udp_frame(f);
	struct frame_view v;
	/* Every cut inside the IP datagram (52 bytes) is refused; padding may go. */
	for (size_t cut = 0; cut < 52; cut++)
		assert_int_equal(frame_wire_parse(f, cut, 0, &v), -EBADMSG);
	for (size_t cut = 52; cut <= n; cut++)
		assert_int_equal(frame_wire_parse(f, cut, 0, &v), 0);
	assert_int_equal(frame_wire_parse(NULL, 0, 0, &v), -EBADMSG);

	struct {
		size_t at;
		uint8_t value;
		const char *what;
	} breaks[] = {
		{ 14, 0x65, "IP version 6 in an IPv4 frame" },
		{ 14, 0x44, "IHL below 5" },
		{ 14, 0x4f, "IHL past the frame" },
		{ 14 + 3, 19, "total length below the header" },
		{ 14 + 3, 0xff, "total length past the frame" },
		{ 14 + 3, 27, "no room for the UDP header" },
		{ 14 + 20 + 5, 7, "UDP length below its header" },
		{ 14 + 20 + 5, 19, "UDP length past the datagram" },
	};
	for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
		n = udp_frame(f);
		f[breaks[i].at] = breaks[i].value;
		if (frame_wire_parse(f, n, 0, &v) != -EBADMSG)
			fail_msg("accepted: %s", breaks[i].what);
	}
}

static void test_checksums(void **state)
{
	(void)state;
	/* RFC 1071 section 3's example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 */
	static const uint8_t rfc1071[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(frame_wire_csum_add(0, rfc1071, sizeof(rfc1071)), 0xddf2);
	assert_int_equal(frame_wire_csum_finish(0xddf2), 0x220d);
	/* an odd length pads with a zero byte */
	assert_int_equal(frame_wire_csum_add(0, rfc1071, 3), 0x0001 + 0xf200);

	uint8_t f[64];
	size_t n = udp_frame(f);
	struct frame_view v;
	f[14 + 8] = 63; /* TTL changed, header checksum not */
	assert_int_equal(frame_wire_parse(f, n, FRAME_WIRE_IP_CSUM, &v), -EBADMSG);
	assert_int_equal(frame_wire_parse(f, n, FRAME_WIRE_UDP_CSUM, &v), 0);
	n = udp_frame(f);
	f[14 + 20 + 8] ^= 1; /* payload changed, UDP checksum not */
	assert_int_equal(frame_wire_parse(f, n, FRAME_WIRE_UDP_CSUM, &v), -EBADMSG);
	assert_int_equal(frame_wire_parse(f, n, FRAME_WIRE_IP_CSUM, &v), 0);
	f[14 + 20 + 6] = f[14 + 20 + 7] = 0; /* "no checksum" (RFC 768) is not checked */
	assert_int_equal(frame_wire_parse(f, n, FRAME_WIRE_UDP_CSUM, &v), 0);
	assert_int_equal(v.udp_checksum, 0);
}

static void test_arp(void **state)
{
	(void)state;
	uint8_t f[60];
	size_t n = arp_frame(f);
	struct frame_view v;
	assert_int_equal(frame_wire_parse(f, n, FRAME_WIRE_VLAN, &v), 0);
	assert_true(v.has_arp);
	assert_false(v.has_ipv4 || v.has_udp);
	assert_int_equal(v.arp_op, 1);
	assert_ptr_equal(v.arp_sha, f + 14 + 8);
	assert_ptr_equal(v.arp_tha, f + 14 + 18);
	assert_int_equal(v.arp_spa, htonl(0x0a000002));
	assert_int_equal(v.arp_tpa, htonl(0x0a000001));
	assert_int_equal(frame_wire_parse(f, 14 + 27, 0, &v), -EBADMSG);
	f[14 + 4] = 8; /* another hardware address length */
	assert_int_equal(frame_wire_parse(f, n, 0, &v), -ENOMSG);
	assert_false(v.has_arp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_vlan_and_cooked),
		cmocka_unit_test(test_other_kinds),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_checksums),
		cmocka_unit_test(test_arp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
