/*
 * lab_check_cmd.h - `pitest lab check --lab FILE [--board NAME]...`: the
 * command line of the wiring check (lab_check.h does the checking).
 */
#ifndef PITEST_LAB_CHECK_CMD_H
#define PITEST_LAB_CHECK_CMD_H

/* argv[0] is "lab". Returns the exit status: 0 all wired, 1 not, 2 usage. */
int lab_check_main(int argc, char **argv);

#endif
