/*
 * pcapng.h - writes packet captures as pcapng (the format Wireshark saves).
 *
 * libpcap 1.10 (Debian 12) writes only the old pcap format, so this small
 * writer makes the three blocks a capture of one Ethernet interface needs:
 * a Section Header Block, one Interface Description Block (linktype
 * EN10MB, if_tsresol 9: nanosecond stamps) and an Enhanced Packet Block per
 * frame. Always little-endian (the byte-order magic says so to readers), so
 * a file is the same bytes on every host.
 */
#ifndef PITEST_PCAPNG_H
#define PITEST_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

#define PCAPNG_LINKTYPE_ETHERNET 1

/* Section Header Block (shb_userappl: application, NULL for none) and the
 * interface's description (if_name: NULL for none). 0 or -EIO. */
int pcapng_write_header(FILE *out, const char *application, const char *if_name,
			uint32_t snaplen);

/* One frame: ts_ns nanoseconds since the epoch, caplen bytes of it kept
 * out of origlen on the wire. 0, -EINVAL (caplen > origlen) or -EIO. */
int pcapng_write_packet(FILE *out, uint64_t ts_ns, const void *frame, uint32_t caplen,
			uint32_t origlen);

#endif
