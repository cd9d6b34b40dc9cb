/*
 * lab.c - lab files: libcyaml reads them into "raw" structs of strings, then
 * we validate every value ourselves so each mistake gets a message with the
 * line and what was expected (libcyaml's own int/bool parsing would accept
 * "tru" as true and say nothing about where). The schema is documented at
 * the top of fixtures/labs/virtual.yaml.
 */
#include "harness/lab.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/console_tcp.h"
#include "harness/duration.h"
#include "harness/power_cmd.h"
#include "harness/yaml_lines.h"

#define LAB_MAX_BOARDS 256
#define LAB_TIME_SCALE_MAX 1000.0
#define LAB_DEFAULT_LEASE_S (12 * 3600)
#define LAB_LEASE_INFINITE UINT32_MAX

const char *const lab_models[] = { "pi2", "pi3b", "pi3b+", "pi4b", "pi5", NULL };

/* Backends known today, and in which kind of lab each makes sense. */
static const struct {
	const char *name;
	bool console;  /* a console backend (else a power backend) */
	bool is_virtual;
} lab_backends[] = {
	{ "virtual", false, true },
	{ "virtual", true, true },
	{ "manual", false, false }, /* a person switches the board */
	{ "none", true, false },    /* nobody watches the console */
	{ "command", false, false }, /* a program is the relay (power_cmd.h) */
	{ "gpio", false, false },   /* a relay on a GPIO line (power_gpiod.h) */
	{ "tcp", true, false },     /* ser2net and the like (console_tcp.h) */
	{ "serial", true, false },  /* a local UART, USB-serial (console_serial.h) */
};

/* ---- raw structs: what the file says, as text --------------------------- */

struct raw_network {
	char *interface;
	char *address;
};

struct raw_dhcp {
	char *range, *lease, *router, *dns, *pxe, *pxe_spaces, *lease_file, *mode, *answer;
};

struct raw_tftp {
	char *root, *port;
};

struct raw_export {
	char *path, *dir, *access, *board;
};

struct raw_nfs {
	struct raw_export *exports;
	unsigned exports_count;
	char *port, *portmap, *state;
};

struct raw_board {
	char *name, *model, *mac, *serial, *ip, *lease, *power, *console, *tftp_prefix, *tftp_root;
	char *power_on, *power_off, *power_status, *power_timeout, *console_address, *console_mode;
	char *console_device, *console_baud, *console_bits, *console_parity, *console_stop, *console_flow;
	char *gpio_chip, *gpio_line, *gpio_active_low, *power_off_time;
	char *miswired;
};

struct raw_lab {
	char *lab;
	char *is_virtual;
	char *time_scale;
	char *power_stagger;
	struct raw_network *network;
	struct raw_dhcp *dhcp;
	struct raw_tftp *tftp;
	struct raw_nfs *nfs;
	struct raw_board *boards;
	unsigned boards_count;
};

#define OPT_STR(key, st, m) \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, st, m, 0, CYAML_UNLIMITED)
#define REQ_STR(key, st, m) \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER, st, m, 0, CYAML_UNLIMITED)

