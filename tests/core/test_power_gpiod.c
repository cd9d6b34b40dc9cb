/* test_power_gpiod.c - power "gpio" through board.c, with the libgpiod
 * calls of the API being built (PITEST_GPIOD_API 1 or 2) intercepted by
 * the linker (-Wl,--wrap=gpiod_..., tests/core/CMakeLists.txt): the line
 * is requested as output at the OFF level (active-low inverted), switched
 * and read back, delayed (never refused) by the off time and the lab's
 * stagger, and released when the board is freed; each failure is a
 * power.error or a board_new error that says what to check. One log holds
 * the library calls and the power events in the order they happened. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <event2/event.h>
#include <gpiod.h>

#include "harness/board.h"
#include "harness/lab.h"
#include "harness/timeline.h"

#define LABS PITEST_SOURCE_DIR "/tests/config/labs"

/* --- what the fake library does and what it was asked -------------------- */

#define LOG_MAX 64
static struct {
	char log[LOG_MAX][320];
	size_t n;
	int open_errno;      /* opening the chip fails with this */
	int request_errno;   /* requesting the line fails with this */
	int set_errno;       /* setting a value fails with this */
	int readback;        /* -1: the line reads what was set; else this */
	int level[64];       /* per offset, what was set */
	int objects;         /* settings/configs/requests alive (2.x) */
} fake;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	if (fake.n >= LOG_MAX)
		fail_msg("more than %d calls", LOG_MAX);
	va_start(ap, fmt);
	vsnprintf(fake.log[fake.n++], sizeof(fake.log[0]), fmt, ap);
	va_end(ap);
}

/* The log since the last check equals the NULL-ended list; then cleared. */
static void expect_log(const char *first, ...)
{
	va_list ap;
	size_t i = 0;
	va_start(ap, first);
	for (const char *want = first; want; want = va_arg(ap, const char *), i++) {
		if (i >= fake.n)
			fail_msg("call %zu: expected '%s', got nothing more", i, want);
		if (strcmp(fake.log[i], want) != 0)
			fail_msg("call %zu: expected '%s', got '%s'", i, want, fake.log[i]);
	}
	va_end(ap);
	if (i < fake.n)
		fail_msg("call %zu: expected nothing more, got '%s'", i, fake.log[i]);
	fake.n = 0;
}

static void expect_nothing(void)
{
	expect_log(NULL);
}

static int fake_chip; /* the chip handle's address, never looked into */

static int read_level(unsigned offset)
{
	say("get %u", offset);
	return fake.readback >= 0 ? fake.readback : fake.level[offset];
}

static int write_level(unsigned offset, int value)
{
	say("set %u=%d", offset, value);
	if (fake.set_errno) {
		errno = fake.set_errno;
		return -1;
	}
	fake.level[offset] = value;
	return 0;
}

/* "GPIO17" is line 17; other names are not on the chip. */
static int offset_of(const char *name)
{
	say("find %s", name);
	if (strcmp(name, "GPIO17") == 0)
		return 17;
	errno = ENOENT;
	return -1;
}

static struct gpiod_chip *open_chip(const char *what)
{
	say("open %s", what);
	if (fake.open_errno) {
		errno = fake.open_errno;
		return NULL;
	}
	return (struct gpiod_chip *)&fake_chip;
}

void __wrap_gpiod_chip_close(struct gpiod_chip *chip);
void __wrap_gpiod_chip_close(struct gpiod_chip *chip)
{
	assert_ptr_equal(chip, &fake_chip);
	say("close");
}

#if PITEST_GPIOD_API == 1
/* libgpiod 1.6: a line object per offset, owned by the chip. */
static char fake_lines[64];

static unsigned line_offset(struct gpiod_line *line)
{
	return (unsigned)((char *)line - fake_lines);
}

struct gpiod_chip *__wrap_gpiod_chip_open_lookup(const char *descr);
struct gpiod_chip *__wrap_gpiod_chip_open_lookup(const char *descr)
{
	return open_chip(descr);
}

struct gpiod_line *__wrap_gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset);
struct gpiod_line *__wrap_gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset)
{
	assert_ptr_equal(chip, &fake_chip);
	if (offset >= sizeof(fake_lines)) {
		errno = EINVAL;
		return NULL;
	}
	return (struct gpiod_line *)&fake_lines[offset];
}

