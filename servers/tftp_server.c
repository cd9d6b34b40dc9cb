/*
 * tftp_server.c - the TFTP protocol engine: read requests, option
 * negotiation, lock-step and windowed (RFC 7440) transfers, retransmission,
 * faults. No sockets and no clocks: every entry takes `now` and fills a
 * struct tftp_step (datagrams to send now, when to be woken, done or not).
 * File data is read with pread() from the fd tftp_path_open() returned,
 * into a per-transfer buffer of one window of packets, allocated once.
 *
 * Block numbers: the engine counts blocks in 64 bits (1, 2, ...); on the
 * wire a block is that count modulo 65536, so block 65536 goes out as 0,
 * as tftpd-hpa and atftp do. An ACK is mapped back to the latest count at
 * or below the highest block sent that has the same low 16 bits.
 *
 * ACKs: an ACK for a block already acknowledged is ignored, never answered
 * (the "Sorcerer's Apprentice" bug of RFC 1350, fixed by RFC 1123 4.2.3.1);
 * only the retransmission timer resends. An ACK for block k below the last
 * block sent (a window partly lost) makes the window restart at k + 1.
 *
 * Decisions:
 *  - netascii and mail modes are refused (ERROR 2 "Only octet mode is
 *    supported"): every client we serve (Pi ROM, bootloaders, firmware,
 *    tftp -m binary, atftp, curl) asks octet.
 *  - faults "truncate": the file ends at `bytes`, but the OACK's tsize is
 *    the real size, so a client that checks tsize can notice.
 *  - faults "corrupt": with `value`, the bytes at file offset `bytes` are
 *    replaced by `value` ("hex:..." for raw bytes); without, 4 bytes are
 *    inverted at offset `bytes` if nonzero, else at the start of the block
 *    the rule fired on. Either way the damage stays for the whole transfer
 *    (retransmissions carry it too), as a corrupt file on disk would.
 *  - faults "stall": from that block on nothing is sent, retransmissions
 *    included; the timer still counts the retries and gives up as usual.
 *  - retransmission timeout: the client's `timeout` option if it sent one,
 *    else timeout_ms; doubled on each retry up to 4 times the base.
 */
#include "servers/tftp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "harness/fault.h"
#include "harness/timeline.h"
#include "servers/tftp_path.h"

/*
 * Bound on one window's bytes, hence on a transfer's packet buffer. It also
 * keeps a window inside a default socket receive buffer (rmem_default is
 * 208 KiB, and the kernel counts about twice the payload per datagram on
 * loopback): a window that overflows the client's buffer loses its tail
 * every time, and RFC 7440 clients only notice at their timeout. So large
 * blocks get a smaller window in the OACK (RFC 7440 lets the server answer
 * less than asked): 64 x 1468, 23 x 4096, 11 x 8192, 1 x 65464.
 */
#define WINDOW_BYTES_MAX (96u * 1024)
#define CTL_CAP 1200                 /* an OACK (4 options) or an ERROR */
#define ERROR_TRANSFERS_EXTRA 64     /* refusals still answered past max_transfers */
#define CORRUPT_MAX 128

enum xfer_state {
	XS_ERROR,   /* one ERROR to send, then done */
	XS_OACK,    /* OACK sent, waiting for ACK 0 */
	XS_DATA,
	XS_STALLED, /* fault: silent until the retries run out */
	XS_DONE,
};

struct tftp_server {
	struct tftp_server_config cfg;
	struct tftp_server_extra extra;
	struct timeline *tl;
	struct fault_engine *faults;
	int root_fd;
	size_t n_transfers;
	TAILQ_HEAD(, tftp_transfer) transfers;
};

struct tftp_transfer {
	TAILQ_ENTRY(tftp_transfer) link;
	struct tftp_server *srv;
	void *user;
	enum xfer_state state;
	uint32_t ip;
	uint16_t port;
	char board[32];
	char model[16];
	char file[TFTP_MAX_FILENAME + 1];
	int fd;
	uint64_t size;           /* real file size */
	uint64_t limit;          /* bytes served (truncate fault) */
	uint16_t blksize;
	uint16_t windowsize;
	double rto;              /* base retransmission timeout, seconds */
	uint64_t nblocks;        /* DATA packets in the file, the last one short */
	uint64_t acked;          /* highest block acknowledged (0 = none) */
	uint64_t next;           /* next block to send */
	uint64_t highest;        /* highest block sent (or dropped on purpose) */
	uint64_t queried;        /* highest block the "data" faults were asked about */
	unsigned retries;
	uint64_t retransmits;
	double start;
	double deadline;         /* retransmission due; 0 = none */
	double hold_until;       /* fault delay or rate pacing; 0 = none */
	double pace_next;
	double rate_wall;        /* bytes per wall second; 0 = unlimited */
	bool ctl_sent;
	bool oack_drop;
	bool oack_reported;
	/* corrupt fault: the patch applied to every block it overlaps */
	bool corrupt;
	bool corrupt_xor;
	uint64_t corrupt_off;
	size_t corrupt_len;
	uint8_t corrupt_bytes[CORRUPT_MAX];
	/* buffers */
	uint8_t ctl[CTL_CAP];
	size_t ctl_len;
	char oack_desc[160];
	uint8_t *slots;          /* windowsize packets of 4 + blksize bytes */
	size_t slot_size;
	struct tftp_out *outs;
	size_t n_out, cap_out;
	struct tftp_out out_one; /* for transfers without slots (ERROR only) */
};

