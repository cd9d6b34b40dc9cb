/*
 * discover.c - recognising Raspberry Pi netboot DHCP packets (discover.h).
 * Section numbers refer to /work/shared/pi-netboot.md.
 */
#include "harness/discover.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "servers/frame_wire.h"

/* Lab model names in the bit order of DISCOVER_PI*. */
static const char *const model_names[] = { "pi2", "pi3b", "pi3b+", "pi4b", "pi5" };
#define N_MODELS (sizeof(model_names) / sizeof(model_names[0]))

/* The best guess first: a bootcode-style DISCOVER most often comes from a
 * 3B+ ROM, a serial-x4 EEPROM one from a Pi 4 (the older, commoner board). */
static const unsigned guess_order[] = { DISCOVER_PI3BPLUS, DISCOVER_PI4B, DISCOVER_PI5, DISCOVER_PI3B,
					DISCOVER_PI2 };

/* 1: MAC prefixes of Raspberry Pi boards and the models that use them.
 * 28:cd:c1 (Raspberry Pi Trading) is not in pi-netboot.md: any Pi 4/5. */
static const struct {
	uint8_t oui[3];
	unsigned models;
} ouis[] = {
	{ { 0xb8, 0x27, 0xeb }, DISCOVER_PI2 | DISCOVER_PI3B | DISCOVER_PI3BPLUS },
	{ { 0xdc, 0xa6, 0x32 }, DISCOVER_PI4B },
	{ { 0xe4, 0x5f, 0x01 }, DISCOVER_PI4B },
	{ { 0xd8, 0x3a, 0xdd }, DISCOVER_PI4B | DISCOVER_PI5 },
	{ { 0x2c, 0xcf, 0x67 }, DISCOVER_PI5 },
	{ { 0x28, 0xcd, 0xc1 }, DISCOVER_PI4B | DISCOVER_PI5 },
};