struct gpiod_line *__wrap_gpiod_chip_find_line(struct gpiod_chip *chip, const char *name);
struct gpiod_line *__wrap_gpiod_chip_find_line(struct gpiod_chip *chip, const char *name)
{
	assert_ptr_equal(chip, &fake_chip);
	int offset = offset_of(name);
	return offset < 0 ? NULL : (struct gpiod_line *)&fake_lines[offset];
}

int __wrap_gpiod_line_request_output(struct gpiod_line *line, const char *consumer, int default_val);
int __wrap_gpiod_line_request_output(struct gpiod_line *line, const char *consumer, int default_val)
{
	say("request %u output=%d consumer=%s", line_offset(line), default_val, consumer);
	if (fake.request_errno) {
		errno = fake.request_errno;
		return -1;
	}
	fake.level[line_offset(line)] = default_val;
	return 0;
}

int __wrap_gpiod_line_set_value(struct gpiod_line *line, int value);
int __wrap_gpiod_line_set_value(struct gpiod_line *line, int value)
{
	return write_level(line_offset(line), value);
}

int __wrap_gpiod_line_get_value(struct gpiod_line *line);
int __wrap_gpiod_line_get_value(struct gpiod_line *line)
{
	return read_level(line_offset(line));
}

void __wrap_gpiod_line_release(struct gpiod_line *line);
void __wrap_gpiod_line_release(struct gpiod_line *line)
{
	say("release %u", line_offset(line));
}

#elif PITEST_GPIOD_API == 2
/* libgpiod 2.x: settings and configs gathered, then one request. */
static int fake_settings, fake_line_cfg, fake_req_cfg, fake_request;
static struct {
	enum gpiod_line_direction direction;
	enum gpiod_line_value value;
	unsigned offset;
	size_t n_offsets;
	char consumer[64];
} asked;

struct gpiod_chip *__wrap_gpiod_chip_open(const char *path);
struct gpiod_chip *__wrap_gpiod_chip_open(const char *path)
{
	return open_chip(path);
}

/* Only reached when looking for a chip by label on a machine with chips. */
struct gpiod_chip_info *__wrap_gpiod_chip_get_info(struct gpiod_chip *chip);
struct gpiod_chip_info *__wrap_gpiod_chip_get_info(struct gpiod_chip *chip)
{
	(void)chip;
	errno = ENOTTY;
	return NULL;
}

const char *__wrap_gpiod_chip_info_get_label(struct gpiod_chip_info *info);
const char *__wrap_gpiod_chip_info_get_label(struct gpiod_chip_info *info)
{
	(void)info;
	return "";
}

void __wrap_gpiod_chip_info_free(struct gpiod_chip_info *info);
void __wrap_gpiod_chip_info_free(struct gpiod_chip_info *info)
{
	(void)info;
}

int __wrap_gpiod_chip_get_line_offset_from_name(struct gpiod_chip *chip, const char *name);
int __wrap_gpiod_chip_get_line_offset_from_name(struct gpiod_chip *chip, const char *name)
{
	assert_ptr_equal(chip, &fake_chip);
	return offset_of(name);
}

struct gpiod_line_settings *__wrap_gpiod_line_settings_new(void);
struct gpiod_line_settings *__wrap_gpiod_line_settings_new(void)
{
	fake.objects++;
	memset(&asked, 0, sizeof(asked));
	asked.direction = GPIOD_LINE_DIRECTION_AS_IS;
	asked.value = GPIOD_LINE_VALUE_ERROR;
	return (struct gpiod_line_settings *)&fake_settings;
}

void __wrap_gpiod_line_settings_free(struct gpiod_line_settings *settings);
void __wrap_gpiod_line_settings_free(struct gpiod_line_settings *settings)
{
	assert_ptr_equal(settings, &fake_settings);
	fake.objects--;
}

int __wrap_gpiod_line_settings_set_direction(struct gpiod_line_settings *settings,
					     enum gpiod_line_direction direction);
int __wrap_gpiod_line_settings_set_direction(struct gpiod_line_settings *settings,
					     enum gpiod_line_direction direction)
{
	assert_ptr_equal(settings, &fake_settings);
	asked.direction = direction;
	return 0;
}

int __wrap_gpiod_line_settings_set_output_value(struct gpiod_line_settings *settings,
						enum gpiod_line_value value);
int __wrap_gpiod_line_settings_set_output_value(struct gpiod_line_settings *settings,
						enum gpiod_line_value value)
{
	assert_ptr_equal(settings, &fake_settings);
	asked.value = value;
	return 0;
}

