/*
 * lab_capture.h - the lab network's packets, per board, as pcapng files.
 *
 * One libpcap live capture of the lab's interface (for a virtual lab, its
 * bridge, in the lab namespace the process lives in), read on the libevent
 * loop. Each frame goes to the file of every board it belongs to, told by
 * MAC: frames from or to the board's MAC, and broadcasts about it (DHCP
 * replies by their client hardware address, ARP by the IPv4 addresses the
 * board used). A board's frames are kept only between lab_capture_begin()
 * and lab_capture_end() (the kernel's timestamps decide), so a file holds
 * one board run; files are written as frames come, nothing piles up.
 */
#ifndef PITEST_LAB_CAPTURE_H
#define PITEST_LAB_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct lab_capture;

/* Snap length: whole frames (a bridge may see 64 KiB TSO frames), so
 * Wireshark can reassemble NFS over TCP. */
#define LAB_CAPTURE_SNAPLEN 262144

/* Capture on iface, read on base. NULL and err (what to do) when it
 * cannot: no such interface, no CAP_NET_RAW, not Ethernet. */
struct lab_capture *lab_capture_open(struct event_base *base, const char *iface, char *err,
				     size_t errcap);
/* Closes every file still open. Accepts NULL. */
void lab_capture_free(struct lab_capture *c);

/* From now on, the frames of board (its mac; ip: its reserved address in
 * network order, or 0) go to path, a new pcapng file. 0 or -errno. */
int lab_capture_begin(struct lab_capture *c, const char *board, const uint8_t mac[6],
		      uint32_t ip, const char *path, char *err, size_t errcap);
/* Frames from now on are no longer the board's (its run is over). */
void lab_capture_end(struct lab_capture *c, const char *board);
/* Reads what the kernel still holds for the board's run, then closes its
 * file. Returns the frames written, or -errno (-ENOENT: never begun). */
long lab_capture_close(struct lab_capture *c, const char *board, char *err, size_t errcap);

#endif
