/*
 * dhcp_serve_driver.c - test-only: runs dhcp_server + dhcp_glue on libevent
 * on one interface until SIGTERM/SIGINT, printing each event as a JSON line
 * on stdout. Stands in for `pitest serve` in the peer tests and the bench.
 *
 *   dhcp_serve_driver --iface IF [--port 67] [--range A-B] [--lease S]
 *       [--host MAC,IP,LEASE[,board]]... [--pxe TEXT] [--pxe-spaces auto|always|never]
 *       [--lease-file F] [--router IP] [--dns IP] [--quiet]
 *       [--delay-offer S]   (a fault rule: delay every OFFER by S seconds)
 *       [--mode server|proxy] [--answer any|lab|raspberry-pi]   (default: server, any)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/fault.h"
#include "harness/timeline.h"
#include "servers/dhcp_glue.h"
#include "servers/dhcp_server.h"

#define MAX_HOSTS 64

static void usage(void)
{
	fprintf(stderr, "usage: dhcp_serve_driver --iface IF [--port N] [--range A-B] [--lease S]\n"
			"  [--host MAC,IP,LEASE[,board]]... [--pxe TEXT] [--pxe-spaces auto|always|never]\n"
			"  [--lease-file F] [--router IP] [--dns IP] [--quiet] [--delay-offer S]\n"
			"  [--mode server|proxy] [--answer any|lab|raspberry-pi]\n");
	exit(2);
}

static uint32_t parse_ip(const char *s)
{
	uint32_t a;
	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "dhcp_serve_driver: bad address %s\n", s);
		exit(2);
	}
	return a;
}

static void parse_host(char *arg, struct dhcp_host *h)
{
	char *mac = strtok(arg, ","), *ip = strtok(NULL, ","), *lease = strtok(NULL, ","),
	     *board = strtok(NULL, ",");
	memset(h, 0, sizeof(*h));
	if (!mac || !ip || dhcp_parse_mac(mac, h->mac) < 0)
		usage();
	h->ip = parse_ip(ip);
	h->lease_s = lease ? (uint32_t)strtoul(lease, NULL, 10) : 0;
	snprintf(h->board, sizeof(h->board), "%s", board ? board : "");
}

static void print_event(const struct event *ev, void *user)
{
	(void)user;
	event_write_jsonl(ev, stdout);
	fflush(stdout);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	const char *iface = NULL, *lease_file = NULL;
	struct dhcp_host hosts[MAX_HOSTS];
	size_t n_hosts = 0;
	unsigned port = 67;
	bool quiet = false;
	double delay_offer = 0;
	struct dhcp_server_config cfg = {
		.lease_s = 43200,
		.pxe_spaces = DHCP_PXE_SPACES_AUTO,
		.time_scale = 1.0,
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--quiet") == 0) {
			quiet = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (strcmp(a, "--iface") == 0) {
			iface = v;
		} else if (strcmp(a, "--port") == 0) {
			port = (unsigned)strtoul(v, NULL, 10);
		} else if (strcmp(a, "--range") == 0) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s", v);
			char *dash = strchr(buf, '-');
			if (!dash)
				usage();
			*dash = '\0';
			cfg.range_start = parse_ip(buf);
			cfg.range_end = parse_ip(dash + 1);
		} else if (strcmp(a, "--lease") == 0) {
			cfg.lease_s = (uint32_t)strtoul(v, NULL, 10);
		} else if (strcmp(a, "--host") == 0) {
			if (n_hosts == MAX_HOSTS)
				usage();
			char buf[128];
			snprintf(buf, sizeof(buf), "%s", v);
			parse_host(buf, &hosts[n_hosts++]);
		} else if (strcmp(a, "--pxe") == 0) {
			snprintf(cfg.pxe_menu, sizeof(cfg.pxe_menu), "%s", v);
		} else if (strcmp(a, "--pxe-spaces") == 0) {
			cfg.pxe_spaces = strcmp(v, "always") == 0  ? DHCP_PXE_SPACES_ALWAYS
					 : strcmp(v, "never") == 0 ? DHCP_PXE_SPACES_NEVER
								   : DHCP_PXE_SPACES_AUTO;
		} else if (strcmp(a, "--lease-file") == 0) {
			lease_file = v;
		} else if (strcmp(a, "--router") == 0) {
			cfg.router = parse_ip(v);
		} else if (strcmp(a, "--dns") == 0) {
			cfg.dns = parse_ip(v);
		} else if (strcmp(a, "--delay-offer") == 0) {
			delay_offer = strtod(v, NULL);
		} else if (strcmp(a, "--mode") == 0) {
			if (strcmp(v, "server") && strcmp(v, "proxy"))
				usage();
			cfg.mode = strcmp(v, "proxy") == 0 ? DHCP_MODE_PROXY : DHCP_MODE_SERVER;
		} else if (strcmp(a, "--answer") == 0) {
			if (strcmp(v, "any") == 0)
				cfg.answer = DHCP_ANSWER_ANY;
			else if (strcmp(v, "lab") == 0)
				cfg.answer = DHCP_ANSWER_LAB;
			else if (strcmp(v, "raspberry-pi") == 0)
				cfg.answer = DHCP_ANSWER_RASPBERRY_PI;
			else
				usage();
		} else {
			usage();
		}
	}
	if (!iface || port == 0 || port > 65535)
		usage();
	int r = dhcp_glue_iface_addr(iface, &cfg.server_ip, &cfg.netmask);
	if (r < 0) {
		fprintf(stderr, "dhcp_serve_driver: %s: no IPv4 address: %s\n", iface, strerror(-r));
		return 1;
	}
	cfg.hosts = hosts;
	cfg.n_hosts = n_hosts;

	struct timeline *tl = quiet ? NULL : timeline_new();
	if (tl)
		timeline_add_listener(tl, print_event, NULL);
	struct fault_engine *faults = NULL;
	if (delay_offer > 0) {
		struct fault_rule rule = { .server = "dhcp", .on = "offer", .action = FAULT_DELAY,
					   .probability = 1.0, .delay_s = delay_offer };
		faults = fault_engine_new(&rule, 1, tl);
	}
	struct dhcp_server *srv = NULL;
	r = dhcp_server_new(&cfg, tl, faults, &srv);
	if (r < 0) {
		fprintf(stderr, "dhcp_serve_driver: config: %s\n", strerror(-r));
		return 1;
	}
	if (lease_file) {
		r = dhcp_server_load_leases(srv, lease_file, time(NULL));
		if (r < 0 && r != -ENOENT)
			fprintf(stderr, "dhcp_serve_driver: %s: %s\n", lease_file, strerror(-r));
	}
	struct event_base *base = event_base_new();
	struct dhcp_glue *glue = NULL;
	r = base ? dhcp_glue_new(base, srv, iface, (uint16_t)port, lease_file, &glue) : -ENOMEM;
	if (r < 0) {
		fprintf(stderr, "dhcp_serve_driver: %s port %u: %s\n", iface, port, strerror(-r));
		return 1;
	}
	struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	fprintf(stderr, "dhcp_serve_driver: serving on %s\n", iface);
	event_base_dispatch(base);

	dhcp_glue_free(glue);
	event_free(sigterm);
	event_free(sigint);
	event_base_free(base);
	dhcp_server_free(srv);
	fault_engine_free(faults);
	timeline_free(tl);
	return 0;
}
