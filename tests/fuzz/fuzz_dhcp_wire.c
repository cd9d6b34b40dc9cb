/*
 * fuzz_dhcp_wire.c - parse arbitrary bytes; whatever parses must build,
 * and the built bytes must parse again to the same options.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "servers/dhcp_pxe.h"
#include "servers/dhcp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m, back;
	static uint8_t out[4096];
	if (dhcp_wire_parse(data, size, &m) < 0)
		return 0;
	int n = dhcp_wire_build(&m, out, sizeof(out), DHCP_BOOTP_MIN_LEN);
	if (n < 0)
		return 0; /* concatenated options can outgrow one datagram */
	if (dhcp_wire_parse(out, (size_t)n, &back) != 0)
		abort();
	if (m.has_cookie) {
		if (back.n_options != m.n_options || back.xid != m.xid)
			abort();
		for (size_t i = 0; i < m.n_options; i++) {
			size_t a, b;
			const uint8_t *pa = dhcp_msg_get_option(&m, m.options[i].code, &a);
			const uint8_t *pb = dhcp_msg_get_option(&back, m.options[i].code, &b);
			if (!pa || !pb || a != b || memcmp(pa, pb, a) != 0)
				abort();
		}
	}
	size_t len;
	const uint8_t *o43 = dhcp_msg_get_option(&m, DHCP_OPT_VENDOR_SPECIFIC, &len);
	if (o43) {
		char text[256];
		(void)dhcp_pxe_menu_text(o43, len, text, sizeof(text));
		(void)dhcp_pxe_contains(o43, len, PXE_DEFAULT_MENU);
	}
	/* edits on a parsed message keep it buildable */
	(void)dhcp_msg_set_option(&m, DHCP_OPT_MESSAGE, "x", 1);
	(void)dhcp_msg_remove_option(&m, DHCP_OPT_PARAM_REQUEST);
	(void)dhcp_wire_build(&m, out, sizeof(out), 0);
	return 0;
}
