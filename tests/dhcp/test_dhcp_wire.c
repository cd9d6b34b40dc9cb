/*
 * test_dhcp_wire.c - DHCP codec and PXE option 43 against wire vectors
 * from pi-netboot.md 2.1 and 2.3.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "servers/dhcp_pxe.h"
#include "servers/dhcp_wire.h"
#include "tests/dhcp/dhcp_vectors.h"

static const uint8_t mac3b[6] = { 0xb8, 0x27, 0xeb, 0x64, 0x24, 0x7d };
static const uint8_t mac4[6] = { 0xdc, 0xa6, 0x32, 0x01, 0x36, 0xc2 };

static void assert_codes(const struct dhcp_msg *m, const uint8_t *codes, size_t n)
{
	assert_int_equal(m->n_options, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(m->options[i].code, codes[i]);
}

static void test_pi3b_rom_discover(void **state)
{
	(void)state;
	struct vec v;
	struct dhcp_msg m;
	vec_pi3b_discover(&v, mac3b);
	assert_int_equal(v.len, 320);
	assert_int_equal(dhcp_wire_parse(v.b, v.len, &m), 0);
	assert_int_equal(m.op, BOOTREQUEST);
	assert_int_equal(m.htype, 1);
	assert_int_equal(m.hlen, 6);
	assert_int_equal(m.hops, 0);
	assert_int_equal(m.xid, 0x26f30339u);
	assert_int_equal(m.flags, 0);
	assert_int_equal(m.ciaddr, 0);
	assert_memory_equal(m.chaddr, mac3b, 6);
	assert_true(m.has_cookie);
	assert_int_equal(m.type, DHCPDISCOVER);
	static const uint8_t order[] = { 53, 55, 93, 94, 97, 60 };
	assert_codes(&m, order, sizeof(order));
	size_t len;
	const uint8_t *p = dhcp_msg_get_option(&m, 55, &len);
	assert_non_null(p);
	assert_int_equal(len, 12);
	assert_memory_equal(p, pi3b_prl, 12);
	p = dhcp_msg_get_option(&m, 97, &len);
	assert_int_equal(len, 17);
	assert_int_equal(p[0], 0);
	for (int i = 1; i < 17; i++)
		assert_int_equal(p[i], 0x44);
	p = dhcp_msg_get_option(&m, 60, &len);
	assert_int_equal(len, 32);
	assert_memory_equal(p, PI_VENDOR_CLASS, 32);
	p = dhcp_msg_get_option(&m, 94, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "\x01\x02\x01", 3);
	assert_string_equal(dhcp_type_name(m.type), "DISCOVER");
	assert_string_equal(dhcp_type_event(m.type), "discover");

	/* Round trip without padding gives the same 320 bytes back. */
	uint8_t out[1500];
	assert_int_equal(dhcp_wire_build(&m, out, sizeof(out), 0), 320);
	assert_memory_equal(out, v.b, 320);
	/* With the BOOTP minimum, 300 < 320 changes nothing. */
	assert_int_equal(dhcp_wire_build(&m, out, sizeof(out), DHCP_BOOTP_MIN_LEN), 320);
}

static void test_pi4_discover(void **state)
{
	(void)state;
	struct vec v;
	struct dhcp_msg m;
	vec_pi4(&v, DHCPDISCOVER, 0xd383a6ac, mac4, 0, 0);
	assert_int_equal(v.len, 322);
	assert_int_equal(dhcp_wire_parse(v.b, v.len, &m), 0);
	assert_int_equal(m.xid, 0xd383a6acu);
	static const uint8_t order[] = { 53, 55, 60, 93, 94, 97 };
	assert_codes(&m, order, sizeof(order));
	size_t len;
	const uint8_t *p = dhcp_msg_get_option(&m, 97, &len);
	assert_int_equal(len, 17);
	assert_memory_equal(p + 1, "RPi4", 4);
	uint8_t out[1500];
	assert_int_equal(dhcp_wire_build(&m, out, sizeof(out), 0), 322);
	assert_memory_equal(out, v.b, 322);
}