/* ---- helpers ---------------------------------------------------------- */

static double wall_seconds(const struct tftp_server *srv, double board_s)
{
	double scale = srv->cfg.time_scale > 0 ? srv->cfg.time_scale : 1.0;
	return board_s / scale;
}

/*
 * Retransmission timeouts are board time like every other delay: a virtual
 * board running time_scale times faster gives a file up that much sooner
 * (a Pi 1-3 after 10 s without data), and the server must keep its ratio
 * to that. Floored so a large scale cannot make the server spin.
 */
static double board_timeout(const struct tftp_server *srv, double board_s)
{
	double wall = wall_seconds(srv, board_s);
	return wall < 0.02 ? 0.02 : wall;
}

static void fmt_u64(char *buf, size_t cap, uint64_t v)
{
	snprintf(buf, cap, "%" PRIu64, v);
}

static bool emitting(const struct tftp_transfer *x)
{
	return x->srv->tl != NULL;
}

static void emit_error(struct tftp_transfer *x, uint16_t code, const char *msg, const char *sent)
{
	if (!emitting(x))
		return;
	char c[8];
	snprintf(c, sizeof(c), "%u", code);
	timeline_emit(x->srv->tl, x->board, "tftp.error", "file", x->file, "code", c, "message",
		      msg, "sent", sent, NULL);
}

static void emit_refused(struct tftp_transfer *x, const char *reason)
{
	if (emitting(x))
		timeline_emit(x->srv->tl, x->board, "tftp.refused", "file", x->file, "reason", reason,
			      NULL);
}

/* Turns the transfer into "send this ERROR, then done". */
static void set_error(struct tftp_transfer *x, uint16_t code, const char *msg)
{
	int n = tftp_wire_build_error(x->ctl, sizeof(x->ctl), code, msg);
	if (n < 0)
		n = tftp_wire_build_error(x->ctl, sizeof(x->ctl), code, NULL);
	x->ctl_len = n > 0 ? (size_t)n : 0;
	x->state = XS_ERROR;
}

static void refuse(struct tftp_transfer *x, uint16_t code, const char *msg, const char *reason)
{
	set_error(x, code, msg);
	emit_refused(x, reason);
}

static void fail(struct tftp_transfer *x, uint16_t code, const char *msg)
{
	set_error(x, code, msg);
	emit_error(x, code, msg ? msg : tftp_error_name(code), "server");
}

static const struct fault_rule *query(struct tftp_transfer *x, const char *what, unsigned block)
{
	if (!x->srv->faults)
		return NULL;
	struct fault_query q = {
		.server = "tftp",
		.what = what,
		.file = x->file,
		.block = block,
		.board = x->board,
		.model = x->model,
	};
	return fault_engine_query(x->srv->faults, &q);
}

static void push_out(struct tftp_transfer *x, const uint8_t *buf, size_t len)
{
	if (len == 0)
		return;
	if (!x->outs) {
		x->out_one = (struct tftp_out){ buf, len };
		x->n_out = 1;
		return;
	}
	if (x->n_out < x->cap_out)
		x->outs[x->n_out++] = (struct tftp_out){ buf, len };
}

static double rto_now(const struct tftp_transfer *x)
{
	unsigned shift = x->retries < 2 ? x->retries : 2;
	return x->rto * (double)(1u << shift);
}

static void step_begin(struct tftp_transfer *x)
{
	x->n_out = 0;
}

static void step_finish(struct tftp_transfer *x, struct tftp_step *ret)
{
	ret->out = x->outs ? x->outs : &x->out_one;
	ret->n_out = x->n_out;
	ret->done = x->state == XS_DONE;
	double w = 0;
	if (!ret->done) {
		if (x->hold_until > 0)
			w = x->hold_until;
		if (x->deadline > 0 && (w == 0 || x->deadline < w))
			w = x->deadline;
	}
	ret->wake = w;
}

/* ---- data ------------------------------------------------------------- */

