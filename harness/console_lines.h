/*
 * console_lines.h - console bytes to lines, without any I/O.
 *
 * Real consoles (a UART behind ser2net, a telnet server) send CRLF, LF, CR,
 * LFCR or CR CR LF line ends, ANSI colour and cursor sequences, and in
 * telnet mode IAC commands mixed into the data. These filters turn such a
 * byte stream into the plain text lines pitest matches against; they keep
 * their state between calls, so data may arrive in any pieces.
 */
#ifndef PITEST_CONSOLE_LINES_H
#define PITEST_CONSOLE_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longer lines are cut into pieces of this many bytes. */
#define CONSOLE_LINE_MAX 1024

typedef void (*console_line_fn)(const char *line, size_t len, void *user);

struct console_lines {
	size_t len;
	char buf[CONSOLE_LINE_MAX + 1];
	/* line ends: inside a run of CR/LF bytes, how many LFs it held and
	 * how many lines it ended */
	bool in_end;
	unsigned end_lfs, end_lines;
	/* escape sequences: 0 = text, else where in one we are */
	int esc;
};

void console_lines_init(struct console_lines *cl);

/*
 * Feeds bytes; calls fn(line, len, user) for every complete line, without
 * its line end and escape sequences, NUL-terminated at line[len]. A run of
 * CR/LF bytes ends as many lines as it holds LFs, at least one, so CRLF,
 * LF, CR, LFCR and CR CR LF each end one line and CRLFCRLF two. The line
 * is reported at the first byte of the run, when it arrives.
 */
void console_lines_feed(struct console_lines *cl, const void *data, size_t n, console_line_fn fn,
			void *user);

/* Reports a partial last line (at end of stream), if there is one. */
void console_lines_flush(struct console_lines *cl, console_line_fn fn, void *user);

/* --- telnet (RFC 854) ---------------------------------------------------- */

#define TELNET_IAC 255
#define TELNET_DONT 254
#define TELNET_DO 253
#define TELNET_WONT 252
#define TELNET_WILL 251
#define TELNET_SB 250
#define TELNET_SE 240

/* The most reply bytes one input byte can cause. */
#define TELNET_REPLY_MAX 3

struct telnet {
	int state;
	uint8_t verb; /* WILL/WONT/DO/DONT waiting for its option byte */
};

void telnet_init(struct telnet *t);

/*
 * Takes IAC commands out of in[0..n): data bytes go to data (room for n),
 * answers to reply (room for reply_cap). We only read a console, so every
 * option the server offers (WILL) or asks for (DO) is refused (DONT, WONT);
 * WONT and DONT need no answer, subnegotiations are skipped. Stops early
 * when reply has less than TELNET_REPLY_MAX bytes left. Returns how many
 * input bytes were used; *data_len and *reply_len get what was written.
 */
size_t telnet_filter(struct telnet *t, const uint8_t *in, size_t n, uint8_t *data, size_t *data_len,
		     uint8_t *reply, size_t reply_cap, size_t *reply_len);

#endif
