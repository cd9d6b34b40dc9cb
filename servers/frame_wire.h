/*
 * frame_wire.h - link-layer frames down to UDP: Ethernet or Linux cooked
 * (SLL) headers, one 802.1Q tag, IPv4, UDP and Ethernet/IPv4 ARP.
 *
 * One walker for everything that reads whole frames: the virtual board's
 * packet socket (vpi_frame.c), `pitest discover` and the per-board split
 * of lab captures. Pure codec: no sockets, clocks or globals. Addresses
 * are uint32_t in network byte order.
 */
#ifndef PITEST_FRAME_WIRE_H
#define PITEST_FRAME_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_ETH_HLEN 14
#define FRAME_SLL_HLEN 16
#define FRAME_VLAN_HLEN 4
#define FRAME_IP_HLEN 20 /* without options */
#define FRAME_UDP_HLEN 8
#define FRAME_ARP_LEN 28

#define FRAME_ETHERTYPE_IPV4 0x0800
#define FRAME_ETHERTYPE_ARP 0x0806
#define FRAME_ETHERTYPE_VLAN 0x8100

/* How frame_wire_parse reads a frame. */
enum {
	FRAME_WIRE_SLL = 1u << 0,      /* a Linux cooked header instead of Ethernet's */
	FRAME_WIRE_VLAN = 1u << 1,     /* step over one 802.1Q tag (else it is "another kind") */
	FRAME_WIRE_IP_CSUM = 1u << 2,  /* verify the IPv4 header checksum */
	FRAME_WIRE_UDP_CSUM = 1u << 3, /* verify the UDP checksum when the sender filled one in */
};

/*
 * What a frame holds, layer by layer. A layer's has_* flag is set once
 * that layer parsed, so a caller can still see the IPv4 header of a
 * fragment or of a protocol other than UDP.
 */
struct frame_view {
	const uint8_t *dst_mac;   /* NULL with a cooked header (it has none) */
	const uint8_t *src_mac;   /* with a cooked header: its 6-byte address, else NULL */
	uint16_t ethertype;       /* past the 802.1Q tag */
	bool vlan_tagged;

	bool has_ipv4;
	uint32_t src_ip, dst_ip;
	uint8_t ip_proto, ttl;
	uint16_t ip_id;
	bool fragment;            /* MF set or an offset: not reassembled here */

	bool has_udp;
	uint16_t src_port, dst_port;
	uint16_t udp_checksum;    /* as on the wire; 0 = none */
	size_t payload_off, payload_len; /* the UDP length, not the Ethernet padding */

	bool has_arp;
	uint16_t arp_op;
	const uint8_t *arp_sha, *arp_tha; /* sender / target hardware address */
	uint32_t arp_spa, arp_tpa;        /* sender / target protocol address */
};

/*
 * Parses buf as flags say. Returns 0 for an IPv4/UDP frame (has_udp) or an
 * Ethernet/IPv4 ARP frame (has_arp); -ENOMSG for a well-formed frame of
 * another kind (ethertype, IP protocol, a fragment, ARP for other
 * hardware); -EBADMSG for a malformed frame or a checksum that was asked
 * for and is wrong.
 */
int frame_wire_parse(const uint8_t *buf, size_t len, unsigned flags, struct frame_view *v);

/* The Internet checksum (RFC 1071) of data, folded, not complemented, starting from sum. */
uint32_t frame_wire_csum_add(uint32_t sum, const uint8_t *data, size_t len);

/* The complemented 16-bit checksum from a running sum. */
uint16_t frame_wire_csum_finish(uint32_t sum);

/* The UDP checksum over the RFC 768 pseudo-header, header and data (0 = correct when checking). */
uint16_t frame_wire_udp_checksum(uint32_t src_ip, uint32_t dst_ip, const uint8_t *udp, size_t udp_len);

#endif