struct gpiod_line_config *__wrap_gpiod_line_config_new(void);
struct gpiod_line_config *__wrap_gpiod_line_config_new(void)
{
	fake.objects++;
	return (struct gpiod_line_config *)&fake_line_cfg;
}

void __wrap_gpiod_line_config_free(struct gpiod_line_config *config);
void __wrap_gpiod_line_config_free(struct gpiod_line_config *config)
{
	assert_ptr_equal(config, &fake_line_cfg);
	fake.objects--;
}

int __wrap_gpiod_line_config_add_line_settings(struct gpiod_line_config *config, const unsigned int *offsets,
					       size_t num_offsets, struct gpiod_line_settings *settings);
int __wrap_gpiod_line_config_add_line_settings(struct gpiod_line_config *config, const unsigned int *offsets,
					       size_t num_offsets, struct gpiod_line_settings *settings)
{
	assert_ptr_equal(config, &fake_line_cfg);
	assert_ptr_equal(settings, &fake_settings);
	asked.n_offsets = num_offsets;
	asked.offset = offsets[0];
	return 0;
}

struct gpiod_request_config *__wrap_gpiod_request_config_new(void);
struct gpiod_request_config *__wrap_gpiod_request_config_new(void)
{
	fake.objects++;
	return (struct gpiod_request_config *)&fake_req_cfg;
}

void __wrap_gpiod_request_config_free(struct gpiod_request_config *config);
void __wrap_gpiod_request_config_free(struct gpiod_request_config *config)
{
	assert_ptr_equal(config, &fake_req_cfg);
	fake.objects--;
}

void __wrap_gpiod_request_config_set_consumer(struct gpiod_request_config *config, const char *consumer);
void __wrap_gpiod_request_config_set_consumer(struct gpiod_request_config *config, const char *consumer)
{
	assert_ptr_equal(config, &fake_req_cfg);
	snprintf(asked.consumer, sizeof(asked.consumer), "%s", consumer);
}

struct gpiod_line_request *__wrap_gpiod_chip_request_lines(struct gpiod_chip *chip,
							   struct gpiod_request_config *req_cfg,
							   struct gpiod_line_config *line_cfg);
struct gpiod_line_request *__wrap_gpiod_chip_request_lines(struct gpiod_chip *chip,
							   struct gpiod_request_config *req_cfg,
							   struct gpiod_line_config *line_cfg)
{
	assert_ptr_equal(chip, &fake_chip);
	assert_ptr_equal(req_cfg, &fake_req_cfg);
	assert_ptr_equal(line_cfg, &fake_line_cfg);
	assert_int_equal(asked.n_offsets, 1);
	/* an output with a value given, or the line would glitch */
	say("request %u %s=%d consumer=%s", asked.offset,
	    asked.direction == GPIOD_LINE_DIRECTION_OUTPUT ? "output" : "NOT-OUTPUT", (int)asked.value,
	    asked.consumer);
	if (fake.request_errno) {
		errno = fake.request_errno;
		return NULL;
	}
	fake.level[asked.offset] = asked.value == GPIOD_LINE_VALUE_ACTIVE;
	fake.objects++;
	return (struct gpiod_line_request *)&fake_request;
}

int __wrap_gpiod_line_request_set_value(struct gpiod_line_request *request, unsigned int offset,
					enum gpiod_line_value value);
int __wrap_gpiod_line_request_set_value(struct gpiod_line_request *request, unsigned int offset,
					enum gpiod_line_value value)
{
	assert_ptr_equal(request, &fake_request);
	return write_level(offset, value == GPIOD_LINE_VALUE_ACTIVE);
}

enum gpiod_line_value __wrap_gpiod_line_request_get_value(struct gpiod_line_request *request,
							  unsigned int offset);
enum gpiod_line_value __wrap_gpiod_line_request_get_value(struct gpiod_line_request *request,
							  unsigned int offset)
{
	assert_ptr_equal(request, &fake_request);
	return read_level(offset) ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
}

void __wrap_gpiod_line_request_release(struct gpiod_line_request *request);
void __wrap_gpiod_line_request_release(struct gpiod_line_request *request)
{
	assert_ptr_equal(request, &fake_request);
	fake.objects--;
	/* 2.x knows the offsets of a request; the log names the line as 1.6's does */
	say("release %u", asked.offset);
}
#else
#error "PITEST_GPIOD_API must be 1 or 2 (cmake/PitestGpiod.cmake)"
#endif

