/*
 * tftp_wire.h - pure TFTP packet codec (RFC 1350) with option extension
 * (RFC 2347) and the blksize, tsize, timeout and windowsize options
 * (RFC 2348, RFC 2349, RFC 7440).
 *
 * Parse turns one UDP payload into a struct tftp_packet; builders write one
 * payload into (buf, cap). No sockets, clocks or globals, so the TFTP
 * server, the virtual board's client, unit tests and the fuzzer all call
 * the same code. Everything is bounded by the TFTP_MAX_* limits below.
 *
 * Errors: parse returns -EBADMSG for malformed input; builders return the
 * length written, -ENOSPC when `cap` is too small, -EINVAL for arguments
 * they could never encode (empty filename, unknown mode, over-long strings).
 */
#ifndef PITEST_TFTP_WIRE_H
#define PITEST_TFTP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TFTP_SERVER_PORT 69
#define TFTP_DEFAULT_BLKSIZE 512
#define TFTP_BLKSIZE_MIN 8        /* RFC 2348 */
#define TFTP_BLKSIZE_MAX 65464    /* RFC 2348 */
#define TFTP_TIMEOUT_MIN 1        /* RFC 2349, seconds */
#define TFTP_TIMEOUT_MAX 255
#define TFTP_WINDOWSIZE_MIN 1     /* RFC 7440 */
#define TFTP_WINDOWSIZE_MAX 65535
#define TFTP_HEADER_LEN 4         /* opcode + block (DATA/ACK) or code (ERROR) */
#define TFTP_MAX_PACKET (TFTP_HEADER_LEN + TFTP_BLKSIZE_MAX)

/* Bounds of a parsed packet. Pi firmware sends at most two options and
 * filenames like "1a2b3c4d/overlays/foo.dtbo"; these leave ample room. */
#define TFTP_MAX_FILENAME 255     /* characters, without the NUL */
#define TFTP_MAX_MODE 8           /* "netascii" */
#define TFTP_MAX_OPTIONS 16
#define TFTP_MAX_OPT_NAME 32
#define TFTP_MAX_OPT_VALUE 64
#define TFTP_MAX_ERRMSG 255

enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6, /* RFC 2347 */
};

/* RFC 1350 error codes, plus 8 from RFC 2347. */
enum tftp_error_code {
	TFTP_ERR_UNDEFINED = 0,      /* Pi clients abort probes with 0 "Early terminate" */
	TFTP_ERR_NOT_FOUND = 1,
	TFTP_ERR_ACCESS = 2,
	TFTP_ERR_DISK_FULL = 3,
	TFTP_ERR_ILLEGAL_OP = 4,
	TFTP_ERR_UNKNOWN_TID = 5,
	TFTP_ERR_FILE_EXISTS = 6,
	TFTP_ERR_NO_SUCH_USER = 7,
	TFTP_ERR_OPTION_NEGOTIATION = 8,
};

/* One RFC 2347 option. Parsed names are lower-cased (names are
 * case-insensitive); values are kept as sent. */
struct tftp_option {
	char name[TFTP_MAX_OPT_NAME + 1];
	char value[TFTP_MAX_OPT_VALUE + 1];
};

/*
 * A parsed packet. Which fields are set depends on `opcode`; the others
 * are zero:
 *   RRQ/WRQ: filename, mode, options (possibly none)
 *   OACK:    options (at least one)
 *   DATA:    block, data, data_len
 *   ACK:     block
 *   ERROR:   error_code, error_msg
 * `data` points into the buffer given to tftp_wire_parse() and is valid
 * only as long as that buffer is; everything else is copied.
 */
struct tftp_packet {
	uint16_t opcode;                           /* enum tftp_opcode */
	char filename[TFTP_MAX_FILENAME + 1];
	char mode[TFTP_MAX_MODE + 1];              /* "octet", "netascii" or "mail" */
	size_t n_options;
	struct tftp_option options[TFTP_MAX_OPTIONS];
	uint16_t block;
	const uint8_t *data;
	size_t data_len;                           /* 0..TFTP_BLKSIZE_MAX */
	uint16_t error_code;                       /* any value; 0..8 are defined */
	char error_msg[TFTP_MAX_ERRMSG + 1];
};

