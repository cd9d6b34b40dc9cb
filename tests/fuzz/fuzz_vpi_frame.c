/*
 * fuzz_vpi_frame.c - what the virtual board does with a received frame:
 * parse (both checksum modes), and for DHCP replies parse the message,
 * judge it with every model's rules and render the Pi 4 console dump.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fixtures/vpi/vpi_dhcp.h"
#include "fixtures/vpi/vpi_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *ctx, const char *line)
{
	size_t *total = ctx;
	*total += strlen(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpi_frame f;
	(void)vpi_frame_parse(data, size, true, &f);
	if (vpi_frame_parse(data, size, false, &f) < 0 || f.kind != VPI_FRAME_UDP)
		return 0;
	if (f.payload_off + f.payload_len > size)
		__builtin_trap();
	static struct dhcp_msg msg;
	if (dhcp_wire_parse(data + f.payload_off, f.payload_len, &msg) < 0)
		return 0;
	struct vpi_identity id;
	memcpy(id.mac, msg.chaddr, 6); /* so the judge looks further than the MAC */
	id.serial = 0x12345678;
	size_t total = 0;
	for (size_t i = 0; i < vpi_model_count(); i++) {
		struct vpi_reply r;
		(void)vpi_dhcp_judge(vpi_model_at(i), &id, msg.xid, NULL, &msg, f.src_ip, &r);
	}
	vpi_dhcp_dump(&msg, f.src_mac, f.src_ip, DHCPOFFER, true, sink, &total);
	vpi_dhcp_dump(&msg, f.src_mac, f.src_ip, DHCPACK, false, sink, &total);
	return 0;
}
