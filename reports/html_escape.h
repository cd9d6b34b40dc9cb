/*
 * html_escape.h - text into HTML safely: element text, attribute values and
 * relative URLs. Everything a board prints or a file is named ends up in
 * a report page, so nothing is written raw.
 */
#ifndef PITEST_HTML_ESCAPE_H
#define PITEST_HTML_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes `s` as HTML text or a quoted attribute value: & < > " ' become
 * entities, control characters other than tab and newline a visible "\xNN" (a console
 * can print anything; the page must stay well-formed). NULL writes nothing.
 */
void html_escape(FILE *out, const char *s);
/* The same for the first `len` bytes of `s`. */
void html_escape_n(FILE *out, const char *s, size_t len);

/*
 * Writes one path segment percent-encoded (all but A-Z a-z 0-9 - . _ ~),
 * so "case#2" or "a b" stay one segment of a relative link.
 */
void html_url_segment(FILE *out, const char *segment);

/*
 * The path of `to` relative to the directory `from_dir`, both absolute and
 * without "." or ".." parts (as realpath gives them): "../../art/c/b/x".
 * 0, or -ENAMETOOLONG.
 */
int html_relative_path(const char *from_dir, const char *to, char *out, size_t cap);

/* Writes a relative path (segments split at '/') percent-encoded. */
void html_url_path(FILE *out, const char *path);

#endif
