/*
 * test_vpi_offer.c - which replies each model's boot code takes (pi-netboot.md
 * 2.2), as a table of vectors, each sent through the wire codec first; and
 * the Pi 4 bootloader's console dump of a reply (5.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "fixtures/vpi/vpi_dhcp.h"

#define XID 0x26f30339u
#define SERVER "192.168.1.1"
#define SRC "192.168.1.2" /* IP source of the datagram (proxy or relay) */

static const struct vpi_identity board = {
	.mac = { 0xb8, 0x27, 0xeb, 0x86, 0x96, 0xf5 },
	.serial = 0x8d8696f5,
};

/* Option 43 exactly as dnsmasq sends it for pxe-service=0,"Raspberry Pi Boot" (peers.md). */
static const uint8_t dnsmasq_43[] = {
	0x06, 0x01, 0x03, 0x0a, 0x04, 0x00, 'P', 'X', 'E', 0x09, 0x14, 0x00, 0x00, 0x11,
	'R', 'a', 's', 'p', 'b', 'e', 'r', 'r', 'y', ' ', 'P', 'i', ' ', 'B', 'o', 'o', 't', 0xff,
};
/* ... and with "Raspberry Pi Boot   " (three spaces), 35 bytes (2.3). */
static const uint8_t dnsmasq_43_3sp[] = {
	0x06, 0x01, 0x03, 0x0a, 0x04, 0x00, 'P', 'X', 'E', 0x09, 0x17, 0x00, 0x00, 0x14,
	'R', 'a', 's', 'p', 'b', 'e', 'r', 'r', 'y', ' ', 'P', 'i', ' ', 'B', 'o', 'o', 't',
	' ', ' ', ' ', 0xff,
};

enum o43 { O43_NONE, O43_DNSMASQ, O43_DNSMASQ_3SP, O43_RAW_3SP, O43_RAW, O43_TILDES,
	   O43_TRUNCATED, O43_CUSTOM };
enum o66 { O66_NONE, O66_LITERAL, O66_NAME, O66_LITERAL_FIRST };

struct offer_vector {
	int line;
	const char *model;
	const char *pxe_option43; /* Pi 4/5 PXE_OPTION43, NULL = default */
	enum o43 o43;
	enum o66 o66;
	const char *siaddr;        /* NULL = 0.0.0.0 */
	const char *yiaddr;        /* NULL = 0.0.0.0 */
	uint8_t hops;
	uint32_t xid;              /* 0 = XID */
	bool wrong_mac;
	uint8_t op;                /* 0 = BOOTREPLY */
	/* expected */
	enum vpi_reply_verdict verdict;
	bool has_boot;
	const char *tftp;          /* when has_boot */
};