static const cyaml_schema_field_t network_fields[] = {
	REQ_STR("interface", struct raw_network, interface),
	OPT_STR("address", struct raw_network, address),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t dhcp_fields[] = {
	OPT_STR("range", struct raw_dhcp, range),
	OPT_STR("lease", struct raw_dhcp, lease),
	OPT_STR("router", struct raw_dhcp, router),
	OPT_STR("dns", struct raw_dhcp, dns),
	OPT_STR("pxe", struct raw_dhcp, pxe),
	OPT_STR("pxe_spaces", struct raw_dhcp, pxe_spaces),
	OPT_STR("lease_file", struct raw_dhcp, lease_file),
	OPT_STR("mode", struct raw_dhcp, mode),
	OPT_STR("answer", struct raw_dhcp, answer),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t tftp_fields[] = {
	OPT_STR("root", struct raw_tftp, root),
	OPT_STR("port", struct raw_tftp, port),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t export_fields[] = {
	REQ_STR("path", struct raw_export, path),
	REQ_STR("dir", struct raw_export, dir),
	OPT_STR("access", struct raw_export, access),
	OPT_STR("board", struct raw_export, board),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t export_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_export, export_fields),
};

static const cyaml_schema_field_t nfs_fields[] = {
	CYAML_FIELD_SEQUENCE("exports", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_nfs,
			     exports, &export_schema, 0, CYAML_UNLIMITED),
	OPT_STR("port", struct raw_nfs, port),
	OPT_STR("portmap", struct raw_nfs, portmap),
	OPT_STR("state", struct raw_nfs, state),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t board_fields[] = {
	REQ_STR("name", struct raw_board, name),
	REQ_STR("model", struct raw_board, model),
	REQ_STR("mac", struct raw_board, mac),
	OPT_STR("serial", struct raw_board, serial),
	OPT_STR("ip", struct raw_board, ip),
	OPT_STR("lease", struct raw_board, lease),
	OPT_STR("power", struct raw_board, power),
	OPT_STR("console", struct raw_board, console),
	OPT_STR("tftp_prefix", struct raw_board, tftp_prefix),
	OPT_STR("tftp_root", struct raw_board, tftp_root),
	OPT_STR("power_on", struct raw_board, power_on),
	OPT_STR("power_off", struct raw_board, power_off),
	OPT_STR("power_timeout", struct raw_board, power_timeout),
	OPT_STR("power_status", struct raw_board, power_status),
	OPT_STR("gpio_chip", struct raw_board, gpio_chip),
	OPT_STR("gpio_line", struct raw_board, gpio_line),
	OPT_STR("gpio_active_low", struct raw_board, gpio_active_low),
	OPT_STR("power_off_time", struct raw_board, power_off_time),
	OPT_STR("console_address", struct raw_board, console_address),
	OPT_STR("console_mode", struct raw_board, console_mode),
	OPT_STR("console_device", struct raw_board, console_device),
	OPT_STR("console_baud", struct raw_board, console_baud),
	OPT_STR("console_bits", struct raw_board, console_bits),
	OPT_STR("console_parity", struct raw_board, console_parity),
	OPT_STR("console_stop", struct raw_board, console_stop),
	OPT_STR("console_flow", struct raw_board, console_flow),
	OPT_STR("miswired", struct raw_board, miswired),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t board_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_board, board_fields),
};

static const cyaml_schema_field_t lab_fields[] = {
	REQ_STR("lab", struct raw_lab, lab),
	OPT_STR("virtual", struct raw_lab, is_virtual),
	OPT_STR("time_scale", struct raw_lab, time_scale),
	OPT_STR("power_stagger", struct raw_lab, power_stagger),
	CYAML_FIELD_MAPPING_PTR("network", CYAML_FLAG_POINTER, struct raw_lab, network, network_fields),
	CYAML_FIELD_MAPPING_PTR("dhcp", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_lab, dhcp,
				dhcp_fields),
	CYAML_FIELD_MAPPING_PTR("tftp", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_lab, tftp,
				tftp_fields),
	CYAML_FIELD_MAPPING_PTR("nfs", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_lab, nfs,
				nfs_fields),
	CYAML_FIELD_SEQUENCE("boards", CYAML_FLAG_POINTER, struct raw_lab, boards, &board_schema, 0,
			     CYAML_UNLIMITED),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t lab_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_lab, lab_fields),
};

/* ---- value parsers: 0 or -EINVAL, ret_* written only on success --------- */

static bool given(const char *s)
{
	return s && *s;
}

static int parse_ipv4(const char *text, uint32_t *ret_ip)
{
	struct in_addr a;
	if (inet_pton(AF_INET, text, &a) != 1)
		return -EINVAL;
	*ret_ip = a.s_addr;
	return 0;
}

static int parse_cidr(const char *text, uint32_t *ret_ip, uint8_t *ret_len)
{
	char host[32];
	const char *slash = strchr(text, '/');
	if (!slash || (size_t)(slash - text) >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, (size_t)(slash - text));
	host[slash - text] = '\0';
	const char *p = slash + 1;
	if (!isdigit((unsigned char)p[0]) || (p[1] && (!isdigit((unsigned char)p[1]) || p[2])))
		return -EINVAL;
	int len = atoi(p);
	uint32_t ip;
	/* a /31 or /32 leaves no address to hand out */
	if (len < 8 || len > 30 || parse_ipv4(host, &ip) < 0)
		return -EINVAL;
	*ret_ip = ip;
	*ret_len = (uint8_t)len;
	return 0;
}

static int parse_range(const char *text, uint32_t *ret_start, uint32_t *ret_end)
{
	char a[32], b[32];
	const char *dash = strchr(text, '-');
	if (!dash)
		return -EINVAL;
	size_t la = (size_t)(dash - text), lb = strlen(dash + 1);
	while (la > 0 && text[la - 1] == ' ')
		la--;
	const char *bs = dash + 1;
	while (*bs == ' ') {
		bs++;
		lb--;
	}
	if (la >= sizeof(a) || lb >= sizeof(b))
		return -EINVAL;
	memcpy(a, text, la);
	a[la] = '\0';
	memcpy(b, bs, lb);
	b[lb] = '\0';
	uint32_t s, e;
	if (parse_ipv4(a, &s) < 0 || parse_ipv4(b, &e) < 0)
		return -EINVAL;
	*ret_start = s;
	*ret_end = e;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_mac(const char *text, uint8_t ret_mac[6])
{
	uint8_t mac[6];
	if (strlen(text) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(text[i * 3]), lo = hexval(text[i * 3 + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-')
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret_mac, mac, 6);
	return 0;
}

static int parse_serial(const char *text, uint32_t *ret_serial)
{
	size_t n = strlen(text);
	if (n != 8 && n != 16)
		return -EINVAL;
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(text[i]);
		if (h < 0)
			return -EINVAL;
		v = v << 4 | (uint32_t)h; /* keeps the low 32 bits, as netboot does */
	}
	*ret_serial = v;
	return 0;
}

static int parse_lease(const char *text, uint32_t *ret_s)
{
	double s;
	if (strcmp(text, "infinite") == 0) {
		*ret_s = LAB_LEASE_INFINITE;
		return 0;
	}
	if (duration_parse(text, &s) < 0 || s < 1 || s >= (double)LAB_LEASE_INFINITE)
		return -EINVAL;
	*ret_s = (uint32_t)s;
	return 0;
}

/* Names used in paths, file names and JUnit: no spaces, no slashes. */
static bool good_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n >= max || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-+", s[i]))
			return false;
	return true;
}

static bool good_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= 16 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) || !isprint((unsigned char)s[i]))
			return false;
	return true;
}

static const char *ip_text(uint32_t ip, char *buf)
{
	struct in_addr a = { .s_addr = ip };
	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
	return buf;
}

/*
 * A path from the lab file, relative ones taken from the lab file's
 * directory (so a lab and its tree can move together). Existence is not
 * checked: a lab file is valid on a machine without the tree.
 */
static int resolve_path(const char *lab_path, const char *text, char *out, size_t cap)
{
	const char *slash = strrchr(lab_path, '/');
	int n;
	if (text[0] == '/' || !slash)
		n = snprintf(out, cap, "%s", text);
	else
		n = snprintf(out, cap, "%.*s/%s", (int)(slash - lab_path), lab_path, text);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* ---- validation --------------------------------------------------------- */

struct lab_ctx {
	const struct yaml_lines *yl;
	char *err;
	size_t errcap;
	bool have_subnet;
	uint32_t net, mask, bcast; /* network order */
	char subnet_text[24];
};

static bool in_subnet(const struct lab_ctx *c, uint32_t ip)
{
	return (ip & c->mask) == c->net;
}

/* An address a host may have: inside the subnet, not its first or last. */
static int check_host(const struct lab_ctx *c, const char *path, const char *text, uint32_t ip)
{
	if (!c->have_subnet)
		return 0;
	if (!in_subnet(c, ip) || ip == c->net || ip == c->bcast)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a host address inside %s (got '%s')", c->subnet_text, text);
	return 0;
}

static int check_backend(const struct lab_ctx *c, const char *path, const char *value, bool console,
			 bool is_virtual, char *out, size_t outcap)
{
	char names[64];
	size_t n = 0;
	names[0] = '\0';
	for (size_t i = 0; i < sizeof(lab_backends) / sizeof(lab_backends[0]); i++) {
		if (lab_backends[i].console != console || lab_backends[i].is_virtual != is_virtual)
			continue;
		if (strcmp(value, lab_backends[i].name) == 0) {
			snprintf(out, outcap, "%s", value);
			return 0;
		}
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
				      lab_backends[i].name);
	}
	return yaml_lines_fail(c->yl, path, c->err, c->errcap, "expected a %s backend for a %s lab: %s (got '%s')",
			       console ? "console" : "power", is_virtual ? "virtual" : "real", names, value);
}

