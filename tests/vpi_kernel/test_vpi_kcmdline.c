/*
 * test_vpi_kcmdline.c - the kernel stage's pure codecs: the command line
 * (root=, nfsroot=, ip=), the kernel's DHCP messages and the path walk strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <errno.h>

#include "fixtures/vpi/vpi_cmdline.h"
#include "fixtures/vpi/vpi_frame.h"
#include "fixtures/vpi/vpi_kdhcp.h"
#include "fixtures/vpi/vpi_kpath.h"

static uint32_t ip(const char *s)
{
	return inet_addr(s);
}

static void test_generated_cmdline(void **state)
{
	(void)state;
	struct vpi_kcmdline c;
	char err[128];
	assert_int_equal(vpi_kcmdline_parse("console=serial0,115200 console=tty1 root=/dev/nfs "
					    "nfsroot=192.168.1.1:/srv/pitest/rootfs,vers=3,tcp rw "
					    "ip=dhcp rootwait", &c, err, sizeof(err)), 0);
	assert_true(c.nfs_root);
	assert_true(c.rw);
	assert_int_equal(c.server, ip("192.168.1.1"));
	assert_string_equal(c.path, "/srv/pitest/rootfs");
	assert_int_equal(c.vers, 3);
	assert_true(c.tcp);
	assert_true(c.mount_tcp);
	assert_int_equal(c.port, 0);
	assert_int_equal(c.mountport, 0);
	/* NFS_DEF_OPTIONS come first: rsize/wsize 4096 stay unless given */
	assert_int_equal(c.rsize, 4096);
	assert_int_equal(c.wsize, 4096);
	assert_int_equal(c.timeo, 600);
	assert_int_equal(c.retrans, 2);
	assert_false(c.soft);
	assert_true(c.nolock);
	assert_int_equal(c.ip_mode, VPI_IP_DHCP);
}

static void test_all_options(void **state)
{
	(void)state;
	struct vpi_kcmdline c;
	char err[128];
	assert_int_equal(vpi_kcmdline_parse("root=/dev/nfs nfsroot=/x/%s,udp,port=2050,mountport=20048,"
					    "mountproto=tcp,rsize=1048576,wsize=65536,soft,lock",
					    &c, err, sizeof(err)), 0);
	assert_int_equal(c.server, 0); /* from DHCP */
	assert_false(c.tcp);
	assert_true(c.mount_tcp);
	assert_int_equal(c.port, 2050);
	assert_int_equal(c.mountport, 20048);
	assert_int_equal(c.rsize, 1048576);
	assert_int_equal(c.wsize, 65536);
	assert_int_equal(c.timeo, 11); /* UDP defaults */
	assert_int_equal(c.retrans, 3);
	assert_true(c.soft);
	assert_true(c.nolock); /* always appended */
	assert_false(c.rw);
	assert_int_equal(c.ip_mode, VPI_IP_NONE);
	char path[64];
	assert_int_equal(vpi_kcmdline_root_path(&c, ip("10.0.0.7"), path, sizeof(path)), 0);
	assert_string_equal(path, "/x/10.0.0.7");
	assert_int_equal(vpi_kcmdline_root_path(&c, ip("10.0.0.7"), path, 8), -ENAMETOOLONG);

	assert_int_equal(vpi_kcmdline_parse("root=/dev/nfs nfsroot=1.2.3.4:/r,proto=tcp,timeo=7,retrans=5,"
					    "vers=2,hard init=/bin/sh", &c, err, sizeof(err)), 0);
	assert_true(c.tcp);
	assert_int_equal(c.timeo, 7);
	assert_int_equal(c.retrans, 5);
	assert_int_equal(c.vers, 2);
	assert_string_equal(c.init, "/bin/sh");
	assert_true(c.timeo_set);
	assert_true(c.retrans_set);
}