#define V(...) { __LINE__, __VA_ARGS__ }
static const struct offer_vector vectors[] = {
	/* 3B ROM: three trailing spaces needed (quirk 1), siaddr ignored, 66 literal */
	V("pi3b", NULL, O43_DNSMASQ, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, false, NULL),
	V("pi3b", NULL, O43_DNSMASQ_3SP, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SRC),
	V("pi3b", NULL, O43_RAW_3SP, O66_NONE, NULL, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SRC),
	V("pi3b", NULL, O43_NONE, O66_LITERAL, NULL, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, "10.0.0.5"),
	V("pi3b", NULL, O43_NONE, O66_NAME, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, false, NULL),
	V("pi3b", NULL, O43_NONE, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, false, NULL),
	/* 43 then 66: the last one wins; 66 then 43: the source address */
	V("pi3b", NULL, O43_DNSMASQ_3SP, O66_LITERAL, NULL, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, "10.0.0.5"),
	V("pi3b", NULL, O43_DNSMASQ_3SP, O66_LITERAL_FIRST, NULL, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SRC),
	/* relay: hops != 0 rejected (quirk 4) */
	V("pi3b", NULL, O43_DNSMASQ_3SP, O66_NONE, NULL, "192.168.1.100", 1, 0, false, 0,
	  VPI_REPLY_HOPS, false, NULL),
	/* not ours */
	V("pi3b", NULL, O43_DNSMASQ_3SP, O66_NONE, NULL, "192.168.1.100", 0, 0x12345678, false, 0,
	  VPI_REPLY_NOT_OURS, false, NULL),
	V("pi3b", NULL, O43_DNSMASQ_3SP, O66_NONE, NULL, "192.168.1.100", 0, 0, true, 0,
	  VPI_REPLY_NOT_OURS, false, NULL),
	V("pi3b", NULL, O43_DNSMASQ_3SP, O66_NONE, NULL, "192.168.1.100", 0, 0, false, 1,
	  VPI_REPLY_NOT_OURS, false, NULL),

	/* 3B+ ROM and bootcode.bin: plain string works, siaddr / 66 too, relays fine */
	V("pi3b+", NULL, O43_DNSMASQ, O66_NONE, NULL, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SRC),
	V("pi3b+", NULL, O43_DNSMASQ, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SERVER),
	V("pi3b+", NULL, O43_NONE, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SERVER),
	V("pi3b+", NULL, O43_NONE, O66_LITERAL, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, "10.0.0.5"),
	V("pi3b+", NULL, O43_NONE, O66_NONE, NULL, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, false, NULL),
	V("pi3b+", NULL, O43_DNSMASQ, O66_NONE, SERVER, "192.168.1.100", 2, 0, false, 0,
	  VPI_REPLY_USABLE, true, SERVER),
	V("pi2", NULL, O43_DNSMASQ, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SERVER),

	/* Pi 4/5: PXE_OPTION43 substring mandatory (siaddr/66 alone are not enough) */
	V("pi4b", NULL, O43_DNSMASQ, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SERVER),
	V("pi4b", NULL, O43_DNSMASQ_3SP, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SERVER),
	V("pi4b", NULL, O43_TILDES, O66_NONE, NULL, NULL, 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SRC),
	V("pi4b", NULL, O43_RAW, O66_LITERAL, NULL, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, "10.0.0.5"),
	V("pi4b", NULL, O43_TRUNCATED, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, false, NULL),
	V("pi4b", NULL, O43_NONE, O66_LITERAL, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, false, NULL),
	V("pi4b", "Custom Lab", O43_DNSMASQ, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, false, NULL),
	V("pi4b", "Custom Lab", O43_CUSTOM, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SERVER),
	/* relays fixed in 2020-06 */
	V("pi4b", NULL, O43_DNSMASQ, O66_NONE, SERVER, "192.168.1.100", 1, 0, false, 0,
	  VPI_REPLY_USABLE, true, SERVER),
	V("pi5", NULL, O43_DNSMASQ, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, true, SERVER),
	V("pi5", NULL, O43_NONE, O66_NONE, SERVER, "192.168.1.100", 0, 0, false, 0,
	  VPI_REPLY_USABLE, false, NULL),
};