static int fill_dhcp(struct lab_ctx *c, const struct raw_dhcp *d, const struct lab *lab, struct lab_dhcp *out)
{
	char a[INET_ADDRSTRLEN];
	int r;

	out->lease_s = LAB_DEFAULT_LEASE_S;
	snprintf(out->pxe_menu, sizeof(out->pxe_menu), "Raspberry Pi Boot");
	snprintf(out->pxe_spaces, sizeof(out->pxe_spaces), "auto");
	snprintf(out->mode, sizeof(out->mode), "server");
	snprintf(out->answer, sizeof(out->answer), "lab");
	if (!d)
		return 0;

	if (given(d->range)) {
		uint32_t s, e;
		if (parse_range(d->range, &s, &e) < 0)
			return yaml_lines_fail(c->yl, "dhcp.range", c->err, c->errcap,
					       "expected a range like 192.168.1.150-192.168.1.199 (got '%s')",
					       d->range);
		if (ntohl(s) > ntohl(e))
			return yaml_lines_fail(c->yl, "dhcp.range", c->err, c->errcap,
					       "expected the first address of the range to come before the last (got '%s')",
					       d->range);
		if ((r = check_host(c, "dhcp.range", d->range, s)) < 0 ||
		    (r = check_host(c, "dhcp.range", d->range, e)) < 0)
			return r;
		if (c->have_subnet && ntohl(lab->address) >= ntohl(s) && ntohl(lab->address) <= ntohl(e))
			return yaml_lines_fail(c->yl, "dhcp.range", c->err, c->errcap,
					       "expected a range that leaves out the server's own address %s (got '%s')",
					       ip_text(lab->address, a), d->range);
		out->range_start = s;
		out->range_end = e;
	}
	if (given(d->lease) && parse_lease(d->lease, &out->lease_s) < 0)
		return yaml_lines_fail(c->yl, "dhcp.lease", c->err, c->errcap,
				       "expected a lease time like 12h, 30m or infinite (got '%s')", d->lease);
	if (given(d->router) && parse_ipv4(d->router, &out->router) < 0)
		return yaml_lines_fail(c->yl, "dhcp.router", c->err, c->errcap,
				       "expected an IPv4 address for the router (got '%s')", d->router);
	if (given(d->dns) && parse_ipv4(d->dns, &out->dns) < 0)
		return yaml_lines_fail(c->yl, "dhcp.dns", c->err, c->errcap,
				       "expected an IPv4 address for the DNS server (got '%s')", d->dns);
	if (d->pxe) {
		if (!*d->pxe || strlen(d->pxe) >= sizeof(out->pxe_menu))
			return yaml_lines_fail(c->yl, "dhcp.pxe", c->err, c->errcap,
					       "expected a PXE menu text of 1 to %zu characters (got '%s')",
					       sizeof(out->pxe_menu) - 1, d->pxe);
		snprintf(out->pxe_menu, sizeof(out->pxe_menu), "%s", d->pxe);
	}
	if (given(d->pxe_spaces)) {
		if (strcmp(d->pxe_spaces, "auto") && strcmp(d->pxe_spaces, "always") &&
		    strcmp(d->pxe_spaces, "never"))
			return yaml_lines_fail(c->yl, "dhcp.pxe_spaces", c->err, c->errcap,
					       "expected auto, always or never (got '%s')", d->pxe_spaces);
		snprintf(out->pxe_spaces, sizeof(out->pxe_spaces), "%s", d->pxe_spaces);
	}
	if (given(d->lease_file)) {
		if (strlen(d->lease_file) >= sizeof(out->lease_file))
			return yaml_lines_fail(c->yl, "dhcp.lease_file", c->err, c->errcap,
					       "expected a path shorter than %zu characters (got '%.40s...')",
					       sizeof(out->lease_file), d->lease_file);
		snprintf(out->lease_file, sizeof(out->lease_file), "%s", d->lease_file);
	}
	if (given(d->mode)) {
		if (strcmp(d->mode, "server") && strcmp(d->mode, "proxy"))
			return yaml_lines_fail(c->yl, "dhcp.mode", c->err, c->errcap,
					       "expected server or proxy (got '%s')", d->mode);
		snprintf(out->mode, sizeof(out->mode), "%s", d->mode);
	}
	if (strcmp(out->mode, "proxy") == 0 && out->range_start)
		return yaml_lines_fail(c->yl, "dhcp.range", c->err, c->errcap,
				       "expected no range with mode: proxy (a proxy hands out no "
				       "addresses; the other DHCP server has the range)");
	if (given(d->answer)) {
		if (strcmp(d->answer, "lab") && strcmp(d->answer, "raspberry-pi") &&
		    strcmp(d->answer, "any"))
			return yaml_lines_fail(c->yl, "dhcp.answer", c->err, c->errcap,
					       "expected lab, raspberry-pi or any (got '%s')", d->answer);
		snprintf(out->answer, sizeof(out->answer), "%s", d->answer);
	}
	return 0;
}

static int fill_tftp(struct lab_ctx *c, const struct raw_tftp *t, const struct lab *lab, struct lab_tftp *out)
{
	out->port = LAB_TFTP_PORT;
	if (!t)
		return 0;
	if (t->root) {
		if (!*t->root || resolve_path(lab->path, t->root, out->root, sizeof(out->root)) < 0)
			return yaml_lines_fail(c->yl, "tftp.root", c->err, c->errcap,
					       "expected a directory path of 1 to %d characters (got '%.40s')",
					       PATH_MAX - 1, t->root);
	}
	if (t->port) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(t->port, &end, 10);
		if (!isdigit((unsigned char)t->port[0]) || *end || errno || v < 1 || v > 65535)
			return yaml_lines_fail(c->yl, "tftp.port", c->err, c->errcap,
					       "expected a UDP port from 1 to 65535 (got '%s')", t->port);
		out->port = (uint16_t)v;
	}
	return 0;
}

static int parse_port(const char *text, uint16_t *ret_port)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (!isdigit((unsigned char)text[0]) || *end || errno || v < 1 || v > 65535)
		return -EINVAL;
	*ret_port = (uint16_t)v;
	return 0;
}

/* An export's name as clients mount it: absolute, no "." or ".." parts. */
static bool valid_export_path(const char *p)
{
	if (p[0] != '/' || strlen(p) >= sizeof(((struct lab_nfs_export *)0)->path))
		return false;
	for (const char *q = p; *q;) {
		while (*q == '/')
			q++;
		size_t n = strcspn(q, "/");
		if ((n == 1 && q[0] == '.') || (n == 2 && q[0] == '.' && q[1] == '.'))
			return false;
		q += n;
	}
	return true;
}

