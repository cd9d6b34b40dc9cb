/* mount_prog.c: being written */
