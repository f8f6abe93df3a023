"""Write the synthetic demo grid of Santang Town (三塘镇), its rivers and its sample people.

Nothing here is surveyed: 77 seeded points are spread evenly (a few Lloyd relaxations) over an
irregular town outline of about 12 km x 10 km around 22.90°N, 108.40°E, each point's Voronoi
cell becomes a hamlet (坡), and neighbouring cells are grouped into 18 villages by recursive
bisection. Some names come from the town's public work report, the others are invented.

Run from the repository root (the output is the same on every run):

    .venv/bin/python -m bot.sample.make_grid

It writes santang_grid.geojson, santang_rivers.geojson and grid_people.toml next to itself.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

HERE = Path(__file__).parent
GRID_FILE = HERE / "santang_grid.geojson"
RIVERS_FILE = HERE / "santang_rivers.geojson"
PEOPLE_FILE = HERE / "grid_people.toml"

SEED = 20240615
CENTRE_LAT, CENTRE_LON = 22.90, 108.40
METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON = 111_320.0 * math.cos(math.radians(CENTRE_LAT))
DECIMALS = 6  # about 0.1 m

HALF_WIDTH_M, HALF_HEIGHT_M = 5_700.0, 4_800.0
# (harmonic, relative amplitude, phase) of the outline's wobble around an ellipse
OUTLINE_WOBBLE = ((2, 0.06, 0.9), (3, 0.07, 2.3), (4, 0.03, 0.2), (5, 0.04, 4.1), (7, 0.02, 1.7))
OUTLINE_VERTICES = 90
HAMLET_COUNT, VILLAGE_COUNT = 77, 18
MIN_HAMLETS, MAX_HAMLETS = 3, 6
LLOYD_ROUNDS = 3
TOTAL_HOUSEHOLDS, MIN_HOUSEHOLDS, MAX_HOUSEHOLDS = 25_000, 150, 600

NOTE = (
    "SYNTHETIC DEMO DATA. The geometry (hamlet and village boundaries, {what}) is made up for "
    "demonstration and is NOT the real boundary of any place. Some names (villages 那笔村, "
    "三塘村, 四塘社区, 那况村, 建新村, 同仁村, 六村, 路东村, 创新村; hamlets 花围坡, 红庄坡, "
    "红灯坡, 那笔坡, 新村坡, 贤村坡, 韦村坡; the rivers) come from Santang Town's public work "
    "report; the other names, the hamlets' villages and all household counts are invented. "
    "合成演示数据：{what_zh}均为演示而虚构，并非真实边界。部分村名、坡名及河名取自三塘镇公开的"
    "工作报告，其余名称、坡的归属村及户数均为虚构。"
)

# Villages in id order (v01, v02, ...): the nine real ones first, then nine invented ones.
VILLAGES = (
    ("那笔村", "Nabi Village"),
    ("三塘村", "Santang Village"),
    ("四塘社区", "Sitang Community"),
    ("那况村", "Nakuang Village"),
    ("建新村", "Jianxin Village"),
    ("同仁村", "Tongren Village"),
    ("六村", "Liucun Village"),
    ("路东村", "Ludong Village"),
    ("创新村", "Chuangxin Village"),
    ("那蒙村", "Nameng Village"),
    ("板平村", "Banping Village"),
    ("坛兰村", "Tanlan Village"),
    ("六联村", "Liulian Village"),
    ("上坪村", "Shangping Village"),
    ("下楞村", "Xialeng Village"),
    ("那元村", "Nayuan Village"),
    ("板江村", "Banjiang Village"),
    ("坛头村", "Tantou Village"),
)
CENTRAL_VILLAGES = ("三塘村", "四塘社区")  # the town seat gets the two cells nearest the centre
COMMUNITY_HOUSEHOLD_FACTOR = 1.3  # the community around the town seat is denser

# The real hamlets, each the first hamlet of the village it is put in (an invented pairing).
REAL_HAMLETS = {
    "那笔村": ("那笔坡", "Nabi Po"),
    "三塘村": ("花围坡", "Huawei Po"),
    "四塘社区": ("红庄坡", "Hongzhuang Po"),
    "那况村": ("红灯坡", "Hongdeng Po"),
    "建新村": ("新村坡", "Xincun Po"),
    "同仁村": ("贤村坡", "Xiancun Po"),
    "六村": ("韦村坡", "Weicun Po"),
}
INVENTED_HAMLETS = (
    ("那门坡", "Namen Po"), ("那廊坡", "Nalang Po"), ("那桑坡", "Nasang Po"),
    ("那湾坡", "Nawan Po"), ("那罗坡", "Naluo Po"), ("那良坡", "Naliang Po"),
    ("那马坡", "Nama Po"), ("那伏坡", "Nafu Po"), ("那造坡", "Nazao Po"),
    ("板劳坡", "Banlao Po"), ("板塘坡", "Bantang Po"), ("板蓬坡", "Banpeng Po"),
    ("板岭坡", "Banling Po"), ("板利坡", "Banli Po"), ("坛洪坡", "Tanhong Po"),
    ("坛布坡", "Tanbu Po"), ("坛良坡", "Tanliang Po"), ("坛村坡", "Tancun Po"),
    ("六合坡", "Liuhe Po"), ("六坤坡", "Liukun Po"), ("六谭坡", "Liutan Po"),
    ("上岭坡", "Shangling Po"), ("下岭坡", "Xialing Po"), ("上塘坡", "Shangtang Po"),
    ("下塘坡", "Xiatang Po"), ("上村坡", "Shangcun Po"), ("下村坡", "Xiacun Po"),
    ("岜苗坡", "Bamiao Po"), ("岜独坡", "Badu Po"), ("弄平坡", "Nongping Po"),
    ("陇利坡", "Longli Po"), ("渌水坡", "Lushui Po"), ("大塘坡", "Datang Po"),
    ("石门坡", "Shimen Po"), ("龙眼坡", "Longyan Po"), ("榕树坡", "Rongshu Po"),
    ("竹山坡", "Zhushan Po"), ("黄村坡", "Huangcun Po"), ("梁村坡", "Liangcun Po"),
    ("覃村坡", "Qincun Po"), ("陆村坡", "Lucun Po"), ("蒙村坡", "Mengcun Po"),
    ("莫村坡", "Mocun Po"), ("李村坡", "Licun Po"), ("陈村坡", "Chencun Po"),
    ("新屋坡", "Xinwu Po"), ("旧屋坡", "Jiuwu Po"), ("岭脚坡", "Lingjiao Po"),
    ("岭头坡", "Lingtou Po"), ("塘尾坡", "Tangwei Po"), ("塘头坡", "Tangtou Po"),
    ("河边坡", "Hebian Po"), ("江口坡", "Jiangkou Po"), ("东岭坡", "Dongling Po"),
    ("西岭坡", "Xiling Po"), ("南塘坡", "Nantang Po"), ("北山坡", "Beishan Po"),
    ("高岭坡", "Gaoling Po"), ("长塘坡", "Changtang Po"), ("大沙坡", "Dasha Po"),
    ("石岭坡", "Shiling Po"), ("松山坡", "Songshan Po"), ("凤凰坡", "Fenghuang Po"),
    ("白马坡", "Baima Po"), ("蔗园坡", "Zheyuan Po"), ("果园坡", "Guoyuan Po"),
    ("茶山坡", "Chashan Po"), ("木棉坡", "Mumian Po"), ("平安坡", "Ping'an Po"),
    ("太平坡", "Taiping Po"),
)  # fmt: skip

FIRST_MEMBER_ID, FIRST_LEAD_ID = 100001, 200001
# How a village's hamlets (in walking order) are shared out among its grid members.
MEMBER_SHARES = {3: (2, 1), 4: (2, 2), 5: (2, 2, 1), 6: (3, 3)}
MEMBER_NAMES = (
    "韦建国", "黄美玲", "覃志强", "陆海燕", "梁文军", "蒙小燕", "莫明华", "农金凤", "李卫东",
    "陈玉梅", "韦家宝", "黄红英", "覃少华", "陆秋菊", "梁冬梅", "蒙建华", "莫爱莲", "农志勇",
    "李慧敏", "陈庆丰", "韦彩霞", "黄雪梅", "覃文斌", "陆丽娟", "梁永强", "蒙桂英", "莫兴旺",
    "农晓红", "李东升", "陈美华", "韦景明", "黄国庆", "覃燕萍", "陆伟强", "梁春燕", "蒙俊杰",
    "莫柳青", "农海军", "李佩华", "陈家豪", "韦秀珍", "黄德华", "覃宝珍", "陆建军", "梁少芬",
)  # fmt: skip
LEAD_NAMES = (
    "黄秀兰", "韦德明", "覃桂芳", "陆永福", "梁春梅", "蒙振华", "莫丽萍", "农光辉", "李素珍",
    "陈国良", "潘月娥", "卢世杰", "罗翠兰", "谢宏伟", "廖凤英", "何绍光", "韦玉兰", "黄立新",
)  # fmt: skip

Xy = tuple[float, float]
Member = tuple[int, str, list[str]]  # user id, name, hamlet ids
Lead = tuple[int, str, str]  # user id, name, village id


@dataclass
class HamletCell:
    """One hamlet: its cell in metres and, once named, its properties."""

    cell: Polygon
    id: str = ""
    name: str = ""
    name_en: str = ""
    village: int = -1
    households: int = 0


# --- coordinates --------------------------------------------------------------------------


def to_lonlat(xy: np.ndarray) -> np.ndarray:
    """Metres east/north of the centre to rounded longitude/latitude (equirectangular)."""
    lon = CENTRE_LON + xy[:, 0] / METRES_PER_DEGREE_LON
    lat = CENTRE_LAT + xy[:, 1] / METRES_PER_DEGREE_LAT
    return np.round(np.column_stack((lon, lat)), DECIMALS)


def to_metres(lonlat: np.ndarray) -> np.ndarray:
    return np.column_stack(
        (
            (lonlat[:, 0] - CENTRE_LON) * METRES_PER_DEGREE_LON,
            (lonlat[:, 1] - CENTRE_LAT) * METRES_PER_DEGREE_LAT,
        )
    )


def geographic(geometry: BaseGeometry) -> BaseGeometry:
    """The geometry in rounded lon/lat; shared vertices stay shared, so cells still tile."""
    return shapely.remove_repeated_points(shapely.transform(geometry, to_lonlat))


def lat_lon(point: Point) -> tuple[float, float]:
    """(latitude, longitude) of a point given in metres."""
    lon, lat = to_lonlat(np.array([[point.x, point.y]]))[0]
    return float(lat), float(lon)


# --- geometry -----------------------------------------------------------------------------


def town_outline() -> Polygon:
    """An irregular, star-shaped outline: an ellipse with a few harmonics of wobble."""
    ring = []
    for index in range(OUTLINE_VERTICES):
        angle = 2 * math.pi * index / OUTLINE_VERTICES
        wobble = 1 + sum(a * math.sin(k * angle + phase) for k, a, phase in OUTLINE_WOBBLE)
        ring.append(
            (HALF_WIDTH_M * wobble * math.cos(angle), HALF_HEIGHT_M * wobble * math.sin(angle))
        )
    return Polygon(ring)


def seed_points(outline: Polygon, rng: random.Random) -> list[Point]:
    """HAMLET_COUNT random points inside the outline, spread out by Lloyd relaxation."""
    minx, miny, maxx, maxy = outline.bounds
    points: list[Point] = []
    while len(points) < HAMLET_COUNT:
        point = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if outline.contains(point):
            points.append(point)
    for _ in range(LLOYD_ROUNDS):
        points = [cell.centroid for cell in voronoi_cells(points, outline)]
    return points


def voronoi_cells(points: Sequence[Point], outline: Polygon) -> list[Polygon]:
    """Each point's Voronoi cell cut to the outline, in the order of the points."""
    regions = shapely.voronoi_polygons(
        MultiPoint(points), extend_to=outline.buffer(5_000), ordered=True
    )
    cells = [region.intersection(outline) for region in regions.geoms]
    if any(cell.geom_type != "Polygon" for cell in cells):
        raise SystemExit("a Voronoi cell fell apart at the outline; change SEED or the outline")
    return cells


