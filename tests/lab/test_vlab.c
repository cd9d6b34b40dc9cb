/*
 * test_vlab.c - the virtual lab network and virtual boards, for real.
 *
 * Every scenario runs in a forked child, because vlab_new() moves the
 * calling process into the lab namespace for good; the test process stays
 * where it was and checks afterwards that the host's links are unchanged
 * and no board process is left. The child exits 0 when all its checks
 * pass; a failed check prints FILE:LINE and the expression.
 *
 * The binary is also its own fake board: `test_vlab vpi --model M ...`
 * behaves by model ("lines", "hang", "term"), and `test_vlab sleeper MARKER`
 * just waits to be killed.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <cmocka.h>
#include <event2/event.h>

#include "harness/board.h"
#include "harness/lab.h"
#include "harness/timeline.h"
#include "harness/vlab.h"

#define BRIDGE "pt0"
#define CHILD_TIMEOUT_S 60

#define CHECK(c)                                                                        \
	do {                                                                            \
		if (!(c)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			return -1;                                                      \
		}                                                                       \
	} while (0)

#define CHECK_RC(expr)                                                                  \
	do {                                                                            \
		int rc_ = (expr);                                                       \
		if (rc_ < 0) {                                                          \
			fprintf(stderr, "%s:%d: %s = %s (%s)\n", __FILE__, __LINE__, #expr, \
				strerror(-rc_), err);                                   \
			return -1;                                                      \
		}                                                                       \
	} while (0)

static const uint8_t mac1[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x11 };
static const uint8_t mac2[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x22 };
static char self_exe[4096];
static char err[512];

/* ---------------------------------------------------------------- helpers */

/* Sorted-insensitive snapshot of the host's interface names, one per line. */
static void link_names(char *buf, size_t cap)
{
	struct if_nameindex *ifs = if_nameindex();
	size_t len = 0;

	buf[0] = '\0';
	if (!ifs)
		return;
	for (struct if_nameindex *i = ifs; i->if_index; i++)
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%u:%s\n",
					i->if_index, i->if_name);
	if_freenameindex(ifs);
}

/* Counts live processes whose command line contains marker; with kill_them, SIGKILLs them. */
static int find_marked(const char *marker, bool kill_them)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], cmd[4096];
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (len <= 0)
			continue; /* zombies have an empty command line */
		for (ssize_t i = 0; i < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		cmd[len] = '\0';
		if (strstr(cmd, marker)) {
			n++;
			if (kill_them)
				kill((pid_t)atoi(de->d_name), SIGKILL);
		}
	}
	closedir(d);
	return n;
}

static int count_marked(const char *marker)
{
	return find_marked(marker, false);
}

/* Runs fn in a child process, bounded in time; 0 when it passed. */
static int run_in_child(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		alarm(CHILD_TIMEOUT_S);
		exit(fn() == 0 ? 0 : 1);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		fprintf(stderr, "scenario child died of signal %d\n", WTERMSIG(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Reaps orphans handed to us as subreaper; returns how many died of SIGKILL. */
static int reap_orphans(int *ret_total)
{
	int status, killed = 0, total = 0;
	pid_t p;

	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		total++;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			killed++;
	}
	*ret_total = total;
	return killed;
}

/* Runs argv in a board until it exits; collects stdout into out. */
static int run_in_board(struct vlab *v, const char *board, char *const argv[], char *out,
			size_t cap, int *ret_status)
{
	pid_t pid;
	int ofd, efd;
	size_t len = 0;
	char ebuf[4096];

	int rc = vlab_board_spawn(v, board, argv, &pid, &ofd, &efd);
	if (rc < 0)
		return rc;
	struct pollfd p[2] = { { ofd, POLLIN, 0 }, { efd, POLLIN, 0 } };
	int open_fds = 2;
	for (int rounds = 0; open_fds > 0 && rounds < 2000; rounds++) {
		if (poll(p, 2, 20000) <= 0)
			break;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t n;
			if (i == 0)
				n = read(p[i].fd, out + len, cap - 1 - len);
			else
				n = read(p[i].fd, ebuf, sizeof(ebuf) - 1);
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n <= 0 || (i == 0 && len + (size_t)n >= cap - 1)) {
				close(p[i].fd);
				p[i].fd = -1;
				open_fds--;
				if (n > 0 && i == 0)
					len += (size_t)n;
				continue;
			}
			if (i == 0) {
				len += (size_t)n;
			} else {
				ebuf[n] = '\0';
				fprintf(stderr, "[%s stderr] %s", board, ebuf);
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	out[len] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_status = status;
	return 0;
}

static int get_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	int rc = ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 ? -errno : 0;
	close(fd);
	if (rc == 0)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return rc;
}

/* 1 when tx checksum offload is on, 0 off, -errno. */
static int get_tx_csum(const char *ifname)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GTXCSUM };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&ev;
	int rc = ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : (int)(ev.data != 0);
	close(fd);
	return rc;
}

