/* rpc_drc.c: being written */
