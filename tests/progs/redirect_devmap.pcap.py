#!/usr/bin/env python3
"""Writes tests/progs/redirect_devmap.pcap: the frames of redirect_devmap.bpf.c.

Every case (destination MAC byte 4: 0..5) with every port index (byte 5)
of interest: the filled slots and keys, empty slots, keys past the DEVMAP's
end, a key of 255; IPv4/UDP frames of 60 to 1514 bytes, a few ARP frames
and one 14-byte frame. Run it from anywhere; it writes beside itself.
"""
import os
import struct

frames = []
ports = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 200, 255]
n = 0
for case in range(6):
    for port in ports:
        dst = bytes([0x02, 0, 0, 0, case, port])
        src = bytes([0x02, 0, 0, 0, 0xaa, 0x10 + case])
        length = [60, 64, 128, 342, 1514][n % 5]
        n += 1
        ip_len = length - 14
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, n, 0, 64, 17, 0,
                         bytes([10, 0, case, 1]), bytes([10, 1, port, 2]))
        udp = struct.pack("!HHHH", 4000 + case, 5000 + port, ip_len - 20, 0)
        body = ip + udp
        frames.append(dst + src + b"\x08\x00" + body + bytes(length - 14 - len(body)))
for case, port in [(0, 1), (1, 3), (3, 7)]:
    dst = bytes([0x02, 0, 0, 0, case, port])
    frames.append(dst + bytes([0x02, 0, 0, 0, 0xbb, 1]) + b"\x08\x06" + bytes(46))
frames.append(bytes([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0xcc, 1, 0x88, 0xb5]))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "redirect_devmap.pcap")
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000 + i, 1000 * i, len(fr), len(fr)))
        f.write(fr)
print(f"{out}: {len(frames)} frames")
