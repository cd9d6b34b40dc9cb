/*
 * html_escape.c - entity escaping, percent-encoding and relative links for
 * the HTML report.
 */
#include "reports/html_escape.h"

#include <errno.h>
#include <string.h>

void html_escape_n(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; s && i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				fprintf(out, "\\x%02x", c);
			else
				fputc(c, out);
		}
	}
}

void html_escape(FILE *out, const char *s)
{
	if (s)
		html_escape_n(out, s, strlen(s));
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

void html_url_segment(FILE *out, const char *segment)
{
	for (const unsigned char *p = (const unsigned char *)segment; p && *p; p++) {
		if (unreserved(*p))
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
	}
}

void html_url_path(FILE *out, const char *path)
{
	const char *p = path;
	while (p && *p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)p[i];
			if (unreserved(c))
				fputc(c, out);
			else
				fprintf(out, "%%%02X", c);
		}
		if (!slash)
			break;
		fputc('/', out);
		p = slash + 1;
	}
}

int html_relative_path(const char *from_dir, const char *to, char *out, size_t cap)
{
	/* The common prefix, cut back to a whole segment. */
	size_t common = 0, i = 0;
	for (;; i++) {
		char a = from_dir[i], b = to[i];
		if ((a == '\0' || a == '/') && (b == '\0' || b == '/'))
			common = i;
		if (a == '\0' || b == '\0' || a != b)
			break;
	}
	size_t used = 0;
	out[0] = '\0';
	/* One ".." for each segment of from_dir past the common part. */
	for (const char *p = from_dir + common; *p; p++) {
		if (*p != '/' || p[1] == '\0' || p[1] == '/')
			continue;
		if (used + 3 >= cap)
			return -ENAMETOOLONG;
		memcpy(out + used, "../", 3);
		used += 3;
		out[used] = '\0';
	}
	const char *rest = to + common;
	while (*rest == '/')
		rest++;
	size_t len = strlen(rest);
	if (used + len + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(out + used, rest, len + 1);
	return 0;
}
