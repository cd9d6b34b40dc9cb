/*
 * capture_filter.c - which board a captured frame belongs to (capture_filter.h).
 */
#include "harness/capture_filter.h"

#include <string.h>

#include "servers/frame_wire.h"

#define BOOTP_CHADDR_AT 28

/* A broadcast about the board: a DHCP reply for its hardware address, an
 * ARP naming its address, or IPv4 to it. */
static bool broadcast_is_boards(const struct frame_view *v, const uint8_t *frame,
				const uint8_t mac[6], uint32_t ip)
{
	if (v->has_arp)
		return ip && (v->arp_spa == ip || v->arp_tpa == ip);
	if (v->has_ipv4 && ip && v->dst_ip == ip)
		return true;
	bool bootp = v->has_udp && (v->src_port == 67 || v->dst_port == 68);
	return bootp && v->payload_len >= BOOTP_CHADDR_AT + 6 &&
	       memcmp(frame + v->payload_off + BOOTP_CHADDR_AT, mac, 6) == 0;
}

bool capture_frame_is_boards(const uint8_t *frame, size_t len, const uint8_t mac[6], uint32_t ip)
{
	if (len < FRAME_ETH_HLEN)
		return false;
	if (memcmp(frame, mac, 6) == 0 || memcmp(frame + 6, mac, 6) == 0)
		return true;
	if (!(frame[0] & 1)) /* not a group address (broadcast or multicast) */
		return false;
	struct frame_view v;
	/* -ENOMSG leaves the layers that parsed: an IPv4 fragment's addresses. */
	(void)frame_wire_parse(frame, len, FRAME_WIRE_VLAN, &v);
	return broadcast_is_boards(&v, frame, mac, ip);
}

uint32_t capture_frame_board_ip(const uint8_t *frame, size_t len, const uint8_t mac[6])
{
	struct frame_view v;
	(void)frame_wire_parse(frame, len, FRAME_WIRE_VLAN, &v);
	if (!v.has_ipv4 || !v.src_mac || memcmp(v.src_mac, mac, 6) != 0)
		return 0;
	return v.src_ip;
}
