/*
 * history.c - history files (json-c both ways) and the baseline comparison.
 *
 * Files are written to a hidden temporary name in the directory and then
 * hard-linked to their final name, so a reader never sees half a file and
 * an existing file is never replaced (link fails with EEXIST; the next
 * millisecond's name is tried instead, which keeps names in time order).
 */
#include "harness/history.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/summary.h"

#define HISTORY_FORMAT "pitest-history/1"
/* A history file is a few hundred bytes per testcase: this is years of --repeat. */
#define HISTORY_MAX_FILE (64u << 20)
/* "20261202T020004.123Z": the UTC time at the start of every file name. */
#define NAME_TIME_LEN 20

/* ---- the run in memory ---------------------------------------------------- */

struct history_run *history_run_new(const char *suite, const char *lab, const char *started,
				    const char *version, double time_scale)
{
	struct history_run *run = calloc(1, sizeof(*run));
	if (!run)
		return NULL;
	snprintf(run->suite, sizeof(run->suite), "%s", suite ? suite : "");
	snprintf(run->lab, sizeof(run->lab), "%s", lab ? lab : "");
	snprintf(run->started, sizeof(run->started), "%s", started ? started : "");
	snprintf(run->version, sizeof(run->version), "%s", version ? version : "");
	run->time_scale = time_scale;
	return run;
}

void history_run_free(struct history_run *run)
{
	if (!run)
		return;
	free(run->cases);
	free(run);
}

int history_run_add(struct history_run *run, const struct history_case *hc)
{
	if (run->n_cases == run->cap_cases) {
		size_t cap = run->cap_cases ? run->cap_cases * 2 : 32;
		struct history_case *grown = realloc(run->cases, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		run->cases = grown;
		run->cap_cases = cap;
	}
	run->cases[run->n_cases++] = *hc;
	return 0;
}

void history_format_time(long long t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "1970-01-01T00:00:00Z");
}

/* ---- writing ------------------------------------------------------------- */

/* Seconds with millisecond precision, written as such ("3.100"), not %.17g. */
static json_object *seconds_json(double s)
{
	char text[32];
	snprintf(text, sizeof(text), "%.3f", s);
	return json_object_new_double_s(s, text);
}

static json_object *string_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static json_object *case_json(const struct history_case *hc)
{
	json_object *o = json_object_new_object(), *ph = json_object_new_object();
	if (!o || !ph) {
		json_object_put(o);
		json_object_put(ph);
		return NULL;
	}
	bool failed = strcmp(hc->verdict, "fail") == 0;
	json_object_object_add(o, "case", json_object_new_string(hc->kase));
	json_object_object_add(o, "board", json_object_new_string(hc->board));
	json_object_object_add(o, "model", json_object_new_string(hc->model));
	json_object_object_add(o, "repetition", json_object_new_int64(hc->repetition));
	json_object_object_add(o, "verdict", json_object_new_string(hc->verdict));
	json_object_object_add(o, "failure_class", failed ? string_or_null(hc->failure_class) : NULL);
	json_object_object_add(o, "evidence", failed ? string_or_null(hc->evidence) : NULL);
	json_object_object_add(o, "time", seconds_json(hc->time_s));
	for (size_t i = 0; i < hc->n_phases && i < HISTORY_MAX_PHASES; i++)
		json_object_object_add(ph, hc->phases[i].name, seconds_json(hc->phases[i].seconds));
	json_object_object_add(o, "phases", ph);
	return o;
}

static json_object *run_json(const struct history_run *run)
{
	json_object *root = json_object_new_object(), *cases = json_object_new_array();
	if (!root || !cases) {
		json_object_put(root);
		json_object_put(cases);
		return NULL;
	}
	json_object_object_add(root, "format", json_object_new_string(HISTORY_FORMAT));
	json_object_object_add(root, "suite", json_object_new_string(run->suite));
	json_object_object_add(root, "lab", json_object_new_string(run->lab));
	json_object_object_add(root, "started", json_object_new_string(run->started));
	json_object_object_add(root, "pitest_version", string_or_null(run->version));
	json_object_object_add(root, "time_scale", json_object_new_double(run->time_scale));
	for (size_t i = 0; i < run->n_cases; i++) {
		json_object *c = case_json(&run->cases[i]);
		if (!c) {
			json_object_put(root);
			json_object_put(cases);
			return NULL;
		}
		json_object_array_add(cases, c);
	}
	json_object_object_add(root, "testcases", cases);
	return root;
}