static unsigned oui_models(const uint8_t mac[6])
{
	for (size_t i = 0; i < sizeof(ouis) / sizeof(ouis[0]); i++)
		if (memcmp(mac, ouis[i].oui, 3) == 0)
			return ouis[i].models;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Board type of a new-style revision code (bit 23 set; type in bits 4-11). */
static int rev_type(uint32_t rev)
{
	return (rev & 0x800000u) ? (int)((rev >> 4) & 0xff) : -1;
}

static const char *rev_type_name(uint32_t rev)
{
	switch (rev_type(rev)) {
	case 0x11: return "Pi 4B";
	case 0x13: return "Pi 400";
	case 0x14: return "CM4";
	case 0x15: return "CM4S";
	case 0x17: return "Pi 5";
	case 0x18: return "CM5";
	case 0x19: return "Pi 500";
	case 0x1a: return "CM5 Lite";
	default: return NULL;
	}
}

static unsigned rev_models(uint32_t rev)
{
	int t = rev_type(rev);
	if (t >= 0x11 && t <= 0x15 && t != 0x12) /* 0x12 is the Zero 2 W */
		return DISCOVER_PI4B;
	if (t >= 0x17 && t <= 0x1a)
		return DISCOVER_PI5;
	return 0;
}

/* Narrows `set` by `by` unless that would leave nothing. */
static unsigned narrow(unsigned set, unsigned by)
{
	return (set & by) ? (set & by) : set;
}

enum guid_kind { GUID_NONE, GUID_CONST_44, GUID_SERIAL_X4, GUID_RPI4, GUID_RPI5, GUID_PREFIX };

/* 2.1 option 97: 17 bytes, type 0 then the 16 the boot code made up. */
static enum guid_kind guid_kind(const struct dhcp_msg *msg, const uint8_t **ret_guid)
{
	size_t len = 0;
	const uint8_t *g = dhcp_msg_get_option(msg, DHCP_OPT_UUID_GUID, &len);
	if (!g || len != 17 || g[0] != 0)
		return GUID_NONE;
	*ret_guid = g;
	bool all44 = true;
	for (size_t i = 1; i < 17; i++)
		all44 = all44 && g[i] == 0x44;
	if (all44)
		return GUID_CONST_44;
	if (memcmp(g + 1, g + 5, 4) == 0 && memcmp(g + 1, g + 9, 4) == 0 && memcmp(g + 1, g + 13, 4) == 0)
		return GUID_SERIAL_X4;
	/* One CM4 log shows the FourCC reversed ('4','i','P','R'), the rest
	 * of the GUID as usual (cmprovision#16): accepted both ways. */
	if (memcmp(g + 1, "RPi4", 4) == 0 || memcmp(g + 1, "4iPR", 4) == 0)
		return GUID_RPI4;
	if (memcmp(g + 1, "RPi5", 4) == 0 || memcmp(g + 1, "5iPR", 4) == 0)
		return GUID_RPI5;
	/* A custom DHCP_OPTION97 prefix (4): the MAC's low 4 bytes at 9..12
	 * still mark the EEPROM layout. */
	if (memcmp(g + 9, msg->chaddr + 2, 4) == 0)
		return GUID_PREFIX;
	return GUID_NONE;
}

/* 2.1 option 55: the ROMs and bootcode.bin start with 43 (the 3B ROM's
 * list has 12 items), the EEPROM bootloaders with 1, 3. */
enum prl_style { PRL_UNKNOWN, PRL_3B_ROM, PRL_BOOTCODE, PRL_EEPROM };

static enum prl_style prl_style(const struct dhcp_msg *msg)
{
	size_t len = 0;
	const uint8_t *p = dhcp_msg_get_option(msg, DHCP_OPT_PARAM_REQUEST, &len);
	if (!p || len < 2)
		return PRL_UNKNOWN;
	if (p[0] == DHCP_OPT_VENDOR_SPECIFIC)
		return len == 12 ? PRL_3B_ROM : PRL_BOOTCODE;
	if (p[0] == DHCP_OPT_SUBNET_MASK && p[1] == DHCP_OPT_ROUTER)
		return PRL_EEPROM;
	return PRL_UNKNOWN;
}

static bool pxe_vendor_class(const struct dhcp_msg *msg)
{
	size_t len = 0;
	const uint8_t *v = dhcp_msg_get_option(msg, DHCP_OPT_VENDOR_CLASS, &len);
	return v && len >= 9 && memcmp(v, "PXEClient", 9) == 0;
}

bool discover_classify(const struct dhcp_msg *msg, struct discover_board *ret)
{
	if (msg->op != BOOTREQUEST || msg->htype != 1 || msg->hlen != 6 ||
	    (msg->type != DHCPDISCOVER && msg->type != DHCPREQUEST))
		return false;
	const uint8_t *g = NULL;
	enum guid_kind gk = guid_kind(msg, &g);
	enum prl_style ps = prl_style(msg);
	unsigned by_oui = oui_models(msg->chaddr);
	/* The Pi 4 REQUEST carries no option 60 (2.4, rpi-eeprom#82). */
	bool pxe = pxe_vendor_class(msg) ||
		   (msg->type == DHCPREQUEST && ps == PRL_EEPROM && !dhcp_msg_has_option(msg, DHCP_OPT_VENDOR_CLASS));
	/* Pi evidence beyond the vendor class: a Pi MAC prefix, a GUID only a
	 * Pi makes, or a serial-shaped GUID with a Pi's option 55 list (an x86
	 * client with an all-zero UUID would look like serial x4 otherwise). */
	bool pi_guid = gk == GUID_CONST_44 || gk == GUID_RPI4 || gk == GUID_RPI5 ||
		       ((gk == GUID_SERIAL_X4 || gk == GUID_PREFIX) && ps != PRL_UNKNOWN);
	if (!pxe || (!pi_guid && !by_oui))
		return false;

	struct discover_board b;
	memset(&b, 0, sizeof(b));
	memcpy(b.mac, msg->chaddr, 6);
	b.packets = 1;
	unsigned models = DISCOVER_ALL_MODELS;
	switch (gk) {
	case GUID_CONST_44:
		models = DISCOVER_PI3B;
		b.saw = DISCOVER_SAW_3B_ROM;
		break;
	case GUID_SERIAL_X4:
		b.has_serial = true;
		b.serial = le32(g + 1);
		break;
	case GUID_RPI4:
	case GUID_RPI5:
	case GUID_PREFIX:
		models = gk == GUID_RPI4 ? DISCOVER_PI4B : gk == GUID_RPI5 ? DISCOVER_PI5 : DISCOVER_PI4B | DISCOVER_PI5;
		b.saw = DISCOVER_SAW_EEPROM;
		b.has_rev = true;
		b.board_rev = le32(g + 5);
		b.has_serial = true;
		b.serial = le32(g + 13);
		models = narrow(models, rev_models(b.board_rev));
		break;
	case GUID_NONE:
		break;
	}
	if (gk == GUID_SERIAL_X4 || gk == GUID_NONE) {
		/* The option 55 list tells the boot code apart. */
		switch (ps) {
		case PRL_3B_ROM:
			models = DISCOVER_PI3B;
			b.saw = DISCOVER_SAW_3B_ROM;
			break;
		case PRL_BOOTCODE:
			models = DISCOVER_PI2 | DISCOVER_PI3B | DISCOVER_PI3BPLUS;
			b.saw = DISCOVER_SAW_BOOTCODE;
			break;
		case PRL_EEPROM:
			models = DISCOVER_PI4B | DISCOVER_PI5; /* DHCP_OPTION97=0 */
			b.saw = DISCOVER_SAW_EEPROM;
			break;
		case PRL_UNKNOWN:
			break;
		}
	}
	b.models = narrow(models, by_oui);
	*ret = b;
	return true;
}

bool discover_frame_payload(const uint8_t *frame, size_t len, bool sll, const uint8_t **ret_payload,
			    size_t *ret_len)
{
	struct frame_view v;
	if (frame_wire_parse(frame, len, FRAME_WIRE_VLAN | (sll ? FRAME_WIRE_SLL : 0u), &v) < 0 ||
	    !v.has_udp || v.dst_port != DHCP_SERVER_PORT)
		return false;
	*ret_payload = frame + v.payload_off;
	*ret_len = v.payload_len;
	return true;
}

enum discover_change discover_merge(struct discover_board *known, const struct discover_board *seen)
{
	struct discover_board before = *known;
	known->models = (known->models & seen->models) ? (known->models & seen->models) : seen->models;
	known->saw |= seen->saw;
	if (seen->has_serial) {
		known->has_serial = true;
		known->serial = seen->serial;
	}
	if (seen->has_rev) {
		known->has_rev = true;
		known->board_rev = seen->board_rev;
	}
	known->packets += seen->packets;
	bool changed = known->models != before.models || known->saw != before.saw ||
		       known->has_serial != before.has_serial || known->serial != before.serial ||
		       known->has_rev != before.has_rev || known->board_rev != before.board_rev;
	return changed ? DISCOVER_UPDATED : DISCOVER_SAME;
}

int discover_table_add(struct discover_table *t, const struct discover_board *seen,
		       enum discover_change *ret_change)
{
	for (size_t i = 0; i < t->n; i++) {
		if (memcmp(t->boards[i].mac, seen->mac, 6) == 0) {
			*ret_change = discover_merge(&t->boards[i], seen);
			return (int)i;
		}
	}
	if (t->n >= DISCOVER_MAX_BOARDS)
		return -ENOSPC;
	t->boards[t->n] = *seen;
	*ret_change = DISCOVER_NEW;
	return (int)t->n++;
}

static const char *model_name(unsigned bit)
{
	for (size_t i = 0; i < N_MODELS; i++)
		if (bit == 1u << i)
			return model_names[i];
	return NULL;
}

const char *discover_model_guess(unsigned models)
{
	for (size_t i = 0; i < sizeof(guess_order) / sizeof(guess_order[0]); i++)
		if (models & guess_order[i])
			return model_name(guess_order[i]);
	return NULL;
}

static bool sure(unsigned models)
{
	return models && !(models & (models - 1));
}

/* "pi2, pi3b": the set without the guess, in guess order. */
static void others(unsigned models, char *buf, size_t cap)
{
	const char *guess = discover_model_guess(models);
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(guess_order) / sizeof(guess_order[0]); i++) {
		const char *name = model_name(guess_order[i]);
		if (!(models & guess_order[i]) || name == guess)
			continue;
		int n = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", name);
		if (n < 0 || (size_t)n >= cap - used)
			return;
		used += (size_t)n;
	}
}

