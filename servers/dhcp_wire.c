/*
 * dhcp_wire.c - pure DHCP/BOOTP message codec (RFC 2131, RFC 2132, RFC 3396).
 *
 * Parsing collects every option instance of the three option areas (options,
 * then file and sname when option 52 overloads them, RFC 2131 4.1) and then
 * concatenates instances of the same code in first-seen order (RFC 3396),
 * so the struct holds each code once. Every read is checked against an end
 * pointer; nothing in the struct points into the input.
 */
#include "servers/dhcp_wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Bound on option instances per message (a 1500-byte datagram of 2-byte
 * empty options would have ~630; more than this is not a real client). */
#define DHCP_MAX_INSTANCES 768

struct opt_instance {
	uint8_t code;
	uint8_t len;
	const uint8_t *data;
};

struct instance_list {
	size_t n;
	struct opt_instance items[DHCP_MAX_INSTANCES];
};

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Addresses stay in network order: copy the bytes as they are. */
static uint32_t get_addr(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Scans one option area into `list`. An area without END is accepted
 * (RFC 2131 does not require END in sname/file and many clients omit it
 * when the area is full); an option running past the area is not. */
static int scan_area(const uint8_t *p, const uint8_t *end, struct instance_list *list)
{
	while (p < end) {
		uint8_t code = *p++;
		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return 0;
		if (p >= end)
			return -EBADMSG;
		uint8_t len = *p++;
		if ((size_t)(end - p) < len)
			return -EBADMSG;
		if (list->n >= DHCP_MAX_INSTANCES)
			return -EBADMSG;
		list->items[list->n++] = (struct opt_instance){ code, len, p };
		p += len;
	}
	return 0;
}

/* Finds the overload value among instances already scanned (main area only). */
static int find_overload(const struct instance_list *list, uint8_t *ret)
{
	uint8_t value = 0;
	for (size_t i = 0; i < list->n; i++) {
		if (list->items[i].code != DHCP_OPT_OVERLOAD)
			continue;
		/* One instance of length 1 (RFC 3396 forbids splitting 52). */
		if (value || list->items[i].len != 1 || list->items[i].data[0] < 1 ||
		    list->items[i].data[0] > 3)
			return -EBADMSG;
		value = list->items[i].data[0];
	}
	*ret = value;
	return 0;
}

/* Concatenates instances by code into m (RFC 3396 4.1: in the order they appear). */
static int collect_options(const struct instance_list *list, struct dhcp_msg *m)
{
	bool seen[256] = { false };
	for (size_t i = 0; i < list->n; i++) {
		uint8_t code = list->items[i].code;
		if (seen[code])
			continue; /* already gathered with its first instance */
		seen[code] = true;
		if (m->n_options >= DHCP_MAX_OPTIONS)
			return -EBADMSG;
		size_t start = m->option_data_len;
		for (size_t k = i; k < list->n; k++) {
			if (list->items[k].code != code)
				continue;
			if (DHCP_OPTION_SPACE - m->option_data_len < list->items[k].len)
				return -EBADMSG;
			memcpy(m->option_data + m->option_data_len, list->items[k].data, list->items[k].len);
			m->option_data_len += list->items[k].len;
		}
		m->options[m->n_options++] = (struct dhcp_option){
			.code = code,
			.len = (uint16_t)(m->option_data_len - start),
			.offset = (uint16_t)start,
		};
	}
	return 0;
}

int dhcp_wire_parse(const uint8_t *buf, size_t len, struct dhcp_msg *ret_msg)
{
	struct instance_list list;
	struct dhcp_msg msg; /* ret_msg is written only on success */
	struct dhcp_msg *m = &msg;

	if (!buf || len < DHCP_FIXED_LEN)
		return -EBADMSG;
	if (buf[2] > 16)
		return -EBADMSG;

	list.n = 0;
	bool has_cookie = len >= DHCP_MIN_LEN && get_be32(buf + DHCP_FIXED_LEN) == DHCP_MAGIC_COOKIE;
	uint8_t overload = 0;
	if (has_cookie) {
		int r = scan_area(buf + DHCP_MIN_LEN, buf + len, &list);
		if (r < 0)
			return r;
		r = find_overload(&list, &overload);
		if (r < 0)
			return r;
		/* RFC 2131 4.1: options field first, then file, then sname. */
		if (overload & 1) {
			r = scan_area(buf + 108, buf + 236, &list);
			if (r < 0)
				return r;
		}
		if (overload & 2) {
			r = scan_area(buf + 44, buf + 108, &list);
			if (r < 0)
				return r;
		}
		/* 52 belongs in the options field only, once. */
		uint8_t again;
		if (overload && find_overload(&list, &again) < 0)
			return -EBADMSG;
	}

	memset(m, 0, offsetof(struct dhcp_msg, option_data));
	m->op = buf[0];
	m->htype = buf[1];
	m->hlen = buf[2];
	m->hops = buf[3];
	m->xid = get_be32(buf + 4);
	m->secs = get_be16(buf + 8);
	m->flags = get_be16(buf + 10);
	m->ciaddr = get_addr(buf + 12);
	m->yiaddr = get_addr(buf + 16);
	m->siaddr = get_addr(buf + 20);
	m->giaddr = get_addr(buf + 24);
	memcpy(m->chaddr, buf + 28, 16);
	/* Overloaded areas held options, now in the list: keep them empty so
	 * a rebuilt message does not carry those options twice. */
	if (!(overload & 2))
		memcpy(m->sname, buf + 44, 64);
	if (!(overload & 1))
		memcpy(m->file, buf + 108, 128);
	m->has_cookie = has_cookie;
	m->type = DHCP_NONE;

	int r = collect_options(&list, m);
	if (r < 0)
		return r;
	size_t tlen;
	const uint8_t *t = dhcp_msg_get_option(m, DHCP_OPT_MESSAGE_TYPE, &tlen);
	if (t) {
		if (tlen != 1 || t[0] < DHCPDISCOVER || t[0] > DHCPINFORM)
			return -EBADMSG;
		m->type = t[0];
	}
	memcpy(ret_msg, m, offsetof(struct dhcp_msg, option_data) + m->option_data_len);
	return 0;
}

void dhcp_msg_init(struct dhcp_msg *m, uint8_t op, enum dhcp_type type, uint32_t xid)
{
	memset(m, 0, offsetof(struct dhcp_msg, option_data));
	m->op = op;
	m->htype = 1;
	m->hlen = 6;
	m->xid = xid;
	m->has_cookie = true;
	m->type = (uint8_t)type;
	if (type != DHCP_NONE)
		(void)dhcp_msg_set_u8(m, DHCP_OPT_MESSAGE_TYPE, (uint8_t)type);
}

int dhcp_wire_build(const struct dhcp_msg *m, uint8_t *buf, size_t cap, size_t min_len)
{
	if (cap < DHCP_FIXED_LEN)
		return -ENOSPC;
	uint8_t *p = buf;
	p[0] = m->op;
	p[1] = m->htype;
	p[2] = m->hlen;
	p[3] = m->hops;
	put_be32(p + 4, m->xid);
	p[8] = (uint8_t)(m->secs >> 8);
	p[9] = (uint8_t)m->secs;
	p[10] = (uint8_t)(m->flags >> 8);
	p[11] = (uint8_t)m->flags;
	memcpy(p + 12, &m->ciaddr, 4);
	memcpy(p + 16, &m->yiaddr, 4);
	memcpy(p + 20, &m->siaddr, 4);
	memcpy(p + 24, &m->giaddr, 4);
	memcpy(p + 28, m->chaddr, 16);
	memcpy(p + 44, m->sname, 64);
	memcpy(p + 108, m->file, 128);
	size_t pos = DHCP_FIXED_LEN;

	if (m->has_cookie) {
		if (cap - pos < 4)
			return -ENOSPC;
		put_be32(buf + pos, DHCP_MAGIC_COOKIE);
		pos += 4;
		for (size_t i = 0; i < m->n_options && i < DHCP_MAX_OPTIONS; i++) {
			const struct dhcp_option *o = &m->options[i];
			if ((size_t)o->offset + o->len > DHCP_OPTION_SPACE)
				return -ENOSPC; /* inconsistent struct: refuse rather than overread */
			const uint8_t *d = m->option_data + o->offset;
			size_t left = o->len;
			/* RFC 3396: a long option goes out as several instances. A
			 * zero-length option is still one instance. */
			do {
				size_t piece = left > 255 ? 255 : left;
				if (cap - pos < piece + 2)
					return -ENOSPC;
				buf[pos++] = o->code;
				buf[pos++] = (uint8_t)piece;
				memcpy(buf + pos, d, piece);
				pos += piece;
				d += piece;
				left -= piece;
			} while (left > 0);
		}
		if (cap - pos < 1)
			return -ENOSPC;
		buf[pos++] = DHCP_OPT_END;
	}
	if (min_len > pos) {
		if (min_len > cap)
			return -ENOSPC;
		memset(buf + pos, 0, min_len - pos);
		pos = min_len;
	}
	return (int)pos;
}

static struct dhcp_option *find_option(const struct dhcp_msg *m, uint8_t code)
{
	for (size_t i = 0; i < m->n_options && i < DHCP_MAX_OPTIONS; i++) {
		if (m->options[i].code == code)
			return (struct dhcp_option *)&m->options[i];
	}
	return NULL;
}

const uint8_t *dhcp_msg_get_option(const struct dhcp_msg *m, uint8_t code, size_t *ret_len)
{
	const struct dhcp_option *o = find_option(m, code);
	if (!o || (size_t)o->offset + o->len > DHCP_OPTION_SPACE)
		return NULL;
	if (ret_len)
		*ret_len = o->len;
	return m->option_data + o->offset;
}

bool dhcp_msg_has_option(const struct dhcp_msg *m, uint8_t code)
{
	return find_option(m, code) != NULL;
}

/* Rewrites option_data in option order, dropping space left by removed or
 * replaced options. */
static void compact(struct dhcp_msg *m)
{
	uint8_t tmp[DHCP_OPTION_SPACE];
	size_t used = 0;
	for (size_t i = 0; i < m->n_options; i++) {
		struct dhcp_option *o = &m->options[i];
		memcpy(tmp + used, m->option_data + o->offset, o->len);
		o->offset = (uint16_t)used;
		used += o->len;
	}
	memcpy(m->option_data, tmp, used);
	m->option_data_len = used;
}

int dhcp_msg_set_option(struct dhcp_msg *m, uint8_t code, const void *data, size_t len)
{
	if (code == DHCP_OPT_PAD || code == DHCP_OPT_END || len > DHCP_OPTION_SPACE)
		return -EINVAL;
	struct dhcp_option *o = find_option(m, code);
	if (code == DHCP_OPT_MESSAGE_TYPE)
		m->type = len == 1 ? ((const uint8_t *)data)[0] : DHCP_NONE;
	if (o && o->len == len) {
		memcpy(m->option_data + o->offset, data, len);
		return 0;
	}
	if (!o && m->n_options >= DHCP_MAX_OPTIONS)
		return -ENOSPC;
	if (DHCP_OPTION_SPACE - m->option_data_len < len) {
		size_t live = 0;
		for (size_t i = 0; i < m->n_options; i++)
			live += m->options[i].code == code ? 0 : m->options[i].len;
		if (DHCP_OPTION_SPACE - live < len)
			return -ENOSPC;
		if (o)
			o->len = 0; /* its old bytes are not worth keeping */
		compact(m);
	}
	if (!o) {
		o = &m->options[m->n_options++];
		o->code = code;
	}
	o->offset = (uint16_t)m->option_data_len;
	o->len = (uint16_t)len;
	if (len)
		memcpy(m->option_data + m->option_data_len, data, len);
	m->option_data_len += len;
	return 0;
}

int dhcp_msg_set_u8(struct dhcp_msg *m, uint8_t code, uint8_t v)
{
	return dhcp_msg_set_option(m, code, &v, 1);
}

int dhcp_msg_set_u32(struct dhcp_msg *m, uint8_t code, uint32_t host_order_value)
{
	uint8_t b[4];
	put_be32(b, host_order_value);
	return dhcp_msg_set_option(m, code, b, 4);
}

int dhcp_msg_set_addr(struct dhcp_msg *m, uint8_t code, uint32_t net_order_addr)
{
	return dhcp_msg_set_option(m, code, &net_order_addr, 4);
}

bool dhcp_msg_remove_option(struct dhcp_msg *m, uint8_t code)
{
	struct dhcp_option *o = find_option(m, code);
	if (!o)
		return false;
	size_t i = (size_t)(o - m->options);
	memmove(&m->options[i], &m->options[i + 1], (m->n_options - i - 1) * sizeof(*o));
	m->n_options--;
	if (code == DHCP_OPT_MESSAGE_TYPE)
		m->type = DHCP_NONE;
	return true;
}

/* The option's data when it is exactly `want` bytes long. */
static int get_fixed(const struct dhcp_msg *m, uint8_t code, size_t want, const uint8_t **ret)
{
	size_t len;
	const uint8_t *d = dhcp_msg_get_option(m, code, &len);
	if (!d)
		return -ENOENT;
	if (len != want)
		return -EBADMSG;
	*ret = d;
	return 0;
}

int dhcp_msg_get_u8(const struct dhcp_msg *m, uint8_t code, uint8_t *ret)
{
	const uint8_t *d;
	int r = get_fixed(m, code, 1, &d);
	if (r == 0)
		*ret = d[0];
	return r;
}

int dhcp_msg_get_u32(const struct dhcp_msg *m, uint8_t code, uint32_t *ret_host_order)
{
	const uint8_t *d;
	int r = get_fixed(m, code, 4, &d);
	if (r == 0)
		*ret_host_order = get_be32(d);
	return r;
}

int dhcp_msg_get_addr(const struct dhcp_msg *m, uint8_t code, uint32_t *ret_net_order)
{
	const uint8_t *d;
	int r = get_fixed(m, code, 4, &d);
	if (r == 0)
		*ret_net_order = get_addr(d);
	return r;
}

static const char *const type_names[] = {
	[DHCP_NONE] = "BOOTP",       [DHCPDISCOVER] = "DISCOVER", [DHCPOFFER] = "OFFER",
	[DHCPREQUEST] = "REQUEST",   [DHCPDECLINE] = "DECLINE",   [DHCPACK] = "ACK",
	[DHCPNAK] = "NAK",           [DHCPRELEASE] = "RELEASE",   [DHCPINFORM] = "INFORM",
};

static const char *const type_events[] = {
	[DHCP_NONE] = "bootp",       [DHCPDISCOVER] = "discover", [DHCPOFFER] = "offer",
	[DHCPREQUEST] = "request",   [DHCPDECLINE] = "decline",   [DHCPACK] = "ack",
	[DHCPNAK] = "nak",           [DHCPRELEASE] = "release",   [DHCPINFORM] = "inform",
};

const char *dhcp_type_name(uint8_t type)
{
	return type <= DHCPINFORM ? type_names[type] : "UNKNOWN";
}

const char *dhcp_type_event(uint8_t type)
{
	return type <= DHCPINFORM ? type_events[type] : "unknown";
}

void dhcp_format_mac(const uint8_t mac[6], char out[18])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 6; i++) {
		out[i * 3] = hex[mac[i] >> 4];
		out[i * 3 + 1] = hex[mac[i] & 15];
		out[i * 3 + 2] = i < 5 ? ':' : '\0';
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dhcp_parse_mac(const char *text, uint8_t ret_mac[6])
{
	uint8_t mac[6];
	if (!text)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(text[0]);
		int lo = hi < 0 ? -1 : hexval(text[1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
		text += 2;
		if (i < 5) {
			if (*text != ':' && *text != '-')
				return -EINVAL;
			text++;
		}
	}
	if (*text != '\0')
		return -EINVAL;
	memcpy(ret_mac, mac, 6);
	return 0;
}
