/*
 * lab_servers.c - DHCP and TFTP for a lab on one loop (lab_servers.h).
 */
#include "harness/lab_servers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixtures/boot/boot_tree.h"
#include "fixtures/rootfs/root_tree.h"
#include "harness/lab.h"
#include "harness/suite.h"
#include "harness/timeline.h"
#include "servers/dhcp_glue.h"
#include "servers/dhcp_server.h"
#include "servers/nfs_fs.h"
#include "servers/rpc_glue.h"
#include "servers/rpc_server.h"
#include "servers/tftp_glue.h"
#include "servers/tftp_server.h"

struct lab_servers {
	const struct lab *lab;
	struct dhcp_host *hosts;
	struct dhcp_server *dhcp;
	struct dhcp_glue *dhcp_glue;
	struct tftp_server *tftp;
	struct tftp_glue *tftp_glue;
	struct nfs_export_config *exports;
	struct nfs_fs *nfs;
	struct rpc_server *rpc;
	struct rpc_glue *rpc_glue;
	char address[INET_ADDRSTRLEN];
	/* what a restart needs to start a server again */
	struct event_base *base;
	struct timeline *tl;
	const struct lab_root *root;
	double time_scale;
	struct fault_engine *faults;
	uint32_t server_ip;
	pid_t peer_pgid;            /* PITEST_LAB_PEER's process group; 0 = none */
};

/* ---- TFTP root ---------------------------------------------------------- */

static int make_temp_dir(const char *what, const char *pattern, char dir[PATH_MAX])
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, PATH_MAX, "%s/%s", tmp && tmp[0] ? tmp : "/tmp", pattern);
	if (!mkdtemp(dir)) {
		int e = errno;
		fprintf(stderr, "pitest: cannot make a directory for the %s (%s): %s\n", what, dir,
			strerror(e));
		return -e;
	}
	return 0;
}

/* A virtual lab without exports gets `pitest mkroot --lab` roots for the run. */
static int nfs_roots_prepare(const struct lab *lab, struct lab_root *root)
{
	snprintf(root->nfs_state, sizeof(root->nfs_state), "%s", lab->nfs.state);
	if (lab->nfs.n_exports || !lab->is_virtual)
		return 0;
	int r = make_temp_dir("NFS roots", "pitest-nfs-XXXXXX", root->nfs_path);
	if (r < 0) {
		root->nfs_path[0] = '\0';
		return r;
	}
	root->nfs_generated = true;
	char dir[PATH_MAX + 16], err[512] = "";
	snprintf(dir, sizeof(dir), "%s/srv", root->nfs_path);
	r = root_tree_write_for_lab(dir, lab, NULL, false, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "pitest: cannot generate the NFS roots for lab %s: %s\n", lab->name, err);
		return r;
	}
	/* handle keys for the run, beside the roots (not inside an export) */
	if (!root->nfs_state[0])
		snprintf(root->nfs_state, sizeof(root->nfs_state), "%s/state", root->nfs_path);
	return 0;
}