/* A file name part: what the shell and every file system take as it is. */
static void name_part(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	for (; *s && o + 1 < cap; s++) {
		char ch = *s;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '+' || ch == '-';
		out[o++] = ok ? ch : '_';
	}
	out[o] = '\0';
	if (o == 0)
		snprintf(out, cap, "unnamed");
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int history_write(const char *dir, struct history_run *run, char *err, size_t errcap)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		int e = errno;
		snprintf(err, errcap, "%s: cannot create the history directory: %s", dir, strerror(e));
		return -e;
	}
	json_object *root = run_json(run);
	if (!root) {
		snprintf(err, errcap, "%s: out of memory", dir);
		return -ENOMEM;
	}
	size_t len = 0;
	const char *text = json_object_to_json_string_length(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE,
		&len);
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s/.history-%ld.tmp", dir, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = fd < 0 ? -errno : 0;
	if (!rc)
		rc = write_all(fd, text, len);
	if (!rc)
		rc = write_all(fd, "\n", 1);
	if (!rc && fsync(fd) != 0)
		rc = -errno;
	if (fd >= 0 && close(fd) != 0 && !rc)
		rc = -errno;
	json_object_put(root);
	if (rc) {
		snprintf(err, errcap, "%s: cannot write: %s", tmp, strerror(-rc));
		unlink(tmp);
		return rc;
	}

	char suite[64], lab[64];
	name_part(run->suite, suite, sizeof(suite));
	name_part(run->lab, lab, sizeof(lab));
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	long long ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	rc = -EEXIST;
	for (int attempt = 0; attempt < 1000 && rc == -EEXIST; attempt++, ms++) {
		time_t sec = (time_t)(ms / 1000);
		struct tm tm;
		char stamp[24];
		gmtime_r(&sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
		snprintf(run->path, sizeof(run->path), "%s/%s.%03lldZ-%s-%s.json", dir, stamp, ms % 1000,
			 suite, lab);
		rc = link(tmp, run->path) == 0 ? 0 : -errno;
	}
	unlink(tmp);
	if (rc) {
		snprintf(err, errcap, "%s: cannot write: %s", run->path, strerror(-rc));
		run->path[0] = '\0';
	}
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

static int read_file(const char *path, char **ret_buf, size_t *ret_len, char *err, size_t errcap)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		snprintf(err, errcap, "%s: cannot read: %s", path, strerror(e));
		return -e;
	}
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	int rc = buf ? 0 : -ENOMEM;
	while (!rc) {
		if (len + 1 == cap) {
			if (cap >= HISTORY_MAX_FILE) {
				snprintf(err, errcap, "%s: larger than %u bytes: not a history file", path,
					 HISTORY_MAX_FILE);
				rc = -EFBIG;
				break;
			}
			char *grown = realloc(buf, cap * 2);
			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			buf = grown;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - 1 - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				rc = -EIO;
				snprintf(err, errcap, "%s: cannot read: %s", path, strerror(EIO));
			}
			break;
		}
	}
	fclose(f);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errcap, "%s: out of memory", path);
		free(buf);
		return rc;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

static int line_of(const char *buf, size_t offset)
{
	int line = 1;
	for (size_t i = 0; i < offset && buf[i]; i++)
		line += buf[i] == '\n';
	return line;
}

static int invalid(char *err, size_t errcap, const char *path, const char *what, size_t index,
		   const char *expected)
{
	if (index == SIZE_MAX)
		snprintf(err, errcap, "%s: \"%s\": expected %s", path, what, expected);
	else
		snprintf(err, errcap, "%s: testcases[%zu].%s: expected %s", path, index, what, expected);
	return -EINVAL;
}

