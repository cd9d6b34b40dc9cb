/*
 * history_cmd.h - `pitest compare BASELINE CURRENT`: two history files (or
 * the newest of a history directory each) compared offline, with the same
 * limits as `pitest run --baseline`.
 */
#ifndef PITEST_HISTORY_CMD_H
#define PITEST_HISTORY_CMD_H

/* argv[0] is "compare". Returns 0 (no phase slower), 1 (slower), 2 (usage, unreadable). */
int history_compare_main(int argc, char **argv);

#endif