static int read_sysctl(const char *path)
{
	char buf[16] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -EIO;
}

static uint32_t ip4(const char *text)
{
	struct in_addr a;
	inet_pton(AF_INET, text, &a);
	return a.s_addr;
}

/* ------------------------------------------------------- fake vpi / sleeper */

static int fake_vpi(int argc, char **argv)
{
	const char *model = "", *iface = "eth0";
	char args[1024] = "";
	size_t len = 0;
	uint8_t mac[6];

	for (int i = 1; i < argc; i++) {
		len += (size_t)snprintf(args + len, len < sizeof(args) ? sizeof(args) - len : 0,
					" %s", argv[i]);
		if (strcmp(argv[i], "--model") == 0 && i + 1 < argc)
			model = argv[i + 1];
		if (strcmp(argv[i], "--iface") == 0 && i + 1 < argc)
			iface = argv[i + 1];
	}
	dprintf(1, "vpi args:%s\n", args);
	if (get_mac(iface, mac) == 0)
		dprintf(1, "iface %s mac %02x:%02x:%02x:%02x:%02x:%02x\n", iface, mac[0], mac[1],
			mac[2], mac[3], mac[4], mac[5]);
	else
		dprintf(1, "iface %s missing\n", iface);

	if (strcmp(model, "lines") == 0) {
		char longline[1601];
		memset(longline, 'x', 1600);
		longline[1600] = '\0';
		dprintf(1, "line one\nline two\r\n");
		dprintf(2, "oops on stderr\n");
		dprintf(1, "%s\n", longline);
		dprintf(1, "last words");
		return 3;
	}
	if (strcmp(model, "hang") == 0) {
		dprintf(1, "pid %d\nbooting\n", (int)getpid());
		for (;;)
			pause();
	}
	if (strcmp(model, "term") == 0) {
		dprintf(1, "going down\n");
		raise(SIGTERM);
	}
	return 9;
}

static int sleeper(void)
{
	for (;;)
		pause();
	return 0;
}

/* ---------------------------------------------------- scenario: two boards */

static int check_board_ns(void *arg)
{
	const uint8_t *want = arg;
	uint8_t mac[6];

	if (get_mac("eth0", mac) < 0 || memcmp(mac, want, 6) != 0)
		return -1;
	/* Nothing of the lab namespace is visible here. */
	if (if_nametoindex(BRIDGE) != 0 || if_nametoindex("vb0") != 0)
		return -2;
	if (get_tx_csum("eth0") != 0)
		return -3;
	if (read_sysctl("/proc/sys/net/ipv4/conf/eth0/rp_filter") != 0 ||
	    read_sysctl("/proc/sys/net/ipv4/conf/all/rp_filter") != 0)
		return -4;
	return 0;
}

