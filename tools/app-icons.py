# Draws the page's app icons (a white map pin on the page's blue) as PNG, with the standard library only.
import struct, zlib, math, sys

def png(path, size):
    blue, white = (0x0B, 0x53, 0x94), (0xFF, 0xFF, 0xFF)
    rows = []
    s = size / 512.0
    cx, cy, r = 256 * s, 206 * s, 126 * s       # the pin's head
    tip = 440 * s                                # the pin's point
    hole = 52 * s
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            px, py = x + 0.5, y + 0.5
            d = math.hypot(px - cx, py - cy)
            inside = d <= r
            if not inside and py > cy:
                # Below the head's centre the pin narrows to its point along the head's tangents.
                half = r * (tip - py) / (tip - cy) if py < tip else -1
                inside = abs(px - cx) <= half * 0.86
            colour = white if inside and d > hole else blue
            row += bytes(colour)
        rows.append(bytes(row))
    raw = zlib.compress(b''.join(rows), 9)
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', size, size, 8, 2, 0, 0, 0)) + chunk(b'IDAT', raw) + chunk(b'IEND', b''))

for size in (192, 512):
    png(f'{sys.argv[1]}/icon-{size}.png', size)
