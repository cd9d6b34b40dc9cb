/*
 * test_classify.c - failed runs classed from synthetic timelines: one or
 * more per class, then the ambiguous ones (a fault the board got over, a
 * step that wanted something else, a forbidden event).
 *
 * Events are written "TIME|NAME|key=value|key=value" (console text may hold
 * spaces); times are timeline seconds and the run starts at t0 = 10, so an
 * event at 12.31 is "at 2.31 s" in the evidence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/classify.h"

#define T0 10.0
#define MAX_EVENTS 40

struct scenario {
	const char *name;
	const char *step_event, *step_text, *step_phase, *under_way, *runner_type;
	double step_t, t_end;
	const char *events[MAX_EVENTS];
	const char *token;
	const char *evidence; /* a part of it, or all of it when it starts with the token */
};

/* The full-boot case's milestones, for scenarios that fail after them. */
#define BOOT_DHCP                                                                            \
	"10.10|power.on|backend=virtual",                                                    \
	"10.50|dhcp.discover|vendor=PXEClient:Arch:00000:UNDI:002001|prl=1,3,43,60,66,67",   \
	"10.51|dhcp.offer|ip=192.168.1.104|siaddr=192.168.1.1|pxe=Raspberry Pi Boot|options=53,54,1,60,97,43", \
	"10.52|dhcp.request|requested=192.168.1.104",                                        \
	"10.53|dhcp.ack|ip=192.168.1.104|siaddr=192.168.1.1|options=53,54,1"
#define FIRMWARE                                                                             \
	"10.60|tftp.rrq|file=1a2b3c4d/start4.elf",                                           \
	"10.61|tftp.error|file=1a2b3c4d/start4.elf|code=1|message=File not found|sent=server", \
	"10.62|tftp.rrq|file=start4.elf",                                                    \
	"10.70|tftp.done|file=start4.elf|bytes=2255328",                                     \
	"10.71|tftp.rrq|file=recover4.elf",                                                  \
	"10.72|tftp.error|file=recover4.elf|code=1|message=File not found|sent=server",      \
	"10.80|tftp.rrq|file=kernel8.img",                                                   \
	"11.10|tftp.done|file=kernel8.img|bytes=8912384"
#define KERNEL_DHCP                                                                          \
	"11.40|console.line|text=[    0.000000] Booting Linux on physical CPU 0x0",          \
	"11.45|dhcp.discover|prl=1,3,6,12,15,17,26,40",                                      \
	"11.46|dhcp.offer|ip=192.168.1.104|siaddr=192.168.1.1",                              \
	"11.47|dhcp.request|requested=192.168.1.104",                                        \
	"11.48|dhcp.ack|ip=192.168.1.104"
#define NFS_ROOT                                                                             \
	"11.50|rpc.call|prog=mount|vers=3|proc=MNT|path=/srv/pitest/pi4b-1|status=MNT3_OK",  \
	"11.50|nfs.mount|path=/srv/pitest/pi4b-1|status=MNT3_OK",                             \
	"11.51|rpc.call|prog=nfsacl|vers=3|proc=0|path=|status=PROG_UNAVAIL",                 \
	"11.52|rpc.call|prog=nfs|vers=3|proc=GETATTR|path=/srv/pitest/pi4b-1|status=NFS3_OK", \
	"11.53|console.line|text=[    2.100000] VFS: Mounted root (nfs filesystem) on device 0:22."
#define INIT "11.60|console.line|text=[    2.300000] Run /sbin/init as init process"

