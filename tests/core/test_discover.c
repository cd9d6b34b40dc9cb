/* test_discover.c - recognising Raspberry Pi netboot DHCP (harness/discover.h):
 * packets built by hand from pi-netboot.md 2.1 for each boot code, the
 * virtual board's own frames for each model, look-alikes that are not a
 * Pi, merging of later packets, and stanzas the lab loader accepts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures/vpi/vpi_dhcp.h"
#include "fixtures/vpi/vpi_model.h"
#include "harness/discover.h"
#include "harness/lab.h"

static const uint8_t prl_3b_rom[] = { 43, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135, 66 };
static const uint8_t prl_bootcode[] = { 43, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135, 66, 1, 3 };
static const uint8_t prl_eeprom[] = { 1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135 };
static const uint8_t prl_x86[] = { 1, 2, 3, 4, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40, 41, 42, 43,
				   50, 51, 54, 58, 59, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135 };
static const char pxe_class[] = "PXEClient:Arch:00000:UNDI:002001";

struct pkt {
	uint8_t type;
	uint8_t mac[6];
	const uint8_t *prl;
	size_t prl_len;
	uint8_t guid[17];
	bool no_guid;
	bool no_class;
	const char *vendor_class; /* NULL: the PXE one */
};

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void guid_44(uint8_t g[17])
{
	g[0] = 0;
	memset(g + 1, 0x44, 16);
}

static void guid_x4(uint8_t g[17], uint32_t serial)
{
	g[0] = 0;
	for (int i = 0; i < 4; i++)
		put_le32(g + 1 + 4 * i, serial);
}

static void guid_fourcc(uint8_t g[17], const char fourcc[4], uint32_t rev, const uint8_t mac[6], uint32_t serial)
{
	g[0] = 0;
	memcpy(g + 1, fourcc, 4);
	put_le32(g + 5, rev);
	memcpy(g + 9, mac + 2, 4);
	put_le32(g + 13, serial);
}

/* Builds the packet's bytes and parses them back, as the capture would. */
static bool classify(const struct pkt *p, struct discover_board *ret)
{
	static struct dhcp_msg m, parsed;
	dhcp_msg_init(&m, BOOTREQUEST, p->type ? p->type : DHCPDISCOVER, 0x26f30339u);
	memcpy(m.chaddr, p->mac, 6);
	assert_int_equal(dhcp_msg_set_option(&m, DHCP_OPT_PARAM_REQUEST, p->prl, p->prl_len), 0);
	if (!p->no_class) {
		const char *vc = p->vendor_class ? p->vendor_class : pxe_class;
		assert_int_equal(dhcp_msg_set_option(&m, DHCP_OPT_VENDOR_CLASS, vc, strlen(vc)), 0);
	}
	static const uint8_t arch[2] = { 0, 0 }, ndi[3] = { 1, 2, 1 };
	assert_int_equal(dhcp_msg_set_option(&m, DHCP_OPT_CLIENT_ARCH, arch, 2), 0);
	assert_int_equal(dhcp_msg_set_option(&m, DHCP_OPT_CLIENT_NDI, ndi, 3), 0);
	if (!p->no_guid)
		assert_int_equal(dhcp_msg_set_option(&m, DHCP_OPT_UUID_GUID, p->guid, 17), 0);
	uint8_t buf[1024];
	int n = dhcp_wire_build(&m, buf, sizeof(buf), 0);
	assert_true(n > 0);
	assert_int_equal(dhcp_wire_parse(buf, (size_t)n, &parsed), 0);
	return discover_classify(&parsed, ret);
}

static char *line_of(const struct discover_board *b)
{
	static char line[256];
	assert_true(discover_format_line(b, line, sizeof(line)) < (int)sizeof(line));
	return line;
}

static char *stanza_of(const struct discover_board *b)
{
	static char line[384];
	assert_true(discover_format_stanza(b, line, sizeof(line)) < (int)sizeof(line));
	return line;
}

