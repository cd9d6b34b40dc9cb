/*
 * html_fixture.h - a small synthetic artifacts tree and history directory
 * for the HTML report's tests (test_html and the headless-browser test,
 * which gets it from `test_html --fixture DIR`).
 *
 *   DIR/art/power-on-to-login/pi4-01   passed: full boot, two DHCP exchanges,
 *                                      four TFTP files, NFS mount and calls,
 *                                      every console milestone
 *   DIR/art/power-on-to-login/pi4-02   failed: a fault.applied drops start4.elf's
 *                                      data and its transfer ends in tftp.error
 *   DIR/art/dhcp only#2/pi4-01         passed, repetition 2, console.log only
 *   DIR/art/tftp-burst/pi4-01          passed: 60 s, its TFTP all within 0.5 s
 *   DIR/history/                       three nightly runs, the last one slower
 */
#ifndef PITEST_TEST_HTML_FIXTURE_H
#define PITEST_TEST_HTML_FIXTURE_H

/* 0, or -1 with errno set. */
int html_fixture_write(const char *dir);

#endif
