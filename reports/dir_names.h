/*
 * dir_names.h - the entries of a directory that a filter keeps, sorted by
 * name (strcmp): reports read runs and history files in a stable order.
 */
#ifndef PITEST_DIR_NAMES_H
#define PITEST_DIR_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* Keep `name` (an entry of `dir`, never "." or ".."-like: those starting
 * with '.' are skipped before)? */
typedef bool (*dir_names_keep)(const char *dir, const char *name);

/* 0 and a sorted array of strdup'ed names (NULL when none), or -errno. */
int dir_names(const char *dir, dir_names_keep keep, char ***ret_names, size_t *ret_n);
void dir_names_free(char **names, size_t n);

#endif