static int fill_export(struct lab_ctx *c, const struct raw_export *re, size_t i, const struct lab *lab,
		       struct lab_nfs_export *x)
{
	char path[64];
	yaml_lines_path(path, sizeof(path), "nfs.exports[%zu]", i);
	x->line = yaml_lines_line(c->yl, path);
	yaml_lines_path(path, sizeof(path), "nfs.exports[%zu].path", i);
	if (!valid_export_path(re->path))
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected an absolute path without '.' or '..' parts like /srv/pitest/rootfs (got '%.60s')",
				       re->path);
	snprintf(x->path, sizeof(x->path), "%s", re->path);
	/* "/srv/x/" and "/srv/x" are one export to a client */
	for (size_t n = strlen(x->path); n > 1 && x->path[n - 1] == '/'; n--)
		x->path[n - 1] = '\0';
	yaml_lines_path(path, sizeof(path), "nfs.exports[%zu].dir", i);
	if (!*re->dir || resolve_path(lab->path, re->dir, x->dir, sizeof(x->dir)) < 0)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a directory path of 1 to %d characters (got '%.40s')",
				       PATH_MAX - 1, re->dir);
	if (re->access) {
		yaml_lines_path(path, sizeof(path), "nfs.exports[%zu].access", i);
		if (strcmp(re->access, "rw") == 0)
			x->read_only = false;
		else if (strcmp(re->access, "ro") == 0)
			x->read_only = true;
		else
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected access rw or ro (got '%s')", re->access);
	}
	if (re->board) {
		yaml_lines_path(path, sizeof(path), "nfs.exports[%zu].board", i);
		if (!lab_board_by_name(lab, re->board))
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected the name of a board of this lab (got '%.40s')",
					       re->board);
		snprintf(x->board, sizeof(x->board), "%s", re->board);
	}
	for (size_t j = 0; j < i; j++)
		if (strcmp(lab->nfs.exports[j].path, x->path) == 0) {
			yaml_lines_path(path, sizeof(path), "nfs.exports[%zu].path", i);
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected each export path once (%s is also at line %d)",
					       x->path, lab->nfs.exports[j].line);
		}
	return 0;
}

/* After the boards: exports may name a board. */
static int fill_nfs(struct lab_ctx *c, const struct raw_nfs *n, struct lab *lab)
{
	struct lab_nfs *out = &lab->nfs;
	out->port = LAB_NFS_PORT;
	out->pmap_port = LAB_PMAP_PORT;
	if (!n)
		return 0;
	out->given = true;
	if (n->port && parse_port(n->port, &out->port) < 0)
		return yaml_lines_fail(c->yl, "nfs.port", c->err, c->errcap,
				       "expected a TCP/UDP port from 1 to 65535 (got '%s')", n->port);
	if (n->portmap) {
		bool on;
		if (yaml_lines_bool(n->portmap, &on) == 0) {
			out->pmap_port = on ? LAB_PMAP_PORT : 0;
		} else if (parse_port(n->portmap, &out->pmap_port) < 0) {
			return yaml_lines_fail(c->yl, "nfs.portmap", c->err, c->errcap,
					       "expected true, false or a port for the portmapper (got '%s')",
					       n->portmap);
		}
	}
	if (n->state && (!*n->state || resolve_path(lab->path, n->state, out->state, sizeof(out->state)) < 0))
		return yaml_lines_fail(c->yl, "nfs.state", c->err, c->errcap,
				       "expected a directory path of 1 to %d characters (got '%.40s')",
				       PATH_MAX - 1, n->state);
	if (n->exports_count > LAB_NFS_MAX_EXPORTS)
		return yaml_lines_fail(c->yl, "nfs.exports", c->err, c->errcap,
				       "expected at most %d exports (got %u)", LAB_NFS_MAX_EXPORTS,
				       n->exports_count);
	if (n->exports_count == 0 && !lab->is_virtual)
		return yaml_lines_fail(c->yl, "nfs", c->err, c->errcap,
				       "expected 'exports:' with at least one {path, dir} in a real lab's nfs section (got none)");
	if (n->exports_count) {
		out->exports = calloc(n->exports_count, sizeof(*out->exports));
		if (!out->exports) {
			snprintf(c->err, c->errcap, "%s: out of memory", c->yl->file);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < n->exports_count; i++) {
		int r = fill_export(c, &n->exports[i], i, lab, &out->exports[i]);
		if (r < 0)
			return r;
		out->n_exports = i + 1;
	}
	return 0;
}

/* A key that only means something with one backend, given with another. */
static int only_with(struct lab_ctx *c, size_t i, const char *key, const char *value, const char *backend,
		     const struct lab_board *b)
{
	char path[64];
	bool power = strncmp(key, "power", 5) == 0;
	if (!value)
		return 0;
	yaml_lines_path(path, sizeof(path), "boards[%zu].%s", i, key);
	return yaml_lines_fail(c->yl, path, c->err, c->errcap, "expected %s only with %s: %s (board '%s' has %s: %s)",
			       key, power ? "power" : "console", backend, b->name, power ? "power" : "console",
			       power ? b->power : b->console);
}

static int fill_command(struct lab_ctx *c, size_t i, const char *key, const char *text,
			const struct lab_board *b, char *out, size_t cap)
{
	char path[64], why[160];
	yaml_lines_path(path, sizeof(path), "boards[%zu]", i);
	if (!text)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected %s: COMMAND for board '%s' with power: command (got none)", key,
				       b->name);
	yaml_lines_path(path, sizeof(path), "boards[%zu].%s", i, key);
	if (strlen(text) >= cap)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a command line shorter than %zu characters (got %zu)", cap,
				       strlen(text));
	if (power_cmd_check(text, b, why, sizeof(why)) < 0)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap, "%s (in '%.60s')", why, text);
	snprintf(out, cap, "%s", text);
	return 0;
}

