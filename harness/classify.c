/*
 * classify.c - puts a failed board run in a class from its timeline.
 *
 * One pass finds the milestones of the boot (first DISCOVER, first RRQ,
 * kernel image loaded, the kernel's DISCOVER and ACK, root mounted, init
 * run, login), then the stage the failed step belongs to says how far to
 * check; the first stage short of its milestone is explained by the events
 * of that stage. See classify.h for the classes.
 */
#include "harness/classify.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

enum stage {
	ST_POWER,
	ST_BOOT_DHCP,
	ST_FIRMWARE,
	ST_KERNEL,
	ST_KERNEL_DHCP,
	ST_NFS_ROOT,
	ST_INIT,
	ST_USERLAND,
	ST_COUNT,
};

static const char *const stage_token[ST_COUNT] = {
	[ST_POWER] = "power-cable", [ST_BOOT_DHCP] = "dhcp",	 [ST_FIRMWARE] = "tftp",
	[ST_KERNEL] = "kernel",	    [ST_KERNEL_DHCP] = "dhcp",	 [ST_NFS_ROOT] = "nfs",
	[ST_INIT] = "userland",	    [ST_USERLAND] = "userland",
};

static const char *const tokens[] = { "power-cable", "dhcp", "tftp", "nfs", "kernel", "userland" };

/* Files the Pi firmware asks for on every boot and most trees lack: their
 * "File not found" is the firmware probing, not the failure. */
static const char *const optional_files[] = {
	"recover*.elf", "recovery*.elf", "dt-blob.bin", "bootcfg.txt", "armstub*",
	"pieeprom*",	"vl805*",	 "*.sig",	"bootconf.txt",
};

struct ctx {
	const struct classify_input *in;
	struct classify_result *out;
	const struct event *const *ev;
	size_t n;
	/* milestones: index of the event, NONE when not reached */
	size_t power_on, network, rrq, kernel_start, kernel_done, kernel_discover, kernel_ack;
	size_t root_mounted, init_run, login, panic, exit, last_console;
	size_t n_console;
};

/* ---- small helpers ------------------------------------------------------ */

static const char *str(const char *s)
{
	return s ? s : "";
}

static const char *field(const struct event *ev, const char *key)
{
	return str(event_get(ev, key));
}

static bool named(const struct event *ev, const char *name)
{
	return strcmp(ev->name, name) == 0;
}

static bool prefixed(const struct event *ev, const char *prefix)
{
	return strncmp(ev->name, prefix, strlen(prefix)) == 0;
}

