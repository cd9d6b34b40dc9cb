/*
 * suite.c - suite files (schema at the top of suite.h): libcyaml reads them
 * into "raw" structs of strings, then every value is checked here so each
 * mistake names its line and what was expected.
 */
#include "harness/suite.h"

#include "servers/nfs3_const.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/duration.h"
#include "harness/expect.h"
#include "harness/lab.h"
#include "harness/yaml_lines.h"

#define SUITE_MAX_CASES 1000
#define SUITE_MAX_STEPS 1000
#define SUITE_MAX_FAULTS 64
#define SUITE_DEFAULT_WITHIN_S 10.0
#define SUITE_MAX_COUNT 1000000u

/*
 * The keys `match:` accepts. libcyaml maps keys onto fixed struct members,
 * so the list lives in one X-macro that makes the raw struct, its schema
 * and suite_match_keys alike.
 */
#define SUITE_MATCH_KEYS(X) \
	X(ip) X(mac) X(xid) X(pxe) X(text) X(action) X(on) X(server) X(rule) \
	X(vendor) X(arch) X(prl) X(guid) X(requested) X(server_id) X(siaddr) \
	X(options) X(lease) X(dst) X(message) X(status) X(target) X(sender) \
	X(hops) X(flags) X(len) X(detail) X(file) X(code) X(board) X(model) \
	X(hostname) X(client_id) X(router) X(dns) X(mask) X(port) X(path) \
	X(bytes) X(blocks) X(blksize) X(windowsize) X(duration) X(rate) \
	X(retransmits) X(sent) X(block) X(retries) X(reason) X(nth) \
	X(prog) X(vers) X(proc) X(transport) X(latency) X(fault) X(drc) X(signal) \
	X(proxy)

#define AS_STRING(k) #k,
const char *const suite_match_keys[] = { SUITE_MATCH_KEYS(AS_STRING) NULL };

/* DHCP messages a fault's `on:` glob must match at least one of. */
static const char *const dhcp_messages[] = {
	"discover", "offer", "request", "decline", "ack", "nak", "release", "inform", NULL
};

/* TFTP packets the server asks the fault engine about (tftp_server.h). */
static const char *const tftp_packets[] = { "rrq", "oack", "data", NULL };
static const char *const tftp_rrq[] = { "rrq", NULL };
static const char *const tftp_data[] = { "data", NULL };

/* NFS-phase calls the server asks about (rpc_server.h): procedure names of
 * the portmapper, MOUNT and NFSv3, lower case. */
static const char *const nfs_calls[] = {
	"null", "getport", "dump", "set", "unset", "mnt", "umnt", "umntall", "export",
	"getattr", "setattr", "lookup", "access", "readlink", "read", "write", "create",
	"mkdir", "symlink", "mknod", "remove", "rmdir", "rename", "link", "readdir",
	"readdirplus", "fsstat", "fsinfo", "pathconf", "commit", NULL
};
static const char *const nfs_read[] = { "read", NULL };

/* Servers faults apply to, and what their `on:` names. */
static const struct {
	const char *name;
	const char *const *on;
	const char *on_text;
	const char *actions_text;
} fault_servers[] = {
	{ "dhcp", dhcp_messages,
	  "a DHCP message (discover, offer, request, decline, ack, nak, release, inform)",
	  "drop, delay, nak, omit-option or corrupt" },
	{ "tftp", tftp_packets, "a TFTP packet (rrq, oack, data)",
	  "error, missing, stall, truncate, ignore-options, duplicate, rate, drop, delay or corrupt" },
	{ "nfs", nfs_calls, "an NFS-phase call (getport, mnt, lookup, getattr, read, write...)",
	  "drop, drop-reply, delay, error, truncate, stall or close" },
};

/*
 * Which actions each server carries out, and on which of its packets
 * (tftp_server.h): a rule whose `on:` matches none of them would never fire.
 */
static const struct {
	const char *server;
	enum fault_action action;
	const char *const *on;
} fault_uses[] = {
	{ "dhcp", FAULT_DROP, dhcp_messages },
	{ "dhcp", FAULT_DELAY, dhcp_messages },
	{ "dhcp", FAULT_NAK, dhcp_messages },
	{ "dhcp", FAULT_OMIT_OPTION, dhcp_messages },
	{ "dhcp", FAULT_CORRUPT, dhcp_messages },
	{ "tftp", FAULT_ERROR, tftp_rrq },
	{ "tftp", FAULT_MISSING, tftp_rrq },
	{ "tftp", FAULT_TRUNCATE, tftp_rrq },
	{ "tftp", FAULT_RATE, tftp_rrq },
	{ "tftp", FAULT_IGNORE_OPTIONS, tftp_rrq },
	{ "tftp", FAULT_DROP, tftp_packets },
	{ "tftp", FAULT_DELAY, tftp_packets },
	{ "tftp", FAULT_STALL, tftp_data },
	{ "tftp", FAULT_DUPLICATE, tftp_data },
	{ "tftp", FAULT_CORRUPT, tftp_data },
	{ "nfs", FAULT_DROP, nfs_calls },
	{ "nfs", FAULT_DROP_REPLY, nfs_calls },
	{ "nfs", FAULT_DELAY, nfs_calls },
	{ "nfs", FAULT_ERROR, nfs_calls },
	{ "nfs", FAULT_TRUNCATE, nfs_read },
	{ "nfs", FAULT_STALL, nfs_calls },
	{ "nfs", FAULT_CLOSE, nfs_calls },
};

/* ---- raw structs --------------------------------------------------------- */

#define AS_MEMBER(k) char *k;
struct raw_match {
	SUITE_MATCH_KEYS(AS_MEMBER)
};

#define AS_OFFSET(k) { #k, offsetof(struct raw_match, k) },
static const struct {
	const char *key;
	size_t offset;
} match_members[] = { SUITE_MATCH_KEYS(AS_OFFSET) };

struct raw_expect {
	char *event;
	struct raw_match *match;
	char *within;
	char **models;
	unsigned models_count;
	char *hint, *phase;
};

struct raw_step {
	char *power;
	struct raw_expect *expect;
	struct raw_expect *absent;
	char *wait;
	char *restart;
};

struct raw_replace {
	char *phase;
	struct raw_step *steps;
	unsigned steps_count;
};

struct raw_fault {
	char *server, *on, *action, *count, *after, *probability, *seed, *delay, *option, *value;
	char *file, *block, *bytes, *rate, *code, *message;
	char **boards;
	unsigned boards_count;
	char **models;
	unsigned models_count;
};

struct raw_case_dhcp {
	char *reservations;
};

