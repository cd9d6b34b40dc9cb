/* nfs3_const.c: being written */
