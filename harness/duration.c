/*
 * duration.c - "10s", "500ms", "2.5s", "1m", "1h", "1d", plain seconds.
 *
 * Parsed by hand rather than with strtod alone: strtod would also take
 * "-1", " 5", "0x10", "inf" and "nan", none of which a person means as a
 * duration.
 */
#include "harness/duration.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Longer than any test will wait; keeps later arithmetic far from overflow. */
#define DURATION_MAX_S (366.0 * 24 * 3600)

static const struct {
	const char *suffix;
	double scale;
} duration_units[] = {
	{ "", 1.0 },
	{ "ms", 0.001 },
	{ "s", 1.0 },
	{ "m", 60.0 },
	{ "h", 3600.0 },
	{ "d", 86400.0 },
};

int duration_parse(const char *text, double *ret_seconds)
{
	if (!text)
		return -EINVAL;

	/* digits, then at most one '.', then digits; at least one digit */
	size_t i = 0, digits = 0;
	char num[32];
	while (text[i] >= '0' && text[i] <= '9') {
		i++;
		digits++;
	}
	if (text[i] == '.') {
		i++;
		while (text[i] >= '0' && text[i] <= '9') {
			i++;
			digits++;
		}
	}
	if (digits == 0 || i >= sizeof(num))
		return -EINVAL;
	memcpy(num, text, i);
	num[i] = '\0';

	const char *unit = text + i;
	for (size_t u = 0; u < sizeof(duration_units) / sizeof(duration_units[0]); u++) {
		if (strcmp(unit, duration_units[u].suffix) != 0)
			continue;
		double v = strtod(num, NULL) * duration_units[u].scale;
		if (!isfinite(v) || v < 0 || v > DURATION_MAX_S)
			return -EINVAL;
		*ret_seconds = v;
		return 0;
	}
	return -EINVAL;
}
