/*
 * console_lines.c - console bytes to lines; telnet IAC filtering.
 */
#include "harness/console_lines.h"

#include <string.h>

/* Where in an escape sequence the filter is (console_lines.esc). */
enum {
	ESC_NONE,
	ESC_START,  /* after ESC */
	ESC_CSI,    /* ESC [ params... final */
	ESC_STRING, /* ESC ] / P / X / ^ / _ ... until BEL or ESC \ */
	ESC_STRING_ESC,
	ESC_NF,     /* ESC intermediates... final (charset selection and such) */
};

void console_lines_init(struct console_lines *cl)
{
	memset(cl, 0, sizeof(*cl));
}

static void emit(struct console_lines *cl, console_line_fn fn, void *user)
{
	cl->buf[cl->len] = '\0';
	size_t len = cl->len;
	cl->len = 0;
	fn(cl->buf, len, user);
}

/* True when c was part of an escape sequence (and is dropped). */
static bool in_escape(struct console_lines *cl, unsigned char c)
{
	switch (cl->esc) {
	case ESC_START:
		if (c == '[')
			cl->esc = ESC_CSI;
		else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
			cl->esc = ESC_STRING;
		else if (c >= 0x20 && c <= 0x2f)
			cl->esc = ESC_NF;
		else if (c != 0x1b) /* ESC ESC starts over */
			cl->esc = ESC_NONE;
		return true;
	case ESC_CSI:
		if (c >= 0x40 && c <= 0x7e)
			cl->esc = ESC_NONE;
		return true;
	case ESC_STRING:
		if (c == 0x07)
			cl->esc = ESC_NONE;
		else if (c == 0x1b)
			cl->esc = ESC_STRING_ESC;
		return true;
	case ESC_STRING_ESC:
		cl->esc = c == '\\' ? ESC_NONE : ESC_STRING;
		return true;
	case ESC_NF:
		if (c >= 0x30 && c <= 0x7e)
			cl->esc = ESC_NONE;
		return true;
	default:
		return false;
	}
}

void console_lines_feed(struct console_lines *cl, const void *data, size_t n, console_line_fn fn,
			void *user)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == '\r' || c == '\n') {
			/* A broken sequence must not swallow a line end. */
			cl->esc = ESC_NONE;
			if (!cl->in_end) {
				emit(cl, fn, user);
				cl->in_end = true;
				cl->end_lfs = 0;
				cl->end_lines = 1;
			}
			if (c == '\n' && ++cl->end_lfs > cl->end_lines) {
				emit(cl, fn, user); /* an empty line */
				cl->end_lines++;
			}
			continue;
		}
		if (cl->esc != ESC_NONE) {
			in_escape(cl, c);
			continue;
		}
		/* Other control bytes (NUL after a telnet CR, BEL, backspace)
		 * are invisible: they neither show nor end a line end's run. */
		if ((c < 0x20 && c != '\t' && c != 0x1b) || c == 0x7f)
			continue;
		cl->in_end = false;
		if (c == 0x1b) {
			cl->esc = ESC_START;
			continue;
		}
		if (cl->len == CONSOLE_LINE_MAX)
			emit(cl, fn, user); /* cut rather than grow */
		cl->buf[cl->len++] = (char)c;
	}
}

void console_lines_flush(struct console_lines *cl, console_line_fn fn, void *user)
{
	if (cl->len > 0)
		emit(cl, fn, user);
	cl->esc = ESC_NONE;
}

/* --- telnet -------------------------------------------------------------- */

enum { TN_DATA, TN_IAC, TN_OPTION, TN_SB, TN_SB_IAC };

void telnet_init(struct telnet *t)
{
	memset(t, 0, sizeof(*t));
}

size_t telnet_filter(struct telnet *t, const uint8_t *in, size_t n, uint8_t *data, size_t *data_len,
		     uint8_t *reply, size_t reply_cap, size_t *reply_len)
{
	size_t i, d = 0, r = 0;

	for (i = 0; i < n && reply_cap - r >= TELNET_REPLY_MAX; i++) {
		uint8_t c = in[i];
		switch (t->state) {
		case TN_DATA:
			if (c == TELNET_IAC)
				t->state = TN_IAC;
			else
				data[d++] = c;
			break;
		case TN_IAC:
			if (c == TELNET_IAC) { /* an escaped 255 data byte */
				data[d++] = c;
				t->state = TN_DATA;
			} else if (c >= TELNET_WILL && c <= TELNET_DONT) {
				t->verb = c;
				t->state = TN_OPTION;
			} else if (c == TELNET_SB) {
				t->state = TN_SB;
			} else { /* NOP, GA, AYT...: nothing to do for a reader */
				t->state = TN_DATA;
			}
			break;
		case TN_OPTION:
			/* Refusals only: WONT and DONT are never answered, so
			 * two sides cannot loop on them. */
			if (t->verb == TELNET_WILL || t->verb == TELNET_DO) {
				reply[r++] = TELNET_IAC;
				reply[r++] = t->verb == TELNET_WILL ? TELNET_DONT : TELNET_WONT;
				reply[r++] = c;
			}
			t->state = TN_DATA;
			break;
		case TN_SB:
			if (c == TELNET_IAC)
				t->state = TN_SB_IAC;
			break;
		case TN_SB_IAC:
			t->state = c == TELNET_SE ? TN_DATA : TN_SB;
			break;
		}
	}
	*data_len = d;
	*reply_len = r;
	return i;
}