def split_into_villages(
    members: list[int], centres: Sequence[Point], villages: int, rng: random.Random
) -> list[list[int]]:
    """Recursive bisection along the longer side: neighbouring cells end up together."""
    if villages == 1:
        return [members]
    left, right = villages // 2, villages - villages // 2
    xs = [centres[i].x for i in members]
    ys = [centres[i].y for i in members]
    if max(xs) - min(xs) >= max(ys) - min(ys):
        ordered = sorted(members, key=lambda i: (centres[i].x, centres[i].y))
    else:
        ordered = sorted(members, key=lambda i: (centres[i].y, centres[i].x))
    total = len(members)
    size = round(total * left / villages) + rng.choice((-1, 0, 1))
    lowest = max(MIN_HAMLETS * left, total - MAX_HAMLETS * right)
    highest = min(MAX_HAMLETS * left, total - MIN_HAMLETS * right)
    size = min(max(size, lowest), highest)
    return split_into_villages(ordered[:size], centres, left, rng) + split_into_villages(
        ordered[size:], centres, right, rng
    )


def walking_order(members: list[int], cells: Sequence[Polygon]) -> list[int]:
    """The village's hamlets so that consecutive ones are neighbours where possible."""

    def neighbours(i: int, among: set[int]) -> list[int]:
        return [j for j in sorted(among) if cells[i].intersection(cells[j]).length > 1.0]

    left = set(members)
    current = min(members, key=lambda i: (len(neighbours(i, left - {i})), i))
    order = [current]
    left.remove(current)
    while left:
        nearby = neighbours(current, left)
        if nearby:  # Warnsdorff: go to the neighbour with the fewest ways on
            current = min(nearby, key=lambda j: (len(neighbours(j, left - {j})), j))
        else:
            current = min(left, key=lambda j: (cells[current].distance(cells[j]), j))
        order.append(current)
        left.remove(current)
    return order