static int scenario_two_boards(void)
{
	struct vlab *v = NULL;
	char out[8192];
	int status;

	uid_t uid = geteuid();
	CHECK_RC(vlab_new(BRIDGE, ip4("192.168.1.1"), 24, &v, err, sizeof(err)));
	if (uid != 0) {
		/* An ordinary user became root of a user namespace mapped to itself. */
		char map[128] = "", want[64];
		int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
		CHECK(fd >= 0 && read(fd, map, sizeof(map) - 1) > 0);
		close(fd);
		snprintf(want, sizeof(want), " %u ", (unsigned)uid);
		CHECK(geteuid() == 0 && strstr(map, want) != NULL);
		fprintf(stderr, "user namespace: uid %u is root; uid_map:%s", (unsigned)uid, map);
	}
	CHECK_RC(vlab_add_board(v, "b1", mac1, err, sizeof(err)));
	CHECK_RC(vlab_add_board(v, "b2", mac2, err, sizeof(err)));
	CHECK(vlab_add_board(v, "b1", mac1, err, sizeof(err)) == -EEXIST);

	/* In the lab namespace: bridge and ports, no eth0. */
	CHECK(if_nametoindex(BRIDGE) != 0);
	CHECK(if_nametoindex("vb0") != 0 && if_nametoindex("vb1") != 0);
	CHECK(if_nametoindex("eth0") == 0);
	CHECK(get_tx_csum("vb0") == 0 && get_tx_csum("vb1") == 0 && get_tx_csum(BRIDGE) == 0);
	CHECK(read_sysctl("/proc/sys/net/ipv4/conf/all/rp_filter") == 0);
	CHECK(read_sysctl("/proc/sys/net/ipv4/conf/" BRIDGE "/rp_filter") == 0);
	CHECK(strcmp(vlab_board_ifname(v, "b1"), "eth0") == 0);
	CHECK(vlab_board_ifname(v, "nope") == NULL);

	CHECK(vlab_in_board_ns(v, "b1", check_board_ns, (void *)mac1) == 0);
	CHECK(vlab_in_board_ns(v, "b2", check_board_ns, (void *)mac2) == 0);
	CHECK(if_nametoindex(BRIDGE) != 0); /* back in the lab namespace */

	char *sh1[] = { "/bin/sh", "-c",
			"PATH=/usr/sbin:/usr/bin:/sbin:/bin; ip -br addr; ip link show eth0; "
			"ip addr add 192.168.1.77/24 dev eth0 && ping -c1 -W2 192.168.1.1",
			NULL };
	CHECK_RC(run_in_board(v, "b1", sh1, out, sizeof(out), &status));
	fprintf(stderr, "--- b1 output ---\n%s-----------------\n", out);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "link/ether 02:00:00:00:00:11") != NULL);
	CHECK(strstr(out, "1 received") != NULL);
	CHECK(strstr(out, "eth0@") != NULL || strstr(out, "eth0 ") != NULL);
	CHECK(strstr(out, "vb0") == NULL && strstr(out, BRIDGE) == NULL);
	CHECK(strstr(out, "fe80") == NULL); /* no IPv6 chatter from boards */

	/* Board to board, across the bridge. */
	char *sh2[] = { "/bin/sh", "-c",
			"PATH=/usr/sbin:/usr/bin:/sbin:/bin; ip link show eth0; "
			"ip addr add 192.168.1.78/24 dev eth0 && ping -c1 -W2 192.168.1.77",
			NULL };
	CHECK_RC(run_in_board(v, "b2", sh2, out, sizeof(out), &status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "link/ether 02:00:00:00:00:22") != NULL);
	CHECK(strstr(out, "1 received") != NULL);

	/* Spawn errors. */
	pid_t pid;
	int ofd, efd;
	char *missing[] = { "/nonexistent/pitest-vpi", NULL };
	CHECK(vlab_board_spawn(v, "b1", missing, &pid, &ofd, &efd) == -ENOENT);
	char *relative[] = { "sh", NULL };
	CHECK(vlab_board_spawn(v, "b1", relative, &pid, &ofd, &efd) == -EINVAL);
	CHECK(vlab_board_spawn(v, "nope", sh1, &pid, &ofd, &efd) == -ENOENT);

	vlab_free(v);
	/* The links it made are gone. */
	CHECK(if_nametoindex(BRIDGE) == 0 && if_nametoindex("vb0") == 0);
	return 0;
}

static void test_two_boards(void **state)
{
	char before[8192], after[8192];
	(void)state;

	link_names(before, sizeof(before));
	assert_int_equal(run_in_child(scenario_two_boards), 0);
	link_names(after, sizeof(after));
	assert_string_equal(before, after);
}

