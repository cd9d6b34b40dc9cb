/* nfs3_prog.c: being written */