struct raw_case {
	char *name, *description;
	char **models;
	unsigned models_count;
	char **boards;
	unsigned boards_count;
	char *timeout;
	struct raw_case_dhcp *dhcp;
	struct raw_fault *faults;
	unsigned faults_count;
	struct raw_step *steps;
	unsigned steps_count;
	char *boot, *until;
	struct raw_replace *replace;
	unsigned replace_count;
	struct raw_step *then;
	unsigned then_count;
};

struct raw_suite {
	char *suite;
	char *description;
	struct raw_case *cases;
	unsigned cases_count;
};

#define OPT_STR(key, st, m) \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, st, m, 0, CYAML_UNLIMITED)
#define REQ_STR(key, st, m) \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER, st, m, 0, CYAML_UNLIMITED)
#define OPT_LIST(key, st, m) \
	CYAML_FIELD_SEQUENCE(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, st, m, &string_schema, 0, \
			     CYAML_UNLIMITED)

static const cyaml_schema_value_t string_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

#define AS_FIELD(k) OPT_STR(#k, struct raw_match, k),
static const cyaml_schema_field_t match_fields[] = {
	SUITE_MATCH_KEYS(AS_FIELD)
	CYAML_FIELD_END
};

static const cyaml_schema_field_t expect_fields[] = {
	REQ_STR("event", struct raw_expect, event),
	CYAML_FIELD_MAPPING_PTR("match", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_expect, match,
				match_fields),
	OPT_STR("within", struct raw_expect, within),
	OPT_LIST("models", struct raw_expect, models),
	OPT_STR("hint", struct raw_expect, hint),
	OPT_STR("phase", struct raw_expect, phase),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t step_fields[] = {
	OPT_STR("power", struct raw_step, power),
	CYAML_FIELD_MAPPING_PTR("expect", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_step, expect,
				expect_fields),
	CYAML_FIELD_MAPPING_PTR("absent", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_step, absent,
				expect_fields),
	OPT_STR("wait", struct raw_step, wait),
	OPT_STR("restart", struct raw_step, restart),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t step_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_step, step_fields),
};

static const cyaml_schema_field_t replace_fields[] = {
	REQ_STR("phase", struct raw_replace, phase),
	CYAML_FIELD_SEQUENCE("steps", CYAML_FLAG_POINTER, struct raw_replace, steps, &step_schema, 0,
			     CYAML_UNLIMITED),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t replace_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_replace, replace_fields),
};

static const cyaml_schema_field_t fault_fields[] = {
	REQ_STR("server", struct raw_fault, server),
	REQ_STR("on", struct raw_fault, on),
	REQ_STR("action", struct raw_fault, action),
	OPT_STR("count", struct raw_fault, count),
	OPT_STR("after", struct raw_fault, after),
	OPT_STR("probability", struct raw_fault, probability),
	OPT_STR("seed", struct raw_fault, seed),
	OPT_STR("delay", struct raw_fault, delay),
	OPT_STR("option", struct raw_fault, option),
	OPT_STR("value", struct raw_fault, value),
	OPT_STR("file", struct raw_fault, file),
	OPT_STR("block", struct raw_fault, block),
	OPT_STR("bytes", struct raw_fault, bytes),
	OPT_STR("rate", struct raw_fault, rate),
	OPT_STR("code", struct raw_fault, code),
	OPT_STR("message", struct raw_fault, message),
	OPT_LIST("boards", struct raw_fault, boards),
	OPT_LIST("models", struct raw_fault, models),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t fault_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_fault, fault_fields),
};

static const cyaml_schema_field_t case_dhcp_fields[] = {
	OPT_STR("reservations", struct raw_case_dhcp, reservations),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t case_fields[] = {
	REQ_STR("name", struct raw_case, name),
	OPT_STR("description", struct raw_case, description),
	OPT_LIST("models", struct raw_case, models),
	OPT_LIST("boards", struct raw_case, boards),
	OPT_STR("timeout", struct raw_case, timeout),
	CYAML_FIELD_MAPPING_PTR("dhcp", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_case, dhcp,
				case_dhcp_fields),
	CYAML_FIELD_SEQUENCE("faults", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_case, faults,
			     &fault_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("steps", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_case, steps,
			     &step_schema, 0, CYAML_UNLIMITED),
	OPT_STR("boot", struct raw_case, boot),
	OPT_STR("until", struct raw_case, until),
	CYAML_FIELD_SEQUENCE("replace", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_case, replace,
			     &replace_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("then", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_case, then,
			     &step_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t case_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_case, case_fields),
};

static const cyaml_schema_field_t suite_fields[] = {
	REQ_STR("suite", struct raw_suite, suite),
	OPT_STR("description", struct raw_suite, description),
	CYAML_FIELD_SEQUENCE("cases", CYAML_FLAG_POINTER, struct raw_suite, cases, &case_schema, 0,
			     CYAML_UNLIMITED),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t suite_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_suite, suite_fields),
};

/* ---- checks --------------------------------------------------------------- */

struct suite_ctx {
	const struct yaml_lines *yl;
	const char *path;  /* the file, to find the suites `boot:` names beside it */
	int depth;         /* how many `boot:` references led here */
	char *err;
	size_t errcap;
};

#define FAIL(c, path, ...) yaml_lines_fail((c)->yl, (path), (c)->err, (c)->errcap, __VA_ARGS__)

static bool given(const char *s)
{
	return s && *s;
}

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

static int copy_text(struct suite_ctx *c, const char *path, const char *what, const char *text,
		     char *out, size_t cap)
{
	if (strlen(text) >= cap)
		return FAIL(c, path, "expected %s of at most %zu characters (got '%.40s...')", what, cap - 1,
			    text);
	snprintf(out, cap, "%s", text);
	return 0;
}

static int parse_uint(const char *text, uint64_t max, uint64_t *ret)
{
	char *end;
	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* A positive duration ("10s", "500ms", ...) at `path`. */
static int parse_positive_duration(struct suite_ctx *c, const char *path, const char *text, double *ret_s)
{
	double s;
	if (duration_parse(text, &s) < 0 || s <= 0)
		return FAIL(c, path, "expected a duration above zero like 10s, 500ms, 2.5s, 1m or 1h (got '%s')",
			    text);
	*ret_s = s;
	return 0;
}

/* A list of model names: known, no repeats, at most `max`. */
static int fill_models(struct suite_ctx *c, const char *base, char **models, unsigned count, size_t max,
		       char (*out)[16], size_t *ret_n)
{
	char path[YAML_LINES_PATH_MAX];
	if (count > max) {
		yaml_lines_path(path, sizeof(path), "%s.models", base);
		return FAIL(c, path, "expected at most %zu models (got %u)", max, count);
	}
	for (unsigned i = 0; i < count; i++) {
		yaml_lines_path(path, sizeof(path), "%s.models[%u]", base, i);
		size_t m = 0;
		while (lab_models[m] && strcmp(lab_models[m], models[i]) != 0)
			m++;
		if (!lab_models[m])
			return FAIL(c, path, "expected a model: pi2, pi3b, pi3b+, pi4b or pi5 (got '%s')", models[i]);
		for (unsigned j = 0; j < i; j++)
			if (strcmp(models[j], models[i]) == 0)
				return FAIL(c, path, "expected each model once (got '%s' twice)", models[i]);
		snprintf(out[i], 16, "%s", models[i]);
	}
	*ret_n = count;
	return 0;
}

static int fill_boards(struct suite_ctx *c, const char *base, char **boards, unsigned count, size_t max,
		       char (*out)[32], size_t *ret_n)
{
	char path[YAML_LINES_PATH_MAX];
	if (count > max) {
		yaml_lines_path(path, sizeof(path), "%s.boards", base);
		return FAIL(c, path, "expected at most %zu boards (got %u)", max, count);
	}
	for (unsigned i = 0; i < count; i++) {
		yaml_lines_path(path, sizeof(path), "%s.boards[%u]", base, i);
		if (!good_name(boards[i], 32))
			return FAIL(c, path, "expected a board name of up to 31 letters, digits, '.', '_', '-' (got '%s')",
				    boards[i]);
		snprintf(out[i], 32, "%s", boards[i]);
	}
	*ret_n = count;
	return 0;
}

/* Does the glob match at least one of the names? */
static bool glob_hits(const char *glob, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		if (fnmatch(glob, names[i], 0) == 0)
			return true;
	return false;
}

/* "rrq", "rrq or data", "rrq, oack or data" */
static void names_text(const char *const *names, char *out, size_t cap)
{
	size_t n = 0, len = 0;
	while (names[n])
		n++;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%s",
					i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
}

/*
 * A size in bytes: a whole or decimal number with an optional suffix B, K,
 * M, G (powers of 1000) or KiB, MiB, GiB (powers of 1024): "4096", "64K",
 * "1.5MiB". Returns 0 or -EINVAL.
 */
static int parse_size(const char *text, uint64_t max, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{ "", 1 }, { "B", 1 }, { "K", 1000 }, { "k", 1000 }, { "M", 1000000 }, { "G", 1000000000 },
		{ "KiB", 1024 }, { "MiB", 1024 * 1024 }, { "GiB", 1024 * 1024 * 1024 },
	};
	char *end;
	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text)
		return -EINVAL;
	/* no exponents, hex floats or infinities: only digits and one '.' */
	if (strspn(text, "0123456789.") != (size_t)(end - text))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		double bytes = v * (double)units[i].mult;
		if (bytes > (double)max || bytes != (double)(uint64_t)bytes)
			return -EINVAL;
		*ret = (uint64_t)bytes;
		return 0;
	}
	return -EINVAL;
}

