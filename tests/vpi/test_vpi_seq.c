/*
 * test_vpi_seq.c - each model's TFTP file sequence, driven end to end
 * through the real transfer machine (vpi_tftp.c) against an in-memory
 * server: the exact request order (probe "P" / read "R"), prefixes and
 * their fallback, RRQ options and source ports per stage, console lines,
 * and the reactions to missing files and failed transfers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures/boot/boot_image.h"
#include "fixtures/vpi/vpi_seq.h"

/* ---- a small TFTP server over a file table -------------------------------- */

struct file {
	const char *path;
	size_t size;
	const char *text; /* contents for text files, else generated */
};

enum fault { F_NONE, F_STALL, F_SHORT };

struct server {
	const struct file *files;
	const char *fault_path; /* reads of this path get `fault` */
	enum fault fault;
	char log[8192];         /* "P path\n" / "R path\n" per RRQ */
	char lines[16384];      /* console lines, "<kind>|text\n" */
	uint16_t ports[128];
	char opts[128][48];
	size_t n;
};

static const struct file *find(const struct server *s, const char *path)
{
	for (const struct file *f = s->files; f->path; f++)
		if (strcmp(f->path, path) == 0)
			return f;
	return NULL;
}

static uint8_t *contents(const struct file *f, size_t *len)
{
	size_t n = f->text ? strlen(f->text) : f->size;
	uint8_t *d = malloc(n ? n : 1);
	assert_non_null(d);
	if (f->text)
		memcpy(d, f->text, n);
	else
		boot_image_fill(f->path, d, n);
	*len = n;
	return d;
}

static void emit(void *ctx, enum vpi_line_kind kind, const char *text)
{
	struct server *s = ctx;
	size_t l = strlen(s->lines);
	snprintf(s->lines + l, sizeof(s->lines) - l, "%d|%s\n", (int)kind, text);
}

static size_t put_data(uint8_t *pkt, uint16_t block, const uint8_t *d, size_t n)
{
	pkt[0] = 0;
	pkt[1] = 3;
	pkt[2] = (uint8_t)(block >> 8);
	pkt[3] = (uint8_t)block;
	memcpy(pkt + 4, d, n);
	return n + 4;
}

/* Serves one transfer to completion in board time from *now. */
static void serve(struct server *s, struct vpi_tftp *t, const struct vpi_seq_step *st,
		  uint64_t *now)
{
	struct vpi_tftp_out out;
	assert_int_equal(vpi_tftp_start(t, &st->fetch, *now, &out), 0);
	size_t l = strlen(s->log);
	snprintf(s->log + l, sizeof(s->log) - l, "%c %s\n", st->fetch.probe ? 'P' : 'R',
		 st->fetch.path);
	assert_true(s->n < 128);
	s->ports[s->n] = st->src_port;
	snprintf(s->opts[s->n], sizeof(s->opts[0]), "%s%s%u", st->fetch.opt_tsize ? "tsize " : "",
		 st->fetch.opt_blksize ? "blksize " : "", st->fetch.opt_blksize);
	s->n++;
	const struct file *f = find(s, st->fetch.path);
	uint8_t pkt[70000];
	if (!f) {
		static const uint8_t err[] = "\0\5\0\1File not found";
		vpi_tftp_input(t, 50000, err, sizeof(err), *now, &out);
		assert_true(out.finished);
		return;
	}
	bool stall = s->fault == F_STALL && !st->fetch.probe && s->fault_path &&
		     strcmp(s->fault_path, st->fetch.path) == 0;
	bool shorten = s->fault == F_SHORT && !st->fetch.probe && s->fault_path &&
		       strcmp(s->fault_path, st->fetch.path) == 0;
	size_t len;
	uint8_t *d = contents(f, &len);
	size_t blk = 512;
	if (st->fetch.opt_tsize || st->fetch.opt_blksize) {
		char oack[64];
		size_t n = 2;
		oack[0] = 0;
		oack[1] = 6;
		if (st->fetch.opt_tsize)
			n += (size_t)sprintf(oack + n, "tsize%c%zu%c", 0, len, 0);
		if (st->fetch.opt_blksize) {
			n += (size_t)sprintf(oack + n, "blksize%c%u%c", 0, st->fetch.opt_blksize, 0);
			blk = st->fetch.opt_blksize;
		}
		vpi_tftp_input(t, 50000, (uint8_t *)oack, n, *now, &out);
		assert_int_equal(out.len, 4); /* ACK 0 */
	}
	size_t sent = shorten ? len - 100 : len;
	uint16_t block = 1;
	for (size_t off = 0;; block++) {
		if (stall && off > 0) {
			/* the server goes quiet: the board resends, then gives up */
			while (!out.finished) {
				*now = vpi_tftp_deadline(t);
				vpi_tftp_tick(t, *now, &out);
			}
			break;
		}
		size_t n = sent - off < blk ? sent - off : blk;
		*now += 1;
		vpi_tftp_input(t, 50000, pkt, put_data(pkt, block, d + off, n), *now, &out);
		off += n;
		if (out.finished)
			break;
		assert_int_equal(out.len, 4);
		assert_true(off <= sent);
	}
	free(d);
}