static size_t block_len(const struct tftp_transfer *x, uint64_t b)
{
	uint64_t off = (b - 1) * x->blksize;
	uint64_t left = x->limit - off;
	return left < x->blksize ? (size_t)left : x->blksize;
}

static void apply_corrupt(const struct tftp_transfer *x, uint64_t off, uint8_t *data, size_t len)
{
	uint64_t a = x->corrupt_off, e = x->corrupt_off + x->corrupt_len;
	uint64_t lo = a > off ? a : off, hi = e < off + len ? e : off + len;
	for (uint64_t p = lo; p < hi; p++) {
		if (x->corrupt_xor)
			data[p - off] ^= 0xff;
		else
			data[p - off] = x->corrupt_bytes[p - a];
	}
}

/* "hex:0a0b..." to bytes, anything else taken literally. */
static size_t decode_value(const char *v, uint8_t *out, size_t cap)
{
	size_t n = 0;
	if (strncmp(v, "hex:", 4) == 0) {
		for (const char *p = v + 4; p[0] && p[1] && n < cap; p += 2) {
			char h[3] = { p[0], p[1], 0 };
			char *end;
			unsigned long b = strtoul(h, &end, 16);
			if (*end)
				break;
			out[n++] = (uint8_t)b;
		}
		return n;
	}
	n = strlen(v);
	if (n > cap)
		n = cap;
	memcpy(out, v, n);
	return n;
}

static void set_corrupt(struct tftp_transfer *x, uint64_t b, const struct fault_rule *rule)
{
	x->corrupt = true;
	if (rule->value[0]) {
		x->corrupt_xor = false;
		/* no offset given: the start of the block the rule fired on */
		x->corrupt_off = rule->bytes ? rule->bytes : (b - 1) * x->blksize;
		x->corrupt_len = decode_value(rule->value, x->corrupt_bytes, sizeof(x->corrupt_bytes));
	} else {
		x->corrupt_xor = true;
		x->corrupt_off = rule->bytes ? rule->bytes : (b - 1) * x->blksize;
		x->corrupt_len = 4;
	}
}

/* Reads block b into its slot and writes the DATA header. 0 or -errno. */
static int load_block(struct tftp_transfer *x, uint64_t b, uint8_t **ret_pkt, size_t *ret_len)
{
	uint8_t *pkt = x->slots + (size_t)((b - 1) % x->windowsize) * x->slot_size;
	size_t len = block_len(x, b);
	uint64_t off = (b - 1) * x->blksize;
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(x->fd, pkt + TFTP_HEADER_LEN + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA; /* the file shrank under us */
		got += (size_t)n;
	}
	if (x->corrupt)
		apply_corrupt(x, off, pkt + TFTP_HEADER_LEN, len);
	pkt[0] = 0;
	pkt[1] = TFTP_DATA;
	pkt[2] = (uint8_t)(b >> 8);
	pkt[3] = (uint8_t)b;
	*ret_pkt = pkt;
	*ret_len = TFTP_HEADER_LEN + len;
	return 0;
}

/* Sends what the window, holds and pacing allow, from x->next on. */
static void send_window(struct tftp_transfer *x, double now)
{
	bool sent = false;
	while (x->state == XS_DATA && x->next <= x->nblocks &&
	       x->next <= x->acked + x->windowsize) {
		uint64_t b = x->next;
		bool first = b > x->highest;
		unsigned copies = 1;
		if (b > x->queried) {
			x->queried = b;
			const struct fault_rule *rule = query(x, "data", b > UINT32_MAX ? 0 : (unsigned)b);
			if (rule) {
				switch (rule->action) {
				case FAULT_DROP:
					copies = 0;
					break;
				case FAULT_DELAY:
					x->hold_until = now + wall_seconds(x->srv, rule->delay_s);
					x->deadline = 0;
					return;
				case FAULT_STALL:
					x->state = XS_STALLED;
					x->deadline = now + rto_now(x);
					return;
				case FAULT_DUPLICATE:
					copies = 2;
					break;
				case FAULT_CORRUPT:
					set_corrupt(x, b, rule);
					break;
				default:
					break;
				}
			}
		}
		if (x->rate_wall > 0 && now < x->pace_next) {
			x->hold_until = x->pace_next;
			x->deadline = 0;
			return;
		}
		uint8_t *pkt = NULL;
		size_t len = 0;
		if (copies) {
			int r = load_block(x, b, &pkt, &len);
			if (r < 0) {
				x->n_out = 0;
				fail(x, TFTP_ERR_UNDEFINED, "Read error");
				push_out(x, x->ctl, x->ctl_len);
				x->state = XS_DONE;
				return;
			}
			for (unsigned i = 0; i < copies; i++)
				push_out(x, pkt, len);
			if (x->rate_wall > 0) {
				double base = x->pace_next > now ? x->pace_next : now;
				x->pace_next = base + (double)len / x->rate_wall;
			}
		}
		if (!first)
			x->retransmits++;
		if (b > x->highest)
			x->highest = b;
		x->next++;
		sent = true;
	}
	if (sent || x->deadline == 0)
		x->deadline = now + rto_now(x);
}

