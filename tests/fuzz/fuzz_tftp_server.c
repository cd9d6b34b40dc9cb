/*
 * fuzz_tftp_server.c - the TFTP engine's entries on arbitrary input: the
 * input is a script of records, each [kind][len][bytes...]:
 *   kind % 4 == 0: a datagram to the server port (tftp_server_request)
 *   kind % 4 == 1: a datagram to transfer (kind / 4) % SLOTS
 *   kind % 4 == 2: the clock moves by len/8 s and every transfer's timer runs
 *   kind % 4 == 3: an ACK for block (bytes[0] << 8 | bytes[1]) to a transfer
 * over a fixed root (small, empty, block-multiple and larger files, a
 * symlink, a directory) with fault rules firing at random (seeded), so
 * every fault path is reachable. Each step's datagrams are checked, and
 * all transfers are freed at the end of each input.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/fault.h"
#include "harness/timeline.h"
#include "servers/tftp_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOTS 4

static char root[64];
static struct timeline *tl;
static struct fault_engine *faults;
static struct tftp_server *srv;

static void put(const char *name, size_t size)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/%s", root, name);
	FILE *f = fopen(p, "w");
	if (!f)
		abort();
	for (size_t i = 0; i < size; i++)
		fputc((int)(i * 7 + 3) & 0xff, f);
	fclose(f);
}

static void cleanup(void)
{
	tftp_server_free(srv);
	fault_engine_free(faults);
	timeline_free(tl);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
}

static void make_root(void)
{
	snprintf(root, sizeof(root), "/tmp/pitest-fuzz-tftp-XXXXXX");
	if (!mkdtemp(root))
		abort();
	put("a", 1300);
	put("e", 0);
	put("k", 1024);
	put("big", 200000);
	char p[128];
	snprintf(p, sizeof(p), "%s/d", root);
	mkdir(p, 0755);
	put("d/f", 10);
	snprintf(p, sizeof(p), "%s/l", root);
	if (symlink("a", p) != 0)
		abort();
	snprintf(p, sizeof(p), "%s/out", root);
	if (symlink("../x", p) != 0)
		abort();
	atexit(cleanup);
}

static void setup(void)
{
	static const struct {
		const char *on;
		enum fault_action action;
	} kinds[] = {
		{ "rrq", FAULT_ERROR },     { "rrq", FAULT_MISSING },   { "rrq", FAULT_DROP },
		{ "rrq", FAULT_DELAY },     { "rrq", FAULT_TRUNCATE },  { "rrq", FAULT_RATE },
		{ "rrq", FAULT_IGNORE_OPTIONS }, { "oack", FAULT_DROP }, { "oack", FAULT_DELAY },
		{ "data", FAULT_DROP },     { "data", FAULT_DELAY },    { "data", FAULT_DUPLICATE },
		{ "data", FAULT_CORRUPT },  { "data", FAULT_STALL },    { "data", FAULT_CORRUPT },
	};
	enum { N = sizeof(kinds) / sizeof(kinds[0]) };
	struct fault_rule rules[N];
	memset(rules, 0, sizeof(rules));
	for (size_t i = 0; i < N; i++) {
		struct fault_rule *r = &rules[i];
		snprintf(r->server, sizeof(r->server), "tftp");
		snprintf(r->on, sizeof(r->on), "%s", kinds[i].on);
		r->action = kinds[i].action;
		r->probability = 0.05;
		r->seed = i + 1;
		r->delay_s = 0.5;
		r->bytes = 700;
		r->rate = 100000;
		r->code = 3;
	}
	snprintf(rules[N - 1].value, sizeof(rules[N - 1].value), "hex:00ff00ff");
	tl = timeline_new();
	faults = fault_engine_new(rules, N, tl);
	struct tftp_server_config cfg = { .time_scale = 1.0, .max_transfers = 8,
					  .max_windowsize = 16, .max_retries = 2 };
	snprintf(cfg.root, sizeof(cfg.root), "%s", root);
	if (!tl || !faults || tftp_server_new(&cfg, tl, faults, &srv) != 0)
		abort();
}

static void check(const struct tftp_step *s, double now)
{
	if (s->n_out > 2 * 16 + 2)
		abort();
	for (size_t i = 0; i < s->n_out; i++)
		if (!s->out[i].buf || s->out[i].len < 4 || s->out[i].len > TFTP_MAX_PACKET)
			abort();
	if (!s->done && s->wake != 0 && s->wake < now - 1e-9)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned runs;
	if (!root[0])
		make_root();
	if (srv && ++runs % 5000 == 0) {
		tftp_server_free(srv);
		fault_engine_free(faults);
		timeline_free(tl);
		srv = NULL;
	}
	if (!srv)
		setup();
	struct tftp_transfer *x[SLOTS] = { 0 };
	double now = 100.0;
	size_t pos = 0;
	uint16_t port = 1000;
	while (pos + 2 <= size) {
		uint8_t kind = data[pos], len = data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = (uint8_t)(size - pos);
		const uint8_t *b = data + pos;
		pos += len;
		struct tftp_step s;
		unsigned slot = (kind / 4) % SLOTS;
		switch (kind % 4) {
		case 0: {
			struct tftp_transfer *t = NULL;
			if (tftp_server_request(srv, b, len, 0x0100a8c0, port++, now, &t, &s) < 0)
				abort();
			if (!t)
				break;
			check(&s, now);
			if (s.done) {
				tftp_transfer_free(t);
				break;
			}
			tftp_transfer_free(x[slot]);
			x[slot] = t;
			break;
		}
		case 1:
		case 3: {
			if (!x[slot])
				break;
			uint8_t ackbuf[4] = { 0, 4, len > 0 ? b[0] : 0, len > 1 ? b[1] : 0 };
			if (kind % 4 == 3)
				tftp_transfer_handle(x[slot], ackbuf, 4, now, &s);
			else
				tftp_transfer_handle(x[slot], b, len, now, &s);
			check(&s, now);
			if (s.done) {
				tftp_transfer_free(x[slot]);
				x[slot] = NULL;
			}
			break;
		}
		case 2:
			now += len / 8.0;
			for (unsigned i = 0; i < SLOTS; i++) {
				if (!x[i])
					continue;
				tftp_transfer_timer(x[i], now, &s);
				check(&s, now);
				if (s.done) {
					tftp_transfer_free(x[i]);
					x[i] = NULL;
				}
			}
			break;
		}
	}
	for (unsigned i = 0; i < SLOTS; i++) {
		if (x[i] && (data[0] & 1)) {
			struct tftp_step s;
			tftp_transfer_abort(x[i], "fuzz", now, &s);
			if (!s.done)
				abort();
		}
		tftp_transfer_free(x[i]);
	}
	if (tftp_server_n_transfers(srv) != 0)
		abort();
	return 0;
}
