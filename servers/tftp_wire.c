/*
 * tftp_wire.c - pure TFTP packet codec (RFC 1350, RFC 2347-2349, RFC 7440).
 *
 * Every string is read with memchr() bounded by the end of the datagram and
 * copied into a fixed-size field, so a parsed packet never reads past `len`
 * and holds no pointer into the input except DATA's payload view.
 */
#include "servers/tftp_wire.h"

#include <errno.h>
#include <string.h>

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ASCII only: names and modes are protocol keywords, never locale text. */
static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static void lower_in_place(char *s)
{
	for (; *s; s++)
		*s = ascii_lower(*s);
}

static bool equal_nocase(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower(*a) != ascii_lower(*b))
			return false;
	return *a == *b;
}

static const char *const modes[] = { "octet", "netascii", "mail" };

/* Returns the canonical lower-case spelling of `mode`, or NULL. */
static const char *canonical_mode(const char *mode)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (equal_nocase(mode, modes[i]))
			return modes[i];
	return NULL;
}

/* Copies the NUL-terminated string at *p (at most `max` characters) into
 * out and moves *p past its NUL. */
static int take_string(const uint8_t **p, const uint8_t *end, char *out, size_t max)
{
	const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
	if (!nul)
		return -EBADMSG;
	size_t n = (size_t)(nul - *p);
	if (n > max)
		return -EBADMSG;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p = nul + 1;
	return 0;
}

/* Reads name/value pairs up to the end of the datagram (RFC 2347 2). */
static int take_options(const uint8_t *p, const uint8_t *end, struct tftp_packet *pkt)
{
	while (p < end) {
		if (pkt->n_options >= TFTP_MAX_OPTIONS)
			return -EBADMSG;
		struct tftp_option *o = &pkt->options[pkt->n_options];
		if (take_string(&p, end, o->name, TFTP_MAX_OPT_NAME) < 0 || !o->name[0])
			return -EBADMSG;
		if (p >= end)
			return -EBADMSG; /* name without a value */
		if (take_string(&p, end, o->value, TFTP_MAX_OPT_VALUE) < 0 || !o->value[0])
			return -EBADMSG;
		lower_in_place(o->name);
		for (size_t i = 0; i < pkt->n_options; i++)
			if (strcmp(pkt->options[i].name, o->name) == 0)
				return -EBADMSG;
		pkt->n_options++;
	}
	return 0;
}

static int parse_request(const uint8_t *p, const uint8_t *end, struct tftp_packet *pkt)
{
	if (take_string(&p, end, pkt->filename, TFTP_MAX_FILENAME) < 0 || !pkt->filename[0])
		return -EBADMSG;
	if (take_string(&p, end, pkt->mode, TFTP_MAX_MODE) < 0)
		return -EBADMSG;
	/* RFC 1350: mode is case-insensitive ("NETASCII", "Octet"...). */
	const char *mode = canonical_mode(pkt->mode);
	if (!mode)
		return -EBADMSG;
	strcpy(pkt->mode, mode);
	return take_options(p, end, pkt);
}

int tftp_wire_parse(const uint8_t *buf, size_t len, struct tftp_packet *ret_pkt)
{
	static const struct tftp_packet zero;
	struct tftp_packet pkt = zero; /* ret_pkt is written only on success */

	if (!buf || len < 2)
		return -EBADMSG;
	const uint8_t *p = buf + 2;
	const uint8_t *end = buf + len;
	pkt.opcode = get_be16(buf);
	int r = 0;
	switch (pkt.opcode) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		r = parse_request(p, end, &pkt);
		break;
	case TFTP_OACK:
		r = take_options(p, end, &pkt);
		if (r == 0 && pkt.n_options == 0)
			r = -EBADMSG; /* an OACK acknowledges at least one option */
		break;
	case TFTP_DATA:
		if (len < TFTP_HEADER_LEN || len - TFTP_HEADER_LEN > TFTP_BLKSIZE_MAX)
			return -EBADMSG;
		pkt.block = get_be16(buf + 2);
		pkt.data = buf + TFTP_HEADER_LEN;
		pkt.data_len = len - TFTP_HEADER_LEN;
		break;
	case TFTP_ACK:
		if (len != TFTP_HEADER_LEN)
			return -EBADMSG;
		pkt.block = get_be16(buf + 2);
		break;
	case TFTP_ERROR:
		if (len < TFTP_HEADER_LEN + 1)
			return -EBADMSG;
		pkt.error_code = get_be16(buf + 2);
		p = buf + TFTP_HEADER_LEN;
		r = take_string(&p, end, pkt.error_msg, TFTP_MAX_ERRMSG);
		if (r == 0 && p != end)
			r = -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	if (r < 0)
		return -EBADMSG;
	*ret_pkt = pkt;
	return 0;
}

const char *tftp_packet_get_option(const struct tftp_packet *pkt, const char *name)
{
	for (size_t i = 0; i < pkt->n_options && i < TFTP_MAX_OPTIONS; i++)
		if (equal_nocase(pkt->options[i].name, name))
			return pkt->options[i].value;
	return NULL;
}

