"""Draws the demo catalogue's pictures (one per category) as small PNG files, with the standard
library only. Run from this directory: python3 make.py"""
import struct
import zlib

W, H = 480, 360


def png(name, pixel):
    rows = b"".join(b"\x00" + bytes(c for x in range(W) for c in pixel(x, y)) for y in range(H))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
    with open(name, "wb") as f:
        f.write(data)


def blend(a, b, t):
    return tuple(int(a[i] + (b[i] - a[i]) * t) for i in range(3))


def experience(x, y):
    # Evening sky over the bay, a boat with lanterns.
    if 150 < x < 330 and 185 < y < 215 and 215 - y > abs(x - 240) - 90:
        return (40, 30, 30)
    if 170 < x < 310 and 160 < y < 185:
        return (230, 90, 60) if (x // 20) % 2 else (250, 220, 120)
    if y < 200:
        return blend((250, 180, 120), (60, 70, 140), y / 200)
    return blend((30, 60, 110), (10, 25, 60), (y - 200) / 160)


def product(x, y):
    # A frying pan on a wooden table.
    dx, dy = x - 210, y - 190
    if dx * dx + dy * dy < 110 * 110:
        return (50, 50, 55) if dx * dx + dy * dy > 95 * 95 else (80, 80, 88)
    if 310 < x < 460 and 180 < y < 200:
        return (90, 55, 30)
    return (200, 150, 100) if (y // 24) % 2 else (185, 135, 88)


def travel(x, y):
    # A hotel tower by the station under a clear sky.
    if 170 < x < 310 and 60 < y < 330:
        window = (x - 170) % 28 < 16 and (y - 60) % 30 < 18
        return (255, 230, 150) if window else (120, 130, 150)
    if y > 330:
        return (90, 100, 90)
    return blend((130, 190, 240), (220, 240, 250), y / 330)


def on_site(x, y):
    # A voucher card with a QR-like pattern.
    if 60 < x < 420 and 70 < y < 290:
        if 280 < x < 400 and 110 < y < 230:
            return (20, 20, 20) if ((x - 280) // 12 * 7 + (y - 110) // 12 * 3) % 5 < 2 else (255, 255, 255)
        if 90 < x < 250 and 120 < y < 140:
            return (11, 93, 59)
        return (250, 250, 245)
    return blend((11, 93, 59), (40, 140, 100), y / H)


for name, draw in [("experience", experience), ("product", product), ("travel", travel), ("on_site", on_site)]:
    png(f"{name}.png", draw)