static int get_string(json_object *o, const char *key, bool required, char *out, size_t cap)
{
	json_object *v;
	out[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return required ? -1 : 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	snprintf(out, cap, "%s", json_object_get_string(v));
	return 0;
}

static int get_number(json_object *o, const char *key, bool required, double *out)
{
	json_object *v;
	*out = 0;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return required ? -1 : 0;
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_double(v);
	return isfinite(*out) ? 0 : -1;
}

static int case_from_json(json_object *o, size_t i, const char *path, struct history_case *hc,
			  char *err, size_t errcap)
{
	memset(hc, 0, sizeof(*hc));
	if (!json_object_is_type(o, json_type_object))
		return invalid(err, errcap, path, "", i, "an object");
	if (get_string(o, "case", true, hc->kase, sizeof(hc->kase)) < 0)
		return invalid(err, errcap, path, "case", i, "a string");
	if (get_string(o, "board", true, hc->board, sizeof(hc->board)) < 0)
		return invalid(err, errcap, path, "board", i, "a string");
	if (get_string(o, "model", false, hc->model, sizeof(hc->model)) < 0)
		return invalid(err, errcap, path, "model", i, "a string");
	if (get_string(o, "verdict", true, hc->verdict, sizeof(hc->verdict)) < 0 ||
	    (strcmp(hc->verdict, "pass") && strcmp(hc->verdict, "fail") &&
	     strcmp(hc->verdict, "interrupted")))
		return invalid(err, errcap, path, "verdict", i, "\"pass\", \"fail\" or \"interrupted\"");
	if (get_string(o, "failure_class", false, hc->failure_class, sizeof(hc->failure_class)) < 0)
		return invalid(err, errcap, path, "failure_class", i, "a string or null");
	if (get_string(o, "evidence", false, hc->evidence, sizeof(hc->evidence)) < 0)
		return invalid(err, errcap, path, "evidence", i, "a string or null");
	double rep;
	if (get_number(o, "repetition", false, &rep) < 0 || rep < 0 || rep > UINT_MAX)
		return invalid(err, errcap, path, "repetition", i, "a whole number");
	hc->repetition = (unsigned)rep;
	if (get_number(o, "time", false, &hc->time_s) < 0)
		return invalid(err, errcap, path, "time", i, "seconds (a number)");
	json_object *ph;
	if (!json_object_object_get_ex(o, "phases", &ph) || json_object_is_type(ph, json_type_null))
		return 0;
	if (!json_object_is_type(ph, json_type_object))
		return invalid(err, errcap, path, "phases", i, "an object of phase: seconds");
	json_object_object_foreach(ph, name, value)
	{
		double s;
		if ((!json_object_is_type(value, json_type_double) &&
		     !json_object_is_type(value, json_type_int)) ||
		    !isfinite(s = json_object_get_double(value)) || s < 0) {
			char what[64];
			snprintf(what, sizeof(what), "phases.%s", name);
			return invalid(err, errcap, path, what, i, "seconds (a number, 0 or more)");
		}
		if (hc->n_phases == HISTORY_MAX_PHASES)
			return invalid(err, errcap, path, "phases", i, "at most 16 phases");
		struct history_phase *p = &hc->phases[hc->n_phases++];
		snprintf(p->name, sizeof(p->name), "%s", name);
		p->seconds = s;
	}
	return 0;
}

static int run_from_json(json_object *root, const char *path, struct history_run *run, char *err,
			 size_t errcap)
{
	char format[32];
	if (!json_object_is_type(root, json_type_object))
		return invalid(err, errcap, path, "(top)", SIZE_MAX, "an object");
	if (get_string(root, "format", true, format, sizeof(format)) < 0 ||
	    strcmp(format, HISTORY_FORMAT) != 0)
		return invalid(err, errcap, path, "format", SIZE_MAX, "\"" HISTORY_FORMAT "\"");
	if (get_string(root, "suite", true, run->suite, sizeof(run->suite)) < 0)
		return invalid(err, errcap, path, "suite", SIZE_MAX, "a string");
	if (get_string(root, "lab", true, run->lab, sizeof(run->lab)) < 0)
		return invalid(err, errcap, path, "lab", SIZE_MAX, "a string");
	if (get_string(root, "started", false, run->started, sizeof(run->started)) < 0)
		return invalid(err, errcap, path, "started", SIZE_MAX, "a string");
	if (get_string(root, "pitest_version", false, run->version, sizeof(run->version)) < 0)
		return invalid(err, errcap, path, "pitest_version", SIZE_MAX, "a string or null");
	if (get_number(root, "time_scale", false, &run->time_scale) < 0)
		return invalid(err, errcap, path, "time_scale", SIZE_MAX, "a number");
	json_object *cases;
	if (!json_object_object_get_ex(root, "testcases", &cases) ||
	    !json_object_is_type(cases, json_type_array))
		return invalid(err, errcap, path, "testcases", SIZE_MAX, "an array");
	size_t n = json_object_array_length(cases);
	for (size_t i = 0; i < n; i++) {
		struct history_case hc;
		int rc = case_from_json(json_object_array_get_idx(cases, i), i, path, &hc, err, errcap);
		if (rc)
			return rc;
		if (history_run_add(run, &hc) != 0) {
			snprintf(err, errcap, "%s: out of memory", path);
			return -ENOMEM;
		}
	}
	return 0;
}

static int load_file(const char *path, struct history_run **ret_run, char *err, size_t errcap)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = read_file(path, &buf, &len, err, errcap);
	if (rc)
		return rc;
	struct json_tokener *tok = json_tokener_new();
	struct history_run *run = history_run_new(NULL, NULL, NULL, NULL, 0);
	json_object *root = NULL;
	rc = tok && run ? 0 : -ENOMEM;
	if (rc) {
		snprintf(err, errcap, "%s: out of memory", path);
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (!root || jerr != json_tokener_success) {
		snprintf(err, errcap, "%s:%d: not JSON: %s", path, line_of(buf, end),
			 jerr == json_tokener_continue ? "the file ends inside a value"
						       : json_tokener_error_desc(jerr));
		rc = -EINVAL;
		goto out;
	}
	for (size_t i = end; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\t' && buf[i] != '\r') {
			snprintf(err, errcap, "%s:%d: expected the end of the file after the JSON object",
				 path, line_of(buf, i));
			rc = -EINVAL;
			goto out;
		}
	rc = run_from_json(root, path, run, err, errcap);
	if (!rc) {
		snprintf(run->path, sizeof(run->path), "%s", path);
		*ret_run = run;
		run = NULL;
	}
out:
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	history_run_free(run);
	free(buf);
	return rc;
}

/* "20261202T020004.123Z-" then the rest, or false. */
static bool history_name(const char *name, const char **rest)
{
	size_t len = strlen(name);
	if (name[0] == '.' || len < NAME_TIME_LEN + 7 || strcmp(name + len - 5, ".json") != 0)
		return false;
	for (size_t i = 0; i < NAME_TIME_LEN; i++) {
		char ch = name[i];
		bool ok = i == 8 ? ch == 'T' : i == 15 ? ch == '.' : i == 19 ? ch == 'Z'
									: (ch >= '0' && ch <= '9');
		if (!ok)
			return false;
	}
	if (name[NAME_TIME_LEN] != '-')
		return false;
	*rest = name + NAME_TIME_LEN + 1;
	return true;
}

static int newest_in(const char *dir, const char *suite, const char *lab, char *out, size_t cap,
		     char *err, size_t errcap)
{
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		snprintf(err, errcap, "%s: cannot read: %s", dir, strerror(e));
		return -e;
	}
	char want[160] = "", s[64], l[64], best[256] = "";
	if (suite && lab) {
		name_part(suite, s, sizeof(s));
		name_part(lab, l, sizeof(l));
		snprintf(want, sizeof(want), "%s-%s.json", s, l);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *rest;
		if (!history_name(de->d_name, &rest) || (want[0] && strcmp(rest, want) != 0))
			continue;
		if (strlen(de->d_name) < sizeof(best) && strcmp(de->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", de->d_name);
	}
	closedir(d);
	if (!best[0]) {
		if (want[0])
			snprintf(err, errcap, "%s: no history file of suite %s on lab %s (*-%s)", dir,
				 suite, lab, want);
		else
			snprintf(err, errcap, "%s: no history file (YYYYmmddTHHMMSS.mmmZ-SUITE-LAB.json)",
				 dir);
		return -ENOENT;
	}
	snprintf(out, cap, "%s/%s", dir, best);
	return 0;
}

int history_load(const char *path, const char *suite, const char *lab,
		 struct history_run **ret_run, char *err, size_t errcap)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		int e = errno;
		snprintf(err, errcap, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(path, ret_run, err, errcap);
	char file[PATH_MAX];
	int rc = newest_in(path, suite, lab, file, sizeof(file), err, errcap);
	return rc ? rc : load_file(file, ret_run, err, errcap);
}

/* ---- limits ---------------------------------------------------------------- */

static double max_slowdown(const struct history_limits *lim)
{
	return lim && lim->max_slowdown > 0 ? lim->max_slowdown : HISTORY_DEFAULT_MAX_SLOWDOWN;
}

static double slack(const struct history_limits *lim)
{
	return lim && (lim->slack_set || lim->slack_s > 0) ? lim->slack_s : HISTORY_DEFAULT_SLACK_S;
}

int history_parse_budget(const char *arg, struct history_limits *lim, char *err, size_t errcap)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(lim->budgets[0].phase)) {
		snprintf(err, errcap, "--budget wants PHASE=SECONDS (e.g. firmware=3.5): %s", arg);
		return -EINVAL;
	}
	char *end;
	errno = 0;
	double s = strtod(eq + 1, &end);
	if (end == eq + 1 || (*end && strcmp(end, "s") != 0) || errno || !isfinite(s) || s <= 0) {
		snprintf(err, errcap, "--budget wants seconds above 0 after '=': %s", arg);
		return -EINVAL;
	}
	size_t i = 0;
	while (i < lim->n_budgets && strncmp(lim->budgets[i].phase, arg, (size_t)(eq - arg)) != 0)
		i++;
	if (i == lim->n_budgets) {
		if (lim->n_budgets == HISTORY_MAX_BUDGETS) {
			snprintf(err, errcap, "--budget: at most %d phases", HISTORY_MAX_BUDGETS);
			return -ENOSPC;
		}
		lim->n_budgets++;
	}
	snprintf(lim->budgets[i].phase, sizeof(lim->budgets[i].phase), "%.*s", (int)(eq - arg), arg);
	lim->budgets[i].seconds = s;
	return 0;
}

