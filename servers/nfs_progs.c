/* nfs_progs.c: being written */