/* power: command and its keys. */
static int fill_power_command(struct lab_ctx *c, const struct raw_board *rb, size_t i, struct lab_board *b)
{
	char path[64];
	int r;

	if (strcmp(b->power, "command") != 0) {
		if ((r = only_with(c, i, "power_on", rb->power_on, "command", b)) < 0 ||
		    (r = only_with(c, i, "power_off", rb->power_off, "command", b)) < 0 ||
		    (r = only_with(c, i, "power_status", rb->power_status, "command", b)) < 0)
			return r;
		return only_with(c, i, "power_timeout", rb->power_timeout, "command", b);
	}
	if ((r = fill_command(c, i, "power_on", rb->power_on, b, b->power_on, sizeof(b->power_on))) < 0 ||
	    (r = fill_command(c, i, "power_off", rb->power_off, b, b->power_off, sizeof(b->power_off))) < 0)
		return r;
	if (rb->power_status &&
	    (r = fill_command(c, i, "power_status", rb->power_status, b, b->power_status,
			      sizeof(b->power_status))) < 0)
		return r;
	b->power_timeout_s = LAB_POWER_TIMEOUT_DEFAULT_S;
	if (rb->power_timeout) {
		double s;
		yaml_lines_path(path, sizeof(path), "boards[%zu].power_timeout", i);
		if (duration_parse(rb->power_timeout, &s) < 0 || !(s > 0) || s > LAB_POWER_TIMEOUT_MAX_S)
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected a time limit above 0 and at most %gs like 10s or 500ms (got '%s')",
					       LAB_POWER_TIMEOUT_MAX_S, rb->power_timeout);
		b->power_timeout_s = s;
	}
	return 0;
}

/* A gpio key given to a board of another power backend. */
static int gpio_only(struct lab_ctx *c, size_t i, const char *key, const char *value, const struct lab_board *b)
{
	char path[64];
	if (!value)
		return 0;
	yaml_lines_path(path, sizeof(path), "boards[%zu].%s", i, key);
	return yaml_lines_fail(c->yl, path, c->err, c->errcap, "expected %s only with power: gpio (board '%s' has power: %s)",
			       key, b->name, b->power);
}

/* A chip or line as written: a name, a path or a number, one word. */
static bool good_gpio_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= LAB_GPIO_NAME_MAX)
		return false;
	for (size_t k = 0; k < n; k++)
		if (!isgraph((unsigned char)s[k]))
			return false;
	return true;
}

/* power: gpio and its keys; two boards may not share a line. */
static int fill_power_gpio(struct lab_ctx *c, const struct raw_board *rb, size_t i, const struct lab *lab,
			   struct lab_board *b)
{
	char path[64];
	int r;

	if (strcmp(b->power, "gpio") != 0) {
		if ((r = gpio_only(c, i, "gpio_chip", rb->gpio_chip, b)) < 0 ||
		    (r = gpio_only(c, i, "gpio_line", rb->gpio_line, b)) < 0 ||
		    (r = gpio_only(c, i, "gpio_active_low", rb->gpio_active_low, b)) < 0)
			return r;
		return gpio_only(c, i, "power_off_time", rb->power_off_time, b);
	}
	yaml_lines_path(path, sizeof(path), "boards[%zu]", i);
	if (!rb->gpio_chip || !rb->gpio_line)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected %s for board '%s' with power: gpio (got none)",
				       !rb->gpio_chip ? "gpio_chip: CHIP (gpiochip0, /dev/gpiochip0 or a label)" :
							"gpio_line: LINE (an offset like 17 or a line name)",
				       b->name);
	yaml_lines_path(path, sizeof(path), "boards[%zu].gpio_chip", i);
	if (!good_gpio_name(rb->gpio_chip))
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a chip name, path or label of 1 to %d characters without blanks (got '%.70s')",
				       LAB_GPIO_NAME_MAX - 1, rb->gpio_chip);
	snprintf(b->gpio_chip, sizeof(b->gpio_chip), "%s", rb->gpio_chip);
	yaml_lines_path(path, sizeof(path), "boards[%zu].gpio_line", i);
	char *end;
	errno = 0;
	unsigned long offset = strtoul(rb->gpio_line, &end, 10);
	bool number = isdigit((unsigned char)rb->gpio_line[0]) && !*end;
	if (!good_gpio_name(rb->gpio_line) || (number && (errno || offset > 65535)))
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a line offset like 17 or a line name like GPIO17 (got '%.70s')",
				       rb->gpio_line);
	snprintf(b->gpio_line, sizeof(b->gpio_line), "%s", rb->gpio_line);
	yaml_lines_path(path, sizeof(path), "boards[%zu].gpio_active_low", i);
	if (rb->gpio_active_low && yaml_lines_bool(rb->gpio_active_low, &b->gpio_active_low) < 0)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap, "expected true or false (got '%s')",
				       rb->gpio_active_low);
	b->power_off_time_s = LAB_POWER_OFF_TIME_DEFAULT_S;
	if (rb->power_off_time) {
		double s;
		yaml_lines_path(path, sizeof(path), "boards[%zu].power_off_time", i);
		if (duration_parse(rb->power_off_time, &s) < 0 || s > LAB_POWER_OFF_TIME_MAX_S)
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected a minimum off time from 0 to %gs like 2s or 500ms (got '%s')",
					       LAB_POWER_OFF_TIME_MAX_S, rb->power_off_time);
		b->power_off_time_s = s;
	}
	for (size_t j = 0; j < i; j++) {
		const struct lab_board *o = &lab->boards[j];
		if (strcmp(o->power, "gpio") != 0 || strcmp(o->gpio_chip, b->gpio_chip) != 0 ||
		    strcmp(o->gpio_line, b->gpio_line) != 0)
			continue;
		yaml_lines_path(path, sizeof(path), "boards[%zu].gpio_line", i);
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a GPIO line not used by another board (got %s line %s, also board '%s' on line %d)",
				       b->gpio_chip, b->gpio_line, o->name, o->line);
	}
	return 0;
}

/* console: tcp and its keys. */
static int fill_console_tcp(struct lab_ctx *c, const struct raw_board *rb, size_t i, struct lab_board *b)
{
	char path[64], host[LAB_ADDRESS_MAX];
	uint16_t port;
	int r;

	if (strcmp(b->console, "tcp") != 0) {
		if ((r = only_with(c, i, "console_address", rb->console_address, "tcp", b)) < 0)
			return r;
		return only_with(c, i, "console_mode", rb->console_mode, "tcp", b);
	}
	yaml_lines_path(path, sizeof(path), "boards[%zu]", i);
	if (!rb->console_address)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected console_address: HOST:PORT for board '%s' with console: tcp (got none)",
				       b->name);
	yaml_lines_path(path, sizeof(path), "boards[%zu].console_address", i);
	if (strlen(rb->console_address) >= sizeof(b->console_address) ||
	    console_tcp_parse_address(rb->console_address, host, sizeof(host), &port) < 0)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected HOST:PORT or [IPV6]:PORT with a port from 1 to 65535 (got '%.60s')",
				       rb->console_address);
	snprintf(b->console_address, sizeof(b->console_address), "%s", rb->console_address);
	if (rb->console_mode) {
		yaml_lines_path(path, sizeof(path), "boards[%zu].console_mode", i);
		if (strcmp(rb->console_mode, "telnet") == 0)
			b->console_telnet = true;
		else if (strcmp(rb->console_mode, "raw") != 0)
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected console_mode raw or telnet (got '%s')", rb->console_mode);
	}
	return 0;
}

