/*
 * console_serial.h - console "serial": a board's UART on a local serial
 * port (a USB-serial adapter), read through libserialport.
 *
 * Opened when the board is created, before power on, and kept open for the
 * whole run so no byte is lost. Every line is a "console.line" {text}
 * event, stamped when it arrives (line ends and escape sequences taken
 * out, see console_lines.h); each (re)open is a "console.connected"
 * {device} event. An adapter unplugged mid-run (a read error, end of file,
 * or the device node gone) is one "console.lost" {device, error} event;
 * the port is closed and opened again on a timer (0.25 s doubling to 2 s)
 * until it comes back, with no further events until it does.
 *
 * The device is resolved (realpath) at every open: /dev/serial/by-id/...
 * links name the adapter, not the order it was plugged in, and may point
 * to another ttyUSBn after a replug.
 */
#ifndef PITEST_CONSOLE_SERIAL_H
#define PITEST_CONSOLE_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct timeline;
struct console_serial;

enum console_serial_parity {
	CONSOLE_SERIAL_PARITY_NONE,
	CONSOLE_SERIAL_PARITY_ODD,
	CONSOLE_SERIAL_PARITY_EVEN,
	CONSOLE_SERIAL_PARITY_MARK,
	CONSOLE_SERIAL_PARITY_SPACE,
};

enum console_serial_flow {
	CONSOLE_SERIAL_FLOW_NONE,
	CONSOLE_SERIAL_FLOW_XONXOFF,
	CONSOLE_SERIAL_FLOW_RTSCTS,
	CONSOLE_SERIAL_FLOW_DTRDSR,
};

/* Names as lab files write them, indexed by the enums; NULL-terminated. */
extern const char *const console_serial_parity_names[];
extern const char *const console_serial_flow_names[];
/* The baud rates we accept, for messages: "9600, 19200, ..." */
extern const char console_serial_bauds_text[];

#define CONSOLE_SERIAL_DEFAULT_BAUD 115200

/* The line settings; console_serial_settings_default() gives 115200 8N1,
 * no flow control (what a Raspberry Pi's UART speaks). */
struct console_serial_settings {
	int baud;
	int bits;                           /* 5 to 8 */
	enum console_serial_parity parity;
	int stop;                           /* 1 or 2 */
	enum console_serial_flow flow;
};

void console_serial_settings_default(struct console_serial_settings *s);

/* Is this one of the baud rates in console_serial_bauds_text? */
bool console_serial_baud_ok(long baud);
/* Index of name in a NULL-terminated name table, or -1. */
int console_serial_lookup(const char *const names[], const char *name);

/*
 * Opens device now (events name the board `board`). A port that cannot be
 * opened is an error here, not a retry: the lab is wired wrong. Returns 0,
 * -EINVAL, -ENOMEM, or the open's -errno with a message for people in err
 * naming the board, the device and what to check.
 */
int console_serial_new(struct event_base *base, struct timeline *tl, const char *board,
		       const char *device, const struct console_serial_settings *settings, char *err,
		       size_t errcap, struct console_serial **ret);
/* Reports a partial last line, closes the port, frees. Accepts NULL. */
void console_serial_free(struct console_serial *cs);

#endif
