/*
 * dhcp_pxe.h - PXE vendor option 43 as Raspberry Pi boot code reads it.
 *
 * Encoding follows dnsmasq's pxe_opts() for `pxe-service=0,"TEXT"`:
 * sub-option 6 (discovery control = 3), 10 (menu prompt: timeout 0 + "PXE"),
 * 9 (boot menu: type 0, length, TEXT), 255. For "Raspberry Pi Boot" that is
 * the 32 bytes 06 01 03 0a 04 00 50 58 45 09 14 00 00 11 "Raspberry Pi Boot" ff
 * (pi-netboot.md 2.3). The Pi 3B ROM needs TEXT followed by three spaces.
 */
#ifndef PITEST_DHCP_PXE_H
#define PITEST_DHCP_PXE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PXE_DEFAULT_MENU "Raspberry Pi Boot"

/* Builds option 43's data for one menu item. Returns length or -ENOSPC/-EINVAL. */
int dhcp_pxe_build_menu(const char *menu_text, uint8_t *buf, size_t cap);

/*
 * The menu text of sub-option 9's first item if option 43 is PXE
 * encapsulated, copied NUL-terminated into `out`. Returns 0, -ENOENT when no
 * sub-option 9 is found, -EBADMSG when malformed.
 */
int dhcp_pxe_menu_text(const uint8_t *opt43, size_t len, char *out, size_t cap);

/* True if `needle` occurs anywhere in the option's bytes (how boot code matches). */
bool dhcp_pxe_contains(const uint8_t *opt43, size_t len, const char *needle);

/*
 * Is the client a Raspberry Pi? x86 BIOS and iPXE send the same vendor
 * class ("PXEClient:Arch:00000:...") and option 93 = 0 as a Pi, so only the
 * MAC's OUI and the form of option 97 tell them apart (pi-netboot.md 1, 2.1).
 */
bool dhcp_pxe_pi_mac(const uint8_t mac[6]);
/* Option 97 as Pi boot code sends it: 00 + 16 x 0x44 (3B ROM), 00 + the
 * serial 4 times (3B+, bootcode.bin, DHCP_OPTION97=0), 00 + "RPi4"/"RPi5"... */
bool dhcp_pxe_pi_guid(const uint8_t *guid, size_t len);

#endif