/* miswired: a virtual board wired wrong on purpose (`pitest lab check` must name it). */
static int fill_miswired(struct lab_ctx *c, const struct raw_board *rb, size_t i, const struct lab *lab,
			 struct lab_board *b)
{
	char path[64];
	if (!rb->miswired)
		return 0;
	yaml_lines_path(path, sizeof(path), "boards[%zu].miswired", i);
	if (!lab->is_virtual)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected miswired only in a virtual lab: real boards are miswired by hand (board '%s')",
				       b->name);
	const char *other = strncmp(rb->miswired, "switches ", 9) == 0 ? rb->miswired + 9 : NULL;
	if (other && (!good_name(other, LAB_NAME_MAX) || strcmp(other, b->name) == 0))
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected 'switches NAME' with another board's name (got '%s')", rb->miswired);
	if (!other && strcmp(rb->miswired, "power") != 0 && strcmp(rb->miswired, "console") != 0)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected miswired: power, console or switches NAME (got '%s')", rb->miswired);
	snprintf(b->miswired, sizeof(b->miswired), "%s", rb->miswired);
	return 0;
}

/* miswired: switches NAME must name a board of the lab (known once all are read). */
static int check_miswired_targets(struct lab_ctx *c, const struct lab *lab)
{
	char path[64];
	for (size_t i = 0; i < lab->n_boards; i++) {
		const char *m = lab->boards[i].miswired;
		if (strncmp(m, "switches ", 9) != 0 || lab_board_by_name(lab, m + 9))
			continue;
		yaml_lines_path(path, sizeof(path), "boards[%zu].miswired", i);
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected 'switches NAME' with a board of this lab (no board '%s')", m + 9);
	}
	return 0;
}

/* A small whole number as written: digits only. 0 or -EINVAL. */
static int parse_count(const char *text, long *ret)
{
	size_t n = strlen(text);
	if (n == 0 || n > 9)
		return -EINVAL;
	for (size_t k = 0; k < n; k++)
		if (!isdigit((unsigned char)text[k]))
			return -EINVAL;
	*ret = strtol(text, NULL, 10);
	return 0;
}

/* console: serial and its keys; two boards may not share a port. */
static int fill_console_serial(struct lab_ctx *c, const struct raw_board *rb, size_t i, const struct lab *lab,
			       struct lab_board *b)
{
	static const char *const keys[] = { "console_device", "console_baud", "console_bits",
					    "console_parity", "console_stop", "console_flow" };
	const char *values[] = { rb->console_device, rb->console_baud, rb->console_bits,
				 rb->console_parity, rb->console_stop, rb->console_flow };
	struct console_serial_settings *set = &b->console_serial;
	char path[64];
	long v;
	int r;

	if (strcmp(b->console, "serial") != 0) {
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if ((r = only_with(c, i, keys[k], values[k], "serial", b)) < 0)
				return r;
		return 0;
	}
	yaml_lines_path(path, sizeof(path), "boards[%zu]", i);
	if (!rb->console_device)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected console_device: PATH (like /dev/serial/by-id/usb-FTDI_...-if00-port0) for board '%s' with console: serial (got none)",
				       b->name);
	yaml_lines_path(path, sizeof(path), "boards[%zu].console_device", i);
	if (rb->console_device[0] != '/' || strlen(rb->console_device) >= sizeof(b->console_device))
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected an absolute device path like /dev/serial/by-id/... or /dev/ttyUSB0, shorter than %zu characters (got '%.60s')",
				       sizeof(b->console_device), rb->console_device);
	snprintf(b->console_device, sizeof(b->console_device), "%s", rb->console_device);
	for (size_t j = 0; j < i; j++) {
		const struct lab_board *o = &lab->boards[j];
		if (strcmp(o->console, "serial") == 0 && strcmp(o->console_device, b->console_device) == 0)
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected a console_device not used by another board (got '%s', also board '%s' on line %d)",
					       b->console_device, o->name, o->line);
	}
	console_serial_settings_default(set);
	yaml_lines_path(path, sizeof(path), "boards[%zu].console_baud", i);
	if (rb->console_baud) {
		if (parse_count(rb->console_baud, &v) < 0 || !console_serial_baud_ok(v))
			return yaml_lines_fail(c->yl, path, c->err, c->errcap, "expected a baud rate: %s (got '%s')",
					       console_serial_bauds_text, rb->console_baud);
		set->baud = (int)v;
	}
	yaml_lines_path(path, sizeof(path), "boards[%zu].console_bits", i);
	if (rb->console_bits) {
		if (parse_count(rb->console_bits, &v) < 0 || v < 5 || v > 8)
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected console_bits 5, 6, 7 or 8 (got '%s')", rb->console_bits);
		set->bits = (int)v;
	}
	yaml_lines_path(path, sizeof(path), "boards[%zu].console_parity", i);
	if (rb->console_parity) {
		int p = console_serial_lookup(console_serial_parity_names, rb->console_parity);
		if (p < 0)
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected console_parity none, odd, even, mark or space (got '%s')",
					       rb->console_parity);
		set->parity = (enum console_serial_parity)p;
	}
	yaml_lines_path(path, sizeof(path), "boards[%zu].console_stop", i);
	if (rb->console_stop) {
		if (parse_count(rb->console_stop, &v) < 0 || (v != 1 && v != 2))
			return yaml_lines_fail(c->yl, path, c->err, c->errcap, "expected console_stop 1 or 2 (got '%s')",
					       rb->console_stop);
		set->stop = (int)v;
	}
	yaml_lines_path(path, sizeof(path), "boards[%zu].console_flow", i);
	if (rb->console_flow) {
		int f = console_serial_lookup(console_serial_flow_names, rb->console_flow);
		if (f < 0)
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected console_flow none, xonxoff, rtscts or dtrdsr (got '%s')",
					       rb->console_flow);
		set->flow = (enum console_serial_flow)f;
	}
	return 0;
}