static const struct scenario scenarios[] = {
	/* ---- power-cable ---- */
	{ "nothing at all", "dhcp.discover", NULL, NULL, "boot-dhcp", "timeout", 10.1, 12.1,
	  { "10.10|power.on|backend=relay" }, "power-cable",
	  "power-cable: nothing from the board in 2.0 s after power-on: check its power supply or relay and its network cable" },
	{ "console but no network", "dhcp.discover", NULL, "power-on", NULL, "timeout", 10.1, 12.1,
	  { "10.10|power.on|backend=relay", "10.20|console.line|text=  0.07 RPi: BOOTSYS release",
	    "10.40|console.line|text=  2.17 NET_BOOT: no link" },
	  "power-cable", "though the console printed 2 lines (last at 0.40 s: \"  2.17 NET_BOOT: no link\")" },
	{ "a step with a power phase wants the DISCOVER", "dhcp.discover", NULL, "power-on", NULL,
	  "timeout", 10.1, 12.1, { "10.10|power.on|backend=virtual" }, "power-cable", "nothing from the board" },
	{ "the relay program failed", NULL, NULL, NULL, "power-on", "power", 10.0, 10.3,
	  { "10.30|power.error|action=on|command=usbrelay BITFT_1=1|status=1|output=USB device not found" },
	  "power-cable",
	  "power-cable: the power on command failed at 0.30 s (1): \"USB device not found\": check the relay and its program" },
	{ "the relay's GPIO line failed", NULL, NULL, NULL, "power-on", "power", 10.0, 10.3,
	  { "10.30|power.error|action=on|backend=gpio|chip=gpiochip0|line=17|status=line reads 0 after set to 1" },
	  "power-cable",
	  "power-cable: switching the relay's GPIO line 17 of gpiochip0 on failed at 0.30 s: line reads 0 after set to 1: check the chip, the line and who else holds it" },
	{ "the serial console unplugged", NULL, NULL, NULL, "boot-dhcp", "console", 10.5, 11.2,
	  { "10.10|power.on|backend=gpio", "10.20|console.line|text=  0.07 RPi: BOOTLOADER release",
	    "11.20|console.lost|device=/dev/ttyUSB0|error=Input/output error" },
	  "power-cable",
	  "power-cable: the console /dev/ttyUSB0 was lost at 1.20 s (Input/output error): check the USB-serial adapter and its cable" },
	/* ---- dhcp ---- */
	{ "discovers, no offer", "dhcp.ack", NULL, "boot-dhcp", NULL, "dhcp", 10.5, 12.0,
	  { "10.10|power.on|backend=virtual", "10.50|dhcp.discover|vendor=PXEClient:Arch:00000",
	    "10.51|fault.applied|server=dhcp|on=offer|action=drop",
	    "11.00|dhcp.discover|vendor=PXEClient:Arch:00000",
	    "11.01|fault.applied|server=dhcp|on=offer|action=drop",
	    "11.50|dhcp.discover|vendor=PXEClient:Arch:00000",
	    "11.51|fault.applied|server=dhcp|on=offer|action=drop" },
	  "dhcp", "dhcp: 3 DISCOVERs of the boot code's DHCP from 0.50 s, no OFFER [fault: drop offer x3]" },
	{ "offer without the PXE options", "tftp.rrq", NULL, NULL, "firmware", "timeout", 10.6, 13.6,
	  { "10.10|power.on|backend=virtual", "10.50|dhcp.discover|vendor=PXEClient:Arch:00000",
	    "10.51|dhcp.offer|ip=192.168.1.104|siaddr=192.168.1.1|options=53,54,1,60,97",
	    "10.52|dhcp.request|requested=192.168.1.104", "10.53|dhcp.ack|ip=192.168.1.104" },
	  "dhcp", "OFFER of 192.168.1.104 at 0.51 s without the PXE options" },
	{ "NAK", "dhcp.ack", NULL, "boot-dhcp", NULL, "dhcp", 10.5, 11.5,
	  { "10.10|power.on|backend=virtual", "10.50|dhcp.discover|vendor=PXEClient:Arch:00000",
	    "10.51|dhcp.offer|ip=192.168.1.104|pxe=Raspberry Pi Boot",
	    "10.52|dhcp.request|requested=192.168.1.104",
	    "10.53|dhcp.nak|ip=0.0.0.0|message=wrong address" },
	  "dhcp", "dhcp: NAK for 192.168.1.104 at 0.53 s (\"wrong address\")" },
	{ "REQUEST without ACK", "dhcp.ack", NULL, "boot-dhcp", NULL, "dhcp", 10.5, 11.5,
	  { "10.10|power.on|backend=virtual", "10.50|dhcp.discover|vendor=PXEClient:Arch:00000",
	    "10.51|dhcp.offer|ip=192.168.1.104|pxe=Raspberry Pi Boot",
	    "10.52|dhcp.request|requested=192.168.1.104" },
	  "dhcp", "REQUEST for 192.168.1.104 at 0.52 s got no ACK" },
	{ "ACK with PXE options but no TFTP", "tftp.rrq", NULL, NULL, "firmware", "timeout", 10.6, 13.6,
	  { BOOT_DHCP }, "dhcp", "ACK of 192.168.1.104 at 0.53 s (server 192.168.1.1), but no TFTP request followed" },
	{ "the kernel's DHCP gets no REQUEST out", "dhcp.ack", NULL, "kernel-dhcp", NULL, "dhcp", 11.45, 13.0,
	  { BOOT_DHCP, FIRMWARE, "11.40|console.line|text=Booting Linux on physical CPU 0x0",
	    "11.45|dhcp.discover|prl=1,3,6,12,15,17,26,40",
	    "11.46|dhcp.offer|ip=192.168.1.104|siaddr=192.168.1.1",
	    "12.45|dhcp.discover|prl=1,3,6,12,15,17,26,40",
	    "12.46|dhcp.offer|ip=192.168.1.104|siaddr=192.168.1.1" },
	  "dhcp", "OFFER of 192.168.1.104 at 1.46 s, no REQUEST from the kernel followed" },
	/* ---- tftp ---- */
	{ "missing start4.elf", "tftp.done", NULL, "firmware", NULL, "timeout", 10.6, 22.0,
	  { BOOT_DHCP, "12.30|tftp.rrq|file=start4.elf",
	    "12.31|tftp.error|file=start4.elf|code=1|message=File not found|sent=server",
	    "12.32|tftp.rrq|file=recover4.elf",
	    "12.33|tftp.error|file=recover4.elf|code=1|message=File not found|sent=server" },
	  "tftp", "tftp: start4.elf: File not found (error 1) at 2.31 s" },
	{ "missing file asked again and again", "tftp.done", NULL, "firmware", NULL, "timeout", 10.6, 22.0,
	  { BOOT_DHCP, "12.30|tftp.rrq|file=start4.elf",
	    "12.31|fault.applied|server=tftp|on=rrq|action=missing|file=start4.elf",
	    "12.31|tftp.error|file=start4.elf|code=1|message=File not found|sent=server",
	    "15.30|tftp.rrq|file=start4.elf",
	    "15.31|fault.applied|server=tftp|on=rrq|action=missing|file=start4.elf",
	    "15.31|tftp.error|file=start4.elf|code=1|message=File not found|sent=server" },
	  "tftp", "tftp: start4.elf: File not found (error 1) at 2.31 s, 2 times until 5.31 s [fault: missing rrq x2]" },
	{ "kernel transfer times out", "tftp.done", NULL, "firmware", NULL, "timeout", 10.6, 22.0,
	  { BOOT_DHCP, "10.80|tftp.rrq|file=kernel8.img",
	    "12.00|tftp.timeout|file=kernel8.img|block=100|retries=5" },
	  "tftp", "tftp: kernel8.img: no ACK for block 100 after 5 retries, at 2.00 s" },
	{ "kernel transfer never ends", "tftp.done", NULL, "firmware", NULL, "timeout", 10.6, 22.0,
	  { BOOT_DHCP, "10.60|tftp.rrq|file=1a2b3c4d/start4.elf",
	    "10.61|tftp.error|file=1a2b3c4d/start4.elf|code=1|message=File not found|sent=server",
	    "10.62|tftp.rrq|file=start4.elf", "10.70|tftp.done|file=start4.elf|bytes=2255328",
	    "10.80|tftp.rrq|file=kernel8.img" },
	  "tftp", "tftp: kernel8.img: requested at 0.80 s, not finished 11.2 s later" },
	{ "the board aborts a transfer", "tftp.done", NULL, "firmware", NULL, "timeout", 10.6, 22.0,
	  { BOOT_DHCP, "10.80|tftp.rrq|file=kernel8.img",
	    "11.00|tftp.error|file=kernel8.img|code=3|message=Disk full|sent=client" },
	  "tftp", "tftp: kernel8.img: the board aborted it: Disk full (error 3) at 1.00 s" },
	{ "kernel image damaged by a fault", "dhcp.discover", NULL, NULL, "kernel-dhcp", "timeout", 11.1, 14.0,
	  { BOOT_DHCP, "10.80|tftp.rrq|file=kernel8.img",
	    "10.90|fault.applied|server=tftp|on=data|action=corrupt|file=kernel8.img|block=100",
	    "11.10|tftp.done|file=kernel8.img|bytes=8912384", "11.20|vpi.exit|status=4" },
	  "tftp", "tftp: kernel8.img damaged in transfer: the kernel failed its check at 1.20 s [fault: corrupt data]" },
	/* ---- kernel ---- */
	{ "bad kernel image", "dhcp.discover", NULL, NULL, "kernel-dhcp", "timeout", 11.1, 14.0,
	  { BOOT_DHCP, FIRMWARE, "11.20|vpi.exit|status=4" },
	  "kernel", "kernel: kernel8.img (8912384 bytes, loaded at 1.10 s) failed its integrity check: the board stopped (exit status 4) at 1.20 s" },
	{ "no device tree: the kernel stays silent", "dhcp.discover", NULL, NULL, "kernel-dhcp", "timeout", 11.1, 14.1,
	  { BOOT_DHCP, FIRMWARE,
	    "11.15|vpi.stderr|text=vpi: the kernel got no device tree: a real board stays silent here",
	    "11.16|vpi.exit|status=4" },
	  "tftp", "tftp: the kernel got no device tree: a real board stays silent here (at 1.15 s); the board stopped with exit status 4 at 1.16 s" },
	{ "kernel silent after loading", "dhcp.discover", NULL, NULL, "kernel-dhcp", "timeout", 11.1, 14.1,
	  { BOOT_DHCP, FIRMWARE }, "kernel", "no DHCP DISCOVER from the kernel in 3.0 s after kernel8.img at 1.10 s" },
	{ "panic not explained by NFS", "nfs.mount", NULL, NULL, "nfs-root", "timeout", 11.48, 14.0,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP,
	    "11.60|console.line|text=[    1.0] Kernel panic - not syncing: Oops - BUG: Fatal exception" },
	  "kernel", "kernel: \"Kernel panic - not syncing: Oops - BUG: Fatal exception\" at 1.60 s" },
	{ "root device not NFS", "nfs.mount", NULL, NULL, "nfs-root", "timeout", 11.48, 14.0,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP,
	    "11.60|console.line|text=VFS: Cannot open root device \"mmcblk0p2\" or unknown-block(0,0): error -6",
	    "11.61|console.line|text=Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)" },
	  "kernel", "check root= and nfsroot= in cmdline.txt" },
	/* ---- nfs ---- */
	{ "mount refused", "nfs.mount", NULL, NULL, "nfs-root", "timeout", 11.48, 20.0,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP,
	    "11.50|rpc.call|prog=mount|vers=3|proc=MNT|path=/srv/pitest/pi4b-1|status=MNT3ERR_ACCES",
	    "11.50|nfs.mount|path=/srv/pitest/pi4b-1|status=MNT3ERR_ACCES",
	    "15.00|console.line|text=VFS: Unable to mount root fs via NFS.",
	    "15.01|console.line|text=Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,255)" },
	  "nfs", "nfs: mount of /srv/pitest/pi4b-1 refused: MNT3ERR_ACCES at 1.50 s" },
	{ "server not responding", "console.line", "*VFS: Mounted root*", "nfs-root", NULL, "timeout", 11.5, 20.0,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP,
	    "11.50|rpc.call|prog=mount|vers=3|proc=MNT|path=/srv/pitest/pi4b-1|status=MNT3_OK",
	    "11.50|nfs.mount|path=/srv/pitest/pi4b-1|status=MNT3_OK",
	    "11.51|rpc.call|prog=nfs|vers=3|proc=FSINFO|path=/srv/pitest/pi4b-1|fault=drop",
	    "17.51|console.line|text=[  8.0] nfs: server 192.168.1.1 not responding, still trying",
	    "23.51|rpc.call|prog=nfs|vers=3|proc=FSINFO|path=/srv/pitest/pi4b-1|fault=drop" },
	  "nfs", "nfs: NFS FSINFO /srv/pitest/pi4b-1 not answered (fault: drop) at 1.51 s" },
	{ "not responding on the console only", "console.line", "*Run /sbin/init*", "init", NULL, "timeout", 11.6, 20.0,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP, NFS_ROOT,
	    "17.51|console.line|text=[  8.0] nfs: server 192.168.1.1 not responding, still trying" },
	  "nfs", "nfs: the kernel says \"[  8.0] nfs: server 192.168.1.1 not responding, still trying\" at 7.51 s" },
	{ "I/O error reading init explains the panic", "console.line", "*Run /sbin/init*", "init", NULL, "timeout",
	  11.53, 15.0,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP, NFS_ROOT,
	    "11.60|rpc.call|prog=nfs|vers=3|proc=READ|path=/srv/pitest/pi4b-1/usr/lib/systemd/systemd|status=NFS3ERR_IO",
	    "11.61|console.line|text=Starting init: /sbin/init exists but couldn't execute it (error -5)",
	    "11.62|console.line|text=Kernel panic - not syncing: No working init found.  Try passing init= option to kernel." },
	  "nfs", "nfs: NFS READ /srv/pitest/pi4b-1/usr/lib/systemd/systemd: NFS3ERR_IO at 1.60 s" },
	{ "no NFS call at all", "nfs.mount", NULL, NULL, "nfs-root", "timeout", 11.48, 14.48,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP }, "nfs", "no NFS call from the board in 3.0 s after its address" },
	/* ---- userland ---- */
	{ "no working init in the root", "console.line", "*Run /sbin/init*", "init", NULL, "timeout", 11.53, 15.0,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP, NFS_ROOT,
	    "11.60|rpc.call|prog=nfs|vers=3|proc=LOOKUP|path=/srv/pitest/pi4b-1/sbin|status=NFS3ERR_NOENT",
	    "11.61|rpc.call|prog=nfs|vers=3|proc=LOOKUP|path=/srv/pitest/pi4b-1/bin|status=NFS3ERR_NOENT",
	    "11.62|console.line|text=[    2.3] Kernel panic - not syncing: No working init found.  Try passing init= option to kernel." },
	  "userland", "no working init in the root: \"Kernel panic - not syncing: No working init found." },
	{ "init started, no login", "console.line", "* login: ", "userland", NULL, "timeout", 11.6, 23.6,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP, NFS_ROOT, INIT,
	    "11.70|console.line|text=[  OK  ] Reached target sysinit.target - System Initialization.",
	    "11.80|console.line|text=[FAILED] Failed to start serial-getty@ttyS0.service." },
	  "userland", "userland: init started at 1.60 s, no login prompt in 12.0 s; last console line at 1.80 s: \"[FAILED] Failed to start serial-getty@ttyS0.service.\"" },
	{ "init killed", "console.line", "* login: ", "userland", NULL, "timeout", 11.6, 14.0,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP, NFS_ROOT, INIT,
	    "11.70|console.line|text=Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b" },
	  "userland", "Attempted to kill init!" },
	/* ---- ambiguous ---- */
	{ "a NAK the board got over does not hide a refused mount", "nfs.mount", NULL, NULL, "nfs-root",
	  "timeout", 11.48, 20.0,
	  { "10.10|power.on|backend=virtual", "10.20|dhcp.discover|vendor=PXEClient:Arch:00000",
	    "10.21|dhcp.offer|ip=192.168.1.104|pxe=Raspberry Pi Boot",
	    "10.22|dhcp.request|requested=192.168.1.104", "10.23|dhcp.nak|ip=0.0.0.0", BOOT_DHCP,
	    FIRMWARE, KERNEL_DHCP, "11.50|nfs.mount|path=/srv/pitest/pi4b-1|status=MNT3ERR_NOENT" },
	  "nfs", "mount of /srv/pitest/pi4b-1 refused: MNT3ERR_NOENT" },
	{ "a JUKEBOX answered by a retry is no NFS problem", "console.line", "* login: ", "userland", NULL,
	  "timeout", 11.6, 23.6,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP, NFS_ROOT,
	    "11.55|rpc.call|prog=nfs|vers=3|proc=READ|path=/srv/pitest/pi4b-1/usr/lib/systemd/systemd|status=NFS3ERR_JUKEBOX",
	    "11.59|rpc.call|prog=nfs|vers=3|proc=READ|path=/srv/pitest/pi4b-1/usr/lib/systemd/systemd|status=NFS3_OK",
	    INIT },
	  "userland", "init started at 1.60 s" },
	{ "a JUKEBOX answered by a retry is passed over for the error that stayed", "console.line",
	  "*VFS: Mounted root*", "nfs-root", NULL, "timeout", 11.5, 20.0,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP,
	    "11.50|nfs.mount|path=/srv/pitest/pi4b-1|status=MNT3_OK",
	    "11.51|rpc.call|prog=nfs|vers=3|proc=FSINFO|path=/srv/pitest/pi4b-1|status=NFS3ERR_JUKEBOX",
	    "11.56|rpc.call|prog=nfs|vers=3|proc=FSINFO|path=/srv/pitest/pi4b-1|status=NFS3_OK",
	    "11.57|rpc.call|prog=nfs|vers=3|proc=GETATTR|path=/srv/pitest/pi4b-1|status=NFS3ERR_STALE" },
	  "nfs", "nfs: NFS GETATTR /srv/pitest/pi4b-1: NFS3ERR_STALE at 1.57 s" },
	{ "the step wanted another address", "dhcp.ack", NULL, NULL, NULL, "dhcp", 10.1, 12.0,
	  { BOOT_DHCP, FIRMWARE }, "dhcp",
	  "dhcp: the board's last dhcp.ack was dhcp.ack ip=\"192.168.1.104\" at 0.53 s, not what the step wanted" },
	{ "the step wanted another init", "console.line", "*Run /sbin/init as init process", "init", NULL,
	  "timeout", 11.53, 15.0,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP, NFS_ROOT,
	    "11.60|console.line|text=[    2.3] Run /bin/sh as init process",
	    "11.70|console.line|text=pi4b-1 login: " },
	  "userland", "no console line \"*Run /sbin/init as init process\" after 1.53 s; the board went on to \"pi4b-1 login: \" at 1.70 s" },
	{ "a forbidden panic after login", "console.line", "*Kernel panic*", NULL, NULL, "unexpected", 11.8, 11.9,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP, NFS_ROOT, INIT, "11.70|console.line|text=pi4b-1 login: ",
	    "11.85|console.line|text=Kernel panic - not syncing: Asynchronous SError Interrupt" },
	  "kernel", "kernel: \"Kernel panic - not syncing: Asynchronous SError Interrupt\" at 1.85 s" },
	{ "a forbidden DISCOVER", "dhcp.discover", NULL, NULL, NULL, "unexpected", 10.1, 10.5,
	  { "10.10|power.on|backend=virtual", "10.50|dhcp.discover|vendor=PXEClient:Arch:00000" },
	  "dhcp", "dhcp: dhcp.discover at 0.50 s, which the step forbade" },
	{ "case limit with the login step under way", NULL, NULL, NULL, "userland", "timeout", 11.6, 20.0,
	  { BOOT_DHCP, FIRMWARE, KERNEL_DHCP, NFS_ROOT, INIT }, "userland", "init started at 1.60 s" },
	{ "NFSACL refused on every mount is no NFS problem", "console.line", "* login: ", "userland", NULL,
	  "timeout", 11.6, 12.6, { BOOT_DHCP, FIRMWARE, KERNEL_DHCP, NFS_ROOT, INIT }, "userland",
	  "no login prompt in 1.0 s" },
	{ "a dropped OFFER the board got over does not hide a missing file", "tftp.done", NULL, "firmware",
	  NULL, "timeout", 10.6, 22.0,
	  { "10.10|power.on|backend=virtual", "10.20|dhcp.discover|vendor=PXEClient:Arch:00000",
	    "10.21|fault.applied|server=dhcp|on=offer|action=drop", BOOT_DHCP,
	    "10.80|tftp.rrq|file=fixup4.dat",
	    "10.81|tftp.error|file=fixup4.dat|code=1|message=File not found|sent=server",
	    "10.90|tftp.rrq|file=dt-blob.bin",
	    "10.91|tftp.error|file=dt-blob.bin|code=1|message=File not found|sent=server" },
	  "tftp", "tftp: fixup4.dat: File not found (error 1) at 0.81 s" },
};

