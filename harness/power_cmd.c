/*
 * power_cmd.c - power "command": relays behind external programs, run
 * on the event loop (see power_cmd.h for the contract).
 */
#include "harness/power_cmd.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "harness/expect.h"
#include "harness/lab.h"
#include "harness/timeline.h"

extern char **environ;

/* The last bytes of a command's output are kept: errors come at the end. */
#define POWER_CMD_OUTPUT_MAX 1024
#define POWER_CMD_WORDS_MAX 64
#define POWER_CMD_WORD_MAX 4096
/* A SIGKILLed group is gone in microseconds; this bounds a stuck one. */
#define POWER_CMD_REAP_WAIT_MS 2000

/* ACT_STATUS reads the relay back after an on or off (power_status). */
enum action { ACT_NONE = -1, ACT_OFF = 0, ACT_ON = 1, ACT_STATUS = 2 };
#define ACTIONS 3

struct power_cmd {
	struct event_base *base;
	struct timeline *tl;
	const struct lab_board *board;
	char **argv[ACTIONS]; /* by action, expanded once; no status: NULL */
	char text[ACTIONS][LAB_COMMAND_MAX + 256]; /* the same, for events */
	double timeout_s;
	struct event *sigchld, *timer;

	/* the running command */
	enum action running, pending;
	enum action checking; /* what the running status command confirms */
	pid_t pid;
	int fd;              /* its stdout+stderr; -1 after EOF */
	struct event *reader;
	bool timed_out;
	struct timespec started;
	size_t out_len;
	char out[POWER_CMD_OUTPUT_MAX + 1];
};

/* --- command lines --------------------------------------------------------- */

static void set_why(char *why, size_t cap, const char *text)
{
	if (why && cap)
		snprintf(why, cap, "%s", text);
}

void power_cmd_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* Shell-like words, quotes removed; nothing else of a shell. */
static int split_words(const char *s, char ***ret, char *why, size_t cap)
{
	char **words = calloc(POWER_CMD_WORDS_MAX + 1, sizeof(*words));
	char *word = malloc(POWER_CMD_WORD_MAX);
	size_t n = 0;
	int rc = -EINVAL;

	if (!words || !word) {
		rc = -ENOMEM;
		goto fail;
	}
	if (strpbrk(s, "\r\n")) {
		set_why(why, cap, "expected one line");
		goto fail;
	}
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		size_t len = 0;
		while (*s && *s != ' ' && *s != '\t') {
			char c = *s++;
			if (c == '\'') {
				while (*s && *s != '\'' && len < POWER_CMD_WORD_MAX - 1)
					word[len++] = *s++;
				if (*s != '\'') {
					set_why(why, cap, "expected a closing '");
					goto fail;
				}
				s++;
			} else if (c == '"') {
				while (*s && *s != '"' && len < POWER_CMD_WORD_MAX - 1) {
					if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
						s++;
					word[len++] = *s++;
				}
				if (*s != '"') {
					set_why(why, cap, "expected a closing \"");
					goto fail;
				}
				s++;
			} else if (c == '\\') {
				if (!*s) {
					set_why(why, cap, "expected a character after \\");
					goto fail;
				}
				word[len++] = *s++;
			} else {
				word[len++] = c;
			}
			if (len >= POWER_CMD_WORD_MAX - 1) {
				set_why(why, cap, "expected words shorter than 4096 characters");
				goto fail;
			}
		}
		if (n == POWER_CMD_WORDS_MAX) {
			set_why(why, cap, "expected at most 64 words");
			goto fail;
		}
		word[len] = '\0';
		if (!(words[n++] = strdup(word))) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	if (n == 0) {
		set_why(why, cap, "expected a program to run");
		goto fail;
	}
	free(word);
	*ret = words;
	return 0;
fail:
	free(word);
	power_cmd_argv_free(words);
	return rc;
}

