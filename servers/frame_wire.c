/*
 * frame_wire.c - link-layer frame codec (see frame_wire.h).
 */
#include "servers/frame_wire.h"

#include <errno.h>
#include <string.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* Addresses stay in network order: their bytes as they are. */
static uint32_t get_addr(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

uint32_t frame_wire_csum_add(uint32_t sum, const uint8_t *data, size_t len)
{
	size_t i;
	for (i = 0; i + 1 < len; i += 2)
		sum += get16(data + i);
	if (i < len)
		sum += (uint32_t)data[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t frame_wire_csum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t frame_wire_udp_checksum(uint32_t src_ip, uint32_t dst_ip, const uint8_t *udp, size_t udp_len)
{
	uint8_t pseudo[12];
	memcpy(pseudo, &src_ip, 4);
	memcpy(pseudo + 4, &dst_ip, 4);
	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(udp_len >> 8);
	pseudo[11] = (uint8_t)udp_len;
	uint32_t sum = frame_wire_csum_add(0, pseudo, sizeof(pseudo));
	return frame_wire_csum_finish(frame_wire_csum_add(sum, udp, udp_len));
}

static int parse_arp(const uint8_t *a, size_t avail, struct frame_view *v)
{
	if (avail < FRAME_ARP_LEN)
		return -EBADMSG;
	if (get16(a) != 1 || get16(a + 2) != FRAME_ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
		return -ENOMSG;
	v->has_arp = true;
	v->arp_op = get16(a + 6);
	v->arp_sha = a + 8;
	v->arp_spa = get_addr(a + 14);
	v->arp_tha = a + 18;
	v->arp_tpa = get_addr(a + 24);
	return 0;
}

static int parse_ipv4_udp(const uint8_t *buf, size_t l3_off, size_t len, unsigned flags,
			  struct frame_view *v)
{
	const uint8_t *ip = buf + l3_off;
	size_t avail = len - l3_off;
	if (avail < FRAME_IP_HLEN || (ip[0] >> 4) != 4)
		return -EBADMSG;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < FRAME_IP_HLEN || ihl > avail)
		return -EBADMSG;
	size_t total = get16(ip + 2);
	if (total < ihl || total > avail)
		return -EBADMSG;
	if ((flags & FRAME_WIRE_IP_CSUM) && frame_wire_csum_finish(frame_wire_csum_add(0, ip, ihl)) != 0)
		return -EBADMSG;
	v->has_ipv4 = true;
	v->src_ip = get_addr(ip + 12);
	v->dst_ip = get_addr(ip + 16);
	v->ip_proto = ip[9];
	v->ttl = ip[8];
	v->ip_id = get16(ip + 4);
	v->fragment = (get16(ip + 6) & 0x3fff) != 0;
	if (v->fragment || v->ip_proto != 17)
		return -ENOMSG;
	const uint8_t *udp = ip + ihl;
	size_t udp_avail = total - ihl;
	if (udp_avail < FRAME_UDP_HLEN)
		return -EBADMSG;
	size_t ulen = get16(udp + 4);
	if (ulen < FRAME_UDP_HLEN || ulen > udp_avail)
		return -EBADMSG;
	uint16_t csum = get16(udp + 6);
	if ((flags & FRAME_WIRE_UDP_CSUM) && csum != 0 &&
	    frame_wire_udp_checksum(v->src_ip, v->dst_ip, udp, ulen) != 0)
		return -EBADMSG;
	v->has_udp = true;
	v->src_port = get16(udp);
	v->dst_port = get16(udp + 2);
	v->udp_checksum = csum;
	v->payload_off = (size_t)(udp - buf) + FRAME_UDP_HLEN;
	v->payload_len = ulen - FRAME_UDP_HLEN;
	return 0;
}

int frame_wire_parse(const uint8_t *buf, size_t len, unsigned flags, struct frame_view *v)
{
	memset(v, 0, sizeof(*v));
	size_t off;
	if (flags & FRAME_WIRE_SLL) {
		if (!buf || len < FRAME_SLL_HLEN)
			return -EBADMSG;
		if (get16(buf + 4) == 6) /* the sender's address length */
			v->src_mac = buf + 6;
		off = FRAME_SLL_HLEN;
	} else {
		if (!buf || len < FRAME_ETH_HLEN)
			return -EBADMSG;
		v->dst_mac = buf;
		v->src_mac = buf + 6;
		off = FRAME_ETH_HLEN;
	}
	v->ethertype = get16(buf + off - 2);
	if (v->ethertype == FRAME_ETHERTYPE_VLAN && (flags & FRAME_WIRE_VLAN)) {
		if (len < off + FRAME_VLAN_HLEN)
			return -EBADMSG;
		v->vlan_tagged = true;
		v->ethertype = get16(buf + off + 2);
		off += FRAME_VLAN_HLEN;
	}
	if (v->ethertype == FRAME_ETHERTYPE_ARP)
		return parse_arp(buf + off, len - off, v);
	if (v->ethertype == FRAME_ETHERTYPE_IPV4)
		return parse_ipv4_udp(buf, off, len, flags, v);
	return -ENOMSG;
}