/* --- boards of a lab written for each test --------------------------------- */

struct world {
	struct event_base *base;
	struct timeline *tl;
	struct lab lab;
	struct lab_board specs[2];
};

/* Power events go into the same log as the calls, in order. */
static void listener(const struct event *ev, void *user)
{
	(void)user;
	if (strncmp(ev->name, "power.", 6) != 0)
		return;
	const char *status = event_get(ev, "status");
	say("%s %s %s chip=%s line=%s%s%s", ev->board, ev->name, event_get(ev, "backend"),
	    event_get(ev, "chip"), event_get(ev, "line"), status ? " status=" : "", status ? status : "");
}

static int setup(void **state)
{
	static struct world w;
	memset(&w, 0, sizeof(w));
	memset(&fake, 0, sizeof(fake));
	fake.readback = -1;
	w.base = event_base_new();
	w.tl = timeline_new();
	assert_non_null(w.base);
	assert_non_null(w.tl);
	assert_int_equal(timeline_add_listener(w.tl, listener, NULL), 0);
	snprintf(w.lab.name, sizeof(w.lab.name), "bench");
	w.lab.boards = w.specs;
	w.lab.n_boards = 2;
	const char *names[] = { "relay", "relay2" };
	for (int i = 0; i < 2; i++) {
		struct lab_board *s = &w.specs[i];
		snprintf(s->name, sizeof(s->name), "%s", names[i]);
		snprintf(s->model, sizeof(s->model), "pi4b");
		snprintf(s->power, sizeof(s->power), "gpio");
		snprintf(s->console, sizeof(s->console), "none");
		snprintf(s->gpio_chip, sizeof(s->gpio_chip), "/dev/gpiochip0");
		snprintf(s->gpio_line, sizeof(s->gpio_line), "%d", 17 + i);
		s->power_off_time_s = 0;
	}
	*state = &w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	timeline_free(w->tl);
	event_base_free(w->base);
	return 0;
}

