/* html_fixture.c - the synthetic artifacts of html_fixture.h. */
#include "tests/core/html_fixture.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/html_page.h"

#define T0 10.0 /* the boards' runs start 10 s into the timeline */

static int write_file(const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int write_file(const char *dir, const char *name, const char *fmt, ...)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	return fclose(f) == 0 ? 0 : -1;
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "w");
}

/* One event line; `fields` is the JSON of the fields after "event". */
static void ev(FILE *f, double t, const char *board, const char *name, const char *fields)
{
	static unsigned seq;
	fprintf(f, "{\"t\":%.6f,\"seq\":%u,\"board\":\"%s\",\"event\":\"%s\"%s%s}\n", T0 + t, seq++,
		board, name, *fields ? "," : "", fields);
}

static void dhcp_exchange(FILE *f, const char *board, double t, const char *xid, const char *ip)
{
	char fields[160];
	static const char *const types[] = { "discover", "offer", "request", "ack" };
	for (int i = 0; i < 4; i++) {
		char name[32];
		snprintf(name, sizeof(name), "dhcp.%s", types[i]);
		snprintf(fields, sizeof(fields), "\"xid\":\"%s\",\"ip\":\"%s\"", xid, ip);
		ev(f, t + 0.01 * i, board, name, fields);
	}
}

static void tftp_file(FILE *f, const char *board, double t0, double t1, const char *file,
		      unsigned long bytes)
{
	char fields[256];
	snprintf(fields, sizeof(fields), "\"file\":\"%s\",\"options\":\"blksize=1468\",\"port\":\"50000\"",
		 file);
	ev(f, t0, board, "tftp.rrq", fields);
	snprintf(fields, sizeof(fields), "\"file\":\"%s\",\"bytes\":\"%lu\",\"duration\":\"%.3f\"", file,
		 bytes, t1 - t0);
	ev(f, t1, board, "tftp.done", fields);
}

static int passing_board(const char *dir)
{
	FILE *f = open_in(dir, "events.jsonl");
	if (!f)
		return -1;
	const char *b = "pi4-01";
	ev(f, 0.05, b, "power.on", "");
	dhcp_exchange(f, b, 0.60, "0x2a01", "192.168.50.101");
	tftp_file(f, b, 1.00, 1.20, "bootcode.bin", 52456);
	tftp_file(f, b, 1.30, 1.32, "config.txt", 2100);
	/* the firmware's size probe first: a block read, then aborted */
	ev(f, 1.34, b, "tftp.rrq", "\"file\":\"start4.elf\",\"options\":\"tsize=0\",\"port\":\"49999\"");
	ev(f, 1.35, b, "tftp.probe", "\"file\":\"start4.elf\",\"bytes\":\"1024\"");
	tftp_file(f, b, 1.40, 2.60, "start4.elf", 2250000);
	tftp_file(f, b, 2.70, 6.10, "kernel8.img", 8100000);
	dhcp_exchange(f, b, 7.00, "0x2a02", "192.168.50.101");
	ev(f, 7.50, b, "nfs.mount", "\"path\":\"/srv/nfs/pi4-01\",\"status\":\"MNT3_OK\"");
	/* a dense burst of calls (one grouped tick) and a few spread ones */
	for (int i = 0; i < 40; i++) {
		char fields[200];
		snprintf(fields, sizeof(fields),
			 "\"prog\":\"nfs\",\"proc\":\"%s\",\"path\":\"/sbin/init\",\"status\":\"NFS3_OK\"",
			 i % 2 ? "READ" : "LOOKUP");
		ev(f, 7.60 + 0.001 * i, b, "rpc.call", fields);
	}
	ev(f, 9.0, b, "rpc.call", "\"prog\":\"nfs\",\"proc\":\"GETATTR\",\"path\":\"/\",\"status\":\"NFS3_OK\"");
	ev(f, 10.5, b, "rpc.call", "\"prog\":\"nfs\",\"proc\":\"GETATTR\",\"path\":\"/\",\"status\":\"NFS3_OK\"");
	ev(f, 12.0, b, "power.off", "");
	if (fclose(f) != 0)
		return -1;
	return write_file(dir, "console.log",
			  "[   2.650] Raspberry Pi 4 firmware\n"
			  "[   6.200] [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd083]\n"
			  "[   7.550] [    1.350000] VFS: Mounted root (nfs filesystem) on device 0:17.\n"
			  "[   7.700] [    1.500000] Run /sbin/init as init process\n"
			  "[  11.000] \n"
			  "[  11.100] raspberrypi login: \n") ||
	       write_file(dir, "result.json",
			  "{\"suite\":\"full-boot\",\"case\":\"power-on-to-login\",\"board\":\"pi4-01\","
			  "\"model\":\"pi4b\",\"verdict\":\"passed\",\"message\":\"\",\"type\":\"\","
			  "\"t_start\":%.3f,\"t_end\":%.3f,\"phases\":{\"boot-dhcp\":0.63,\"firmware\":5.5,"
			  "\"kernel\":1.4,\"userspace\":3.5}}\n",
			  T0, T0 + 12.1) ||
	       write_file(dir, "capture.pcapng", "not really a capture\n");
}

