/*
 * nfsd_cmd.h - `pitest nfsd`: the embedded NFS server (portmapper, MOUNT v3,
 * NFSv3) on its own, serving directories until SIGINT/SIGTERM. Peer tests,
 * benchmarks and the kernel test start it this way.
 */
#ifndef PITEST_NFSD_CMD_H
#define PITEST_NFSD_CMD_H

/* argv[0] is "nfsd". Returns the exit status: 0, 1 (cannot serve), 2 (usage). */
int nfsd_main(int argc, char **argv);

#endif
