/*
 * cli.h - the command line: `pitest [run] --suite S`, `pitest serve`, `pitest vpi`,
 * `pitest mktree DIR`, `pitest mkroot DIR`.
 */
#ifndef PITEST_CLI_H
#define PITEST_CLI_H

/* Parses argv and runs the command. Returns the process exit status. */
int cli_main(int argc, char **argv);

#endif