int lab_root_prepare(const struct lab *lab, struct lab_root *ret_root)
{
	memset(ret_root, 0, sizeof(*ret_root));
	int r = nfs_roots_prepare(lab, ret_root);
	if (r < 0) {
		lab_root_release(ret_root);
		return r;
	}
	if (lab->tftp.root[0]) {
		snprintf(ret_root->path, sizeof(ret_root->path), "%s", lab->tftp.root);
		return 0;
	}
	if (!lab->is_virtual)
		return 0; /* a real lab without tftp.root: DHCP only */
	char dir[PATH_MAX];
	r = make_temp_dir("boot tree", "pitest-boot-XXXXXX", dir);
	if (r < 0) {
		lab_root_release(ret_root);
		return r;
	}
	char err[512] = "";
	r = boot_tree_write_for_lab(dir, lab, 0, NULL, true, err, sizeof(err));
	snprintf(ret_root->path, sizeof(ret_root->path), "%s", dir);
	ret_root->generated = true;
	if (r < 0) {
		fprintf(stderr, "pitest: cannot generate the boot tree for lab %s: %s\n", lab->name,
			err);
		lab_root_release(ret_root);
		return r;
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void lab_root_release(struct lab_root *root)
{
	if (root->generated && root->path[0])
		nftw(root->path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	root->generated = false;
	root->path[0] = '\0';
	if (root->nfs_generated && root->nfs_path[0])
		nftw(root->nfs_path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	root->nfs_generated = false;
	root->nfs_path[0] = '\0';
}

/* ---- DHCP ----------------------------------------------------------------- */

static enum dhcp_pxe_spaces pxe_spaces_from(const char *text)
{
	if (strcmp(text, "always") == 0)
		return DHCP_PXE_SPACES_ALWAYS;
	if (strcmp(text, "never") == 0)
		return DHCP_PXE_SPACES_NEVER;
	return DHCP_PXE_SPACES_AUTO;
}

static enum dhcp_answer answer_from(const char *text)
{
	if (strcmp(text, "any") == 0)
		return DHCP_ANSWER_ANY;
	if (strcmp(text, "raspberry-pi") == 0)
		return DHCP_ANSWER_RASPBERRY_PI;
	return DHCP_ANSWER_LAB;
}

/* Server settings from the lab, the case and the interface. */
static int dhcp_config_for(const struct lab *lab, const struct suite_case *kase,
			   double time_scale, struct dhcp_server_config *cfg,
			   struct dhcp_host *hosts)
{
	memset(cfg, 0, sizeof(*cfg));
	uint32_t ip, mask;
	if (if_nametoindex(lab->interface) == 0) {
		fprintf(stderr, "pitest: %s: interface %s does not exist on this host "
			"(network.interface names the NIC the boards are cabled to)\n",
			lab->path, lab->interface);
		return -ENODEV;
	}
	int err = dhcp_glue_iface_addr(lab->interface, &ip, &mask);
	if (err) {
		fprintf(stderr, "pitest: %s: interface %s has no IPv4 address (%s)\n", lab->path,
			lab->interface, strerror(-err));
		return err;
	}
	cfg->server_ip = ip;
	cfg->netmask = mask;
	cfg->router = lab->dhcp.router;
	cfg->dns = lab->dhcp.dns;
	cfg->range_start = lab->dhcp.range_start;
	cfg->range_end = lab->dhcp.range_end;
	cfg->lease_s = lab->dhcp.lease_s;
	snprintf(cfg->pxe_menu, sizeof(cfg->pxe_menu), "%s", lab->dhcp.pxe_menu);
	cfg->pxe_spaces = pxe_spaces_from(lab->dhcp.pxe_spaces);
	cfg->mode = strcmp(lab->dhcp.mode, "proxy") == 0 ? DHCP_MODE_PROXY : DHCP_MODE_SERVER;
	cfg->answer = answer_from(lab->dhcp.answer);
	cfg->ignore_reservations = kase ? !kase->dhcp_reservations : false;
	cfg->time_scale = time_scale;
	for (size_t i = 0; i < lab->n_boards; i++) {
		const struct lab_board *b = &lab->boards[i];
		memcpy(hosts[i].mac, b->mac, 6);
		hosts[i].ip = b->ip;
		hosts[i].lease_s = b->lease_s;
		snprintf(hosts[i].board, sizeof(hosts[i].board), "%s", b->name);
		snprintf(hosts[i].model, sizeof(hosts[i].model), "%s", b->model);
	}
	cfg->hosts = hosts;
	cfg->n_hosts = lab->n_boards;
	return 0;
}

/* ---- test peer ------------------------------------------------------------ */

#define PEER_START_MS 15000

/*
 * PITEST_LAB_PEER, for tests: a shell command run in the lab's network
 * namespace before the servers start (say, a plain DHCP server next to a
 * proxy-mode pitest; a virtual lab's namespace exists only inside this
 * process tree). It must exit 0 within PEER_START_MS once what it started
 * is ready; what it leaves running stays in its process group, which gets
 * SIGTERM when the servers stop.
 */
static int peer_start(struct lab_servers *s)
{
	const char *cmd = getenv("PITEST_LAB_PEER");
	if (!cmd || !cmd[0])
		return 0;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid); /* both sides: whichever runs first */
	s->peer_pgid = pid;
	int status = 0;
	for (int waited = 0;; waited += 20) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if ((r < 0 && errno != EINTR) || waited >= PEER_START_MS) {
			fprintf(stderr, "pitest: PITEST_LAB_PEER did not finish within %d s\n",
				PEER_START_MS / 1000);
			return -ETIMEDOUT;
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "pitest: PITEST_LAB_PEER failed (exit %d)\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -ECHILD;
	}
	return 0;
}

static void peer_stop(struct lab_servers *s)
{
	if (s->peer_pgid > 0)
		(void)killpg(s->peer_pgid, SIGTERM);
	s->peer_pgid = 0;
}

/* ---- TFTP ----------------------------------------------------------------- */

/* Attribution: who holds the address by the DHCP server's leases. */
static bool who_by_lease(void *ctx, uint32_t ip, char board[32], char model[16],
			 char ret_root[PATH_MAX])
{
	struct lab_servers *s = ctx;
	const struct dhcp_host *h = dhcp_server_host_for_ip(s->dhcp, ip, time(NULL));
	if (!h)
		return false;
	snprintf(board, 32, "%s", h->board);
	snprintf(model, 16, "%s", h->model);
	const struct lab_board *lb = lab_board_by_name(s->lab, h->board);
	if (lb && lb->tftp_root[0])
		snprintf(ret_root, PATH_MAX, "%s", lb->tftp_root);
	return true;
}

/* ---- NFS ------------------------------------------------------------------ */

static bool who_for_rpc(void *ctx, uint32_t ip, char board[32], char model[16])
{
	char root[PATH_MAX];
	return who_by_lease(ctx, ip, board, model, root);
}

/* The exports: the lab's, or the generated roots (shared + one per board). */
static int nfs_exports_for(struct lab_servers *s, const struct lab_root *root, size_t *ret_n)
{
	const struct lab *lab = s->lab;
	size_t n = lab->nfs.n_exports ? lab->nfs.n_exports : 1 + lab->n_boards;
	s->exports = calloc(n, sizeof(*s->exports));
	if (!s->exports)
		return -ENOMEM;
	if (lab->nfs.n_exports) {
		for (size_t i = 0; i < n; i++) {
			const struct lab_nfs_export *x = &lab->nfs.exports[i];
			struct nfs_export_config *e = &s->exports[i];
			snprintf(e->name, sizeof(e->name), "%s", x->path);
			snprintf(e->dir, sizeof(e->dir), "%s", x->dir);
			e->read_only = x->read_only;
			snprintf(e->board, sizeof(e->board), "%s", x->board);
		}
	} else {
		struct nfs_export_config *e = &s->exports[0];
		snprintf(e->name, sizeof(e->name), "%s/%s", BOOT_TREE_NFS_BASE, ROOT_TREE_SHARED);
		snprintf(e->dir, sizeof(e->dir), "%s/srv/%s", root->nfs_path, ROOT_TREE_SHARED);
		for (size_t i = 0; i < lab->n_boards; i++) {
			const char *name = lab->boards[i].name;
			e = &s->exports[1 + i];
			snprintf(e->name, sizeof(e->name), "%s/%s", BOOT_TREE_NFS_BASE, name);
			snprintf(e->dir, sizeof(e->dir), "%s/srv/%s", root->nfs_path, name);
			snprintf(e->board, sizeof(e->board), "%s", name);
		}
	}
	*ret_n = n;
	return 0;
}

/* Where handle keys live when the lab names no place: the user's state directory. */
static void default_state_dir(char out[PATH_MAX])
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (xdg && xdg[0])
		snprintf(out, PATH_MAX, "%s/pitest", xdg);
	else if (home && home[0])
		snprintf(out, PATH_MAX, "%s/.local/state/pitest", home);
	else
		out[0] = '\0'; /* keys for this run only */
}

static int nfs_start(struct lab_servers *s, struct event_base *base, struct timeline *tl,
		     const struct lab_root *root, double time_scale, struct fault_engine *faults,
		     uint32_t server_ip)
{
	const struct lab *lab = s->lab;
	struct nfs_fs_config fcfg = { 0 };
	int err = nfs_exports_for(s, root, &fcfg.n_exports);
	if (err)
		return err;
	fcfg.exports = s->exports;
	if (root && root->nfs_state[0])
		snprintf(fcfg.state_dir, sizeof(fcfg.state_dir), "%s", root->nfs_state);
	else
		default_state_dir(fcfg.state_dir);
	char msg[512] = "";
	err = nfs_fs_new(&fcfg, &s->nfs, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "pitest: %s: cannot serve NFS: %s\n", lab->path, msg);
		return err;
	}
	struct rpc_server_config rcfg = {
		.fs = s->nfs,
		.time_scale = time_scale,
		.who = who_for_rpc,
		.who_ctx = s,
	};
	err = rpc_server_new(&rcfg, tl, faults, &s->rpc);
	if (err) {
		fprintf(stderr, "pitest: cannot start the NFS server: %s\n", strerror(-err));
		return err;
	}
	struct rpc_glue_config gcfg = {
		.bind_ip = server_ip,
		.pmap_port = lab->nfs.pmap_port,
		.nfs_port = lab->nfs.port ? lab->nfs.port : LAB_NFS_PORT,
		.no_pmap = lab->nfs.pmap_port == 0,
	};
	err = rpc_glue_new(base, s->rpc, tl, &gcfg, &s->rpc_glue, msg, sizeof(msg));
	if (err)
		fprintf(stderr, "pitest: cannot serve NFS on %s: %s\n", s->address, msg);
	return err;
}

static int tftp_start(struct lab_servers *s)
{
	struct tftp_server_config tcfg = { 0 };
	snprintf(tcfg.root, sizeof(tcfg.root), "%s", s->root->path);
	tcfg.time_scale = s->time_scale;
	tcfg.who = who_by_lease;
	tcfg.who_ctx = s;
	int err = tftp_server_new(&tcfg, s->tl, s->faults, &s->tftp);
	if (err) {
		fprintf(stderr, "pitest: %s: cannot serve TFTP from %s: %s\n", s->lab->path,
			s->root->path, strerror(-err));
		return err;
	}
	uint16_t port = s->lab->tftp.port ? s->lab->tftp.port : 69;
	err = tftp_glue_new(s->base, s->tftp, s->server_ip, port, &s->tftp_glue);
	if (err)
		fprintf(stderr, "pitest: cannot serve TFTP on %s port %u: %s\n", s->address, port,
			strerror(-err));
	return err;
}

static void nfs_stop(struct lab_servers *s)
{
	rpc_glue_free(s->rpc_glue);
	rpc_server_free(s->rpc);
	nfs_fs_free(s->nfs);
	free(s->exports);
	s->rpc_glue = NULL;
	s->rpc = NULL;
	s->nfs = NULL;
	s->exports = NULL;
}

static void tftp_stop(struct lab_servers *s)
{
	tftp_glue_free(s->tftp_glue);
	tftp_server_free(s->tftp);
	s->tftp_glue = NULL;
	s->tftp = NULL;
}

int lab_servers_restart(struct lab_servers *s, const char *server)
{
	bool nfs = strcmp(server, "nfs") == 0;
	if (nfs ? !s->rpc_glue : !s->tftp_glue)
		return -ENOENT;
	timeline_emit(s->tl, "", "server.stop", "server", server, NULL);
	int err;
	if (nfs) {
		nfs_stop(s);
		err = nfs_start(s, s->base, s->tl, s->root, s->time_scale, s->faults, s->server_ip);
	} else {
		tftp_stop(s);
		err = tftp_start(s);
	}
	timeline_emit(s->tl, "", "server.start", "server", server, "status", err ? strerror(-err) : "ok",
		      NULL);
	return err;
}

int lab_servers_start(struct event_base *base, struct timeline *tl, const struct lab *lab,
		      const struct lab_root *root, const struct suite_case *kase,
		      double time_scale, struct fault_engine *faults, const char *lease_file,
		      struct lab_servers **ret_servers)
{
	struct lab_servers *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->lab = lab;
	s->hosts = calloc(lab->n_boards ? lab->n_boards : 1, sizeof(*s->hosts));
	int err = -ENOMEM;
	if (!s->hosts)
		goto fail;

	if ((err = peer_start(s)) != 0)
		goto fail;
	struct dhcp_server_config dcfg;
	err = dhcp_config_for(lab, kase, time_scale, &dcfg, s->hosts);
	if (err)
		goto fail;
	inet_ntop(AF_INET, &dcfg.server_ip, s->address, sizeof(s->address));
	err = dhcp_server_new(&dcfg, tl, faults, &s->dhcp);
	if (err) {
		fprintf(stderr, "pitest: %s: cannot start the DHCP server: %s\n", lab->path,
			strerror(-err));
		goto fail;
	}
	if (lease_file) {
		int lr = dhcp_server_load_leases(s->dhcp, lease_file, time(NULL));
		if (lr != 0 && lr != -ENOENT)
			fprintf(stderr, "pitest: leases in %s not loaded: %s\n", lease_file,
				strerror(-lr));
	}
	err = dhcp_glue_new(base, s->dhcp, lab->interface, 67, lease_file, &s->dhcp_glue);
	if (err) {
		fprintf(stderr, "pitest: cannot serve DHCP on %s: %s\n", lab->interface,
			strerror(-err));
		goto fail;
	}

	s->base = base;
	s->tl = tl;
	s->root = root;
	s->time_scale = time_scale;
	s->faults = faults;
	s->server_ip = dcfg.server_ip;
	if (root && root->path[0] && (err = tftp_start(s)) != 0)
		goto fail;
	if (lab->nfs.n_exports || (root && root->nfs_path[0])) {
		err = nfs_start(s, base, tl, root, time_scale, faults, dcfg.server_ip);
		if (err)
			goto fail;
	}
	*ret_servers = s;
	return 0;
fail:
	lab_servers_stop(s);
	return err;
}

void lab_servers_stop(struct lab_servers *s)
{
	if (!s)
		return;
	nfs_stop(s);
	tftp_stop(s);
	dhcp_glue_free(s->dhcp_glue);
	dhcp_server_free(s->dhcp);
	peer_stop(s);
	free(s->hosts);
	free(s);
}

struct dhcp_server *lab_servers_dhcp(struct lab_servers *s)
{
	return s->dhcp;
}

bool lab_servers_nfs(const struct lab_servers *s)
{
	return s->rpc_glue != NULL;
}

const char *lab_servers_address(const struct lab_servers *s)
{
	return s->address;
}
