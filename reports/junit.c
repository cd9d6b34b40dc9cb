/*
 * junit.c - JUnit XML with libxml2's text writer.
 *
 * Console output can hold anything a board prints: escape sequences, NULs,
 * broken UTF-8, even "]]>". XML 1.0 cannot carry most control characters at
 * all, not even as character references, so every text goes through
 * junit_clean() first: invalid UTF-8 becomes U+FFFD and forbidden characters
 * become a visible "\xNN". system-out is CDATA (so logs stay readable in the
 * raw file) split wherever "]]>" occurs.
 *
 * The report is written to PATH.tmp, synced and renamed over PATH, so a run
 * interrupted mid-write never leaves a half report that CI would misread.
 */
#include "reports/junit.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

/* Decodes one UTF-8 sequence; returns its length, or 0 if it is not valid. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
	uint32_t cp;
	size_t len;
	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f;
		len = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f;
		len = 3;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07;
		len = 4;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF are not UTF-8 */
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return len;
}

/* XML 1.0 section 2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] */
static int xml_char_ok(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
	       (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Returns a malloc'd copy of text that XML 1.0 can carry, or NULL on OOM. */
static char *junit_clean(const char *text)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)s);
	/* worst case: each byte becomes "\xNN" (4 bytes) or U+FFFD (3 bytes) */
	char *out = malloc(n * 4 + 1);
	size_t o = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = utf8_next(s + i, n - i, &cp);
		if (len == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else if (!xml_char_ok(cp)) {
			if (cp < 0x100) {
				o += (size_t)snprintf(out + o, 5, "\\x%02x", (unsigned)cp);
			} else {
				memcpy(out + o, "\xef\xbf\xbd", 3);
				o += 3;
			}
			i += len;
		} else {
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
		}
	}
	out[o] = '\0';
	return out;
}

struct writer {
	xmlTextWriterPtr w;
	int failed;
};

static void attr(struct writer *wr, const char *name, const char *value)
{
	if (wr->failed)
		return;
	char *clean = junit_clean(value);
	if (!clean || xmlTextWriterWriteAttribute(wr->w, BAD_CAST name, BAD_CAST clean) < 0)
		wr->failed = 1;
	free(clean);
}

static void attr_num(struct writer *wr, const char *name, size_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%zu", v);
	attr(wr, name, buf);
}

static void attr_time(struct writer *wr, const char *name, double t)
{
	char buf[48];
	if (!isfinite(t) || t < 0)
		t = 0;
	snprintf(buf, sizeof(buf), "%.3f", t);
	attr(wr, name, buf);
}

static void start(struct writer *wr, const char *name)
{
	if (!wr->failed && xmlTextWriterStartElement(wr->w, BAD_CAST name) < 0)
		wr->failed = 1;
}

static void end(struct writer *wr)
{
	if (!wr->failed && xmlTextWriterEndElement(wr->w) < 0)
		wr->failed = 1;
}

static void text(struct writer *wr, const char *value)
{
	if (wr->failed || !value)
		return;
	char *clean = junit_clean(value);
	if (!clean || xmlTextWriterWriteString(wr->w, BAD_CAST clean) < 0)
		wr->failed = 1;
	free(clean);
}

/* CDATA pieces split at every "]]>": "a]]>b" -> CDATA("a]]") CDATA(">b"). */
static void cdata(struct writer *wr, const char *value)
{
	if (wr->failed || !value)
		return;
	char *clean = junit_clean(value);
	if (!clean) {
		wr->failed = 1;
		return;
	}
	char *p = clean;
	for (;;) {
		char *cut = strstr(p, "]]>");
		if (cut)
			cut[2] = '\0'; /* write up to "]]", then resume at ">" */
		if (xmlTextWriterWriteCDATA(wr->w, BAD_CAST p) < 0) {
			wr->failed = 1;
			break;
		}
		if (!cut)
			break;
		cut[2] = '>';
		p = cut + 2;
	}
	free(clean);
}

/* The output, then one "[[ATTACHMENT|path]]" line per file, each alone on
 * its line as Jenkins and GitLab want it: one text, one CDATA section. */
static char *output_with_attachments(const struct junit_case *c)
{
	const char *out = c->system_out ? c->system_out : "";
	size_t n = strlen(out), len = n + 2;
	for (size_t i = 0; i < c->n_attachments; i++)
		len += strlen(c->attachments[i] ? c->attachments[i] : "") + sizeof("[[ATTACHMENT|]]\n");
	char *text = malloc(len);
	if (!text)
		return NULL;
	memcpy(text, out, n);
	if (n && out[n - 1] != '\n' && c->n_attachments)
		text[n++] = '\n';
	for (size_t i = 0; i < c->n_attachments; i++)
		n += (size_t)sprintf(text + n, "[[ATTACHMENT|%s]]\n",
				     c->attachments[i] ? c->attachments[i] : "");
	text[n] = '\0';
	return text;
}

