/*
 * power_gpiod.h - power "gpio": a relay on a GPIO line (libgpiod 1.6 or
 * 2.x behind gpio_line.h).
 *
 * The line is requested as an output when the board is created, already
 * at the OFF level (low; high with gpio_active_low), held for the whole
 * run and released when the board is freed. Every switch is read back: a
 * line that does not show the level just set is an error.
 *
 * Events: "power.on" and "power.off" {backend: gpio, chip, line};
 * "power.error" {action: on|off|request, backend, chip, line, status}.
 *
 * Timing, without blocking the loop: a board goes on no sooner than its
 * power_off_time after it went off (capacitors keep a Pi alive a moment;
 * the request at creation counts as going off, as the state before pitest
 * is unknown), and two power-ons of one lab's gpio boards are at least the
 * lab's power_stagger apart (inrush). A power-on asked for too early waits
 * on a timer, delayed and never refused; a power-off meanwhile cancels it.
 */
#ifndef PITEST_POWER_GPIOD_H
#define PITEST_POWER_GPIOD_H

#include <stddef.h>

struct event_base;
struct timeline;
struct lab;
struct lab_board;
struct power_gpiod;

/*
 * Requests the board's line (board->gpio_chip, gpio_line, gpio_active_low,
 * power_off_time_s; lab->power_stagger_s). On failure -errno, a
 * "power.error" {action: request} and in why a message for people naming
 * the board, chip and line and what to check.
 */
int power_gpiod_new(struct event_base *base, struct timeline *tl, const struct lab *lab,
		    const struct lab_board *board, struct power_gpiod **ret, char *why, size_t cap);
/* Switch now, or (on) when the off time and the stagger allow. Errors are
 * "power.error" events; the return is -EINVAL or -ENOMEM only. */
int power_gpiod_on(struct power_gpiod *pg);
int power_gpiod_off(struct power_gpiod *pg);
/* Releases the line as it is (board_free switches it off first). Accepts NULL. */
void power_gpiod_free(struct power_gpiod *pg);

#endif
