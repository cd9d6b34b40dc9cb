/*
 * dhcp_pxe.c - PXE vendor option 43 (PXE spec 2.1 "vendor options") for
 * Raspberry Pi boot code, encoded the way dnsmasq's pxe_opts() does for a
 * single `pxe-service=0,"TEXT"` (pi-netboot.md 2.3).
 */
#include "servers/dhcp_pxe.h"

#include <errno.h>
#include <string.h>

enum {
	PXE_DISCOVERY_CONTROL = 6,
	PXE_BOOT_MENU = 9,
	PXE_MENU_PROMPT = 10,
	PXE_END = 255,
	PXE_PAD = 0,
};

int dhcp_pxe_build_menu(const char *menu_text, uint8_t *buf, size_t cap)
{
	if (!menu_text)
		return -EINVAL;
	size_t tlen = strlen(menu_text);
	/* Sub-option 9's length byte covers type (2) + length (1) + text. */
	if (tlen > 255 - 3)
		return -EINVAL;
	size_t total = 3 + 6 + 2 + 3 + tlen + 1;
	if (cap < total)
		return -ENOSPC;
	uint8_t *p = buf;
	/* 6: discovery control 3 = no multicast/broadcast discovery, use this offer. */
	*p++ = PXE_DISCOVERY_CONTROL;
	*p++ = 1;
	*p++ = 3;
	/* 10: menu prompt, timeout 0 (one item: boot it at once) + "PXE". */
	*p++ = PXE_MENU_PROMPT;
	*p++ = 4;
	*p++ = 0;
	memcpy(p, "PXE", 3);
	p += 3;
	/* 9: one menu item, boot server type 0 ("local"), text. */
	*p++ = PXE_BOOT_MENU;
	*p++ = (uint8_t)(tlen + 3);
	*p++ = 0;
	*p++ = 0;
	*p++ = (uint8_t)tlen;
	memcpy(p, menu_text, tlen);
	p += tlen;
	*p++ = PXE_END;
	return (int)(p - buf);
}

int dhcp_pxe_menu_text(const uint8_t *opt43, size_t len, char *out, size_t cap)
{
	if (!opt43 || !out || cap == 0)
		return -EINVAL;
	const uint8_t *p = opt43, *end = opt43 + len;
	while (p < end) {
		uint8_t code = *p++;
		if (code == PXE_PAD)
			continue;
		if (code == PXE_END)
			break;
		if (p >= end)
			return -EBADMSG;
		uint8_t slen = *p++;
		if ((size_t)(end - p) < slen)
			return -EBADMSG;
		if (code == PXE_BOOT_MENU) {
			/* item: type (2 bytes), text length (1), text */
			if (slen < 3 || (size_t)p[2] > (size_t)slen - 3)
				return -EBADMSG;
			size_t tlen = p[2];
			if (tlen >= cap)
				return -ENOSPC;
			memcpy(out, p + 3, tlen);
			out[tlen] = '\0';
			return 0;
		}
		p += slen;
	}
	return -ENOENT;
}

bool dhcp_pxe_contains(const uint8_t *opt43, size_t len, const char *needle)
{
	if (!opt43 || !needle)
		return false;
	size_t nlen = strlen(needle);
	if (nlen == 0)
		return true;
	return memmem(opt43, len, needle, nlen) != NULL;
}

/*
 * Raspberry Pi OUIs: b8:27:eb (Pi 1-3), dc:a6:32, e4:5f:01, d8:3a:dd (Pi 4,
 * CM4, Pi 5) and 2c:cf:67 (Pi 5) from pi-netboot.md 1; 28:cd:c1 is also
 * registered to Raspberry Pi Trading (IEEE list; not seen in a boot log).
 */
static const uint8_t pi_ouis[][3] = {
	{ 0xb8, 0x27, 0xeb }, { 0xdc, 0xa6, 0x32 }, { 0xe4, 0x5f, 0x01 },
	{ 0x28, 0xcd, 0xc1 }, { 0xd8, 0x3a, 0xdd }, { 0x2c, 0xcf, 0x67 },
};

bool dhcp_pxe_pi_mac(const uint8_t mac[6])
{
	if (!mac)
		return false;
	for (size_t i = 0; i < sizeof(pi_ouis) / sizeof(pi_ouis[0]); i++) {
		if (memcmp(mac, pi_ouis[i], 3) == 0)
			return true;
	}
	return false;
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

bool dhcp_pxe_pi_guid(const uint8_t *guid, size_t len)
{
	if (!guid || len != 17 || guid[0] != 0)
		return false;
	const uint8_t *g = guid + 1;
	/* Pi 4/5 default: FourCC 'R','P','i',N; one CM4 log shows it reversed. */
	if ((memcmp(g, "RPi", 3) == 0 && is_digit(g[3])) ||
	    (is_digit(g[0]) && memcmp(g + 1, "iPR", 3) == 0))
		return true;
	/* 3B ROM: 16 x 0x44; 3B+/bootcode.bin: the serial's 4 bytes 4 times. An
	 * all-zero or all-ones GUID (some PCs) is not a serial. */
	if (memcmp(g, g + 4, 4) != 0 || memcmp(g, g + 8, 4) != 0 || memcmp(g, g + 12, 4) != 0)
		return false;
	static const uint8_t zero[4], ones[4] = { 0xff, 0xff, 0xff, 0xff };
	return memcmp(g, zero, 4) != 0 && memcmp(g, ones, 4) != 0;
}
