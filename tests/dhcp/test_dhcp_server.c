/*
 * test_dhcp_server.c - the DHCP engine, driven with hand-built requests for
 * each Raspberry Pi model's behaviour (pi-netboot.md 2.1-2.5), RFC 2131
 * REQUEST states, leases across a restart, and every fault action.
 */
#include <arpa/inet.h>
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

#include "harness/fault.h"
#include "harness/timeline.h"
#include "servers/dhcp_pxe.h"
#include "servers/dhcp_server.h"
#include "tests/dhcp/dhcp_vectors.h"

#define NOW ((time_t)1700000000)

static const uint8_t mac3b[6] = { 0xb8, 0x27, 0xeb, 0x64, 0x24, 0x7d };
static const uint8_t mac4[6] = { 0xdc, 0xa6, 0x32, 0x01, 0x36, 0xc2 };
static const uint8_t mac5[6] = { 0x2c, 0xcf, 0x67, 0x00, 0x00, 0x05 };
static const uint8_t macA[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t macB[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t macC[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const uint8_t macD[6] = { 0x02, 0, 0, 0, 0, 0x0d };

static uint32_t ip4(const char *s)
{
	uint32_t a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct dhcp_host hosts[3];

static struct dhcp_server_config base_config(void)
{
	memset(hosts, 0, sizeof(hosts));
	memcpy(hosts[0].mac, mac3b, 6);
	hosts[0].ip = ip4("192.168.1.100");
	snprintf(hosts[0].board, sizeof(hosts[0].board), "pi3b-01");
	snprintf(hosts[0].model, sizeof(hosts[0].model), "pi3b");
	memcpy(hosts[1].mac, mac4, 6);
	hosts[1].ip = ip4("192.168.1.101");
	hosts[1].lease_s = 3600;
	snprintf(hosts[1].board, sizeof(hosts[1].board), "pi4-01");
	snprintf(hosts[1].model, sizeof(hosts[1].model), "pi4");
	memcpy(hosts[2].mac, mac5, 6); /* known board, no reservation */
	snprintf(hosts[2].board, sizeof(hosts[2].board), "pi5-01");
	snprintf(hosts[2].model, sizeof(hosts[2].model), "pi5");
	struct dhcp_server_config cfg = {
		.server_ip = ip4("192.168.1.1"),
		.netmask = ip4("255.255.255.0"),
		.router = ip4("192.168.1.254"),
		.dns = ip4("192.168.1.53"),
		.range_start = ip4("192.168.1.50"),
		.range_end = ip4("192.168.1.150"),
		.lease_s = 43200,
		.pxe_spaces = DHCP_PXE_SPACES_AUTO,
		.time_scale = 1.0,
		.hosts = hosts,
		.n_hosts = 3,
	};
	snprintf(cfg.pxe_menu, sizeof(cfg.pxe_menu), "%s", PXE_DEFAULT_MENU);
	return cfg;
}

static struct dhcp_server *new_server(const struct dhcp_server_config *cfg, struct timeline *tl,
				      struct fault_engine *faults)
{
	struct dhcp_server *srv = NULL;
	assert_int_equal(dhcp_server_new(cfg, tl, faults, &srv), 0);
	assert_non_null(srv);
	return srv;
}

/* Sends `v` and parses the reply into *ret (when one is expected). */
static int exchange(struct dhcp_server *srv, const struct vec *v, time_t now,
		    struct dhcp_reply *reply, struct dhcp_msg *ret)
{
	int r = dhcp_server_handle(srv, v->b, v->len, 0, now, reply);
	if (r == 1) {
		assert_true(reply->len >= DHCP_BOOTP_MIN_LEN);
		assert_int_equal(dhcp_wire_parse(reply->buf, reply->len, ret), 0);
		assert_int_equal(ret->op, BOOTREPLY);
		assert_int_equal(ret->xid, reply->xid);
		dhcp_server_reply_sent(srv, reply);
	}
	return r;
}

static void assert_codes(const struct dhcp_msg *m, const uint8_t *codes, size_t n)
{
	char got[256] = "", want[256] = "";
	size_t g = 0, w = 0;
	for (size_t i = 0; i < m->n_options; i++)
		g += (size_t)snprintf(got + g, sizeof(got) - g, "%u,", m->options[i].code);
	for (size_t i = 0; i < n; i++)
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%u,", codes[i]);
	assert_string_equal(got, want);
}

static void assert_pxe(const struct dhcp_msg *m, const char *text)
{
	size_t len;
	char got[64];
	const uint8_t *o = dhcp_msg_get_option(m, 43, &len);
	assert_non_null(o);
	assert_int_equal(dhcp_pxe_menu_text(o, len, got, sizeof(got)), 0);
	assert_string_equal(got, text);
}

static uint32_t opt_u32(const struct dhcp_msg *m, uint8_t code)
{
	uint32_t v = 0;
	assert_int_equal(dhcp_msg_get_u32(m, code, &v), 0);
	return v;
}

/* Pi 3B ROM: constant xid, no REQUEST, needs three trailing spaces. */
static void test_pi3b_rom(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	struct dhcp_server *srv = new_server(&cfg, NULL, NULL);
	struct vec v;
	struct dhcp_reply rep;
	struct dhcp_msg m;
	vec_pi3b_discover(&v, mac3b);
	for (int attempt = 0; attempt < 5; attempt++) { /* 5 DISCOVERs, 5 s apart */
		assert_int_equal(exchange(srv, &v, NOW + attempt * 5, &rep, &m), 1);
		assert_int_equal(rep.type, DHCPOFFER);
		assert_int_equal(m.type, DHCPOFFER);
		assert_int_equal(m.xid, PI3B_XID);
		assert_int_equal(m.yiaddr, ip4("192.168.1.100"));
		assert_int_equal(m.siaddr, ip4("192.168.1.1"));
		assert_int_equal(m.flags, 0);
		assert_int_equal(m.hops, 0);
		assert_memory_equal(m.chaddr, mac3b, 6);
		assert_int_equal(rep.dst_ip, htonl(INADDR_BROADCAST));
		assert_int_equal(rep.dst_port, 68);
		assert_true(rep.delay_s == 0);
		assert_string_equal(rep.board, "pi3b-01");
		/* its PRL asks for none of 1, 28, 3, 6 */
		static const uint8_t order[] = { 53, 54, 51, 58, 59, 60, 97, 43 };
		assert_codes(&m, order, sizeof(order));
		assert_pxe(&m, "Raspberry Pi Boot   ");
		size_t len;
		const uint8_t *o = dhcp_msg_get_option(&m, 43, &len);
		assert_int_equal(len, 35);
		assert_true(dhcp_pxe_contains(o, len, "Raspberry Pi Boot   "));
		o = dhcp_msg_get_option(&m, 60, &len);
		assert_int_equal(len, 9);
		assert_memory_equal(o, "PXEClient", 9);
		o = dhcp_msg_get_option(&m, 97, &len);
		assert_int_equal(len, 17);
		assert_int_equal(o[16], 0x44);
		assert_int_equal(opt_u32(&m, 51), 43200);
		assert_int_equal(opt_u32(&m, 58), 21600);
		assert_int_equal(opt_u32(&m, 59), 37800);
	}
	/* Only the GUID fingerprint (PRL of a 3B+) still gets spaces. */
	uint8_t guid[17] = { 0 };
	memset(guid + 1, 0x44, 16);
	vec_header(&v, 1, PI3B_XID, mac3b);
	vec_u8(&v, 53, 1);
	vec_opt(&v, 60, PI_VENDOR_CLASS, 32);
	vec_opt(&v, 97, guid, 17);
	vec_end(&v);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_pxe(&m, "Raspberry Pi Boot   ");
	/* No lease is bound: the ROM never sends REQUEST. */
	assert_false(dhcp_server_leases_dirty(srv));
	dhcp_server_free(srv);
}

/* Pi 4: DISCOVER -> OFFER -> REQUEST (54, 50, no 60) -> ACK. */
static void test_pi4_dora(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	struct dhcp_server *srv = new_server(&cfg, NULL, NULL);
	struct vec v;
	struct dhcp_reply rep;
	struct dhcp_msg m;
	vec_pi4(&v, DHCPDISCOVER, 0xd383a6ac, mac4, 0, 0);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPOFFER);
	assert_int_equal(m.yiaddr, ip4("192.168.1.101"));
	static const uint8_t order[] = { 53, 54, 51, 58, 59, 1, 3, 60, 97, 43 };
	assert_codes(&m, order, sizeof(order));
	assert_pxe(&m, "Raspberry Pi Boot");
	size_t len;
	assert_non_null(dhcp_msg_get_option(&m, 43, &len));
	assert_int_equal(len, 32);
	assert_int_equal(opt_u32(&m, 51), 3600);
	uint32_t a;
	assert_int_equal(dhcp_msg_get_addr(&m, 1, &a), 0);
	assert_int_equal(a, ip4("255.255.255.0"));
	assert_int_equal(dhcp_msg_get_addr(&m, 3, &a), 0);
	assert_int_equal(a, ip4("192.168.1.254"));

	vec_pi4(&v, DHCPREQUEST, 0xd383a6ac, mac4, ip4("192.168.1.1"), ip4("192.168.1.101"));
	assert_int_equal(exchange(srv, &v, NOW + 1, &rep, &m), 1);
	assert_int_equal(m.type, DHCPACK);
	assert_int_equal(rep.type, DHCPACK);
	assert_int_equal(m.yiaddr, ip4("192.168.1.101"));
	assert_int_equal(rep.dst_ip, htonl(INADDR_BROADCAST));
	/* The REQUEST has no 60: not a PXE client, so no 60/97/43 in the ACK. */
	static const uint8_t ack_order[] = { 53, 54, 51, 58, 59, 1, 3 };
	assert_codes(&m, ack_order, sizeof(ack_order));
	assert_true(dhcp_server_leases_dirty(srv));
	dhcp_server_free(srv);
}

static uint32_t discover_ip(struct dhcp_server *srv, const uint8_t mac[6], uint32_t xid, time_t now)
{
	struct vec v;
	struct dhcp_reply rep;
	struct dhcp_msg m;
	vec_plain(&v, DHCPDISCOVER, xid, mac, 0, 0, 0);
	if (exchange(srv, &v, now, &rep, &m) != 1)
		return 0;
	assert_int_equal(m.type, DHCPOFFER);
	return m.yiaddr;
}

static int request(struct dhcp_server *srv, const uint8_t mac[6], uint32_t sid, uint32_t want,
		   uint32_t ciaddr, time_t now, struct dhcp_reply *rep, struct dhcp_msg *m)
{
	struct vec v;
	vec_plain(&v, DHCPREQUEST, 77, mac, sid, want, ciaddr);
	return exchange(srv, &v, now, rep, m);
}

static void test_dynamic_range(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	struct dhcp_server *srv = new_server(&cfg, NULL, NULL);
	struct dhcp_reply rep;
	struct dhcp_msg m;
	uint32_t a = discover_ip(srv, macA, 1, NOW);
	uint32_t b = discover_ip(srv, macB, 2, NOW);
	assert_int_equal(a, ip4("192.168.1.50"));
	assert_int_equal(b, ip4("192.168.1.51"));
	/* the same client is offered the same address again */
	assert_int_equal(discover_ip(srv, macA, 3, NOW + 1), a);
	/* a known board without reservation gets a range address */
	assert_int_equal(discover_ip(srv, mac5, 4, NOW), ip4("192.168.1.52"));
	/* a client without 60 gets no PXE; with its PRL 1,3,6 it gets those */
	assert_int_equal(request(srv, macA, ip4("192.168.1.1"), a, 0, NOW + 1, &rep, &m), 1);
	assert_int_equal(m.type, DHCPACK);
	static const uint8_t order[] = { 53, 54, 51, 58, 59, 1, 3, 6 };
	assert_codes(&m, order, sizeof(order));
	assert_int_equal(opt_u32(&m, 51), 43200);
	/* a client with no PRL gets 1, 28, 3, 6 */
	struct vec v;
	vec_header(&v, 1, 9, macC);
	vec_u8(&v, 53, DHCPDISCOVER);
	vec_end(&v);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	static const uint8_t order_all[] = { 53, 54, 51, 58, 59, 1, 28, 3, 6 };
	assert_codes(&m, order_all, sizeof(order_all));
	uint32_t bc;
	assert_int_equal(dhcp_msg_get_addr(&m, 28, &bc), 0);
	assert_int_equal(bc, ip4("192.168.1.255"));
	/* requested address (50) honoured when free */
	vec_plain(&v, DHCPDISCOVER, 10, macD, 0, ip4("192.168.1.140"), 0);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(m.yiaddr, ip4("192.168.1.140"));
	/* but not when it is reserved or taken */
	vec_plain(&v, DHCPDISCOVER, 11, macD, 0, a, 0);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(m.yiaddr, ip4("192.168.1.140"));
	dhcp_server_free(srv);
}

static void test_reserved_addresses_skipped(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	cfg.range_start = ip4("192.168.1.99");
	cfg.range_end = ip4("192.168.1.103");
	struct dhcp_server *srv = new_server(&cfg, NULL, NULL);
	/* .100 and .101 are reserved: dynamic clients get .99, .102, .103 */
	assert_int_equal(discover_ip(srv, macA, 1, NOW), ip4("192.168.1.99"));
	assert_int_equal(discover_ip(srv, macB, 1, NOW), ip4("192.168.1.102"));
	assert_int_equal(discover_ip(srv, macC, 1, NOW), ip4("192.168.1.103"));
	assert_int_equal(discover_ip(srv, macD, 1, NOW), 0);
	dhcp_server_free(srv);

	cfg.ignore_reservations = true;
	srv = new_server(&cfg, NULL, NULL);
	struct vec v;
	struct dhcp_reply rep;
	struct dhcp_msg m;
	vec_pi3b_discover(&v, mac3b);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(m.yiaddr, ip4("192.168.1.99"));
	dhcp_server_free(srv);
}

static void test_exhaustion(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	cfg.range_start = ip4("192.168.1.50");
	cfg.range_end = ip4("192.168.1.52");
	struct timeline *tl = timeline_new();
	struct dhcp_server *srv = new_server(&cfg, tl, NULL);
	assert_int_not_equal(discover_ip(srv, macA, 1, NOW), 0);
	assert_int_not_equal(discover_ip(srv, macB, 1, NOW), 0);
	assert_int_not_equal(discover_ip(srv, macC, 1, NOW), 0);
	assert_int_equal(discover_ip(srv, macD, 1, NOW), 0);
	const struct event *ev = timeline_get(tl, timeline_count(tl) - 1);
	assert_string_equal(ev->name, "dhcp.exhausted");
	/* Offers are only held for a while; then D gets one. */
	assert_int_equal(discover_ip(srv, macD, 1, NOW + 31), ip4("192.168.1.50"));
	/* A bound lease is not taken away: bind D, expire the rest, A gets another. */
	struct dhcp_reply rep;
	struct dhcp_msg m;
	assert_int_equal(request(srv, macD, cfg.server_ip, ip4("192.168.1.50"), 0, NOW + 31, &rep, &m), 1);
	assert_int_equal(m.type, DHCPACK);
	assert_int_equal(discover_ip(srv, macA, 1, NOW + 100), ip4("192.168.1.51"));
	dhcp_server_free(srv);
	timeline_free(tl);
}

/* Many distinct MACs (perfdhcp-like) on a /16 range stay fast and unique. */
static void test_many_clients(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	cfg.netmask = ip4("255.255.0.0");
	cfg.range_start = ip4("192.168.2.0");
	cfg.range_end = ip4("192.168.255.255");
	struct dhcp_server *srv = new_server(&cfg, NULL, NULL);
	static uint8_t seen[65536];
	memset(seen, 0, sizeof(seen));
	for (uint32_t i = 0; i < 30000; i++) {
		uint8_t mac[6] = { 0x02, 0x10, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
		struct dhcp_reply rep;
		struct dhcp_msg m;
		uint32_t ip = discover_ip(srv, mac, i, NOW);
		assert_int_not_equal(ip, 0);
		assert_int_equal(request(srv, mac, cfg.server_ip, ip, 0, NOW, &rep, &m), 1);
		assert_int_equal(m.type, DHCPACK);
		uint16_t low = (uint16_t)ntohl(ip);
		assert_int_equal(seen[low], 0);
		seen[low] = 1;
	}
	dhcp_server_free(srv);
}

static void test_request_states(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	struct dhcp_server *srv = new_server(&cfg, NULL, NULL);
	struct dhcp_reply rep;
	struct dhcp_msg m;
	uint32_t sid = cfg.server_ip;
	uint32_t a = discover_ip(srv, macA, 1, NOW);

	/* SELECTING, wrong address -> NAK with 53, 54, 56 only, broadcast */
	assert_int_equal(request(srv, macA, sid, ip4("192.168.1.77"), 0, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPNAK);
	assert_int_equal(rep.type, DHCPNAK);
	static const uint8_t nak_order[] = { 53, 54, 56 };
	assert_codes(&m, nak_order, sizeof(nak_order));
	assert_int_equal(m.yiaddr, 0);
	assert_int_equal(m.siaddr, 0);
	assert_int_equal(rep.dst_ip, htonl(INADDR_BROADCAST));

	/* SELECTING another server: silent, and our offer is forgotten (a
	 * one-address range shows it: B gets the address at once) */
	struct dhcp_server_config one = cfg;
	one.range_end = one.range_start;
	struct dhcp_server *srv1 = new_server(&one, NULL, NULL);
	assert_int_equal(discover_ip(srv1, macA, 1, NOW), a);
	assert_int_equal(discover_ip(srv1, macB, 2, NOW), 0);
	assert_int_equal(request(srv1, macA, ip4("192.168.1.2"), a, 0, NOW, &rep, &m), 0);
	assert_int_equal(discover_ip(srv1, macB, 2, NOW), a);
	dhcp_server_free(srv1);
	assert_int_equal(request(srv, macA, ip4("192.168.1.2"), a, 0, NOW, &rep, &m), 0);
	assert_int_equal(discover_ip(srv, macB, 2, NOW), ip4("192.168.1.51"));
	a = ip4("192.168.1.51");

	/* INIT-REBOOT: wrong subnet -> NAK */
	assert_int_equal(request(srv, macC, 0, ip4("10.0.0.5"), 0, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPNAK);
	/* unknown client, free address -> silent */
	assert_int_equal(request(srv, macC, 0, ip4("192.168.1.120"), 0, NOW, &rep, &m), 0);
	/* unknown client, address held by B -> NAK; reserved for the 3B -> NAK */
	assert_int_equal(request(srv, macC, 0, a, 0, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPNAK);
	assert_int_equal(request(srv, macC, 0, ip4("192.168.1.100"), 0, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPNAK);
	/* B binds a; INIT-REBOOT of B for a -> ACK; for another -> NAK */
	assert_int_equal(request(srv, macB, sid, a, 0, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPACK);
	assert_int_equal(request(srv, macB, 0, a, 0, NOW + 10, &rep, &m), 1);
	assert_int_equal(m.type, DHCPACK);
	assert_int_equal(request(srv, macB, 0, ip4("192.168.1.120"), 0, NOW + 10, &rep, &m), 1);
	assert_int_equal(m.type, DHCPNAK);
	/* reserved host INIT-REBOOT for its reservation -> ACK even with no history */
	assert_int_equal(request(srv, mac4, 0, ip4("192.168.1.101"), 0, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPACK);
	assert_int_equal(opt_u32(&m, 51), 3600);

	/* RENEWING: ciaddr set, unicast ACK to ciaddr:68 */
	assert_int_equal(request(srv, macB, 0, 0, a, NOW + 100, &rep, &m), 1);
	assert_int_equal(m.type, DHCPACK);
	assert_int_equal(m.ciaddr, 0);
	assert_int_equal(m.yiaddr, a);
	assert_int_equal(rep.dst_ip, a);
	assert_int_equal(rep.dst_port, 68);
	/* RENEWING an address we do not know -> NAK, broadcast */
	assert_int_equal(request(srv, macC, 0, 0, ip4("192.168.1.130"), NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPNAK);
	assert_int_equal(rep.dst_ip, htonl(INADDR_BROADCAST));

	/* through a relay: to giaddr:67 */
	struct vec v;
	vec_plain(&v, DHCPDISCOVER, 5, macD, 0, 0, 0);
	vec_set_addr(&v, 24, ip4("192.168.1.254"));
	v.b[3] = 1;
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(rep.dst_ip, ip4("192.168.1.254"));
	assert_int_equal(rep.dst_port, 67);
	assert_int_equal(m.giaddr, ip4("192.168.1.254"));
	dhcp_server_free(srv);
}

static void test_decline_release_inform(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	struct dhcp_server *srv = new_server(&cfg, NULL, NULL);
	struct dhcp_reply rep;
	struct dhcp_msg m;
	struct vec v;
	uint32_t sid = cfg.server_ip;
	uint32_t a = discover_ip(srv, macA, 1, NOW);
	assert_int_equal(request(srv, macA, sid, a, 0, NOW, &rep, &m), 1);
	/* DECLINE: no reply; the address is not offered again for a while */
	vec_plain(&v, DHCPDECLINE, 2, macA, sid, a, 0);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	uint32_t b = discover_ip(srv, macA, 3, NOW + 1);
	assert_int_not_equal(b, a);
	assert_int_not_equal(b, 0);
	assert_int_equal(request(srv, macA, sid, b, 0, NOW + 1, &rep, &m), 1);
	assert_int_equal(m.type, DHCPACK);
	/* RELEASE: frees the lease; the lease file no longer lists it */
	char path[] = "/tmp/pitest-dhcp-rel-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	vec_plain(&v, DHCPRELEASE, 4, macA, sid, 0, b);
	assert_int_equal(exchange(srv, &v, NOW + 2, &rep, &m), 0);
	assert_true(dhcp_server_leases_dirty(srv));
	assert_int_equal(dhcp_server_save_leases(srv, path, NOW + 2), 0);
	assert_false(dhcp_server_leases_dirty(srv));
	char text[1024] = "";
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(path);
	assert_null(strstr(text, "02:00:00:00:00:0a"));
	/* a released address can be given to someone else */
	assert_int_equal(request(srv, macB, 0, b, 0, NOW + 3, &rep, &m), 0); /* B unknown: silent */

	/* INFORM: ACK without yiaddr or lease options, to ciaddr */
	vec_plain(&v, DHCPINFORM, 5, macC, 0, 0, ip4("192.168.1.7"));
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPACK);
	assert_int_equal(m.yiaddr, 0);
	assert_int_equal(m.ciaddr, ip4("192.168.1.7"));
	assert_false(dhcp_msg_has_option(&m, 51));
	static const uint8_t order[] = { 53, 54, 1, 3, 6 };
	assert_codes(&m, order, sizeof(order));
	assert_int_equal(rep.dst_ip, ip4("192.168.1.7"));
	dhcp_server_free(srv);
}

static void test_bootp(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	struct dhcp_server *srv = new_server(&cfg, NULL, NULL);
	struct dhcp_reply rep;
	struct dhcp_msg m;
	struct vec v;
	vec_header(&v, 1, 3, mac3b);
	vec_end(&v);
	v.len = 300;
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(rep.type, DHCP_NONE);
	assert_int_equal(m.type, DHCP_NONE);
	assert_int_equal(m.yiaddr, ip4("192.168.1.100"));
	assert_int_equal(m.siaddr, cfg.server_ip);
	assert_false(dhcp_msg_has_option(&m, 53));
	/* BOOTP from an unknown client is ignored */
	vec_header(&v, 1, 3, macA);
	v.len = 300;
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	dhcp_server_free(srv);
}

static void test_pxe_modes(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	struct vec v;
	struct dhcp_reply rep;
	struct dhcp_msg m;

	cfg.pxe_spaces = DHCP_PXE_SPACES_NEVER;
	struct dhcp_server *srv = new_server(&cfg, NULL, NULL);
	vec_pi3b_discover(&v, mac3b);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_pxe(&m, "Raspberry Pi Boot");
	dhcp_server_free(srv);

	cfg.pxe_spaces = DHCP_PXE_SPACES_ALWAYS;
	srv = new_server(&cfg, NULL, NULL);
	vec_pi4(&v, DHCPDISCOVER, 1, mac4, 0, 0);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_pxe(&m, "Raspberry Pi Boot   ");
	dhcp_server_free(srv);

	cfg.pxe_menu[0] = '\0';
	srv = new_server(&cfg, NULL, NULL);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_false(dhcp_msg_has_option(&m, 43));
	assert_false(dhcp_msg_has_option(&m, 60));
	dhcp_server_free(srv);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_lease_restart(void **state)
{
	(void)state;
	char dir[] = "/tmp/pitest-dhcp-leases-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/leases", dir);
	struct dhcp_server_config cfg = base_config();
	struct dhcp_reply rep;
	struct dhcp_msg m;

	struct dhcp_server *srv = new_server(&cfg, NULL, NULL);
	assert_int_equal(dhcp_server_load_leases(srv, path, NOW), -ENOENT);
	(void)discover_ip(srv, macA, 1, NOW);
	(void)discover_ip(srv, macB, 1, NOW);
	uint32_t c = discover_ip(srv, macC, 1, NOW);
	assert_int_equal(c, ip4("192.168.1.52"));
	assert_int_equal(request(srv, macC, cfg.server_ip, c, 0, NOW, &rep, &m), 1);
	assert_int_equal(request(srv, mac4, 0, ip4("192.168.1.101"), 0, NOW, &rep, &m), 1);
	assert_int_equal(dhcp_server_save_leases(srv, path, NOW), 0);
	dhcp_server_free(srv);

	/* "restart": a new instance reads the file */
	srv = new_server(&cfg, NULL, NULL);
	assert_int_equal(dhcp_server_load_leases(srv, path, NOW + 60), 0);
	assert_false(dhcp_server_leases_dirty(srv));
	assert_int_equal(discover_ip(srv, macC, 9, NOW + 60), c);
	assert_int_equal(discover_ip(srv, macD, 9, NOW + 60), ip4("192.168.1.50"));
	/* renewing works across the restart */
	assert_int_equal(request(srv, macC, 0, 0, c, NOW + 60, &rep, &m), 1);
	assert_int_equal(m.type, DHCPACK);
	dhcp_server_free(srv);

	/* after expiry the lease is gone */
	srv = new_server(&cfg, NULL, NULL);
	assert_int_equal(dhcp_server_load_leases(srv, path, NOW + 43201), 0);
	assert_int_equal(discover_ip(srv, macD, 9, NOW + 43201), ip4("192.168.1.50"));
	assert_int_equal(discover_ip(srv, macA, 9, NOW + 43201), ip4("192.168.1.51"));
	assert_int_equal(discover_ip(srv, macC, 9, NOW + 43201), ip4("192.168.1.52"));
	dhcp_server_free(srv);

	/* bad, conflicting and out-of-range lines are skipped */
	char big[600];
	memset(big, 'z', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	write_file(path, "# comment\n"
			 "garbage\n"
			 "192.168.1.100 02:00:00:00:00:0a 1800000000\n" /* reserved for the 3B */
			 "192.168.1.101 dc:a6:32:01:36:c2 1800000000\n" /* its own reservation: kept */
			 "192.168.1.102 b8:27:eb:64:24:7d 1800000000\n" /* 3B has another reservation */
			 "10.1.1.1 02:00:00:00:00:0b 1800000000\n"       /* out of range */
			 "192.168.1.1 02:00:00:00:00:0b 1800000000\n"    /* the server itself */
			 "192.168.1.60 02:00:00:00:00:0c 1800000000\n"   /* kept */
			 "192.168.1.60 02:00:00:00:00:0d 1800000000\n"   /* duplicate address */
			 "192.168.1.61 02:00:00:00:00:0d 1000\n"         /* expired */
			 "192.168.1.62 zz:00:00:00:00:0d 1800000000\n");
	FILE *f = fopen(path, "a");
	fputs(big, f);
	fputs("192.168.1.63 02:00:00:00:00:0b 1800000000\n", f);
	fclose(f);
	srv = new_server(&cfg, NULL, NULL);
	assert_int_equal(dhcp_server_load_leases(srv, path, NOW), 0);
	assert_int_equal(discover_ip(srv, macC, 9, NOW), ip4("192.168.1.60"));
	assert_int_equal(discover_ip(srv, macB, 9, NOW), ip4("192.168.1.63"));
	assert_int_equal(discover_ip(srv, macA, 9, NOW), ip4("192.168.1.50"));
	assert_int_equal(discover_ip(srv, macD, 9, NOW), ip4("192.168.1.51"));
	/* saving keeps only bound leases */
	assert_int_equal(dhcp_server_save_leases(srv, path, NOW), 0);
	char text[2048] = "";
	f = fopen(path, "r");
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_non_null(strstr(text, "192.168.1.101 dc:a6:32:01:36:c2 1800000000\n"));
	assert_non_null(strstr(text, "192.168.1.60 02:00:00:00:00:0c"));
	assert_null(strstr(text, "192.168.1.100"));
	assert_null(strstr(text, "192.168.1.50"));
	dhcp_server_free(srv);
	unlink(path);
	rmdir(dir);
}

static struct fault_engine *one_rule(const char *on, enum fault_action action, int option,
				     const char *value, double delay)
{
	struct fault_rule r;
	memset(&r, 0, sizeof(r));
	snprintf(r.server, sizeof(r.server), "dhcp");
	snprintf(r.on, sizeof(r.on), "%s", on);
	r.action = action;
	r.probability = 1.0;
	r.option = option;
	r.delay_s = delay;
	snprintf(r.value, sizeof(r.value), "%s", value ? value : "");
	struct fault_engine *e = fault_engine_new(&r, 1, NULL);
	assert_non_null(e);
	return e;
}

static void test_faults(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	cfg.time_scale = 10.0;
	struct vec v;
	struct dhcp_reply rep;
	struct dhcp_msg m;
	vec_pi4(&v, DHCPDISCOVER, 1, mac4, 0, 0);

	struct fault_engine *e = one_rule("offer", FAULT_DROP, 0, NULL, 0);
	struct dhcp_server *srv = new_server(&cfg, NULL, e);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	dhcp_server_free(srv);
	fault_engine_free(e);

	e = one_rule("offer", FAULT_DELAY, 0, NULL, 5.0);
	srv = new_server(&cfg, NULL, e);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_true(rep.delay_s > 0.5 - 1e-9 && rep.delay_s < 0.5 + 1e-9);
	dhcp_server_free(srv);
	fault_engine_free(e);

	e = one_rule("offer", FAULT_NAK, 0, NULL, 0);
	srv = new_server(&cfg, NULL, e);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(rep.type, DHCPNAK);
	assert_int_equal(m.type, DHCPNAK);
	assert_int_equal(m.yiaddr, 0);
	static const uint8_t nak_order[] = { 53, 54, 56 };
	assert_codes(&m, nak_order, sizeof(nak_order));
	dhcp_server_free(srv);
	fault_engine_free(e);

	e = one_rule("offer", FAULT_OMIT_OPTION, 43, NULL, 0);
	srv = new_server(&cfg, NULL, e);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPOFFER);
	assert_false(dhcp_msg_has_option(&m, 43));
	assert_true(dhcp_msg_has_option(&m, 60));
	dhcp_server_free(srv);
	fault_engine_free(e);

	e = one_rule("offer", FAULT_CORRUPT, 43, "Raspberry Pi Boop", 0);
	srv = new_server(&cfg, NULL, e);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_pxe(&m, "Raspberry Pi Boop");
	size_t len;
	const uint8_t *o = dhcp_msg_get_option(&m, 43, &len);
	assert_false(dhcp_pxe_contains(o, len, "Raspberry Pi Boot"));
	static const uint8_t order[] = { 53, 54, 51, 58, 59, 1, 3, 60, 97, 43 };
	assert_codes(&m, order, sizeof(order)); /* position kept */
	dhcp_server_free(srv);
	fault_engine_free(e);

	e = one_rule("offer", FAULT_CORRUPT, 54, "hex:0a:00:00:09", 0);
	srv = new_server(&cfg, NULL, e);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	uint32_t a;
	assert_int_equal(dhcp_msg_get_addr(&m, 54, &a), 0);
	assert_int_equal(a, ip4("10.0.0.9"));
	dhcp_server_free(srv);
	fault_engine_free(e);

	e = one_rule("offer", FAULT_CORRUPT, 43, "hex:52617370626572727920506920426f6f74", 0);
	srv = new_server(&cfg, NULL, e);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	o = dhcp_msg_get_option(&m, 43, &len);
	assert_int_equal(len, 17); /* a raw, unencapsulated string */
	assert_memory_equal(o, "Raspberry Pi Boot", 17);
	dhcp_server_free(srv);
	fault_engine_free(e);

	e = one_rule("discover", FAULT_DROP, 0, NULL, 0);
	srv = new_server(&cfg, NULL, e);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	dhcp_server_free(srv);
	fault_engine_free(e);

	/* ACK-side faults: REQUEST dropped, ACK turned into NAK */
	struct vec req;
	vec_pi4(&req, DHCPREQUEST, 1, mac4, cfg.server_ip, ip4("192.168.1.101"));
	e = one_rule("request", FAULT_DROP, 0, NULL, 0);
	srv = new_server(&cfg, NULL, e);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(exchange(srv, &req, NOW, &rep, &m), 0);
	dhcp_server_free(srv);
	fault_engine_free(e);
	e = one_rule("ack", FAULT_NAK, 0, NULL, 0);
	srv = new_server(&cfg, NULL, e);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPOFFER);
	assert_int_equal(exchange(srv, &req, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPNAK);
	dhcp_server_free(srv);
	fault_engine_free(e);
}

static const struct event *find_event(struct timeline *tl, const char *name, size_t *from)
{
	for (size_t i = *from; i < timeline_count(tl); i++) {
		const struct event *ev = timeline_get(tl, i);
		if (strcmp(ev->name, name) == 0) {
			*from = i + 1;
			return ev;
		}
	}
	fail_msg("no %s event", name);
	return NULL;
}

static void test_events(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	struct timeline *tl = timeline_new();
	assert_non_null(tl);
	struct dhcp_server *srv = new_server(&cfg, tl, NULL);
	struct vec v;
	struct dhcp_reply rep;
	struct dhcp_msg m;
	size_t at = 0;
	vec_pi3b_discover(&v, mac3b);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	const struct event *ev = find_event(tl, "dhcp.discover", &at);
	assert_string_equal(ev->board, "pi3b-01");
	assert_string_equal(event_get(ev, "mac"), "b8:27:eb:64:24:7d");
	assert_string_equal(event_get(ev, "xid"), "0x26f30339");
	assert_string_equal(event_get(ev, "vendor"), PI_VENDOR_CLASS);
	assert_string_equal(event_get(ev, "arch"), "0000");
	assert_string_equal(event_get(ev, "prl"), "43,60,67,128,129,130,131,132,133,134,135,66");
	assert_string_equal(event_get(ev, "guid"), "0044444444444444444444444444444444");
	assert_string_equal(event_get(ev, "len"), "320");
	assert_string_equal(event_get(ev, "flags"), "0x0000");
	assert_string_equal(event_get(ev, "hops"), "0");
	assert_null(event_get(ev, "requested"));
	ev = find_event(tl, "dhcp.offer", &at);
	assert_string_equal(ev->board, "pi3b-01");
	assert_string_equal(event_get(ev, "ip"), "192.168.1.100");
	assert_string_equal(event_get(ev, "siaddr"), "192.168.1.1");
	assert_string_equal(event_get(ev, "pxe"), "Raspberry Pi Boot   ");
	assert_string_equal(event_get(ev, "options"), "53,54,51,58,59,60,97,43");
	assert_string_equal(event_get(ev, "lease"), "43200");
	assert_string_equal(event_get(ev, "dst"), "255.255.255.255:68");
	assert_string_equal(event_get(ev, "xid"), "0x26f30339");

	/* unknown client: board "" ; REQUEST fields; NAK message */
	uint32_t a = discover_ip(srv, macA, 0x1234, NOW);
	assert_int_equal(request(srv, macA, cfg.server_ip, ip4("192.168.1.99"), 0, NOW, &rep, &m), 1);
	(void)a;
	ev = find_event(tl, "dhcp.request", &at);
	assert_string_equal(ev->board, "");
	assert_string_equal(event_get(ev, "requested"), "192.168.1.99");
	assert_string_equal(event_get(ev, "server_id"), "192.168.1.1");
	ev = find_event(tl, "dhcp.nak", &at);
	assert_string_equal(event_get(ev, "message"), "address not offered");
	assert_null(event_get(ev, "pxe"));

	/* a malformed datagram is an event and -EBADMSG */
	assert_int_equal(dhcp_server_handle(srv, v.b, 100, 0, NOW, &rep), -EBADMSG);
	ev = find_event(tl, "dhcp.malformed", &at);
	assert_string_equal(event_get(ev, "len"), "100");
	v.b[2] = 7; /* hlen not Ethernet */
	assert_int_equal(dhcp_server_handle(srv, v.b, v.len, 0, NOW, &rep), -EBADMSG);
	ev = find_event(tl, "dhcp.malformed", &at);
	assert_string_equal(ev->board, "pi3b-01");
	/* a BOOTREPLY arriving on port 67 is ignored */
	vec_pi3b_discover(&v, mac3b);
	v.b[0] = BOOTREPLY;
	assert_int_equal(dhcp_server_handle(srv, v.b, v.len, 0, NOW, &rep), 0);
	dhcp_server_free(srv);
	timeline_free(tl);
}

/* An x86 BIOS/iPXE DISCOVER: the Pi's vendor class and arch 0, a PC's GUID. */
static void vec_x86_discover(struct vec *v, const uint8_t mac[6], uint32_t xid)
{
	static const uint8_t guid[17] = { 0, 0x4c, 0x4c, 0x45, 0x44, 0x00, 0x35, 0x10, 0x80,
					  0x38, 0xb4, 0xc0, 0x4f, 0x4b, 0x50, 0x30, 0x32 };
	static const uint8_t prl[9] = { 1, 3, 43, 60, 66, 67, 128, 129, 130 };
	vec_header(v, 1, xid, mac);
	vec_u8(v, 53, DHCPDISCOVER);
	vec_opt(v, 55, prl, sizeof(prl));
	vec_opt(v, 93, pi_arch, 2);
	vec_opt(v, 94, pi_undi, 3);
	vec_opt(v, 97, guid, 17);
	vec_opt(v, 60, PI_VENDOR_CLASS, 32);
	vec_end(v);
}

static size_t count_events(struct timeline *tl, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < timeline_count(tl); i++)
		n += strcmp(timeline_get(tl, i)->name, name) == 0;
	return n;
}

/* Proxy mode: yiaddr 0 offers with the hint for PXE DISCOVERs, silence otherwise. */
static void test_proxy_mode(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	cfg.mode = DHCP_MODE_PROXY;
	cfg.range_start = cfg.range_end = 0;
	struct timeline *tl = timeline_new();
	assert_non_null(tl);
	struct dhcp_server *srv = new_server(&cfg, tl, NULL);
	struct vec v;
	struct dhcp_reply rep;
	struct dhcp_msg m;
	size_t at = 0;

	vec_pi4(&v, DHCPDISCOVER, 0xd383a6ac, mac4, 0, 0);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(m.type, DHCPOFFER);
	assert_true(rep.proxy);
	assert_int_equal(m.yiaddr, 0);
	assert_int_equal(m.siaddr, ip4("192.168.1.1"));
	assert_true(m.flags & DHCP_FLAG_BROADCAST);
	assert_int_equal(rep.dst_ip, htonl(INADDR_BROADCAST));
	static const uint8_t order[] = { 53, 54, 60, 97, 43 };
	assert_codes(&m, order, sizeof(order));
	assert_pxe(&m, "Raspberry Pi Boot");
	const struct event *ev = find_event(tl, "dhcp.discover", &at);
	assert_string_equal(ev->board, "pi4-01");
	ev = find_event(tl, "dhcp.offer", &at);
	assert_string_equal(event_get(ev, "proxy"), "true");
	assert_string_equal(event_get(ev, "ip"), "0.0.0.0");
	assert_string_equal(event_get(ev, "siaddr"), "192.168.1.1");

	/* The 3B ROM still gets its three spaces. */
	vec_pi3b_discover(&v, mac3b);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(m.yiaddr, 0);
	assert_pxe(&m, "Raspberry Pi Boot   ");

	/* The REQUEST goes to the other server: no answer, but its address names the board. */
	assert_null(dhcp_server_host_for_ip(srv, ip4("192.168.1.77"), NOW));
	vec_pi4(&v, DHCPREQUEST, 0xd383a6ac, mac4, ip4("192.168.1.2"), ip4("192.168.1.77"));
	assert_int_equal(exchange(srv, &v, NOW + 1, &rep, &m), 0);
	ev = find_event(tl, "dhcp.request", &at);
	assert_string_equal(event_get(ev, "requested"), "192.168.1.77");
	assert_string_equal(dhcp_server_host_for_ip(srv, ip4("192.168.1.77"), NOW + 1)->board, "pi4-01");
	/* Reservations still name boards whose ROM never REQUESTs. */
	assert_string_equal(dhcp_server_host_for_ip(srv, ip4("192.168.1.100"), NOW)->board, "pi3b-01");

	/* A kernel's plain DISCOVER, a REQUEST to us, INFORM and BOOTP: silence. */
	vec_plain(&v, DHCPDISCOVER, 5, mac4, 0, 0, 0);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	vec_pi4(&v, DHCPREQUEST, 0xd383a6ac, mac4, ip4("192.168.1.1"), ip4("192.168.1.101"));
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	vec_plain(&v, DHCPINFORM, 6, mac4, 0, 0, ip4("192.168.1.101"));
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	vec_header(&v, 1, 7, mac3b); /* BOOTP: no option 53 */
	vec_end(&v);
	v.len = 300;
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	assert_int_equal(count_events(tl, "dhcp.offer"), 2);
	assert_int_equal(count_events(tl, "dhcp.ack"), 0);
	assert_false(dhcp_server_leases_dirty(srv));
	dhcp_server_free(srv);

	/* No PXE menu: a proxy has nothing to say. */
	cfg.pxe_menu[0] = '\0';
	srv = new_server(&cfg, NULL, NULL);
	vec_pi4(&v, DHCPDISCOVER, 1, mac4, 0, 0);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	dhcp_server_free(srv);
	timeline_free(tl);
}

/* answer: lab / raspberry-pi; strangers get silence and one dhcp.ignored each. */
static void test_answer_policy(void **state)
{
	(void)state;
	struct dhcp_server_config cfg = base_config();
	cfg.answer = DHCP_ANSWER_LAB;
	struct timeline *tl = timeline_new();
	assert_non_null(tl);
	struct dhcp_server *srv = new_server(&cfg, tl, NULL);
	struct vec v;
	struct dhcp_reply rep;
	struct dhcp_msg m;
	size_t at = 0;

	/* An x86 PXE client, three times: no answer, no receipt events, one dhcp.ignored. */
	for (int i = 0; i < 3; i++) {
		vec_x86_discover(&v, macA, 0x100 + (uint32_t)i);
		assert_int_equal(exchange(srv, &v, NOW + i, &rep, &m), 0);
	}
	const struct event *ev = find_event(tl, "dhcp.ignored", &at);
	assert_string_equal(ev->board, "");
	assert_string_equal(event_get(ev, "mac"), "02:00:00:00:00:0a");
	assert_string_equal(event_get(ev, "vendor"), PI_VENDOR_CLASS);
	assert_string_equal(event_get(ev, "reason"), "not a board of the lab");
	assert_int_equal(count_events(tl, "dhcp.ignored"), 1);
	assert_int_equal(count_events(tl, "dhcp.discover"), 0);
	/* A plain stranger too (no vendor class); a Pi not in the lab too. */
	assert_int_equal(discover_ip(srv, macB, 1, NOW), 0);
	uint8_t other_pi[6] = { 0xb8, 0x27, 0xeb, 0x01, 0x02, 0x03 };
	vec_pi3b_discover(&v, other_pi);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	assert_int_equal(count_events(tl, "dhcp.ignored"), 3);
	ev = find_event(tl, "dhcp.ignored", &at);
	assert_string_equal(event_get(ev, "vendor"), "");
	/* Lab boards are answered, by DISCOVER and by their kernel's plain DHCP. */
	vec_pi4(&v, DHCPDISCOVER, 9, mac4, 0, 0);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_equal(m.yiaddr, ip4("192.168.1.101"));
	assert_int_not_equal(discover_ip(srv, mac5, 2, NOW), 0);
	dhcp_server_free(srv);

	/* raspberry-pi: any Pi by OUI or by option 97; PCs still ignored. */
	cfg.answer = DHCP_ANSWER_RASPBERRY_PI;
	srv = new_server(&cfg, tl, NULL);
	size_t before = count_events(tl, "dhcp.ignored");
	vec_pi3b_discover(&v, other_pi);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	assert_int_not_equal(m.yiaddr, 0);
	vec_pi4(&v, DHCPDISCOVER, 10, macC, 0, 0); /* MAC not a Pi's, GUID "RPi4" */
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	vec_x86_discover(&v, macD, 11);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	assert_int_equal(count_events(tl, "dhcp.ignored"), before + 1);
	at = 0;
	for (size_t i = 0; i <= before; i++)
		ev = find_event(tl, "dhcp.ignored", &at);
	assert_string_equal(event_get(ev, "mac"), "02:00:00:00:00:0d");
	assert_string_equal(event_get(ev, "reason"), "not a Raspberry Pi");
	dhcp_server_free(srv);

	/* Many strangers: one event each up to the table's size, then rate-limited. */
	cfg.answer = DHCP_ANSWER_LAB;
	srv = new_server(&cfg, tl, NULL);
	before = count_events(tl, "dhcp.ignored");
	uint8_t mac[6] = { 0x02, 0x55, 0, 0, 0, 0 };
	for (unsigned i = 0; i < 1100; i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		vec_x86_discover(&v, mac, i);
		assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 0);
	}
	assert_int_equal(count_events(tl, "dhcp.ignored"), before + 1024 + 1);
	mac[4] = 0x7f;
	vec_x86_discover(&v, mac, 1);
	assert_int_equal(exchange(srv, &v, NOW + 30, &rep, &m), 0);
	assert_int_equal(count_events(tl, "dhcp.ignored"), before + 1025);
	assert_int_equal(exchange(srv, &v, NOW + 61, &rep, &m), 0);
	assert_int_equal(count_events(tl, "dhcp.ignored"), before + 1026);
	dhcp_server_free(srv);
	timeline_free(tl);
}

/* How a Raspberry Pi is told from a PC sending the same vendor class. */
static void test_pi_identity(void **state)
{
	(void)state;
	static const uint8_t ouis[][6] = {
		{ 0xb8, 0x27, 0xeb, 1, 2, 3 }, { 0xdc, 0xa6, 0x32, 1, 2, 3 },
		{ 0xe4, 0x5f, 0x01, 1, 2, 3 }, { 0x28, 0xcd, 0xc1, 1, 2, 3 },
		{ 0xd8, 0x3a, 0xdd, 1, 2, 3 }, { 0x2c, 0xcf, 0x67, 1, 2, 3 },
	};
	for (size_t i = 0; i < sizeof(ouis) / sizeof(ouis[0]); i++)
		assert_true(dhcp_pxe_pi_mac(ouis[i]));
	assert_false(dhcp_pxe_pi_mac(macA));
	assert_false(dhcp_pxe_pi_mac((const uint8_t *)"\xb8\x27\xec\x01\x02\x03"));
	assert_false(dhcp_pxe_pi_mac(NULL));

	uint8_t g[17] = { 0 };
	memset(g + 1, 0x44, 16); /* 3B ROM */
	assert_true(dhcp_pxe_pi_guid(g, 17));
	for (int i = 0; i < 4; i++) /* 3B+: serial 0x8d8696f5 LE x4 */
		memcpy(g + 1 + 4 * i, "\xf5\x96\x86\x8d", 4);
	assert_true(dhcp_pxe_pi_guid(g, 17));
	assert_false(dhcp_pxe_pi_guid(g, 16));
	g[0] = 1;
	assert_false(dhcp_pxe_pi_guid(g, 17));
	g[0] = 0;
	g[16] ^= 1; /* no longer 4 equal words */
	assert_false(dhcp_pxe_pi_guid(g, 17));
	memcpy(g + 1, "RPi4\x12\x31\xc0\x00\x32\x01\x36\xc2\xef\xfd\xfe\x9f", 16);
	assert_true(dhcp_pxe_pi_guid(g, 17));
	memcpy(g + 1, "RPi5", 4);
	assert_true(dhcp_pxe_pi_guid(g, 17));
	memcpy(g + 1, "4iPR", 4); /* reversed, seen on a CM4 */
	assert_true(dhcp_pxe_pi_guid(g, 17));
	memcpy(g + 1, "RPiX", 4);
	assert_false(dhcp_pxe_pi_guid(g, 17));
	memset(g, 0, sizeof(g)); /* PCs with an unset UUID */
	assert_false(dhcp_pxe_pi_guid(g, 17));
	memset(g + 1, 0xff, 16);
	assert_false(dhcp_pxe_pi_guid(g, 17));
	assert_false(dhcp_pxe_pi_guid(NULL, 17));
}

static void test_bad_config(void **state)
{
	(void)state;
	struct dhcp_server *srv = NULL;
	struct dhcp_server_config cfg = base_config();
	cfg.server_ip = 0;
	assert_int_equal(dhcp_server_new(&cfg, NULL, NULL, &srv), -EINVAL);
	cfg = base_config();
	cfg.range_end = ip4("192.168.1.10");
	assert_int_equal(dhcp_server_new(&cfg, NULL, NULL, &srv), -EINVAL);
	cfg = base_config();
	cfg.mode = (enum dhcp_mode)7;
	assert_int_equal(dhcp_server_new(&cfg, NULL, NULL, &srv), -EINVAL);
	cfg = base_config();
	cfg.answer = (enum dhcp_answer)7;
	assert_int_equal(dhcp_server_new(&cfg, NULL, NULL, &srv), -EINVAL);
	cfg = base_config();
	cfg.range_start = ip4("10.0.0.0");
	cfg.range_end = ip4("10.255.255.255");
	assert_int_equal(dhcp_server_new(&cfg, NULL, NULL, &srv), -EINVAL);
	assert_null(srv);
	dhcp_server_free(NULL);
	/* no range at all: only reservations */
	cfg = base_config();
	cfg.range_start = cfg.range_end = 0;
	srv = new_server(&cfg, NULL, NULL);
	assert_int_equal(discover_ip(srv, macA, 1, NOW), 0);
	struct vec v;
	struct dhcp_reply rep;
	struct dhcp_msg m;
	vec_pi3b_discover(&v, mac3b);
	assert_int_equal(exchange(srv, &v, NOW, &rep, &m), 1);
	dhcp_server_free(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pi3b_rom),
		cmocka_unit_test(test_pi4_dora),
		cmocka_unit_test(test_dynamic_range),
		cmocka_unit_test(test_reserved_addresses_skipped),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_many_clients),
		cmocka_unit_test(test_request_states),
		cmocka_unit_test(test_decline_release_inform),
		cmocka_unit_test(test_bootp),
		cmocka_unit_test(test_pxe_modes),
		cmocka_unit_test(test_lease_restart),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_proxy_mode),
		cmocka_unit_test(test_answer_policy),
		cmocka_unit_test(test_pi_identity),
		cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
