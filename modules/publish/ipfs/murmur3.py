"""MurmurHash3 x64 (128-bit, seed 0), the hash of UnixFS HAMT directory names."""

MASK = (1 << 64) - 1
C1 = 0x87C37B91114253D5
C2 = 0x4CF5AD432745937F
BLOCK = 16
HALF = 8


def _rotl(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (64 - bits))) & MASK


def _fmix(value: int) -> int:
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & MASK
    value ^= value >> 33
    value = (value * 0xC4CEB9FE1A85EC53) & MASK
    return value ^ (value >> 33)


def _mix_k1(k1: int) -> int:
    return (_rotl((k1 * C1) & MASK, 31) * C2) & MASK


def _mix_k2(k2: int) -> int:
    return (_rotl((k2 * C2) & MASK, 33) * C1) & MASK


def murmur3_x64_64(data: bytes) -> bytes:
    """The first 64 bits (h1) of MurmurHash3 x64-128 as 8 big-endian bytes: the value
    kubo's murmur3-x64-64 (multicodec 0x22) reads the HAMT slot bits from, high bits first."""
    h1 = h2 = 0
    body = len(data) - len(data) % BLOCK
    for start in range(0, body, BLOCK):
        h1 ^= _mix_k1(int.from_bytes(data[start : start + HALF], "little"))
        h1 = (_rotl(h1, 27) + h2) & MASK
        h1 = (h1 * 5 + 0x52DCE729) & MASK
        h2 ^= _mix_k2(int.from_bytes(data[start + HALF : start + BLOCK], "little"))
        h2 = (_rotl(h2, 31) + h1) & MASK
        h2 = (h2 * 5 + 0x38495AB5) & MASK
    tail = data[body:]
    if len(tail) > HALF:
        h2 ^= _mix_k2(int.from_bytes(tail[HALF:], "little"))
    if tail:
        h1 ^= _mix_k1(int.from_bytes(tail[:HALF], "little"))
    h1 ^= len(data)
    h2 ^= len(data)
    h1 = (h1 + h2) & MASK
    h2 = (h2 + h1) & MASK
    h1, h2 = _fmix(h1), _fmix(h2)
    h1 = (h1 + h2) & MASK
    return h1.to_bytes(8, "big")