#define SUITE_MAX_BYTES (1ull << 40)

/*
 * A fault's parameters: each is taken only by the actions (and servers)
 * that use it; any other use is a sign of a mix-up and says so.
 */
static int fill_nfs_params(struct suite_ctx *c, const struct raw_fault *rf, const char *base,
			   struct fault_rule *f);

static int fill_fault_params(struct suite_ctx *c, const struct raw_fault *rf, const char *base, bool tftp,
			     struct fault_rule *f)
{
	char path[YAML_LINES_PATH_MAX];
	uint64_t u;
	int r;
	bool nfs = strcmp(f->server, "nfs") == 0;

	yaml_lines_path(path, sizeof(path), "%s.delay", base);
	if (f->action == FAULT_DELAY) {
		if (!given(rf->delay))
			return FAIL(c, base, "expected a 'delay:' duration for action delay (got none)");
		if ((r = parse_positive_duration(c, path, rf->delay, &f->delay_s)) < 0)
			return r;
	} else if (nfs && f->action == FAULT_STALL && rf->delay) {
		/* how long the connection stays silent; without it, for good */
		if ((r = parse_positive_duration(c, path, rf->delay, &f->delay_s)) < 0)
			return r;
	} else if (rf->delay) {
		return FAIL(c, path, "expected 'delay:' only with action delay%s (got action '%s')",
			    nfs ? " or stall" : "", rf->action);
	}
	if (nfs)
		return fill_nfs_params(c, rf, base, f);

	/* DHCP only: option */
	bool wants_option = !tftp && (f->action == FAULT_OMIT_OPTION || f->action == FAULT_CORRUPT);
	yaml_lines_path(path, sizeof(path), "%s.option", base);
	if (wants_option) {
		if (!given(rf->option))
			return FAIL(c, base, "expected an 'option:' code for action %s (got none)", rf->action);
		if (parse_uint(rf->option, 254, &u) < 0 || u < 1)
			return FAIL(c, path, "expected a DHCP option code from 1 to 254 (got '%s')", rf->option);
		f->option = (int)u;
	} else if (rf->option) {
		return FAIL(c, path, "expected 'option:' only with server dhcp and action omit-option or corrupt (got %s action '%s')",
			    f->server, rf->action);
	}

	yaml_lines_path(path, sizeof(path), "%s.value", base);
	if (f->action == FAULT_CORRUPT) {
		if (!rf->value || !*rf->value)
			return FAIL(c, base, "expected a 'value:' for action corrupt (got none)");
		if (strncmp(rf->value, "hex:", 4) == 0) {
			const char *h = rf->value + 4;
			size_t n = strlen(h);
			bool ok = n % 2 == 0 && (n > 0 || !tftp);
			for (size_t i = 0; ok && i < n; i++)
				ok = isxdigit((unsigned char)h[i]) != 0;
			if (!ok)
				return FAIL(c, path, "expected hex: followed by pairs of hex digits (got '%s')", rf->value);
		}
		if ((r = copy_text(c, path, "a value", rf->value, f->value, sizeof(f->value))) < 0)
			return r;
	} else if (rf->value) {
		return FAIL(c, path, "expected 'value:' only with action corrupt (got action '%s')", rf->action);
	}

	/* TFTP selectors and parameters */
	static const char *const tftp_keys[] = { "file", "block", "bytes", "rate", "code", "message" };
	const char *const tftp_vals[] = { rf->file, rf->block, rf->bytes, rf->rate, rf->code, rf->message };
	for (size_t i = 0; !tftp && i < sizeof(tftp_keys) / sizeof(tftp_keys[0]); i++) {
		if (!tftp_vals[i])
			continue;
		yaml_lines_path(path, sizeof(path), "%s.%s", base, tftp_keys[i]);
		return FAIL(c, path, "expected '%s:' only with server tftp%s (got server '%s')", tftp_keys[i],
			    strcmp(tftp_keys[i], "file") == 0 || strcmp(tftp_keys[i], "bytes") == 0 ||
					    strcmp(tftp_keys[i], "code") == 0
				    ? " or nfs"
				    : "",
			    f->server);
	}
	if (!tftp)
		return 0;