static int fill_board(struct lab_ctx *c, const struct raw_board *rb, size_t i, const struct lab *lab,
		      struct lab_board *b)
{
	char path[64];
	int r;

	yaml_lines_path(path, sizeof(path), "boards[%zu]", i);
	b->line = yaml_lines_line(c->yl, path);

	yaml_lines_path(path, sizeof(path), "boards[%zu].name", i);
	if (!good_name(rb->name, sizeof(b->name)))
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a board name of up to %zu letters, digits, '.', '_', '-' (got '%s')",
				       sizeof(b->name) - 1, rb->name);
	snprintf(b->name, sizeof(b->name), "%s", rb->name);

	yaml_lines_path(path, sizeof(path), "boards[%zu].model", i);
	size_t m = 0;
	while (lab_models[m] && strcmp(lab_models[m], rb->model) != 0)
		m++;
	if (!lab_models[m])
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a model: pi2, pi3b, pi3b+, pi4b or pi5 (got '%s')", rb->model);
	snprintf(b->model, sizeof(b->model), "%s", rb->model);

	yaml_lines_path(path, sizeof(path), "boards[%zu].mac", i);
	if (parse_mac(rb->mac, b->mac) < 0)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a MAC address like dc:a6:32:12:34:56 (got '%s')", rb->mac);
	if (b->mac[0] & 1)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a unicast MAC address (got multicast '%s')", rb->mac);
	snprintf(b->mac_text, sizeof(b->mac_text), "%02x:%02x:%02x:%02x:%02x:%02x", b->mac[0], b->mac[1],
		 b->mac[2], b->mac[3], b->mac[4], b->mac[5]);

	yaml_lines_path(path, sizeof(path), "boards[%zu].serial", i);
	if (given(rb->serial)) {
		if (parse_serial(rb->serial, &b->serial) < 0)
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected a serial number of 8 or 16 hex digits (got '%s')", rb->serial);
		snprintf(b->serial_text, sizeof(b->serial_text), "%s", rb->serial);
	} else if (lab->is_virtual) {
		/* the virtual board needs one: it names its TFTP folder */
		yaml_lines_path(path, sizeof(path), "boards[%zu]", i);
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a serial for board '%s' in a virtual lab (got none)", b->name);
	}

	yaml_lines_path(path, sizeof(path), "boards[%zu].ip", i);
	if (given(rb->ip)) {
		if (parse_ipv4(rb->ip, &b->ip) < 0)
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected an IPv4 address like 192.168.1.104 (got '%s')", rb->ip);
		if ((r = check_host(c, path, rb->ip, b->ip)) < 0)
			return r;
		if (c->have_subnet && b->ip == lab->address)
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected an address other than the server's own (got '%s')", rb->ip);
		ip_text(b->ip, b->ip_text);
	}

	yaml_lines_path(path, sizeof(path), "boards[%zu].lease", i);
	if (given(rb->lease) && parse_lease(rb->lease, &b->lease_s) < 0)
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a lease time like 1h, 30m or infinite (got '%s')", rb->lease);

	yaml_lines_path(path, sizeof(path), "boards[%zu].tftp_prefix", i);
	if (rb->tftp_prefix) {
		if (yaml_lines_bool(rb->tftp_prefix, &b->tftp_prefix) < 0)
			return yaml_lines_fail(c->yl, path, c->err, c->errcap, "expected true or false (got '%s')",
					       rb->tftp_prefix);
		/* the folder is named after the serial */
		if (b->tftp_prefix && !b->serial_text[0])
			return yaml_lines_fail(c->yl, path, c->err, c->errcap,
					       "expected a serial for board '%s' with tftp_prefix: true (got none)",
					       b->name);
	}
	yaml_lines_path(path, sizeof(path), "boards[%zu].tftp_root", i);
	if (rb->tftp_root &&
	    (!*rb->tftp_root || resolve_path(lab->path, rb->tftp_root, b->tftp_root, sizeof(b->tftp_root)) < 0))
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a directory path of 1 to %d characters (got '%.40s')", PATH_MAX - 1,
				       rb->tftp_root);

	const char *power = rb->power, *console = rb->console;
	if (lab->is_virtual) {
		power = given(power) ? power : "virtual";
		console = given(console) ? console : "virtual";
	}
	yaml_lines_path(path, sizeof(path), "boards[%zu]", i);
	if (!given(power))
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a power backend (power: manual) for board '%s' of a real lab (got none)",
				       b->name);
	if (!given(console))
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a console backend (console: none) for board '%s' of a real lab (got none)",
				       b->name);
	yaml_lines_path(path, sizeof(path), "boards[%zu].power", i);
	if ((r = check_backend(c, path, power, false, lab->is_virtual, b->power, sizeof(b->power))) < 0)
		return r;
	yaml_lines_path(path, sizeof(path), "boards[%zu].console", i);
	if ((r = check_backend(c, path, console, true, lab->is_virtual, b->console, sizeof(b->console))) < 0)
		return r;
	if ((r = fill_miswired(c, rb, i, lab, b)) < 0)
		return r;
	if ((r = fill_power_command(c, rb, i, b)) < 0)
		return r;
	if ((r = fill_power_gpio(c, rb, i, lab, b)) < 0)
		return r;
	if ((r = fill_console_tcp(c, rb, i, b)) < 0)
		return r;
	return fill_console_serial(c, rb, i, lab, b);
}

/* Two boards may not share a name, MAC, serial or reserved address. */
static int check_unique(struct lab_ctx *c, const struct lab *lab, size_t i)
{
	const struct lab_board *b = &lab->boards[i];
	char path[64];
	for (size_t j = 0; j < i; j++) {
		const struct lab_board *o = &lab->boards[j];
		const char *what = NULL, *key = NULL, *val = NULL;
		if (strcmp(o->name, b->name) == 0)
			what = "board name", key = "name", val = b->name;
		else if (memcmp(o->mac, b->mac, 6) == 0)
			what = "MAC address", key = "mac", val = b->mac_text;
		else if (b->serial_text[0] && o->serial_text[0] && o->serial == b->serial)
			what = "serial number", key = "serial", val = b->serial_text;
		else if (b->ip && o->ip == b->ip)
			what = "reserved address", key = "ip", val = b->ip_text;
		if (!what)
			continue;
		yaml_lines_path(path, sizeof(path), "boards[%zu].%s", i, key);
		return yaml_lines_fail(c->yl, path, c->err, c->errcap,
				       "expected a %s not used by another board (got '%s', also board '%s' on line %d)",
				       what, val, o->name, o->line);
	}
	return 0;
}