def bearing(point: Point) -> float:
    """Compass bearing of a point seen from the town centre, degrees clockwise from north."""
    return math.degrees(math.atan2(point.x, point.y)) % 360


# --- rivers -------------------------------------------------------------------------------


def smooth(controls: Sequence[Xy], meander_m: float, steps: int = 16) -> LineString:
    """A Catmull-Rom curve through the control points with a gentle sideways meander."""
    padded = [controls[0], *controls, controls[-1]]
    curve: list[Xy] = []
    for k in range(1, len(padded) - 2):
        p0, p1, p2, p3 = (np.array(p) for p in padded[k - 1 : k + 3])
        for step in range(steps):
            t = step / steps
            point = 0.5 * (
                2 * p1
                + (p2 - p0) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (3 * p1 - p0 - 3 * p2 + p3) * t**3
            )
            curve.append((float(point[0]), float(point[1])))
    curve.append(controls[-1])
    line = LineString(curve)
    wavy: list[Xy] = []
    for index, (x, y) in enumerate(curve):
        here = line.project(Point(x, y))
        ahead = line.interpolate(min(here + 1.0, line.length))
        behind = line.interpolate(max(here - 1.0, 0.0))
        dx, dy = ahead.x - behind.x, ahead.y - behind.y
        norm = math.hypot(dx, dy) or 1.0
        fraction = index / (len(curve) - 1)
        offset = meander_m * math.sin(here / 350.0) * math.sin(math.pi * fraction)
        wavy.append((x - dy / norm * offset, y + dx / norm * offset))
    return LineString(wavy)