/* "{name}" with only [a-z._] inside is a placeholder; other braces (JSON
 * for a PDU's API, say) are text. Length of the name or 0. */
static size_t placeholder_at(const char *p, char *name, size_t cap)
{
	size_t n = 0;
	if (*p != '{')
		return 0;
	while (p[1 + n] && (islower((unsigned char)p[1 + n]) || p[1 + n] == '.' || p[1 + n] == '_'))
		n++;
	if (n == 0 || p[1 + n] != '}' || n >= cap)
		return 0;
	memcpy(name, p + 1, n);
	name[n] = '\0';
	return n;
}

int power_cmd_check(const char *cmdline, const struct lab_board *board, char *why, size_t cap)
{
	char **words;
	int rc = split_words(cmdline, &words, why, cap);
	if (rc < 0)
		return rc;
	for (size_t i = 0; words[i] && rc == 0; i++) {
		for (const char *p = words[i]; *p && rc == 0; p++) {
			char name[32];
			if (!placeholder_at(p, name, sizeof(name)))
				continue;
			if (strcmp(name, "board.name") == 0 || strcmp(name, "board.mac") == 0 ||
			    strcmp(name, "board.model") == 0)
				continue;
			if (strcmp(name, "board.ip") == 0 && board->ip_text[0])
				continue;
			if (strcmp(name, "board.serial") == 0 && board->serial_text[0])
				continue;
			if (strcmp(name, "board.ip") == 0 || strcmp(name, "board.serial") == 0)
				snprintf(why, cap, "expected {%s} only for a board that has one (board '%s' has no %s)",
					 name, board->name, name + 6);
			else
				snprintf(why, cap,
					 "expected placeholders {board.name} {board.mac} {board.serial} {board.ip} {board.model} (got {%s})",
					 name);
			rc = -EINVAL;
		}
	}
	power_cmd_argv_free(words);
	return rc;
}

int power_cmd_argv(const char *cmdline, const struct lab *lab, const struct lab_board *board,
		   char ***ret_argv)
{
	char **words;
	int rc = split_words(cmdline, &words, NULL, 0);
	if (rc < 0)
		return rc;
	char *buf = malloc(POWER_CMD_WORD_MAX);
	if (!buf) {
		power_cmd_argv_free(words);
		return -ENOMEM;
	}
	for (size_t i = 0; words[i]; i++) {
		char *w;
		if (expect_expand(words[i], lab, board, buf, POWER_CMD_WORD_MAX) < 0 || !(w = strdup(buf))) {
			rc = -ENOMEM;
			break;
		}
		free(words[i]);
		words[i] = w;
	}
	free(buf);
	if (rc < 0) {
		power_cmd_argv_free(words);
		return rc;
	}
	*ret_argv = words;
	return 0;
}

/* The expanded words as people read them: quoted where a word has blanks. */
static void join_words(char **argv, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; argv[i] && n < cap; i++) {
		bool quote = !argv[i][0] || strpbrk(argv[i], " \t'\"\\");
		int w = snprintf(out + n, cap - n, "%s%s%s%s", i ? " " : "", quote ? "'" : "", argv[i],
				 quote ? "'" : "");
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* --- running ---------------------------------------------------------------- */

static const char *action_name(enum action a)
{
	return a == ACT_ON ? "on" : a == ACT_OFF ? "off" : "status";
}

static double since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void keep_output(struct power_cmd *pc, const char *data, size_t n)
{
	if (n >= POWER_CMD_OUTPUT_MAX) {
		data += n - POWER_CMD_OUTPUT_MAX;
		n = POWER_CMD_OUTPUT_MAX;
	}
	if (pc->out_len + n > POWER_CMD_OUTPUT_MAX) {
		size_t drop = pc->out_len + n - POWER_CMD_OUTPUT_MAX;
		memmove(pc->out, pc->out + drop, pc->out_len - drop);
		pc->out_len -= drop;
	}
	memcpy(pc->out + pc->out_len, data, n);
	pc->out_len += n;
}

static void reader_close(struct power_cmd *pc)
{
	if (pc->reader) {
		event_free(pc->reader);
		pc->reader = NULL;
	}
	if (pc->fd >= 0) {
		close(pc->fd);
		pc->fd = -1;
	}
}

/* Reads what is there now; closes at end of file. */
static void drain(struct power_cmd *pc)
{
	char buf[4096];
	/* bounded: a command that floods its output cannot hold the loop */
	for (int rounds = 0; pc->fd >= 0 && rounds < 64; rounds++) {
		ssize_t n = read(pc->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			reader_close(pc);
			return;
		}
		keep_output(pc, buf, (size_t)n);
	}
}

static void reader_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	drain(arg);
}

