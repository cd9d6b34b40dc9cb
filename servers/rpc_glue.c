/* rpc_glue.c: being written */