/* ---- synthetic events ---- */

struct holder {
	struct event ev;
	char buf[512];
};

static void parse_event(const char *spec, struct holder *h, uint64_t seq)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->buf, sizeof(h->buf), "%s", spec);
	char *save = NULL, *tok = strtok_r(h->buf, "|", &save);
	assert_non_null(tok);
	h->ev.t = strtod(tok, NULL);
	h->ev.seq = seq;
	h->ev.board = "pi4b-1";
	h->ev.name = strtok_r(NULL, "|", &save);
	assert_non_null(h->ev.name);
	while ((tok = strtok_r(NULL, "|", &save)) && h->ev.n_fields < EVENT_MAX_FIELDS) {
		char *eq = strchr(tok, '=');
		assert_non_null(eq);
		*eq = '\0';
		h->ev.keys[h->ev.n_fields] = tok;
		h->ev.values[h->ev.n_fields++] = eq + 1;
	}
}

static void run_scenario(const struct scenario *s, struct classify_result *out)
{
	struct holder *h = calloc(MAX_EVENTS, sizeof(*h));
	const struct event *ptrs[MAX_EVENTS];
	size_t n = 0;
	assert_non_null(h);
	for (; n < MAX_EVENTS && s->events[n]; n++) {
		parse_event(s->events[n], &h[n], n);
		ptrs[n] = &h[n].ev;
	}
	struct classify_input in = {
		.step_event = s->step_event,
		.step_text = s->step_text,
		.step_phase = s->step_phase,
		.phase_under_way = s->under_way,
		.runner_type = s->runner_type,
		.t0 = T0,
		.step_t = s->step_t,
		.t_end = s->t_end,
		.events = ptrs,
		.n_events = n,
	};
	classify_run(&in, out);
	free(h);
}