static void test_build_pad_and_split(void **state)
{
	(void)state;
	struct dhcp_msg m, back;
	uint8_t big[600], out[1500];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	dhcp_msg_init(&m, BOOTREPLY, DHCPOFFER, 42);
	assert_int_equal(m.type, DHCPOFFER);
	assert_int_equal(dhcp_msg_set_u32(&m, DHCP_OPT_LEASE_TIME, 3600), 0);
	int n = dhcp_wire_build(&m, out, sizeof(out), DHCP_BOOTP_MIN_LEN);
	assert_int_equal(n, 300);
	assert_int_equal(out[240], 53);
	assert_int_equal(out[249], 255); /* 240 + 3 + 6 */
	assert_int_equal(out[299], 0);

	/* 600 bytes go out as 255 + 255 + 90 and come back as one option. */
	assert_int_equal(dhcp_msg_set_option(&m, 43, big, sizeof(big)), 0);
	n = dhcp_wire_build(&m, out, sizeof(out), 0);
	assert_int_equal(n, 240 + 3 + 6 + 3 * 2 + 600 + 1);
	assert_int_equal(out[249], 43);
	assert_int_equal(out[250], 255);
	assert_int_equal(dhcp_wire_parse(out, (size_t)n, &back), 0);
	size_t len;
	const uint8_t *p = dhcp_msg_get_option(&back, 43, &len);
	assert_int_equal(len, 600);
	assert_memory_equal(p, big, 600);
	uint32_t lease;
	assert_int_equal(dhcp_msg_get_u32(&back, 51, &lease), 0);
	assert_int_equal(lease, 3600);

	assert_int_equal(dhcp_wire_build(&m, out, 300, 0), -ENOSPC);
	assert_int_equal(dhcp_wire_build(&m, out, 100, 0), -ENOSPC);
}

