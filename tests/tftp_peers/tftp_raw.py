#!/usr/bin/env python3
"""tftp_raw.py - sends one hand-built TFTP request and reports the answer.

For requests no ordinary client can send (bytes after an embedded NUL, no
terminator, raw WRQ). Prints one line:
  ERROR <code> <message>     the server refused
  DATA <bytes>               the server sent a file (all of it, up to --max-bytes)
  OACK <options>             ... after an OACK (then DATA as above is followed)
  ACK <block>                a WRQ was accepted (the transfer is then aborted)
  NONE                       no answer
When the server sends data, it is ACKed to the end (or --max-bytes, then
aborted with ERROR 0) and written to --out, so the caller can look for
content from outside the root.

usage: tftp_raw.py HOST PORT rrq NAME [MODE [OPT VAL]...]
       tftp_raw.py HOST PORT wrq NAME
       tftp_raw.py HOST PORT hex HEXBYTES
"""
import argparse
import socket
import struct
import sys


def build(kind, args):
    if kind == "hex":
        return bytes.fromhex(args[0])
    opcode = 1 if kind == "rrq" else 2
    name = args[0].encode("latin-1")
    rest = args[1:] or ["octet"]
    body = name + b"\0" + b"".join(a.encode("latin-1") + b"\0" for a in rest)
    return struct.pack("!H", opcode) + body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("kind", choices=["rrq", "wrq", "hex"])
    ap.add_argument("args", nargs="+")
    ap.add_argument("--out", default=None)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--max-bytes", type=int, default=4 << 20)
    a = ap.parse_args()

    req = build(a.kind, a.args)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    got = bytearray()
    first = None
    peer = None
    expect = 1
    tries = 0
    blksize = 512
    s.sendto(req, (a.host, a.port))
    while True:
        try:
            pkt, frm = s.recvfrom(70000)
        except socket.timeout:
            if first is None and tries < 2:
                # The request (or its answer) may be lost: send it again.
                s.sendto(req, (a.host, a.port))
                tries += 1
                continue
            break
        if peer is None:
            peer = frm
        elif frm != peer:
            continue
        if len(pkt) < 2:
            continue
        op = struct.unpack("!H", pkt[:2])[0]
        if op == 5:
            code = struct.unpack("!H", pkt[2:4])[0] if len(pkt) >= 4 else -1
            msg = pkt[4:].split(b"\0")[0].decode("latin-1", "replace")
            if first is None:
                print(f"ERROR {code} {msg}")
                return 0
            break
        if op == 2 or op == 4:
            # ACK: only a WRQ gets one; abort the upload at once.
            blk = struct.unpack("!H", pkt[2:4])[0] if len(pkt) >= 4 else -1
            print(f"ACK {blk}")
            s.sendto(struct.pack("!HH", 5, 0) + b"aborted\0", peer)
            return 0
        if op == 6:
            if first is None:
                first = "OACK"
                print("OACK " + pkt[2:].replace(b"\0", b" ").decode("latin-1", "replace").strip())
                opts = pkt[2:].split(b"\0")
                for k, v in zip(opts[0::2], opts[1::2]):
                    if k.lower() == b"blksize" and v.isdigit():
                        blksize = int(v)
            s.sendto(struct.pack("!HH", 4, 0), peer)
            continue
        if op == 3 and len(pkt) >= 4:
            if first is None:
                first = "DATA"
            blk = struct.unpack("!H", pkt[2:4])[0]
            if blk == (expect & 0xFFFF):
                got += pkt[4:]
                expect += 1
            s.sendto(struct.pack("!HH", 4, blk), peer)
            if blk == ((expect - 1) & 0xFFFF) and len(pkt) - 4 < blksize:
                break
            if len(got) >= a.max_bytes:
                s.sendto(struct.pack("!HH", 5, 0) + b"enough\0", peer)
                break
    if a.out:
        with open(a.out, "wb") as f:
            f.write(got)
    if first is None:
        print("NONE")
    else:
        print(f"DATA {len(got)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