static const char *saw_text(unsigned saw)
{
	switch (saw) {
	case DISCOVER_SAW_3B_ROM: return "3B ROM";
	case DISCOVER_SAW_BOOTCODE: return "3B+ ROM or bootcode.bin";
	case DISCOVER_SAW_EEPROM: return "EEPROM bootloader";
	case DISCOVER_SAW_3B_ROM | DISCOVER_SAW_BOOTCODE: return "3B ROM, then bootcode.bin";
	case 0: return "PXE client";
	default: return "mixed boot codes";
	}
}

int discover_format_line(const struct discover_board *b, char *buf, size_t cap)
{
	char mac[18], alt[64], serial[40], rev[40];
	dhcp_format_mac(b->mac, mac);
	others(b->models, alt, sizeof(alt));
	if (b->has_serial)
		snprintf(serial, sizeof(serial), "%08x", b->serial);
	else if (b->mac[0] == 0xb8 && b->mac[1] == 0x27 && b->mac[2] == 0xeb)
		snprintf(serial, sizeof(serial), "??%02x%02x%02x (from the MAC)", b->mac[3], b->mac[4], b->mac[5]);
	else
		snprintf(serial, sizeof(serial), "unknown");
	rev[0] = '\0';
	if (b->has_rev) {
		const char *type = rev_type_name(b->board_rev);
		snprintf(rev, sizeof(rev), " revision %06x%s%s%s", b->board_rev, type ? " (" : "", type ? type : "",
			 type ? ")" : "");
	}
	return snprintf(buf, cap, "%s model %s%s%s%s%s serial %s%s [%s]", mac, discover_model_guess(b->models),
			sure(b->models) ? "" : "?", alt[0] ? " (or " : "", alt, alt[0] ? ")" : "", serial, rev,
			saw_text(b->saw));
}