/* 2.1: the 3B ROM's constant GUID names the model but carries no serial. */
static void test_pi3b_rom(void **state)
{
	(void)state;
	struct pkt p = { .mac = { 0xb8, 0x27, 0xeb, 0xb2, 0xc3, 0xd4 }, .prl = prl_3b_rom, .prl_len = 12 };
	guid_44(p.guid);
	struct discover_board b;
	assert_true(classify(&p, &b));
	assert_int_equal(b.models, DISCOVER_PI3B);
	assert_false(b.has_serial);
	assert_false(b.has_rev);
	assert_string_equal(line_of(&b), "b8:27:eb:b2:c3:d4 model pi3b serial ??b2c3d4 (from the MAC) [3B ROM]");
	assert_string_equal(stanza_of(&b),
			    "  - { name: pi3b-b2c3d4, model: pi3b, mac: \"b8:27:eb:b2:c3:d4\", power: manual, "
			    "console: none }  # serial not sent by the 3B ROM, low 24 bits b2c3d4 (MAC)");
}

/* 2.1: the 3B+ ROM and bootcode.bin send the serial four times, the same
 * packet for pi2, pi3b (second stage) and pi3b+. */
static void test_bootcode_serial_x4(void **state)
{
	(void)state;
	struct pkt p = { .mac = { 0xb8, 0x27, 0xeb, 0x9e, 0x41, 0xf2 }, .prl = prl_bootcode, .prl_len = 14 };
	guid_x4(p.guid, 0x6c9e41f2u);
	assert_int_equal(p.guid[1], 0xf2); /* little-endian, as firmware#941 shows */
	struct discover_board b;
	assert_true(classify(&p, &b));
	assert_int_equal(b.models, DISCOVER_PI2 | DISCOVER_PI3B | DISCOVER_PI3BPLUS);
	assert_true(b.has_serial);
	assert_int_equal(b.serial, 0x6c9e41f2u);
	assert_string_equal(discover_model_guess(b.models), "pi3b+");
	assert_string_equal(line_of(&b),
			    "b8:27:eb:9e:41:f2 model pi3b+? (or pi3b, pi2) serial 6c9e41f2 [3B+ ROM or bootcode.bin]");
	assert_string_equal(stanza_of(&b),
			    "  - { name: pi3bplus-9e41f2, model: pi3b+, mac: \"b8:27:eb:9e:41:f2\", serial: "
			    "\"6c9e41f2\", power: manual, console: none }  # model guessed, could be pi3b, pi2");
}

/* 2.1: Pi 4 GUID = 'RPi4' + revision LE + 4 MAC LSBs + serial. */
static void test_pi4_fourcc(void **state)
{
	(void)state;
	struct pkt p = { .mac = { 0xdc, 0xa6, 0x32, 0x12, 0x34, 0x56 }, .prl = prl_eeprom, .prl_len = 14 };
	guid_fourcc(p.guid, "RPi4", 0xc03112u, p.mac, 0x1a2b3c4du);
	/* the bytes of the [X1] capture: 0.82.80.105.52.18.49.192.0 */
	static const uint8_t head[9] = { 0, 82, 80, 105, 52, 18, 49, 192, 0 };
	assert_memory_equal(p.guid, head, 9);
	struct discover_board b;
	assert_true(classify(&p, &b));
	assert_int_equal(b.models, DISCOVER_PI4B);
	assert_true(b.has_serial);
	assert_int_equal(b.serial, 0x1a2b3c4du);
	assert_true(b.has_rev);
	assert_int_equal(b.board_rev, 0xc03112u);
	assert_string_equal(line_of(&b),
			    "dc:a6:32:12:34:56 model pi4b serial 1a2b3c4d revision c03112 (Pi 4B) [EEPROM bootloader]");
	assert_string_equal(stanza_of(&b),
			    "  - { name: pi4b-123456, model: pi4b, mac: \"dc:a6:32:12:34:56\", serial: \"1a2b3c4d\", "
			    "power: manual, console: none }  # Pi 4B (revision c03112)");
	/* The Pi 4 REQUEST carries no option 60 (rpi-eeprom#82) and still counts. */
	p.type = DHCPREQUEST;
	p.no_class = true;
	assert_true(classify(&p, &b));
	assert_int_equal(b.models, DISCOVER_PI4B);
	/* ... but a DISCOVER without it does not. */
	p.type = DHCPDISCOVER;
	assert_false(classify(&p, &b));
}

