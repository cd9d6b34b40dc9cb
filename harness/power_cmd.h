/*
 * power_cmd.h - power "command": a board's relay is an external program
 * (usbrelay, pdudaemon's client, snmpset for a PoE port, uhubctl).
 *
 * A command line is split into words here, the shell's way for quotes
 * ('...' literal, "..." with \" and \\, \ outside quotes) but with no
 * shell behind it: no variables, globs, pipes or redirections. Then the
 * placeholders {board.name} {board.mac} {board.serial} {board.ip}
 * {board.model} are replaced inside each word, so a value can never become
 * a second word or shell syntax. The program is found on PATH.
 *
 * Commands run without blocking the event loop, one at a time per board
 * (a request while one runs waits for it), in their own process group
 * with stdin from /dev/null and stdout+stderr captured. Exit 0 is
 * success: then "power.on" or "power.off" {backend: command}. Anything
 * else is "power.error" {action, command, status, output}, status being
 * the exit code, "signal N", "timeout" (the group was killed after the
 * board's power_timeout) or "not started: REASON".
 *
 * With a power_status command, a switch is read back before it is
 * reported: the status command runs after each on/off that exited 0, and
 * must exit 0 (on) or 1 (off) to match, giving "power.on"/"power.off"
 * {backend: command, status: confirmed}; else "power.error" for the
 * action, with the status command and "reads off after on" (or its exit).
 */
#ifndef PITEST_POWER_CMD_H
#define PITEST_POWER_CMD_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct timeline;
struct lab;
struct lab_board;
struct power_cmd;

/*
 * Checks a command line as the lab loader sees it: splits, quotes closed,
 * at least one word, placeholders known and with a value for this board.
 * 0, or -EINVAL and the reason in why.
 */
int power_cmd_check(const char *cmdline, const struct lab_board *board, char *why, size_t cap);

/* Words of the expanded command line; free with power_cmd_argv_free. */
int power_cmd_argv(const char *cmdline, const struct lab *lab, const struct lab_board *board,
		   char ***ret_argv);
void power_cmd_argv_free(char **argv);

/* Uses board->power_on, power_off and power_timeout_s. -EINVAL, -ENOMEM. */
int power_cmd_new(struct event_base *base, struct timeline *tl, const struct lab *lab,
		  const struct lab_board *board, struct power_cmd **ret);
/* Starts the command (or queues it behind the running one). 0 or -errno. */
int power_cmd_on(struct power_cmd *pc);
int power_cmd_off(struct power_cmd *pc);
/* True while a command runs or waits. */
bool power_cmd_busy(const struct power_cmd *pc);
/*
 * Finishes what was asked, waiting for it here (each command at most its
 * timeout): a relay left on by a half-run "off" would keep the board
 * powered after pitest is gone. Then frees. Accepts NULL.
 */
void power_cmd_free(struct power_cmd *pc);

#endif