def rivers(nabi_point: Point) -> list[tuple[str, str, LineString]]:
    """Five synthetic rivers: the Santang River runs NE to SW, the others cross or join it."""
    santang = smooth(
        [(5_600, 6_600), (2_600, 2_400), (200, 300), (-2_300, -2_300), (-4_300, -6_600)], 90
    )

    def junction(x: float, y: float) -> Xy:
        point = santang.interpolate(santang.project(Point(x, y)))
        return point.x, point.y

    far = 7_600.0 / math.hypot(nabi_point.x, nabi_point.y)
    nabi_source = (nabi_point.x * far, nabi_point.y * far)
    sitang = [(-1_200, 7_000), (-1_600, 3_200), (-600, 1_000), junction(-900, -500)]
    xiadan = [(7_700, -1_200), (3_800, -2_300), (1_200, -3_900), (-300, -6_900)]
    sancha = [(-8_000, 2_600), (-4_700, 1_300), (-3_100, -600), junction(-2_600, -2_000)]
    nabi = [nabi_source, (nabi_point.x, nabi_point.y), junction(nabi_point.x / 3, nabi_point.y / 3)]
    return [
        ("三塘河", "Santang River", santang),
        ("四塘河", "Sitang River", smooth(sitang, 70)),
        ("下丹河", "Xiadan River", smooth(xiadan, 80)),
        ("三叉河", "Sancha River", smooth(sancha, 70)),
        ("那笔河", "Nabi River", smooth(nabi, 60)),
    ]