/* Length of s if it is 1..max characters (or 0..max with allow_empty), else -EINVAL. */
static int checked_len(const char *s, size_t max, bool allow_empty)
{
	if (!s)
		return -EINVAL;
	size_t n = strnlen(s, max + 1);
	if (n > max || (n == 0 && !allow_empty))
		return -EINVAL;
	return (int)n;
}

/* Rejects what the parser would reject, so built packets always parse. */
static int check_options(const struct tftp_option *opts, size_t n)
{
	if (n > TFTP_MAX_OPTIONS || (n && !opts))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (checked_len(opts[i].name, TFTP_MAX_OPT_NAME, false) < 0 ||
		    checked_len(opts[i].value, TFTP_MAX_OPT_VALUE, false) < 0)
			return -EINVAL;
		for (size_t k = 0; k < i; k++)
			if (equal_nocase(opts[k].name, opts[i].name))
				return -EINVAL;
	}
	return 0;
}

/* Appends s and its NUL at *pos; lengths were checked by the caller. */
static int put_string(uint8_t *buf, size_t cap, size_t *pos, const char *s)
{
	size_t n = strlen(s) + 1;
	if (cap - *pos < n)
		return -ENOSPC;
	memcpy(buf + *pos, s, n);
	*pos += n;
	return 0;
}

static int put_options(uint8_t *buf, size_t cap, size_t *pos, const struct tftp_option *opts,
		       size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (put_string(buf, cap, pos, opts[i].name) < 0 ||
		    put_string(buf, cap, pos, opts[i].value) < 0)
			return -ENOSPC;
	return 0;
}

int tftp_wire_build_rrq(uint8_t *buf, size_t cap, const char *filename, const char *mode,
			const struct tftp_option *opts, size_t n_opts)
{
	const char *canon = mode ? canonical_mode(mode) : NULL;
	if (checked_len(filename, TFTP_MAX_FILENAME, false) < 0 || !canon ||
	    check_options(opts, n_opts) < 0)
		return -EINVAL;
	if (!buf || cap < 2)
		return -ENOSPC;
	put_be16(buf, TFTP_RRQ);
	size_t pos = 2;
	if (put_string(buf, cap, &pos, filename) < 0 || put_string(buf, cap, &pos, canon) < 0 ||
	    put_options(buf, cap, &pos, opts, n_opts) < 0)
		return -ENOSPC;
	return (int)pos;
}

int tftp_wire_build_data(uint8_t *buf, size_t cap, uint16_t block, const uint8_t *data,
			 size_t len)
{
	if (len > TFTP_BLKSIZE_MAX || (len && !data))
		return -EINVAL;
	if (!buf || cap < TFTP_HEADER_LEN || cap - TFTP_HEADER_LEN < len)
		return -ENOSPC;
	put_be16(buf, TFTP_DATA);
	put_be16(buf + 2, block);
	if (len)
		memmove(buf + TFTP_HEADER_LEN, data, len); /* data may live in buf */
	return (int)(TFTP_HEADER_LEN + len);
}

int tftp_wire_build_ack(uint8_t *buf, size_t cap, uint16_t block)
{
	if (!buf || cap < TFTP_HEADER_LEN)
		return -ENOSPC;
	put_be16(buf, TFTP_ACK);
	put_be16(buf + 2, block);
	return TFTP_HEADER_LEN;
}

int tftp_wire_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg)
{
	if (!msg)
		msg = tftp_error_name(code);
	if (checked_len(msg, TFTP_MAX_ERRMSG, true) < 0)
		return -EINVAL;
	if (!buf || cap < TFTP_HEADER_LEN)
		return -ENOSPC;
	put_be16(buf, TFTP_ERROR);
	put_be16(buf + 2, code);
	size_t pos = TFTP_HEADER_LEN;
	if (put_string(buf, cap, &pos, msg) < 0)
		return -ENOSPC;
	return (int)pos;
}

int tftp_wire_build_oack(uint8_t *buf, size_t cap, const struct tftp_option *opts, size_t n_opts)
{
	if (n_opts == 0 || check_options(opts, n_opts) < 0)
		return -EINVAL;
	if (!buf || cap < 2)
		return -ENOSPC;
	put_be16(buf, TFTP_OACK);
	size_t pos = 2;
	if (put_options(buf, cap, &pos, opts, n_opts) < 0)
		return -ENOSPC;
	return (int)pos;
}

/* Plain unsigned decimal ("0", "1024"); no sign, spaces or hex. Values
 * above `max` give -ERANGE without overflowing. */