static bool glob(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static bool console_has(const struct event *ev, const char *pattern)
{
	return named(ev, "console.line") && glob(pattern, field(ev, "text"));
}

static double at(const struct ctx *c, size_t i)
{
	return c->ev[i]->t - c->in->t0;
}

static void say(struct ctx *c, const char *token, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets the class and its sentence: "TOKEN: what happened". */
static void say(struct ctx *c, const char *token, const char *fmt, ...)
{
	snprintf(c->out->token, sizeof(c->out->token), "%s", token);
	int n = snprintf(c->out->evidence, sizeof(c->out->evidence), "%s: ", token);
	if (n < 0 || (size_t)n >= sizeof(c->out->evidence))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->out->evidence + n, sizeof(c->out->evidence) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* A console line for quoting: control characters out, long lines cut. */
static void quote(const char *text, char *buf, size_t cap)
{
	size_t o = 0, max = cap > 100 ? 100 : cap - 1;
	for (const char *p = text; *p && o < max; p++)
		buf[o++] = isprint((unsigned char)*p) ? *p : '?';
	buf[o] = '\0';
	if (*text && strlen(text) > o && o >= 3)
		memcpy(buf + o - 3, "...", 3);
}

static size_t find_from(const struct ctx *c, size_t from, bool (*pred)(const struct event *))
{
	for (size_t i = from; i < c->n; i++)
		if (pred(c->ev[i]))
			return i;
	return NONE;
}

static size_t min_index(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* ---- milestones --------------------------------------------------------- */

static bool is_network(const struct event *ev)
{
	return prefixed(ev, "dhcp.") || prefixed(ev, "tftp.") || prefixed(ev, "rpc.") ||
	       prefixed(ev, "nfs.");
}

static bool is_kernel_image_done(const struct event *ev)
{
	return named(ev, "tftp.done") && glob("kernel*.img", base_name(field(ev, "file")));
}

/* The boot code's DHCP says PXEClient; the kernel's ip=dhcp has no vendor class. */
static bool is_kernel_discover(const struct event *ev)
{
	return named(ev, "dhcp.discover") && strncmp(field(ev, "vendor"), "PXEClient", 9) != 0;
}

static bool is_kernel_console(const struct event *ev)
{
	return console_has(ev, "*Booting Linux*") || console_has(ev, "*Linux version*");
}

static bool is_nfs_traffic(const struct event *ev)
{
	return prefixed(ev, "rpc.") || prefixed(ev, "nfs.");
}

static void find_milestones(struct ctx *c)
{
	c->power_on = c->network = c->rrq = c->kernel_start = c->kernel_done = NONE;
	c->kernel_discover = c->kernel_ack = c->root_mounted = c->init_run = c->login = NONE;
	c->panic = c->exit = c->last_console = NONE;
	c->n_console = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct event *ev = c->ev[i];
		if (c->power_on == NONE && named(ev, "power.on"))
			c->power_on = i;
		if (c->network == NONE && is_network(ev))
			c->network = i;
		if (c->rrq == NONE && named(ev, "tftp.rrq"))
			c->rrq = i;
		if (c->kernel_done == NONE && is_kernel_image_done(ev))
			c->kernel_done = i;
		if (c->exit == NONE && named(ev, "vpi.exit"))
			c->exit = i;
		if (!named(ev, "console.line"))
			continue;
		c->n_console++;
		c->last_console = i;
		if (c->root_mounted == NONE && console_has(ev, "*VFS: Mounted root*"))
			c->root_mounted = i;
		if (c->init_run == NONE && console_has(ev, "*Run * as init process*"))
			c->init_run = i;
		if (c->login == NONE && console_has(ev, "* login:*"))
			c->login = i;
		if (c->panic == NONE && console_has(ev, "*Kernel panic*"))
			c->panic = i;
	}
	/* The kernel runs from its image's arrival, its first console line, or
	 * its own DISCOVER after the firmware's TFTP, whichever shows first. */
	size_t kd = c->rrq == NONE ? NONE : find_from(c, c->rrq, is_kernel_discover);
	c->kernel_start = min_index(min_index(c->kernel_done, find_from(c, 0, is_kernel_console)), kd);
	if (c->kernel_start != NONE) {
		c->kernel_discover = find_from(c, c->kernel_start, is_kernel_discover);
		for (size_t i = c->kernel_discover == NONE ? c->n : c->kernel_discover; i < c->n; i++)
			if (named(c->ev[i], "dhcp.ack")) {
				c->kernel_ack = i;
				break;
			}
	}
}

static bool stage_complete(const struct ctx *c, enum stage s)
{
	size_t after_kernel = c->kernel_start == NONE ? NONE
			      : find_from(c, c->kernel_start, is_nfs_traffic);
	switch (s) {
	case ST_POWER:
		return c->network != NONE;
	case ST_BOOT_DHCP:
		return c->rrq != NONE || c->kernel_start != NONE;
	case ST_FIRMWARE:
		return c->kernel_start != NONE;
	case ST_KERNEL:
		return c->kernel_discover != NONE || after_kernel != NONE ||
		       c->root_mounted != NONE;
	case ST_KERNEL_DHCP:
		return c->kernel_ack != NONE || after_kernel != NONE || c->root_mounted != NONE;
	case ST_NFS_ROOT:
		return c->root_mounted != NONE || c->init_run != NONE;
	case ST_INIT:
		return c->init_run != NONE || c->login != NONE;
	case ST_USERLAND:
	case ST_COUNT:
		break;
	}
	return c->login != NONE;
}

/* ---- where the failed step belongs -------------------------------------- */

static int stage_of_phase(const char *p)
{
	if (!p || !*p)
		return -1;
	if (strstr(p, "dhcp"))
		return strstr(p, "kernel") ? ST_KERNEL_DHCP : ST_BOOT_DHCP;
	if (strstr(p, "power") || strstr(p, "discover"))
		return ST_POWER;
	if (strstr(p, "firmware") || strstr(p, "tftp"))
		return ST_FIRMWARE;
	if (strstr(p, "nfs") || strstr(p, "root") || strstr(p, "mount"))
		return ST_NFS_ROOT;
	if (strstr(p, "init"))
		return ST_INIT;
	if (strstr(p, "userland") || strstr(p, "login"))
		return ST_USERLAND;
	if (strstr(p, "kernel"))
		return ST_KERNEL;
	return -1;
}

static int stage_of_text(const char *text)
{
	if (!text || !*text)
		return -1;
	static const struct {
		const char *pattern;
		int stage;
	} table[] = {
		{ "*Mounted root*", ST_NFS_ROOT }, { "*VFS*", ST_NFS_ROOT },
		{ "*as init*", ST_INIT },	    { "*init*", ST_INIT },
		{ "*login*", ST_USERLAND },	    { "*IP-Config*", ST_KERNEL_DHCP },
		{ "*Linux*", ST_KERNEL },	    { "*Booting*", ST_KERNEL },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (glob(table[i].pattern, text))
			return table[i].stage;
	return -1;
}

static int stage_of_event(const struct ctx *c, const char *event, const char *text)
{
	if (!event || !*event)
		return -1;
	if (strncmp(event, "power.", 6) == 0)
		return ST_POWER;
	if (strncmp(event, "dhcp.", 5) == 0) {
		/* the kernel's DHCP when the kernel ran before the step began */
		bool kernel = c->kernel_start != NONE && c->ev[c->kernel_start]->t <= c->in->step_t;
		return kernel ? ST_KERNEL_DHCP : ST_BOOT_DHCP;
	}
	if (strncmp(event, "tftp.", 5) == 0)
		return ST_FIRMWARE;
	if (strncmp(event, "rpc.", 4) == 0 || strncmp(event, "nfs.", 4) == 0)
		return ST_NFS_ROOT;
	if (strncmp(event, "console.", 8) == 0)
		return stage_of_text(text);
	return -1;
}

static int stage_of_hint(const char *hint)
{
	if (!hint || !*hint)
		return -1;
	if (strstr(hint, "DHCP"))
		return ST_BOOT_DHCP;
	if (strstr(hint, "TFTP"))
		return ST_FIRMWARE;
	if (strstr(hint, "NFS"))
		return ST_NFS_ROOT;
	if (strstr(hint, "init"))
		return ST_INIT;
	if (strstr(hint, "login"))
		return ST_USERLAND;
	return -1;
}

/* ---- NFS, shared by the later stages -------------------------------------- */

static bool rpc_ok_status(const char *status)
{
	/* NOENT and EXIST answer lookups and creates the boot makes on purpose
	 * (init's fallback list, mkdir of what exists). */
	static const char *const ok[] = { "", "OK", "NFS3_OK", "MNT3_OK", "NFS3ERR_NOENT",
					  "NFS3ERR_EXIST" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(status, ok[i]) == 0)
			return true;
	return false;
}

static bool rpc_bad(const struct event *ev)
{
	if (!named(ev, "rpc.call") || strcmp(field(ev, "prog"), "nfsacl") == 0)
		return false; /* NFSACL is probed and refused on every mount */
	return !rpc_ok_status(field(ev, "status")) || *field(ev, "fault");
}

/* A later call of the same procedure on the same path got through. */
static bool rpc_recovered(const struct ctx *c, size_t i)
{
	const struct event *bad = c->ev[i];
	for (size_t j = i + 1; j < c->n; j++) {
		const struct event *ev = c->ev[j];
		if (named(ev, "rpc.call") && !rpc_bad(ev) &&
		    strcmp(field(ev, "prog"), field(bad, "prog")) == 0 &&
		    strcmp(field(ev, "proc"), field(bad, "proc")) == 0 &&
		    strcmp(field(ev, "path"), field(bad, "path")) == 0)
			return true;
	}
	return false;
}

static void upper(const char *s, char *buf, size_t cap)
{
	size_t i = 0;
	for (; s[i] && i + 1 < cap; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	buf[i] = '\0';
}

/* NFS evidence from index `from` on: a refused mount, an NFS error that was
 * not answered by a retry, "not responding", or "Unable to mount root fs via
 * NFS". Says it and returns true, else returns false. */
static bool nfs_problem(struct ctx *c, size_t from)
{
	if (from == NONE)
		from = 0;
	for (size_t i = from; i < c->n; i++) {
		const struct event *ev = c->ev[i];
		const char *st = field(ev, "status");
		if (named(ev, "nfs.mount") && strcmp(st, "MNT3_OK") != 0 && *st) {
			say(c, "nfs", "mount of %s refused: %s at %.2f s", field(ev, "path"), st, at(c, i));
			return true;
		}
	}
	for (size_t i = from; i < c->n; i++) {
		const struct event *ev = c->ev[i];
		if (!rpc_bad(ev) || rpc_recovered(c, i))
			continue;
		char prog[16];
		upper(field(ev, "prog"), prog, sizeof(prog));
		const char *path = field(ev, "path");
		const char *fault = field(ev, "fault");
		if (*field(ev, "status") && !rpc_ok_status(field(ev, "status")))
			say(c, "nfs", "%s %s%s%s: %s at %.2f s%s%s%s", prog, field(ev, "proc"),
			    *path ? " " : "", path, field(ev, "status"), at(c, i),
			    *fault ? " [fault: " : "", fault, *fault ? "]" : "");
		else
			say(c, "nfs", "%s %s%s%s not answered (fault: %s) at %.2f s", prog,
			    field(ev, "proc"), *path ? " " : "", path, fault, at(c, i));
		return true;
	}
	for (size_t i = from; i < c->n; i++) {
		const struct event *ev = c->ev[i];
		if (console_has(ev, "*not responding*") || console_has(ev, "*Unable to mount root fs via NFS*")) {
			char q[112];
			quote(field(ev, "text"), q, sizeof(q));
			say(c, "nfs", "the kernel says \"%s\" at %.2f s", q, at(c, i));
			return true;
		}
	}
	return false;
}

/* A panic: NFS when NFS explains it, userland when init is missing or
 * died, kernel otherwise. */
static void explain_panic(struct ctx *c, size_t panic)
{
	size_t from = c->kernel_ack != NONE ? c->kernel_ack : c->kernel_start;
	if (nfs_problem(c, from))
		return;
	char q[112];
	const char *text = field(c->ev[panic], "text");
	const char *why = strstr(text, "Kernel panic");
	quote(why ? why : text, q, sizeof(q));
	if (strstr(text, "init")) {
		say(c, "userland", "no working init in the root: \"%s\" at %.2f s", q, at(c, panic));
		return;
	}
	if (strstr(text, "root fs") || strstr(text, "root device")) {
		say(c, "kernel", "\"%s\" at %.2f s with no NFS error: check root= and nfsroot= in cmdline.txt",
		    q, at(c, panic));
		return;
	}
	say(c, "kernel", "\"%s\" at %.2f s", q, at(c, panic));
}

/* ---- each stage's explanation -------------------------------------------- */

static void explain_power(struct ctx *c)
{
	double since = c->power_on != NONE ? c->ev[c->power_on]->t : c->in->t0;
	double window = c->in->t_end - since;
	if (c->n_console == 0 && c->exit == NONE) {
		say(c, "power-cable", "nothing from the board in %.1f s after power-on: check its "
		    "power supply or relay and its network cable", window);
		return;
	}
	if (c->n_console == 0) {
		say(c, "power-cable", "the board stopped (exit status %s) at %.2f s before any "
		    "network traffic", field(c->ev[c->exit], "status"), at(c, c->exit));
		return;
	}
	char q[112];
	quote(field(c->ev[c->last_console], "text"), q, sizeof(q));
	say(c, "power-cable", "no network traffic in %.1f s though the console printed %zu lines "
	    "(last at %.2f s: \"%s\"): check the network cable and switch port",
	    window, c->n_console, at(c, c->last_console), q);
}

/* The runner stopped the run because the relay program failed. */
static void explain_power_error(struct ctx *c)
{
	for (size_t i = c->n; i-- > 0;)
		if (named(c->ev[i], "power.error") && strcmp(field(c->ev[i], "backend"), "gpio") == 0) {
			say(c, "power-cable", "switching the relay's GPIO line %s of %s %s failed at %.2f s: "
			    "%s: check the chip, the line and who else holds it",
			    field(c->ev[i], "line"), field(c->ev[i], "chip"), field(c->ev[i], "action"),
			    at(c, i), field(c->ev[i], "status"));
			return;
		} else if (named(c->ev[i], "power.error")) {
			char q[112];
			quote(field(c->ev[i], "output"), q, sizeof(q));
			say(c, "power-cable", "the power %s command failed at %.2f s (%s): \"%s\": check "
			    "the relay and its program", field(c->ev[i], "action"), at(c, i),
			    field(c->ev[i], "status"), q);
			return;
		}
	say(c, "power-cable", "the power command failed");
}

/* The runner stopped the run because the console went away. */
static void explain_console_lost(struct ctx *c)
{
	for (size_t i = c->n; i-- > 0;)
		if (named(c->ev[i], "console.lost")) {
			say(c, "power-cable", "the console %s was lost at %.2f s (%s): check the "
			    "USB-serial adapter and its cable", field(c->ev[i], "device"), at(c, i),
			    field(c->ev[i], "error"));
			return;
		}
	say(c, "power-cable", "the console was lost");
}

/* " [fault: drop offer x3]" for the faults of `server` applied in [from, to). */
static void fault_note(const struct ctx *c, const char *server, const char *file, size_t from,
		       size_t to, char *buf, size_t cap)
{
	buf[0] = '\0';
	size_t count = 0, first = NONE;
	for (size_t i = from; i < to && i < c->n; i++) {
		const struct event *ev = c->ev[i];
		if (!named(ev, "fault.applied") || strcmp(field(ev, "server"), server) != 0)
			continue;
		if (file && strcmp(base_name(field(ev, "file")), base_name(file)) != 0)
			continue;
		if (first == NONE)
			first = i;
		count++;
	}
	if (first == NONE)
		return;
	const struct event *f = c->ev[first];
	if (count > 1)
		snprintf(buf, cap, " [fault: %s %s x%zu]", field(f, "action"), field(f, "on"), count);
	else
		snprintf(buf, cap, " [fault: %s %s]", field(f, "action"), field(f, "on"));
}

/* The PXE menu text the Raspberry Pi boot code looks for in option 43. */
static bool offer_has_pxe(const struct event *ev)
{
	return strstr(field(ev, "pxe"), "Raspberry Pi Boot") != NULL;
}

/* DHCP of the boot code (kernel = false) or of the kernel, in [from, n). */
static void explain_dhcp(struct ctx *c, size_t from, bool kernel)
{
	size_t discovers = 0, first_discover = NONE, offer = NONE, pxe_offer = NONE;
	size_t request = NONE, last_request = NONE, ack = NONE;
	const char *who = kernel ? "the kernel's" : "the boot code's";
	char note[96];
	fault_note(c, "dhcp", NULL, from, c->n, note, sizeof(note));
	for (size_t i = from; i < c->n; i++) {
		const struct event *ev = c->ev[i];
		if (named(ev, "dhcp.request"))
			last_request = i;
		if (named(ev, "dhcp.nak")) {
			const char *msg = field(ev, "message");
			const char *asked = last_request != NONE ? field(c->ev[last_request], "requested") : "";
			say(c, "dhcp", "NAK%s%s at %.2f s%s%s%s%s", *asked ? " for " : "", asked, at(c, i),
			    *msg ? " (\"" : "", msg, *msg ? "\")" : "", note);
			return;
		}
		if (named(ev, "dhcp.exhausted")) {
			say(c, "dhcp", "the server had no free address for %s at %.2f s%s",
			    field(ev, "mac"), at(c, i), note);
			return;
		}
		if (named(ev, "dhcp.discover") && discovers++ == 0)
			first_discover = i;
		if (named(ev, "dhcp.offer")) {
			if (offer == NONE)
				offer = i;
			if (pxe_offer == NONE && offer_has_pxe(ev))
				pxe_offer = i;
		}
		if (named(ev, "dhcp.request") && request == NONE)
			request = i;
		if (named(ev, "dhcp.ack") && ack == NONE)
			ack = i;
	}
	if (discovers && offer == NONE) {
		say(c, "dhcp", "%zu DISCOVER%s of %s DHCP from %.2f s, no OFFER%s", discovers,
		    discovers > 1 ? "s" : "", who, at(c, first_discover), note);
		return;
	}
	if (!kernel && offer != NONE && pxe_offer == NONE) {
		const struct event *o = c->ev[offer];
		say(c, "dhcp", "OFFER of %s at %.2f s without the PXE options (option 43 "
		    "\"Raspberry Pi Boot\"; options sent: %s): no TFTP request followed%s",
		    field(o, "ip"), at(c, offer), field(o, "options"), note);
		return;
	}
	if (request != NONE && ack == NONE) {
		say(c, "dhcp", "REQUEST for %s at %.2f s got no ACK%s", field(c->ev[request], "requested"),
		    at(c, request), note);
		return;
	}
	if (kernel && offer != NONE && request == NONE) {
		say(c, "dhcp", "OFFER of %s at %.2f s, no REQUEST from the kernel followed%s",
		    field(c->ev[offer], "ip"), at(c, offer), note);
		return;
	}
	if (!kernel && (ack != NONE || pxe_offer != NONE)) {
		size_t i = ack != NONE ? ack : pxe_offer;
		say(c, "dhcp", "%s of %s at %.2f s (server %s), but no TFTP request followed: check "
		    "the PXE options and the TFTP server address%s", ack != NONE ? "ACK" : "OFFER",
		    field(c->ev[i], "ip"), at(c, i), field(c->ev[i], "siaddr"), note);
		return;
	}
	for (size_t i = from; i < c->n; i++)
		if (named(c->ev[i], "dhcp.malformed")) {
			say(c, "dhcp", "malformed DHCP message from the board at %.2f s (%s)%s", at(c, i),
			    field(c->ev[i], "reason"), note);
			return;
		}
	say(c, "dhcp", "%s DHCP did not complete%s", who, note);
}

static bool is_tftp_failure(const struct event *ev)
{
	return named(ev, "tftp.error") || named(ev, "tftp.timeout") || named(ev, "tftp.refused");
}

static bool tftp_optional(const struct event *ev)
{
	if (!named(ev, "tftp.error") || strcmp(field(ev, "code"), "1") != 0)
		return false;
	const char *b = base_name(field(ev, "file"));
	for (size_t i = 0; i < sizeof(optional_files) / sizeof(optional_files[0]); i++)
		if (glob(optional_files[i], b))
			return true;
	return false;
}

/* The same file (by name, whatever folder) arrived after `i`. */
static bool tftp_recovered(const struct ctx *c, size_t i)
{
	const char *b = base_name(field(c->ev[i], "file"));
	for (size_t j = i + 1; j < c->n; j++)
		if (named(c->ev[j], "tftp.done") && strcmp(base_name(field(c->ev[j], "file")), b) == 0)
			return true;
	return false;
}

/* A request of a file with no done, probe, error, timeout or refusal after it. */
static size_t tftp_unfinished(const struct ctx *c, size_t from)
{
	size_t last = NONE;
	for (size_t i = from; i < c->n; i++) {
		if (!named(c->ev[i], "tftp.rrq"))
			continue;
		const char *file = field(c->ev[i], "file");
		bool ended = false;
		for (size_t j = i + 1; j < c->n && !ended; j++) {
			const struct event *ev = c->ev[j];
			ended = (named(ev, "tftp.done") || named(ev, "tftp.probe") ||
				 is_tftp_failure(ev)) && strcmp(field(ev, "file"), file) == 0;
		}
		if (!ended)
			last = i;
	}
	return last;
}

static void say_tftp_failure(struct ctx *c, size_t i, const char *note)
{
	const struct event *ev = c->ev[i];
	const char *file = field(ev, "file");
	if (named(ev, "tftp.timeout"))
		say(c, "tftp", "%s: no ACK for block %s after %s retries, at %.2f s%s", file,
		    field(ev, "block"), field(ev, "retries"), at(c, i), note);
	else if (named(ev, "tftp.refused"))
		say(c, "tftp", "%s: refused (%s) at %.2f s%s", file, field(ev, "reason"), at(c, i), note);
	else if (strcmp(field(ev, "sent"), "client") == 0)
		say(c, "tftp", "%s: the board aborted it: %s (error %s) at %.2f s%s", file,
		    *field(ev, "message") ? field(ev, "message") : "no message", field(ev, "code"),
		    at(c, i), note);
	else
		say(c, "tftp", "%s: %s (error %s) at %.2f s%s", file,
		    *field(ev, "message") ? field(ev, "message") : "no message", field(ev, "code"),
		    at(c, i), note);
}

static void explain_tftp(struct ctx *c)
{
	size_t from = c->rrq == NONE ? 0 : c->rrq;
	size_t pick = NONE, any = NONE;
	for (size_t i = from; i < c->n; i++) {
		if (!is_tftp_failure(c->ev[i]) || tftp_recovered(c, i))
			continue;
		any = i;
		if (!tftp_optional(c->ev[i]))
			pick = i;
	}
	if (pick == NONE)
		pick = any;
	char note[160];
	if (pick != NONE) {
		/* quote its first occurrence; a firmware that retries says it again and again */
		const char *b = base_name(field(c->ev[pick], "file"));
		size_t first = pick, times = 0;
		for (size_t i = from; i <= pick; i++)
			if (named(c->ev[i], c->ev[pick]->name) &&
			    strcmp(base_name(field(c->ev[i], "file")), b) == 0) {
				if (times++ == 0)
					first = i;
			}
		char faults[96];
		fault_note(c, "tftp", field(c->ev[pick], "file"), from, c->n, faults, sizeof(faults));
		note[0] = '\0';
		if (times > 1)
			snprintf(note, sizeof(note), ", %zu times until %.2f s", times, at(c, pick));
		size_t len = strlen(note);
		snprintf(note + len, sizeof(note) - len, "%s", faults);
		say_tftp_failure(c, first, note);
		return;
	}
	size_t open = tftp_unfinished(c, from);
	if (open != NONE) {
		const char *file = field(c->ev[open], "file");
		fault_note(c, "tftp", file, from, c->n, note, sizeof(note));
		say(c, "tftp", "%s: requested at %.2f s, not finished %.1f s later%s", file,
		    at(c, open), c->in->t_end - c->ev[open]->t, note);
		return;
	}
	size_t loaded = 0, last = NONE;
	for (size_t i = from; i < c->n; i++)
		if (named(c->ev[i], "tftp.done")) {
			loaded++;
			last = i;
		}
	char halted[64] = "";
	if (c->exit != NONE)
		snprintf(halted, sizeof(halted), "; the board stopped (exit status %s) at %.2f s",
			 field(c->ev[c->exit], "status"), at(c, c->exit));
	if (last != NONE) {
		fault_note(c, "tftp", NULL, from, c->n, note, sizeof(note));
		say(c, "tftp", "the firmware loaded %zu file%s (last %s at %.2f s) but no kernel image%s%s",
		    loaded, loaded > 1 ? "s" : "", field(c->ev[last], "file"), at(c, last), halted, note);
	} else {
		say(c, "tftp", "no file of the boot tree loaded%s", halted);
	}
}

/* A fault that damages data, applied to the file. */
static bool damaged_in_transfer(const struct ctx *c, const char *file, char *note, size_t cap)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct event *ev = c->ev[i];
		const char *a = field(ev, "action");
		if (named(ev, "fault.applied") && strcmp(field(ev, "server"), "tftp") == 0 &&
		    strcmp(base_name(field(ev, "file")), base_name(file)) == 0 &&
		    (strcmp(a, "corrupt") == 0 || strcmp(a, "truncate") == 0)) {
			snprintf(note, cap, " [fault: %s %s]", a, field(ev, "on"));
			return true;
		}
	}
	return false;
}

#define VPI_EXIT_BAD_KERNEL "4" /* pitest vpi's status for a damaged kernel image */

/*
 * The virtual board's own last words before it stopped, when they name a
 * firmware file it could not use (a truncated kernel, no device tree, no
 * kernel at all): then the TFTP tree is where to look, not the kernel.
 */
static bool explain_firmware_diag(struct ctx *c)
{
	static const char *const known[] = { "size differs from tsize", "no device tree", "no kernel found" };
	if (c->exit == NONE)
		return false;
	size_t seen = 0;
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		seen = 0;
		for (size_t i = c->exit; i-- > 0 && seen < 4;) {
			const struct event *ev = c->ev[i];
			if (!named(ev, "vpi.stderr"))
				continue;
			seen++;
			const char *t = field(ev, "text");
			if (!strstr(t, known[k]))
				continue;
			if (strncmp(t, "vpi: ", 5) == 0)
				t += 5;
			say(c, "tftp", "%s (at %.2f s); the board stopped with exit status %s at %.2f s", t,
			    at(c, i), field(c->ev[c->exit], "status"), at(c, c->exit));
			return true;
		}
	}
	return false;
}

static void explain_kernel(struct ctx *c)
{
	const char *image = c->kernel_done != NONE ? field(c->ev[c->kernel_done], "file") : "";
	if (explain_firmware_diag(c))
		return;
	if (c->exit != NONE && strcmp(field(c->ev[c->exit], "status"), VPI_EXIT_BAD_KERNEL) == 0) {
		char note[96];
		if (*image && damaged_in_transfer(c, image, note, sizeof(note))) {
			say(c, "tftp", "%s damaged in transfer: the kernel failed its check at %.2f s%s",
			    image, at(c, c->exit), note);
			return;
		}
		if (*image)
			say(c, "kernel", "%s (%s bytes, loaded at %.2f s) failed its integrity check: the "
			    "board stopped (exit status 4) at %.2f s", image,
			    field(c->ev[c->kernel_done], "bytes"), at(c, c->kernel_done), at(c, c->exit));
		else
			say(c, "kernel", "the kernel image failed its integrity check: the board stopped "
			    "(exit status 4) at %.2f s", at(c, c->exit));
		return;
	}
	if (c->panic != NONE) {
		explain_panic(c, c->panic);
		return;
	}
	double since = c->ev[c->kernel_start]->t;
	if (c->exit != NONE) {
		say(c, "kernel", "the board stopped (exit status %s) at %.2f s, %.1f s after the "
		    "kernel%s%s started", field(c->ev[c->exit], "status"), at(c, c->exit),
		    c->ev[c->exit]->t - since, *image ? " " : "", image);
		return;
	}
	say(c, "kernel", "no DHCP DISCOVER from the kernel in %.1f s after %s at %.2f s: check the "
	    "kernel image and ip=dhcp in cmdline.txt", c->in->t_end - since,
	    *image ? image : "it started", at(c, c->kernel_start));
}

static void explain_nfs_root(struct ctx *c)
{
	size_t from = c->kernel_ack != NONE ? c->kernel_ack : c->kernel_start;
	if (nfs_problem(c, from))
		return;
	if (c->panic != NONE) {
		explain_panic(c, c->panic);
		return;
	}
	size_t last = NONE;
	for (size_t i = from == NONE ? 0 : from; i < c->n; i++)
		if (named(c->ev[i], "rpc.call"))
			last = i;
	double since = from == NONE ? c->in->t0 : c->ev[from]->t;
	if (last == NONE) {
		say(c, "nfs", "no NFS call from the board in %.1f s after its address: check nfsroot= "
		    "in cmdline.txt and the lab's NFS server", c->in->t_end - since);
		return;
	}
	char prog[16];
	upper(field(c->ev[last], "prog"), prog, sizeof(prog));
	say(c, "nfs", "the root was not mounted; last NFS call %s %s %s (%s) at %.2f s", prog,
	    field(c->ev[last], "proc"), field(c->ev[last], "path"), field(c->ev[last], "status"),
	    at(c, last));
}

static void explain_init(struct ctx *c)
{
	if (nfs_problem(c, c->root_mounted))
		return;
	if (c->panic != NONE) {
		explain_panic(c, c->panic);
		return;
	}
	for (size_t i = c->root_mounted == NONE ? 0 : c->root_mounted; i < c->n; i++)
		if (console_has(c->ev[i], "*Starting init:*")) {
			char q[112];
			quote(field(c->ev[i], "text"), q, sizeof(q));
			say(c, "userland", "\"%s\" at %.2f s", q, at(c, i));
			return;
		}
	if (c->root_mounted != NONE)
		say(c, "userland", "the root was mounted at %.2f s but init did not start in %.1f s",
		    at(c, c->root_mounted), c->in->t_end - c->ev[c->root_mounted]->t);
	else
		say(c, "userland", "init did not start");
}

static void explain_userland(struct ctx *c)
{
	if (nfs_problem(c, c->init_run))
		return;
	if (c->panic != NONE) {
		explain_panic(c, c->panic);
		return;
	}
	char q[112] = "";
	if (c->last_console != NONE)
		quote(field(c->ev[c->last_console], "text"), q, sizeof(q));
	double since = c->init_run != NONE ? c->ev[c->init_run]->t : c->in->t0;
	say(c, "userland", "init started at %.2f s, no login prompt in %.1f s; last console line "
	    "at %.2f s: \"%s\"", c->init_run != NONE ? at(c, c->init_run) : 0.0,
	    c->in->t_end - since, c->last_console != NONE ? at(c, c->last_console) : 0.0, q);
}

static void explain(struct ctx *c, enum stage s)
{
	switch (s) {
	case ST_POWER: explain_power(c); return;
	case ST_BOOT_DHCP: explain_dhcp(c, 0, false); return;
	case ST_FIRMWARE: explain_tftp(c); return;
	case ST_KERNEL: explain_kernel(c); return;
	case ST_KERNEL_DHCP: explain_dhcp(c, c->kernel_discover, true); return;
	case ST_NFS_ROOT: explain_nfs_root(c); return;
	case ST_INIT: explain_init(c); return;
	case ST_USERLAND:
	case ST_COUNT: break;
	}
	explain_userland(c);
}

/* ---- the step itself ---------------------------------------------------- */

static const char *token_of_event_name(const char *name)
{
	if (strncmp(name, "power.", 6) == 0)
		return "power-cable";
	if (strncmp(name, "dhcp.", 5) == 0)
		return "dhcp";
	if (strncmp(name, "tftp.", 5) == 0)
		return "tftp";
	if (strncmp(name, "rpc.", 4) == 0 || strncmp(name, "nfs.", 4) == 0)
		return "nfs";
	return NULL;
}

/* "dhcp.offer ip=192.168.1.104": the event and the field that says most. */
static void brief(const struct event *ev, char *buf, size_t cap)
{
	static const char *const keys[] = { "ip", "file", "path", "status", "text" };
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *v = event_get(ev, keys[k]);
		if (v && *v) {
			char q[112];
			quote(v, q, sizeof(q));
			snprintf(buf, cap, "%s %s=\"%s\"", ev->name, keys[k], q);
			return;
		}
	}
	snprintf(buf, cap, "%s", ev->name);
}

static bool step_matches(const struct ctx *c, const struct event *ev)
{
	const char *pattern = str(c->in->step_event);
	if (!*pattern || !glob(pattern, ev->name))
		return false;
	const char *text = str(c->in->step_text);
	return !*text || glob(text, field(ev, "text"));
}

/* An `absent` step saw what it forbade: the event is the evidence. */
static void explain_unexpected(struct ctx *c)
{
	size_t hit = NONE;
	for (size_t i = 0; i < c->n && hit == NONE; i++)
		if (c->ev[i]->t >= c->in->step_t && step_matches(c, c->ev[i]))
			hit = i;
	if (hit == NONE) {
		const char *t = token_of_event_name(str(c->in->step_event));
		say(c, t ? t : "userland", "an event the step forbade (%s) came by %.2f s",
		    str(c->in->step_event), c->in->t_end - c->in->t0);
		return;
	}
	if (console_has(c->ev[hit], "*Kernel panic*")) {
		explain_panic(c, hit);
		return;
	}
	const char *t = token_of_event_name(c->ev[hit]->name);
	if (!t)
		t = c->init_run != NONE && c->ev[hit]->t >= c->ev[c->init_run]->t ? "userland"
										 : "kernel";
	char b[200];
	brief(c->ev[hit], b, sizeof(b));
	say(c, t, "%s at %.2f s, which the step forbade", b, at(c, hit));
}

/* Every stage up to the step's was completed: the step wanted something else. */
static void explain_step(struct ctx *c, enum stage s)
{
	const char *pattern = str(c->in->step_event);
	const char *t = stage_token[s];
	const char *text = str(c->in->step_text);
	if (*text && c->last_console != NONE) {
		char want[112], q[112];
		quote(text, want, sizeof(want));
		quote(field(c->ev[c->last_console], "text"), q, sizeof(q));
		say(c, t, "no console line \"%s\" after %.2f s; the board went on to \"%s\" at %.2f s",
		    want, c->in->step_t - c->in->t0, q, at(c, c->last_console));
		return;
	}
	size_t last = NONE;
	for (size_t i = 0; i < c->n; i++)
		if (*pattern && glob(pattern, c->ev[i]->name))
			last = i;
	if (last != NONE) {
		char b[200];
		brief(c->ev[last], b, sizeof(b));
		say(c, t, "the board's last %s was %s at %.2f s, not what the step wanted", pattern, b,
		    at(c, last));
	} else {
		say(c, t, "no %s from the board after %.2f s, though it got that far", *pattern ? pattern : "event",
		    c->in->step_t - c->in->t0);
	}
}

void classify_run(const struct classify_input *in, struct classify_result *ret)
{
	struct ctx c = { .in = in, .out = ret, .ev = in->events, .n = in->events ? in->n_events : 0 };
	ret->token[0] = ret->evidence[0] = '\0';
	find_milestones(&c);
	if (strcmp(str(in->runner_type), "power") == 0) {
		explain_power_error(&c);
		return;
	}
	if (strcmp(str(in->runner_type), "console") == 0) {
		explain_console_lost(&c);
		return;
	}
	if (strcmp(str(in->runner_type), "unexpected") == 0) {
		explain_unexpected(&c);
		return;
	}
	int target = stage_of_phase(in->step_phase);
	if (target < 0)
		target = stage_of_event(&c, in->step_event, in->step_text);
	if (target < 0)
		target = stage_of_phase(in->phase_under_way);
	if (target < 0)
		target = stage_of_hint(in->step_hint);
	if (target < 0)
		target = ST_USERLAND;
	for (int s = 0; s <= target; s++) {
		if (!stage_complete(&c, (enum stage)s)) {
			explain(&c, (enum stage)s);
			return;
		}
	}
	explain_step(&c, (enum stage)target);
}

int classify_is_token(const char *token)
{
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		if (token && strcmp(token, tokens[i]) == 0)
			return 1;
	return 0;
}

size_t classify_count_text(const char *const *types, size_t n, char *out, size_t cap)
{
	/* first-seen order of distinct types, then a stable sort by count */
	size_t *first = calloc(n ? n : 1, sizeof(*first)), *count = calloc(n ? n : 1, sizeof(*count));
	size_t distinct = 0, used = 0;
	if (cap)
		out[0] = '\0';
	if (!first || !count)
		goto out;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < distinct && strcmp(types[first[k]], types[i]) != 0)
			k++;
		if (k == distinct)
			first[distinct++] = i;
		count[k]++;
	}
	for (size_t i = 1; i < distinct; i++) /* insertion sort: stable, n is small */
		for (size_t j = i; j > 0 && count[j] > count[j - 1]; j--) {
			size_t tf = first[j], tc = count[j];
			first[j] = first[j - 1];
			count[j] = count[j - 1];
			first[j - 1] = tf;
			count[j - 1] = tc;
		}
	for (size_t k = 0; k < distinct; k++) {
		int w = snprintf(cap > used ? out + used : NULL, cap > used ? cap - used : 0, "%s%zu %s",
				 k ? ", " : "", count[k], *types[first[k]] ? types[first[k]] : "unknown");
		if (w > 0)
			used += (size_t)w;
	}
out:
	free(first);
	free(count);
	return used;
}