	yaml_lines_path(path, sizeof(path), "%s.file", base);
	if (rf->file) {
		if (!*rf->file)
			return FAIL(c, path, "expected a file name or glob like kernel*.img (got '')");
		if ((r = copy_text(c, path, "a file glob", rf->file, f->file, sizeof(f->file))) < 0)
			return r;
	}

	yaml_lines_path(path, sizeof(path), "%s.block", base);
	if (rf->block) {
		if (parse_uint(rf->block, UINT32_MAX, &u) < 0 || u < 1)
			return FAIL(c, path, "expected a block number from 1 to 4294967295 (got '%s')", rf->block);
		/* the server asks about blocks only for DATA */
		if (fnmatch(f->on, "data", 0) != 0)
			return FAIL(c, path, "expected 'block:' only with on: data (got on '%s')", f->on);
		f->block = (unsigned)u;
	}

	yaml_lines_path(path, sizeof(path), "%s.bytes", base);
	if (f->action == FAULT_TRUNCATE || f->action == FAULT_CORRUPT) {
		if (f->action == FAULT_TRUNCATE && !given(rf->bytes))
			return FAIL(c, base, "expected a 'bytes:' length for action truncate (got none)");
		if (rf->bytes && parse_size(rf->bytes, SUITE_MAX_BYTES, &f->bytes) < 0)
			return FAIL(c, path, "expected a size in bytes like 4096, 64K or 1.5MiB (got '%s')", rf->bytes);
	} else if (rf->bytes) {
		return FAIL(c, path, "expected 'bytes:' only with action truncate or corrupt (got action '%s')",
			    rf->action);
	}

	yaml_lines_path(path, sizeof(path), "%s.rate", base);
	if (f->action == FAULT_RATE) {
		if (!given(rf->rate))
			return FAIL(c, base, "expected a 'rate:' in bytes per second for action rate (got none)");
		if (parse_size(rf->rate, SUITE_MAX_BYTES, &f->rate) < 0 || f->rate == 0)
			return FAIL(c, path, "expected bytes per second above zero like 200K or 1MiB (got '%s')",
				    rf->rate);
	} else if (rf->rate) {
		return FAIL(c, path, "expected 'rate:' only with action rate (got action '%s')", rf->action);
	}

	yaml_lines_path(path, sizeof(path), "%s.code", base);
	if (f->action == FAULT_ERROR) {
		if (!given(rf->code))
			return FAIL(c, base, "expected an error 'code:' for action error (got none)");
		if (parse_uint(rf->code, 255, &u) < 0)
			return FAIL(c, path, "expected a TFTP error code from 0 to 255 (got '%s')", rf->code);
		f->code = (int)u;
	} else if (rf->code) {
		return FAIL(c, path, "expected 'code:' only with action error (got action '%s')", rf->action);
	}
	yaml_lines_path(path, sizeof(path), "%s.message", base);
	if (rf->message) {
		if (f->action != FAULT_ERROR)
			return FAIL(c, path, "expected 'message:' only with action error (got action '%s')", rf->action);
		if ((r = copy_text(c, path, "an error message", rf->message, f->message, sizeof(f->message))) < 0)
			return r;
		for (const char *p = f->message; *p; p++)
			if (!isprint((unsigned char)*p))
				return FAIL(c, path, "expected an error message of printable characters (got '%s')",
					    rf->message);
	}
	return 0;
}

/* NFS: file (a path glob), bytes (truncate), code (error: a status name or number). */
static int fill_nfs_params(struct suite_ctx *c, const struct raw_fault *rf, const char *base,
			   struct fault_rule *f)
{
	char path[YAML_LINES_PATH_MAX];
	int r;
	static const char *const other_keys[] = { "option", "value", "block", "rate", "message" };
	const char *const other_vals[] = { rf->option, rf->value, rf->block, rf->rate, rf->message };
	for (size_t i = 0; i < sizeof(other_keys) / sizeof(other_keys[0]); i++) {
		if (!other_vals[i])
			continue;
		yaml_lines_path(path, sizeof(path), "%s.%s", base, other_keys[i]);
		return FAIL(c, path, "expected no '%s:' with server nfs (it takes file, bytes, code, delay)",
			    other_keys[i]);
	}
	yaml_lines_path(path, sizeof(path), "%s.file", base);
	if (rf->file) {
		if (!*rf->file)
			return FAIL(c, path, "expected a path or glob like /srv/pitest/*/usr/sbin/init or init (got '')");
		if ((r = copy_text(c, path, "a path glob", rf->file, f->file, sizeof(f->file))) < 0)
			return r;
	}
	yaml_lines_path(path, sizeof(path), "%s.bytes", base);
	if (f->action == FAULT_TRUNCATE) {
		if (!given(rf->bytes))
			return FAIL(c, base, "expected a 'bytes:' length for action truncate (got none)");
		if (parse_size(rf->bytes, UINT32_MAX, &f->bytes) < 0)
			return FAIL(c, path, "expected a size in bytes like 4096 or 64K (got '%s')", rf->bytes);
	} else if (rf->bytes) {
		return FAIL(c, path, "expected 'bytes:' only with action truncate (got action '%s')", rf->action);
	}
	yaml_lines_path(path, sizeof(path), "%s.code", base);
	if (f->action == FAULT_ERROR) {
		if (!given(rf->code))
			return FAIL(c, base, "expected an error 'code:' for action error, like NFS3ERR_IO or MNT3ERR_ACCES (got none)");
		uint32_t st;
		/* MNT answers with a mountstat3, everything else with an nfsstat3 */
		bool mnt = fnmatch(f->on, "mnt", 0) == 0 && strcmp(f->on, "*") != 0;
		if (mnt ? mount3_stat_from_name(rf->code, &st) < 0 : nfs3_stat_from_name(rf->code, &st) < 0)
			return FAIL(c, path, "expected %s (got '%s')",
				    mnt ? "a MOUNT status like MNT3ERR_ACCES, MNT3ERR_NOENT or 13"
					: "an NFS status like NFS3ERR_IO, NFS3ERR_JUKEBOX, NFS3ERR_STALE or 5",
				    rf->code);
		f->code = (int)st;
	} else if (rf->code) {
		return FAIL(c, path, "expected 'code:' only with action error (got action '%s')", rf->action);
	}
	return 0;
}

