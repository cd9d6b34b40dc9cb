/* pmap_prog.c: being written */