static void test_pi5_fourcc(void **state)
{
	(void)state;
	/* d8:3a:dd is used by Pi 4 and Pi 5 alike: the FourCC decides. */
	struct pkt p = { .mac = { 0xd8, 0x3a, 0xdd, 0x0a, 0x1b, 0x2c }, .prl = prl_eeprom, .prl_len = 14 };
	guid_fourcc(p.guid, "RPi5", 0xd04170u, p.mac, 0xe4b7c822u);
	struct discover_board b;
	assert_true(classify(&p, &b));
	assert_int_equal(b.models, DISCOVER_PI5);
	assert_int_equal(b.serial, 0xe4b7c822u);
	assert_string_equal(line_of(&b),
			    "d8:3a:dd:0a:1b:2c model pi5 serial e4b7c822 revision d04170 (Pi 5) [EEPROM bootloader]");
}

/* One CM4 log shows 'RPi4' reversed (cmprovision#16); the revision says CM4. */
static void test_cm4_reversed_fourcc(void **state)
{
	(void)state;
	struct pkt p = { .mac = { 0xe4, 0x5f, 0x01, 0x01, 0x02, 0x03 }, .prl = prl_eeprom, .prl_len = 14 };
	guid_fourcc(p.guid, "4iPR", 0xa03141u, p.mac, 0x0badcafeu);
	struct discover_board b;
	assert_true(classify(&p, &b));
	assert_int_equal(b.models, DISCOVER_PI4B);
	assert_int_equal(b.serial, 0x0badcafeu);
	assert_non_null(strstr(line_of(&b), "revision a03141 (CM4)"));
	assert_non_null(strstr(stanza_of(&b), "# CM4 (revision a03141)"));
}

/* DHCP_OPTION97=0: serial x4 from an EEPROM bootloader; the MAC prefix tells
 * pi4b from pi5 only where the prefix belongs to one of them. */
static void test_eeprom_legacy_guid(void **state)
{
	(void)state;
	struct pkt p = { .mac = { 0xdc, 0xa6, 0x32, 0x01, 0x36, 0xc2 }, .prl = prl_eeprom, .prl_len = 14 };
	guid_x4(p.guid, 0xb7f44626u);
	struct discover_board b;
	assert_true(classify(&p, &b));
	assert_int_equal(b.models, DISCOVER_PI4B);
	assert_int_equal(b.serial, 0xb7f44626u);
	p.mac[0] = 0x2c, p.mac[1] = 0xcf, p.mac[2] = 0x67;
	assert_true(classify(&p, &b));
	assert_int_equal(b.models, DISCOVER_PI5);
	p.mac[0] = 0xd8, p.mac[1] = 0x3a, p.mac[2] = 0xdd;
	assert_true(classify(&p, &b));
	assert_int_equal(b.models, DISCOVER_PI4B | DISCOVER_PI5);
	assert_string_equal(discover_model_guess(b.models), "pi4b");
	assert_non_null(strstr(stanza_of(&b), "# model guessed, could be pi5"));
	/* A custom DHCP_OPTION97 prefix: the MAC bytes mark the layout. */
	guid_fourcc(p.guid, "ACME", 0xd04170u, p.mac, 0x11223344u);
	assert_true(classify(&p, &b));
	assert_int_equal(b.models, DISCOVER_PI5); /* the revision code says Pi 5 */
	assert_int_equal(b.serial, 0x11223344u);
}

/* The same vendor class from x86 PXE firmware, and a Pi's OS asking DHCP,
 * are not netboot requests of a Pi. */
static void test_not_a_pi(void **state)
{
	(void)state;
	struct discover_board b;
	struct pkt x86 = { .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, .prl = prl_x86, .prl_len = sizeof(prl_x86) };
	static const uint8_t uuid[17] = { 0, 0x4c, 0x4c, 0x45, 0x44, 0x00, 0x10, 0x38, 0x80,
					  0x36, 0xb4, 0xc0, 0x4f, 0x30, 0x31, 0x32, 0x33 };
	memcpy(x86.guid, uuid, 17);
	assert_false(classify(&x86, &b));
	memset(x86.guid, 0, 17); /* an all-zero UUID looks like serial x4 of 0 */
	assert_false(classify(&x86, &b));
	x86.no_guid = true;
	assert_false(classify(&x86, &b));
	struct pkt os = { .mac = { 0xb8, 0x27, 0xeb, 1, 2, 3 }, .prl = prl_x86, .prl_len = sizeof(prl_x86),
			  .no_guid = true, .vendor_class = "dhcpcd-9.4.1:Linux-6.1.21-v8+:aarch64:BCM2835" };
	assert_false(classify(&os, &b)); /* Raspberry Pi OS's dhcpcd: no PXE */
	os.no_class = true;
	assert_false(classify(&os, &b));
	/* a server's reply with a Pi's data is not a request */
	struct pkt pi = { .mac = { 0xb8, 0x27, 0xeb, 1, 2, 3 }, .prl = prl_bootcode, .prl_len = 14 };
	guid_x4(pi.guid, 0x55010203u);
	assert_true(classify(&pi, &b));
	pi.type = DHCPOFFER;
	assert_false(classify(&pi, &b));
	pi.type = DHCPINFORM;
	assert_false(classify(&pi, &b));
}

