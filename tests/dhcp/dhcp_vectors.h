/*
 * dhcp_vectors.h - DHCP requests as the Raspberry Pi boot code sends them
 * (pi-netboot.md 2.1), built byte by byte rather than with dhcp_wire_build
 * so the codec is checked against an independent construction.
 */
#ifndef PITEST_TESTS_DHCP_VECTORS_H
#define PITEST_TESTS_DHCP_VECTORS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PI_VENDOR_CLASS "PXEClient:Arch:00000:UNDI:002001"
#define PI3B_XID 0x26f30339u

struct vec {
	uint8_t b[1500];
	size_t len;
};

static inline void vec_header(struct vec *v, uint8_t op, uint32_t xid, const uint8_t mac[6])
{
	memset(v, 0, sizeof(*v));
	v->b[0] = op;
	v->b[1] = 1;
	v->b[2] = 6;
	v->b[4] = (uint8_t)(xid >> 24);
	v->b[5] = (uint8_t)(xid >> 16);
	v->b[6] = (uint8_t)(xid >> 8);
	v->b[7] = (uint8_t)xid;
	memcpy(v->b + 28, mac, 6);
	v->b[236] = 0x63;
	v->b[237] = 0x82;
	v->b[238] = 0x53;
	v->b[239] = 0x63;
	v->len = 240;
}

static inline void vec_opt(struct vec *v, uint8_t code, const void *data, size_t len)
{
	v->b[v->len++] = code;
	v->b[v->len++] = (uint8_t)len;
	memcpy(v->b + v->len, data, len);
	v->len += len;
}

static inline void vec_u8(struct vec *v, uint8_t code, uint8_t x)
{
	vec_opt(v, code, &x, 1);
}

static inline void vec_addr(struct vec *v, uint8_t code, uint32_t net_order)
{
	vec_opt(v, code, &net_order, 4);
}

static inline void vec_end(struct vec *v)
{
	v->b[v->len++] = 255;
}

static inline void vec_set_addr(struct vec *v, size_t off, uint32_t net_order)
{
	memcpy(v->b + off, &net_order, 4);
}

static const uint8_t pi3b_prl[12] = { 43, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135, 66 };
static const uint8_t pi4_prl[14] = { 1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135 };
static const uint8_t pi_arch[2] = { 0, 0 };
static const uint8_t pi_undi[3] = { 1, 2, 1 };

/* Pi 3B ROM DISCOVER: 320 bytes, options 53,55(12),93,94,97(00+16x44),60,255, no padding. */
static inline void vec_pi3b_discover(struct vec *v, const uint8_t mac[6])
{
	uint8_t guid[17];
	guid[0] = 0;
	memset(guid + 1, 0x44, 16);
	vec_header(v, 1, PI3B_XID, mac);
	vec_u8(v, 53, 1);
	vec_opt(v, 55, pi3b_prl, sizeof(pi3b_prl));
	vec_opt(v, 93, pi_arch, 2);
	vec_opt(v, 94, pi_undi, 3);
	vec_opt(v, 97, guid, 17);
	vec_opt(v, 60, PI_VENDOR_CLASS, 32);
	vec_end(v);
}

/* Pi 4 EEPROM (2020+) DISCOVER or REQUEST: 322 bytes for DISCOVER, option
 * order 53,55(14),60,93,94,97 ('RPi4' GUID). A REQUEST carries no 60
 * (pi-netboot.md 2.4) but 50 and 54. */
static inline void vec_pi4(struct vec *v, uint8_t type, uint32_t xid, const uint8_t mac[6],
			   uint32_t server_id, uint32_t requested)
{
	uint8_t guid[17] = { 0, 'R', 'P', 'i', '4', 0x12, 0x31, 0xc0, 0x00 };
	memcpy(guid + 9, mac + 2, 4);
	memcpy(guid + 13, "\x9f\xfe\xfd\xef", 4);
	vec_header(v, 1, xid, mac);
	vec_u8(v, 53, type);
	if (requested)
		vec_addr(v, 50, requested);
	if (server_id)
		vec_addr(v, 54, server_id);
	vec_opt(v, 55, pi4_prl, sizeof(pi4_prl));
	if (type == 1)
		vec_opt(v, 60, PI_VENDOR_CLASS, 32);
	vec_opt(v, 93, pi_arch, 2);
	vec_opt(v, 94, pi_undi, 3);
	vec_opt(v, 97, guid, 17);
	vec_end(v);
}

/* A plain client (kernel ip=dhcp style): 53, optional 50/54, PRL 1,3,6,12,15,17,26,40. */
static inline void vec_plain(struct vec *v, uint8_t type, uint32_t xid, const uint8_t mac[6],
			     uint32_t server_id, uint32_t requested, uint32_t ciaddr)
{
	static const uint8_t prl[8] = { 1, 3, 6, 12, 15, 17, 26, 40 };
	vec_header(v, 1, xid, mac);
	vec_set_addr(v, 12, ciaddr);
	vec_u8(v, 53, type);
	if (server_id)
		vec_addr(v, 54, server_id);
	if (requested)
		vec_addr(v, 50, requested);
	vec_opt(v, 55, prl, sizeof(prl));
	vec_end(v);
}

#endif
