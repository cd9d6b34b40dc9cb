/*
 * fuzz_dhcp_server.c - dhcp_server_handle() on arbitrary datagrams with a
 * lab-like config (reservations, a small range, PXE) and a timeline, the
 * server kept across inputs so lease state builds up. The first input byte
 * picks the clock step, so offers and leases also expire. A second server,
 * a proxy answering only Raspberry Pis, gets every input too.
 * Both are rebuilt every 20000 inputs to bound the timeline's memory.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/timeline.h"
#include "servers/dhcp_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dhcp_server *srv, *proxy;
static struct timeline *tl;
static time_t now = 1700000000;

static void setup(void)
{
	static struct dhcp_host hosts[2] = {
		{ .mac = { 0xb8, 0x27, 0xeb, 0x64, 0x24, 0x7d }, .board = "pi3b-01", .model = "pi3b" },
		{ .mac = { 0xdc, 0xa6, 0x32, 0x01, 0x36, 0xc2 }, .lease_s = 60, .board = "pi4-01",
		  .model = "pi4" },
	};
	struct dhcp_server_config cfg = {
		.lease_s = 120,
		.pxe_menu = "Raspberry Pi Boot",
		.pxe_spaces = DHCP_PXE_SPACES_AUTO,
		.time_scale = 1,
		.hosts = hosts,
		.n_hosts = 2,
	};
	inet_pton(AF_INET, "192.168.1.100", &hosts[0].ip);
	inet_pton(AF_INET, "192.168.1.101", &hosts[1].ip);
	inet_pton(AF_INET, "192.168.1.1", &cfg.server_ip);
	inet_pton(AF_INET, "255.255.255.0", &cfg.netmask);
	inet_pton(AF_INET, "192.168.1.254", &cfg.router);
	inet_pton(AF_INET, "192.168.1.96", &cfg.range_start);
	inet_pton(AF_INET, "192.168.1.104", &cfg.range_end);
	tl = timeline_new();
	if (!tl || dhcp_server_new(&cfg, tl, NULL, &srv) != 0)
		abort();
	cfg.mode = DHCP_MODE_PROXY;
	cfg.answer = DHCP_ANSWER_RASPBERRY_PI;
	cfg.range_start = cfg.range_end = 0;
	if (dhcp_server_new(&cfg, tl, NULL, &proxy) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_reply reply;
	static unsigned runs;
	/* The timeline keeps every event: start over now and then to bound memory. */
	if (srv && ++runs % 20000 == 0) {
		dhcp_server_free(srv);
		dhcp_server_free(proxy);
		timeline_free(tl);
		srv = NULL;
	}
	if (!srv)
		setup();
	if (size < 1)
		return 0;
	now += data[0] & 0x3f;
	int r = dhcp_server_handle(srv, data + 1, size - 1, 0, now, &reply);
	if (r == 1) {
		if (reply.len < 300 || reply.len > sizeof(reply.buf))
			abort();
		dhcp_server_reply_sent(srv, &reply);
	}
	r = dhcp_server_handle(proxy, data + 1, size - 1, 0, now, &reply);
	if (r == 1) {
		if (reply.len < 300 || reply.len > sizeof(reply.buf) || !reply.proxy)
			abort();
		dhcp_server_reply_sent(proxy, &reply);
	}
	return 0;
}
