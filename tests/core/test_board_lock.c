/* test_board_lock.c - one run per board, and no stale locks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/board_lock.h"

static char dir[] = "/tmp/test_board_lock.XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	return setenv("PITEST_LOCK_DIR", dir, 1);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_second_taker_is_refused(void **state)
{
	(void)state;
	char err[512] = "";
	int fd = board_lock_take("lab1", "pi4b-1", err, sizeof(err));
	assert_true(fd >= 0);
	/* the holder's pid is in the file */
	char path[256], text[32] = "", want[32];
	snprintf(path, sizeof(path), "%s/lab1.pi4b-1.lock", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_string_equal(text, want);

	/* a second open of the same board, even in this process, is refused */
	assert_int_equal(board_lock_take("lab1", "pi4b-1", err, sizeof(err)), -EBUSY);
	char msg[128];
	snprintf(msg, sizeof(msg), "board pi4b-1 of lab lab1 is in use by another pitest run (pid %ld;",
		 (long)getpid());
	assert_non_null(strstr(err, msg));
	assert_non_null(strstr(err, path));

	/* other boards and other labs are free */
	int other = board_lock_take("lab1", "pi5-1", err, sizeof(err));
	assert_true(other >= 0);
	int lab2 = board_lock_take("lab2", "pi4b-1", err, sizeof(err));
	assert_true(lab2 >= 0);

	/* released: taken again */
	close(fd);
	fd = board_lock_take("lab1", "pi4b-1", err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	close(other);
	close(lab2);
}

static void test_dead_holder_leaves_no_lock(void **state)
{
	(void)state;
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[512];
		int fd = board_lock_take("lab1", "pi2-1", err, sizeof(err));
		char c = fd >= 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(2);
		pause(); /* killed while holding it */
		_exit(0);
	}
	close(ready[1]);
	char c = 0;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(c, 'y');
	char err[512] = "";
	assert_int_equal(board_lock_take("lab1", "pi2-1", err, sizeof(err)), -EBUSY);
	kill(pid, SIGKILL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	int fd = board_lock_take("lab1", "pi2-1", err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
}

static void test_bad_names(void **state)
{
	(void)state;
	char err[512] = "";
	assert_int_equal(board_lock_take("lab1", "../x", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cannot hold '/'"));
	assert_int_equal(board_lock_take("a/b", "x", err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_second_taker_is_refused),
		cmocka_unit_test(test_dead_holder_leaves_no_lock),
		cmocka_unit_test(test_bad_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
