#!/usr/bin/env python3
"""Writes the TFTP fuzzers' seed corpora (tests/fuzz/corpus/tftp_wire and
tftp_server): the requests of pi-netboot.md 3.1 and each packet kind, and
for the server scripts of whole exchanges in the record format of
tests/fuzz/fuzz_tftp_server.c. Run from anywhere; files are committed."""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus")


def rrq(name, *opts, op=1, mode=b"octet"):
    b = struct.pack(">H", op) + name + b"\0" + mode + b"\0"
    for o in opts:
        b += o + b"\0"
    return b


def ack(n):
    return struct.pack(">HH", 4, n & 0xffff)


def data(n, payload):
    return struct.pack(">HH", 3, n & 0xffff) + payload


def error(code, msg):
    return struct.pack(">HH", 5, code) + msg + b"\0"


def oack(*opts):
    return struct.pack(">H", 6) + b"".join(o + b"\0" for o in opts)


WIRE = {
    "pi3_rom_rrq": rrq(b"bootcode.bin"),
    "pi4_rrq": rrq(b"9ffefdef/start4.elf", b"tsize", b"0", b"blksize", b"1024"),
    "pi5_rrq": rrq(b"config.txt", b"tsize", b"0", b"blksize", b"1468"),
    "atftp_window": rrq(b"kernel8.img", b"tsize", b"0", b"windowsize", b"16", b"timeout", b"5"),
    "wrq": rrq(b"up.txt", op=2),
    "netascii": rrq(b"a", mode=b"NETASCII"),
    "oack": oack(b"tsize", b"2255328", b"blksize", b"1024"),
    "data": data(1, b"hello"),
    "data_empty": data(3, b""),
    "ack0": ack(0),
    "ack_ffff": ack(0xffff),
    "early_terminate": error(0, b"Early terminate"),
    "error_empty": error(1, b""),
    "bad_no_mode": b"\0\1bootcode.bin\0",
    "bad_dup_option": rrq(b"a", b"blksize", b"512", b"BLKSIZE", b"1024"),
}


def rec(kind, payload):
    assert len(payload) < 256
    return bytes([kind, len(payload)]) + payload


def tick(tenths8):
    return rec(2, b"\0" * tenths8)


def acks(slot, *blocks):
    return b"".join(rec(3 + 4 * slot, struct.pack(">H", b & 0xffff)) for b in blocks)


SERVER = {
    "lockstep": rec(0, rrq(b"a")) + acks(0, 1, 2, 3),
    "oack_blksize": rec(0, rrq(b"a", b"tsize", b"0", b"blksize", b"1024")) + acks(0, 0, 1, 2),
    "window": rec(0, rrq(b"big", b"windowsize", b"8", b"blksize", b"512")) + acks(0, 0, 8, 6, 6, 14, 22),
    "probe": rec(0, rrq(b"a", b"tsize", b"0")) + acks(0, 0) + rec(1, error(0, b"Early terminate"))
    + rec(0, rrq(b"a", b"tsize", b"0")) + acks(0, 0, 1, 2, 3),
    "timeouts": rec(0, rrq(b"k")) + tick(8) + tick(16) + tick(32) + tick(32) + tick(64),
    "dup_ack": rec(0, rrq(b"k")) + acks(0, 1, 1, 1, 2, 2, 3),
    "small_blocks": rec(0, rrq(b"big", b"blksize", b"8", b"windowsize", b"16")) + acks(0, 0, 16, 32, 40, 48),
    "refusals": rec(0, rrq(b"../x")) + rec(0, rrq(b"/etc/passwd")) + rec(0, rrq(b"out"))
    + rec(0, rrq(b"d")) + rec(0, rrq(b"up", op=2)) + rec(0, b"\0\1x"),
    "two_transfers": rec(0, rrq(b"a")) + rec(4, rrq(b"e")) + acks(1, 1) + acks(0, 1, 2, 3),
    "empty": rec(0, rrq(b"e", b"tsize", b"0")) + acks(0, 0, 1),
}


def write(sub, items):
    d = os.path.join(ROOT, sub)
    os.makedirs(d, exist_ok=True)
    for name, b in items.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(b)


write("tftp_wire", WIRE)
write("tftp_server", SERVER)
