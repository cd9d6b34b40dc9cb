#!/usr/bin/env python3
"""console_server.py - a stand-in ser2net for test_console_tcp, on 127.0.0.1.

Usage: console_server.py LOG SPLIT raw|telnet RECORD

Prints its port, then serves LOG (bytes) over two connections, as a console
server that goes away mid-boot and comes back: the first connection gets
LOG's first SPLIT lines (CRLF-ended) in pieces of varying size, then the
server closes it and stops listening for 0.8 s; the second connection gets
the rest, then is closed. In telnet mode each connection starts with the
option offers ser2net makes (WILL ECHO, WILL SGA, DO TTYPE). Everything the
client sent is written to RECORD as hex at the end. Bounded: each accept
waits at most 10 s.
"""
import random
import socket
import sys
import time


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    s.settimeout(10)
    return s


def serve(lsock, data, telnet, rng, received):
    conn, _ = lsock.accept()
    lsock.close()
    if telnet:
        conn.sendall(bytes([255, 251, 1, 255, 251, 3, 255, 253, 24]))
    i = 0
    while i < len(data):
        n = rng.randint(1, 300)
        conn.sendall(data[i:i + n])
        i += n
        if rng.random() < 0.3:
            time.sleep(0.002)
    time.sleep(0.2)  # the client's answers, if any, arrive meanwhile
    conn.settimeout(0.2)
    try:
        while True:
            b = conn.recv(4096)
            if not b:
                break
            received.extend(b)
    except socket.timeout:
        pass
    conn.shutdown(socket.SHUT_RDWR)
    conn.close()


def main():
    log, split, mode, record = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    data = open(log, "rb").read()
    cut = 0
    for _ in range(split):
        cut = data.index(b"\r\n", cut) + 2
    rng = random.Random(4)  # the same pieces every run
    lsock = listen(0)
    port = lsock.getsockname()[1]
    print(port, flush=True)
    received = bytearray()
    serve(lsock, data[:cut], mode == "telnet", rng, received)
    time.sleep(0.8)  # down: the client's retries are refused
    serve(listen(port), data[cut:], mode == "telnet", rng, received)
    with open(record, "w") as f:
        f.write(received.hex())


if __name__ == "__main__":
    main()