/* ---------------------------------------- scenario: runner killed with -9 */

static char marker[128];
static int ready_pipe[2];

static int scenario_killed_runner(void)
{
	struct vlab *v = NULL;
	pid_t pid;
	int ofd, efd;
	char *argv[] = { self_exe, "sleeper", marker, NULL };

	close(ready_pipe[0]);
	CHECK_RC(vlab_new(BRIDGE, ip4("10.99.0.1"), 24, &v, err, sizeof(err)));
	CHECK_RC(vlab_add_board(v, "b1", mac1, err, sizeof(err)));
	CHECK_RC(vlab_add_board(v, "b2", mac2, err, sizeof(err)));
	CHECK_RC(vlab_board_spawn(v, "b1", argv, &pid, &ofd, &efd));
	CHECK_RC(vlab_board_spawn(v, "b2", argv, &pid, &ofd, &efd));
	CHECK(write(ready_pipe[1], "R", 1) == 1);
	for (;;)
		pause(); /* until SIGKILL */
	return -1;
}

static void test_killed_runner_leaves_nothing(void **state)
{
	char before[8192], after[8192], c;
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int status, total;
	(void)state;

	snprintf(marker, sizeof(marker), "pitest-vlab-marker-%d-%ld", (int)getpid(),
		 (long)time(NULL));
	link_names(before, sizeof(before));
	assert_int_equal(pipe(ready_pipe), 0);
	fflush(NULL);
	pid_t runner = fork();
	assert_true(runner >= 0);
	if (runner == 0) {
		alarm(CHILD_TIMEOUT_S);
		exit(scenario_killed_runner() == 0 ? 0 : 1);
	}
	close(ready_pipe[1]);
	struct pollfd p = { ready_pipe[0], POLLIN, 0 };
	bool ready = poll(&p, 1, 20000) == 1 && read(ready_pipe[0], &c, 1) == 1;
	close(ready_pipe[0]);
	int started = count_marked(marker);
	if (!ready || started != 2) {
		kill(runner, SIGKILL);
		waitpid(runner, &status, 0);
		find_marked(marker, true);
	}
	assert_true(ready);
	assert_int_equal(started, 2);

	assert_int_equal(kill(runner, SIGKILL), 0);
	assert_int_equal(waitpid(runner, &status, 0), runner);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	int n = -1;
	for (int i = 0; i < 300 && (n = count_marked(marker)) != 0; i++)
		nanosleep(&tick, NULL);
	if (n != 0)
		find_marked(marker, true); /* do not leave them behind when failing */
	assert_int_equal(n, 0);
	/* As subreaper we inherit the orphans: both died of SIGKILL (pdeathsig). */
	int killed = 0;
	for (int i = 0; i < 300 && killed < 2; i++) {
		killed += reap_orphans(&total);
		if (killed < 2)
			nanosleep(&tick, NULL);
	}
	assert_int_equal(killed, 2);
	link_names(after, sizeof(after));
	assert_string_equal(before, after);
}

/* --------------------------------------------------- scenario: board.c */

struct waiter {
	struct event_base *base;
	const char *board;
	const char *name;
	const char *text; /* NULL: any */
};

static void wait_listener(const struct event *ev, void *user)
{
	struct waiter *w = user;
	if (strcmp(ev->board, w->board) != 0 || strcmp(ev->name, w->name) != 0)
		return;
	const char *text = event_get(ev, "text");
	if (w->text && (!text || strcmp(text, w->text) != 0))
		return;
	event_base_loopbreak(w->base);
}

/* Runs the loop until that event, at most timeout_s; 0 when it came. */
/* Looks at events from index `from` on. */
static int run_until(struct event_base *base, struct timeline *tl, size_t from,
		     const char *board, const char *name, const char *text, int timeout_s)
{
	struct waiter w = { base, board, name, text };
	struct timeval tv = { timeout_s, 0 };

	/* Maybe it is already there. */
	for (size_t i = from; i < timeline_count(tl); i++) {
		const struct event *ev = timeline_get(tl, i);
		const char *t = event_get(ev, "text");
		if (strcmp(ev->board, board) == 0 && strcmp(ev->name, name) == 0 &&
		    (!text || (t && strcmp(t, text) == 0)))
			return 0;
	}
	timeline_add_listener(tl, wait_listener, &w);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	timeline_remove_listener(tl, wait_listener, &w);
	return event_base_got_break(base) ? 0 : -ETIMEDOUT;
}