static void test_scenarios(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		const struct scenario *s = &scenarios[i];
		struct classify_result r;
		run_scenario(s, &r);
		bool whole = strncmp(s->evidence, s->token, strlen(s->token)) == 0 &&
			     s->evidence[strlen(s->token)] == ':';
		bool ok = strcmp(r.token, s->token) == 0 &&
			  (whole ? strcmp(r.evidence, s->evidence) == 0 : strstr(r.evidence, s->evidence) != NULL) &&
			  classify_is_token(r.token) &&
			  strncmp(r.evidence, r.token, strlen(r.token)) == 0;
		if (!ok) {
			/* the scenario's name and what came out, so a failure says which */
			fprintf(stderr, "%s:%d: scenario \"%s\": want %s \"%s\", got %s \"%s\"\n",
				__FILE__, __LINE__, s->name, s->token, s->evidence, r.token, r.evidence);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* No events, NULL fields: still a class and a sentence. */
static void test_empty_input(void **state)
{
	(void)state;
	struct classify_input in = { 0 };
	struct classify_result r;
	classify_run(&in, &r);
	assert_string_equal(r.token, "power-cable");
	assert_non_null(strstr(r.evidence, "nothing from the board"));
}

/* A console line longer than the evidence is cut, not overflowing it. */
static void test_long_text_is_cut(void **state)
{
	(void)state;
	char spec[400];
	snprintf(spec, sizeof(spec), "11.00|console.line|text=Kernel panic - not syncing: %0300d", 7);
	struct scenario s = { "long", "nfs.mount", NULL, NULL, "nfs-root", "timeout", 11.48, 14.0,
			      { BOOT_DHCP, FIRMWARE, KERNEL_DHCP, spec }, "kernel", "..." };
	struct classify_result r;
	run_scenario(&s, &r);
	assert_string_equal(r.token, "kernel");
	assert_non_null(strstr(r.evidence, "...\""));
	assert_true(strlen(r.evidence) < 200);
}

static void test_count_text(void **state)
{
	(void)state;
	const char *types[] = { "nfs", "tftp", "tftp", "userland", "nfs", "tftp" };
	char out[64];
	size_t n = classify_count_text(types, 6, out, sizeof(out));
	assert_string_equal(out, "3 tftp, 2 nfs, 1 userland");
	assert_int_equal(n, strlen(out));
	classify_count_text(types, 0, out, sizeof(out));
	assert_string_equal(out, "");
	char small[8];
	n = classify_count_text(types, 6, small, sizeof(small));
	assert_int_equal(n, strlen("3 tftp, 2 nfs, 1 userland"));
	assert_string_equal(small, "3 tftp,");
	assert_true(classify_is_token("power-cable"));
	assert_false(classify_is_token("timeout"));
	assert_false(classify_is_token(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_long_text_is_cut),
		cmocka_unit_test(test_count_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
