/*
 * duration.h - "10s", "500ms", "1h", "2.5s", plain seconds.
 */
#ifndef PITEST_DURATION_H
#define PITEST_DURATION_H

/* Parses a duration into seconds. Returns 0 or -EINVAL. Units: ms, s, m, h, d; none = s. */
int duration_parse(const char *text, double *ret_seconds);

#endif
