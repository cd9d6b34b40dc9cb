/*
 * dhcp_wire.h - pure DHCP/BOOTP message codec (RFC 2131, RFC 2132).
 *
 * Parse turns bytes into a self-contained struct (no pointers into the
 * input); build turns the struct into bytes. No sockets, clocks or globals,
 * so unit tests and fuzzers call exactly what the servers and the virtual
 * board call. Addresses are uint32_t in network byte order (as s_addr).
 */
#ifndef PITEST_DHCP_WIRE_H
#define PITEST_DHCP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_MAGIC_COOKIE 0x63825363u
#define DHCP_FIXED_LEN 236          /* BOOTP header up to (not incl.) the cookie */
#define DHCP_MIN_LEN (DHCP_FIXED_LEN + 4)
#define DHCP_MAX_OPTIONS 96
#define DHCP_OPTION_SPACE 1500       /* bytes of option data kept per message */
#define DHCP_BOOTP_MIN_LEN 300       /* RFC 1542 minimum BOOTP message */

enum {
	BOOTREQUEST = 1,
	BOOTREPLY = 2,
};

enum dhcp_type {
	DHCP_NONE = 0, /* plain BOOTP (no option 53) */
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

enum dhcp_option_code {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_BROADCAST = 28,
	DHCP_OPT_VENDOR_SPECIFIC = 43,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MESSAGE_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_REQUEST = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_RENEWAL_T1 = 58,
	DHCP_OPT_REBINDING_T2 = 59,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_TFTP_SERVER = 66,
	DHCP_OPT_BOOTFILE = 67,
	DHCP_OPT_CLIENT_ARCH = 93,
	DHCP_OPT_CLIENT_NDI = 94,
	DHCP_OPT_UUID_GUID = 97,
	DHCP_OPT_END = 255,
};

struct dhcp_option {
	uint8_t code;
	uint16_t len;     /* may exceed 255 after RFC 3396 concatenation */
	uint16_t offset;  /* into dhcp_msg.option_data */
};

struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;         /* host byte order */
	uint16_t secs, flags; /* host byte order; flags bit 15 = broadcast */
	uint32_t ciaddr, yiaddr, siaddr, giaddr; /* network byte order */
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	bool has_cookie;      /* false: BOOTP without the magic cookie */
	uint8_t type;         /* enum dhcp_type, from option 53 (DHCP_NONE if absent) */
	/* Options in wire order (PAD and END are not stored). An option split
	 * into several instances is stored once, concatenated (RFC 3396). */
	size_t n_options;
	struct dhcp_option options[DHCP_MAX_OPTIONS];
	size_t option_data_len;
	uint8_t option_data[DHCP_OPTION_SPACE];
};

#define DHCP_FLAG_BROADCAST 0x8000u

/* Zeroes `m` and sets op, htype=1, hlen=6, the cookie and option 53 = type. */
void dhcp_msg_init(struct dhcp_msg *m, uint8_t op, enum dhcp_type type, uint32_t xid);

/*
 * Parses a BOOTP/DHCP message. Accepts messages without options or without
 * the cookie (plain BOOTP), honours option overload (52) into sname/file,
 * concatenates split options. Returns 0, or -EBADMSG for malformed input
 * (short header, option running past the end, hlen > 16, overflow of the
 * struct's bounds).
 */
int dhcp_wire_parse(const uint8_t *buf, size_t len, struct dhcp_msg *ret_msg);

/*
 * Builds `m` into buf: header, cookie, options in stored order (long
 * options split in 255-byte pieces), END, then PAD up to `min_len` (0 = no
 * padding; servers use DHCP_BOOTP_MIN_LEN). Returns the length, or -ENOSPC.
 */
int dhcp_wire_build(const struct dhcp_msg *m, uint8_t *buf, size_t cap, size_t min_len);

/* Option access. get returns a pointer into m->option_data (or NULL) and its length. */
const uint8_t *dhcp_msg_get_option(const struct dhcp_msg *m, uint8_t code, size_t *ret_len);
bool dhcp_msg_has_option(const struct dhcp_msg *m, uint8_t code);
/* Appends (or, if present, replaces in place keeping its position). 0 or -ENOSPC. */
int dhcp_msg_set_option(struct dhcp_msg *m, uint8_t code, const void *data, size_t len);
int dhcp_msg_set_u8(struct dhcp_msg *m, uint8_t code, uint8_t v);
int dhcp_msg_set_u32(struct dhcp_msg *m, uint8_t code, uint32_t host_order_value);
int dhcp_msg_set_addr(struct dhcp_msg *m, uint8_t code, uint32_t net_order_addr);
/* Removes option `code` if present. Returns true if it was there. */
bool dhcp_msg_remove_option(struct dhcp_msg *m, uint8_t code);
/* Typed getters: 0 or -ENOENT/-EBADMSG (wrong length). */
int dhcp_msg_get_u8(const struct dhcp_msg *m, uint8_t code, uint8_t *ret);
int dhcp_msg_get_u32(const struct dhcp_msg *m, uint8_t code, uint32_t *ret_host_order);
int dhcp_msg_get_addr(const struct dhcp_msg *m, uint8_t code, uint32_t *ret_net_order);

/* "DISCOVER", "OFFER", ... "BOOTP"; "UNKNOWN(n)" style names are not returned: unknown -> "UNKNOWN". */
const char *dhcp_type_name(uint8_t type);
/* Lower-case event suffix: "discover", "offer" ... "bootp". */
const char *dhcp_type_event(uint8_t type);
/* "aa:bb:cc:dd:ee:ff" (18 bytes with NUL). */
void dhcp_format_mac(const uint8_t mac[6], char out[18]);
/* Parses "aa:bb:cc:dd:ee:ff" (also '-' separators). 0 or -EINVAL. */
int dhcp_parse_mac(const char *text, uint8_t ret_mac[6]);

#endif
