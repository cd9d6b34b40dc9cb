/*
 * fuzz_frame_wire.c - the link-layer frame codec under every way of
 * reading a frame: whatever it says it found must lie inside the input.
 */
#include <stddef.h>
#include <stdint.h>

#include "servers/frame_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void within(const uint8_t *data, size_t size, const uint8_t *p, size_t n)
{
	if (p && (p < data || (size_t)(p - data) + n > size))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (unsigned flags = 0; flags < 16; flags++) {
		struct frame_view v;
		int r = frame_wire_parse(data, size, flags, &v);
		within(data, size, v.dst_mac, 6);
		within(data, size, v.src_mac, 6);
		if (r == 0 && !v.has_udp && !v.has_arp)
			__builtin_trap();
		if (v.has_udp) {
			if (v.payload_off + v.payload_len > size)
				__builtin_trap();
			/* a reported checksum failure must not pass when asked for */
			if ((flags & FRAME_WIRE_UDP_CSUM) && v.udp_checksum != 0 &&
			    frame_wire_udp_checksum(v.src_ip, v.dst_ip, data + v.payload_off - FRAME_UDP_HLEN,
						    v.payload_len + FRAME_UDP_HLEN) != 0)
				__builtin_trap();
		}
		if (v.has_arp) {
			within(data, size, v.arp_sha, 6);
			within(data, size, v.arp_tha, 6);
		}
	}
	return 0;
}