# --- people and households ----------------------------------------------------------------


def household_counts(hamlets: Sequence[HamletCell], rng: random.Random) -> list[int]:
    """Plausible counts per hamlet, 150-600, adding up to TOTAL_HOUSEHOLDS."""
    community = VILLAGES.index(("四塘社区", "Sitang Community"))
    raw = [
        rng.triangular(MIN_HOUSEHOLDS, MAX_HOUSEHOLDS, 260)
        * (COMMUNITY_HOUSEHOLD_FACTOR if hamlet.village == community else 1.0)
        for hamlet in hamlets
    ]
    scale = TOTAL_HOUSEHOLDS / sum(raw)
    counts = [min(max(round(r * scale), MIN_HOUSEHOLDS), MAX_HOUSEHOLDS) for r in raw]
    index = 0
    while (gap := TOTAL_HOUSEHOLDS - sum(counts)) != 0:
        step = 1 if gap > 0 else -1
        if MIN_HOUSEHOLDS <= counts[index] + step <= MAX_HOUSEHOLDS:
            counts[index] += step
        index = (index + 1) % len(counts)
    return counts


def people(hamlets: Sequence[HamletCell]) -> tuple[list[Member], list[Lead]]:
    """Grid members (user id, name, hamlet ids) and village leads (user id, name, village id)."""
    members: list[Member] = []
    leads: list[Lead] = []
    for village in range(VILLAGE_COUNT):
        ids = [hamlet.id for hamlet in hamlets if hamlet.village == village]
        start = 0
        for share in MEMBER_SHARES[len(ids)]:
            user_id, name = FIRST_MEMBER_ID + len(members), MEMBER_NAMES[len(members)]
            members.append((user_id, name, ids[start : start + share]))
            start += share
        leads.append((FIRST_LEAD_ID + village, LEAD_NAMES[village], f"v{village + 1:02d}"))
    return members, leads


# --- checks -------------------------------------------------------------------------------


def check_tiling(polygons: Sequence[BaseGeometry], label: str) -> str:
    """Fail loudly unless the polygons are valid, don't overlap and form one gap-free area."""
    if not all(p.geom_type == "Polygon" and p.is_valid for p in polygons):
        raise SystemExit(f"{label}: a polygon is not a valid Polygon")
    tree = shapely.STRtree(polygons)
    pairs = tree.query(polygons, predicate="intersects")
    overlap = max(
        (polygons[a].intersection(polygons[b]).area for a, b in pairs.T if a < b), default=0.0
    )
    union = shapely.union_all(polygons)
    total = sum(p.area for p in polygons)
    if overlap > 1e-12 or abs(union.area - total) > 1e-9 * total:
        raise SystemExit(f"{label}: cells overlap (largest overlap {overlap})")
    if union.geom_type != "Polygon" or union.interiors:
        raise SystemExit(f"{label}: the union is a {union.geom_type} with holes or gaps")
    if not shapely.coverage_is_valid(polygons):
        raise SystemExit(f"{label}: not a valid coverage (edges don't match)")
    return f"{label}: valid, largest overlap {overlap:.1e} deg², union one Polygon"


