#!/usr/bin/env python3
"""Writes the DHCP fuzzers' seed corpora (tests/fuzz/corpus/dhcp_wire and
dhcp_server): the Pi boot-code requests of pi-netboot.md 2.1 and the other
message kinds the server handles. Run from anywhere; files are committed."""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus")
VENDOR = b"PXEClient:Arch:00000:UNDI:002001"
SERVER = bytes([192, 168, 1, 1])


def ip(s):
    return bytes(int(x) for x in s.split("."))


def header(xid, mac, ciaddr=b"\0" * 4, giaddr=b"\0" * 4, hops=0, flags=0, op=1):
    h = struct.pack(">BBBBIHH", op, 1, 6, hops, xid, 0, flags)
    h += ciaddr + b"\0" * 8 + giaddr + mac + b"\0" * 10 + b"\0" * 192
    assert len(h) == 236
    return h


def opt(code, data):
    return bytes([code, len(data)]) + data


def dhcp(xid, mac, opts, **kw):
    return header(xid, mac, **kw) + b"\x63\x82\x53\x63" + b"".join(opts) + b"\xff"


MAC3B = bytes.fromhex("b827eb64247d")
MAC4 = bytes.fromhex("dca6320136c2")
MACX = bytes.fromhex("020000000077")
PRL3B = bytes([43, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135, 66])
PRL4 = bytes([1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135])
PRLK = bytes([1, 3, 6, 12, 15, 17, 26, 40])
GUID3B = b"\0" + b"\x44" * 16
GUID4 = b"\0RPi4" + bytes.fromhex("1231c000") + MAC4[2:] + bytes.fromhex("9ffefdef")

seeds = {
    "pi3b_discover": dhcp(0x26F30339, MAC3B, [opt(53, b"\1"), opt(55, PRL3B), opt(93, b"\0\0"),
                                              opt(94, b"\1\2\1"), opt(97, GUID3B), opt(60, VENDOR)]),
    "pi4_discover": dhcp(0xD383A6AC, MAC4, [opt(53, b"\1"), opt(55, PRL4), opt(60, VENDOR),
                                            opt(93, b"\0\0"), opt(94, b"\1\2\1"), opt(97, GUID4)]),
    "pi4_request": dhcp(0xD383A6AC, MAC4, [opt(53, b"\3"), opt(50, ip("192.168.1.101")),
                                           opt(54, SERVER), opt(55, PRL4), opt(93, b"\0\0"),
                                           opt(94, b"\1\2\1"), opt(97, GUID4)]),
    "kernel_discover": dhcp(0x1234, MACX, [opt(53, b"\1"), opt(55, PRLK)]) + b"\0" * 300,
    "kernel_request": dhcp(0x1234, MACX, [opt(53, b"\3"), opt(54, SERVER),
                                          opt(50, ip("192.168.1.96")), opt(55, PRLK)]),
    "init_reboot": dhcp(0x99, MACX, [opt(53, b"\3"), opt(50, ip("192.168.1.96"))]),
    "renew": dhcp(0x98, MACX, [opt(53, b"\3")], ciaddr=ip("192.168.1.96")),
    "decline": dhcp(0x97, MACX, [opt(53, b"\4"), opt(54, SERVER), opt(50, ip("192.168.1.96"))]),
    "release": dhcp(0x96, MACX, [opt(53, b"\7"), opt(54, SERVER)], ciaddr=ip("192.168.1.96")),
    "inform": dhcp(0x95, MACX, [opt(53, b"\x08")], ciaddr=ip("192.168.1.7")),
    "relay_discover": dhcp(0x94, MACX, [opt(53, b"\1"), opt(60, VENDOR), opt(93, b"\0\0")],
                           giaddr=ip("192.168.1.254"), hops=1),
    "bootp": header(0x93, MAC3B) + b"\0" * 64,
    "split_overload": dhcp(0x92, MACX, [opt(53, b"\1"), opt(12, b"pi"), opt(52, b"\3"),
                                        opt(12, b"te")]),
    "long_option": dhcp(0x91, MACX, [opt(53, b"\1"), opt(43, b"A" * 255), opt(43, b"B" * 200)]),
}

for name in ("dhcp_wire", "dhcp_server"):
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    for key, data in seeds.items():
        # dhcp_server's first byte advances its clock (seconds).
        blob = (b"\x05" + data) if name == "dhcp_server" else data
        with open(os.path.join(d, key), "wb") as f:
            f.write(blob)
print("wrote", len(seeds), "seeds per corpus under", os.path.normpath(ROOT))
