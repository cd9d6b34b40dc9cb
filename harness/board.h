/*
 * board.h - a lab board at run time: power and console behind ops tables.
 *
 * Backends are chosen once, from the lab file: power "virtual" starts and
 * kills the virtual Raspberry Pi in its namespace (as a relay would cut
 * power); console "virtual" reads that process's stdout. Real labs: power
 * "manual" or "command" (power_cmd.h), console "none" or "tcp"
 * (console_tcp.h). Later: gpio power, serial consoles. Every change is a
 * timeline event: "power.on", "power.off", "console.line" {text}; for
 * command power "power.error" {action, command, status, output}, for tcp
 * consoles "console.error" and "console.connected"; for virtual boards
 * "vpi.exit" {status} and "vpi.stderr" {text} as diagnostics.
 */
#ifndef PITEST_BOARD_H
#define PITEST_BOARD_H

#include <stdbool.h>

struct event_base;
struct timeline;
struct lab;
struct lab_board;
struct vlab;
struct board;

struct board_power_ops {
	const char *name;
	int (*on)(struct board *b);
	int (*off)(struct board *b);
	/* The backend emits power.on/power.off itself, when the switch is
	 * really done (or power.error); else board.c emits them at once. */
	bool reports;
};

struct board_console_ops {
	const char *name;
	int (*open)(struct board *b);
	void (*close)(struct board *b);
};

/*
 * vlab may be NULL for a real lab. self_exe is the pitest binary used to
 * start virtual boards ("pitest vpi ..."). Returns 0, -EINVAL (unknown
 * backend) or -ENOMEM.
 */
int board_new(struct event_base *base, struct timeline *tl, const struct lab *lab,
	      const struct lab_board *spec, struct vlab *vlab, const char *self_exe,
	      struct board **ret_board);
/* Powers off (if on) and frees. Accepts NULL. */
void board_free(struct board *b);

int board_power_on(struct board *b);
int board_power_off(struct board *b);
/* Switches off even when pitest did not switch it on (state unknown). */
int board_power_off_anyway(struct board *b);
bool board_is_on(const struct board *b);
const struct lab_board *board_spec(const struct board *b);

#endif