int history_parse_option(const char *name, const char *arg, struct history_limits *lim,
			 char *err, size_t errcap)
{
	if (strcmp(name, "budget") == 0)
		return history_parse_budget(arg, lim, err, errcap);
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	bool number = end != arg && !errno && isfinite(v);
	if (strcmp(name, "max-slowdown") == 0) {
		if (!number || *end || v < 1 || v > 1000) {
			snprintf(err, errcap, "--max-slowdown wants a ratio from 1 to 1000 (e.g. 1.25): %s",
				 arg);
			return -EINVAL;
		}
		lim->max_slowdown = v;
		return 0;
	}
	if (strcmp(name, "slack") == 0) {
		if (!number || (*end && strcmp(end, "s") != 0) || v < 0 || v > 86400) {
			snprintf(err, errcap, "--slack wants seconds, 0 or more (e.g. 0.2): %s", arg);
			return -EINVAL;
		}
		lim->slack_s = v;
		lim->slack_set = true;
		return 0;
	}
	snprintf(err, errcap, "unknown comparison option --%s", name);
	return -EINVAL;
}

static double budget_of(const struct history_limits *lim, const char *phase)
{
	for (size_t i = 0; lim && i < lim->n_budgets; i++)
		if (strcmp(lim->budgets[i].phase, phase) == 0)
			return lim->budgets[i].seconds;
	return 0;
}

