/*
 * fuzz_vpi_tftp.c - the virtual board's TFTP client (fixtures/vpi/vpi_tftp.h)
 * against a hostile server. The input is:
 *   4-byte header: [flags][blksize hi][blksize lo][timers]
 *     flags bit 0 probe, 1 tsize option, 2 blksize option (0 = 1468),
 *     3 idle timeout, 4 rollover, 5-6 which path
 *   then records: [step][len hi][len lo][len bytes]
 *     step bits 0-1: source port (0,1 the server's 1069, 2 another 2000,
 *     3 port 69); bits 2-7: the clock moves by that many 100 ms first, and
 *     every timer deadline passed on the way is fired in order.
 *     len 0x8000 | n (n <= 0x7fff): no payload; instead the server sends n
 *     correct full blocks in order (so rollover is reachable).
 * After every call the state is checked against what the header promises
 * (vpi_tftp.h): a sane state/outcome pair, `finished` exactly once, every
 * packet the client sends parses and is an RRQ to 69 or an ACK/ERROR to the
 * server's TID, ACKs name the last block taken, acked == blocks mod 65536,
 * a read in progress holds exactly blocks * blksize bytes, the bytes held
 * are exactly the DATA payloads it took, a finished read with tsize holds
 * tsize bytes, and the timer always makes progress. The transfer is freed
 * (take_data + release) at the end of each input, so leaks show.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures/vpi/vpi_tftp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SERVER_TID 1069
#define OTHER_TID 2000
#define BURST_BYTES_MAX (1u << 20) /* per input: rollover at blksize 8, runs fast */

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

struct harness {
	struct vpi_tftp t;
	struct vpi_tftp_params p;
	uint64_t now;
	bool ended;                /* `finished` was reported */
	uint8_t *shadow;           /* the DATA payloads the client took, in order */
	size_t shadow_len, shadow_cap;
	size_t burst_bytes;
};

static char long_path[TFTP_MAX_FILENAME + 1];

static bool terminal(const struct vpi_tftp *t)
{
	return t->state == VPI_TFTP_DONE || t->state == VPI_TFTP_FAILED;
}

static void shadow_add(struct harness *h, const uint8_t *d, size_t n)
{
	if (h->shadow_len + n > h->shadow_cap) {
		size_t cap = h->shadow_cap ? h->shadow_cap : 4096;
		while (cap < h->shadow_len + n)
			cap *= 2;
		uint8_t *p = realloc(h->shadow, cap);
		if (!p)
			abort();
		h->shadow = p;
		h->shadow_cap = cap;
	}
	if (n)
		memcpy(h->shadow + h->shadow_len, d, n);
	h->shadow_len += n;
}

static void check_state(struct harness *h)
{
	const struct vpi_tftp *t = &h->t;
	CHECK(t->state <= VPI_TFTP_FAILED);
	CHECK(t->outcome <= VPI_TFTP_NO_MEMORY);
	CHECK(terminal(t) == (t->outcome != VPI_TFTP_PENDING));
	CHECK((t->state == VPI_TFTP_DONE) == (t->outcome == VPI_TFTP_OK));
	CHECK(t->acked == (uint16_t)t->blocks);
	CHECK(t->len <= t->cap && t->len <= VPI_TFTP_MAX_FILE);
	CHECK(t->data || t->cap == 0);
	CHECK(t->blksize >= TFTP_BLKSIZE_MIN && t->blksize <= TFTP_BLKSIZE_MAX);
	if (t->blksize != TFTP_DEFAULT_BLKSIZE)
		CHECK(h->p.opt_blksize && t->blksize <= h->p.opt_blksize);
	CHECK(!t->has_tsize || h->p.opt_tsize);
	if (!h->p.rollover)
		CHECK(t->blocks <= 65535);
	CHECK(memchr(t->err_msg, '\0', sizeof(t->err_msg)) != NULL);
	if (h->p.probe) {
		CHECK(t->len == 0 && t->blocks == 0);
	} else {
		/* contents: the newest block here, everything at the end */
		CHECK(t->len == h->shadow_len);
	}
	if (t->state == VPI_TFTP_RECEIVING) {
		/* Receiving means we answered the server: our last packet is its ACK. */
		CHECK(t->server_port != 0);
		CHECK(t->last_port == t->server_port);
		CHECK(t->len == t->blocks * t->blksize);
	}
	if (t->state == VPI_TFTP_RRQ_SENT)
		CHECK(t->blocks == 0 && t->last_port == TFTP_SERVER_PORT);
	if (t->state == VPI_TFTP_DONE && !h->p.probe) {
		CHECK(t->blocks >= 1);
		CHECK(t->len < t->blocks * t->blksize);
		CHECK(t->len >= (t->blocks - 1) * t->blksize);
		CHECK(!t->has_tsize || t->tsize == t->len);
	}
	CHECK(vpi_tftp_outcome_name(t->outcome) != NULL);
}