static int fill_fault(struct suite_ctx *c, const struct raw_fault *rf, const char *base, struct fault_rule *f)
{
	char path[YAML_LINES_PATH_MAX], names[64];
	uint64_t u;
	int r;

	f->source_line = yaml_lines_line(c->yl, base);
	f->probability = 1.0;

	yaml_lines_path(path, sizeof(path), "%s.server", base);
	size_t si = 0, n_servers = sizeof(fault_servers) / sizeof(fault_servers[0]);
	while (si < n_servers && strcmp(rf->server, fault_servers[si].name) != 0)
		si++;
	if (si == n_servers)
		return FAIL(c, path, "expected the server a fault applies to: dhcp, tftp or nfs (got '%s')", rf->server);
	snprintf(f->server, sizeof(f->server), "%s", rf->server);
	bool tftp = strcmp(f->server, "tftp") == 0;

	yaml_lines_path(path, sizeof(path), "%s.on", base);
	if (!glob_hits(rf->on, fault_servers[si].on))
		return FAIL(c, path, "expected %s or a glob matching one (got '%s')", fault_servers[si].on_text, rf->on);
	if ((r = copy_text(c, path, "a message glob", rf->on, f->on, sizeof(f->on))) < 0)
		return r;

	yaml_lines_path(path, sizeof(path), "%s.action", base);
	size_t ui = 0, n_uses = sizeof(fault_uses) / sizeof(fault_uses[0]);
	if (fault_action_from_name(rf->action, &f->action) == 0)
		while (ui < n_uses && (strcmp(fault_uses[ui].server, f->server) || fault_uses[ui].action != f->action))
			ui++;
	else
		ui = n_uses;
	if (ui == n_uses)
		return FAIL(c, path, "expected %s %s fault action: %s (got '%s')",
			    strcmp(f->server, "nfs") == 0 ? "an" : "a", f->server,
			    fault_servers[si].actions_text, rf->action);
	if (!glob_hits(f->on, fault_uses[ui].on)) {
		names_text(fault_uses[ui].on, names, sizeof(names));
		yaml_lines_path(path, sizeof(path), "%s.on", base);
		return FAIL(c, path, "expected an 'on:' matching %s for action %s (got '%s')", names, rf->action,
			    f->on);
	}

	yaml_lines_path(path, sizeof(path), "%s.count", base);
	if (given(rf->count)) {
		if (parse_uint(rf->count, SUITE_MAX_COUNT, &u) < 0)
			return FAIL(c, path, "expected a whole number from 0 (no limit) to %u (got '%s')",
				    SUITE_MAX_COUNT, rf->count);
		f->count = (unsigned)u;
	}
	yaml_lines_path(path, sizeof(path), "%s.after", base);
	if (given(rf->after)) {
		if (parse_uint(rf->after, SUITE_MAX_COUNT, &u) < 0)
			return FAIL(c, path, "expected a whole number from 0 to %u (got '%s')", SUITE_MAX_COUNT,
				    rf->after);
		f->after = (unsigned)u;
	}
	yaml_lines_path(path, sizeof(path), "%s.probability", base);
	if (given(rf->probability)) {
		char *end;
		double p = strtod(rf->probability, &end);
		if (!isdigit((unsigned char)rf->probability[0]) || *end || !(p >= 0 && p <= 1))
			return FAIL(c, path, "expected a probability from 0 to 1 like 0.25 (got '%s')", rf->probability);
		f->probability = p;
	}
	yaml_lines_path(path, sizeof(path), "%s.seed", base);
	if (given(rf->seed)) {
		if (parse_uint(rf->seed, UINT64_MAX, &u) < 0)
			return FAIL(c, path, "expected a whole number from 0 to 2^64-1 (got '%s')", rf->seed);
		f->seed = u;
	}

	if ((r = fill_fault_params(c, rf, base, tftp, f)) < 0)
		return r;
	if ((r = fill_boards(c, base, rf->boards, rf->boards_count, FAULT_MAX_FILTER, f->boards, &f->n_boards)) < 0)
		return r;
	return fill_models(c, base, rf->models, rf->models_count, FAULT_MAX_FILTER, f->models, &f->n_models);
}