static void test_split_and_overload_parse(void **state)
{
	(void)state;
	struct vec v;
	struct dhcp_msg m;
	vec_header(&v, 1, 7, mac4);
	vec_u8(&v, 53, DHCPDISCOVER);
	vec_opt(&v, 12, "pi", 2);
	vec_u8(&v, 52, 3);           /* options also in file, then sname */
	vec_opt(&v, 12, "te", 2);
	vec_end(&v);
	/* file area (108..235): rest of the host name and 60 */
	uint8_t *f = v.b + 108;
	f[0] = 12; f[1] = 2; f[2] = 's'; f[3] = 't';
	f[4] = 60; f[5] = 3; memcpy(f + 6, "abc", 3);
	f[9] = 255;
	/* sname area (44..107): option 66, no END (the area simply ends) */
	uint8_t *s = v.b + 44;
	s[0] = 66; s[1] = 3; memcpy(s + 2, "srv", 3);
	memset(s + 5, 0, 59);
	assert_int_equal(dhcp_wire_parse(v.b, v.len, &m), 0);
	size_t len;
	const uint8_t *p = dhcp_msg_get_option(&m, 12, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(p, "pitest", 6);
	p = dhcp_msg_get_option(&m, 60, &len);
	assert_int_equal(len, 3);
	p = dhcp_msg_get_option(&m, 66, &len);
	assert_non_null(p);
	assert_memory_equal(p, "srv", 3);
	static const uint8_t order[] = { 53, 12, 52, 60, 66 };
	assert_codes(&m, order, sizeof(order));
	/* the overloaded areas are not also kept as names */
	assert_int_equal(m.file[0], 0);
	assert_int_equal(m.sname[0], 0);
	/* a second option 52 is malformed (RFC 3396: never split) */
	vec_header(&v, 1, 7, mac4);
	vec_u8(&v, 52, 1);
	vec_u8(&v, 52, 3);
	vec_end(&v);
	assert_int_equal(dhcp_wire_parse(v.b, v.len, &m), -EBADMSG);
}

static void test_bootp_without_cookie(void **state)
{
	(void)state;
	uint8_t b[300] = { 1, 1, 6, 0, 0, 0, 0, 9 };
	struct dhcp_msg m;
	assert_int_equal(dhcp_wire_parse(b, sizeof(b), &m), 0);
	assert_false(m.has_cookie);
	assert_int_equal(m.type, DHCP_NONE);
	assert_int_equal(m.n_options, 0);
	assert_int_equal(m.xid, 9);
	assert_string_equal(dhcp_type_name(m.type), "BOOTP");
	/* Exactly the header, no vendor area at all. */
	assert_int_equal(dhcp_wire_parse(b, 236, &m), 0);
	uint8_t out[400];
	assert_int_equal(dhcp_wire_build(&m, out, sizeof(out), 300), 300);
	assert_memory_equal(out, b, 236);
}

static void test_malformed(void **state)
{
	(void)state;
	struct vec v;
	struct dhcp_msg m;
	m.xid = 0x5a5a5a5a;
	vec_pi3b_discover(&v, mac3b);
	assert_int_equal(dhcp_wire_parse(v.b, 235, &m), -EBADMSG);
	assert_int_equal(dhcp_wire_parse(NULL, 0, &m), -EBADMSG);
	/* option 60 runs past the end */
	assert_int_equal(dhcp_wire_parse(v.b, v.len - 5, &m), -EBADMSG);
	/* length byte missing */
	struct vec w;
	vec_header(&w, 1, 1, mac3b);
	w.b[w.len++] = 60;
	assert_int_equal(dhcp_wire_parse(w.b, w.len, &m), -EBADMSG);
	/* hlen 17 */
	vec_pi3b_discover(&v, mac3b);
	v.b[2] = 17;
	assert_int_equal(dhcp_wire_parse(v.b, v.len, &m), -EBADMSG);
	/* 53 of length 2, or an unknown type */
	vec_header(&w, 1, 1, mac3b);
	vec_opt(&w, 53, "\x01\x01", 2);
	vec_end(&w);
	assert_int_equal(dhcp_wire_parse(w.b, w.len, &m), -EBADMSG);
	vec_header(&w, 1, 1, mac3b);
	vec_u8(&w, 53, 99);
	vec_end(&w);
	assert_int_equal(dhcp_wire_parse(w.b, w.len, &m), -EBADMSG);
	/* overload value 4 */
	vec_header(&w, 1, 1, mac3b);
	vec_u8(&w, 52, 4);
	vec_end(&w);
	assert_int_equal(dhcp_wire_parse(w.b, w.len, &m), -EBADMSG);
	/* more distinct options than the struct holds */
	vec_header(&w, 1, 1, mac3b);
	for (int c = 1; c <= DHCP_MAX_OPTIONS + 1; c++)
		w.b[w.len++] = (uint8_t)c, w.b[w.len++] = 0;
	vec_end(&w);
	assert_int_equal(dhcp_wire_parse(w.b, w.len, &m), -EBADMSG);
	/* failed parses leave the output alone */
	assert_int_equal(m.xid, 0x5a5a5a5a);
	/* but no END at all is fine */
	vec_header(&w, 1, 1, mac3b);
	vec_u8(&w, 53, 3);
	assert_int_equal(dhcp_wire_parse(w.b, w.len, &m), 0);
	assert_int_equal(m.type, DHCPREQUEST);
}

static void test_option_edit(void **state)
{
	(void)state;
	struct dhcp_msg m;
	uint8_t u8;
	uint32_t u32, addr;
	dhcp_msg_init(&m, BOOTREPLY, DHCPACK, 1);
	assert_int_equal(dhcp_msg_set_addr(&m, 54, htonl(0xc0a80101)), 0);
	assert_int_equal(dhcp_msg_set_option(&m, 56, "hello", 5), 0);
	assert_int_equal(dhcp_msg_set_u8(&m, 53, DHCPNAK), 0);
	assert_int_equal(m.type, DHCPNAK);
	assert_int_equal(m.n_options, 3);
	assert_int_equal(m.options[0].code, 53); /* replaced in place */
	assert_int_equal(dhcp_msg_get_u8(&m, 53, &u8), 0);
	assert_int_equal(u8, DHCPNAK);
	assert_int_equal(dhcp_msg_get_addr(&m, 54, &addr), 0);
	assert_int_equal(addr, htonl(0xc0a80101));
	assert_int_equal(dhcp_msg_get_u32(&m, 56, &u32), -EBADMSG);
	assert_int_equal(dhcp_msg_get_u32(&m, 51, &u32), -ENOENT);
	assert_int_equal(dhcp_msg_get_u8(&m, 54, &u8), -EBADMSG);
	/* Many replacements with a changing length must not run out of space. */
	char text[200];
	memset(text, 'x', sizeof(text));
	for (int i = 0; i < 500; i++)
		assert_int_equal(dhcp_msg_set_option(&m, 56, text, (size_t)(i % 200) + 1), 0);
	size_t len;
	assert_non_null(dhcp_msg_get_option(&m, 56, &len));
	assert_int_equal(len, 500 % 200);
	assert_int_equal(m.options[2].code, 56);
	assert_true(dhcp_msg_remove_option(&m, 54));
	assert_false(dhcp_msg_remove_option(&m, 54));
	assert_false(dhcp_msg_has_option(&m, 54));
	assert_int_equal(m.n_options, 2);
	assert_int_equal(dhcp_msg_set_option(&m, 0, "x", 1), -EINVAL);
	assert_int_equal(dhcp_msg_set_option(&m, 255, "x", 1), -EINVAL);
	/* Fill the option space, then fail cleanly. */
	static uint8_t junk[DHCP_OPTION_SPACE];
	assert_int_equal(dhcp_msg_set_option(&m, 200, junk, DHCP_OPTION_SPACE - 300), 0);
	assert_int_equal(dhcp_msg_set_option(&m, 201, junk, 400), -ENOSPC);
	/* zero-length options survive a round trip */
	uint8_t out[1500];
	struct dhcp_msg back;
	dhcp_msg_init(&m, BOOTREPLY, DHCPACK, 1);
	assert_int_equal(dhcp_msg_set_option(&m, 80, NULL, 0), 0);
	int n = dhcp_wire_build(&m, out, sizeof(out), 0);
	assert_true(n > 0);
	assert_int_equal(dhcp_wire_parse(out, (size_t)n, &back), 0);
	assert_true(dhcp_msg_has_option(&back, 80));
}

static void test_mac(void **state)
{
	(void)state;
	char s[18];
	uint8_t mac[6];
	dhcp_format_mac(mac3b, s);
	assert_string_equal(s, "b8:27:eb:64:24:7d");
	assert_int_equal(dhcp_parse_mac("DC-A6-32-01-36-c2", mac), 0);
	assert_memory_equal(mac, mac4, 6);
	assert_int_equal(dhcp_parse_mac("dc:a6:32:01:36", mac), -EINVAL);
	assert_int_equal(dhcp_parse_mac("dc:a6:32:01:36:c2:", mac), -EINVAL);
	assert_int_equal(dhcp_parse_mac("dc:a6:32:01:36:g2", mac), -EINVAL);
	assert_int_equal(dhcp_parse_mac("", mac), -EINVAL);
}

static void hex_to_bytes(const char *hex, uint8_t *out, size_t *ret_len)
{
	size_t n = 0;
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned x;
		sscanf(hex, "%2x", &x);
		out[n++] = (uint8_t)x;
	}
	*ret_len = n;
}

