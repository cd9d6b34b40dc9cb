/*
 * dhcp_server.c - the embedded DHCP server's protocol engine (RFC 2131).
 *
 * dhcp_server_handle() parses one datagram, emits its receipt event, picks
 * the handler for its message type from a table and returns at most one
 * reply. Replies are assembled as a struct dhcp_msg so faults can drop,
 * delay, NAK, omit or corrupt options before the bytes are built.
 *
 * Decisions worth knowing:
 * - Clients are identified by chaddr only (option 61 is ignored): Pi boot
 *   code sends no client identifier and a lab names boards by MAC.
 * - Replies without a relay go to 255.255.255.255:68 unless the client
 *   has an address (ciaddr). The Pi boot code leaves the broadcast flag
 *   unset yet has no address and reads a raw socket; RFC 2131 4.1 allows
 *   broadcasting whenever unicast to yiaddr is not possible for us.
 * - Plain BOOTP (no option 53) is answered with a BOOTREPLY for hosts with
 *   a reservation and ignored otherwise (no dynamic BOOTP leases).
 * - A REQUEST is ACKed only for an address the client was offered or
 *   holds (or its reservation); unknown INIT-REBOOT clients get silence.
 * - Proxy mode answers a PXE client's DISCOVER only, as dnsmasq's proxy
 *   mode does: yiaddr 0, broadcast, 54, 60, 97, 43, plus siaddr = us (the
 *   Pi 4/5 take the TFTP server from siaddr, pi-netboot.md 2.2). REQUESTs
 *   go to the other server; we only note the address asked for, so TFTP
 *   and NFS events can still name the board.
 * - Clients `answer` leaves out are not even logged per packet: x86 PXE
 *   machines retry for minutes, and one event per MAC says enough.
 */
#include "servers/dhcp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/fault.h"
#include "harness/timeline.h"
#include "servers/dhcp_leases.h"
#include "servers/dhcp_pxe.h"

#define OFFER_HOLD_S 30         /* how long an offered address waits for its REQUEST */
#define DECLINE_HOLD_S 600      /* how long a declined address stays unused (dnsmasq: 10 min) */
#define DEFAULT_LEASE_S 3600
#define MAX_HOSTS 4096
#define PXE_SPACES "   "
#define IGNORED_MAX 1024        /* strangers remembered for once-per-MAC events */
#define IGNORED_OVERFLOW_S 60   /* beyond that, at most one event per this many seconds */

struct dhcp_server {
	struct dhcp_server_config cfg;
	struct dhcp_host *hosts;        /* our copy; cfg.hosts points here */
	struct dhcp_leases *leases;
	struct timeline *tl;
	struct fault_engine *faults;
	bool dirty;
	uint8_t pxe43[256];             /* option 43 for cfg.pxe_menu */
	size_t pxe43_len;
	uint8_t pxe43_sp[256];          /* the same with three trailing spaces (3B ROM) */
	size_t pxe43_sp_len;
	uint32_t *seen_ip;              /* proxy mode, per host: the address it asked for */
	uint8_t (*ignored)[6];          /* MACs already named in a dhcp.ignored event */
	size_t n_ignored;
	time_t ignored_overflow_at;     /* last event once the table was full */
};

/* What one received message is about; built once, read by the handlers. */
struct req_ctx {
	const struct dhcp_msg *m;
	const struct dhcp_host *host;   /* lab host with this chaddr, or NULL */
	const char *board;
	const char *model;
	char mac[18];
	time_t now;
};

/* What a handler wants sent back. */
struct reply_plan {
	uint8_t type;                   /* DHCPOFFER, DHCPACK, DHCPNAK, DHCP_NONE */
	uint32_t yiaddr;
	uint32_t lease_s;               /* 0: no lease options (INFORM, BOOTP) */
	bool proxy;                     /* proxy offer: no address, no lease, only the hint */
	const char *message;            /* NAK text */
};

static uint32_t scaled_default_lease(const struct dhcp_server *srv)
{
	return srv->cfg.lease_s ? srv->cfg.lease_s : DEFAULT_LEASE_S;
}

/* ---------------------------------------------------------------- setup */

int dhcp_server_new(const struct dhcp_server_config *cfg, struct timeline *tl,
		    struct fault_engine *faults, struct dhcp_server **ret_srv)
{
	if (!cfg || !ret_srv || cfg->server_ip == 0 || cfg->netmask == 0 ||
	    cfg->n_hosts > MAX_HOSTS || (cfg->n_hosts && !cfg->hosts))
		return -EINVAL;
	if (memchr(cfg->pxe_menu, '\0', sizeof(cfg->pxe_menu)) == NULL)
		return -EINVAL;
	if ((cfg->mode != DHCP_MODE_SERVER && cfg->mode != DHCP_MODE_PROXY) ||
	    (cfg->answer != DHCP_ANSWER_ANY && cfg->answer != DHCP_ANSWER_LAB &&
	     cfg->answer != DHCP_ANSWER_RASPBERRY_PI))
		return -EINVAL;
	struct dhcp_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->cfg = *cfg;
	srv->tl = tl;
	srv->faults = faults;
	if (!(srv->cfg.time_scale > 0))
		srv->cfg.time_scale = 1.0;
	int r = -ENOMEM;
	if (cfg->n_hosts) {
		srv->hosts = calloc(cfg->n_hosts, sizeof(*srv->hosts));
		if (!srv->hosts)
			goto fail;
		memcpy(srv->hosts, cfg->hosts, cfg->n_hosts * sizeof(*srv->hosts));
		for (size_t i = 0; i < cfg->n_hosts; i++) {
			srv->hosts[i].board[sizeof(srv->hosts[i].board) - 1] = '\0';
			srv->hosts[i].model[sizeof(srv->hosts[i].model) - 1] = '\0';
		}
	}
	srv->cfg.hosts = srv->hosts;
	srv->seen_ip = calloc(cfg->n_hosts ? cfg->n_hosts : 1, sizeof(*srv->seen_ip));
	srv->ignored = calloc(IGNORED_MAX, sizeof(*srv->ignored));
	if (!srv->seen_ip || !srv->ignored)
		goto fail;

