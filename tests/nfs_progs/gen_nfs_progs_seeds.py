#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_nfs_progs: one valid call per procedure.

Usage: gen_nfs_progs_seeds.py OUTDIR. Each seed is sel(1) + arguments, sel
indexing the fuzzer's target table (portmap 0-5, MOUNT 6-11, NFS 12-33).
Handles are markers ("@FH<n>") that the fuzzer swaps for real ones:
0 root, 1 dir, 2 dir/file, 3 link, 4 big.
"""
import os
import struct
import sys


def u32(v):
    return struct.pack(">I", v)


def u64(v):
    return struct.pack(">Q", v)


def opaque(b):
    return u32(len(b)) + b + b"\0" * (-len(b) % 4)


def fh(n):
    return opaque(b"@FH%d" % n + b"\0" * 28)


def dirop(n, name):
    return fh(n) + opaque(name)


SATTR_NONE = u32(0) * 4 + u32(0) + u32(0)
SATTR_MODE = u32(1) + u32(0o644) + u32(0) * 3 + u32(0) + u32(0)
SATTR_ALL = (u32(1) + u32(0o600) + u32(1) + u32(0) + u32(1) + u32(0) + u32(1) + u64(3)
             + u32(2) + u32(1) + u32(2) + u32(1))
VERF = b"\0" * 8

SEEDS = {
    "pmap_null": (0, b""),
    "pmap_set": (1, u32(100005) + u32(3) + u32(6) + u32(2049)),
    "pmap_unset": (2, u32(100005) + u32(3) + u32(6) + u32(2049)),
    "pmap_getport": (3, u32(100005) + u32(3) + u32(6) + u32(0)),
    "pmap_dump": (4, b""),
    "pmap_callit": (5, u32(100003) + u32(3) + u32(0) + opaque(b"")),
    "mnt_null": (6, b""),
    "mnt_mnt": (7, opaque(b"/fuzz")),
    "mnt_dump": (8, b""),
    "mnt_umnt": (9, opaque(b"/fuzz")),
    "mnt_umntall": (10, b""),
    "mnt_export": (11, b""),
    "nfs_null": (12, b""),
    "nfs_getattr": (13, fh(2)),
    "nfs_setattr": (14, fh(2) + SATTR_ALL + u32(0)),
    "nfs_lookup": (15, dirop(1, b"file")),
    "nfs_access": (16, fh(2) + u32(0x3f)),
    "nfs_readlink": (17, fh(3)),
    "nfs_read": (18, fh(4) + u64(4) + u32(20)),
    "nfs_write": (19, fh(2) + u64(2) + u32(5) + u32(0) + opaque(b"hello")),
    "nfs_create": (20, dirop(1, b"new") + u32(0) + SATTR_MODE),
    "nfs_create_excl": (20, dirop(1, b"excl") + u32(2) + b"verif-01"),
    "nfs_mkdir": (21, dirop(1, b"nd") + SATTR_MODE),
    "nfs_symlink": (22, dirop(1, b"sl") + SATTR_NONE + opaque(b"../big")),
    "nfs_mknod_fifo": (23, dirop(1, b"fifo") + u32(7) + SATTR_MODE),
    "nfs_mknod_chr": (23, dirop(1, b"chr") + u32(4) + SATTR_MODE + u32(1) + u32(3)),
    "nfs_remove": (24, dirop(1, b"new")),
    "nfs_rmdir": (25, dirop(1, b"nd")),
    "nfs_rename": (26, dirop(1, b"file") + dirop(0, b"file2")),
    "nfs_link": (27, fh(4) + dirop(1, b"hl")),
    "nfs_readdir": (28, fh(1) + u64(0) + VERF + u32(300)),
    "nfs_readdirplus": (29, fh(0) + u64(0) + VERF + u32(100) + u32(1000)),
    "nfs_fsstat": (30, fh(0)),
    "nfs_fsinfo": (31, fh(0)),
    "nfs_pathconf": (32, fh(0)),
    "nfs_commit": (33, fh(2) + u64(0) + u32(0)),
    "nfs_unavail": (34, b""),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, (sel, body) in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([sel]) + body)


if __name__ == "__main__":
    main()