static int failing_board(const char *dir)
{
	FILE *f = open_in(dir, "events.jsonl");
	if (!f)
		return -1;
	const char *b = "pi4-02";
	ev(f, 0.05, b, "power.on", "");
	dhcp_exchange(f, b, 0.60, "0x3b01", "192.168.50.102");
	tftp_file(f, b, 1.00, 1.20, "bootcode.bin", 52456);
	tftp_file(f, b, 1.30, 1.32, "config.txt", 2100);
	ev(f, 1.40, b, "tftp.rrq", "\"file\":\"start4.elf\",\"options\":\"blksize=1468\",\"port\":\"50001\"");
	ev(f, 1.50, b, "fault.applied",
	   "\"server\":\"tftp\",\"on\":\"data\",\"action\":\"drop\",\"rule\":\"1\",\"nth\":\"1\","
	   "\"detail\":\"\",\"file\":\"start4.elf\",\"block\":\"700\"");
	ev(f, 3.40, b, "tftp.error",
	   "\"file\":\"start4.elf\",\"code\":\"0\",\"message\":\"timed out <after 5 retries>\","
	   "\"sent\":\"1024000\"");
	ev(f, 5.0, b, "power.off", "");
	if (fclose(f) != 0)
		return -1;
	return write_file(dir, "console.log",
			  "[   1.100] Raspberry Pi 4 firmware\n"
			  "[   3.450] <script>alert(1)</script> & \"quoted\"\n"
			  "[   4.900] giving up on start4.elf\n") ||
	       write_file(dir, "result.json",
			  "{\"suite\":\"full-boot\",\"case\":\"power-on-to-login\",\"board\":\"pi4-02\","
			  "\"model\":\"pi4b\",\"verdict\":\"failed\",\"message\":\"tftp: start4.elf: "
			  "transfer failed <error 0> at 3.40 s\",\"type\":\"tftp\",\"t_start\":%.3f,"
			  "\"t_end\":%.3f,\"phases\":{\"boot-dhcp\":0.63}}\n",
			  T0, T0 + 5.2) ||
	       write_file(dir, "capture.pcapng", "not really a capture\n");
}