# --- output -------------------------------------------------------------------------------


def write_collection(path: Path, name: str, note: str, features: list[dict]) -> None:
    """GeoJSON with one feature per line: readable diffs, still plain JSON."""
    head = json.dumps({"type": "FeatureCollection", "name": name, "note": note}, ensure_ascii=False)
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    path.write_text(
        head[:-1] + ', "features": [\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8"
    )


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a TOML basic string for these names


def write_people(members: list[Member], leads: list[Lead], hamlets: Sequence[HamletCell]) -> None:
    by_id = {hamlet.id: hamlet for hamlet in hamlets}
    lines = [
        "# Sample people for the synthetic Santang grid (fake Telegram user ids).",
        "# Generated by bot/sample/make_grid.py; rerun it rather than editing by hand.",
    ]
    for user_id, name, hamlet_ids in members:
        village = VILLAGES[by_id[hamlet_ids[0]].village][0]
        covered = "、".join(by_id[h].name for h in hamlet_ids)
        lines += ["", "[[grid_members]]", f"user_id = {user_id}", f"name = {toml_string(name)}"]
        lines.append(f"hamlets = {json.dumps(hamlet_ids)}  # {village}: {covered}")
    for user_id, name, village_id in leads:
        village = VILLAGES[int(village_id[1:]) - 1][0]
        lines += ["", "[[village_leads]]", f"user_id = {user_id}", f"name = {toml_string(name)}"]
        lines.append(f"village = {toml_string(village_id)}  # {village}")
    PEOPLE_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_hamlets(rng: random.Random) -> list[HamletCell]:
    """The named hamlets in metres, ordered by village and then walking order."""
    outline = town_outline()
    points = seed_points(outline, rng)
    cells = voronoi_cells(points, outline)
    groups = split_into_villages(list(range(HAMLET_COUNT)), points, VILLAGE_COUNT, rng)
    centres = [shapely.union_all([cells[i] for i in group]).centroid for group in groups]
    # The town seat takes the groups nearest the centre, the rest go round the compass from north.
    by_distance = sorted(range(VILLAGE_COUNT), key=lambda g: centres[g].distance(Point(0, 0)))
    central = by_distance[: len(CENTRAL_VILLAGES)]
    others = sorted(by_distance[len(CENTRAL_VILLAGES) :], key=lambda g: bearing(centres[g]))
    zh_names = [zh for zh, _ in VILLAGES]
    placing = [*CENTRAL_VILLAGES, *(zh for zh in zh_names if zh not in CENTRAL_VILLAGES)]
    group_of = {zh_names.index(zh): g for zh, g in zip(placing, central + others, strict=True)}
    invented = list(INVENTED_HAMLETS)
    rng.shuffle(invented)
    hamlets: list[HamletCell] = []
    for village in range(VILLAGE_COUNT):
        real = REAL_HAMLETS.get(VILLAGES[village][0])
        names = [real] if real else []
        for position, index in enumerate(walking_order(groups[group_of[village]], cells)):
            zh, en = names[position] if position < len(names) else invented.pop()
            number = len(hamlets) + 1
            hamlets.append(HamletCell(cells[index], f"h{number:02d}", zh, en, village))
    for hamlet, count in zip(hamlets, household_counts(hamlets, rng), strict=True):
        hamlet.households = count
    return hamlets