/* Runs a sequence to its end; returns the final action. */
static enum vpi_seq_action run(struct server *s, const char *model, enum vpi_stage first,
			       enum vpi_tftp_prefix prefix, struct vpi_seq **ret_seq)
{
	struct vpi_seq_params p = {
		.model = vpi_model_find(model),
		.serial = 0xb7f44626,
		.mac = { 0xdc, 0xa6, 0x32, 0x01, 0x36, 0xc2 },
		.server_ip = 0x0101a8c0,
		.server_mac = { 2, 0, 0, 0, 0, 1 },
		.prefix = prefix,
		.prefix_str = "lab/",
		.first_port = 40084,
	};
	assert_non_null(p.model);
	struct vpi_seq *seq = vpi_seq_new(&p, first);
	assert_non_null(seq);
	struct vpi_seq_step st;
	struct vpi_tftp t;
	struct vpi_tftp *done = NULL;
	uint64_t now = 1000;
	for (int guard = 0; guard < 200; guard++) {
		assert_int_equal(vpi_seq_next(seq, done, now, emit, s, &st), 0);
		if (done)
			vpi_tftp_release(done);
		done = NULL;
		if (st.action == VPI_SEQ_DHCP) {
			size_t l = strlen(s->log);
			snprintf(s->log + l, sizeof(s->log) - l, "DHCP\n");
			continue;
		}
		if (st.action != VPI_SEQ_FETCH) {
			*ret_seq = seq;
			return st.action;
		}
		serve(s, &t, &st, &now);
		done = &t;
	}
	fail_msg("sequence did not end");
	return VPI_SEQ_HALT;
}

static const char cfg_txt[] =
	"[all]\nuart_2ndstage=1\ndtoverlay=vc4-kms-v3d\n"
	"[pi3]\narm_64bit=1\n[pi3+]\ndtoverlay=disable-wifi\n"
	"[pi4]\ndtoverlay=disable-bt\n[pi5]\ninitramfs initrd.img followkernel\n"
	"[none]\nkernel=never.img\n";
static const char cmdline[] = "console=serial0,115200 root=/dev/nfs ip=dhcp\n";

#define FW(p, n) { p, n, NULL }
static const struct file tree[] = {
	FW("bootcode.bin", 52456), FW("start.elf", 30000), FW("fixup.dat", 7000),
	FW("start4.elf", 40000), FW("fixup4.dat", 5446),
	{ "config.txt", 0, cfg_txt }, { "cmdline.txt", 0, cmdline },
	FW("bcm2709-rpi-2-b.dtb", 3000), FW("bcm2710-rpi-3-b.dtb", 3000),
	FW("bcm2710-rpi-3-b-plus.dtb", 3000), FW("bcm2711-rpi-4-b.dtb", 5000),
	FW("bcm2712-rpi-5-b.dtb", 7000), FW("overlays/overlay_map.dtb", 500),
	FW("overlays/vc4-kms-v3d.dtbo", 300), FW("overlays/disable-bt.dtbo", 300),
	FW("overlays/disable-wifi.dtbo", 300),
	FW("kernel7.img", 20000), FW("kernel.img", 20000), FW("kernel8.img", 30000),
	FW("kernel_2712.img", 30000), FW("initrd.img", 4000),
	/* a serial folder with a Pi 4's own files */
	FW("b7f44626/start4.elf", 40000), FW("b7f44626/fixup4.dat", 5446),
	{ "b7f44626/config.txt", 0, "[all]\nkernel=vmlinuz\n" },
	{ "b7f44626/cmdline.txt", 0, "root=/dev/nfs pitest=serial\n" },
	FW("b7f44626/bcm2711-rpi-4-b.dtb", 5000), FW("b7f44626/overlays/overlay_map.dtb", 500),
	FW("b7f44626/vmlinuz", 30000),
	{ NULL, 0, NULL },
};

