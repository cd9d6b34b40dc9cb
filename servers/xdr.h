/*
 * xdr.h - bounded XDR cursors (RFC 4506) for the embedded RPC servers.
 *
 * A decode cursor reads from (buf, len); an encode cursor writes into
 * (buf, cap). Neither allocates: decoded opaques come back as pointers into
 * the decode buffer, strings are copied into a caller buffer. Every item is
 * a multiple of 4 bytes on the wire (RFC 4506 §3), big-endian.
 *
 * Errors: decoders return -EBADMSG when the input is short or breaks a
 * stated bound (a length over its maximum, a bool that is not 0 or 1, a NUL
 * inside a string); encoders return -ENOSPC when the buffer is full and
 * -EINVAL for a value they must never put on the wire (over its maximum).
 * On error the cursor position is unchanged and ret_* are not written, so a
 * caller may stop at the first error without cleaning up.
 *
 * Names use xdr_dec_* / xdr_enc_*: libtirpc (linked by some tests) owns the
 * plain xdr_* names.
 */
#ifndef PITEST_XDR_H
#define PITEST_XDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XDR_UNIT 4 /* every XDR item is padded to this */

/* Length of n bytes of opaque data once padded. */
static inline size_t xdr_pad_len(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

struct xdr_dec {
	const uint8_t *buf;
	size_t len;
	size_t pos;
};

struct xdr_enc {
	uint8_t *buf;
	size_t cap;
	size_t pos;
};

void xdr_dec_init(struct xdr_dec *d, const uint8_t *buf, size_t len);
/* Bytes not yet decoded. */
size_t xdr_dec_left(const struct xdr_dec *d);

int xdr_dec_u32(struct xdr_dec *d, uint32_t *ret_v);
int xdr_dec_i32(struct xdr_dec *d, int32_t *ret_v);
int xdr_dec_u64(struct xdr_dec *d, uint64_t *ret_v); /* unsigned hyper */
int xdr_dec_bool(struct xdr_dec *d, bool *ret_v);    /* 0 or 1, else -EBADMSG */
/*
 * opaque[n]: n bytes plus padding. *ret_p points into the decode buffer.
 * Pad bytes are not checked to be zero: RFC 4506 says senders write zeros,
 * and the Linux server does not check them either.
 */
int xdr_dec_fixed_opaque(struct xdr_dec *d, size_t n, const uint8_t **ret_p);
/* opaque<max>: a length (≤ max) then the bytes; *ret_p into the buffer. */
int xdr_dec_opaque(struct xdr_dec *d, uint32_t max, const uint8_t **ret_p, uint32_t *ret_len);
/*
 * string<max>, copied into out[out_size] and NUL-terminated; out_size must
 * be > max (else -EINVAL). A string containing NUL is refused (-EBADMSG):
 * names from the wire become C strings and paths.
 */
int xdr_dec_string(struct xdr_dec *d, uint32_t max, char *out, size_t out_size,
		   uint32_t *ret_len);
/* Skips n bytes plus padding. */
int xdr_dec_skip(struct xdr_dec *d, size_t n);

void xdr_enc_init(struct xdr_enc *e, uint8_t *buf, size_t cap);
int xdr_enc_u32(struct xdr_enc *e, uint32_t v);
int xdr_enc_i32(struct xdr_enc *e, int32_t v);
int xdr_enc_u64(struct xdr_enc *e, uint64_t v);
int xdr_enc_bool(struct xdr_enc *e, bool v);
/* opaque[n]: the bytes then zero padding. */
int xdr_enc_fixed_opaque(struct xdr_enc *e, const void *p, size_t n);
/* opaque<max>: -EINVAL when n > max. */
int xdr_enc_opaque(struct xdr_enc *e, const void *p, size_t n, uint32_t max);
/* string<max> from a C string: -EINVAL when longer than max. */
int xdr_enc_string(struct xdr_enc *e, const char *s, uint32_t max);
/*
 * Reserves n bytes (padded to 4, pad zeroed) and returns where they start,
 * for data written in place (READ payloads) or patched later (lengths).
 */
int xdr_enc_reserve(struct xdr_enc *e, size_t n, uint8_t **ret_p);

/* Big-endian helpers for patching already-encoded words. */
static inline void xdr_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t xdr_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