/*
 * Parses one TFTP payload into *ret_pkt (written only on success).
 * Returns 0, or -EBADMSG for: length below the opcode's minimum, unknown
 * opcode, a string without its terminating NUL, empty filename, unknown
 * mode, an option name without a value, an empty option name or value,
 * a duplicate option (compared case-insensitively), more than
 * TFTP_MAX_OPTIONS options, a string over its TFTP_MAX_* bound, an OACK
 * without options, DATA over TFTP_BLKSIZE_MAX bytes, or bytes after the
 * end of an ACK or ERROR.
 */
int tftp_wire_parse(const uint8_t *buf, size_t len, struct tftp_packet *ret_pkt);

/* Value of option `name` (case-insensitive) in a parsed packet, or NULL. */
const char *tftp_packet_get_option(const struct tftp_packet *pkt, const char *name);

/*
 * Builders. Each writes one payload into buf and returns its length, or
 * -ENOSPC if it does not fit in `cap`, or -EINVAL for arguments that
 * tftp_wire_parse() would reject (so whatever builds also parses back).
 */
/* RRQ for the client: `mode` is matched case-insensitively and written in
 * lower case; options in the order given (NULL with n_opts 0 for none). */
int tftp_wire_build_rrq(uint8_t *buf, size_t cap, const char *filename, const char *mode,
			const struct tftp_option *opts, size_t n_opts);
/* DATA: len at most TFTP_BLKSIZE_MAX; data may be NULL when len is 0. */
int tftp_wire_build_data(uint8_t *buf, size_t cap, uint16_t block, const uint8_t *data,
			 size_t len);
int tftp_wire_build_ack(uint8_t *buf, size_t cap, uint16_t block);
/* ERROR: msg NULL means tftp_error_name(code). */
int tftp_wire_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg);
/* OACK: at least one option (RFC 2347: the server omits those it refuses). */
int tftp_wire_build_oack(uint8_t *buf, size_t cap, const struct tftp_option *opts, size_t n_opts);

/* The options this project understands, decoded and range-checked. */
struct tftp_options {
	bool has_blksize;
	uint16_t blksize;       /* 8..65464 */
	bool has_tsize;
	uint64_t tsize;         /* 0 in an RRQ; the file size in WRQ and OACK */
	bool has_timeout;
	uint8_t timeout;        /* 1..255 seconds */
	bool has_windowsize;
	uint16_t windowsize;    /* 1..65535 */
};

/*
 * Decodes blksize, tsize, timeout and windowsize from an RRQ, WRQ or OACK
 * into *ret_opts (written only on success). Unknown options are ignored,
 * as RFC 2347 requires of a server. Returns 0; -EINVAL if pkt is not one
 * of those opcodes; -EBADMSG if a value is not a plain decimal number;
 * -ERANGE if it is out of its RFC range (or a nonzero tsize in an RRQ).
 * A server answers both with ERROR 8 or by ignoring the options.
 */
int tftp_options_from_packet(const struct tftp_packet *pkt, struct tftp_options *ret_opts);

/*
 * Writes the options set in `o` as name/value pairs (order tsize, blksize,
 * timeout, windowsize, as Pi firmware sends them) for the RRQ and OACK
 * builders. Returns the count (0..4), or -ENOSPC if `cap` is too small.
 */
int tftp_options_to_list(const struct tftp_options *o, struct tftp_option *ret_list, size_t cap);

/* RFC 1350 text for an error code ("File not found"...), "Unknown error" otherwise. */
const char *tftp_error_name(uint16_t code);
/* "RRQ", "WRQ", "DATA", "ACK", "ERROR", "OACK" or "UNKNOWN". */
const char *tftp_opcode_name(uint16_t opcode);

#endif