static void test_pxe_menu(void **state)
{
	(void)state;
	uint8_t want[64], got[64];
	size_t wlen;
	hex_to_bytes("0601030a0400505845091400001152617370626572727920506920426f6f74ff", want, &wlen);
	assert_int_equal(wlen, 32);
	assert_int_equal(dhcp_pxe_build_menu(PXE_DEFAULT_MENU, got, sizeof(got)), 32);
	assert_memory_equal(got, want, 32);

	int n = dhcp_pxe_build_menu("Raspberry Pi Boot   ", got, sizeof(got));
	assert_int_equal(n, 35);
	assert_memory_equal(got, "\x06\x01\x03\x0a\x04\x00PXE\x09\x17\x00\x00\x14", 14);
	assert_memory_equal(got + 14, "Raspberry Pi Boot   ", 20);
	assert_int_equal(got[34], 0xff);

	char text[64];
	assert_int_equal(dhcp_pxe_menu_text(got, (size_t)n, text, sizeof(text)), 0);
	assert_string_equal(text, "Raspberry Pi Boot   ");
	assert_true(dhcp_pxe_contains(got, (size_t)n, "Raspberry Pi Boot"));
	assert_false(dhcp_pxe_contains(got, (size_t)n, "Raspberry Pi Boop"));
	assert_int_equal(dhcp_pxe_menu_text(got, (size_t)n, text, 10), -ENOSPC);

	assert_int_equal(dhcp_pxe_build_menu(PXE_DEFAULT_MENU, got, 31), -ENOSPC);
	char lng[300];
	memset(lng, 'a', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	assert_int_equal(dhcp_pxe_build_menu(lng, got, sizeof(got)), -EINVAL);
	assert_int_equal(dhcp_pxe_build_menu(NULL, got, sizeof(got)), -EINVAL);

	/* only sub-option 9, as some servers send (pi-netboot.md 2.2) */
	assert_int_equal(dhcp_pxe_menu_text((const uint8_t *)"\x09\x06\x00\x00\x03" "abc", 8, text,
					    sizeof(text)), 0);
	assert_string_equal(text, "abc");
	/* no sub-option 9 */
	assert_int_equal(dhcp_pxe_menu_text(want, 9, text, sizeof(text)), -ENOENT);
	/* raw string in option 43: not encapsulated -> malformed, yet "contains" */
	const char *raw = "Raspberry Pi Boot";
	assert_int_equal(dhcp_pxe_menu_text((const uint8_t *)raw, strlen(raw), text, sizeof(text)),
			 -EBADMSG);
	assert_true(dhcp_pxe_contains((const uint8_t *)raw, strlen(raw), "Raspberry Pi Boot"));
	/* item text longer than the sub-option */
	assert_int_equal(dhcp_pxe_menu_text((const uint8_t *)"\x09\x04\x00\x00\x09" "a", 6, text,
					    sizeof(text)), -EBADMSG);
	/* truncated sub-option */
	assert_int_equal(dhcp_pxe_menu_text(want, 20, text, sizeof(text)), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pi3b_rom_discover),
		cmocka_unit_test(test_pi4_discover),
		cmocka_unit_test(test_build_pad_and_split),
		cmocka_unit_test(test_split_and_overload_parse),
		cmocka_unit_test(test_bootp_without_cookie),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_option_edit),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_pxe_menu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
