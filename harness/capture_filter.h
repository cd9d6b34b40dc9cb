/*
 * capture_filter.h - which board a captured frame belongs to.
 *
 * One capture of the lab interface is split into a file per board; these
 * rules pick a board's frames from it. Pure: frames in, answers out (the
 * pcap and file handling is lab_capture.c's).
 */
#ifndef PITEST_CAPTURE_FILTER_H
#define PITEST_CAPTURE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Whether a frame belongs to the board with this mac and IPv4 address
 * (network order; 0: none known yet): from or to its MAC, or a broadcast
 * about it (a DHCP reply for its hardware address, an ARP naming its
 * address, IPv4 to its address). One 802.1Q tag is looked through.
 */
bool capture_frame_is_boards(const uint8_t *frame, size_t len, const uint8_t mac[6], uint32_t ip);

/* The IPv4 source of a frame the board sent (network order), or 0: later
 * ARP broadcasts name the board by it. */
uint32_t capture_frame_board_ip(const uint8_t *frame, size_t len, const uint8_t mac[6]);

#endif
