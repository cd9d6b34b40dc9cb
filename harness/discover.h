/*
 * discover.h - `pitest discover`, the pure part: is a captured frame a
 * Raspberry Pi's netboot DHCP DISCOVER/REQUEST, which lab model sent it,
 * what serial number it carries, and the lab-file stanza for the board.
 * No sockets or clocks (discover_cmd.c does the capture). Section numbers
 * refer to /work/shared/pi-netboot.md.
 *
 * What each boot code's packet tells (2.1):
 *   3B ROM (Pi 3B, Pi 2B v1.2): option 97 = 00 + 16 x 0x44 and a 12-item
 *     option 55: the model, but no serial; the MAC (b8:27:eb) holds the
 *     serial's low 24 bits (1).
 *   3B+ ROM and bootcode.bin (Pi 1/2 from SD, and the 3B/3B+ second
 *     stage): option 97 = 00 + serial (LE) four times: the serial, but the
 *     same packet from pi2, pi3b and pi3b+.
 *   Pi 4/5 EEPROM: option 97 = 00 + 'RPi4'/'RPi5' + board revision (LE) +
 *     4 MAC LSBs + serial (LE): model and serial ('RPi4' is also a Pi 400
 *     or CM4, which the revision tells). DHCP_OPTION97=0 gives the serial x4
 *     form; then the MAC prefix tells pi4b from pi5 where it can.
 * Guesses are narrowed by every later packet of the same MAC (the set of
 * possible models is intersected), so a 3B first seen by its ROM keeps
 * "pi3b" and gains its serial when bootcode.bin asks next.
 */
#ifndef PITEST_DISCOVER_H
#define PITEST_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "servers/dhcp_wire.h"

/* Lab models (lab.c's list) as a set. */
enum {
	DISCOVER_PI2 = 1u << 0,
	DISCOVER_PI3B = 1u << 1,
	DISCOVER_PI3BPLUS = 1u << 2,
	DISCOVER_PI4B = 1u << 3,
	DISCOVER_PI5 = 1u << 4,
	DISCOVER_ALL_MODELS = 0x1fu,
};

/* Which boot code's packets were seen (a set, for the printed line). */
enum {
	DISCOVER_SAW_3B_ROM = 1u << 0,   /* constant 0x44 GUID */
	DISCOVER_SAW_BOOTCODE = 1u << 1, /* 3B+ ROM or bootcode.bin */
	DISCOVER_SAW_EEPROM = 1u << 2,   /* Pi 4/5 bootloader */
};

#define DISCOVER_MAX_BOARDS 256

struct discover_board {
	uint8_t mac[6];
	unsigned models;     /* possible models (DISCOVER_PI*), never 0 */
	unsigned saw;        /* DISCOVER_SAW_* */
	bool has_serial;     /* low 32 bits of the serial, from option 97 */
	uint32_t serial;
	bool has_rev;        /* board revision code, from a FourCC option 97 */
	uint32_t board_rev;
	unsigned packets;
};

/*
 * Decides whether `msg` is a Raspberry Pi netboot DISCOVER or REQUEST and
 * fills `ret` (packets = 1). A PXE vendor class alone is not enough (x86
 * BIOS PXE sends the very same string): the option 97 pattern or a
 * Raspberry Pi MAC prefix must say Pi too. Returns true if it is one.
 */
bool discover_classify(const struct dhcp_msg *msg, struct discover_board *ret);

/*
 * The DHCP payload of an Ethernet (sll = false) or Linux cooked (sll =
 * true) frame carrying IPv4/UDP to port 67; one 802.1Q tag is skipped.
 * Returns false for anything else (fragments included).
 */
bool discover_frame_payload(const uint8_t *frame, size_t len, bool sll, const uint8_t **ret_payload,
			    size_t *ret_len);

enum discover_change {
	DISCOVER_SAME = 0,   /* nothing new to print */
	DISCOVER_NEW = 1,    /* first packet of this MAC */
	DISCOVER_UPDATED = 2 /* model set, serial or revision changed */
};

/*
 * Folds a newer sighting of the same MAC into `known`: the model sets are
 * intersected (the newer set wins if they conflict: another board got the
 * MAC); a serial or revision from the newer packet replaces the old one.
 * Returns DISCOVER_UPDATED or DISCOVER_SAME.
 */
enum discover_change discover_merge(struct discover_board *known, const struct discover_board *seen);

/* Boards seen so far, one per MAC, in the order first seen. */
struct discover_table {
	size_t n;
	struct discover_board boards[DISCOVER_MAX_BOARDS];
};

/* Adds or merges `seen`. Returns the board's index (*ret_change says what
 * happened), or -ENOSPC when DISCOVER_MAX_BOARDS MACs are already known. */
int discover_table_add(struct discover_table *t, const struct discover_board *seen,
		       enum discover_change *ret_change);

/* The best guess of a set ("pi3b+" for the bootcode.bin set), or NULL for 0. */
const char *discover_model_guess(unsigned models);

/*
 * One line for people, no newline, e.g.
 * "b8:27:eb:5e:2a:71 model pi3b+? (or pi2, pi3b) serial 3f5e2a71 [3B+ ROM or bootcode.bin]".
 * A '?' after the model marks a guess. Returns snprintf's count.
 */
int discover_format_line(const struct discover_board *b, char *buf, size_t cap);

/*
 * The board's entry for a real lab's boards: list, in the schema of
 * fixtures/labs/virtual.yaml, no newline:
 *   - { name: pi4b-123456, model: pi4b, mac: "...", serial: "...", power: manual, console: none }
 * with a YAML comment after it saying what was guessed (serial left out
 * when the packets did not carry it). Returns snprintf's count.
 */
int discover_format_stanza(const struct discover_board *b, char *buf, size_t cap);

#endif