/* vers= spellings, and which timers were given (each client defaults by its transport) */
static void test_versions_and_unset_timers(void **state)
{
	(void)state;
	struct vpi_kcmdline c;
	char err[128];
	assert_int_equal(vpi_kcmdline_parse("root=/dev/nfs nfsroot=/r,vers=4.2,proto=tcp", &c, err,
					    sizeof(err)), 0);
	assert_int_equal(c.vers, 4);
	assert_int_equal(c.minorversion, 2);
	assert_int_equal(vpi_kcmdline_parse("root=/dev/nfs nfsroot=/r,vers=4", &c, err, sizeof(err)), 0);
	assert_int_equal(c.vers, 4);
	assert_int_equal(c.minorversion, -1);
	/* PiServer writes ",v3"; the last version option wins */
	assert_int_equal(vpi_kcmdline_parse("root=/dev/nfs nfsroot=/r,vers=2,v3", &c, err, sizeof(err)), 0);
	assert_int_equal(c.vers, 3);
	assert_int_equal(vpi_kcmdline_parse("root=/dev/nfs nfsroot=/r,v4.1", &c, err, sizeof(err)), 0);
	assert_int_equal(c.vers, 4);
	assert_int_equal(c.minorversion, 1);
	assert_int_equal(vpi_kcmdline_parse("nfsroot=/r,vers=4.3", &c, err, sizeof(err)), -EINVAL);

	/* tcp with mountproto=udp and no timeo=: the MOUNT client takes UDP's own defaults */
	assert_int_equal(vpi_kcmdline_parse("root=/dev/nfs nfsroot=/r,tcp,mountproto=udp", &c, err,
					    sizeof(err)), 0);
	assert_true(c.tcp);
	assert_false(c.mount_tcp);
	assert_false(c.timeo_set);
	assert_false(c.retrans_set);
	assert_int_equal(c.timeo, 600);
	/* udp alone: MOUNT follows (nfs_set_mount_transport_protocol) */
	assert_int_equal(vpi_kcmdline_parse("root=/dev/nfs nfsroot=/r,vers=3,udp,timeo=20", &c, err,
					    sizeof(err)), 0);
	assert_false(c.tcp);
	assert_false(c.mount_tcp);
	assert_true(c.timeo_set);
	assert_false(c.retrans_set);
	assert_int_equal(c.timeo, 20);
	assert_int_equal(c.retrans, 3);
}