	uint32_t range_size = 0;
	if (cfg->range_start) {
		if (ntohl(cfg->range_end) < ntohl(cfg->range_start)) {
			r = -EINVAL;
			goto fail;
		}
		range_size = ntohl(cfg->range_end) - ntohl(cfg->range_start) + 1;
	}
	r = dhcp_leases_new(cfg->range_start, cfg->range_end,
			    (size_t)range_size * 2 + cfg->n_hosts + 1024, &srv->leases);
	if (r < 0)
		goto fail;
	/* Range addresses that must never be handed out dynamically. */
	dhcp_leases_reserve(srv->leases, cfg->server_ip);
	if (!cfg->ignore_reservations) {
		for (size_t i = 0; i < cfg->n_hosts; i++) {
			if (srv->hosts[i].ip)
				dhcp_leases_reserve(srv->leases, srv->hosts[i].ip);
		}
	}
	if (srv->cfg.pxe_menu[0]) {
		char spaced[sizeof(cfg->pxe_menu) + 4];
		int n = dhcp_pxe_build_menu(srv->cfg.pxe_menu, srv->pxe43, sizeof(srv->pxe43));
		if (n < 0) {
			r = n;
			goto fail;
		}
		srv->pxe43_len = (size_t)n;
		snprintf(spaced, sizeof(spaced), "%s" PXE_SPACES, srv->cfg.pxe_menu);
		n = dhcp_pxe_build_menu(spaced, srv->pxe43_sp, sizeof(srv->pxe43_sp));
		if (n < 0) {
			r = n;
			goto fail;
		}
		srv->pxe43_sp_len = (size_t)n;
	}
	*ret_srv = srv;
	return 0;
fail:
	dhcp_server_free(srv);
	return r;
}

void dhcp_server_free(struct dhcp_server *srv)
{
	if (!srv)
		return;
	dhcp_leases_free(srv->leases);
	free(srv->hosts);
	free(srv->seen_ip);
	free(srv->ignored);
	free(srv);
}

static const struct dhcp_host *find_host(const struct dhcp_server *srv, const uint8_t mac[6])
{
	for (size_t i = 0; i < srv->cfg.n_hosts; i++) {
		if (memcmp(srv->hosts[i].mac, mac, 6) == 0)
			return &srv->hosts[i];
	}
	return NULL;
}

const struct dhcp_host *dhcp_server_host_for_ip(struct dhcp_server *srv, uint32_t ip, time_t now)
{
	if (!ip)
		return NULL;
	/* A lease says who holds the address now (reservations may be ignored).
	 * ROM clients never REQUEST, so an expired offer still names its user
	 * better than nothing. */
	const struct dhcp_host *stale = NULL;
	for (size_t i = 0; i < dhcp_leases_count(srv->leases); i++) {
		const struct dhcp_lease *l = dhcp_leases_at(srv->leases, i);
		if (l->ip != ip || l->state == DHCP_LEASE_NONE)
			continue;
		const struct dhcp_host *h = find_host(srv, l->mac);
		if (h && dhcp_lease_active(l, now))
			return h;
		if (h && !stale)
			stale = h;
	}
	for (size_t i = 0; i < srv->cfg.n_hosts; i++)
		if (srv->seen_ip[i] == ip)
			return &srv->hosts[i];
	for (size_t i = 0; i < srv->cfg.n_hosts; i++)
		if (srv->hosts[i].ip == ip && !srv->cfg.ignore_reservations)
			return &srv->hosts[i];
	return stale;
}

/* The reservation of `host`, or 0 when it has none (or they are ignored). */
static uint32_t reservation(const struct dhcp_server *srv, const struct dhcp_host *host)
{
	return host && !srv->cfg.ignore_reservations ? host->ip : 0;
}

/* The host (other than `self`) that has `ip` reserved, or NULL. */
static const struct dhcp_host *reserved_for_other(const struct dhcp_server *srv, uint32_t ip,
						   const struct dhcp_host *self)
{
	if (srv->cfg.ignore_reservations)
		return NULL;
	for (size_t i = 0; i < srv->cfg.n_hosts; i++) {
		if (srv->hosts[i].ip == ip && &srv->hosts[i] != self &&
		    (!self || memcmp(srv->hosts[i].mac, self->mac, 6) != 0))
			return &srv->hosts[i];
	}
	return NULL;
}

static bool in_subnet(const struct dhcp_server *srv, uint32_t ip)
{
	return (ip & srv->cfg.netmask) == (srv->cfg.server_ip & srv->cfg.netmask);
}

/* --------------------------------------------------------------- events */

static void fmt_ip(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	inet_ntop(AF_INET, &ip, out, INET_ADDRSTRLEN);
}

static void fmt_hex(const uint8_t *p, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < len && o + 3 <= cap; i++) {
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 15];
	}
	out[o] = '\0';
}

/* Option bytes as event text: printable ASCII kept, the rest as '?'. */
static void fmt_text(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < cap; i++)
		out[o++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[o] = '\0';
}

static void fmt_list(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < len && o + 5 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, i ? ",%u" : "%u", p[i]);
}