static int start(struct power_cmd *pc, enum action a);

/* `a` failed as `command` says; a status read-back is reported under
 * the action it was checking. */
static void report_error(struct power_cmd *pc, enum action a, const char *command, const char *status)
{
	/* output as one field: trailing newlines are noise */
	while (pc->out_len > 0 && isspace((unsigned char)pc->out[pc->out_len - 1]))
		pc->out_len--;
	pc->out[pc->out_len] = '\0';
	timeline_emit(pc->tl, pc->board->name, "power.error", "action", action_name(a), "command",
		      command, "status", status, "output", pc->out, NULL);
}

static void report_done(struct power_cmd *pc, enum action a, bool confirmed)
{
	const char *name = a == ACT_ON ? "power.on" : "power.off";
	if (confirmed)
		timeline_emit(pc->tl, pc->board->name, name, "backend", "command", "status", "confirmed",
			      NULL);
	else
		timeline_emit(pc->tl, pc->board->name, name, "backend", "command", NULL);
}

/* The running command is over (status from waitpid): report, go on. */
static void finish(struct power_cmd *pc, int status)
{
	enum action a = pc->running;
	char text[64];

	drain(pc); /* what it wrote before it ended is in the pipe */
	reader_close(pc);
	evtimer_del(pc->timer);
	pc->pid = -1;
	pc->running = ACT_NONE;
	if (pc->timed_out)
		snprintf(text, sizeof(text), "timeout");
	else if (WIFSIGNALED(status))
		snprintf(text, sizeof(text), "signal %d", WTERMSIG(status));
	else
		snprintf(text, sizeof(text), "%d", WEXITSTATUS(status));
	bool exited = !pc->timed_out && WIFEXITED(status);
	if (a == ACT_STATUS) {
		/* exit 0: the relay is on, 1: off; what was switched must show */
		enum action want = pc->checking;
		int code = exited ? WEXITSTATUS(status) : -1;
		if ((code == 0 && want == ACT_ON) || (code == 1 && want == ACT_OFF)) {
			report_done(pc, want, true);
		} else {
			char says[96];
			if (code == 0 || code == 1)
				snprintf(says, sizeof(says), "reads %s after %s", code == 0 ? "on" : "off",
					 action_name(want));
			else
				snprintf(says, sizeof(says), "status %s (want 0 for on, 1 for off)", text);
			report_error(pc, want, pc->text[ACT_STATUS], says);
		}
	} else if (exited && WEXITSTATUS(status) == 0) {
		if (pc->argv[ACT_STATUS] && pc->pending == ACT_NONE) {
			/* power.on/off once the relay says so */
			pc->checking = a;
			start(pc, ACT_STATUS);
			return;
		}
		report_done(pc, a, false);
	} else {
		report_error(pc, a, pc->text[a], text);
	}

	enum action next = pc->pending;
	pc->pending = ACT_NONE;
	if (next != ACT_NONE)
		start(pc, next);
}

