/*
 * html_page.h - one page of the HTML report: written to PATH.tmp and
 * renamed over PATH when whole, with the report's inline style sheet (the
 * pages work from a file:// URL, offline: no CDN, nothing fetched).
 */
#ifndef PITEST_HTML_PAGE_H
#define PITEST_HTML_PAGE_H

#include <stddef.h>
#include <stdio.h>

struct html_page {
	FILE *out;
	char path[4096];
	char tmp[4112];
};

/*
 * Creates the page's directory (and parents) and opens PATH.tmp, then
 * writes the doctype, <head> with `title` (escaped) and the style sheet,
 * and <body>. 0 or -errno with a message.
 */
int html_page_open(struct html_page *p, const char *path, const char *title, char *err,
		   size_t errcap);

/* Writes `script` (may be NULL) and </body></html>, then renames into place. 0 or -errno. */
int html_page_close(struct html_page *p, const char *script, char *err, size_t errcap);

/* Drops a page that could not be finished. */
void html_page_abort(struct html_page *p);

/* mkdir -p. 0 or -errno. */
int html_mkdirs(const char *dir);

#endif
