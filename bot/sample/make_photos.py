"""Write the sample media for demos and tests: three drawn photos, one with GPS EXIF, a voice note.

The pictures are simple illustrations made of shapes (no real place is shown):

- photos/garbage_by_road.jpg — a pile of bags and boxes on the verge of a village road;
- photos/river_bank.jpg — litter on a river bank and in the water;
- photos/cleaned_up.jpg — the same road after the clean-up, with a bin;
- photos/with_gps.jpg — the road scene again, carrying EXIF GPS tags that point inside the
  hamlet 那笔坡 of the synthetic grid (the representative point of its polygon);
- voice.ogg — four seconds of Ogg Opus silence, built with the standard library only.

Run from the repository root after make_grid (the output is the same on every run):

    .venv/bin/python -m bot.sample.make_photos
"""

from __future__ import annotations

import json
import math
import random
import struct
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter
from PIL.TiffImagePlugin import IFDRational
from shapely.geometry import shape

HERE = Path(__file__).parent
PHOTOS = HERE / "photos"
GRID_FILE = HERE / "santang_grid.geojson"
VOICE_FILE = HERE / "voice.ogg"
GPS_HAMLET = "那笔坡"

WIDTH, HEIGHT = 640, 480
SCALE = 2  # drawn at twice the size, then scaled down: smooth edges without extra work
HORIZON = 0.42  # share of the height above the horizon
JPEG_QUALITY = 80
MAX_BYTES = 60 * 1024

GPS_IFD = 0x8825
GPS_VERSION, GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON, GPS_MAP_DATUM = 0, 1, 2, 3, 4, 18
IMAGE_DESCRIPTION, SOFTWARE = 0x010E, 0x0131

Colour = tuple[int, int, int]
SKY_TOP, SKY_LOW = (118, 168, 222), (205, 226, 240)
HILLS, FAR_FIELD, GRASS, ROAD = (104, 140, 118), (150, 186, 96), (112, 160, 74), (150, 146, 138)
BAG_COLOURS: tuple[Colour, ...] = ((34, 34, 38), (46, 84, 160), (226, 226, 220), (190, 50, 44))
BAG_WEIGHTS = (5, 2, 3, 1)  # mostly black bags, some blue and white, a few red


def bag_colour(rng: random.Random) -> Colour:
    return rng.choices(BAG_COLOURS, weights=BAG_WEIGHTS)[0]


def canvas() -> tuple[Image.Image, ImageDraw.ImageDraw, int, int]:
    image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE))
    return image, ImageDraw.Draw(image), WIDTH * SCALE, HEIGHT * SCALE


def blend(a: Colour, b: Colour, t: float) -> Colour:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def landscape(draw: ImageDraw.ImageDraw, w: int, h: int, ground: Colour) -> int:
    """Sky, hills and ground; returns the horizon's y."""
    horizon = round(h * HORIZON)
    for y in range(horizon):
        draw.line([(0, y), (w, y)], fill=blend(SKY_TOP, SKY_LOW, y / horizon))
    hills = [(0, horizon)]
    hills += [
        (x, horizon - 40 * SCALE - 28 * SCALE * math.sin(x / (90 * SCALE)) ** 2)
        for x in range(0, w + 1, 8)
    ]
    draw.polygon([*hills, (w, horizon)], fill=HILLS)
    draw.rectangle([0, horizon, w, h], fill=ground)
    return horizon