static struct board *new_board(struct world *w, int i)
{
	struct board *b = NULL;
	int rc = board_new(w->base, w->tl, &w->lab, &w->specs[i], NULL, NULL, &b);
	if (rc < 0)
		fail_msg("board_new: %s", strerror(-rc));
	return b;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Runs the loop for about `seconds`. */
static void run_for(struct world *w, double seconds)
{
	struct timeval tv = { (time_t)seconds, (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6) };
	event_base_loopexit(w->base, &tv);
	event_base_dispatch(w->base);
}

/* Runs the loop until the log holds `n` entries; returns when that was. */
static double run_until_logged(struct world *w, size_t n)
{
	double t0 = now_s();
	while (fake.n < n) {
		run_for(w, 0.01);
		if (now_s() - t0 > 10)
			fail_msg("waited 10 s for %zu calls, got %zu", n, fake.n);
	}
	return now_s();
}

/* --- the tests ------------------------------------------------------------ */

static void test_lab_keys(void **state)
{
	(void)state;
	struct lab *lab = NULL;
	char err[512] = "";
	if (lab_load(LABS "/good-gpio.yaml", &lab, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_float_equal(lab->power_stagger_s, 0.5, 1e-9);
	const struct lab_board *b = lab_board_by_name(lab, "pi4-relay");
	assert_non_null(b);
	assert_string_equal(b->power, "gpio");
	assert_string_equal(b->gpio_chip, "pinctrl-bcm2711");
	assert_string_equal(b->gpio_line, "GPIO17");
	assert_true(b->gpio_active_low);
	assert_float_equal(b->power_off_time_s, 5, 1e-9);
	b = lab_board_by_name(lab, "pi5-relay");
	assert_non_null(b);
	assert_string_equal(b->gpio_chip, "/dev/gpiochip0");
	assert_string_equal(b->gpio_line, "27");
	assert_false(b->gpio_active_low);
	assert_float_equal(b->power_off_time_s, LAB_POWER_OFF_TIME_DEFAULT_S, 1e-9);
	lab_free(lab);
}

/* Active-high: requested low (off), on is high, off low; each read back;
 * freed: released and closed. */
static void test_switch(void **state)
{
	struct world *w = *state;
	struct board *b = new_board(w, 0);
	expect_log("open /dev/gpiochip0", "request 17 output=0 consumer=pitest:relay", NULL);
	assert_int_equal(board_power_on(b), 0);
	expect_log("set 17=1", "get 17", "relay power.on gpio chip=/dev/gpiochip0 line=17", NULL);
	assert_true(board_is_on(b));
	assert_int_equal(board_power_on(b), 0); /* on already: nothing */
	expect_nothing();
	assert_int_equal(board_power_off(b), 0);
	expect_log("set 17=0", "get 17", "relay power.off gpio chip=/dev/gpiochip0 line=17", NULL);
	board_free(b);
	expect_log("release 17", "close", NULL);
	assert_int_equal(fake.objects, 0);
}

/* Active-low: requested high (off), on is low. */
static void test_active_low(void **state)
{
	struct world *w = *state;
	w->specs[0].gpio_active_low = true;
	struct board *b = new_board(w, 0);
	expect_log("open /dev/gpiochip0", "request 17 output=1 consumer=pitest:relay", NULL);
	assert_int_equal(board_power_on(b), 0);
	expect_log("set 17=0", "get 17", "relay power.on gpio chip=/dev/gpiochip0 line=17", NULL);
	assert_int_equal(board_power_off(b), 0);
	expect_log("set 17=1", "get 17", "relay power.off gpio chip=/dev/gpiochip0 line=17", NULL);
	board_free(b);
	expect_log("release 17", "close", NULL);
}

/* A board left on is switched off before its line is released. */
static void test_free_while_on(void **state)
{
	struct world *w = *state;
	struct board *b = new_board(w, 0);
	assert_int_equal(board_power_on(b), 0);
	fake.n = 0;
	board_free(b);
	expect_log("set 17=0", "get 17", "relay power.off gpio chip=/dev/gpiochip0 line=17", "release 17", "close",
		   NULL);
}

/* Chips by name and lines by name. */
static void test_names(void **state)
{
	struct world *w = *state;
	snprintf(w->specs[0].gpio_chip, sizeof(w->specs[0].gpio_chip), "gpiochip1");
	snprintf(w->specs[0].gpio_line, sizeof(w->specs[0].gpio_line), "GPIO17");
	struct board *b = new_board(w, 0);
#if PITEST_GPIOD_API == 1
	expect_log("open gpiochip1", "find GPIO17", "request 17 output=0 consumer=pitest:relay", NULL);
#else
	expect_log("open /dev/gpiochip1", "find GPIO17", "request 17 output=0 consumer=pitest:relay", NULL);
#endif
	board_free(b);
	expect_log("release 17", "close", NULL);
}

/* On too soon after off waits for the off time on a timer, then happens;
 * the request counts as going off. */
static void test_off_time(void **state)
{
	struct world *w = *state;
	w->specs[0].power_off_time_s = 0.3;
	double t_request = now_s();
	struct board *b = new_board(w, 0);
	fake.n = 0;
	assert_int_equal(board_power_on(b), 0);
	expect_nothing(); /* delayed, not refused */
	assert_true(board_is_on(b));
	double t_on = run_until_logged(w, 3);
	assert_true(t_on - t_request >= 0.3);
	expect_log("set 17=1", "get 17", "relay power.on gpio chip=/dev/gpiochip0 line=17", NULL);

	double t_off = now_s();
	assert_int_equal(board_power_off(b), 0);
	expect_log("set 17=0", "get 17", "relay power.off gpio chip=/dev/gpiochip0 line=17", NULL);
	assert_int_equal(board_power_on(b), 0);
	expect_nothing();
	t_on = run_until_logged(w, 3);
	assert_true(t_on - t_off >= 0.3);
	expect_log("set 17=1", "get 17", "relay power.on gpio chip=/dev/gpiochip0 line=17", NULL);
	board_free(b);
	expect_log("set 17=0", "get 17", "relay power.off gpio chip=/dev/gpiochip0 line=17", "release 17", "close",
		   NULL);
}

/* Off while an on waits: the on never happens. */
static void test_off_cancels(void **state)
{
	struct world *w = *state;
	w->specs[0].power_off_time_s = 0.2;
	struct board *b = new_board(w, 0);
	fake.n = 0;
	assert_int_equal(board_power_on(b), 0);
	assert_int_equal(board_power_off(b), 0);
	expect_log("set 17=0", "get 17", "relay power.off gpio chip=/dev/gpiochip0 line=17", NULL);
	run_for(w, 0.4);
	expect_nothing();
	board_free(b);
	expect_log("release 17", "close", NULL);
}

/* Two boards of a lab asked together: the second waits the stagger. */
static void test_stagger(void **state)
{
	struct world *w = *state;
	w->lab.power_stagger_s = 0.3;
	struct board *a = new_board(w, 0), *b = new_board(w, 1);
	fake.n = 0;
	double t_a = now_s();
	assert_int_equal(board_power_on(a), 0);
	assert_int_equal(board_power_on(b), 0);
	expect_log("set 17=1", "get 17", "relay power.on gpio chip=/dev/gpiochip0 line=17", NULL);
	double t_b = run_until_logged(w, 3);
	assert_true(t_b - t_a >= 0.3);
	expect_log("set 18=1", "get 18", "relay2 power.on gpio chip=/dev/gpiochip0 line=18", NULL);
	board_free(a);
	board_free(b);
}

/* The line does not show what was set: power.error, not power.on. */
static void test_readback_mismatch(void **state)
{
	struct world *w = *state;
	struct board *b = new_board(w, 0);
	fake.n = 0;
	fake.readback = 0;
	assert_int_equal(board_power_on(b), 0);
	expect_log("set 17=1", "get 17",
		   "relay power.error gpio chip=/dev/gpiochip0 line=17 status=read back 0 after setting 1: "
		   "something else drives the line (check the wiring)",
		   NULL);
	const struct event *ev = timeline_get(w->tl, timeline_count(w->tl) - 1);
	assert_string_equal(event_get(ev, "action"), "on");
	fake.readback = -1;
	fake.set_errno = EIO;
	assert_int_equal(board_power_off(b), 0);
	expect_log("set 17=0",
		   "relay power.error gpio chip=/dev/gpiochip0 line=17 status=setting the line to 0: Input/output error",
		   NULL);
	ev = timeline_get(w->tl, timeline_count(w->tl) - 1);
	assert_string_equal(event_get(ev, "action"), "off");
	board_free(b);
	expect_log("release 17", "close", NULL);
}

/* A line that cannot be had: board_new fails with what to check. */
static void expect_request_error(struct world *w, int err, const char *hint)
{
	struct board *b = NULL;
	assert_int_equal(board_new(w->base, w->tl, &w->lab, &w->specs[0], NULL, NULL, &b), -err);
	assert_null(b);
	const struct event *ev = timeline_get(w->tl, timeline_count(w->tl) - 1);
	assert_string_equal(ev->name, "power.error");
	assert_string_equal(event_get(ev, "action"), "request");
	if (!strstr(event_get(ev, "status"), hint))
		fail_msg("expected '%s' in '%s'", hint, event_get(ev, "status"));
	assert_int_equal(fake.objects, 0);
}

static void test_request_errors(void **state)
{
	struct world *w = *state;
	fake.open_errno = EACCES;
	expect_request_error(w, EACCES, "opening the chip: Permission denied: check that this user may open "
					"/dev/gpiochip* (the gpio group or a udev rule)");
	expect_log("open /dev/gpiochip0",
		   "relay power.error gpio chip=/dev/gpiochip0 line=17 status=opening the chip: Permission denied: "
		   "check that this user may open /dev/gpiochip* (the gpio group or a udev rule)",
		   NULL);

	fake.open_errno = ENOENT;
	snprintf(w->specs[0].gpio_chip, sizeof(w->specs[0].gpio_chip), "/dev/gpiochip9");
	expect_request_error(w, ENOENT, "check gpio_chip (gpiodetect lists the chips)");
	fake.n = 0;

	fake.open_errno = 0;
	fake.request_errno = EBUSY;
	expect_request_error(w, EBUSY, "requesting the line as output: Device or resource busy: another "
				       "program or a kernel driver holds the line");
	/* what was opened is closed again */
	assert_string_equal(fake.log[fake.n - 2], "close");
	fake.n = 0;

	fake.request_errno = 0;
	snprintf(w->specs[0].gpio_line, sizeof(w->specs[0].gpio_line), "GPIO99");
	expect_request_error(w, ENOENT, "finding the line: No such file or directory: check gpio_line");
	expect_log("open /dev/gpiochip9", "find GPIO99", "close",
		   "relay power.error gpio chip=/dev/gpiochip9 line=GPIO99 status=finding the line: No such file "
		   "or directory: check gpio_line (gpioinfo lists the chip's lines)",
		   NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_keys),
		cmocka_unit_test_setup_teardown(test_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_active_low, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_while_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off_cancels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stagger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readback_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
