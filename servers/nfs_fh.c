/* nfs_fh.c: being written */