static void dump_timeline(const struct timeline *tl)
{
	char line[2048];
	for (size_t i = 0; i < timeline_count(tl); i++) {
		event_format_line(timeline_get(tl, i), line, sizeof(line));
		fprintf(stderr, "%.200s\n", line);
	}
}

static void set_board(struct lab_board *s, const char *name, const char *model,
		      const uint8_t mac[6], const char *power, const char *console)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->model, sizeof(s->model), "%s", model);
	memcpy(s->mac, mac, 6);
	snprintf(s->mac_text, sizeof(s->mac_text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
		 mac[1], mac[2], mac[3], mac[4], mac[5]);
	s->serial = 0x1a2b3c4d;
	snprintf(s->serial_text, sizeof(s->serial_text), "1a2b3c4d");
	snprintf(s->power, sizeof(s->power), "%s", power);
	snprintf(s->console, sizeof(s->console), "%s", console);
}

static struct lab test_lab = {
	.name = "test", .is_virtual = true, .time_scale = 10, .interface = BRIDGE,
	.prefix_len = 24,
};

static int scenario_board_lines(void)
{
	struct event_base *base = event_base_new();
	struct timeline *tl = timeline_new();
	struct vlab *v = NULL;
	struct board *b = NULL;
	struct lab_board spec;

	CHECK(base && tl);
	test_lab.address = ip4("192.168.1.1");
	set_board(&spec, "b1", "lines", mac1, "virtual", "virtual");
	CHECK_RC(vlab_new(BRIDGE, test_lab.address, 24, &v, err, sizeof(err)));
	CHECK_RC(vlab_add_board(v, "b1", mac1, err, sizeof(err)));
	CHECK_RC(board_new(base, tl, &test_lab, &spec, v, self_exe, &b));
	CHECK(!board_is_on(b) && board_spec(b) == &spec);
	CHECK_RC(board_power_on(b));
	CHECK(board_is_on(b));
	CHECK(run_until(base, tl, 0, "b1", "vpi.exit", NULL, 20) == 0);
	dump_timeline(tl);

	/* power.on first, console lines in order, pieces of long lines, exit last. */
	static const char *const want[] = {
		("vpi args: vpi --model lines --mac 02:00:00:00:00:11 --serial 1a2b3c4d "
		 "--iface eth0 --time-scale 10 --kernel"),
		"iface eth0 mac 02:00:00:00:00:11",
		"line one",
		"line two",
		"", /* 1024 x */
		"", /* 576 x */
		"last words",
	};
	size_t n = timeline_count(tl), next = 0;
	bool saw_stderr = false;
	const struct event *first = timeline_get(tl, 0);
	CHECK(strcmp(first->name, "power.on") == 0);
	CHECK(strcmp(event_get(first, "backend"), "virtual") == 0);
	const struct event *last = timeline_get(tl, n - 1);
	CHECK(strcmp(last->name, "vpi.exit") == 0);
	CHECK(strcmp(event_get(last, "status"), "3") == 0);
	for (size_t i = 1; i < n - 1; i++) {
		const struct event *ev = timeline_get(tl, i);
		const char *text = event_get(ev, "text");
		CHECK(text != NULL);
		if (strcmp(ev->name, "vpi.stderr") == 0) {
			CHECK(strcmp(text, "oops on stderr") == 0);
			saw_stderr = true;
			continue;
		}
		CHECK(strcmp(ev->name, "console.line") == 0);
		CHECK(next < sizeof(want) / sizeof(want[0]));
		if (next == 4 || next == 5) {
			size_t len = next == 4 ? 1024 : 576;
			CHECK(strlen(text) == len && strspn(text, "x") == len);
		} else {
			if (strcmp(text, want[next]) != 0)
				fprintf(stderr, "line %zu: got '%s' want '%s'\n", next, text,
					want[next]);
			CHECK(strcmp(text, want[next]) == 0);
		}
		next++;
	}
	CHECK(next == sizeof(want) / sizeof(want[0]));
	CHECK(saw_stderr);

	/* Exited by itself: still powered, as a real board with a halted CPU. */
	CHECK(board_is_on(b));
	CHECK_RC(board_power_off(b));
	CHECK(!board_is_on(b));
	CHECK(timeline_count(tl) == n + 1);
	CHECK(strcmp(timeline_get(tl, n)->name, "power.off") == 0);
	CHECK(board_power_off(b) == 0 && timeline_count(tl) == n + 1); /* already off */

	/* And on again: a second boot. */
	CHECK_RC(board_power_on(b));
	CHECK(run_until(base, tl, n + 1, "b1", "vpi.exit", NULL, 20) == 0);
	CHECK(timeline_count(tl) == 2 * n + 1);

	board_free(b);
	vlab_free(v);
	timeline_free(tl);
	event_base_free(base);
	return 0;
}