static uint32_t addr(const char *s)
{
	struct in_addr a = { 0 };
	if (s)
		assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void set_43(struct dhcp_msg *m, enum o43 kind)
{
	static const char raw_3sp[] = "Raspberry Pi Boot   ";
	static const char raw[] = "Raspberry Pi Boot";
	static const char tildes[] = "\x06\x01\x03\x09\x18\x00\x00\x15~~Raspberry Pi Boot~~\xff";
	static const char truncated[] = "Raspberry Pi Bo";
	static const char custom[] = "Custom Lab Boot";
	switch (kind) {
	case O43_NONE:
		break;
	case O43_DNSMASQ:
		assert_int_equal(dhcp_msg_set_option(m, 43, dnsmasq_43, sizeof(dnsmasq_43)), 0);
		break;
	case O43_DNSMASQ_3SP:
		assert_int_equal(dhcp_msg_set_option(m, 43, dnsmasq_43_3sp, sizeof(dnsmasq_43_3sp)), 0);
		break;
	case O43_RAW_3SP:
		assert_int_equal(dhcp_msg_set_option(m, 43, raw_3sp, strlen(raw_3sp)), 0);
		break;
	case O43_RAW:
		assert_int_equal(dhcp_msg_set_option(m, 43, raw, strlen(raw)), 0);
		break;
	case O43_TILDES:
		assert_int_equal(dhcp_msg_set_option(m, 43, tildes, sizeof(tildes) - 1), 0);
		break;
	case O43_TRUNCATED:
		assert_int_equal(dhcp_msg_set_option(m, 43, truncated, strlen(truncated)), 0);
		break;
	case O43_CUSTOM:
		assert_int_equal(dhcp_msg_set_option(m, 43, custom, strlen(custom)), 0);
		break;
	}
}

static void build_offer(const struct offer_vector *v, struct dhcp_msg *ret)
{
	struct dhcp_msg m;
	dhcp_msg_init(&m, v->op ? v->op : BOOTREPLY, DHCPOFFER, v->xid ? v->xid : XID);
	m.hops = v->hops;
	m.yiaddr = addr(v->yiaddr);
	m.siaddr = addr(v->siaddr);
	memcpy(m.chaddr, board.mac, 6);
	if (v->wrong_mac)
		m.chaddr[5] ^= 1;
	assert_int_equal(dhcp_msg_set_addr(&m, 54, addr(SERVER)), 0);
	assert_int_equal(dhcp_msg_set_addr(&m, 1, addr("255.255.255.0")), 0);
	if (v->o66 == O66_LITERAL_FIRST)
		assert_int_equal(dhcp_msg_set_option(&m, 66, "10.0.0.5", 8), 0);
	set_43(&m, v->o43);
	if (v->o66 == O66_LITERAL)
		assert_int_equal(dhcp_msg_set_option(&m, 66, "10.0.0.5", 9), 0); /* with NUL */
	else if (v->o66 == O66_NAME)
		assert_int_equal(dhcp_msg_set_option(&m, 66, "tftp.lab", 8), 0);
	/* through the wire, as the board receives it */
	uint8_t buf[1500];
	int n = dhcp_wire_build(&m, buf, sizeof(buf), 300);
	assert_true(n > 0);
	assert_int_equal(dhcp_wire_parse(buf, (size_t)n, ret), 0);
}

static void test_offer_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct offer_vector *v = &vectors[i];
		const struct vpi_model *m = vpi_model_find(v->model);
		assert_non_null(m);
		struct dhcp_msg msg;
		build_offer(v, &msg);
		struct vpi_reply r;
		assert_int_equal(vpi_dhcp_judge(m, &board, XID, v->pxe_option43, &msg, addr(SRC), &r), 0);
		char where[64];
		snprintf(where, sizeof(where), "vector at %s:%d", __FILE__, v->line);
		if (r.verdict != v->verdict || r.has_boot != v->has_boot)
			fail_msg("%s: verdict %d boot %d, expected %d %d", where, r.verdict, r.has_boot,
				 v->verdict, v->has_boot);
		if (v->has_boot && r.tftp_ip != addr(v->tftp))
			fail_msg("%s: wrong TFTP server", where);
		if (r.verdict == VPI_REPLY_USABLE) {
			assert_int_equal(r.type, DHCPOFFER);
			assert_int_equal(r.has_address, v->yiaddr != NULL);
			assert_int_equal(r.server_id, addr(SERVER));
			assert_int_equal(r.mask, addr("255.255.255.0"));
		}
	}
}

/* Pi 4 handles PAD (option 0) inside a reply since 2020-01-17 (quirk 14). */
static void test_pad_inside_reply(void **state)
{
	(void)state;
	struct offer_vector v = V("pi4b", NULL, O43_DNSMASQ, O66_NONE, SERVER, "192.168.1.100", 0,
				  0, false, 0, VPI_REPLY_USABLE, true, SERVER);
	struct dhcp_msg m;
	build_offer(&v, &m);
	uint8_t buf[1500];
	int n = dhcp_wire_build(&m, buf, sizeof(buf), 0);
	assert_true(n > 0);
	/* insert PADs after the cookie and before END */
	uint8_t padded[1600];
	size_t len = (size_t)n;
	memcpy(padded, buf, 240);
	memset(padded + 240, 0, 3);
	memcpy(padded + 243, buf + 240, len - 241);
	memset(padded + 243 + len - 241, 0, 4);
	padded[243 + len - 241 + 4] = 0xff;
	size_t plen = 243 + len - 241 + 5;
	struct dhcp_msg parsed;
	assert_int_equal(dhcp_wire_parse(padded, plen, &parsed), 0);
	struct vpi_reply r;
	assert_int_equal(vpi_dhcp_judge(vpi_model_find("pi4b"), &board, XID, NULL, &parsed,
					 addr(SRC), &r), 0);
	assert_int_equal(r.verdict, VPI_REPLY_USABLE);
	assert_true(r.has_boot);
	assert_true(r.has_address);
}