/* A 3B seen first by its ROM keeps the model and gains the serial from its
 * bootcode.bin stage; repeats change nothing; a conflicting packet wins. */
static void test_merge(void **state)
{
	(void)state;
	struct discover_table *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	uint8_t mac[6] = { 0xb8, 0x27, 0xeb, 0xb2, 0xc3, 0xd4 };
	struct pkt rom = { .prl = prl_3b_rom, .prl_len = 12 }, bc = { .prl = prl_bootcode, .prl_len = 14 };
	memcpy(rom.mac, mac, 6);
	memcpy(bc.mac, mac, 6);
	guid_44(rom.guid);
	guid_x4(bc.guid, 0xa1b2c3d4u);
	struct discover_board b;
	enum discover_change ch;
	assert_true(classify(&rom, &b));
	assert_int_equal(discover_table_add(t, &b, &ch), 0);
	assert_int_equal(ch, DISCOVER_NEW);
	assert_int_equal(discover_table_add(t, &b, &ch), 0);
	assert_int_equal(ch, DISCOVER_SAME);
	assert_true(classify(&bc, &b));
	assert_int_equal(discover_table_add(t, &b, &ch), 0);
	assert_int_equal(ch, DISCOVER_UPDATED);
	assert_int_equal(t->n, 1);
	assert_int_equal(t->boards[0].models, DISCOVER_PI3B);
	assert_true(t->boards[0].has_serial);
	assert_int_equal(t->boards[0].serial, 0xa1b2c3d4u);
	assert_int_equal(t->boards[0].packets, 3);
	assert_string_equal(line_of(&t->boards[0]),
			    "b8:27:eb:b2:c3:d4 model pi3b serial a1b2c3d4 [3B ROM, then bootcode.bin]");
	assert_string_equal(stanza_of(&t->boards[0]),
			    "  - { name: pi3b-b2c3d4, model: pi3b, mac: \"b8:27:eb:b2:c3:d4\", serial: \"a1b2c3d4\", "
			    "power: manual, console: none }");
	/* bootcode-stage first, then the ROM: the same result */
	memset(t, 0, sizeof(*t));
	assert_true(classify(&bc, &b));
	discover_table_add(t, &b, &ch);
	assert_true(classify(&rom, &b));
	discover_table_add(t, &b, &ch);
	assert_int_equal(ch, DISCOVER_UPDATED);
	assert_int_equal(t->boards[0].models, DISCOVER_PI3B);
	assert_int_equal(t->boards[0].serial, 0xa1b2c3d4u);
	/* the MAC moved to a Pi 4 (a spoofed MAC): the newest packet wins */
	struct pkt p4 = { .prl = prl_eeprom, .prl_len = 14 };
	memcpy(p4.mac, mac, 6);
	guid_fourcc(p4.guid, "RPi4", 0xc03112u, mac, 0x1a2b3c4du);
	assert_true(classify(&p4, &b));
	assert_int_equal(b.models, DISCOVER_PI4B); /* the GUID beats the b8:27:eb prefix */
	discover_table_add(t, &b, &ch);
	assert_int_equal(ch, DISCOVER_UPDATED);
	assert_int_equal(t->boards[0].models, DISCOVER_PI4B);
	assert_int_equal(t->boards[0].serial, 0x1a2b3c4du);
	/* table limit */
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < DISCOVER_MAX_BOARDS; i++) {
		b.mac[4] = (uint8_t)(i >> 8);
		b.mac[5] = (uint8_t)i;
		assert_int_equal(discover_table_add(t, &b, &ch), i);
		assert_int_equal(ch, DISCOVER_NEW);
	}
	b.mac[3] ^= 1;
	assert_int_equal(discover_table_add(t, &b, &ch), -ENOSPC);
	free(t);
}