static int fill_expect(struct suite_ctx *c, const struct raw_expect *re, const char *base, struct suite_step *s)
{
	char path[YAML_LINES_PATH_MAX];
	int r;

	yaml_lines_path(path, sizeof(path), "%s.event", base);
	size_t n = strlen(re->event);
	if (n == 0 || n >= sizeof(s->event) || strspn(re->event, "abcdefghijklmnopqrstuvwxyz0123456789._-*?[]") != n)
		return FAIL(c, path, "expected an event name like dhcp.offer, or a glob like dhcp.* (got '%s')",
			    re->event);
	snprintf(s->event, sizeof(s->event), "%s", re->event);

	if (re->match) {
		for (size_t i = 0; i < sizeof(match_members) / sizeof(match_members[0]); i++) {
			const char *v = *(char *const *)((const char *)re->match + match_members[i].offset);
			if (!v)
				continue;
			yaml_lines_path(path, sizeof(path), "%s.match.%s", base, match_members[i].key);
			if (s->n_match == SUITE_MAX_MATCH)
				return FAIL(c, path, "expected at most %d match keys (got more)", SUITE_MAX_MATCH);
			struct match_field *m = &s->match[s->n_match];
			snprintf(m->key, sizeof(m->key), "%s", match_members[i].key);
			if ((r = copy_text(c, path, "a match value", v, m->value, sizeof(m->value))) < 0)
				return r;
			char why[128];
			if (expect_regex_check(v, why, sizeof(why)) < 0)
				return FAIL(c, path, "expected a POSIX extended regular expression after re: (got '%s': %s)",
					    v + strlen(EXPECT_REGEX_PREFIX), why);
			s->n_match++;
		}
	}

	s->within_s = SUITE_DEFAULT_WITHIN_S;
	yaml_lines_path(path, sizeof(path), "%s.within", base);
	if (re->within && (r = parse_positive_duration(c, path, re->within, &s->within_s)) < 0)
		return r;
	yaml_lines_path(path, sizeof(path), "%s.hint", base);
	if (re->hint && (r = copy_text(c, path, "a hint", re->hint, s->hint, sizeof(s->hint))) < 0)
		return r;
	if (re->phase) {
		yaml_lines_path(path, sizeof(path), "%s.phase", base);
		n = strlen(re->phase);
		if (s->kind != STEP_EXPECT)
			return FAIL(c, path, "expected 'phase:' only on an expect step (a phase ends when its event is seen)");
		if (n == 0 || n >= sizeof(s->phase) ||
		    strspn(re->phase, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
			return FAIL(c, path, "expected a phase name of 1 to %zu lower-case letters, digits or '-' like dhcp or kernel-dhcp (got '%s')",
				    sizeof(s->phase) - 1, re->phase);
		snprintf(s->phase, sizeof(s->phase), "%s", re->phase);
	}
	return fill_models(c, base, re->models, re->models_count, SUITE_MAX_MODELS, s->models, &s->n_models);
}

static int fill_step(struct suite_ctx *c, const struct raw_step *rs, const char *base, struct suite_step *s)
{
	char path[YAML_LINES_PATH_MAX];
	const char *keys[5];
	size_t n = 0;

	s->line = yaml_lines_line(c->yl, base);
	if (rs->restart)
		keys[n++] = "restart";
	if (rs->power)
		keys[n++] = "power";
	if (rs->expect)
		keys[n++] = "expect";
	if (rs->absent)
		keys[n++] = "absent";
	if (rs->wait)
		keys[n++] = "wait";
	if (n == 0)
		return FAIL(c, base, "expected a step: power, expect, absent, wait or restart (got none)");
	if (n > 1)
		return FAIL(c, base, "expected one of power, expect, absent, wait or restart per step (got '%s' and '%s')",
			    keys[0], keys[1]);

	if (rs->restart) {
		yaml_lines_path(path, sizeof(path), "%s.restart", base);
		if (strcmp(rs->restart, "nfs") && strcmp(rs->restart, "tftp"))
			return FAIL(c, path, "expected restart: nfs or tftp, the server to stop and start again (got '%s')",
				    rs->restart);
		s->kind = STEP_RESTART;
		snprintf(s->server, sizeof(s->server), "%s", rs->restart);
		return 0;
	}

	if (rs->power) {
		yaml_lines_path(path, sizeof(path), "%s.power", base);
		if (strcmp(rs->power, "on") && strcmp(rs->power, "off") && strcmp(rs->power, "cycle"))
			return FAIL(c, path, "expected power: on, off or cycle (got '%s')", rs->power);
		s->kind = STEP_POWER;
		snprintf(s->power, sizeof(s->power), "%s", rs->power);
		return 0;
	}
	if (rs->wait) {
		yaml_lines_path(path, sizeof(path), "%s.wait", base);
		s->kind = STEP_WAIT;
		return parse_positive_duration(c, path, rs->wait, &s->within_s);
	}
	s->kind = rs->expect ? STEP_EXPECT : STEP_ABSENT;
	yaml_lines_path(path, sizeof(path), "%s.%s", base, rs->expect ? "expect" : "absent");
	return fill_expect(c, rs->expect ? rs->expect : rs->absent, path, s);
}

/* ---- cases built on another suite's boot (`boot:`) ------------------------ */

#define SUITE_MAX_BOOT_DEPTH 4
#define SUITE_MAX_PHASES 32

static int suite_load_at(const char *path, int depth, struct suite **ret_suite, char *err, size_t errcap);

/* A phase of the boot: its steps are [first, last]. */
struct phase_span {
	const char *name;
	size_t first, last;
};

/* Splits a case's steps into phases (suite.h); returns how many, or -1 when one ends twice apart. */
static int phase_spans(const struct suite_case *kase, struct phase_span *spans, size_t cap,
		       const char **ret_twice)
{
	size_t n = 0;
	for (size_t i = 0; i < kase->n_steps; i++) {
		const char *ph = kase->steps[i].phase;
		if (!ph[0])
			continue;
		if (n && strcmp(spans[n - 1].name, ph) == 0) {
			spans[n - 1].last = i;
			continue;
		}
		for (size_t j = 0; j < n; j++)
			if (strcmp(spans[j].name, ph) == 0) {
				*ret_twice = ph;
				return -1;
			}
		if (n == cap)
			break;
		spans[n] = (struct phase_span){ ph, n ? spans[n - 1].last + 1 : 0, i };
		n++;
	}
	return (int)n;
}

static void phase_names(const struct phase_span *spans, size_t n, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "", spans[i].name);
}

static const struct phase_span *find_span(const struct phase_span *spans, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(spans[i].name, name) == 0)
			return &spans[i];
	return NULL;
}

/* Loads the suite `boot:` names (NAME or NAME/CASE, a file beside this one) and picks its case. */
static int load_boot(struct suite_ctx *c, const char *path, const char *ref, struct suite **ret_base,
		     const struct suite_case **ret_case)
{
	char name[64], file[1024];
	const char *slash = strchr(ref, '/');
	size_t n = slash ? (size_t)(slash - ref) : strlen(ref);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, ref, n);
	name[n] = '\0';
	if (!good_name(name, sizeof(name)) || (slash && !good_name(slash + 1, 64)))
		return FAIL(c, path, "expected the suite whose boot this case changes, as NAME or NAME/CASE like full-boot (got '%s')",
			    ref);
	if (c->depth >= SUITE_MAX_BOOT_DEPTH)
		return FAIL(c, path, "expected at most %d suites in a chain of boot: references (got more; is it a loop?)",
			    SUITE_MAX_BOOT_DEPTH);
	const char *dir_end = strrchr(c->path, '/');
	int dir_len = dir_end ? (int)(dir_end - c->path) : 1;
	snprintf(file, sizeof(file), "%.*s/%s.yaml", dir_len, dir_end ? c->path : ".", name);
	if (access(file, R_OK) != 0) {
		/* then the project's own suites, so a suite anywhere can build on full-boot */
		const char *home = getenv("PITEST_HOME");
		snprintf(file, sizeof(file), "%s/suites/%s.yaml", home && *home ? home : PITEST_SOURCE_DIR, name);
	}
	if (access(file, R_OK) != 0)
		return FAIL(c, path, "expected a suite file %s.yaml beside this one or in the project's suites/ for boot: %s (%s)",
			    name, ref, strerror(errno));
	struct suite *base = NULL;
	int r = suite_load_at(file, c->depth + 1, &base, c->err, c->errcap);
	if (r < 0)
		return r; /* the message names the base file's own line */
	const struct suite_case *kase = &base->cases[0];
	if (slash) {
		kase = NULL;
		for (size_t i = 0; i < base->n_cases && !kase; i++)
			if (strcmp(base->cases[i].name, slash + 1) == 0)
				kase = &base->cases[i];
		if (!kase) {
			char names[512];
			size_t used = 0;
			names[0] = '\0';
			for (size_t i = 0; i < base->n_cases && used < sizeof(names); i++)
				used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
							 base->cases[i].name);
			suite_free(base);
			return FAIL(c, path, "expected a case of %s.yaml: %s (got '%s')", name, names, slash + 1);
		}
	}
	*ret_base = base;
	*ret_case = kase;
	return 0;
}