/* Adds an address option as a field when the message carries it. */
struct fields {
	size_t n;
	const char *keys[EVENT_MAX_FIELDS];
	const char *values[EVENT_MAX_FIELDS];
};

static void field(struct fields *f, const char *key, const char *value)
{
	if (f->n < EVENT_MAX_FIELDS) {
		f->keys[f->n] = key;
		f->values[f->n] = value;
		f->n++;
	}
}

static void emit_receipt(struct dhcp_server *srv, const struct req_ctx *c, size_t len)
{
	if (!srv->tl)
		return;
	const struct dhcp_msg *m = c->m;
	struct fields f = { 0 };
	char xid[12], vendor[256], arch[64], prl[1024], guid[80], requested[INET_ADDRSTRLEN],
		sid[INET_ADDRSTRLEN], ciaddr[INET_ADDRSTRLEN], giaddr[INET_ADDRSTRLEN], hops[4],
		flags[8], lenbuf[24], evname[32];
	const uint8_t *o;
	size_t olen;
	uint32_t a;

	field(&f, "mac", c->mac);
	snprintf(xid, sizeof(xid), "0x%08x", m->xid);
	field(&f, "xid", xid);
	if ((o = dhcp_msg_get_option(m, DHCP_OPT_VENDOR_CLASS, &olen))) {
		fmt_text(o, olen, vendor, sizeof(vendor));
		field(&f, "vendor", vendor);
	}
	if ((o = dhcp_msg_get_option(m, DHCP_OPT_CLIENT_ARCH, &olen))) {
		fmt_hex(o, olen, arch, sizeof(arch));
		field(&f, "arch", arch);
	}
	if ((o = dhcp_msg_get_option(m, DHCP_OPT_PARAM_REQUEST, &olen))) {
		fmt_list(o, olen, prl, sizeof(prl));
		field(&f, "prl", prl);
	}
	if ((o = dhcp_msg_get_option(m, DHCP_OPT_UUID_GUID, &olen))) {
		fmt_hex(o, olen, guid, sizeof(guid));
		field(&f, "guid", guid);
	}
	if (dhcp_msg_get_addr(m, DHCP_OPT_REQUESTED_IP, &a) == 0) {
		fmt_ip(a, requested);
		field(&f, "requested", requested);
	}
	if (dhcp_msg_get_addr(m, DHCP_OPT_SERVER_ID, &a) == 0) {
		fmt_ip(a, sid);
		field(&f, "server_id", sid);
	}
	fmt_ip(m->ciaddr, ciaddr);
	field(&f, "ciaddr", ciaddr);
	fmt_ip(m->giaddr, giaddr);
	field(&f, "giaddr", giaddr);
	snprintf(hops, sizeof(hops), "%u", m->hops);
	field(&f, "hops", hops);
	snprintf(flags, sizeof(flags), "0x%04x", m->flags);
	field(&f, "flags", flags);
	snprintf(lenbuf, sizeof(lenbuf), "%zu", len);
	field(&f, "len", lenbuf);
	snprintf(evname, sizeof(evname), "dhcp.%s", dhcp_type_event(m->type));
	timeline_emitv(srv->tl, c->board, evname, f.n, f.keys, f.values);
}

static void emit_malformed(struct dhcp_server *srv, const uint8_t *buf, size_t len,
			   const char *reason)
{
	if (!srv->tl)
		return;
	char mac[18] = "", lenbuf[24];
	const char *board = "";
	struct fields f = { 0 };
	if (len >= 34) {
		dhcp_format_mac(buf + 28, mac);
		const struct dhcp_host *h = find_host(srv, buf + 28);
		if (h)
			board = h->board;
		field(&f, "mac", mac);
	}
	snprintf(lenbuf, sizeof(lenbuf), "%zu", len);
	field(&f, "len", lenbuf);
	field(&f, "reason", reason);
	timeline_emitv(srv->tl, board, "dhcp.malformed", f.n, f.keys, f.values);
}

void dhcp_server_reply_sent(struct dhcp_server *srv, const struct dhcp_reply *reply)
{
	if (!srv || !reply || !srv->tl)
		return;
	struct dhcp_msg m;
	if (dhcp_wire_parse(reply->buf, reply->len, &m) < 0)
		return;
	struct fields f = { 0 };
	char mac[18], xid[12], ip[INET_ADDRSTRLEN], siaddr[INET_ADDRSTRLEN], pxe[256],
		options[DHCP_MAX_OPTIONS * 4 + 1], lease[16], dst[32], msg[256], dip[INET_ADDRSTRLEN];
	const uint8_t *o;
	size_t olen;
	uint32_t v;

	dhcp_format_mac(reply->chaddr, mac);
	field(&f, "mac", mac);
	snprintf(xid, sizeof(xid), "0x%08x", reply->xid);
	field(&f, "xid", xid);
	fmt_ip(m.yiaddr, ip);
	field(&f, "ip", ip);
	fmt_ip(m.siaddr, siaddr);
	field(&f, "siaddr", siaddr);
	if ((o = dhcp_msg_get_option(&m, DHCP_OPT_VENDOR_SPECIFIC, &olen))) {
		if (dhcp_pxe_menu_text(o, olen, pxe, sizeof(pxe)) == 0)
			field(&f, "pxe", pxe);
	}
	size_t p = 0;
	options[0] = '\0';
	for (size_t i = 0; i < m.n_options; i++)
		p += (size_t)snprintf(options + p, sizeof(options) - p, i ? ",%u" : "%u",
				      m.options[i].code);
	field(&f, "options", options);
	if (dhcp_msg_get_u32(&m, DHCP_OPT_LEASE_TIME, &v) == 0) {
		snprintf(lease, sizeof(lease), "%u", v);
		field(&f, "lease", lease);
	}
	fmt_ip(reply->dst_ip, dip);
	snprintf(dst, sizeof(dst), "%s:%u", dip, reply->dst_port);
	field(&f, "dst", dst);
	if ((o = dhcp_msg_get_option(&m, DHCP_OPT_MESSAGE, &olen))) {
		fmt_text(o, olen, msg, sizeof(msg));
		field(&f, "message", msg);
	}
	if (reply->proxy)
		field(&f, "proxy", "true");
	const char *name = reply->type == DHCPOFFER ? "dhcp.offer"
			 : reply->type == DHCPACK   ? "dhcp.ack"
			 : reply->type == DHCPNAK   ? "dhcp.nak"
						    : "dhcp.bootreply";
	timeline_emitv(srv->tl, reply->board, name, f.n, f.keys, f.values);
}