static void report_oack(struct tftp_transfer *x)
{
	if (x->oack_reported)
		return;
	x->oack_reported = true;
	if (emitting(x))
		timeline_emit(x->srv->tl, x->board, "tftp.oack", "file", x->file, "options",
			      x->oack_desc, NULL);
}

/* Moves the transfer as far as it can go now. */
static void pump(struct tftp_transfer *x, double now)
{
	if (x->hold_until > now)
		return;
	x->hold_until = 0;
	switch (x->state) {
	case XS_ERROR:
		push_out(x, x->ctl, x->ctl_len);
		x->state = XS_DONE;
		break;
	case XS_OACK:
		if (!x->ctl_sent) {
			x->ctl_sent = true;
			if (!x->oack_drop) {
				push_out(x, x->ctl, x->ctl_len);
				report_oack(x);
			}
			x->deadline = now + rto_now(x);
		}
		break;
	case XS_DATA:
		send_window(x, now);
		break;
	default:
		break;
	}
}

static void finish_done(struct tftp_transfer *x, double now)
{
	x->state = XS_DONE;
	if (!emitting(x))
		return;
	double dur = now - x->start;
	char bytes[24], blocks[24], bs[8], ws[8], d[32], rate[32], rx[24];
	fmt_u64(bytes, sizeof(bytes), x->limit);
	fmt_u64(blocks, sizeof(blocks), x->nblocks);
	snprintf(bs, sizeof(bs), "%u", x->blksize);
	snprintf(ws, sizeof(ws), "%u", x->windowsize);
	snprintf(d, sizeof(d), "%.6f", dur);
	snprintf(rate, sizeof(rate), "%.0f", dur > 0 ? (double)x->limit / dur : 0.0);
	fmt_u64(rx, sizeof(rx), x->retransmits);
	timeline_emit(x->srv->tl, x->board, "tftp.done", "file", x->file, "bytes", bytes, "blocks",
		      blocks, "blksize", bs, "windowsize", ws, "duration", d, "rate", rate,
		      "retransmits", rx, NULL);
}

static void on_ack(struct tftp_transfer *x, uint16_t block, double now)
{
	if (x->state == XS_OACK) {
		if (block != 0)
			return;
		report_oack(x); /* a client may ACK an OACK we "dropped" but sent on retry */
		x->state = XS_DATA;
		x->retries = 0;
		x->deadline = 0;
		pump(x, now);
		return;
	}
	if (x->state != XS_DATA)
		return; /* stalled: silent whatever comes */
	uint64_t a = x->highest - (uint16_t)((uint16_t)x->highest - block);
	if (a > x->highest || a <= x->acked)
		return; /* duplicate or stale: never answered (Sorcerer's Apprentice) */
	x->acked = a;
	x->retries = 0;
	x->deadline = 0;
	if (a == x->nblocks) {
		finish_done(x, now);
		return;
	}
	x->next = a + 1; /* past a lost part of the window: go back to it */
	pump(x, now);
}

static void on_client_error(struct tftp_transfer *x, const struct tftp_packet *pkt)
{
	bool early = x->acked == 0 && x->highest <= 1 &&
		     (x->state == XS_OACK || x->state == XS_DATA);
	if (pkt->error_code == TFTP_ERR_UNDEFINED && early) {
		/* The Pi firmware's existence check (pi-netboot.md 3.2): not a failure. */
		if (emitting(x)) {
			char bytes[24];
			fmt_u64(bytes, sizeof(bytes), x->highest ? block_len(x, 1) : 0);
			timeline_emit(x->srv->tl, x->board, "tftp.probe", "file", x->file, "bytes",
				      bytes, NULL);
		}
	} else {
		emit_error(x, pkt->error_code, pkt->error_msg, "client");
	}
	x->state = XS_DONE;
}

static void on_timeout(struct tftp_transfer *x, double now)
{
	x->deadline = 0;
	if (x->retries >= x->srv->cfg.max_retries) {
		if (emitting(x)) {
			char blk[24], rt[16];
			fmt_u64(blk, sizeof(blk), x->state == XS_OACK ? 0 : x->acked + 1);
			snprintf(rt, sizeof(rt), "%u", x->retries);
			timeline_emit(x->srv->tl, x->board, "tftp.timeout", "file", x->file, "block",
				      blk, "retries", rt, NULL);
		}
		x->state = XS_DONE;
		return;
	}
	x->retries++;
	switch (x->state) {
	case XS_OACK:
		push_out(x, x->ctl, x->ctl_len);
		report_oack(x);
		x->retransmits++;
		x->deadline = now + rto_now(x);
		break;
	case XS_DATA:
		x->next = x->acked + 1; /* go-back-N: the whole window again */
		send_window(x, now);
		break;
	case XS_STALLED:
		x->deadline = now + rto_now(x);
		break;
	default:
		break;
	}
}