def tree(draw: ImageDraw.ImageDraw, x: int, base: int, size: int) -> None:
    draw.rectangle([x - size // 10, base - size, x + size // 10, base], fill=(96, 66, 40))
    for dx, dy, r in ((0, -1.25, 0.55), (-0.35, -0.95, 0.42), (0.38, -0.9, 0.4)):
        cx, cy, radius = x + dx * size, base + dy * size, r * size
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=(58, 112, 52))


def road(draw: ImageDraw.ImageDraw, w: int, h: int, horizon: int) -> None:
    """A concrete village road running from the bottom of the picture to the horizon."""
    draw.polygon(
        [(w * 0.10, h), (w * 0.62, h), (w * 0.47, horizon), (w * 0.43, horizon)], fill=ROAD
    )
    for k in range(6):  # the joints between the concrete slabs
        t = (k / 6) ** 1.8
        y = h - (h - horizon) * (1 - t) * 0.98
        left, right = w * (0.10 + 0.33 * (1 - t)), w * (0.62 - 0.15 * (1 - t))
        draw.line([(left, y), (right, y)], fill=(128, 124, 118), width=2 * SCALE)
    tree(draw, round(w * 0.86), round(horizon + 60 * SCALE), 110 * SCALE)
    tree(draw, round(w * 0.06), round(horizon + 30 * SCALE), 70 * SCALE)


def litter(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[float, ...], n: int) -> None:
    """Small bottles, cans and scraps scattered in a box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    colours = ((240, 240, 236), (60, 140, 210), (214, 62, 52), (236, 200, 60), (80, 170, 90))
    for _ in range(n):
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        length, width = rng.uniform(10, 24) * SCALE, rng.uniform(4, 8) * SCALE
        angle = rng.uniform(0, math.pi)
        dx, dy = math.cos(angle), math.sin(angle)
        corners = [
            (
                x + sx * dx * length / 2 - sy * dy * width / 2,
                y + sx * dy * length / 2 + sy * dx * width / 2,
            )
            for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        ]
        draw.polygon(corners, fill=rng.choice(colours), outline=(70, 70, 70))


def garbage_pile(draw: ImageDraw.ImageDraw, rng: random.Random, cx: float, base: float) -> None:
    """Bags, a foam box and cardboard heaped on the ground around (cx, base)."""
    draw.ellipse(
        [cx - 150 * SCALE, base - 22 * SCALE, cx + 150 * SCALE, base + 22 * SCALE],
        fill=(92, 84, 70),
    )
    draw.rectangle(  # a foam box sticking out of the heap
        [cx - 50 * SCALE, base - 95 * SCALE, cx + 20 * SCALE, base - 45 * SCALE],
        fill=(244, 244, 240),
        outline=(150, 150, 150),
    )
    for _ in range(16):
        x = cx + rng.uniform(-115, 115) * SCALE
        y = base - rng.uniform(0, 55) * SCALE * (1 - abs(x - cx) / (150 * SCALE))
        rx, ry = rng.uniform(20, 36) * SCALE, rng.uniform(16, 26) * SCALE
        colour = bag_colour(rng)
        draw.ellipse([x - rx, y - ry, x + rx, y + ry], fill=colour, outline=(20, 20, 20))
        draw.line([(x, y - ry), (x + 6 * SCALE, y - ry - 10 * SCALE)], fill=colour, width=4 * SCALE)
    draw.polygon(
        [
            (cx + 60 * SCALE, base - 40 * SCALE),
            (cx + 130 * SCALE, base - 60 * SCALE),
            (cx + 140 * SCALE, base - 10 * SCALE),
            (cx + 70 * SCALE, base),
        ],
        fill=(176, 132, 80),
        outline=(120, 90, 50),
    )
    litter(
        draw, rng, (cx - 200 * SCALE, base - 10 * SCALE, cx + 200 * SCALE, base + 40 * SCALE), 14
    )


def garbage_by_road(seed: int) -> Image.Image:
    image, draw, w, h = canvas()
    horizon = landscape(draw, w, h, GRASS)
    road(draw, w, h, horizon)
    garbage_pile(draw, random.Random(seed), w * 0.72, h * 0.80)
    return finish(image)


def cleaned_up() -> Image.Image:
    image, draw, w, h = canvas()
    horizon = landscape(draw, w, h, GRASS)
    road(draw, w, h, horizon)
    cx, base = w * 0.72, h * 0.80
    draw.ellipse(  # freshly swept, bare earth where the pile was
        [cx - 150 * SCALE, base - 22 * SCALE, cx + 150 * SCALE, base + 22 * SCALE],
        fill=(150, 128, 96),
    )
    rng = random.Random(7)
    for _ in range(40):  # a few flowers on the verge, away from the swept patch
        x, y = rng.uniform(w * 0.62, w), rng.uniform(h * 0.62, h)
        if abs(y - base) < 40 * SCALE and abs(x - cx) < 170 * SCALE:
            continue
        r = 4 * SCALE
        colour = rng.choice(((250, 220, 80), (250, 250, 250), (236, 120, 160)))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    draw.rounded_rectangle(  # a green wheelie bin
        [cx - 40 * SCALE, base - 120 * SCALE, cx + 40 * SCALE, base],
        radius=8 * SCALE,
        fill=(40, 130, 70),
        outline=(20, 70, 40),
        width=2 * SCALE,
    )
    draw.rectangle(
        [cx - 46 * SCALE, base - 132 * SCALE, cx + 46 * SCALE, base - 118 * SCALE],
        fill=(30, 110, 60),
    )
    for wheel in (-28, 28):
        x = cx + wheel * SCALE
        draw.ellipse(
            [x - 9 * SCALE, base - 9 * SCALE, x + 9 * SCALE, base + 9 * SCALE], fill="black"
        )
    return finish(image)


def river_bank() -> Image.Image:
    image, draw, w, h = canvas()
    horizon = landscape(draw, w, h, FAR_FIELD)
    rng = random.Random(3)
    for x in range(0, w, 18 * SCALE):  # bamboo on the far bank
        top = horizon - rng.uniform(30, 80) * SCALE
        draw.line(
            [(x, horizon + 20 * SCALE), (x + 10 * SCALE, top)], fill=(70, 120, 60), width=5 * SCALE
        )
        draw.ellipse(
            [x - 14 * SCALE, top - 8 * SCALE, x + 34 * SCALE, top + 16 * SCALE], fill=(84, 146, 70)
        )
    water_top, water_bottom = horizon + 40 * SCALE, round(h * 0.70)
    draw.rectangle([0, water_top, w, water_bottom], fill=(86, 126, 120))
    for k in range(14):  # ripples
        y = water_top + (k + 0.5) * (water_bottom - water_top) / 14
        x = rng.uniform(0, w * 0.8)
        draw.line(
            [(x, y), (x + rng.uniform(40, 120) * SCALE, y)], fill=(130, 168, 160), width=2 * SCALE
        )
    bank = [(0, water_bottom - 10 * SCALE)]
    bank += [
        (x, water_bottom + 12 * SCALE * math.sin(x / (70 * SCALE))) for x in range(0, w + 1, 16)
    ]
    draw.polygon([*bank, (w, h), (0, h)], fill=(140, 112, 76))
    for _ in range(60):  # tufts of grass
        x, y = rng.uniform(0, w), rng.uniform(water_bottom + 20 * SCALE, h)
        for lean in (-6, 0, 6):
            draw.line(
                [(x, y), (x + lean * SCALE, y - 16 * SCALE)], fill=(88, 140, 60), width=2 * SCALE
            )
    litter(draw, rng, (0.05 * w, water_bottom + 10 * SCALE, 0.95 * w, h - 10 * SCALE), 26)
    litter(draw, rng, (0.10 * w, water_top + 10 * SCALE, 0.90 * w, water_bottom - 10 * SCALE), 9)
    for _ in range(5):  # bags caught on the bank
        x, y = rng.uniform(0.1, 0.9) * w, rng.uniform(water_bottom, h - 30 * SCALE)
        rx, ry = 24 * SCALE, 16 * SCALE
        draw.ellipse([x - rx, y - ry, x + rx, y + ry], fill=bag_colour(rng), outline="black")
    return finish(image)


def finish(image: Image.Image) -> Image.Image:
    small = image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    return small.filter(ImageFilter.SMOOTH)


def rational_dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Degrees as EXIF (degrees, minutes, seconds) rationals, seconds to 1/10000."""
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return (
        IFDRational(degrees, 1),
        IFDRational(minutes, 1),
        IFDRational(round(seconds * 10_000), 10_000),
    )


def gps_exif(latitude: float, longitude: float) -> Image.Exif:
    exif = Image.Exif()
    exif[IMAGE_DESCRIPTION] = "Synthetic demo photo (Clean Village Bot sample)"
    exif[SOFTWARE] = "bot/sample/make_photos.py"
    exif[GPS_IFD] = {
        GPS_VERSION: b"\x02\x03\x00\x00",
        GPS_LAT_REF: "N" if latitude >= 0 else "S",
        GPS_LAT: rational_dms(abs(latitude)),
        GPS_LON_REF: "E" if longitude >= 0 else "W",
        GPS_LON: rational_dms(abs(longitude)),
        GPS_MAP_DATUM: "WGS-84",
    }
    return exif


def hamlet_point(name: str) -> tuple[float, float]:
    """(latitude, longitude) of the representative point of the named hamlet's polygon."""
    collection = json.loads(GRID_FILE.read_text(encoding="utf-8"))
    feature = next(f for f in collection["features"] if f["properties"]["name"] == name)
    point = shape(feature["geometry"]).representative_point()
    return point.y, point.x


def read_gps(path: Path) -> tuple[float, float]:
    """Read the GPS tags back the way the bot does, to check what was written."""
    with Image.open(path) as image:
        gps = image.getexif().get_ifd(GPS_IFD)
    latitude = sum(float(part) / 60**k for k, part in enumerate(gps[GPS_LAT]))
    longitude = sum(float(part) / 60**k for k, part in enumerate(gps[GPS_LON]))
    sign_lat = -1 if gps[GPS_LAT_REF] == "S" else 1
    sign_lon = -1 if gps[GPS_LON_REF] == "W" else 1
    return sign_lat * latitude, sign_lon * longitude


# --- a silent Ogg Opus voice note, standard library only -----------------------------------


def _ogg_crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


OGG_CRC_TABLE = _ogg_crc_table()


def ogg_crc(data: bytes) -> int:
    """The Ogg page checksum: CRC-32, polynomial 0x04C11DB7, not reflected, starting at 0."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ OGG_CRC_TABLE[(crc >> 24) ^ byte]
    return crc


def ogg_page(packets: list[bytes], granule: int, serial: int, sequence: int, flags: int) -> bytes:
    """One Ogg page holding whole packets (each under 255 bytes here)."""
    lacing = bytes(len(p) for p in packets)
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing))
    page = header + lacing + b"".join(packets)
    crc = ogg_crc(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def silent_opus(seconds: float = 4.0, serial: int = 0x5A17A6) -> bytes:
    """Ogg Opus (RFC 7845): a mono stream of 20 ms CELT frames that decode to silence."""
    pre_skip, frame_samples, frames_per_page = 312, 960, 50
    silence = b"\xf8\xff\xfe"  # TOC: CELT fullband 20 ms, mono, one frame; payload = silence
    head = struct.pack("<8sBBHIhB", b"OpusHead", 1, 1, pre_skip, 48_000, 0, 0)
    vendor = b"Clean Village Bot sample (stdlib)"
    tags = struct.pack("<8sI", b"OpusTags", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [ogg_page([head], 0, serial, 0, 0x02), ogg_page([tags], 0, serial, 1, 0)]
    end = pre_skip + round(seconds * 48_000)  # the last granule trims the final frame
    frames = math.ceil(end / frame_samples)
    for start in range(0, frames, frames_per_page):
        count = min(frames_per_page, frames - start)
        last = start + count == frames
        granule = end if last else (start + count) * frame_samples
        pages.append(ogg_page([silence] * count, granule, serial, len(pages), 0x04 if last else 0))
    return b"".join(pages)


def main() -> None:
    PHOTOS.mkdir(exist_ok=True)
    pictures = {
        "garbage_by_road.jpg": garbage_by_road(seed=1),
        "river_bank.jpg": river_bank(),
        "cleaned_up.jpg": cleaned_up(),
    }
    for name, picture in pictures.items():
        picture.save(PHOTOS / name, "JPEG", quality=JPEG_QUALITY, optimize=True)
    latitude, longitude = hamlet_point(GPS_HAMLET)
    with_gps = PHOTOS / "with_gps.jpg"
    garbage_by_road(seed=2).save(
        with_gps, "JPEG", quality=JPEG_QUALITY, optimize=True, exif=gps_exif(latitude, longitude)
    )
    VOICE_FILE.write_bytes(silent_opus())

    for path in sorted(PHOTOS.glob("*.jpg")):
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SystemExit(f"{path.name} is {size} bytes, over {MAX_BYTES}")
        print(f"{path.relative_to(HERE)}: {size} bytes")
    read_lat, read_lon = read_gps(with_gps)
    if abs(read_lat - latitude) > 1e-6 or abs(read_lon - longitude) > 1e-6:
        raise SystemExit(f"GPS read back as {read_lat}, {read_lon}")
    print(f"with_gps.jpg points inside {GPS_HAMLET}: lat {read_lat:.6f}, lon {read_lon:.6f}")
    print(f"{VOICE_FILE.name}: {VOICE_FILE.stat().st_size} bytes of Ogg Opus silence")


if __name__ == "__main__":
    main()
