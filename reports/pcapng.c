/*
 * pcapng.c - Section Header, Interface Description and Enhanced Packet
 * Blocks (pcapng.h), after the pcapng specification
 * (draft-ietf-opsawg-pcapng): every block is type, total length, body,
 * total length again; bodies and option values are padded to 32 bits.
 */
#include "reports/pcapng.h"

#include <errno.h>
#include <string.h>

#define BLOCK_SHB 0x0a0d0d0au
#define BLOCK_IDB 0x00000001u
#define BLOCK_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1a2b3c4du
#define OPT_END 0
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
/* 10^-9 s: the timestamps are nanoseconds */
#define TSRESOL_NS 9
/* Option texts longer than this are cut (an interface or program name). */
#define OPT_TEXT_MAX 256

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* Appends an option at buf+at (zero padding included); returns the new end. */
static size_t put_option(uint8_t *buf, size_t at, uint16_t code, const void *value, size_t len)
{
	put16(buf + at, code);
	put16(buf + at + 2, (uint16_t)len);
	memset(buf + at + 4, 0, pad4(len));
	if (len)
		memcpy(buf + at + 4, value, len);
	return at + 4 + pad4(len);
}

static size_t text_len(const char *s)
{
	size_t n = strlen(s);
	return n > OPT_TEXT_MAX ? OPT_TEXT_MAX : n;
}

/* Frames the body in buf[8..8+body) as a block and writes it. */
static int write_block(FILE *out, uint8_t *buf, uint32_t type, size_t body)
{
	uint32_t total = (uint32_t)(body + 12);
	put32(buf, type);
	put32(buf + 4, total);
	put32(buf + 8 + body, total);
	return fwrite(buf, 1, total, out) == total ? 0 : -EIO;
}

int pcapng_write_header(FILE *out, const char *application, const char *if_name,
			uint32_t snaplen)
{
	/* header 8, body: 16 fixed + 2 options of at most 4 + 256 + end 4, trailer 4 */
	uint8_t buf[8 + 16 + 2 * (4 + OPT_TEXT_MAX) + 4 + 4];
	size_t at = 8;
	put32(buf + at, BYTE_ORDER_MAGIC);
	put16(buf + at + 4, 1); /* version 1.0 */
	put16(buf + at + 6, 0);
	memset(buf + at + 8, 0xff, 8); /* section length: not given */
	at += 16;
	if (application) {
		at = put_option(buf, at, OPT_SHB_USERAPPL, application, text_len(application));
		at = put_option(buf, at, OPT_END, NULL, 0);
	}
	int rc = write_block(out, buf, BLOCK_SHB, at - 8);
	if (rc)
		return rc;

	at = 8;
	put16(buf + at, PCAPNG_LINKTYPE_ETHERNET);
	put16(buf + at + 2, 0);
	put32(buf + at + 4, snaplen);
	at += 8;
	if (if_name)
		at = put_option(buf, at, OPT_IF_NAME, if_name, text_len(if_name));
	uint8_t tsresol = TSRESOL_NS;
	at = put_option(buf, at, OPT_IF_TSRESOL, &tsresol, 1);
	at = put_option(buf, at, OPT_END, NULL, 0);
	return write_block(out, buf, BLOCK_IDB, at - 8);
}

int pcapng_write_packet(FILE *out, uint64_t ts_ns, const void *frame, uint32_t caplen,
			uint32_t origlen)
{
	if (caplen > origlen)
		return -EINVAL;
	uint8_t head[28], tail[4 + 4] = { 0 };
	size_t padded = pad4(caplen);
	uint32_t total = (uint32_t)(28 + padded + 4);
	put32(head, BLOCK_EPB);
	put32(head + 4, total);
	put32(head + 8, 0); /* interface 0: the one of the header */
	put32(head + 12, (uint32_t)(ts_ns >> 32));
	put32(head + 16, (uint32_t)ts_ns);
	put32(head + 20, caplen);
	put32(head + 24, origlen);
	/* the frame is written in place, then its padding and the trailer */
	size_t pad = padded - caplen;
	put32(tail + pad, total);
	if (fwrite(head, 1, sizeof(head), out) != sizeof(head) ||
	    (caplen && fwrite(frame, 1, caplen, out) != caplen) ||
	    fwrite(tail, 1, pad + 4, out) != pad + 4)
		return -EIO;
	return 0;
}
