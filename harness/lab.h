/*
 * lab.h - a lab file: the network the servers bind to and the boards in it.
 *
 * Loaded from YAML with libcyaml, then validated; every error names the file,
 * the line and what was expected. Examples: fixtures/labs/.
 */
#ifndef PITEST_LAB_H
#define PITEST_LAB_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/console_serial.h"

#define LAB_NAME_MAX 32
#define LAB_MODEL_MAX 16
#define LAB_COMMAND_MAX 512
#define LAB_ADDRESS_MAX 128
#define LAB_DEVICE_MAX 256
#define LAB_POWER_TIMEOUT_DEFAULT_S 10.0
#define LAB_POWER_TIMEOUT_MAX_S 600.0
#define LAB_GPIO_NAME_MAX 64
#define LAB_POWER_OFF_TIME_DEFAULT_S 2.0
#define LAB_POWER_OFF_TIME_MAX_S 60.0

struct lab_board {
	char name[LAB_NAME_MAX];
	char model[LAB_MODEL_MAX];  /* pi2, pi3b, pi3b+, pi4b, pi5 */
	uint8_t mac[6];
	char mac_text[18];          /* lower case, colon separated */
	uint32_t serial;            /* low 32 bits, as netboot uses it */
	char serial_text[17];       /* as written (8 or 16 hex digits) */
	uint32_t ip;                /* network order; 0 = no reservation */
	char ip_text[16];
	uint32_t lease_s;           /* reservation lease; 0 = lab default */
	char power[16];             /* power backend: virtual | manual | command | gpio */
	char console[16];           /* console backend: virtual | none | tcp | serial */
	/* power: command. Command lines as written ({board.*} placeholders
	 * are expanded per word when run; see harness/power_cmd.h). */
	char power_on[LAB_COMMAND_MAX];
	char power_off[LAB_COMMAND_MAX];
	char power_status[LAB_COMMAND_MAX]; /* optional: exit 0 = on, 1 = off */
	double power_timeout_s;     /* each command's time limit */
	/* power: gpio (harness/power_gpiod.h) */
	char gpio_chip[LAB_GPIO_NAME_MAX];  /* gpiochip0, /dev/gpiochip0 or a chip label */
	char gpio_line[LAB_GPIO_NAME_MAX];  /* an offset ("17") or a line name */
	bool gpio_active_low;       /* the relay is on when the line is low */
	double power_off_time_s;    /* off at least this long before on again */
	/* console: tcp */
	char console_address[LAB_ADDRESS_MAX]; /* "host:port" or "[v6]:port" */
	bool console_telnet;        /* console_mode: telnet (else raw) */
	/* console: serial */
	char console_device[LAB_DEVICE_MAX]; /* absolute, as written; resolved at each open */
	struct console_serial_settings console_serial; /* baud, bits, parity, stop, flow */
	/* virtual labs only: a wiring fault on purpose, for `pitest lab check`:
	 * "power" (the relay switches nothing), "console" (the console wire
	 * is loose: nothing is read), "switches NAME" (the relay powers board
	 * NAME instead; this board's console stays dark); "" = wired right */
	char miswired[LAB_NAME_MAX + 16];
	bool tftp_prefix;           /* has a serial folder (%08x/) in generated trees */
	char tftp_root[PATH_MAX];   /* the board's own TFTP root, resolved against the
				     * lab file's directory; "" = the lab's */
	int line;                   /* line of the board's entry */
};

struct lab_dhcp {
	uint32_t range_start, range_end; /* network order; 0 = no range */
	uint32_t lease_s;
	uint32_t router, dns;            /* 0 = none */
	char pxe_menu[64];               /* "Raspberry Pi Boot" by default */
	char pxe_spaces[8];              /* auto | always | never */
	char lease_file[256];            /* "" = leases kept in memory only */
	char mode[8];                    /* server (default) | proxy: PXE hint only, no addresses */
	char answer[16];                 /* lab (default) | raspberry-pi | any */
};

#define LAB_TFTP_PORT 69

struct lab_tftp {
	char root[PATH_MAX];        /* resolved against the lab file's directory; "" = none
				     * given (a virtual lab then gets a generated tree).
				     * Not checked at load time: the server checks it. */
	uint16_t port;              /* default 69 */
};

#define LAB_NFS_PORT 2049
#define LAB_PMAP_PORT 111
#define LAB_NFS_MAX_EXPORTS 256

struct lab_nfs_export {
	char path[1024];            /* the name clients mount: "/srv/pitest/rootfs" */
	char dir[PATH_MAX];         /* served directory, resolved against the lab file's directory */
	bool read_only;             /* access: ro */
	char board[LAB_NAME_MAX];   /* "" = every board; else only this one may mount it */
	int line;
};

struct lab_nfs {
	bool given;                 /* the lab has an nfs: section */
	size_t n_exports;
	struct lab_nfs_export *exports;
	uint16_t port;              /* NFS and MOUNT, default 2049 */
	uint16_t pmap_port;         /* portmapper, default 111; 0 = none (`portmap: false`) */
	char state[PATH_MAX];       /* where file-handle keys live; "" = per run (virtual) or
				     * the user's state directory (serve) */
};

struct lab {
	char path[512];
	char name[64];
	bool is_virtual;          /* the runner builds the network itself */
	double time_scale;        /* virtual boards run this many times faster; 1 = real time */
	double power_stagger_s;   /* gpio power: at least this between two boards' power-on */
	char interface[16];       /* server interface (bridge name for a virtual lab) */
	uint32_t address;         /* virtual lab: the bridge's address (network order) */
	uint8_t prefix_len;       /* virtual lab: its prefix length */
	struct lab_dhcp dhcp;
	struct lab_tftp tftp;
	struct lab_nfs nfs;
	size_t n_boards;
	struct lab_board *boards;
};

/* Known models, for validation and for help texts. NULL-terminated. */
extern const char *const lab_models[];

/*
 * Loads and validates a lab file. On failure returns -EINVAL (or -errno for
 * I/O) and writes one message "FILE:LINE: what was expected" into err.
 */
int lab_load(const char *path, struct lab **ret_lab, char *err, size_t errcap);
void lab_free(struct lab *lab);

const struct lab_board *lab_board_by_mac(const struct lab *lab, const uint8_t mac[6]);
const struct lab_board *lab_board_by_name(const struct lab *lab, const char *name);

#endif
