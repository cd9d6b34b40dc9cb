/* rpc_server.c: being written */