static void test_board_console_and_exit(void **state)
{
	(void)state;
	assert_int_equal(run_in_child(scenario_board_lines), 0);
}

static int scenario_board_power_off(void)
{
	struct event_base *base = event_base_new();
	struct timeline *tl = timeline_new();
	struct vlab *v = NULL;
	struct board *b1 = NULL, *b2 = NULL, *bad = NULL;
	struct lab_board s1, s2;

	CHECK(base && tl);
	test_lab.address = ip4("192.168.1.1");
	set_board(&s1, "b1", "hang", mac1, "virtual", "virtual");
	set_board(&s2, "b2", "term", mac2, "", ""); /* defaults: virtual in a virtual lab */
	CHECK_RC(vlab_new(BRIDGE, test_lab.address, 24, &v, err, sizeof(err)));
	CHECK_RC(vlab_add_board(v, "b1", mac1, err, sizeof(err)));
	CHECK_RC(vlab_add_board(v, "b2", mac2, err, sizeof(err)));
	CHECK_RC(board_new(base, tl, &test_lab, &s1, v, self_exe, &b1));
	CHECK_RC(board_new(base, tl, &test_lab, &s2, v, self_exe, &b2));

	CHECK_RC(board_power_on(b1));
	CHECK_RC(board_power_on(b2));
	CHECK(run_until(base, tl, 0, "b1", "console.line", "booting", 20) == 0);
	CHECK(run_until(base, tl, 0, "b2", "vpi.exit", NULL, 20) == 0);

	/* b2 killed itself with SIGTERM. */
	int pid = -1;
	for (size_t i = 0; i < timeline_count(tl); i++) {
		const struct event *ev = timeline_get(tl, i);
		const char *text = event_get(ev, "text");
		if (strcmp(ev->board, "b1") == 0 && text && strncmp(text, "pid ", 4) == 0)
			pid = atoi(text + 4);
		if (strcmp(ev->board, "b2") == 0 && strcmp(ev->name, "vpi.exit") == 0) {
			CHECK(strcmp(event_get(ev, "status"), "143") == 0);
			CHECK(strcmp(event_get(ev, "signal"), "15") == 0);
		}
	}
	CHECK(pid > 0);
	CHECK(kill(pid, 0) == 0);

	/* Power off b1: killed and reaped at once, power.off, no vpi.exit. */
	CHECK_RC(board_power_off(b1));
	CHECK(kill(pid, 0) < 0 && errno == ESRCH);
	const struct event *last = timeline_get(tl, timeline_count(tl) - 1);
	CHECK(strcmp(last->name, "power.off") == 0 && strcmp(last->board, "b1") == 0);
	/* Let SIGCHLD be delivered: a power off must not bring a vpi.exit. */
	struct timeval tv = { 0, 200 * 1000 };
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	for (size_t i = 0; i < timeline_count(tl); i++) {
		const struct event *ev = timeline_get(tl, i);
		CHECK(!(strcmp(ev->board, "b1") == 0 && strcmp(ev->name, "vpi.exit") == 0));
	}
	CHECK(timeline_get(tl, timeline_count(tl) - 1) == last);

	/* A missing pitest binary is an error and the board stays off. */
	struct lab_board s3;
	set_board(&s3, "b1", "hang", mac1, "virtual", "virtual");
	CHECK_RC(board_new(base, tl, &test_lab, &s3, v, "/nonexistent/pitest", &bad));
	size_t before = timeline_count(tl);
	CHECK(board_power_on(bad) == -ENOENT);
	CHECK(!board_is_on(bad) && timeline_count(tl) == before);
	board_free(bad);

	/* board_free powers off. */
	size_t from = timeline_count(tl);
	CHECK_RC(board_power_on(b1));
	CHECK(run_until(base, tl, from, "b1", "console.line", "booting", 20) == 0);
	size_t count = timeline_count(tl);
	board_free(b1);
	CHECK(timeline_count(tl) == count + 1);
	CHECK(strcmp(timeline_get(tl, count)->name, "power.off") == 0);
	board_free(b2);
	vlab_free(v);
	timeline_free(tl);
	event_base_free(base);
	return 0;
}