static void kill_group(struct power_cmd *pc)
{
	if (pc->pid > 0 && kill(-pc->pid, SIGKILL) < 0)
		kill(pc->pid, SIGKILL);
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct power_cmd *pc = arg;
	(void)fd;
	(void)what;
	if (pc->pid <= 0)
		return;
	pc->timed_out = true;
	/* the whole group: a script's children hold the relay's port too */
	kill_group(pc);
	/* reaped by the SIGCHLD event, which then reports */
}

/* Boards share SIGCHLD; each reaps only its own pid. */
static void sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct power_cmd *pc = arg;
	int status;
	(void)sig;
	(void)what;
	if (pc->pid > 0 && waitpid(pc->pid, &status, WNOHANG) == pc->pid)
		finish(pc, status);
}

/*
 * The program's path, looked up here rather than by posix_spawnp: a
 * program that is not there must be "not started", the same everywhere
 * (under valgrind posix_spawnp cannot report it and the child exits 127).
 */
static int find_program(const char *name, char *out, size_t cap)
{
	if (strchr(name, '/')) {
		snprintf(out, cap, "%s", name);
		return access(name, X_OK) == 0 ? 0 : -errno;
	}
	const char *path = getenv("PATH");
	int rc = -ENOENT;
	for (const char *p = path && *path ? path : "/usr/local/bin:/usr/bin:/bin"; ; p++) {
		size_t n = strcspn(p, ":");
		snprintf(out, cap, "%.*s/%s", (int)n, n ? p : ".", name);
		if (access(out, X_OK) == 0)
			return 0;
		if (errno == EACCES)
			rc = -EACCES;
		p += n;
		if (!*p)
			break;
	}
	return rc;
}

/* Spawns a's command; failures to start are reported as power.error. */
static int start(struct power_cmd *pc, enum action a)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int p[2], rc;
	pid_t pid;

	pc->out_len = 0;
	pc->timed_out = false;
	char program[PATH_MAX];
	if ((rc = find_program(pc->argv[a][0], program, sizeof(program))) < 0)
		goto not_started;
	if (pipe2(p, O_CLOEXEC) < 0) {
		rc = -errno;
		goto not_started;
	}
	/* Only our end: the command's writes may block as usual. */
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawnattr_init(&attr);
	/* Its own group, so a timeout kills what it started; default
	 * signals, whatever this process blocks or ignores. */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGCHLD);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, program, &fa, &attr, pc->argv[a], environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		rc = -rc;
		goto not_started;
	}
	pc->pid = pid;
	pc->fd = p[0];
	pc->running = a;
	clock_gettime(CLOCK_MONOTONIC, &pc->started);
	pc->reader = event_new(pc->base, pc->fd, EV_READ | EV_PERSIST, reader_cb, pc);
	struct timeval tv = { (time_t)pc->timeout_s,
			      (suseconds_t)((pc->timeout_s - (double)(time_t)pc->timeout_s) * 1e6) };
	if (!pc->reader || event_add(pc->reader, NULL) < 0 || evtimer_add(pc->timer, &tv) < 0) {
		/* Unwatched it could hang forever: stop it now. */
		pc->timed_out = true;
		kill_group(pc);
		int status;
		waitpid(pid, &status, 0);
		finish(pc, status);
		return -ENOMEM;
	}
	return 0;

not_started:;
	char status[160];
	snprintf(status, sizeof(status), "not started: %s", strerror(-rc));
	report_error(pc, a == ACT_STATUS ? pc->checking : a, pc->text[a], status);
	return rc;
}

static int request(struct power_cmd *pc, enum action a)
{
	if (!pc)
		return -EINVAL;
	if (pc->running != ACT_NONE) {
		pc->pending = a; /* the latest wish wins */
		return 0;
	}
	return start(pc, a);
}

int power_cmd_on(struct power_cmd *pc)
{
	return request(pc, ACT_ON);
}

int power_cmd_off(struct power_cmd *pc)
{
	return request(pc, ACT_OFF);
}

bool power_cmd_busy(const struct power_cmd *pc)
{
	return pc && (pc->running != ACT_NONE || pc->pending != ACT_NONE);
}