int discover_format_stanza(const struct discover_board *b, char *buf, size_t cap)
{
	char mac[18], name[32], serial[32] = "", note[160] = "", alt[64];
	const char *model = discover_model_guess(b->models);
	dhcp_format_mac(b->mac, mac);
	/* Lab names allow letters, digits, '.', '_', '-': "pi3b+" -> "pi3bplus". */
	snprintf(name, sizeof(name), "%s-%02x%02x%02x", strcmp(model, "pi3b+") == 0 ? "pi3bplus" : model, b->mac[3],
		 b->mac[4], b->mac[5]);
	if (b->has_serial)
		snprintf(serial, sizeof(serial), ", serial: \"%08x\"", b->serial);
	size_t used = 0;
	if (!sure(b->models)) {
		others(b->models, alt, sizeof(alt));
		used += (size_t)snprintf(note + used, sizeof(note) - used, "model guessed, could be %s", alt);
	}
	if (!b->has_serial && used < sizeof(note)) {
		if (b->saw & DISCOVER_SAW_3B_ROM)
			used += (size_t)snprintf(note + used, sizeof(note) - used,
						 "%sserial not sent by the 3B ROM, low 24 bits %02x%02x%02x (MAC)",
						 used ? "; " : "", b->mac[3], b->mac[4], b->mac[5]);
		else
			used += (size_t)snprintf(note + used, sizeof(note) - used, "%sserial not sent",
						 used ? "; " : "");
	}
	const char *type = b->has_rev ? rev_type_name(b->board_rev) : NULL;
	if (type && used < sizeof(note))
		snprintf(note + used, sizeof(note) - used, "%s%s (revision %06x)", used ? "; " : "", type,
			 b->board_rev);
	return snprintf(buf, cap, "  - { name: %s, model: %s, mac: \"%s\"%s, power: manual, console: none }%s%s",
			name, model, mac, serial, note[0] ? "  # " : "", note);
}