/* ---------------------------------------------------------------- reply */

static bool is_pxe_client(const struct dhcp_msg *m)
{
	size_t len;
	const uint8_t *v = dhcp_msg_get_option(m, DHCP_OPT_VENDOR_CLASS, &len);
	return v && len >= 9 && memcmp(v, "PXEClient", 9) == 0;
}

/*
 * The Pi 3B (BCM2837 A0) ROM, pi-netboot.md 2.1: a 12-entry PRL
 * 43,60,67,128..135,66 and a GUID of 00 + 16 x 0x44. Either is enough.
 */
static bool looks_like_3b_rom(const struct dhcp_msg *m)
{
	static const uint8_t prl_3b[12] = { 43, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135, 66 };
	size_t len;
	const uint8_t *p = dhcp_msg_get_option(m, DHCP_OPT_PARAM_REQUEST, &len);
	if (p && len == sizeof(prl_3b) && memcmp(p, prl_3b, len) == 0)
		return true;
	p = dhcp_msg_get_option(m, DHCP_OPT_UUID_GUID, &len);
	if (p && len == 17 && p[0] == 0) {
		for (size_t i = 1; i < 17; i++) {
			if (p[i] != 0x44)
				return false;
		}
		return true;
	}
	return false;
}

/* Options 1/3/6/28 go out only when asked for in 55 (or when there is no 55). */
static bool wants(const struct dhcp_msg *req, uint8_t code)
{
	size_t len;
	const uint8_t *p = dhcp_msg_get_option(req, DHCP_OPT_PARAM_REQUEST, &len);
	return !p || memchr(p, code, len) != NULL;
}