static void test_tftp_literal(void **state)
{
	(void)state;
	uint32_t a = 0;
	assert_true(vpi_dhcp_tftp_literal((const uint8_t *)"10.0.0.5", 8, &a));
	assert_int_equal(a, addr("10.0.0.5"));
	assert_true(vpi_dhcp_tftp_literal((const uint8_t *)"10.0.0.5\0\0", 10, &a));
	assert_false(vpi_dhcp_tftp_literal((const uint8_t *)"10.0\0.0.5", 10, &a));
	assert_false(vpi_dhcp_tftp_literal((const uint8_t *)"tftp", 4, &a));
	assert_false(vpi_dhcp_tftp_literal((const uint8_t *)"", 0, &a));
	assert_false(vpi_dhcp_tftp_literal((const uint8_t *)"192.168.100.100.1", 17, &a));
}

struct lines {
	char text[64][96];
	size_t n;
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;
	assert_true(l->n < 64);
	snprintf(l->text[l->n++], sizeof(l->text[0]), "%s", line);
}

static void test_eeprom_dump(void **state)
{
	(void)state;
	struct offer_vector v = V("pi4b", NULL, O43_DNSMASQ, O66_NONE, SERVER, "192.168.1.100", 0,
				  0, false, 0, VPI_REPLY_USABLE, true, SERVER);
	struct dhcp_msg m;
	build_offer(&v, &m);
	static const uint8_t server_mac[6] = { 0x00, 0x0e, 0xc6, 0xe2, 0x13, 0x18 };
	struct lines l = { .n = 0 };
	vpi_dhcp_dump(&m, server_mac, addr(SERVER), DHCPOFFER, true, collect, &l);
	static const char *const expect[] = {
		"DHCP src: 00:0e:c6:e2:13:18 192.168.1.1",
		"YI_ADDR 192.168.1.100",
		"SI_ADDR 192.168.1.1",
		"OPTIONS:-",
		"\top: 53 len:   1 DHCP recv OFFER (2) expect OFFER",
		"\top: 54 len:   4 192.168.1.1",
		"\top:  1 len:   4 255.255.255.0",
		"\top: 43 len:  32 ",
		"\t\tPXE op:  6 len:   1 ",
		"\t\tPXE op: 10 len:   4 ",
		"\t\tPXE op:  9 len:  20 ",
	};
	assert_int_equal(l.n, sizeof(expect) / sizeof(expect[0]));
	for (size_t i = 0; i < l.n; i++)
		assert_string_equal(l.text[i], expect[i]);

	/* ACK: the source line and option 53 only */
	dhcp_msg_init(&m, BOOTREPLY, DHCPACK, XID);
	assert_int_equal(dhcp_msg_set_addr(&m, 54, addr(SERVER)), 0);
	l.n = 0;
	vpi_dhcp_dump(&m, server_mac, addr(SERVER), DHCPACK, false, collect, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.text[1], "\top: 53 len:   1 DHCP recv ACK (5) expect ACK");
	assert_string_equal(vpi_dhcp_type_name(DHCPNAK), "NACK");
	assert_string_equal(vpi_dhcp_type_name(200), "UNKNOWN");
}

/* A reply as the board judges it, built by hand: yiaddr, siaddr, server id, 43. */
static struct vpi_reply judge_one(const char *model, const char *yiaddr, const char *siaddr,
				  const char *server_id, enum o43 o43, const char *src)
{
	struct dhcp_msg m, parsed;
	dhcp_msg_init(&m, BOOTREPLY, DHCPOFFER, XID);
	m.yiaddr = addr(yiaddr);
	m.siaddr = addr(siaddr);
	memcpy(m.chaddr, board.mac, 6);
	assert_int_equal(dhcp_msg_set_addr(&m, 54, addr(server_id)), 0);
	if (yiaddr) {
		assert_int_equal(dhcp_msg_set_addr(&m, 1, addr("255.255.255.0")), 0);
		assert_int_equal(dhcp_msg_set_addr(&m, 3, addr("192.168.1.254")), 0);
	}
	set_43(&m, o43);
	uint8_t buf[1500];
	int n = dhcp_wire_build(&m, buf, sizeof(buf), 300);
	assert_true(n > 0);
	assert_int_equal(dhcp_wire_parse(buf, (size_t)n, &parsed), 0);
	struct vpi_reply r;
	assert_int_equal(vpi_dhcp_judge(vpi_model_find(model), &board, XID, NULL, &parsed,
					 addr(src), &r), 0);
	assert_int_equal(r.verdict, VPI_REPLY_USABLE);
	return r;
}