static void test_defaults_and_ip(void **state)
{
	(void)state;
	struct vpi_kcmdline c;
	char err[128];
	assert_int_equal(vpi_kcmdline_parse("root=/dev/mmcblk0p2 ip=off", &c, err, sizeof(err)), 0);
	assert_false(c.nfs_root);
	assert_string_equal(c.path, "/tftpboot/%s");
	assert_int_equal(c.ip_mode, VPI_IP_OFF);
	assert_int_equal(vpi_kcmdline_parse("ip=10.0.0.5:10.0.0.1:10.0.0.254:255.255.255.0:pi:eth0:off",
					    &c, err, sizeof(err)), 0);
	assert_int_equal(c.ip_mode, VPI_IP_STATIC);
	assert_int_equal(c.ip_client, ip("10.0.0.5"));
	assert_int_equal(c.ip_server, ip("10.0.0.1"));
	assert_int_equal(c.ip_gw, ip("10.0.0.254"));
	assert_int_equal(c.ip_mask, ip("255.255.255.0"));
	assert_string_equal(c.ip_hostname, "pi");
	assert_string_equal(c.ip_device, "eth0");
	assert_int_equal(vpi_kcmdline_parse("ip=:::::eth0:dhcp", &c, err, sizeof(err)), 0);
	assert_int_equal(c.ip_mode, VPI_IP_DHCP);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct vpi_kcmdline c;
	char err[128];
	assert_int_equal(vpi_kcmdline_parse("nfsroot=1.2.3:/x", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(vpi_kcmdline_parse("nfsroot=/x,vers=5", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(vpi_kcmdline_parse("nfsroot=/x,port=70000", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(vpi_kcmdline_parse("nfsroot=/x,proto=sctp", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(vpi_kcmdline_parse("nfsroot=/x,timeo=0", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(vpi_kcmdline_parse("nfsroot=1.2.3.4:", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(vpi_kcmdline_parse("ip=1.2.3.x::::::", &c, err, sizeof(err)), -EINVAL);
}

static void test_kdhcp(void **state)
{
	(void)state;
	const uint8_t mac[6] = { 0xdc, 0xa6, 0x32, 1, 2, 3 };
	struct dhcp_msg m;
	assert_int_equal(vpi_kdhcp_msg(mac, DHCPREQUEST, 0x12345678, 3, ip("192.168.1.9"),
				       ip("192.168.1.1"), &m), 0);
	uint8_t frame[VPI_FRAME_MAX];
	int n = vpi_kdhcp_frame(mac, &m, frame, sizeof(frame));
	assert_int_equal(n, 14 + 576);
	struct vpi_frame f;
	assert_int_equal(vpi_frame_parse(frame, (size_t)n, true, &f), 0);
	assert_int_equal(f.ttl, 64);
	assert_int_equal(f.udp_checksum, 0);
	assert_int_equal(frame[14 + 6] & 0x40, 0x40); /* DF */
	struct dhcp_msg p;
	assert_int_equal(dhcp_wire_parse(frame + f.payload_off, f.payload_len, &p), 0);
	assert_int_equal(p.xid, 0x12345678);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.secs, 3);
	assert_int_equal(p.type, DHCPREQUEST);
	assert_false(dhcp_msg_has_option(&p, 60));
	assert_false(dhcp_msg_has_option(&p, 12));
	size_t len;
	const uint8_t *prl = dhcp_msg_get_option(&p, 55, &len);
	const uint8_t want[] = { 1, 3, 6, 12, 15, 17, 26, 40 };
	assert_non_null(prl);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(prl, want, sizeof(want));
	uint32_t a;
	assert_int_equal(dhcp_msg_get_addr(&p, 50, &a), 0);
	assert_int_equal(a, ip("192.168.1.9"));
	assert_int_equal(dhcp_msg_get_addr(&p, 54, &a), 0);
	assert_int_equal(a, ip("192.168.1.1"));

	assert_int_equal(vpi_kdhcp_msg(mac, DHCPDISCOVER, 1, 0, 0, 0, &m), 0);
	assert_false(dhcp_msg_has_option(&m, 50));
	assert_false(dhcp_msg_has_option(&m, 54));

	/* 2 s + jitter, x7/4, capped at 30 s */
	uint32_t t = vpi_kdhcp_next_timeout(0, 345);
	assert_int_equal(t, 2345);
	t = vpi_kdhcp_next_timeout(t, 0);
	assert_int_equal(t, 2345 * 7 / 4);
	for (int i = 0; i < 20; i++)
		t = vpi_kdhcp_next_timeout(t, 0);
	assert_int_equal(t, 30000);
}

static void test_kpath(void **state)
{
	(void)state;
	char rest[VPI_KPATH_MAX] = "/sbin//./init";
	char comp[256];
	assert_int_equal(vpi_kpath_next(rest, comp, sizeof(comp)), 1);
	assert_string_equal(comp, "sbin");
	/* sbin -> usr/sbin: relative, spliced in front of the rest */
	assert_int_equal(vpi_kpath_splice(rest, sizeof(rest), "usr/sbin"), 0);
	assert_int_equal(vpi_kpath_next(rest, comp, sizeof(comp)), 1);
	assert_string_equal(comp, "usr");
	assert_int_equal(vpi_kpath_next(rest, comp, sizeof(comp)), 1);
	assert_string_equal(comp, "sbin");
	assert_int_equal(vpi_kpath_next(rest, comp, sizeof(comp)), 1);
	assert_string_equal(comp, "init");
	assert_int_equal(rest[0], '\0');
	/* init -> /lib/systemd/systemd: absolute, from the root again */
	assert_int_equal(vpi_kpath_splice(rest, sizeof(rest), "/lib/systemd/systemd"), 1);
	const char *want[] = { "lib", "systemd", "systemd" };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vpi_kpath_next(rest, comp, sizeof(comp)), 1);
		assert_string_equal(comp, want[i]);
	}
	assert_int_equal(vpi_kpath_next(rest, comp, sizeof(comp)), 0);
	char small[8] = "abc";
	assert_int_equal(vpi_kpath_splice(small, sizeof(small), "/longer"), -ENAMETOOLONG);
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(vpi_kpath_next(big, comp, sizeof(comp)), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_cmdline),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_versions_and_unset_timers),
		cmocka_unit_test(test_defaults_and_ip),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_kdhcp),
		cmocka_unit_test(test_kpath),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