static int hex_decode(const char *s, uint8_t *out, size_t cap, size_t *ret_len)
{
	size_t n = 0;
	while (*s) {
		if (*s == ':' || *s == ' ') {
			s++;
			continue;
		}
		int hi = s[0] >= '0' && s[0] <= '9' ? s[0] - '0'
		       : (s[0] | 32) >= 'a' && (s[0] | 32) <= 'f' ? (s[0] | 32) - 'a' + 10 : -1;
		int lo = s[1] >= '0' && s[1] <= '9' ? s[1] - '0'
		       : (s[1] | 32) >= 'a' && (s[1] | 32) <= 'f' ? (s[1] | 32) - 'a' + 10 : -1;
		if (hi < 0 || lo < 0 || n >= cap)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*ret_len = n;
	return 0;
}

/* FAULT_CORRUPT: "hex:..." is raw bytes; plain text for 43 is a PXE menu
 * text (a wrong boot string), for other options the text bytes. */
static void corrupt_option(struct dhcp_msg *r, const struct fault_rule *rule)
{
	uint8_t b[256];
	size_t n = 0;
	if (rule->option <= 0 || rule->option >= 255)
		return;
	if (strncmp(rule->value, "hex:", 4) == 0) {
		if (hex_decode(rule->value + 4, b, sizeof(b), &n) < 0)
			return;
	} else if (rule->option == DHCP_OPT_VENDOR_SPECIFIC) {
		char text[sizeof(rule->value)];
		snprintf(text, sizeof(text), "%.*s", (int)sizeof(rule->value) - 1, rule->value);
		int k = dhcp_pxe_build_menu(text, b, sizeof(b));
		if (k < 0)
			return;
		n = (size_t)k;
	} else {
		n = strnlen(rule->value, sizeof(rule->value));
		memcpy(b, rule->value, n);
	}
	(void)dhcp_msg_set_option(r, (uint8_t)rule->option, b, n);
}

static void init_reply(struct dhcp_msg *r, const struct dhcp_msg *req, uint8_t type)
{
	dhcp_msg_init(r, BOOTREPLY, type, req->xid);
	r->htype = req->htype;
	r->hlen = req->hlen;
	r->flags = req->flags;
	r->giaddr = req->giaddr;
	memcpy(r->chaddr, req->chaddr, sizeof(r->chaddr));
}

static void make_nak(struct dhcp_server *srv, const struct dhcp_msg *req, struct dhcp_msg *r,
		     const char *message)
{
	init_reply(r, req, DHCPNAK);
	/* RFC 2131 table 3: a NAK carries 53, 54 and optionally 56; no addresses. */
	(void)dhcp_msg_set_addr(r, DHCP_OPT_SERVER_ID, srv->cfg.server_ip);
	if (message && message[0])
		(void)dhcp_msg_set_option(r, DHCP_OPT_MESSAGE, message, strlen(message));
}

static void add_config_options(struct dhcp_server *srv, const struct dhcp_msg *req,
			       struct dhcp_msg *r)
{
	const struct dhcp_server_config *cfg = &srv->cfg;
	if (wants(req, DHCP_OPT_SUBNET_MASK))
		(void)dhcp_msg_set_addr(r, DHCP_OPT_SUBNET_MASK, cfg->netmask);
	if (wants(req, DHCP_OPT_BROADCAST))
		(void)dhcp_msg_set_addr(r, DHCP_OPT_BROADCAST,
					(cfg->server_ip & cfg->netmask) | ~cfg->netmask);
	if (cfg->router && wants(req, DHCP_OPT_ROUTER))
		(void)dhcp_msg_set_addr(r, DHCP_OPT_ROUTER, cfg->router);
	if (cfg->dns && wants(req, DHCP_OPT_DNS))
		(void)dhcp_msg_set_addr(r, DHCP_OPT_DNS, cfg->dns);
}

static void add_pxe_options(struct dhcp_server *srv, const struct dhcp_msg *req,
			    struct dhcp_msg *r)
{
	if (!srv->cfg.pxe_menu[0] || !is_pxe_client(req))
		return;
	(void)dhcp_msg_set_option(r, DHCP_OPT_VENDOR_CLASS, "PXEClient", 9);
	size_t glen;
	const uint8_t *guid = dhcp_msg_get_option(req, DHCP_OPT_UUID_GUID, &glen);
	if (guid)
		(void)dhcp_msg_set_option(r, DHCP_OPT_UUID_GUID, guid, glen);
	bool spaces = srv->cfg.pxe_spaces == DHCP_PXE_SPACES_ALWAYS ||
		      (srv->cfg.pxe_spaces == DHCP_PXE_SPACES_AUTO && looks_like_3b_rom(req));
	if (spaces)
		(void)dhcp_msg_set_option(r, DHCP_OPT_VENDOR_SPECIFIC, srv->pxe43_sp, srv->pxe43_sp_len);
	else
		(void)dhcp_msg_set_option(r, DHCP_OPT_VENDOR_SPECIFIC, srv->pxe43, srv->pxe43_len);
}

/* Assembles, applies faults to and encodes the reply. 1 = send, 0 = none. */
static int send_reply(struct dhcp_server *srv, const struct req_ctx *c,
		      const struct reply_plan *plan, struct dhcp_reply *ret_reply)
{
	const struct dhcp_msg *req = c->m;
	struct dhcp_msg r;
	const struct fault_rule *rule = NULL;
	uint8_t type = plan->type;

	if (type == DHCPNAK) {
		make_nak(srv, req, &r, plan->message);
	} else {
		init_reply(&r, req, type);
		r.siaddr = srv->cfg.server_ip;
		if (plan->proxy) {
			/* dnsmasq's proxy reply: broadcast forced, 53, 54, then 60, 97, 43. */
			r.flags |= DHCP_FLAG_BROADCAST;
			(void)dhcp_msg_set_addr(&r, DHCP_OPT_SERVER_ID, srv->cfg.server_ip);
			add_pxe_options(srv, req, &r);
		} else if (type == DHCP_NONE) {
			r.has_cookie = req->has_cookie;
			r.yiaddr = plan->yiaddr;
			if (req->has_cookie)
				add_config_options(srv, req, &r);
		} else {
			/* dnsmasq's order: 53, 54, 51, 58, 59, then config, then PXE. */
			(void)dhcp_msg_set_addr(&r, DHCP_OPT_SERVER_ID, srv->cfg.server_ip);
			if (plan->lease_s) {
				r.yiaddr = plan->yiaddr;
				(void)dhcp_msg_set_u32(&r, DHCP_OPT_LEASE_TIME, plan->lease_s);
				(void)dhcp_msg_set_u32(&r, DHCP_OPT_RENEWAL_T1, plan->lease_s / 2);
				(void)dhcp_msg_set_u32(&r, DHCP_OPT_REBINDING_T2,
						       (uint32_t)((uint64_t)plan->lease_s * 7 / 8));
			} else {
				r.ciaddr = req->ciaddr; /* INFORM: RFC 2131 4.3.5 */
			}
			add_config_options(srv, req, &r);
			add_pxe_options(srv, req, &r);
		}
	}

	if (srv->faults && type != DHCP_NONE) {
		rule = fault_engine_match(srv->faults, "dhcp", dhcp_type_event(type), c->board,
					  c->model, c->mac);
	}
	double delay = 0;
	if (rule) {
		switch (rule->action) {
		case FAULT_DROP:
			return 0;
		case FAULT_DELAY:
			delay = rule->delay_s > 0 ? rule->delay_s / srv->cfg.time_scale : 0;
			break;
		case FAULT_NAK:
			if (type != DHCPNAK) {
				type = DHCPNAK;
				make_nak(srv, req, &r, "fault injected");
			}
			break;
		case FAULT_OMIT_OPTION:
			if (rule->option > 0 && rule->option < 255)
				(void)dhcp_msg_remove_option(&r, (uint8_t)rule->option);
			break;
		case FAULT_CORRUPT:
			corrupt_option(&r, rule);
			break;
		default:
			break;
		}
	}

	struct dhcp_reply *out = ret_reply;
	int n = dhcp_wire_build(&r, out->buf, sizeof(out->buf), DHCP_BOOTP_MIN_LEN);
	if (n < 0)
		return 0;
	out->len = (size_t)n;
	out->type = type;
	out->delay_s = delay;
	memcpy(out->chaddr, req->chaddr, 6);
	out->xid = req->xid;
	out->yiaddr = r.yiaddr;
	out->proxy = plan->proxy;
	snprintf(out->board, sizeof(out->board), "%s", c->board);
	/* RFC 2131 4.1 destinations (see the file comment for why no unicast to yiaddr). */
	if (req->giaddr) {
		out->dst_ip = req->giaddr;
		out->dst_port = DHCP_SERVER_PORT;
	} else if (req->ciaddr && type != DHCPNAK) {
		out->dst_ip = req->ciaddr;
		out->dst_port = DHCP_CLIENT_PORT;
	} else {
		out->dst_ip = htonl(INADDR_BROADCAST);
		out->dst_port = DHCP_CLIENT_PORT;
	}
	return 1;
}

/* ------------------------------------------------------------- handlers */

typedef int (*handler_fn)(struct dhcp_server *srv, const struct req_ctx *c,
			  struct dhcp_reply *ret_reply);

static uint32_t lease_time_for(const struct dhcp_server *srv, const struct dhcp_host *host,
			       uint32_t ip)
{
	if (host && host->lease_s && ip == reservation(srv, host))
		return host->lease_s;
	return scaled_default_lease(srv);
}

static int handle_discover(struct dhcp_server *srv, const struct req_ctx *c,
			   struct dhcp_reply *ret_reply)
{
	const struct dhcp_msg *m = c->m;
	struct dhcp_lease *l;
	if (dhcp_leases_get(srv->leases, m->chaddr, c->now, &l) < 0)
		return 0;
	uint32_t ip = reservation(srv, c->host), want;
	if (!ip) {
		if (l->ip && (dhcp_leases_available(srv->leases, l, l->ip, c->now)))
			ip = l->ip;
		else if (dhcp_msg_get_addr(m, DHCP_OPT_REQUESTED_IP, &want) == 0 &&
			 dhcp_leases_available(srv->leases, l, want, c->now))
			ip = want;
		else if (dhcp_leases_alloc(srv->leases, c->now, &want) == 0)
			ip = want;
	}
	if (!ip) {
		if (srv->tl)
			timeline_emit(srv->tl, c->board, "dhcp.exhausted", "mac", c->mac, NULL);
		return 0;
	}
	/* Hold the address for the client; a bound lease on it stays bound. */
	if (!(l->ip == ip && l->state == DHCP_LEASE_BOUND && dhcp_lease_active(l, c->now)))
		dhcp_leases_assign(srv->leases, l, ip, DHCP_LEASE_OFFERED, c->now + OFFER_HOLD_S);
	struct reply_plan plan = {
		.type = DHCPOFFER, .yiaddr = ip, .lease_s = lease_time_for(srv, c->host, ip),
	};
	return send_reply(srv, c, &plan, ret_reply);
}

/* May this client have `ip` now? Its reservation, or the address it was
 * offered / holds when nobody else holds it since. */
static bool client_owns(struct dhcp_server *srv, const struct req_ctx *c,
			const struct dhcp_lease *l, uint32_t ip)
{
	uint32_t res = reservation(srv, c->host);
	if (res)
		return ip == res;
	if (!l || l->ip != ip || reserved_for_other(srv, ip, c->host))
		return false;
	return dhcp_leases_available(srv->leases, l, ip, c->now);
}

static int ack(struct dhcp_server *srv, const struct req_ctx *c, uint32_t ip,
	       struct dhcp_reply *ret_reply)
{
	struct dhcp_lease *l;
	if (dhcp_leases_get(srv->leases, c->m->chaddr, c->now, &l) < 0)
		return 0;
	uint32_t lease_s = lease_time_for(srv, c->host, ip);
	dhcp_leases_assign(srv->leases, l, ip, DHCP_LEASE_BOUND, c->now + (time_t)lease_s);
	srv->dirty = true;
	struct reply_plan plan = { .type = DHCPACK, .yiaddr = ip, .lease_s = lease_s };
	return send_reply(srv, c, &plan, ret_reply);
}

static int nak(struct dhcp_server *srv, const struct req_ctx *c, const char *why,
	       struct dhcp_reply *ret_reply)
{
	struct reply_plan plan = { .type = DHCPNAK, .message = why };
	return send_reply(srv, c, &plan, ret_reply);
}

/* RFC 2131 4.3.2: the client's state is told by which of 54, 50 and ciaddr it sets. */
static int handle_request(struct dhcp_server *srv, const struct req_ctx *c,
			  struct dhcp_reply *ret_reply)
{
	const struct dhcp_msg *m = c->m;
	uint32_t sid = 0, req = 0;
	bool has_sid = dhcp_msg_get_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0;
	bool has_req = dhcp_msg_get_addr(m, DHCP_OPT_REQUESTED_IP, &req) == 0;
	struct dhcp_lease *l = dhcp_leases_find(srv->leases, m->chaddr);

	if (has_sid) { /* SELECTING */
		if (sid != srv->cfg.server_ip) {
			/* The client chose another server: forget our offer. */
			if (l && l->state == DHCP_LEASE_OFFERED)
				dhcp_leases_assign(srv->leases, l, l->ip, DHCP_LEASE_NONE, 0);
			return 0;
		}
		uint32_t want = has_req ? req : m->ciaddr;
		if (want && client_owns(srv, c, l, want))
			return ack(srv, c, want, ret_reply);
		return nak(srv, c, "address not offered", ret_reply);
	}
	if (!m->ciaddr) { /* INIT-REBOOT */
		if (!has_req)
			return 0;
		if (client_owns(srv, c, l, req))
			return ack(srv, c, req, ret_reply);
		if (!in_subnet(srv, req))
			return nak(srv, c, "wrong network", ret_reply);
		if (reserved_for_other(srv, req, c->host) ||
		    (dhcp_leases_holder(srv->leases, req, c->now) &&
		     dhcp_leases_holder(srv->leases, req, c->now) != l))
			return nak(srv, c, "address in use", ret_reply);
		if (reservation(srv, c->host) || (l && l->ip))
			return nak(srv, c, "wrong address", ret_reply);
		return 0; /* RFC 2131: no record of the client -> MUST remain silent */
	}
	/* RENEWING (unicast) / REBINDING (broadcast): ciaddr is the lease. */
	if (client_owns(srv, c, l, m->ciaddr))
		return ack(srv, c, m->ciaddr, ret_reply);
	return nak(srv, c, "lease unknown", ret_reply);
}

static bool for_another_server(const struct dhcp_server *srv, const struct dhcp_msg *m)
{
	uint32_t sid;
	return dhcp_msg_get_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0 && sid != srv->cfg.server_ip;
}

static int handle_decline(struct dhcp_server *srv, const struct req_ctx *c,
			  struct dhcp_reply *ret_reply)
{
	(void)ret_reply;
	uint32_t ip;
	if (for_another_server(srv, c->m) ||
	    dhcp_msg_get_addr(c->m, DHCP_OPT_REQUESTED_IP, &ip) < 0)
		return 0;
	struct dhcp_lease *l = dhcp_leases_find(srv->leases, c->m->chaddr);
	if (!l || l->ip != ip)
		return 0;
	dhcp_leases_assign(srv->leases, l, 0, DHCP_LEASE_NONE, 0);
	dhcp_leases_decline(srv->leases, ip, c->now + DECLINE_HOLD_S);
	srv->dirty = true;
	return 0;
}

static int handle_release(struct dhcp_server *srv, const struct req_ctx *c,
			  struct dhcp_reply *ret_reply)
{
	(void)ret_reply;
	if (for_another_server(srv, c->m))
		return 0;
	struct dhcp_lease *l = dhcp_leases_find(srv->leases, c->m->chaddr);
	if (!l || !c->m->ciaddr || l->ip != c->m->ciaddr || l->state == DHCP_LEASE_NONE)
		return 0;
	/* The address stays as a hint: the client gets it again if still free. */
	dhcp_leases_assign(srv->leases, l, l->ip, DHCP_LEASE_NONE, 0);
	srv->dirty = true;
	return 0;
}

static int handle_inform(struct dhcp_server *srv, const struct req_ctx *c,
			 struct dhcp_reply *ret_reply)
{
	struct reply_plan plan = { .type = DHCPACK };
	return send_reply(srv, c, &plan, ret_reply);
}

static int handle_bootp(struct dhcp_server *srv, const struct req_ctx *c,
			struct dhcp_reply *ret_reply)
{
	uint32_t ip = reservation(srv, c->host);
	if (!ip)
		return 0;
	struct reply_plan plan = { .type = DHCP_NONE, .yiaddr = ip };
	return send_reply(srv, c, &plan, ret_reply);
}

/* Proxy mode: the boot hint for a PXE DISCOVER, nothing else. */
static int handle_proxy(struct dhcp_server *srv, const struct req_ctx *c,
			struct dhcp_reply *ret_reply)
{
	const struct dhcp_msg *m = c->m;
	if (m->type == DHCPREQUEST && c->host) {
		/* Asking the other server: remember the address for attribution. */
		uint32_t ip = 0;
		if (dhcp_msg_get_addr(m, DHCP_OPT_REQUESTED_IP, &ip) < 0)
			ip = m->ciaddr;
		if (ip)
			srv->seen_ip[c->host - srv->hosts] = ip;
		return 0;
	}
	if (m->type != DHCPDISCOVER || !srv->cfg.pxe_menu[0] || !is_pxe_client(m))
		return 0;
	struct reply_plan plan = { .type = DHCPOFFER, .proxy = true };
	return send_reply(srv, c, &plan, ret_reply);
}

/* ------------------------------------------------------------ neighbours */

static bool answered(const struct dhcp_server *srv, const struct req_ctx *c, const char **why)
{
	if (srv->cfg.answer == DHCP_ANSWER_ANY || c->host)
		return true;
	if (srv->cfg.answer == DHCP_ANSWER_LAB) {
		*why = "not a board of the lab";
		return false;
	}
	size_t len;
	const uint8_t *guid = dhcp_msg_get_option(c->m, DHCP_OPT_UUID_GUID, &len);
	if (dhcp_pxe_pi_mac(c->m->chaddr) || (guid && dhcp_pxe_pi_guid(guid, len)))
		return true;
	*why = "not a Raspberry Pi";
	return false;
}

/* One dhcp.ignored per MAC; once the table is full, one per IGNORED_OVERFLOW_S. */
static void emit_ignored(struct dhcp_server *srv, const struct req_ctx *c, const char *why)
{
	for (size_t i = 0; i < srv->n_ignored; i++) {
		if (memcmp(srv->ignored[i], c->m->chaddr, 6) == 0)
			return;
	}
	if (srv->n_ignored < IGNORED_MAX) {
		memcpy(srv->ignored[srv->n_ignored++], c->m->chaddr, 6);
	} else {
		if (srv->ignored_overflow_at && c->now >= srv->ignored_overflow_at &&
		    c->now - srv->ignored_overflow_at < IGNORED_OVERFLOW_S)
			return;
		srv->ignored_overflow_at = c->now;
	}
	if (!srv->tl)
		return;
	char vendor[256] = "";
	size_t len;
	const uint8_t *v = dhcp_msg_get_option(c->m, DHCP_OPT_VENDOR_CLASS, &len);
	if (v)
		fmt_text(v, len, vendor, sizeof(vendor));
	timeline_emit(srv->tl, "", "dhcp.ignored", "mac", c->mac, "vendor", vendor, "reason", why,
		      NULL);
}

/* Message type -> handler; types a server never receives have none. */
static const handler_fn handlers[] = {
	[DHCP_NONE] = handle_bootp,
	[DHCPDISCOVER] = handle_discover,
	[DHCPREQUEST] = handle_request,
	[DHCPDECLINE] = handle_decline,
	[DHCPRELEASE] = handle_release,
	[DHCPINFORM] = handle_inform,
	[DHCPOFFER] = NULL,
	[DHCPACK] = NULL,
	[DHCPNAK] = NULL,
};

int dhcp_server_handle(struct dhcp_server *srv, const uint8_t *buf, size_t len,
		       uint32_t src_ip, time_t now, struct dhcp_reply *ret_reply)
{
	(void)src_ip; /* replies are addressed by giaddr/ciaddr, not by the source */
	struct dhcp_msg m;
	if (!srv || !buf || !ret_reply)
		return -EINVAL;
	if (dhcp_wire_parse(buf, len, &m) < 0) {
		emit_malformed(srv, buf, len, "parse");
		return -EBADMSG;
	}
	if (m.op != BOOTREQUEST)
		return 0; /* a reply from some server, not for us to answer */
	if (m.htype != 1 || m.hlen != 6) {
		emit_malformed(srv, buf, len, "not ethernet");
		return -EBADMSG;
	}
	struct req_ctx c = { .m = &m, .now = now, .board = "", .model = "" };
	c.host = find_host(srv, m.chaddr);
	if (c.host) {
		c.board = c.host->board;
		c.model = c.host->model;
	}
	dhcp_format_mac(m.chaddr, c.mac);
	const char *why = "";
	if (!answered(srv, &c, &why)) {
		emit_ignored(srv, &c, why);
		return 0;
	}
	emit_receipt(srv, &c, len);

	if (srv->faults && (m.type == DHCPDISCOVER || m.type == DHCPREQUEST)) {
		const struct fault_rule *rule = fault_engine_match(
			srv->faults, "dhcp", dhcp_type_event(m.type), c.board, c.model, c.mac);
		if (rule && rule->action == FAULT_DROP)
			return 0;
	}
	if (srv->cfg.mode == DHCP_MODE_PROXY)
		return handle_proxy(srv, &c, ret_reply) > 0 ? 1 : 0;
	handler_fn fn = m.type < sizeof(handlers) / sizeof(handlers[0]) ? handlers[m.type] : NULL;
	if (!fn)
		return 0;
	return fn(srv, &c, ret_reply) > 0 ? 1 : 0;
}

/* ---------------------------------------------------------- lease file */

bool dhcp_server_leases_dirty(const struct dhcp_server *srv)
{
	return srv && srv->dirty;
}

int dhcp_server_save_leases(struct dhcp_server *srv, const char *path, time_t now)
{
	if (!srv || !path)
		return -EINVAL;
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "# pitest dhcp leases: ip mac expires (seconds since the epoch)\n");
	size_t n = dhcp_leases_count(srv->leases);
	for (size_t i = 0; i < n; i++) {
		const struct dhcp_lease *l = dhcp_leases_at(srv->leases, i);
		if (l->state != DHCP_LEASE_BOUND || !dhcp_lease_active(l, now))
			continue;
		char ip[INET_ADDRSTRLEN], mac[18];
		fmt_ip(l->ip, ip);
		dhcp_format_mac(l->mac, mac);
		fprintf(f, "%s %s %lld\n", ip, mac, (long long)l->expires);
	}
	int r = 0;
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		r = errno ? -errno : -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) != 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	srv->dirty = false;
	return 0;
}

