/*
 * fuzz_tftp_wire.c - parse arbitrary bytes; whatever parses must build
 * again, and the built bytes must parse back to the same packet. The
 * option decoder and list encoder run on every parsed request and OACK.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "servers/tftp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct tftp_packet *a, const struct tftp_packet *b)
{
	if (a->opcode != b->opcode || strcmp(a->filename, b->filename) != 0 ||
	    strcmp(a->mode, b->mode) != 0 || a->n_options != b->n_options ||
	    a->block != b->block || a->data_len != b->data_len ||
	    a->error_code != b->error_code || strcmp(a->error_msg, b->error_msg) != 0)
		abort();
	for (size_t i = 0; i < a->n_options; i++)
		if (strcmp(a->options[i].name, b->options[i].name) != 0 ||
		    strcmp(a->options[i].value, b->options[i].value) != 0)
			abort();
	if (a->data_len && memcmp(a->data, b->data, a->data_len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tftp_packet p, back;
	static uint8_t out[TFTP_MAX_PACKET + 16];
	if (tftp_wire_parse(data, size, &p) < 0)
		return 0;
	int n = -1;
	switch (p.opcode) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		n = tftp_wire_build_rrq(out, sizeof(out), p.filename, p.mode, p.options, p.n_options);
		if (n > 0 && p.opcode == TFTP_WRQ)
			out[1] = TFTP_WRQ;
		break;
	case TFTP_OACK:
		n = tftp_wire_build_oack(out, sizeof(out), p.options, p.n_options);
		break;
	case TFTP_DATA:
		n = tftp_wire_build_data(out, sizeof(out), p.block, p.data, p.data_len);
		break;
	case TFTP_ACK:
		n = tftp_wire_build_ack(out, sizeof(out), p.block);
		break;
	case TFTP_ERROR:
		n = tftp_wire_build_error(out, sizeof(out), p.error_code, p.error_msg);
		break;
	default:
		abort();
	}
	if (n < 0 || (size_t)n != size)
		abort();
	/* Requests and OACKs come back with mode and option names in lower
	 * case; everything else byte for byte. */
	bool fold = p.opcode == TFTP_RRQ || p.opcode == TFTP_WRQ || p.opcode == TFTP_OACK;
	for (size_t i = 0; i < size; i++)
		if (out[i] != data[i] && !(fold && out[i] >= 'a' && out[i] <= 'z' &&
					   (uint8_t)(out[i] - 'a' + 'A') == data[i]))
			abort();
	if (tftp_wire_parse(out, (size_t)n, &back) != 0)
		abort();
	same(&p, &back);
	if (p.opcode == TFTP_RRQ || p.opcode == TFTP_WRQ || p.opcode == TFTP_OACK) {
		struct tftp_options o;
		struct tftp_option list[4];
		if (tftp_options_from_packet(&p, &o) == 0) {
			int k = tftp_options_to_list(&o, list, 4);
			if (k < 0 || k > 4)
				abort();
			if (k > 0 && tftp_wire_build_oack(out, sizeof(out), list, (size_t)k) < 0)
				abort();
		}
	}
	return 0;
}
