/*
 * gpio_line_v1.c - gpio_line.h over libgpiod 1.6: the line object belongs
 * to the chip, which is kept open while the line is held.
 */
#include "harness/gpio_line.h"

#include <errno.h>
#include <stdio.h>

#include <gpiod.h>

struct gpio_line {
	struct gpiod_chip *chip;
	struct gpiod_line *line;
};

static int fail(struct gpio_line *l, const char *step, char *why, size_t cap)
{
	int err = errno ? errno : EIO;
	snprintf(why, cap, "%s", step);
	gpio_line_close(l);
	return -err;
}

int gpio_line_open(const char *chip, const char *line, const char *consumer, int level,
		   struct gpio_line **ret, char *why, size_t cap)
{
	struct gpio_line *l = calloc(1, sizeof(*l));
	unsigned offset;
	if (!l)
		return -ENOMEM;
	errno = 0;
	/* by name, path, label or number: the library knows them all */
	if (!(l->chip = gpiod_chip_open_lookup(chip)))
		return fail(l, "opening the chip", why, cap);
	errno = 0;
	l->line = gpio_line_offset(line, &offset) ? gpiod_chip_get_line(l->chip, offset) :
						    gpiod_chip_find_line(l->chip, line);
	if (!l->line) {
		if (!errno)
			errno = ENOENT;
		return fail(l, "finding the line", why, cap);
	}
	if (gpiod_line_request_output(l->line, consumer, level) < 0) {
		l->line = NULL; /* not ours to release */
		return fail(l, "requesting the line as output", why, cap);
	}
	*ret = l;
	return 0;
}

int gpio_line_set(struct gpio_line *l, int level)
{
	return gpiod_line_set_value(l->line, level) < 0 ? -(errno ? errno : EIO) : 0;
}

int gpio_line_get(struct gpio_line *l)
{
	int v = gpiod_line_get_value(l->line);
	return v < 0 ? -(errno ? errno : EIO) : v;
}

void gpio_line_close(struct gpio_line *l)
{
	if (!l)
		return;
	if (l->line)
		gpiod_line_release(l->line);
	if (l->chip)
		gpiod_chip_close(l->chip);
	free(l);
}
