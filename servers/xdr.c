/*
 * xdr.c - bounded XDR cursors; see xdr.h. Each function checks the room it
 * needs before moving the cursor, so a failed call leaves it unchanged.
 */
#include "servers/xdr.h"

#include <errno.h>
#include <string.h>

void xdr_dec_init(struct xdr_dec *d, const uint8_t *buf, size_t len)
{
	d->buf = buf;
	d->len = buf ? len : 0;
	d->pos = 0;
}

size_t xdr_dec_left(const struct xdr_dec *d)
{
	return d->len - d->pos;
}

int xdr_dec_u32(struct xdr_dec *d, uint32_t *ret_v)
{
	if (xdr_dec_left(d) < 4)
		return -EBADMSG;
	*ret_v = xdr_get_be32(d->buf + d->pos);
	d->pos += 4;
	return 0;
}

int xdr_dec_i32(struct xdr_dec *d, int32_t *ret_v)
{
	uint32_t v;
	int r = xdr_dec_u32(d, &v);
	if (r == 0)
		*ret_v = (int32_t)v;
	return r;
}

int xdr_dec_u64(struct xdr_dec *d, uint64_t *ret_v)
{
	if (xdr_dec_left(d) < 8)
		return -EBADMSG;
	*ret_v = (uint64_t)xdr_get_be32(d->buf + d->pos) << 32 | xdr_get_be32(d->buf + d->pos + 4);
	d->pos += 8;
	return 0;
}

int xdr_dec_bool(struct xdr_dec *d, bool *ret_v)
{
	if (xdr_dec_left(d) < 4)
		return -EBADMSG;
	uint32_t v = xdr_get_be32(d->buf + d->pos);
	if (v > 1)
		return -EBADMSG;
	d->pos += 4;
	*ret_v = v == 1;
	return 0;
}

int xdr_dec_fixed_opaque(struct xdr_dec *d, size_t n, const uint8_t **ret_p)
{
	/* n ≤ left first, so the padding cannot overflow size_t. */
	if (n > xdr_dec_left(d) || xdr_pad_len(n) > xdr_dec_left(d))
		return -EBADMSG;
	*ret_p = d->buf + d->pos;
	d->pos += xdr_pad_len(n);
	return 0;
}

int xdr_dec_skip(struct xdr_dec *d, size_t n)
{
	const uint8_t *p;
	return xdr_dec_fixed_opaque(d, n, &p);
}

int xdr_dec_opaque(struct xdr_dec *d, uint32_t max, const uint8_t **ret_p, uint32_t *ret_len)
{
	size_t start = d->pos;
	uint32_t n;
	const uint8_t *p;
	if (xdr_dec_u32(d, &n) != 0)
		return -EBADMSG;
	if (n > max || xdr_dec_fixed_opaque(d, n, &p) != 0) {
		d->pos = start;
		return -EBADMSG;
	}
	*ret_p = p;
	*ret_len = n;
	return 0;
}

int xdr_dec_string(struct xdr_dec *d, uint32_t max, char *out, size_t out_size,
		   uint32_t *ret_len)
{
	if (out_size <= max)
		return -EINVAL;
	size_t start = d->pos;
	const uint8_t *p;
	uint32_t n;
	int r = xdr_dec_opaque(d, max, &p, &n);
	if (r != 0)
		return r;
	if (n && memchr(p, 0, n)) {
		d->pos = start;
		return -EBADMSG;
	}
	if (n)
		memcpy(out, p, n);
	out[n] = '\0';
	if (ret_len)
		*ret_len = n;
	return 0;
}

void xdr_enc_init(struct xdr_enc *e, uint8_t *buf, size_t cap)
{
	e->buf = buf;
	e->cap = buf ? cap : 0;
	e->pos = 0;
}

int xdr_enc_reserve(struct xdr_enc *e, size_t n, uint8_t **ret_p)
{
	size_t left = e->cap - e->pos;
	if (n > left || xdr_pad_len(n) > left)
		return -ENOSPC;
	uint8_t *p = e->buf + e->pos;
	/* Zero the pad bytes (RFC 4506 §4.9: "residual zero bytes"). */
	memset(p + n, 0, xdr_pad_len(n) - n);
	e->pos += xdr_pad_len(n);
	*ret_p = p;
	return 0;
}

int xdr_enc_u32(struct xdr_enc *e, uint32_t v)
{
	uint8_t *p;
	int r = xdr_enc_reserve(e, 4, &p);
	if (r == 0)
		xdr_put_be32(p, v);
	return r;
}

int xdr_enc_i32(struct xdr_enc *e, int32_t v)
{
	return xdr_enc_u32(e, (uint32_t)v);
}

int xdr_enc_u64(struct xdr_enc *e, uint64_t v)
{
	uint8_t *p;
	int r = xdr_enc_reserve(e, 8, &p);
	if (r == 0) {
		xdr_put_be32(p, (uint32_t)(v >> 32));
		xdr_put_be32(p + 4, (uint32_t)v);
	}
	return r;
}

int xdr_enc_bool(struct xdr_enc *e, bool v)
{
	return xdr_enc_u32(e, v ? 1 : 0);
}

int xdr_enc_fixed_opaque(struct xdr_enc *e, const void *src, size_t n)
{
	uint8_t *p;
	int r = xdr_enc_reserve(e, n, &p);
	if (r == 0 && n)
		memcpy(p, src, n);
	return r;
}

int xdr_enc_opaque(struct xdr_enc *e, const void *src, size_t n, uint32_t max)
{
	if (n > max)
		return -EINVAL;
	size_t left = e->cap - e->pos;
	if (left < 4 || xdr_pad_len(n) > left - 4)
		return -ENOSPC;
	xdr_enc_u32(e, (uint32_t)n);
	return xdr_enc_fixed_opaque(e, src, n);
}

int xdr_enc_string(struct xdr_enc *e, const char *s, uint32_t max)
{
	size_t n = strnlen(s, (size_t)max + 1);
	return xdr_enc_opaque(e, s, n, max);
}
