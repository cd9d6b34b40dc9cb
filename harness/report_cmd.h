/*
 * report_cmd.h - `pitest report --artifacts DIR --html OUT [--history DIR]`:
 * the HTML report (reports/html.h) of a finished run's artifacts, and the
 * trends page of a results history, without running anything.
 */
#ifndef PITEST_REPORT_CMD_H
#define PITEST_REPORT_CMD_H

/* argv[0] is "report". Returns the exit status: 0 written, 1 could not write, 2 usage. */
int report_main(int argc, char **argv);

#endif
