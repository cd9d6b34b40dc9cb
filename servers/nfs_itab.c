/* nfs_itab.c: being written */
