/*
 * test_vpi_frame.c - Ethernet/IPv4/UDP and ARP codec: round trips,
 * checksum rules, malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <errno.h>

#include "fixtures/vpi/vpi_frame.h"
#include "servers/frame_wire.h"

static const struct vpi_udp_tx base_tx = {
	.dst_mac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	.src_mac = { 0xdc, 0xa6, 0x32, 0x01, 0x02, 0x03 },
	.src_ip = 0,
	.dst_ip = 0xffffffffu,
	.src_port = 68,
	.dst_port = 67,
	.ttl = 64,
	.ip_id = 0x1234,
	.udp_checksum = true,
};

static void test_udp_round_trip(void **state)
{
	(void)state;
	uint8_t payload[300];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	uint8_t frame[VPI_FRAME_MAX];
	for (int csum = 0; csum < 2; csum++) {
		struct vpi_udp_tx tx = base_tx;
		tx.udp_checksum = csum;
		tx.dont_fragment = csum;
		int n = vpi_frame_build_udp(&tx, payload, sizeof(payload), frame, sizeof(frame));
		assert_int_equal(n, 14 + 20 + 8 + 300);
		struct vpi_frame f;
		assert_int_equal(vpi_frame_parse(frame, (size_t)n, true, &f), 0);
		assert_int_equal(f.kind, VPI_FRAME_UDP);
		assert_memory_equal(f.src_mac, tx.src_mac, 6);
		assert_memory_equal(f.dst_mac, tx.dst_mac, 6);
		assert_int_equal(f.src_ip, tx.src_ip);
		assert_int_equal(f.dst_ip, tx.dst_ip);
		assert_int_equal(f.src_port, 68);
		assert_int_equal(f.dst_port, 67);
		assert_int_equal(f.ttl, 64);
		assert_int_equal(f.ip_id, 0x1234);
		assert_int_equal(f.payload_len, sizeof(payload));
		assert_memory_equal(frame + f.payload_off, payload, sizeof(payload));
		if (csum)
			assert_int_not_equal(f.udp_checksum, 0);
		else
			assert_int_equal(f.udp_checksum, 0);
	}
}

static void test_short_payload_is_padded(void **state)
{
	(void)state;
	uint8_t frame[VPI_FRAME_MAX];
	memset(frame, 0xaa, sizeof(frame));
	int n = vpi_frame_build_udp(&base_tx, (const uint8_t *)"x", 1, frame, sizeof(frame));
	assert_int_equal(n, VPI_ETH_MIN_FRAME);
	assert_int_equal(frame[59], 0);
	struct vpi_frame f;
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, true, &f), 0);
	assert_int_equal(f.payload_len, 1); /* UDP length, not Ethernet padding */
}

/* RFC 768: a computed checksum of 0 goes on the wire as 0xffff (Pi 4 fix 2020-12-11). */
static void test_zero_checksum_sent_as_ffff(void **state)
{
	(void)state;
	uint8_t frame[VPI_FRAME_MAX];
	uint8_t payload[2] = { 0, 0 };
	int n = vpi_frame_build_udp(&base_tx, payload, 2, frame, sizeof(frame));
	assert_true(n > 0);
	uint16_t c = (uint16_t)((frame[40] << 8) | frame[41]);
	/* adding the checksum itself as data makes the sum all ones, i.e. checksum 0 */
	payload[0] = (uint8_t)(c >> 8);
	payload[1] = (uint8_t)c;
	n = vpi_frame_build_udp(&base_tx, payload, 2, frame, sizeof(frame));
	assert_true(n > 0);
	assert_int_equal(frame[40], 0xff);
	assert_int_equal(frame[41], 0xff);
	struct vpi_frame f;
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, true, &f), 0);
}

static void test_bad_checksums(void **state)
{
	(void)state;
	uint8_t frame[VPI_FRAME_MAX];
	int n = vpi_frame_build_udp(&base_tx, (const uint8_t *)"hello", 5, frame, sizeof(frame));
	struct vpi_frame f;
	frame[14 + 20 + 8] ^= 1; /* payload */
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, true, &f), -EBADMSG);
	/* the kernel said CSUMNOTREADY: don't verify */
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, false, &f), 0);
	frame[14 + 20 + 8] ^= 1;
	frame[14 + 8] ^= 1; /* TTL: IP header checksum */
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, false, &f), -EBADMSG);
}