static void check_kernel(struct vpi_seq *seq, const char *want_path)
{
	size_t len;
	const char *path;
	const uint8_t *k = vpi_seq_kernel(seq, &len, &path);
	assert_string_equal(path, want_path);
	assert_int_equal(boot_image_check(k, len), 0);
}

static void test_pi2_bootcode_and_start_elf(void **state)
{
	(void)state;
	struct server s = { .files = tree };
	struct vpi_seq *seq;
	assert_int_equal(run(&s, "pi2", VPI_STAGE_BOOTCODE, 0, &seq), VPI_SEQ_HANDOFF);
	assert_string_equal(s.log,
		"P b7f44626/start.elf\n"
		"P autoboot.txt\n"
		"P config.txt\nR config.txt\n"
		"P recovery.elf\n"
		"P start.elf\nR start.elf\n"
		"P fixup.dat\nR fixup.dat\n"
		/* start.elf */
		"P config.txt\nR config.txt\n"
		"P dt-blob.bin\nP bootcfg.txt\n"
		"P bcm2709-rpi-2-b.dtb\nR bcm2709-rpi-2-b.dtb\n"
		"P overlays/overlay_map.dtb\nR overlays/overlay_map.dtb\n"
		"P overlays/vc4-kms-v3d.dtbo\nR overlays/vc4-kms-v3d.dtbo\n"
		"P cmdline.txt\nR cmdline.txt\n"
		"P kernel7.img\n"
		"P armstub7.bin\n"
		"R kernel7.img\n");
	/* tsize only; ports from 49153, restarting for start.elf ([O] firmware#1041) */
	assert_string_equal(s.opts[0], "tsize 0");
	assert_int_equal(s.ports[0], 49153);
	assert_int_equal(s.ports[8], 49161);
	assert_int_equal(s.ports[9], 49153);
	check_kernel(seq, "kernel7.img");
	assert_string_equal(vpi_seq_cmdline(seq), "console=serial0,115200 root=/dev/nfs ip=dhcp");
	assert_non_null(strstr(s.lines, "0|Read File: start.elf, 30000 (bytes)\n"));
	assert_non_null(strstr(s.lines, "2|Read command line from file 'cmdline.txt':\n"));
	assert_non_null(strstr(s.lines, "2|Loading 'kernel7.img' to 0x8000 size 0x4e20\n"));
	assert_null(strstr(s.log, "never"));
	vpi_seq_free(seq);
}

static void test_pi3bplus_rom_then_bootcode(void **state)
{
	(void)state;
	struct server s = { .files = tree };
	struct vpi_seq *seq;
	assert_int_equal(run(&s, "pi3b+", VPI_STAGE_ROM, 0, &seq), VPI_SEQ_HANDOFF);
	/* ROM: no options, no probes, 49153 then 49154 ([O] firmware#1041) */
	assert_int_equal(strncmp(s.log, "R bootcode.bin\nR bootsig.bin\nDHCP\nP b7f44626/start.elf\n",
				 55), 0);
	assert_string_equal(s.opts[0], "0");
	assert_int_equal(s.ports[0], 49153);
	assert_int_equal(s.ports[1], 49154);
	assert_int_equal(s.ports[2], 49153); /* bootcode.bin restarts the count */
	/* [pi3] arm_64bit=1 and [pi3+] disable-wifi apply */
	assert_non_null(strstr(s.log, "R overlays/disable-wifi.dtbo\nP cmdline.txt\n"));
	assert_non_null(strstr(s.log, "P kernel8.img\nP armstub8.bin\nR kernel8.img\n"));
	check_kernel(seq, "kernel8.img");
	vpi_seq_free(seq);

	/* the 3B ROM asks from 49152; no [pi3+] overlay */
	struct server s3 = { .files = tree };
	assert_int_equal(run(&s3, "pi3b", VPI_STAGE_ROM, 0, &seq), VPI_SEQ_HANDOFF);
	assert_int_equal(s3.ports[0], 49152);
	assert_null(strstr(s3.log, "disable-wifi"));
	assert_non_null(strstr(s3.log, "R bcm2710-rpi-3-b.dtb\n"));
	vpi_seq_free(seq);
}

