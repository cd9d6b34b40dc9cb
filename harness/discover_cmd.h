/*
 * discover_cmd.h - `pitest discover --iface IF`: listens (never answers)
 * for Raspberry Pi netboot DHCP packets on IF and prints each board seen
 * and a lab-file stanza for it (discover.h does the deciding).
 */
#ifndef PITEST_DISCOVER_CMD_H
#define PITEST_DISCOVER_CMD_H

/* argv[0] is "discover". Returns the exit status: 0, 1 (cannot capture), 2 (usage). */
int discover_main(int argc, char **argv);

#endif