static void write_case(struct writer *wr, const struct junit_case *c)
{
	start(wr, "testcase");
	attr(wr, "name", c->name ? c->name : "");
	attr(wr, "classname", c->classname ? c->classname : "");
	attr_time(wr, "time", c->time_s);
	if (c->n_properties && c->property_names && c->property_values) {
		start(wr, "properties");
		for (size_t i = 0; i < c->n_properties; i++) {
			start(wr, "property");
			attr(wr, "name", c->property_names[i] ? c->property_names[i] : "");
			attr(wr, "value", c->property_values[i] ? c->property_values[i] : "");
			end(wr);
		}
		end(wr);
	}
	if (c->skipped) {
		start(wr, "skipped");
		if (c->failure_message)
			attr(wr, "message", c->failure_message);
		end(wr);
	} else if (c->failed) {
		start(wr, "failure");
		attr(wr, "message", c->failure_message ? c->failure_message : "failed");
		attr(wr, "type", c->failure_type ? c->failure_type : "failure");
		text(wr, c->failure_text);
		end(wr);
	}
	if (c->system_out || c->n_attachments) {
		char *text = output_with_attachments(c);
		if (!text)
			wr->failed = 1;
		start(wr, "system-out");
		cdata(wr, text);
		end(wr);
		free(text);
	}
	end(wr);
}

static void count(const struct junit_suite *s, size_t *failures, size_t *skipped)
{
	*failures = *skipped = 0;
	for (size_t i = 0; i < s->n_cases; i++) {
		if (s->cases[i].skipped)
			(*skipped)++;
		else if (s->cases[i].failed)
			(*failures)++;
	}
}

static void write_report(struct writer *wr, const struct junit_suite *suites, size_t n_suites)
{
	size_t tests = 0, failures = 0, skipped = 0;
	double time_s = 0;
	char now[32], host[256];

	time_t t = time(NULL);
	struct tm tm;
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S", gmtime_r(&t, &tm));
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';

	for (size_t i = 0; i < n_suites; i++) {
		size_t f, s;
		count(&suites[i], &f, &s);
		tests += suites[i].n_cases;
		failures += f;
		skipped += s;
		if (isfinite(suites[i].time_s) && suites[i].time_s > 0)
			time_s += suites[i].time_s;
	}

	if (!wr->failed && xmlTextWriterStartDocument(wr->w, NULL, "UTF-8", NULL) < 0)
		wr->failed = 1;
	start(wr, "testsuites");
	attr(wr, "name", "pitest");
	attr_num(wr, "tests", tests);
	attr_num(wr, "failures", failures);
	attr_num(wr, "errors", 0);
	attr_num(wr, "skipped", skipped);
	attr_time(wr, "time", time_s);
	for (size_t i = 0; i < n_suites; i++) {
		const struct junit_suite *s = &suites[i];
		size_t f, sk;
		count(s, &f, &sk);
		start(wr, "testsuite");
		attr(wr, "name", s->name ? s->name : "");
		attr_num(wr, "tests", s->n_cases);
		attr_num(wr, "failures", f);
		attr_num(wr, "errors", 0);
		attr_num(wr, "skipped", sk);
		attr_time(wr, "time", s->time_s);
		attr(wr, "timestamp", s->timestamp ? s->timestamp : now);
		attr(wr, "hostname", s->hostname ? s->hostname : host);
		for (size_t c = 0; c < s->n_cases; c++)
			write_case(wr, &s->cases[c]);
		end(wr);
	}
	end(wr);
	if (!wr->failed && xmlTextWriterEndDocument(wr->w) < 0)
		wr->failed = 1;
}

int junit_write(const char *path, const struct junit_suite *suites, size_t n_suites,
		char *err, size_t errcap)
{
	char tmp[4096];
	int r = 0;

	if (n_suites && !suites)
		return -EINVAL;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errcap, "%.64s...: path too long", path);
		return -ENAMETOOLONG;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errcap, "%s: cannot create: %s", tmp, strerror(errno));
		return r;
	}
	/* the buffer does not own fd: we sync and close it ourselves */
	xmlOutputBufferPtr out = xmlOutputBufferCreateFd(fd, NULL);
	xmlTextWriterPtr w = out ? xmlNewTextWriter(out) : NULL;
	if (!w) {
		if (out)
			xmlOutputBufferClose(out);
		close(fd);
		unlink(tmp);
		snprintf(err, errcap, "%s: out of memory", tmp);
		return -ENOMEM;
	}
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");

	struct writer wr = { .w = w };
	write_report(&wr, suites, n_suites);
	if (!wr.failed && xmlTextWriterFlush(w) < 0)
		wr.failed = 1;
	xmlFreeTextWriter(w); /* also closes the output buffer */
	if (wr.failed) {
		r = -EIO;
		snprintf(err, errcap, "%s: writing the XML failed", tmp);
	} else if (fsync(fd) < 0) {
		r = -errno;
		snprintf(err, errcap, "%s: %s", tmp, strerror(errno));
	}
	if (close(fd) < 0 && r == 0) {
		r = -errno;
		snprintf(err, errcap, "%s: %s", tmp, strerror(errno));
	}
	if (r == 0 && rename(tmp, path) < 0) {
		r = -errno;
		snprintf(err, errcap, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
	}
	if (r < 0)
		unlink(tmp);
	return r;
}
