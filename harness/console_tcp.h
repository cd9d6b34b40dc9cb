/*
 * console_tcp.h - console "tcp": a board's serial console behind a TCP
 * port (ser2net in raw or telnet mode, a terminal server).
 *
 * Connected when the board is created, before power on, so the first
 * bootloader lines are not missed, and kept for the whole run. Every line
 * is a "console.line" {text} event, stamped when it arrives (line ends and
 * escape sequences taken out, see console_lines.h). A connection that
 * fails or ends is a "console.error" {address, error, retry_s} event and
 * is tried again after retry_s, doubling from 0.25 s up to 4 s; that is
 * no reason to fail the run: the steps that wait for lines say whether
 * the console mattered. A connection that is (back) up is a
 * "console.connected" {address} event.
 */
#ifndef PITEST_CONSOLE_TCP_H
#define PITEST_CONSOLE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct timeline;
struct console_tcp;

/* "host:port" or "[v6addr]:port" into its parts. 0 or -EINVAL. */
int console_tcp_parse_address(const char *text, char *host, size_t hostcap, uint16_t *ret_port);

/* Starts connecting (events name the board `board`). -EINVAL, -ENOMEM. */
int console_tcp_new(struct event_base *base, struct timeline *tl, const char *board,
		    const char *address, bool telnet, struct console_tcp **ret);
/* Reports a partial last line, disconnects, frees. Accepts NULL. */
void console_tcp_free(struct console_tcp *ct);

#endif
