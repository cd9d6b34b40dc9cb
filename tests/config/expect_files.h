/*
 * expect_files.h - data-driven error tests: every FILE in a folder starts
 * with "# expect: LINE: message", and loading it must fail with exactly
 * "FILE:LINE: message". Adding a case is adding a file.
 */
#ifndef PITEST_TEST_EXPECT_FILES_H
#define PITEST_TEST_EXPECT_FILES_H

#include <glob.h>
#include <stdio.h>
#include <string.h>

typedef int (*expect_files_loader)(const char *path, char *err, size_t errcap);

/* Returns how many files were checked; fails the test on the first mismatch. */
static inline size_t expect_files_check(const char *pattern, expect_files_loader load)
{
	glob_t g;
	size_t checked = 0;
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		char first[1024], want[1536], err[1536] = "";
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(first, sizeof(first), f));
		fclose(f);
		first[strcspn(first, "\n")] = '\0';
		if (strncmp(first, "# expect: ", 10) != 0) {
			fail_msg("%s: first line must be '# expect: LINE: message'", path);
		}
		snprintf(want, sizeof(want), "%s:%s", path, first + 10);
		int r = load(path, err, sizeof(err));
		if (r >= 0)
			fail_msg("%s: loaded, but expected the error\n  %s", path, want);
		if (strcmp(err, want) != 0)
			fail_msg("%s: wrong message\n  want: %s\n  got:  %s", path, want, err);
		checked++;
	}
	globfree(&g);
	return checked;
}

#endif