static int parse_decimal(const char *s, uint64_t max, uint64_t *ret)
{
	if (!*s)
		return -EBADMSG;
	for (const char *c = s; *c; c++)
		if (*c < '0' || *c > '9')
			return -EBADMSG;
	uint64_t v = 0;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

static void set_blksize(struct tftp_options *o, uint64_t v)
{
	o->has_blksize = true;
	o->blksize = (uint16_t)v;
}

static void set_tsize(struct tftp_options *o, uint64_t v)
{
	o->has_tsize = true;
	o->tsize = v;
}

static void set_timeout(struct tftp_options *o, uint64_t v)
{
	o->has_timeout = true;
	o->timeout = (uint8_t)v;
}

static void set_windowsize(struct tftp_options *o, uint64_t v)
{
	o->has_windowsize = true;
	o->windowsize = (uint16_t)v;
}

/* The options we understand and their RFC ranges. */
static const struct option_spec {
	const char *name;
	uint64_t min, max;
	void (*set)(struct tftp_options *o, uint64_t v);
} option_specs[] = {
	{ "blksize", TFTP_BLKSIZE_MIN, TFTP_BLKSIZE_MAX, set_blksize },       /* RFC 2348 */
	{ "tsize", 0, UINT64_MAX, set_tsize },                                /* RFC 2349 */
	{ "timeout", TFTP_TIMEOUT_MIN, TFTP_TIMEOUT_MAX, set_timeout },       /* RFC 2349 */
	{ "windowsize", TFTP_WINDOWSIZE_MIN, TFTP_WINDOWSIZE_MAX, set_windowsize }, /* RFC 7440 */
};

int tftp_options_from_packet(const struct tftp_packet *pkt, struct tftp_options *ret_opts)
{
	struct tftp_options o = { 0 };
	if (!pkt || (pkt->opcode != TFTP_RRQ && pkt->opcode != TFTP_WRQ &&
		     pkt->opcode != TFTP_OACK))
		return -EINVAL;
	for (size_t i = 0; i < pkt->n_options && i < TFTP_MAX_OPTIONS; i++) {
		const struct tftp_option *opt = &pkt->options[i];
		for (size_t k = 0; k < sizeof(option_specs) / sizeof(option_specs[0]); k++) {
			const struct option_spec *spec = &option_specs[k];
			if (!equal_nocase(opt->name, spec->name))
				continue;
			uint64_t v;
			int r = parse_decimal(opt->value, spec->max, &v);
			if (r < 0)
				return r;
			if (v < spec->min)
				return -ERANGE;
			spec->set(&o, v);
		}
	}
	/* RFC 2349: "In Read Request packets, a size of 0 is specified". */
	if (pkt->opcode == TFTP_RRQ && o.has_tsize && o.tsize != 0)
		return -ERANGE;
	*ret_opts = o;
	return 0;
}

/* Longest decimal of a uint64_t is 20 digits: fits TFTP_MAX_OPT_VALUE. */
static void format_u64(char *out, uint64_t v)
{
	char tmp[21];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

int tftp_options_to_list(const struct tftp_options *o, struct tftp_option *ret_list, size_t cap)
{
	struct tftp_option list[4];
	size_t n = 0;
	const struct {
		bool has;
		const char *name;
		uint64_t v;
	} order[] = {
		{ o->has_tsize, "tsize", o->tsize },
		{ o->has_blksize, "blksize", o->blksize },
		{ o->has_timeout, "timeout", o->timeout },
		{ o->has_windowsize, "windowsize", o->windowsize },
	};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!order[i].has)
			continue;
		strcpy(list[n].name, order[i].name);
		format_u64(list[n].value, order[i].v);
		n++;
	}
	if (n > cap || (n && !ret_list))
		return -ENOSPC;
	if (n)
		memcpy(ret_list, list, n * sizeof(list[0]));
	return (int)n;
}

const char *tftp_error_name(uint16_t code)
{
	static const char *const names[] = {
		[TFTP_ERR_UNDEFINED] = "Not defined, see error message",
		[TFTP_ERR_NOT_FOUND] = "File not found",
		[TFTP_ERR_ACCESS] = "Access violation",
		[TFTP_ERR_DISK_FULL] = "Disk full or allocation exceeded",
		[TFTP_ERR_ILLEGAL_OP] = "Illegal TFTP operation",
		[TFTP_ERR_UNKNOWN_TID] = "Unknown transfer ID",
		[TFTP_ERR_FILE_EXISTS] = "File already exists",
		[TFTP_ERR_NO_SUCH_USER] = "No such user",
		[TFTP_ERR_OPTION_NEGOTIATION] = "Option negotiation failed",
	};
	return code < sizeof(names) / sizeof(names[0]) ? names[code] : "Unknown error";
}

const char *tftp_opcode_name(uint16_t opcode)
{
	switch (opcode) {
	case TFTP_RRQ:
		return "RRQ";
	case TFTP_WRQ:
		return "WRQ";
	case TFTP_DATA:
		return "DATA";
	case TFTP_ACK:
		return "ACK";
	case TFTP_ERROR:
		return "ERROR";
	case TFTP_OACK:
		return "OACK";
	default:
		return "UNKNOWN";
	}
}