/* ---- entries ---------------------------------------------------------- */

void tftp_transfer_handle(struct tftp_transfer *x, const uint8_t *buf, size_t len, double now,
			  struct tftp_step *ret_step)
{
	step_begin(x);
	if (x->state != XS_DONE && buf && len >= 4) {
		uint16_t op = (uint16_t)(buf[0] << 8 | buf[1]);
		if (op == TFTP_ACK && len == 4) {
			/* The hot path: no full parse per ACK. */
			on_ack(x, (uint16_t)(buf[2] << 8 | buf[3]), now);
		} else if (op == TFTP_ERROR) {
			struct tftp_packet pkt;
			if (tftp_wire_parse(buf, len, &pkt) == 0)
				on_client_error(x, &pkt);
		}
		/* Anything else on a transfer's socket is ignored: answering it
		 * could only confuse a client that is mid-transfer. */
	}
	step_finish(x, ret_step);
}

void tftp_transfer_timer(struct tftp_transfer *x, double now, struct tftp_step *ret_step)
{
	step_begin(x);
	if (x->state != XS_DONE) {
		if (x->hold_until > 0) {
			pump(x, now);
		} else if (x->deadline > 0 && now >= x->deadline) {
			on_timeout(x, now);
		}
	}
	step_finish(x, ret_step);
}

void tftp_transfer_abort(struct tftp_transfer *x, const char *why, double now,
			 struct tftp_step *ret_step)
{
	(void)now;
	step_begin(x);
	if (x->state != XS_DONE) {
		fail(x, TFTP_ERR_UNDEFINED, why ? why : "Transfer aborted");
		push_out(x, x->ctl, x->ctl_len);
		x->state = XS_DONE;
	}
	step_finish(x, ret_step);
}

void tftp_transfer_set_user(struct tftp_transfer *x, void *user)
{
	x->user = user;
}

void *tftp_transfer_get_user(const struct tftp_transfer *x)
{
	return x->user;
}

void tftp_transfer_free(struct tftp_transfer *x)
{
	if (!x)
		return;
	TAILQ_REMOVE(&x->srv->transfers, x, link);
	x->srv->n_transfers--;
	if (x->fd >= 0)
		close(x->fd);
	free(x->slots);
	free(x->outs);
	free(x);
}

/* ---- request ---------------------------------------------------------- */

/* Plain decimal, any size (clamped to UINT64_MAX). Returns false if not a number. */
static bool parse_number(const char *s, uint64_t *ret)
{
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
	}
	*ret = v;
	return true;
}

/*
 * RFC 2347: options the server does not accept are left out of the OACK;
 * values out of range are clamped (blksize, windowsize: RFC 2348 and 7440
 * let the server answer smaller) or the option is ignored. Returns the
 * accepted set.
 */
static struct tftp_options negotiate(const struct tftp_transfer *x, const struct tftp_packet *pkt)
{
	const struct tftp_server_config *cfg = &x->srv->cfg;
	struct tftp_options o = { 0 };
	uint64_t v;
	const char *s = tftp_packet_get_option(pkt, "blksize");
	if (s && parse_number(s, &v) && v >= TFTP_BLKSIZE_MIN) {
		o.has_blksize = true;
		o.blksize = (uint16_t)(v > cfg->max_blksize ? cfg->max_blksize : v);
	}
	s = tftp_packet_get_option(pkt, "tsize");
	if (s && parse_number(s, &v)) {
		o.has_tsize = true;
		o.tsize = x->size; /* RFC 2349: the real size (also under truncate) */
	}
	s = tftp_packet_get_option(pkt, "timeout");
	if (s && parse_number(s, &v) && v >= TFTP_TIMEOUT_MIN && v <= TFTP_TIMEOUT_MAX) {
		o.has_timeout = true;
		o.timeout = (uint8_t)v;
	}
	s = tftp_packet_get_option(pkt, "windowsize");
	if (s && parse_number(s, &v) && v >= TFTP_WINDOWSIZE_MIN) {
		uint16_t bs = o.has_blksize ? o.blksize : TFTP_DEFAULT_BLKSIZE;
		uint64_t cap = WINDOW_BYTES_MAX / (bs + TFTP_HEADER_LEN);
		if (cap > cfg->max_windowsize)
			cap = cfg->max_windowsize;
		if (cap < 1)
			cap = 1;
		o.has_windowsize = true;
		o.windowsize = (uint16_t)(v > cap ? cap : v);
	}
	return o;
}