static void test_board_power_off(void **state)
{
	(void)state;
	assert_int_equal(run_in_child(scenario_board_power_off), 0);
}

/* Backend choice needs no namespace. */
static void test_board_backends(void **state)
{
	struct event_base *base = event_base_new();
	struct timeline *tl = timeline_new();
	struct board *b = NULL;
	struct lab_board s;
	struct lab real = { .name = "real", .time_scale = 1 };
	(void)state;

	set_board(&s, "p1", "pi4b", mac1, "relay9000", "virtual");
	assert_int_equal(board_new(base, tl, &real, &s, NULL, self_exe, &b), -EINVAL);
	set_board(&s, "p1", "pi4b", mac1, "manual", "telepathy");
	assert_int_equal(board_new(base, tl, &real, &s, NULL, self_exe, &b), -EINVAL);
	/* Virtual power needs a virtual lab, and the virtual console goes with it. */
	set_board(&s, "p1", "pi4b", mac1, "virtual", "virtual");
	assert_int_equal(board_new(base, tl, &real, &s, NULL, self_exe, &b), -EINVAL);
	set_board(&s, "p1", "pi4b", mac1, "manual", "virtual");
	assert_int_equal(board_new(base, tl, &real, &s, NULL, self_exe, &b), -EINVAL);

	set_board(&s, "p1", "pi4b", mac1, "manual", "none");
	assert_int_equal(board_new(base, tl, &real, &s, NULL, NULL, &b), 0);
	assert_int_equal(board_power_on(b), 0);
	assert_true(board_is_on(b));
	assert_int_equal(timeline_count(tl), 1);
	assert_string_equal(timeline_get(tl, 0)->name, "power.on");
	assert_string_equal(timeline_get(tl, 0)->board, "p1");
	assert_string_equal(event_get(timeline_get(tl, 0), "backend"), "manual");
	assert_int_equal(board_power_off(b), 0);
	assert_int_equal(timeline_count(tl), 2);
	assert_string_equal(timeline_get(tl, 1)->name, "power.off");
	board_free(b);

	/* Defaults for a real lab: manual power, no console. */
	set_board(&s, "p2", "pi4b", mac2, "", "");
	assert_int_equal(board_new(base, tl, &real, &s, NULL, NULL, &b), 0);
	assert_int_equal(board_power_on(b), 0);
	assert_string_equal(event_get(timeline_get(tl, 2), "backend"), "manual");
	board_free(b); /* powers off */
	assert_int_equal(timeline_count(tl), 4);
	board_free(NULL);
	timeline_free(tl);
	event_base_free(base);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "vpi") == 0)
		return fake_vpi(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "sleeper") == 0)
		return sleeper();

	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return 1;
	self_exe[n] = '\0';
	/* Orphaned board processes come to us, so the test can see how they died. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_board_backends),
		cmocka_unit_test(test_two_boards),
		cmocka_unit_test(test_killed_runner_leaves_nothing),
		cmocka_unit_test(test_board_console_and_exit),
		cmocka_unit_test(test_board_power_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