/* What one call returned, given the state before it. */
static void check_out(struct harness *h, const struct vpi_tftp_out *out, bool was_terminal)
{
	const struct vpi_tftp *t = &h->t;
	CHECK(out->len <= VPI_TFTP_OUT_MAX);
	if (was_terminal) {
		CHECK(out->len == 0 && !out->finished && !out->duplicate);
		return;
	}
	CHECK(out->finished == terminal(t));
	if (out->finished) {
		CHECK(!h->ended);
		h->ended = true;
	}
	CHECK(!out->duplicate || out->len > 0);
	if (!out->len)
		return;
	struct tftp_packet pkt;
	CHECK(tftp_wire_parse(out->pkt, out->len, &pkt) == 0);
	switch (pkt.opcode) {
	case TFTP_RRQ:
		CHECK(out->dst_port == TFTP_SERVER_PORT);
		CHECK(strcmp(pkt.filename, t->path) == 0);
		break;
	case TFTP_ACK:
		CHECK(out->dst_port == t->server_port && t->server_port != 0);
		CHECK(pkt.block == t->acked);
		if (out->duplicate)
			CHECK(out->dup_block == t->acked);
		break;
	case TFTP_ERROR:
		CHECK(out->dst_port == t->server_port && t->server_port != 0);
		CHECK(out->finished);
		break;
	default:
		CHECK(0);
	}
}

/* Fires every timer deadline up to h->now, in order, as the event loop does. */
static void advance(struct harness *h, uint64_t ms)
{
	h->now += ms;
	for (int i = 0; !terminal(&h->t); i++) {
		uint64_t dl = vpi_tftp_deadline(&h->t);
		if (dl > h->now)
			break;
		CHECK(i < 10000);
		struct vpi_tftp_out out;
		vpi_tftp_tick(&h->t, dl, &out);
		check_out(h, &out, false);
		check_state(h);
		/* the timer moved on, or the transfer ended */
		CHECK(terminal(&h->t) || vpi_tftp_deadline(&h->t) > dl);
	}
}

static void deliver(struct harness *h, uint16_t port, const uint8_t *buf, size_t len)
{
	struct vpi_tftp_out out;
	bool was_terminal = terminal(&h->t);
	uint64_t blocks = h->t.blocks;
	uint16_t acked = h->t.acked;
	vpi_tftp_input(&h->t, port, buf, len, h->now, &out);
	if (h->t.blocks != blocks) {
		/* Taken: must be the next block, in size, from the server. */
		struct tftp_packet pkt;
		CHECK(h->t.blocks == blocks + 1);
		CHECK(tftp_wire_parse(buf, len, &pkt) == 0 && pkt.opcode == TFTP_DATA);
		CHECK(pkt.block == (uint16_t)(acked + 1));
		CHECK(pkt.data_len <= h->t.blksize);
		CHECK(port == h->t.server_port);
		shadow_add(h, pkt.data, pkt.data_len);
		CHECK(h->t.len == h->shadow_len);
		CHECK(pkt.data_len == 0 ||
		      memcmp(h->t.data + h->t.len - pkt.data_len, pkt.data, pkt.data_len) == 0);
	}
	check_out(h, &out, was_terminal);
	check_state(h);
}

