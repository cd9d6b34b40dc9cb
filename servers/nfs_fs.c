/* nfs_fs.c: being written */