/* The virtual board's own frames, model by model, through the capture path. */
static void test_vpi_frames(void **state)
{
	(void)state;
	static const struct {
		const char *model;
		uint8_t mac[6];
		uint32_t serial;
		unsigned models;
		bool has_serial;
	} boards[] = {
		{ "pi2", { 0xb8, 0x27, 0xeb, 0x5e, 0x2a, 0x71 }, 0x3f5e2a71u,
		  DISCOVER_PI2 | DISCOVER_PI3B | DISCOVER_PI3BPLUS, true },
		{ "pi3b", { 0xb8, 0x27, 0xeb, 0xb2, 0xc3, 0xd4 }, 0xa1b2c3d4u, DISCOVER_PI3B, false },
		{ "pi3b+", { 0xb8, 0x27, 0xeb, 0x9e, 0x41, 0xf2 }, 0x6c9e41f2u,
		  DISCOVER_PI2 | DISCOVER_PI3B | DISCOVER_PI3BPLUS, true },
		{ "pi4b", { 0xdc, 0xa6, 0x32, 0x12, 0x34, 0x56 }, 0x1a2b3c4du, DISCOVER_PI4B, true },
		{ "pi5", { 0x2c, 0xcf, 0x67, 0x0a, 0x1b, 0x2c }, 0xe4b7c822u, DISCOVER_PI5, true },
	};
	assert_int_equal(vpi_model_count(), sizeof(boards) / sizeof(boards[0]));
	static struct dhcp_msg msg, parsed;
	for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++) {
		const struct vpi_model *m = vpi_model_find(boards[i].model);
		assert_non_null(m);
		struct vpi_identity id = { .serial = boards[i].serial };
		memcpy(id.mac, boards[i].mac, 6);
		assert_int_equal(vpi_dhcp_discover(m, &id, 0x12345678u, &msg), 0);
		uint8_t frame[1600];
		int n = vpi_dhcp_frame(m, &id, &msg, 7, frame, sizeof(frame));
		assert_true(n > 0);
		const uint8_t *payload;
		size_t len;
		assert_true(discover_frame_payload(frame, (size_t)n, false, &payload, &len));
		assert_int_equal(dhcp_wire_parse(payload, len, &parsed), 0);
		struct discover_board b;
		assert_true(discover_classify(&parsed, &b));
		assert_memory_equal(b.mac, boards[i].mac, 6);
		assert_int_equal(b.models, boards[i].models);
		assert_int_equal(b.has_serial, boards[i].has_serial);
		if (boards[i].has_serial)
			assert_int_equal(b.serial, boards[i].serial);
		/* every shorter capture is refused without reading past it */
		for (int cut = 0; cut < n; cut++) {
			uint8_t *copy = malloc((size_t)cut + 1);
			memcpy(copy, frame, (size_t)cut);
			if (discover_frame_payload(copy, (size_t)cut, false, &payload, &len))
				assert_true(payload + len <= copy + cut);
			free(copy);
		}
		/* the Pi 4/5 REQUEST too */
		if (m->sends_request) {
			assert_int_equal(vpi_dhcp_request(m, &id, 0x12345678u, 0x6501a8c0u, 0x0101a8c0u, &msg), 0);
			n = vpi_dhcp_frame(m, &id, &msg, 8, frame, sizeof(frame));
			assert_true(discover_frame_payload(frame, (size_t)n, false, &payload, &len));
			assert_int_equal(dhcp_wire_parse(payload, len, &parsed), 0);
			assert_true(discover_classify(&parsed, &b));
			assert_int_equal(b.models, boards[i].models);
			assert_int_equal(b.serial, boards[i].serial);
		}
	}
}