/* A long run whose TFTP transfers all fit in half a second: drawn again, zoomed. */
static int burst_board(const char *dir)
{
	FILE *f = open_in(dir, "events.jsonl");
	if (!f)
		return -1;
	const char *b = "pi4-01";
	ev(f, 0.05, b, "power.on", "");
	tftp_file(f, b, 1.00, 1.10, "bootcode.bin", 52456);
	tftp_file(f, b, 1.20, 1.40, "start4.elf", 2250000);
	tftp_file(f, b, 1.41, 1.45, "fixup4.dat", 5446);
	ev(f, 60.0, b, "power.off", "");
	if (fclose(f) != 0)
		return -1;
	return write_file(dir, "result.json",
			  "{\"suite\":\"full-boot\",\"case\":\"tftp-burst\",\"board\":\"pi4-01\","
			  "\"model\":\"pi4b\",\"verdict\":\"passed\",\"message\":\"\",\"type\":\"\","
			  "\"t_start\":%.3f,\"t_end\":%.3f,\"phases\":{}}\n",
			  T0, T0 + 60.1);
}

static int history(const char *dir)
{
	static const double firmware[3] = { 5.0, 5.1, 7.9 }; /* the last run is slower */
	for (int r = 0; r < 3; r++) {
		char name[96];
		snprintf(name, sizeof(name), "2026120%dT020004.000Z-full-boot-bench.json", r + 1);
		if (write_file(dir, name,
			       "{\"format\":\"pitest-history/1\",\"suite\":\"full-boot\",\"lab\":\"bench\","
			       "\"started\":\"2026-12-0%dT02:00:04Z\",\"pitest_version\":\"0.1.0\","
			       "\"time_scale\":1,\"testcases\":["
			       "{\"case\":\"power-on-to-login\",\"board\":\"pi4-01\",\"model\":\"pi4b\","
			       "\"repetition\":1,\"verdict\":\"pass\",\"failure_class\":null,\"evidence\":null,"
			       "\"time\":9,\"phases\":{\"boot-dhcp\":0.6,\"firmware\":%.1f}},"
			       "{\"case\":\"power-on-to-login\",\"board\":\"pi4-02\",\"model\":\"pi4b\","
			       "\"repetition\":1,\"verdict\":\"%s\",\"failure_class\":%s,\"evidence\":%s,"
			       "\"time\":9,\"phases\":{\"boot-dhcp\":0.7,\"firmware\":%.1f}}]}\n",
			       r + 1, firmware[r], r == 1 ? "fail" : "pass", r == 1 ? "\"tftp\"" : "null",
			       r == 1 ? "\"tftp: start4.elf <lost>\"" : "null", firmware[r] + 0.1))
			return -1;
	}
	return write_file(dir, "notes.json", "this is not a history file\n");
}

int html_fixture_write(const char *dir)
{
	char path[PATH_MAX];
	static const char *const dirs[] = { "art/power-on-to-login/pi4-01", "art/power-on-to-login/pi4-02",
					    "art/dhcp only#2/pi4-01", "art/tftp-burst/pi4-01",
					    "history" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
		int rc = html_mkdirs(path);
		if (rc) {
			errno = -rc;
			return -1;
		}
	}
	snprintf(path, sizeof(path), "%s/art/power-on-to-login/pi4-01", dir);
	if (passing_board(path))
		return -1;
	snprintf(path, sizeof(path), "%s/art/power-on-to-login/pi4-02", dir);
	if (failing_board(path))
		return -1;
	snprintf(path, sizeof(path), "%s/art/dhcp only#2/pi4-01", dir);
	if (write_file(path, "console.log", "[   0.500] only a console\n") ||
	    write_file(path, "result.json",
		       "{\"suite\":\"full-boot\",\"case\":\"dhcp only\",\"board\":\"pi4-01\",\"model\":"
		       "\"pi4b\",\"verdict\":\"passed\",\"message\":\"\",\"type\":\"\",\"t_start\":1,"
		       "\"t_end\":2.5,\"phases\":{\"boot-dhcp\":0.7}}\n"))
		return -1;
	snprintf(path, sizeof(path), "%s/art/tftp-burst/pi4-01", dir);
	if (burst_board(path))
		return -1;
	snprintf(path, sizeof(path), "%s/history", dir);
	return history(path);
}