/* n correct full blocks from the server, as a well-behaved peer sends them. */
static void burst(struct harness *h, unsigned n)
{
	static uint8_t pkt[TFTP_MAX_PACKET];
	uint16_t port = h->t.server_port ? h->t.server_port : SERVER_TID;
	for (unsigned i = 0; i < n && !terminal(&h->t); i++) {
		size_t bs = h->t.blksize;
		if (h->burst_bytes + bs > BURST_BYTES_MAX)
			return;
		h->burst_bytes += bs;
		uint8_t body[TFTP_BLKSIZE_MAX];
		memset(body, (int)(h->t.blocks & 0xff), bs);
		int len = tftp_wire_build_data(pkt, sizeof(pkt), (uint16_t)(h->t.acked + 1), body, bs);
		CHECK(len > 0);
		deliver(h, port, pkt, (size_t)len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	if (!long_path[0]) {
		memset(long_path, 'a', TFTP_MAX_FILENAME);
		memcpy(long_path, "1a2b3c4d/", 9);
	}
	static const char *const paths[] = { "bootcode.bin", "1a2b3c4d/start4.elf", "config.txt",
					     long_path };
	static struct harness h; /* large: keep it off the stack */
	memset(&h, 0, sizeof(h));
	uint8_t f = data[0];
	uint16_t bs = (uint16_t)(data[1] << 8 | data[2]);
	uint8_t tm = data[3];
	h.p.path = paths[(f >> 5) & 3];
	h.p.probe = f & 1;
	h.p.opt_tsize = f & 2;
	h.p.opt_blksize = (f & 4) ? (bs ? bs : 1468) : 0;
	h.p.timeout_idle = f & 8;
	h.p.rollover = f & 16;
	h.p.rrq_retry_ms = 1000u * (1 + (tm & 3));
	h.p.ack_retry_ms = 500u * (1 + ((tm >> 2) & 3));
	h.p.file_timeout_ms = 5000u * (1 + (tm >> 4));
	h.now = 1000000;

	struct vpi_tftp_out out;
	int r = vpi_tftp_start(&h.t, &h.p, h.now, &out);
	/* a blksize option the wire cannot carry is the caller's mistake */
	if (r < 0) {
		CHECK(h.p.opt_blksize && (h.p.opt_blksize < TFTP_BLKSIZE_MIN ||
					  h.p.opt_blksize > TFTP_BLKSIZE_MAX));
		vpi_tftp_release(&h.t);
		return 0;
	}
	CHECK(h.t.state == VPI_TFTP_RRQ_SENT && out.len > 0 && !out.finished);
	check_out(&h, &out, false);
	check_state(&h);

	size_t pos = 4;
	while (pos + 3 <= size) {
		uint8_t step = data[pos];
		size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
		pos += 3;
		advance(&h, 100u * (step >> 2));
		if (len & 0x8000) {
			burst(&h, (unsigned)(len & 0x7fff));
			continue;
		}
		if (len > size - pos)
			len = size - pos;
		static const uint16_t ports[] = { SERVER_TID, SERVER_TID, OTHER_TID, TFTP_SERVER_PORT };
		/* exactly len bytes on the heap, so a read past the datagram shows */
		uint8_t *dgram = malloc(len ? len : 1);
		if (!dgram)
			abort();
		if (len)
			memcpy(dgram, data + pos, len);
		deliver(&h, ports[step & 3], dgram, len);
		free(dgram);
		pos += len;
	}
	/* and the clock runs out: every transfer ends by itself */
	advance(&h, (uint64_t)h.p.file_timeout_ms + 100000);
	CHECK(terminal(&h.t));

	size_t got = 0;
	uint8_t *d = vpi_tftp_take_data(&h.t, &got);
	CHECK(got == (h.p.probe ? 0 : h.shadow_len));
	CHECK(got == 0 || memcmp(d, h.shadow, got) == 0);
	CHECK(h.t.data == NULL && h.t.len == 0 && h.t.cap == 0);
	free(d);
	vpi_tftp_release(&h.t);
	vpi_tftp_release(NULL);
	free(h.shadow);
	return 0;
}
