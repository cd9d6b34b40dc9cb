/* Unit tests: the spool keeps texts in an unnamed file and reads them back in place. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/spool.h"

/* Texts come back byte for byte, each a C string at its offset. */
static void test_append_and_read_back(void **state)
{
	(void)state;
	char err[256] = "";
	struct spool *sp = spool_new(err, sizeof(err));
	assert_non_null(sp);
	assert_string_equal(spool_map(sp), ""); /* empty: nothing to map */
	size_t big_len = 300000;
	char *big = malloc(big_len + 1);
	assert_non_null(big);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	big[big_len] = '\0';
	uint64_t at[4];
	assert_int_equal(spool_append(sp, "first\nline\n", 11, &at[0]), 0);
	assert_int_equal(spool_append(sp, "", 0, &at[1]), 0);
	assert_int_equal(spool_append(sp, big, big_len, &at[2]), 0);
	assert_int_equal(spool_append(sp, "]]> last", 8, &at[3]), 0);
	assert_int_equal(at[0], 0);
	assert_int_equal(at[1], 12);
	assert_int_equal(at[2], 13);
	assert_int_equal(spool_size(sp), 11 + 1 + 1 + big_len + 1 + 8 + 1);
	const char *base = spool_map(sp);
	assert_non_null(base);
	assert_string_equal(base + at[0], "first\nline\n");
	assert_string_equal(base + at[1], "");
	assert_string_equal(base + at[2], big);
	assert_string_equal(base + at[3], "]]> last");
	assert_ptr_equal(spool_map(sp), base);
	uint64_t more;
	assert_int_equal(spool_append(sp, "x", 1, &more), -EBUSY); /* not while mapped */
	spool_unmap(sp);
	assert_int_equal(spool_append(sp, "after", 5, &more), 0);
	base = spool_map(sp);
	assert_string_equal(base + more, "after");
	assert_string_equal(base + at[3], "]]> last");
	spool_free(sp);
	free(big);
}

/* The file has no name: nothing is left in TMPDIR, even while it is open. */
static void test_leaves_no_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/test-spool-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	setenv("TMPDIR", dir, 1);
	char err[256] = "";
	struct spool *sp = spool_new(err, sizeof(err));
	assert_non_null(sp);
	uint64_t at;
	assert_int_equal(spool_append(sp, "text", 4, &at), 0);
	DIR *d = opendir(dir);
	assert_non_null(d);
	int entries = 0;
	for (struct dirent *e; (e = readdir(d));)
		entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	assert_int_equal(entries, 0);
	spool_free(sp);
	assert_int_equal(rmdir(dir), 0);
	if (old)
		setenv("TMPDIR", old, 1);
	else
		unsetenv("TMPDIR");
	free(old);
}

/* A TMPDIR that is not there: one message that names it. */
static void test_bad_tmpdir_says_where(void **state)
{
	(void)state;
	char *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	setenv("TMPDIR", "/nonexistent/pitest-spool", 1);
	char err[256] = "";
	assert_null(spool_new(err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/pitest-spool"));
	if (old)
		setenv("TMPDIR", old, 1);
	else
		unsetenv("TMPDIR");
	free(old);
	spool_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_read_back),
		cmocka_unit_test(test_leaves_no_file),
		cmocka_unit_test(test_bad_tmpdir_says_where),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
