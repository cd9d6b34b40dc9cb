/*
 * test_files.h - file helpers shared by cmocka tests that write trees:
 * each fails the running test (cmocka) instead of returning an error.
 */
#ifndef PITEST_TEST_FILES_H
#define PITEST_TEST_FILES_H

#include <stddef.h>
#include <stdint.h>

/* The whole file, NUL-terminated (not counted in *ret_len). Caller frees. */
uint8_t *test_read_all(const char *path, size_t *ret_len);
/* Writes `text` as the whole file. */
void test_write_text(const char *path, const char *text);
/* A new directory /tmp/<prefix>-XXXXXX. Caller frees (or passes to test_rm_tree). */
char *test_make_tmpdir(const char *prefix);
/*
 * Removes the tree and frees `dir`. Read-only directories (proc, sys at
 * 0555) are made writable first; symlinks are never followed (trees hold
 * absolute links to the host's files).
 */
void test_rm_tree(char *dir);

#endif