/*
 * Proxy DHCP (pi-netboot.md 2.2): the router's plain OFFER (an address, its
 * own siaddr as dnsmasq sends it, no hint) and the proxy's (yiaddr 0, the
 * hint, siaddr = the proxy), in either order: every model takes the
 * address, mask, router and server id from the first and its TFTP server
 * from the second.
 */
static void test_proxy_merge(void **state)
{
	(void)state;
	static const char *const models[] = { "pi2", "pi3b", "pi3b+", "pi4b", "pi5" };
	const char *router = "192.168.1.2", *proxy = SERVER;
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		const char *model = models[i];
		enum o43 hint = strcmp(model, "pi3b") == 0 ? O43_DNSMASQ_3SP : O43_DNSMASQ;
		struct vpi_reply plain = judge_one(model, "192.168.1.100", router, router,
						   O43_NONE, router);
		struct vpi_reply pxe = judge_one(model, NULL, proxy, proxy, hint, proxy);
		assert_false(pxe.has_address);
		assert_true(pxe.has_boot);
		assert_false(pxe.boot_by_siaddr);
		for (int order = 0; order < 2; order++) {
			struct vpi_offers o;
			memset(&o, 0, sizeof(o));
			const struct vpi_reply *first = order ? &pxe : &plain;
			const struct vpi_reply *second = order ? &plain : &pxe;
			if (vpi_dhcp_merge(&o, first))
				fail_msg("%s: done after one offer (order %d)", model, order);
			assert_true(vpi_dhcp_merge(&o, second));
			assert_int_equal(o.yiaddr, addr("192.168.1.100"));
			assert_int_equal(o.mask, addr("255.255.255.0"));
			assert_int_equal(o.router, addr("192.168.1.254"));
			assert_int_equal(o.server_id, addr(router));
			if (o.tftp_ip != addr(proxy))
				fail_msg("%s: TFTP server from the router's offer (order %d)", model, order);
			assert_false(o.boot_by_siaddr);
		}
	}
	/* Alone, a bare siaddr names the boot server for the 3B+ and bootcode.bin,
	 * but not before the attempt's wait is over; the 3B ROM and the EEPROM
	 * need the hint. */
	struct vpi_offers o;
	memset(&o, 0, sizeof(o));
	struct vpi_reply plain = judge_one("pi3b+", "192.168.1.100", router, router, O43_NONE, router);
	assert_true(plain.boot_by_siaddr);
	assert_false(vpi_dhcp_merge(&o, &plain));
	assert_true(o.have_addr && o.have_boot);
	assert_int_equal(o.tftp_ip, addr(router));
	/* A second plain offer changes nothing. */
	struct vpi_reply other = judge_one("pi3b+", "192.168.1.101", "192.168.1.3", "192.168.1.3",
					   O43_NONE, "192.168.1.3");
	assert_false(vpi_dhcp_merge(&o, &other));
	assert_int_equal(o.yiaddr, addr("192.168.1.100"));
	assert_int_equal(o.tftp_ip, addr(router));
	/* An offer with both the address and the hint is complete at once. */
	memset(&o, 0, sizeof(o));
	struct vpi_reply full = judge_one("pi3b+", "192.168.1.100", proxy, proxy, O43_DNSMASQ, proxy);
	assert_false(full.boot_by_siaddr);
	assert_true(vpi_dhcp_merge(&o, &full));
	/* Unusable replies are not merged. */
	memset(&o, 0, sizeof(o));
	struct vpi_reply none = { .verdict = VPI_REPLY_NOT_OURS, .has_address = true };
	assert_false(vpi_dhcp_merge(&o, &none));
	assert_false(o.have_addr);
	for (size_t i = 3; i < 5; i++) {
		struct vpi_reply r = judge_one(models[i], "192.168.1.100", router, router, O43_NONE,
					       router);
		assert_false(r.has_boot);
	}
	struct vpi_reply r = judge_one("pi3b", "192.168.1.100", router, router, O43_NONE, router);
	assert_false(r.has_boot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_vectors),
		cmocka_unit_test(test_pad_inside_reply),
		cmocka_unit_test(test_tftp_literal),
		cmocka_unit_test(test_eeprom_dump),
		cmocka_unit_test(test_proxy_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