/* Appends steps parsed from YAML (steps_path[i]) to sc->steps. */
static int add_raw_steps(struct suite_ctx *c, const struct raw_step *raw, unsigned n, const char *steps_path,
			 struct suite_case *sc)
{
	char path[YAML_LINES_PATH_MAX];
	for (unsigned i = 0; i < n; i++) {
		yaml_lines_path(path, sizeof(path), "%s[%u]", steps_path, i);
		int r = fill_step(c, &raw[i], path, &sc->steps[sc->n_steps]);
		if (r < 0)
			return r;
		sc->n_steps++;
	}
	return 0;
}

/* Copies steps of the base case, marked with the base's file name. */
static void add_base_steps(const struct suite_case *kase, const char *file, size_t first, size_t end,
			   struct suite_case *sc)
{
	const char *slash = strrchr(file, '/');
	for (size_t i = first; i < end; i++) {
		struct suite_step *s = &sc->steps[sc->n_steps++];
		*s = kase->steps[i];
		if (!s->file[0])
			snprintf(s->file, sizeof(s->file), "%s", slash ? slash + 1 : file);
	}
}

/* The steps (and extra faults) of a case with `boot:`. */
static int compose_boot(struct suite_ctx *c, const struct raw_case *rc, const char *base_path,
			struct suite_case *sc)
{
	char path[YAML_LINES_PATH_MAX], names[512];
	struct suite *base = NULL;
	const struct suite_case *kase = NULL;
	int r;

	yaml_lines_path(path, sizeof(path), "%s.boot", base_path);
	if (rc->steps) {
		yaml_lines_path(path, sizeof(path), "%s.steps", base_path);
		return FAIL(c, path, "expected either 'steps:' or 'boot:' with replace/until/then (got both)");
	}
	if ((r = load_boot(c, path, rc->boot, &base, &kase)) < 0)
		return r;

	struct phase_span spans[SUITE_MAX_PHASES];
	const char *twice = NULL;
	int n_spans = phase_spans(kase, spans, SUITE_MAX_PHASES, &twice);
	if (n_spans < 0) {
		r = FAIL(c, path, "expected a boot whose phases each end in one place (phase '%s' of %s ends twice apart)",
			 twice, strrchr(base->path, '/') ? strrchr(base->path, '/') + 1 : base->path);
		goto out;
	}
	phase_names(spans, (size_t)n_spans, names, sizeof(names));
	const char *base_file = strrchr(base->path, '/') ? strrchr(base->path, '/') + 1 : base->path;

	size_t keep = kase->n_steps;
	if (rc->until) {
		yaml_lines_path(path, sizeof(path), "%s.until", base_path);
		const struct phase_span *u = find_span(spans, (size_t)n_spans, rc->until);
		if (!u) {
			r = FAIL(c, path, "expected a phase of %s: %s (got '%s')", base_file, names, rc->until);
			goto out;
		}
		keep = u->last + 1;
	}
	size_t total = rc->then_count;
	for (unsigned j = 0; j < rc->replace_count; j++)
		total += rc->replace[j].steps_count;
	total += keep;
	yaml_lines_path(path, sizeof(path), "%s", base_path);
	if (total > SUITE_MAX_STEPS) {
		r = FAIL(c, path, "expected at most %d steps in all (got %zu)", SUITE_MAX_STEPS, total);
		goto out;
	}
	/* every replaced phase is in the boot, once, and kept by until */
	const struct raw_replace *by_span[SUITE_MAX_PHASES] = { 0 };
	unsigned by_span_index[SUITE_MAX_PHASES] = { 0 };
	for (unsigned j = 0; j < rc->replace_count; j++) {
		yaml_lines_path(path, sizeof(path), "%s.replace[%u].phase", base_path, j);
		const struct phase_span *sp = find_span(spans, (size_t)n_spans, rc->replace[j].phase);
		if (!sp) {
			r = FAIL(c, path, "expected a phase of %s: %s (got '%s')", base_file, names,
				 rc->replace[j].phase);
			goto out;
		}
		if (sp->first >= keep) {
			r = FAIL(c, path, "expected a phase kept by until: %s (got '%s', which comes after it)",
				 rc->until, sp->name);
			goto out;
		}
		size_t k = (size_t)(sp - spans);
		if (by_span[k]) {
			r = FAIL(c, path, "expected each phase replaced once (got '%s' twice)", sp->name);
			goto out;
		}
		by_span[k] = &rc->replace[j];
		by_span_index[k] = j;
	}

	sc->steps = calloc(total ? total : 1, sizeof(*sc->steps));
	r = -ENOMEM;
	if (!sc->steps)
		goto out;
	size_t done = 0;
	for (size_t k = 0; k < (size_t)n_spans && spans[k].first < keep; k++) {
		if (!by_span[k]) {
			add_base_steps(kase, base->path, spans[k].first, spans[k].last + 1, sc);
		} else {
			yaml_lines_path(path, sizeof(path), "%s.replace[%u].steps", base_path, by_span_index[k]);
			if ((r = add_raw_steps(c, by_span[k]->steps, by_span[k]->steps_count, path, sc)) < 0)
				goto out;
		}
		done = spans[k].last + 1;
	}
	if (done < keep)
		add_base_steps(kase, base->path, done, keep, sc); /* the tail, or a boot without phases */
	yaml_lines_path(path, sizeof(path), "%s.then", base_path);
	if ((r = add_raw_steps(c, rc->then, rc->then_count, path, sc)) < 0)
		goto out;
	if (sc->n_steps == 0) {
		r = FAIL(c, base_path, "expected at least one step (until and then leave none)");
		goto out;
	}

	/* the boot's own faults come first, then the case's */
	if (kase->n_faults) {
		struct fault_rule *all = calloc(kase->n_faults + sc->n_faults, sizeof(*all));
		r = -ENOMEM;
		if (!all)
			goto out;
		memcpy(all, kase->faults, kase->n_faults * sizeof(*all));
		if (sc->n_faults)
			memcpy(all + kase->n_faults, sc->faults, sc->n_faults * sizeof(*all));
		free(sc->faults);
		sc->faults = all;
		sc->n_faults += kase->n_faults;
	}
	r = 0;
out:
	suite_free(base);
	return r;
}