/* One lease line -> the table, if it is still valid for this configuration. */
static void load_line(struct dhcp_server *srv, const char *line, time_t now)
{
	char ipt[INET_ADDRSTRLEN + 1], mact[19];
	long long expires;
	uint32_t ip;
	uint8_t mac[6];
	if (sscanf(line, "%16s %18s %lld", ipt, mact, &expires) != 3)
		return;
	if (inet_pton(AF_INET, ipt, &ip) != 1 || ip == 0 || dhcp_parse_mac(mact, mac) < 0)
		return;
	if (expires <= (long long)now)
		return;
	const struct dhcp_host *host = find_host(srv, mac);
	uint32_t res = reservation(srv, host);
	if (res && res != ip)
		return; /* the reservation changed since */
	if (!res && (!dhcp_leases_in_range(srv->leases, ip) || dhcp_leases_is_reserved(srv->leases, ip) ||
		     reserved_for_other(srv, ip, host)))
		return;
	if (dhcp_leases_holder(srv->leases, ip, now))
		return; /* two entries for one address: the first wins */
	struct dhcp_lease *l;
	if (dhcp_leases_get(srv->leases, mac, now, &l) < 0)
		return;
	dhcp_leases_assign(srv->leases, l, ip, DHCP_LEASE_BOUND, (time_t)expires);
}

int dhcp_server_load_leases(struct dhcp_server *srv, const char *path, time_t now)
{
	if (!srv || !path)
		return -EINVAL;
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		if (n && line[n - 1] != '\n' && !feof(f)) {
			/* Overlong line: skip the rest of it. */
			int ch;
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		if (line[0] == '#')
			continue;
		load_line(srv, line, now);
	}
	int r = ferror(f) ? -EIO : 0;
	fclose(f);
	return r;
}