/* Events and fault globs see printable ASCII only: hostile names must
 * not put control bytes or broken UTF-8 into the timeline. */
static void printable(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s >= 0x7f)
			*s = '?';
}

static void describe_options(const struct tftp_option *opts, size_t n, char *buf, size_t cap)
{
	size_t pos = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && pos < cap; i++) {
		int w = snprintf(buf + pos, cap - pos, "%s%s=%s", i ? " " : "", opts[i].name,
				 opts[i].value);
		if (w < 0)
			break;
		pos += (size_t)w;
	}
}

static int setup_buffers(struct tftp_transfer *x)
{
	x->slot_size = TFTP_HEADER_LEN + (size_t)x->blksize;
	x->slots = malloc(x->slot_size * x->windowsize);
	x->cap_out = 2 * (size_t)x->windowsize + 2;
	x->outs = calloc(x->cap_out, sizeof(*x->outs));
	return x->slots && x->outs ? 0 : -ENOMEM;
}

/* The directory the request is resolved in: a board root, a unique root, or the lab root.
 * Returns an fd to close when *ret_own is set. */
static int pick_root(struct tftp_transfer *x, const char *board_root, bool *ret_own)
{
	struct tftp_server *srv = x->srv;
	int base = srv->root_fd;
	*ret_own = false;
	if (board_root[0]) {
		base = open(board_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (base < 0)
			return -errno;
		*ret_own = true;
	}
	char sub[32] = "";
	if (srv->extra.unique_root == TFTP_UNIQUE_ROOT_IP) {
		inet_ntop(AF_INET, &x->ip, sub, sizeof(sub));
	} else if (srv->extra.unique_root == TFTP_UNIQUE_ROOT_MAC && srv->extra.mac) {
		uint8_t m[6];
		if (srv->extra.mac(srv->extra.mac_ctx, x->ip, m))
			snprintf(sub, sizeof(sub), "%02x-%02x-%02x-%02x-%02x-%02x", m[0], m[1], m[2],
				 m[3], m[4], m[5]);
	}
	if (sub[0]) {
		/* dnsmasq tftp-unique-root: used only when that directory exists. */
		int u = openat(base, sub, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (u >= 0) {
			if (*ret_own)
				close(base);
			*ret_own = true;
			return u;
		}
	}
	return base;
}

static bool duplicate_rrq(const struct tftp_server *srv, uint32_t ip, uint16_t port,
			  const char *file)
{
	const struct tftp_transfer *t;
	/* Only while the client has acknowledged nothing can the same RRQ be a
	 * retransmission. Pi boot code that starts over reuses its port
	 * sequence (49153, 49154...), so an RRQ after progress is a new read. */
	TAILQ_FOREACH(t, &srv->transfers, link)
		if (t->ip == ip && t->port == port && t->state != XS_DONE &&
		    t->state != XS_STALLED && t->acked == 0 && strcmp(t->file, file) == 0)
			return true;
	return false;
}

static struct tftp_transfer *transfer_new(struct tftp_server *srv, uint32_t ip, uint16_t port,
					  const char *file, double now)
{
	struct tftp_transfer *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->srv = srv;
	x->fd = -1;
	x->ip = ip;
	x->port = port;
	x->start = now;
	x->blksize = TFTP_DEFAULT_BLKSIZE;
	x->windowsize = 1;
	x->rto = board_timeout(srv, srv->cfg.timeout_ms / 1000.0);
	snprintf(x->file, sizeof(x->file), "%s", file);
	printable(x->file);
	TAILQ_INSERT_TAIL(&srv->transfers, x, link);
	srv->n_transfers++;
	return x;
}

/* An RRQ that will be served (or answered with ERROR 1) after path checks. */
static int start_read(struct tftp_transfer *x, const struct tftp_packet *pkt, const char *board_root,
		      double now, bool *ret_drop)
{
	struct tftp_server *srv = x->srv;
	*ret_drop = false;
	if (strcmp(pkt->mode, "octet") != 0) {
		refuse(x, TFTP_ERR_ACCESS, "Only octet mode is supported", "mode not supported");
		return 0;
	}
	bool own_root;
	int root = pick_root(x, board_root, &own_root);
	if (root < 0) {
		refuse(x, TFTP_ERR_ACCESS, NULL, "board root unavailable");
		return 0;
	}
	const char *reason = NULL;
	int r = tftp_path_open(root, pkt->filename, &x->fd, &x->size, &reason);
	if (own_root)
		close(root);
	if (r < 0 && r != -ENOENT) {
		refuse(x, TFTP_ERR_ACCESS, NULL, reason);
		return 0;
	}
	bool ignore_options = false;
	uint64_t limit = r == 0 ? x->size : 0;
	const struct fault_rule *rule = query(x, "rrq", 0);
	if (rule) {
		switch (rule->action) {
		case FAULT_DROP:
			*ret_drop = true;
			return 0;
		case FAULT_ERROR:
			fail(x, (uint16_t)rule->code, rule->message[0] ? rule->message : NULL);
			return 0;
		case FAULT_MISSING:
			fail(x, TFTP_ERR_NOT_FOUND, NULL);
			return 0;
		case FAULT_DELAY:
			x->hold_until = now + wall_seconds(srv, rule->delay_s);
			break;
		case FAULT_TRUNCATE:
			if (rule->bytes < limit)
				limit = rule->bytes;
			break;
		case FAULT_RATE:
			if (rule->rate > 0) {
				double scale = srv->cfg.time_scale > 0 ? srv->cfg.time_scale : 1.0;
				x->rate_wall = (double)rule->rate * scale;
			}
			break;
		case FAULT_IGNORE_OPTIONS:
			ignore_options = true;
			break;
		default:
			break;
		}
	}
	if (r == -ENOENT) {
		fail(x, TFTP_ERR_NOT_FOUND, NULL);
		return 0;
	}
	if (srv->n_transfers > srv->cfg.max_transfers) {
		fail(x, TFTP_ERR_UNDEFINED, "Too many transfers");
		return 0;
	}
	x->limit = limit;
	struct tftp_options o = { 0 };
	if (!ignore_options)
		o = negotiate(x, pkt);
	if (o.has_blksize)
		x->blksize = o.blksize;
	if (o.has_windowsize)
		x->windowsize = o.windowsize;
	if (o.has_timeout)
		x->rto = board_timeout(srv, o.timeout);
	x->nblocks = x->limit / x->blksize + 1;
	x->next = 1;
	if (setup_buffers(x) < 0)
		return -ENOMEM;
	struct tftp_option list[4];
	int n = tftp_options_to_list(&o, list, 4);
	if (n > 0) {
		int len = tftp_wire_build_oack(x->ctl, sizeof(x->ctl), list, (size_t)n);
		if (len < 0)
			return -EINVAL; /* cannot happen: bounded values */
		x->ctl_len = (size_t)len;
		describe_options(list, (size_t)n, x->oack_desc, sizeof(x->oack_desc));
		x->state = XS_OACK;
		const struct fault_rule *orule = query(x, "oack", 0);
		if (orule && orule->action == FAULT_DROP)
			x->oack_drop = true;
		else if (orule && orule->action == FAULT_DELAY)
			x->hold_until = now + wall_seconds(srv, orule->delay_s);
	} else {
		x->state = XS_DATA;
	}
	return 0;
}

/*
 * A request the codec rejects still gets an answer when it can be sent one
 * (hostile or broken clients should learn they were refused): an over-long
 * or empty name is refused with ERROR 2, anything else with ERROR 4.
 */
static int bad_request(struct tftp_server *srv, const uint8_t *buf, size_t len, uint32_t ip,
		       uint16_t port, const char *board, const char *model, double now,
		       struct tftp_transfer **ret_xfer, struct tftp_step *ret_step)
{
	char name[TFTP_MAX_FILENAME + 1];
	const uint8_t *p = buf + 2, *nul = memchr(p, 0, len - 2);
	size_t n = nul ? (size_t)(nul - p) : len - 2;
	size_t shown = n < TFTP_MAX_FILENAME ? n : TFTP_MAX_FILENAME;
	memcpy(name, p, shown);
	name[shown] = '\0';
	if (srv->n_transfers >= srv->cfg.max_transfers + ERROR_TRANSFERS_EXTRA)
		return 0;
	struct tftp_transfer *x = transfer_new(srv, ip, port, name, now);
	if (!x)
		return -ENOMEM;
	snprintf(x->board, sizeof(x->board), "%s", board);
	snprintf(x->model, sizeof(x->model), "%s", model);
	if (nul && n > TFTP_MAX_FILENAME)
		refuse(x, TFTP_ERR_ACCESS, NULL, "name too long");
	else if (nul && n == 0)
		refuse(x, TFTP_ERR_ACCESS, NULL, "empty name");
	else
		refuse(x, TFTP_ERR_ILLEGAL_OP, NULL, "malformed request");
	step_begin(x);
	pump(x, now);
	step_finish(x, ret_step);
	*ret_xfer = x;
	return 0;
}

int tftp_server_request(struct tftp_server *srv, const uint8_t *buf, size_t len, uint32_t ip,
			uint16_t port, double now, struct tftp_transfer **ret_xfer,
			struct tftp_step *ret_step)
{
	*ret_xfer = NULL;
	*ret_step = (struct tftp_step){ 0 };
	struct tftp_packet pkt;
	char ipbuf[INET_ADDRSTRLEN] = "";
	char board[32] = "", model[16] = "", root[PATH_MAX] = "";
	if (srv->cfg.who)
		srv->cfg.who(srv->cfg.who_ctx, ip, board, model, root);
	board[sizeof(board) - 1] = model[sizeof(model) - 1] = root[sizeof(root) - 1] = '\0';
	if (tftp_wire_parse(buf, len, &pkt) < 0) {
		if (len >= 2 && buf[0] == 0 && (buf[1] == TFTP_RRQ || buf[1] == TFTP_WRQ))
			return bad_request(srv, buf, len, ip, port, board, model, now, ret_xfer,
					   ret_step);
		if (srv->tl) {
			char l[16], p[8];
			inet_ntop(AF_INET, &ip, ipbuf, sizeof(ipbuf));
			snprintf(l, sizeof(l), "%zu", len);
			snprintf(p, sizeof(p), "%u", port);
			timeline_emit(srv->tl, board, "tftp.malformed", "ip", ipbuf, "port", p, "len",
				      l, NULL);
		}
		return 0;
	}
	if (pkt.opcode != TFTP_RRQ && pkt.opcode != TFTP_WRQ)
		return 0; /* DATA/ACK/ERROR/OACK to port 69 belong to no transfer */
	if (duplicate_rrq(srv, ip, port, pkt.filename))
		return 0; /* a retransmitted RRQ: the transfer is already answering it */
	if (srv->n_transfers >= srv->cfg.max_transfers + ERROR_TRANSFERS_EXTRA)
		return 0; /* overloaded: the client will retry */
	struct tftp_transfer *x = transfer_new(srv, ip, port, pkt.filename, now);
	if (!x)
		return -ENOMEM;
	snprintf(x->board, sizeof(x->board), "%s", board);
	snprintf(x->model, sizeof(x->model), "%s", model);
	int r = 0;
	bool drop = false;
	if (pkt.opcode == TFTP_WRQ) {
		refuse(x, TFTP_ERR_ACCESS, NULL, "write request");
	} else {
		if (srv->tl) {
			char opts[TFTP_MAX_OPTIONS * 24], p[8];
			describe_options(pkt.options, pkt.n_options, opts, sizeof(opts));
			printable(opts);
			snprintf(p, sizeof(p), "%u", port);
			timeline_emit(srv->tl, board, "tftp.rrq", "file", x->file, "options", opts,
				      "port", p, NULL);
		}
		r = start_read(x, &pkt, root, now, &drop);
	}
	if (r < 0 || drop) {
		tftp_transfer_free(x);
		return r;
	}
	step_begin(x);
	pump(x, now);
	step_finish(x, ret_step);
	*ret_xfer = x;
	return 0;
}

int tftp_server_new(const struct tftp_server_config *cfg, struct timeline *tl,
		    struct fault_engine *faults, struct tftp_server **ret_srv)
{
	if (!cfg || !ret_srv || !cfg->root[0])
		return -EINVAL;
	struct tftp_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->cfg = *cfg;
	struct tftp_server_config *c = &srv->cfg;
	if (c->time_scale <= 0)
		c->time_scale = 1.0;
	if (c->timeout_ms == 0)
		c->timeout_ms = 1000;
	if (c->max_retries == 0)
		c->max_retries = 5;
	if (c->max_transfers == 0)
		c->max_transfers = 1024;
	if (c->max_blksize == 0 || c->max_blksize > TFTP_BLKSIZE_MAX)
		c->max_blksize = TFTP_BLKSIZE_MAX;
	if (c->max_blksize < TFTP_BLKSIZE_MIN)
		c->max_blksize = TFTP_BLKSIZE_MIN;
	if (c->max_windowsize == 0)
		c->max_windowsize = 64;
	srv->tl = tl;
	srv->faults = faults;
	TAILQ_INIT(&srv->transfers);
	srv->root_fd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srv->root_fd < 0) {
		int r = -errno;
		free(srv);
		return r;
	}
	*ret_srv = srv;
	return 0;
}

void tftp_server_set_extra(struct tftp_server *srv, const struct tftp_server_extra *extra)
{
	if (srv && extra)
		srv->extra = *extra;
}

size_t tftp_server_n_transfers(const struct tftp_server *srv)
{
	return srv ? srv->n_transfers : 0;
}

void tftp_server_free(struct tftp_server *srv)
{
	if (!srv)
		return;
	/* Transfers should be gone; free stragglers rather than leak them. */
	while (!TAILQ_EMPTY(&srv->transfers))
		tftp_transfer_free(TAILQ_FIRST(&srv->transfers));
	if (srv->root_fd >= 0)
		close(srv->root_fd);
	free(srv);
}