static void test_malformed(void **state)
{
	(void)state;
	uint8_t frame[VPI_FRAME_MAX], bad[VPI_FRAME_MAX];
	int n = vpi_frame_build_udp(&base_tx, (const uint8_t *)"hello world, hello", 18, frame,
				    sizeof(frame));
	struct vpi_frame f;
	assert_int_equal(vpi_frame_parse(NULL, 0, true, &f), -EBADMSG);
	for (size_t len = 0; len < 14 + 20 + 8; len++)
		assert_true(vpi_frame_parse(frame, len, true, &f) < 0);

	memcpy(bad, frame, (size_t)n);
	bad[14] = 0x65; /* IPv6 version nibble in an IPv4 ethertype */
	assert_int_equal(vpi_frame_parse(bad, (size_t)n, true, &f), -EBADMSG);

	memcpy(bad, frame, (size_t)n);
	bad[14] = 0x44; /* IHL 16 bytes */
	assert_int_equal(vpi_frame_parse(bad, (size_t)n, true, &f), -EBADMSG);

	memcpy(bad, frame, (size_t)n);
	bad[14 + 20 + 4] = 0x7f; /* UDP length past the datagram */
	assert_int_equal(vpi_frame_parse(bad, (size_t)n, false, &f), -EBADMSG);

	memcpy(bad, frame, (size_t)n);
	bad[14 + 20 + 4] = 0;
	bad[14 + 20 + 5] = 4; /* UDP length below the header */
	assert_int_equal(vpi_frame_parse(bad, (size_t)n, false, &f), -EBADMSG);

	/* IP total length beyond the frame */
	assert_int_equal(vpi_frame_parse(frame, (size_t)n - 1, true, &f), -EBADMSG);

	memcpy(bad, frame, (size_t)n);
	bad[12] = 0x86;
	bad[13] = 0xdd; /* IPv6: not ours */
	assert_int_equal(vpi_frame_parse(bad, (size_t)n, true, &f), -ENOMSG);
}

/* Rewrites an IPv4 header field and fixes its checksum. */
static void patch_ip(uint8_t *frame, size_t off, uint8_t v)
{
	uint8_t *ip = frame + 14;
	ip[off] = v;
	ip[10] = ip[11] = 0;
	uint32_t sum = frame_wire_csum_add(0, ip, 20);
	uint16_t c = (uint16_t)~sum;
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
}

static void test_not_ours(void **state)
{
	(void)state;
	uint8_t frame[VPI_FRAME_MAX];
	int n = vpi_frame_build_udp(&base_tx, (const uint8_t *)"x", 1, frame, sizeof(frame));
	struct vpi_frame f;
	patch_ip(frame, 9, 6); /* TCP */
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, true, &f), -ENOMSG);
	patch_ip(frame, 9, 17);
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, true, &f), 0);
	patch_ip(frame, 6, 0x20); /* more fragments */
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, true, &f), -ENOMSG);
}

static void test_arp_round_trip(void **state)
{
	(void)state;
	struct vpi_arp a = {
		.op = VPI_ARP_REQUEST,
		.sha = { 0xb8, 0x27, 0xeb, 1, 2, 3 },
		.tha = { 0 },
		.spa = htonl(0xc0a80164),
		.tpa = htonl(0xc0a80101),
	};
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t frame[VPI_ETH_MIN_FRAME];
	assert_int_equal(vpi_frame_build_arp(bcast, a.sha, &a, frame, 59), -ENOSPC);
	int n = vpi_frame_build_arp(bcast, a.sha, &a, frame, sizeof(frame));
	assert_int_equal(n, 60);
	struct vpi_frame f;
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, true, &f), 0);
	assert_int_equal(f.kind, VPI_FRAME_ARP);
	assert_int_equal(f.arp.op, VPI_ARP_REQUEST);
	assert_memory_equal(f.arp.sha, a.sha, 6);
	assert_int_equal(f.arp.spa, a.spa);
	assert_int_equal(f.arp.tpa, a.tpa);
	assert_int_equal(vpi_frame_parse(frame, 14 + 27, true, &f), -EBADMSG);
	frame[14 + 4] = 8; /* hardware length 8: not Ethernet ARP */
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, true, &f), -ENOMSG);
}

static void test_build_limits(void **state)
{
	(void)state;
	static uint8_t big[70000];
	uint8_t frame[64];
	assert_int_equal(vpi_frame_build_udp(&base_tx, big, sizeof(big), frame, sizeof(frame)),
			 -EMSGSIZE);
	assert_int_equal(vpi_frame_build_udp(&base_tx, big, 100, frame, sizeof(frame)), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_round_trip),
		cmocka_unit_test(test_short_payload_is_padded),
		cmocka_unit_test(test_zero_checksum_sent_as_ffff),
		cmocka_unit_test(test_bad_checksums),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_arp_round_trip),
		cmocka_unit_test(test_build_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