static int fill_case(struct suite_ctx *c, const struct raw_case *rc, size_t ci, struct suite_case *sc)
{
	char base[64], path[YAML_LINES_PATH_MAX];
	int r;

	snprintf(base, sizeof(base), "cases[%zu]", ci);
	sc->line = yaml_lines_line(c->yl, base);
	sc->dhcp_reservations = true;

	yaml_lines_path(path, sizeof(path), "%s.name", base);
	if (!good_name(rc->name, sizeof(sc->name)))
		return FAIL(c, path, "expected a case name of up to %zu letters, digits, '.', '_', '-' (got '%s')",
			    sizeof(sc->name) - 1, rc->name);
	snprintf(sc->name, sizeof(sc->name), "%s", rc->name);

	yaml_lines_path(path, sizeof(path), "%s.description", base);
	if (rc->description &&
	    (r = copy_text(c, path, "a description", rc->description, sc->description, sizeof(sc->description))) < 0)
		return r;
	if ((r = fill_models(c, base, rc->models, rc->models_count, SUITE_MAX_MODELS, sc->models, &sc->n_models)) < 0)
		return r;
	if ((r = fill_boards(c, base, rc->boards, rc->boards_count, SUITE_MAX_BOARDS, sc->boards, &sc->n_boards)) < 0)
		return r;
	yaml_lines_path(path, sizeof(path), "%s.timeout", base);
	if (rc->timeout && (r = parse_positive_duration(c, path, rc->timeout, &sc->timeout_s)) < 0)
		return r;
	if (rc->dhcp && rc->dhcp->reservations) {
		yaml_lines_path(path, sizeof(path), "%s.dhcp.reservations", base);
		if (yaml_lines_bool(rc->dhcp->reservations, &sc->dhcp_reservations) < 0)
			return FAIL(c, path, "expected true or false (got '%s')", rc->dhcp->reservations);
	}

	if (rc->faults_count > SUITE_MAX_FAULTS) {
		yaml_lines_path(path, sizeof(path), "%s.faults", base);
		return FAIL(c, path, "expected at most %d faults (got %u)", SUITE_MAX_FAULTS, rc->faults_count);
	}
	if (rc->faults_count) {
		sc->faults = calloc(rc->faults_count, sizeof(*sc->faults));
		if (!sc->faults)
			return -ENOMEM;
		for (unsigned i = 0; i < rc->faults_count; i++) {
			yaml_lines_path(path, sizeof(path), "%s.faults[%u]", base, i);
			if ((r = fill_fault(c, &rc->faults[i], path, &sc->faults[i])) < 0)
				return r;
			sc->n_faults = i + 1;
		}
	}

	if (rc->boot)
		return compose_boot(c, rc, base, sc);
	static const char *const boot_only[] = { "until", "replace", "then" };
	const bool boot_only_given[] = { rc->until != NULL, rc->replace != NULL, rc->then != NULL };
	for (size_t i = 0; i < 3; i++) {
		if (!boot_only_given[i])
			continue;
		yaml_lines_path(path, sizeof(path), "%s.%s", base, boot_only[i]);
		return FAIL(c, path, "expected '%s:' only in a case with 'boot:' (the suite whose boot it changes)",
			    boot_only[i]);
	}
	if (!rc->steps)
		return FAIL(c, base, "expected 'steps:', or 'boot:' naming the suite whose boot the case changes (got neither)");
	yaml_lines_path(path, sizeof(path), "%s.steps", base);
	if (rc->steps_count == 0 || rc->steps_count > SUITE_MAX_STEPS)
		return FAIL(c, path, "expected 1 to %d steps (got %u)", SUITE_MAX_STEPS, rc->steps_count);
	sc->steps = calloc(rc->steps_count, sizeof(*sc->steps));
	if (!sc->steps)
		return -ENOMEM;
	for (unsigned i = 0; i < rc->steps_count; i++) {
		yaml_lines_path(path, sizeof(path), "%s.steps[%u]", base, i);
		if ((r = fill_step(c, &rc->steps[i], path, &sc->steps[i])) < 0)
			return r;
		sc->n_steps = i + 1;
	}
	return 0;
}

static int fill_suite(struct suite_ctx *c, const struct raw_suite *raw, struct suite *s)
{
	int r;

	if (!good_name(raw->suite, sizeof(s->name)))
		return FAIL(c, "suite", "expected a suite name of letters, digits, '.', '_', '-' (got '%s')", raw->suite);
	snprintf(s->name, sizeof(s->name), "%s", raw->suite);
	if (raw->description &&
	    (r = copy_text(c, "description", "a description", raw->description, s->description,
			   sizeof(s->description))) < 0)
		return r;
	if (raw->cases_count == 0 || raw->cases_count > SUITE_MAX_CASES)
		return FAIL(c, "cases", "expected 1 to %d cases (got %u)", SUITE_MAX_CASES, raw->cases_count);
	s->cases = calloc(raw->cases_count, sizeof(*s->cases));
	if (!s->cases)
		return -ENOMEM;
	for (size_t i = 0; i < raw->cases_count; i++) {
		s->n_cases = i + 1;
		if ((r = fill_case(c, &raw->cases[i], i, &s->cases[i])) < 0)
			return r;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(s->cases[j].name, s->cases[i].name) != 0)
				continue;
			char path[64];
			yaml_lines_path(path, sizeof(path), "cases[%zu].name", i);
			return FAIL(c, path, "expected a case name used once in the suite (got '%s', also on line %d)",
				    s->cases[i].name, s->cases[j].line);
		}
	}
	return 0;
}

int suite_load(const char *path, struct suite **ret_suite, char *err, size_t errcap)
{
	return suite_load_at(path, 0, ret_suite, err, errcap);
}

static int suite_load_at(const char *path, int depth, struct suite **ret_suite, char *err, size_t errcap)
{
	struct raw_suite *raw = NULL;
	struct yaml_lines *yl = NULL;
	struct suite *s = NULL;
	int r;

	if (strlen(path) >= sizeof(s->path)) {
		snprintf(err, errcap, "%.64s...: expected a shorter path", path);
		return -ENAMETOOLONG;
	}
	r = yaml_lines_cyaml_load(path, &suite_schema, (void **)&raw, &yl, err, errcap);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s) {
		r = -ENOMEM;
	} else {
		snprintf(s->path, sizeof(s->path), "%s", path);
		struct suite_ctx c = { .yl = yl, .path = path, .depth = depth, .err = err, .errcap = errcap };
		r = fill_suite(&c, raw, s);
	}
	if (r == -ENOMEM)
		snprintf(err, errcap, "%s: out of memory", path);
	if (r == 0) {
		*ret_suite = s;
		s = NULL;
	}
	suite_free(s);
	yaml_lines_cyaml_free(&suite_schema, raw);
	yaml_lines_free(yl);
	return r;
}

void suite_free(struct suite *suite)
{
	if (!suite)
		return;
	for (size_t i = 0; i < suite->n_cases; i++) {
		free(suite->cases[i].faults);
		free(suite->cases[i].steps);
	}
	free(suite->cases);
	free(suite);
}