static void test_pi4_prefix_fallback_to_root(void **state)
{
	(void)state;
	struct server s = { .files = tree };
	struct vpi_seq *seq;
	/* MAC prefix: no such folder, so the root is used ([C] D3) */
	assert_int_equal(run(&s, "pi4b", VPI_STAGE_PI4_BOOT, VPI_PREFIX_MAC, &seq),
			 VPI_SEQ_HANDOFF);
	assert_string_equal(s.log,
		"P dc-a6-32-01-36-c2/start4.elf\nP dc-a6-32-01-36-c2/start.elf\n"
		"R config.txt\nP recover4.elf\nP recovery.elf\n"
		"R start4.elf\nR fixup4.dat\n"
		/* start4.elf */
		"P config.txt\nR config.txt\nP dt-blob.bin\nP bootcfg.txt\n"
		"P bcm2711-rpi-4-b.dtb\nR bcm2711-rpi-4-b.dtb\n"
		"P overlays/overlay_map.dtb\nR overlays/overlay_map.dtb\n"
		"P overlays/vc4-kms-v3d.dtbo\nR overlays/vc4-kms-v3d.dtbo\n"
		"P overlays/disable-bt.dtbo\nR overlays/disable-bt.dtbo\n"
		"P cmdline.txt\nR cmdline.txt\n"
		"P armstub8-gic.bin\n"
		"P kernel8.img\nR kernel8.img\n");
	assert_string_equal(s.opts[0], "tsize blksize 1024");
	assert_string_equal(s.opts[7], "tsize blksize 1468"); /* start4.elf [I] */
	/* ephemeral ports, +1 per RRQ, going on into start4.elf */
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.ports[i], 40084 + i);
	assert_non_null(strstr(s.lines, "1|TFTP_GET: 02:00:00:00:00:01 192.168.1.1 "
					"dc-a6-32-01-36-c2/start4.elf\n1|TFTP 1: File not found\n"));
	assert_non_null(strstr(s.lines, "1|Loading start4.elf ...\n"));
	assert_non_null(strstr(s.lines, "1|Read start4.elf bytes    40000 hnd 0x1\n"));
	assert_non_null(strstr(s.lines, "1|Starting start4.elf @ 0xfec00200 partition 0\n"));
	check_kernel(seq, "kernel8.img");
	vpi_seq_free(seq);
}

static void test_pi4_serial_folder(void **state)
{
	(void)state;
	struct server s = { .files = tree };
	struct vpi_seq *seq;
	assert_int_equal(run(&s, "pi4b", VPI_STAGE_PI4_BOOT, VPI_PREFIX_SERIAL, &seq),
			 VPI_SEQ_HANDOFF);
	assert_int_equal(strncmp(s.log, "P b7f44626/start4.elf\nR b7f44626/config.txt\n", 44), 0);
	/* kernel= of the folder's config.txt, tried before the default name */
	assert_non_null(strstr(s.log, "P b7f44626/vmlinuz\nR b7f44626/vmlinuz\n"));
	assert_null(strstr(s.log, "\nR config.txt"));
	check_kernel(seq, "b7f44626/vmlinuz");
	assert_string_equal(vpi_seq_cmdline(seq), "root=/dev/nfs pitest=serial");
	vpi_seq_free(seq);
}

static void test_pi5_loads_everything(void **state)
{
	(void)state;
	struct server s = { .files = tree };
	struct vpi_seq *seq;
	assert_int_equal(run(&s, "pi5", VPI_STAGE_PI5_BOOT, VPI_PREFIX_STRING, &seq),
			 VPI_SEQ_HANDOFF);
	assert_string_equal(s.log,
		"P lab/config.txt\nR config.txt\n"
		"P bcm2712-rpi-5-b.dtb\nR bcm2712-rpi-5-b.dtb\n"
		"P overlays/overlay_map.dtb\nR overlays/overlay_map.dtb\n"
		"P overlays/vc4-kms-v3d.dtbo\nR overlays/vc4-kms-v3d.dtbo\n"
		"P cmdline.txt\nR cmdline.txt\n"
		"P kernel_2712.img\nP armstub8-2712.bin\nR kernel_2712.img\n"
		"P initrd.img\nR initrd.img\n");
	assert_string_equal(s.opts[0], "tsize blksize 1468");
	assert_non_null(strstr(s.lines, "1|Read command line from file 'cmdline.txt':\n"));
	assert_non_null(strstr(s.lines, "1|initramfs (initrd.img) loaded to "));
	assert_non_null(strstr(s.lines, "1|Loaded overlay 'overlays/vc4-kms-v3d.dtbo'\n"));
	/* the last firmware line */
	const char *last = strstr(s.lines, "1|Starting OS ");
	assert_non_null(last);
	assert_string_equal(strchr(last, '\n'), "\n");
	check_kernel(seq, "kernel_2712.img");
	vpi_seq_free(seq);
}