/* ---- comparison -------------------------------------------------------------- */

/* The p50 of `phase` over the testcases of case x model that got through it;
 * NaN when none did. */
static double phase_p50(const struct history_run *run, const char *kase, const char *model,
			const char *phase, size_t *n, int *rc)
{
	*n = 0;
	double *v = malloc((run->n_cases ? run->n_cases : 1) * sizeof(*v));
	if (!v) {
		*rc = -ENOMEM;
		return NAN;
	}
	for (size_t i = 0; i < run->n_cases; i++) {
		const struct history_case *hc = &run->cases[i];
		if (strcmp(hc->verdict, "interrupted") == 0 || strcmp(hc->kase, kase) != 0 ||
		    strcmp(hc->model, model) != 0)
			continue;
		for (size_t j = 0; j < hc->n_phases; j++)
			if (strcmp(hc->phases[j].name, phase) == 0) {
				v[(*n)++] = hc->phases[j].seconds;
				break;
			}
	}
	double p = summary_percentile(v, *n, 50);
	free(v);
	return p;
}

/* True when an earlier testcase already stood for this case x model x phase. */
static bool seen_before(const struct history_run *run, size_t upto, size_t phase_index)
{
	const struct history_case *hc = &run->cases[upto];
	const char *phase = hc->phases[phase_index].name;
	for (size_t i = 0; i < upto; i++) {
		const struct history_case *o = &run->cases[i];
		if (strcmp(o->kase, hc->kase) || strcmp(o->model, hc->model) ||
		    strcmp(o->verdict, "interrupted") == 0)
			continue;
		for (size_t j = 0; j < o->n_phases; j++)
			if (strcmp(o->phases[j].name, phase) == 0)
				return true;
	}
	return false;
}