def main() -> None:
    names = [name for name, _ in INVENTED_HAMLETS] + [name for name, _ in REAL_HAMLETS.values()]
    if len(set(names)) != HAMLET_COUNT or not all(n.endswith("坡") for n in names):
        raise SystemExit("need 77 unique hamlet names ending in 坡")
    if len({*MEMBER_NAMES, *LEAD_NAMES}) != len(MEMBER_NAMES) + len(LEAD_NAMES):
        raise SystemExit("people's names must be unique")
    rng = random.Random(SEED)
    hamlets = build_hamlets(rng)

    shapes = [geographic(hamlet.cell) for hamlet in hamlets]
    checks = [check_tiling(shapes, "hamlets")]
    for village in range(VILLAGE_COUNT):
        members = [s for s, h in zip(shapes, hamlets, strict=True) if h.village == village]
        if not MIN_HAMLETS <= len(members) <= MAX_HAMLETS:
            raise SystemExit(f"village {village + 1} has {len(members)} hamlets")
        if shapely.union_all(members).geom_type != "Polygon":
            raise SystemExit(f"village {village + 1} is not contiguous")
    checks.append("villages: 18, each contiguous with 3-6 hamlets")

    features = []
    for hamlet, shape in zip(hamlets, shapes, strict=True):
        village_zh, village_en = VILLAGES[hamlet.village]
        properties = {
            "id": hamlet.id,
            "name": hamlet.name,
            "name_en": hamlet.name_en,
            "village_id": f"v{hamlet.village + 1:02d}",
            "village_name": village_zh,
            "village_name_en": village_en,
            "households": hamlet.households,
        }
        features.append({"type": "Feature", "properties": properties, "geometry": mapping(shape)})
    what = ("village grouping", "坡的边界与村的划分")
    write_collection(
        GRID_FILE,
        "三塘镇 Santang Town (synthetic demo grid)",
        NOTE.format(what=what[0], what_zh=what[1]),
        features,
    )

    nabi = next(h for h in hamlets if h.name == "那笔坡")
    river_features = []
    for number, (zh, en, line) in enumerate(rivers(nabi.cell.representative_point()), start=1):
        properties = {"id": f"r{number:02d}", "name": zh, "name_en": en}
        geometry = mapping(geographic(line))
        river_features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    what = ("river courses", "坡的边界、村的划分与河道走向")
    write_collection(
        RIVERS_FILE,
        "三塘镇 Santang Town rivers (synthetic demo)",
        NOTE.format(what=what[0], what_zh=what[1]),
        river_features,
    )

    members, leads = people(hamlets)
    write_people(members, leads, hamlets)
    summarise(hamlets, shapes, members, leads, checks)


def summarise(
    hamlets: Sequence[HamletCell],
    shapes: Sequence[BaseGeometry],
    members: list[Member],
    leads: list[Lead],
    checks: list[str],
) -> None:
    """Print what was written, and a few points handy for tests and demos (lon/lat as written)."""
    print(f"wrote {GRID_FILE.name}, {RIVERS_FILE.name}, {PEOPLE_FILE.name}")
    print(*checks, sep="\n")
    lon0, lat0, lon1, lat1 = shapely.union_all(shapes).bounds
    town = shapely.union_all([shapely.transform(shape, to_metres) for shape in shapes])
    width, height = (
        (town.bounds[2] - town.bounds[0]) / 1000,
        (town.bounds[3] - town.bounds[1]) / 1000,
    )
    print(f"bounding box: lat {lat0}..{lat1}, lon {lon0}..{lon1} ({width:.1f} x {height:.1f} km)")
    print(f"households: {sum(h.households for h in hamlets)}")
    for index in (0, 20, 50):
        point = shapes[index].representative_point()
        hamlet = hamlets[index]
        print(f"inside {hamlet.id} {hamlet.name}: lat {point.y:.6f}, lon {point.x:.6f}")
    for metres in (100, 1_000):
        east = max(town.buffer(metres).exterior.coords, key=lambda xy: xy[0])
        lat, lon = lat_lon(Point(east))
        print(f"~{metres} m east of the town: lat {lat:.6f}, lon {lon:.6f}")
    print(f"grid members: {len(members)}; first {members[0]}")
    print(f"village leads: {len(leads)}; first {leads[0]}")


if __name__ == "__main__":
    main()