int power_cmd_new(struct event_base *base, struct timeline *tl, const struct lab *lab,
		  const struct lab_board *board, struct power_cmd **ret)
{
	if (!base || !tl || !board || !ret || !board->power_on[0] || !board->power_off[0])
		return -EINVAL;
	struct power_cmd *pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	pc->base = base;
	pc->tl = tl;
	pc->board = board;
	pc->running = pc->pending = ACT_NONE;
	pc->pid = -1;
	pc->fd = -1;
	pc->timeout_s = board->power_timeout_s > 0 ? board->power_timeout_s : LAB_POWER_TIMEOUT_DEFAULT_S;
	int rc = power_cmd_argv(board->power_on, lab, board, &pc->argv[ACT_ON]);
	if (rc == 0)
		rc = power_cmd_argv(board->power_off, lab, board, &pc->argv[ACT_OFF]);
	if (rc == 0 && board->power_status[0])
		rc = power_cmd_argv(board->power_status, lab, board, &pc->argv[ACT_STATUS]);
	if (rc < 0) {
		power_cmd_free(pc);
		return rc;
	}
	join_words(pc->argv[ACT_ON], pc->text[ACT_ON], sizeof(pc->text[ACT_ON]));
	join_words(pc->argv[ACT_OFF], pc->text[ACT_OFF], sizeof(pc->text[ACT_OFF]));
	if (pc->argv[ACT_STATUS])
		join_words(pc->argv[ACT_STATUS], pc->text[ACT_STATUS], sizeof(pc->text[ACT_STATUS]));
	/* Added before any spawn, so no exit can slip by unseen. */
	pc->sigchld = evsignal_new(base, SIGCHLD, sigchld_cb, pc);
	pc->timer = evtimer_new(base, timeout_cb, pc);
	if (!pc->sigchld || !pc->timer || event_add(pc->sigchld, NULL) < 0) {
		power_cmd_free(pc);
		return -ENOMEM;
	}
	*ret = pc;
	return 0;
}

/* Waits here for the running command (and what it queued), each bounded
 * by the timeout, as the loop may not run any more. */
static void finish_sync(struct power_cmd *pc)
{
	while (pc->pid > 0) {
		int status = SIGKILL; /* as if killed, should it outlive the wait */
		pid_t r = waitpid(pc->pid, &status, WNOHANG);
		if (r == pc->pid) {
			finish(pc, status);
			continue;
		}
		if (r < 0 && errno != EINTR) { /* reaped elsewhere: status unknown */
			finish(pc, 0xff00);
			continue;
		}
		if (since(&pc->started) >= pc->timeout_s) {
			pc->timed_out = true;
			kill_group(pc);
			for (int waited = 0; waited < POWER_CMD_REAP_WAIT_MS; waited++) {
				if (waitpid(pc->pid, &status, WNOHANG) == pc->pid)
					break;
				struct timespec tick = { 0, 1000 * 1000 };
				nanosleep(&tick, NULL);
			}
			finish(pc, status);
			continue;
		}
		if (pc->fd >= 0) {
			struct pollfd pfd = { pc->fd, POLLIN, 0 };
			poll(&pfd, 1, 20);
			drain(pc);
		} else {
			struct timespec tick = { 0, 20 * 1000 * 1000 };
			nanosleep(&tick, NULL);
		}
	}
}

void power_cmd_free(struct power_cmd *pc)
{
	if (!pc)
		return;
	if (pc->timer)
		finish_sync(pc);
	reader_close(pc);
	if (pc->sigchld)
		event_free(pc->sigchld);
	if (pc->timer)
		event_free(pc->timer);
	power_cmd_argv_free(pc->argv[ACT_ON]);
	power_cmd_argv_free(pc->argv[ACT_OFF]);
	power_cmd_argv_free(pc->argv[ACT_STATUS]);
	free(pc);
}