int history_compare(const struct history_run *base, const struct history_run *cur,
		    const struct history_limits *lim, struct history_finding **ret_findings,
		    size_t *compared)
{
	struct history_finding *found = NULL;
	size_t n_found = 0, cap = 0, n_compared = 0;
	int rc = 0;
	double ratio = max_slowdown(lim), extra = slack(lim);
	for (size_t i = 0; i < cur->n_cases && !rc; i++) {
		const struct history_case *hc = &cur->cases[i];
		if (strcmp(hc->verdict, "interrupted") == 0)
			continue;
		for (size_t j = 0; j < hc->n_phases && !rc; j++) {
			if (seen_before(cur, i, j))
				continue;
			const char *phase = hc->phases[j].name;
			size_t n = 0, base_n = 0;
			double p50 = phase_p50(cur, hc->kase, hc->model, phase, &n, &rc);
			double b50 = base ? phase_p50(base, hc->kase, hc->model, phase, &base_n, &rc) : NAN;
			double budget = budget_of(lim, phase);
			if (rc || isnan(p50))
				continue;
			if (!isnan(b50) || budget > 0)
				n_compared++;
			bool slower = !isnan(b50) && p50 > b50 * ratio + extra;
			bool over = budget > 0 && p50 > budget;
			if (!slower && !over)
				continue;
			if (n_found == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct history_finding *g = realloc(found, ncap * sizeof(*g));
				if (!g) {
					rc = -ENOMEM;
					break;
				}
				found = g;
				cap = ncap;
			}
			struct history_finding *f = &found[n_found++];
			memset(f, 0, sizeof(*f));
			snprintf(f->kase, sizeof(f->kase), "%s", hc->kase);
			snprintf(f->model, sizeof(f->model), "%s", hc->model);
			snprintf(f->phase, sizeof(f->phase), "%s", phase);
			f->p50 = p50;
			f->base_p50 = slower ? b50 : -1;
			f->allowed = slower ? b50 * ratio + extra : budget;
			f->budget_s = over ? budget : 0;
			f->n = n;
			f->base_n = base_n;
		}
	}
	if (rc) {
		free(found);
		return rc;
	}
	if (compared)
		*compared = n_compared;
	*ret_findings = found;
	return (int)n_found;
}

size_t history_finding_format(const struct history_finding *f, const struct history_limits *lim,
			      char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "phase %s of %s on %s: p50 %.2f s", f->phase, f->kase,
			 f->model[0] ? f->model : "(no model)", f->p50);
	size_t used = n > 0 ? (size_t)n : 0;
	if (f->base_p50 >= 0 && used < cap) {
		char times[32] = "";
		if (f->base_p50 > 0)
			snprintf(times, sizeof(times), " (%.2f\u00d7)", f->p50 / f->base_p50);
		n = snprintf(buf + used, cap - used, ", baseline %.2f s%s, budget %.2f\u00d7 + %.2f s",
			     f->base_p50, times, max_slowdown(lim), slack(lim));
		used += n > 0 ? (size_t)n : 0;
	}
	if (f->budget_s > 0 && used < cap) {
		n = snprintf(buf + used, cap - used, "%s over its budget of %.2f s",
			     f->base_p50 >= 0 ? ";" : ",", f->budget_s);
		used += n > 0 ? (size_t)n : 0;
	}
	return used;
}

int history_report(const struct history_run *base, const struct history_run *cur,
		   const struct history_limits *lim, FILE *out, FILE *notes)
{
	struct history_finding *found = NULL;
	size_t compared = 0;
	if (base && notes) {
		if (base->time_scale > 0 && cur->time_scale > 0 && base->time_scale != cur->time_scale)
			fprintf(notes, "pitest: note: the baseline %s ran at time scale %g, this run at "
				"%g: its durations are not comparable\n", base->path, base->time_scale,
				cur->time_scale);
		if (strcmp(base->suite, cur->suite) != 0)
			fprintf(notes, "pitest: note: the baseline %s is of suite %s, this run of %s\n",
				base->path, base->suite, cur->suite);
	}
	int n = history_compare(base, cur, lim, &found, &compared);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		char line[512];
		history_finding_format(&found[i], lim, line, sizeof(line));
		fprintf(out, "slower: %s\n", line);
	}
	if (notes && base && compared == 0)
		fprintf(notes, "pitest: note: nothing to compare with the baseline %s (no phase of the "
			"same case on the same model)\n", base->path);
	free(found);
	return n;
}