/* Frames: a VLAN tag, Linux cooked headers, fragments and other ports. */
static void test_frame_payload(void **state)
{
	(void)state;
	const struct vpi_model *m = vpi_model_find("pi4b");
	struct vpi_identity id = { .mac = { 0xdc, 0xa6, 0x32, 1, 2, 3 }, .serial = 1 };
	static struct dhcp_msg msg;
	assert_int_equal(vpi_dhcp_discover(m, &id, 1, &msg), 0);
	uint8_t frame[1600], other[1604];
	int n = vpi_dhcp_frame(m, &id, &msg, 7, frame, sizeof(frame));
	const uint8_t *payload, *first;
	size_t len, first_len;
	assert_true(discover_frame_payload(frame, (size_t)n, false, &first, &first_len));
	/* 802.1Q: 4 bytes after the MACs */
	memcpy(other, frame, 12);
	other[12] = 0x81, other[13] = 0x00, other[14] = 0x00, other[15] = 0x05;
	memcpy(other + 16, frame + 12, (size_t)n - 12);
	assert_true(discover_frame_payload(other, (size_t)n + 4, false, &payload, &len));
	assert_int_equal(len, first_len);
	assert_memory_equal(payload, first, len);
	/* Linux cooked (the "any" interface): 16-byte header, type at 14 */
	memset(other, 0, 14);
	memcpy(other + 14, frame + 12, (size_t)n - 12);
	assert_true(discover_frame_payload(other, (size_t)n + 2, true, &payload, &len));
	assert_memory_equal(payload, first, len);
	/* a fragment (MF set) */
	memcpy(other, frame, (size_t)n);
	other[14 + 6] |= 0x20;
	assert_false(discover_frame_payload(other, (size_t)n, false, &payload, &len));
	/* to port 68 (a reply) */
	memcpy(other, frame, (size_t)n);
	other[14 + 20 + 3] = 68;
	assert_false(discover_frame_payload(other, (size_t)n, false, &payload, &len));
	/* IPv6 */
	memcpy(other, frame, (size_t)n);
	other[12] = 0x86, other[13] = 0xdd;
	assert_false(discover_frame_payload(other, (size_t)n, false, &payload, &len));
}

/* The stanzas of all five kinds load as a real lab's boards. */
static void test_stanzas_load(void **state)
{
	(void)state;
	char path[] = "/tmp/test_discover_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("lab: found\nnetwork: { interface: eth0 }\nboards:\n", f);
	struct discover_board b;
	struct pkt p = { .mac = { 0xb8, 0x27, 0xeb, 0xb2, 0xc3, 0xd4 }, .prl = prl_3b_rom, .prl_len = 12 };
	guid_44(p.guid);
	assert_true(classify(&p, &b));
	fprintf(f, "%s\n", stanza_of(&b));
	struct pkt q = { .mac = { 0xb8, 0x27, 0xeb, 0x9e, 0x41, 0xf2 }, .prl = prl_bootcode, .prl_len = 14 };
	guid_x4(q.guid, 0x6c9e41f2u);
	assert_true(classify(&q, &b));
	fprintf(f, "%s\n", stanza_of(&b));
	struct pkt r = { .mac = { 0xd8, 0x3a, 0xdd, 0x12, 0x34, 0x56 }, .prl = prl_eeprom, .prl_len = 14 };
	guid_fourcc(r.guid, "RPi4", 0xc03112u, r.mac, 0x1a2b3c4du);
	assert_true(classify(&r, &b));
	fprintf(f, "%s\n", stanza_of(&b));
	guid_x4(r.guid, 0x0000abcdu);
	r.mac[5] = 0x57;
	assert_true(classify(&r, &b));
	fprintf(f, "%s\n", stanza_of(&b));
	fclose(f);
	struct lab *lab = NULL;
	char err[512] = "";
	int rc = lab_load(path, &lab, err, sizeof(err));
	unlink(path);
	if (rc < 0)
		fail_msg("lab_load: %s", err);
	assert_int_equal(lab->n_boards, 4);
	assert_string_equal(lab->boards[0].model, "pi3b");
	assert_string_equal(lab->boards[0].serial_text, "");
	assert_string_equal(lab->boards[1].model, "pi3b+");
	assert_string_equal(lab->boards[1].serial_text, "6c9e41f2");
	assert_string_equal(lab->boards[2].name, "pi4b-123456");
	assert_string_equal(lab->boards[3].serial_text, "0000abcd");
	lab_free(lab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pi3b_rom),
		cmocka_unit_test(test_bootcode_serial_x4),
		cmocka_unit_test(test_pi4_fourcc),
		cmocka_unit_test(test_pi5_fourcc),
		cmocka_unit_test(test_cm4_reversed_fourcc),
		cmocka_unit_test(test_eeprom_legacy_guid),
		cmocka_unit_test(test_not_a_pi),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_vpi_frames),
		cmocka_unit_test(test_frame_payload),
		cmocka_unit_test(test_stanzas_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