static int fill_lab(struct lab_ctx *c, const struct raw_lab *raw, struct lab *lab)
{
	int r;

	if (!good_name(raw->lab, sizeof(lab->name)))
		return yaml_lines_fail(c->yl, "lab", c->err, c->errcap,
				       "expected a lab name of letters, digits, '.', '_', '-' (got '%s')", raw->lab);
	snprintf(lab->name, sizeof(lab->name), "%s", raw->lab);

	if (given(raw->is_virtual) && yaml_lines_bool(raw->is_virtual, &lab->is_virtual) < 0)
		return yaml_lines_fail(c->yl, "virtual", c->err, c->errcap, "expected true or false (got '%s')",
				       raw->is_virtual);

	lab->time_scale = 1.0;
	if (given(raw->time_scale)) {
		char *end;
		double v = strtod(raw->time_scale, &end);
		if (!isdigit((unsigned char)raw->time_scale[0]) || *end || !(v > 0) || v > LAB_TIME_SCALE_MAX)
			return yaml_lines_fail(c->yl, "time_scale", c->err, c->errcap,
					       "expected a number above 0 and at most %g (got '%s')",
					       LAB_TIME_SCALE_MAX, raw->time_scale);
		if (!lab->is_virtual && v != 1.0)
			return yaml_lines_fail(c->yl, "time_scale", c->err, c->errcap,
					       "expected time_scale 1 in a real lab: real boards keep real time (got '%s')",
					       raw->time_scale);
		lab->time_scale = v;
	}

	if (raw->power_stagger) {
		double s;
		if (duration_parse(raw->power_stagger, &s) < 0 || s > LAB_POWER_OFF_TIME_MAX_S)
			return yaml_lines_fail(c->yl, "power_stagger", c->err, c->errcap,
					       "expected a delay between power-ons from 0 to %gs like 0.5s (got '%s')",
					       LAB_POWER_OFF_TIME_MAX_S, raw->power_stagger);
		lab->power_stagger_s = s;
	}

	if (!good_ifname(raw->network->interface))
		return yaml_lines_fail(c->yl, "network.interface", c->err, c->errcap,
				       "expected an interface name of 1 to 15 characters (got '%s')",
				       raw->network->interface);
	snprintf(lab->interface, sizeof(lab->interface), "%s", raw->network->interface);

	if (given(raw->network->address)) {
		if (parse_cidr(raw->network->address, &lab->address, &lab->prefix_len) < 0)
			return yaml_lines_fail(c->yl, "network.address", c->err, c->errcap,
					       "expected an address with prefix length 8 to 30 like 192.168.1.1/24 (got '%s')",
					       raw->network->address);
		c->have_subnet = true;
		c->mask = htonl(~0u << (32 - lab->prefix_len));
		c->net = lab->address & c->mask;
		c->bcast = c->net | ~c->mask;
		char a[INET_ADDRSTRLEN];
		snprintf(c->subnet_text, sizeof(c->subnet_text), "%s/%u", ip_text(c->net, a), lab->prefix_len);
		if (lab->address == c->net || lab->address == c->bcast)
			return yaml_lines_fail(c->yl, "network.address", c->err, c->errcap,
					       "expected a host address, not the network's first or last (got '%s')",
					       raw->network->address);
	} else if (lab->is_virtual) {
		return yaml_lines_fail(c->yl, "network", c->err, c->errcap,
				       "expected an address like 192.168.1.1/24 in a virtual lab's network (got none)");
	}

	if ((r = fill_dhcp(c, raw->dhcp, lab, &lab->dhcp)) < 0)
		return r;
	if ((r = fill_tftp(c, raw->tftp, lab, &lab->tftp)) < 0)
		return r;

	if (raw->boards_count == 0 || raw->boards_count > LAB_MAX_BOARDS)
		return yaml_lines_fail(c->yl, "boards", c->err, c->errcap,
				       "expected 1 to %d boards (got %u)", LAB_MAX_BOARDS, raw->boards_count);
	lab->boards = calloc(raw->boards_count, sizeof(*lab->boards));
	if (!lab->boards) {
		snprintf(c->err, c->errcap, "%s: out of memory", c->yl->file);
		return -ENOMEM;
	}
	for (size_t i = 0; i < raw->boards_count; i++) {
		if ((r = fill_board(c, &raw->boards[i], i, lab, &lab->boards[i])) < 0)
			return r;
		lab->n_boards = i + 1;
		if ((r = check_unique(c, lab, i)) < 0)
			return r;
	}
	if ((r = check_miswired_targets(c, lab)) < 0)
		return r;
	return fill_nfs(c, raw->nfs, lab);
}

int lab_load(const char *path, struct lab **ret_lab, char *err, size_t errcap)
{
	struct raw_lab *raw = NULL;
	struct yaml_lines *yl = NULL;
	struct lab *lab = NULL;
	int r;

	if (strlen(path) >= sizeof(lab->path)) {
		snprintf(err, errcap, "%.64s...: expected a shorter path", path);
		return -ENAMETOOLONG;
	}
	r = yaml_lines_cyaml_load(path, &lab_schema, (void **)&raw, &yl, err, errcap);
	if (r < 0)
		return r;
	lab = calloc(1, sizeof(*lab));
	if (!lab) {
		snprintf(err, errcap, "%s: out of memory", path);
		r = -ENOMEM;
		goto out;
	}
	snprintf(lab->path, sizeof(lab->path), "%s", path);
	struct lab_ctx c = { .yl = yl, .err = err, .errcap = errcap };
	r = fill_lab(&c, raw, lab);
	if (r == 0) {
		*ret_lab = lab;
		lab = NULL;
	}
out:
	lab_free(lab);
	yaml_lines_cyaml_free(&lab_schema, raw);
	yaml_lines_free(yl);
	return r;
}

void lab_free(struct lab *lab)
{
	if (!lab)
		return;
	free(lab->boards);
	free(lab->nfs.exports);
	free(lab);
}

const struct lab_board *lab_board_by_mac(const struct lab *lab, const uint8_t mac[6])
{
	for (size_t i = 0; lab && i < lab->n_boards; i++)
		if (memcmp(lab->boards[i].mac, mac, 6) == 0)
			return &lab->boards[i];
	return NULL;
}

const struct lab_board *lab_board_by_name(const struct lab *lab, const char *name)
{
	for (size_t i = 0; lab && i < lab->n_boards; i++)
		if (strcmp(lab->boards[i].name, name) == 0)
			return &lab->boards[i];
	return NULL;
}
