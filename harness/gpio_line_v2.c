/*
 * gpio_line_v2.c - gpio_line.h over libgpiod 2.x: a line request built from
 * settings and configs, the chip kept open beside it.
 */
#include "harness/gpio_line.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gpiod.h>

struct gpio_line {
	struct gpiod_chip *chip;
	struct gpiod_line_request *req;
	unsigned offset;
};

/* 2.x opens by path only: a label means asking each chip for its own. */
static struct gpiod_chip *open_by_label(const char *label)
{
	DIR *dir = opendir("/dev");
	struct dirent *de;
	struct gpiod_chip *found = NULL;
	if (!dir)
		return NULL;
	while (!found && (de = readdir(dir))) {
		char path[300];
		if (strncmp(de->d_name, "gpiochip", 8) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		struct gpiod_chip *chip = gpiod_chip_open(path);
		struct gpiod_chip_info *info = chip ? gpiod_chip_get_info(chip) : NULL;
		if (info && strcmp(gpiod_chip_info_get_label(info), label) == 0)
			found = chip;
		else if (chip)
			gpiod_chip_close(chip);
		if (info)
			gpiod_chip_info_free(info);
	}
	closedir(dir);
	if (!found)
		errno = ENOENT;
	return found;
}

static struct gpiod_chip *open_chip(const char *spec)
{
	char path[300];
	if (strchr(spec, '/'))
		return gpiod_chip_open(spec);
	snprintf(path, sizeof(path), "/dev/%s", spec);
	struct gpiod_chip *chip = gpiod_chip_open(path);
	return chip || errno != ENOENT ? chip : open_by_label(spec);
}

/* One output line at level; the configs are only needed for the call. */
static struct gpiod_line_request *request_output(struct gpiod_chip *chip, unsigned offset,
						 const char *consumer, int level)
{
	struct gpiod_line_settings *settings = gpiod_line_settings_new();
	struct gpiod_line_config *line_cfg = gpiod_line_config_new();
	struct gpiod_request_config *req_cfg = gpiod_request_config_new();
	struct gpiod_line_request *req = NULL;

	errno = ENOMEM;
	if (settings && line_cfg && req_cfg &&
	    gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT) == 0 &&
	    gpiod_line_settings_set_output_value(settings, level ? GPIOD_LINE_VALUE_ACTIVE :
								   GPIOD_LINE_VALUE_INACTIVE) == 0 &&
	    gpiod_line_config_add_line_settings(line_cfg, &offset, 1, settings) == 0) {
		gpiod_request_config_set_consumer(req_cfg, consumer);
		req = gpiod_chip_request_lines(chip, req_cfg, line_cfg);
	}
	int err = errno;
	if (req_cfg)
		gpiod_request_config_free(req_cfg);
	if (line_cfg)
		gpiod_line_config_free(line_cfg);
	if (settings)
		gpiod_line_settings_free(settings);
	errno = err;
	return req;
}

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
	if (!l)
		return -ENOMEM;
	errno = 0;
	if (!(l->chip = open_chip(chip)))
		return fail(l, "opening the chip", why, cap);
	if (!gpio_line_offset(line, &l->offset)) {
		errno = 0;
		int offset = gpiod_chip_get_line_offset_from_name(l->chip, line);
		if (offset < 0) {
			if (!errno)
				errno = ENOENT;
			return fail(l, "finding the line", why, cap);
		}
		l->offset = (unsigned)offset;
	}
	errno = 0;
	if (!(l->req = request_output(l->chip, l->offset, consumer, level)))
		return fail(l, "requesting the line as output", why, cap);
	*ret = l;
	return 0;
}

int gpio_line_set(struct gpio_line *l, int level)
{
	int rc = gpiod_line_request_set_value(l->req, l->offset,
					      level ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
	return rc < 0 ? -(errno ? errno : EIO) : 0;
}

int gpio_line_get(struct gpio_line *l)
{
	enum gpiod_line_value v = gpiod_line_request_get_value(l->req, l->offset);
	if (v == GPIOD_LINE_VALUE_ERROR)
		return -(errno ? errno : EIO);
	return v == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0;
}

void gpio_line_close(struct gpio_line *l)
{
	if (!l)
		return;
	if (l->req)
		gpiod_line_request_release(l->req);
	if (l->chip)
		gpiod_chip_close(l->chip);
	free(l);
}
