/*
 * gpio_line.h - one GPIO line held as an output, over whichever libgpiod
 * API the build found: gpio_line_v1.c (libgpiod 1.6, Debian 12) or
 * gpio_line_v2.c (2.x), chosen by CMake (PITEST_GPIOD_API is 1 or 2).
 *
 * Levels are physical, 0 low and 1 high: active-low relays are the
 * caller's business, so both APIs get the same values and the library's
 * own active-low flag is never used.
 */
#ifndef PITEST_GPIO_LINE_H
#define PITEST_GPIO_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

struct gpio_line;

/*
 * Opens the chip (a name like gpiochip0, a path, or a chip's label) and
 * requests the line (an offset like "17" or a line name) as an output,
 * driven at level from the start. 0, or -errno with the step that failed
 * in why ("opening the chip", ...).
 */
int gpio_line_open(const char *chip, const char *line, const char *consumer, int level,
		   struct gpio_line **ret, char *why, size_t cap);
/* 0 or -errno. */
int gpio_line_set(struct gpio_line *l, int level);
/* The level the kernel reports: 0, 1 or -errno. */
int gpio_line_get(struct gpio_line *l);
/* Releases the line and closes the chip. Accepts NULL. */
void gpio_line_close(struct gpio_line *l);

/* "17" is an offset, anything else a line name. */
static inline bool gpio_line_offset(const char *text, unsigned *ret)
{
	char *end;
	if (text[0] < '0' || text[0] > '9')
		return false;
	unsigned long v = strtoul(text, &end, 10);
	if (*end || v > 65535)
		return false;
	*ret = (unsigned)v;
	return true;
}

#endif