static const struct file no_firmware[] = {
	{ "config.txt", 0, "[all]\n" }, FW("kernel8.img", 1000), { NULL, 0, NULL },
};

static void test_missing_firmware(void **state)
{
	(void)state;
	struct vpi_seq *seq;
	struct server s4 = { .files = no_firmware };
	assert_int_equal(run(&s4, "pi4b", VPI_STAGE_PI4_BOOT, 0, &seq), VPI_SEQ_NEXT_MODE);
	assert_non_null(strstr(s4.lines, "1|Firmware not found\n"));
	vpi_seq_free(seq);

	struct server s2 = { .files = no_firmware };
	assert_int_equal(run(&s2, "pi2", VPI_STAGE_BOOTCODE, 0, &seq), VPI_SEQ_RESTART);
	vpi_seq_free(seq);

	struct server sr = { .files = no_firmware };
	assert_int_equal(run(&sr, "pi3b", VPI_STAGE_ROM, 0, &seq), VPI_SEQ_HALT);
	assert_string_equal(sr.log, "R bootcode.bin\n");
	vpi_seq_free(seq);

	static const struct file no_kernel[] = { { "config.txt", 0, "" }, { NULL, 0, NULL } };
	struct server s5 = { .files = no_kernel };
	assert_int_equal(run(&s5, "pi5", VPI_STAGE_PI5_BOOT, 0, &seq), VPI_SEQ_NEXT_MODE);
	assert_non_null(strstr(s5.lines, "1|No compatible kernel found\n"));
	assert_non_null(strstr(s5.lines, "1|Device-tree file \"bcm2712-rpi-5-b.dtb\" not found.\n"));
	vpi_seq_free(seq);
}

static void test_stalled_kernel(void **state)
{
	(void)state;
	struct vpi_seq *seq;
	/* Pi 2 start.elf: a stalled kernel7.img counts as missing: kernel.img (3.3 [O]) */
	struct server s = { .files = tree, .fault_path = "kernel7.img", .fault = F_STALL };
	assert_int_equal(run(&s, "pi2", VPI_STAGE_BOOTCODE, 0, &seq), VPI_SEQ_HANDOFF);
	assert_non_null(strstr(s.log, "R kernel7.img\nP kernel.img\nP armstub7.bin\nR kernel.img\n"));
	assert_non_null(strstr(s.lines, "3|start.elf: kernel7.img: timeout\n"));
	check_kernel(seq, "kernel.img");
	vpi_seq_free(seq);

	/* Pi 5: the file timeout fails the netboot attempt ([C] D3) */
	struct server s5 = { .files = tree, .fault_path = "kernel_2712.img", .fault = F_STALL };
	assert_int_equal(run(&s5, "pi5", VPI_STAGE_PI5_BOOT, VPI_PREFIX_MAC, &seq), VPI_SEQ_NEXT_MODE);
	vpi_seq_free(seq);

	/* Pi 4 bootloader: start4.elf short of its tsize fails the attempt */
	struct server s4 = { .files = tree, .fault_path = "start4.elf", .fault = F_SHORT };
	assert_int_equal(run(&s4, "pi4b", VPI_STAGE_PI4_BOOT, VPI_PREFIX_MAC, &seq),
			 VPI_SEQ_NEXT_MODE);
	assert_non_null(strstr(s4.lines, "3|bootloader: start4.elf: size differs from tsize\n"));
	vpi_seq_free(seq);
}

static void test_short_kernel_fails_tsize(void **state)
{
	(void)state;
	struct vpi_seq *seq;
	/* the OACK announced more than came: start4.elf drops the kernel ([I]) */
	struct server s = { .files = tree, .fault_path = "kernel8.img", .fault = F_SHORT };
	assert_int_equal(run(&s, "pi4b", VPI_STAGE_PI4_BOOT, VPI_PREFIX_MAC, &seq),
			 VPI_SEQ_HALT);
	/* with tsize the short kernel fails; start4.elf has no other kernel: halt */
	assert_non_null(strstr(s.lines, "3|start4.elf: kernel8.img: size differs from tsize\n"));
	vpi_seq_free(seq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pi2_bootcode_and_start_elf),
		cmocka_unit_test(test_pi3bplus_rom_then_bootcode),
		cmocka_unit_test(test_pi4_prefix_fallback_to_root),
		cmocka_unit_test(test_pi4_serial_folder),
		cmocka_unit_test(test_pi5_loads_everything),
		cmocka_unit_test(test_missing_firmware),
		cmocka_unit_test(test_stalled_kernel),
		cmocka_unit_test(test_short_kernel_fails_tsize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
