"""A seeded corpus of hostile and odd workbooks, for the fuzz tests and scripts/fuzz.py.

``make_corpus(folder, n, seed)`` writes ``n`` mutants of real workbooks (the shipped
samples and the seed workbooks of :mod:`seeds`) and returns them with the mutation
that made each.  Mutations, one or two per file, at three levels:

* zip: truncation, a wrong CRC, an encrypted-flag, deflate64 or AES member, two
  members of one name, huge declared sizes, random byte flips;
* XML: cell references and dimensions far away (XFD1048576, ZZZZZ9999999, a 20-digit
  row), a billion laughs, an external entity naming a canary file, an undefined
  entity inside ``<f>``, a UTF-16 declared rels part, bad attributes, a style index out
  of range, ``numFmtId="abc"``, a whitespace bomb;
* cell: a 5,000-digit number, a huge shared string, a shared-string index out of range.

``special_files(folder)`` adds the paths that are no workbook at all: a FIFO, a link to
/dev/zero, a symlink loop, a folder named ``x.xlsx``, a chmod-000 file, a dangling link.

Nothing from the canary file (:data:`CANARY_TOKEN`) may ever appear in an output.
"""

from __future__ import annotations

import io
import os
import random
import re
import struct
import warnings
import zipfile
from pathlib import Path
from typing import Callable

import departments
import seeds

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "workbooks" / "samples").glob("*.xlsx"))
CANARY_TOKEN = "CANARY-7f3a91-secret"


def base_workbooks(folder: Path) -> list[Path]:
    """The real workbooks mutants are made from: the samples and two seed workbooks."""
    folder.mkdir(parents=True, exist_ok=True)
    made = [seeds.binh_thuan(folder / "seed_binh_thuan.xlsx"), seeds.soc_trang(folder / "seed_soc_trang.xlsx")]
    return SAMPLES + made


GOOD_PERIOD = "tháng 02 năm 2021"  # the samples' period, so mutants of them are of the run's period


def good_workbooks(folder: Path, n: int = 6, seed: int = 15) -> list[Path]:
    """Clean department workbooks of units no mutant reports: each must be consolidated
    whatever hostile files sit beside it."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        layout = departments.LAYOUTS[i % len(departments.LAYOUTS)]
        out.append(departments.write_department(folder / f"good_{i:02d}_{layout}.xlsx", layout,
                                                f"UBND xã Thử Nghiệm {i + 1:03d}",
                                                departments.department(rng, layout), GOOD_PERIOD))
    return out


def canary(folder: Path) -> Path:
    p = folder / "canary.txt"
    p.write_text(CANARY_TOKEN + "\n", encoding="utf-8")
    return p


# --- zip-level edits on raw bytes ------------------------------------------------------

def _central(data: bytes) -> list[tuple[int, int]]:
    """(central directory record offset, local header offset) of every member."""
    end = data.rfind(b"PK\x05\x06")
    if end < 0:
        return []
    count = struct.unpack("<H", data[end + 10:end + 12])[0]
    pos = struct.unpack("<I", data[end + 16:end + 20])[0]
    out = []
    for _ in range(count):
        if data[pos:pos + 4] != b"PK\x01\x02":
            break
        n, m, k = struct.unpack("<HHH", data[pos + 28:pos + 34])
        local = struct.unpack("<I", data[pos + 42:pos + 46])[0]
        out.append((pos, local))
        pos += 46 + n + m + k
    return out


def _patch(data: bytes, rng: random.Random, central_at: int, local_at: int, value: bytes,
           member: str | None = None) -> bytes:
    """``value`` written at the given offsets of one member's central and local headers
    (a random member, or the one named ``member``)."""
    b = bytearray(data)
    records = _central(data)
    if member is not None:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            records = [records[z.namelist().index(member)]]
    pick = rng.choice(records)
    b[pick[0] + central_at:pick[0] + central_at + len(value)] = value
    b[pick[1] + local_at:pick[1] + local_at + len(value)] = value
    return bytes(b)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randint(1, len(data) - 1)]


def bad_crc(data: bytes, rng: random.Random) -> bytes:
    return _patch(data, rng, 16, 14, struct.pack("<I", rng.getrandbits(32)))


def encrypted_flag(data: bytes, rng: random.Random) -> bytes:
    return _patch(data, rng, 8, 6, struct.pack("<H", 0x1))


def deflate64(data: bytes, rng: random.Random) -> bytes:
    return _patch(data, rng, 10, 8, struct.pack("<H", rng.choice((9, 99, 12, 14))))


def huge_sizes(data: bytes, rng: random.Random) -> bytes:
    return _patch(data, rng, 24, 22, struct.pack("<I", rng.choice((0xFFFFFFF0, 0x7FFFFFFF, 3 * 1024**3 // 2))))


def byte_flips(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b))
        b[i] = rng.randrange(256)
    return bytes(b)


# --- part-level edits: rebuild the zip with one part changed ----------------------------

def _rebuild(data: bytes, change: Callable[[str, bytes], bytes | None], extra: list[tuple[str, bytes]] = ()) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        warnings.simplefilter("ignore")  # "Duplicate name": the point of duplicate_names
        for info in zin.infolist():
            body = zin.read(info.filename)
            new = change(info.filename, body)
            zout.writestr(info.filename, body if new is None else new)
        for name, body in extra:
            zout.writestr(name, body)
    return out.getvalue()


def _sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _in_sheet(data: bytes, edit: Callable[[bytes], bytes]) -> bytes:
    return _rebuild(data, lambda n, b: edit(b) if _sheet(n) else None)


def _add_cell(xml: bytes, ref: bytes, row: bytes, value: bytes = b"<v>1</v>") -> bytes:
    return xml.replace(b"</sheetData>", b'<row r="' + row + b'"><c r="' + ref + b'">' + value + b"</c></row></sheetData>", 1)


def far_cell(data: bytes, rng: random.Random) -> bytes:
    ref, row = rng.choice([(b"XFD1048576", b"1048576"), (b"ZZZZZ9999999", b"9999999"),
                           (b"A99999999999999999999", b"99999999999999999999"), (b"XFE1", b"1"),
                           (b"AAA200000", b"200000"), (b"CV90000", b"90000")])
    return _in_sheet(data, lambda x: _add_cell(x, ref, row))


def far_dimension(data: bytes, rng: random.Random) -> bytes:
    ref = rng.choice([b"A1:XFD1048576", b"ZZZZZ9999999", b"A1:A99999999999999999999", b"B2:C"])
    return _in_sheet(data, lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref + b'"', x, count=1))


def _with_doctype(xml: bytes, doctype: bytes, use: bytes) -> bytes:
    xml = re.sub(rb"^<\?xml[^>]*\?>", b"", xml.lstrip())
    root = re.match(rb"\s*<([\w:]+)", xml).group(1)
    xml = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE ' + root + b" [" + doctype + b"]>" + xml
    return xml.replace(b"</sheetData>", b'<row r="900"><c r="A900" t="inlineStr"><is><t>' + use +
                       b"</t></is></c></row></sheetData>", 1)


def billion_laughs(data: bytes, rng: random.Random) -> bytes:
    ents = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    target = rng.choice(["sheet", "xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml"])
    return _rebuild(data, lambda n, b: _with_doctype(b, ents, b"&lol9;")
                    if (n == target or (target == "sheet" and _sheet(n))) else None)


def external_entity(folder: Path) -> Callable[[bytes, random.Random], bytes]:
    secret = canary(folder)

    def mutate(data: bytes, rng: random.Random) -> bytes:
        ent = b'<!ENTITY xxe SYSTEM "file://' + str(secret).encode() + b'">'
        target = rng.choice(["sheet", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml"])
        return _rebuild(data, lambda n, b: _with_doctype(b, ent, b"&xxe;")
                        if (n == target or (target == "sheet" and _sheet(n))) else None)
    return mutate


def entity_in_formula(data: bytes, rng: random.Random) -> bytes:
    return _in_sheet(data, lambda x: re.sub(rb"<c r=\"([A-Z]+\d+)\"([^>]*)><v>", rb'<c r="\1"\2><f>SUM(&undefined;)</f><v>',
                                            x, count=3))


def utf16_rels(data: bytes, rng: random.Random) -> bytes:
    def edit(n: str, b: bytes) -> bytes | None:
        if n != rng.choice(["xl/_rels/workbook.xml.rels", "xl/workbook.xml"]) and not n.endswith("workbook.xml.rels"):
            return None
        text = re.sub(r"^<\?xml[^>]*\?>", "", b.decode("utf-8").lstrip())
        return ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-16")
    return _rebuild(data, edit)


def bad_attributes(data: bytes, rng: random.Random) -> bytes:
    attr = rng.choice([b' s="abc"', b' t="zz"', b' s="-1"', b' r="!!"', b" r='A1'", b' s="1e9"'])
    return _in_sheet(data, lambda x: re.sub(rb'<c r="([A-Z]+\d+)"', lambda m: m.group(0) + attr, x, count=5))


def style_out_of_range(data: bytes, rng: random.Random) -> bytes:
    return _in_sheet(data, lambda x: re.sub(rb'<c r="([A-Z]+\d+)"( s="\d+")?', rb'<c r="\1" s="9999"', x))


def numfmt_abc(data: bytes, rng: random.Random) -> bytes:
    return _rebuild(data, lambda n, b: re.sub(rb'numFmtId="\d+"', b'numFmtId="abc"', b) if n == "xl/styles.xml" else None)


def whitespace_bomb(size: int) -> Callable[[bytes, random.Random], bytes]:
    def mutate(data: bytes, rng: random.Random) -> bytes:
        return _in_sheet(data, lambda x: x.replace(b"<sheetData>", b"<sheetData>" + b" " * size, 1))
    return mutate


def long_number(data: bytes, rng: random.Random) -> bytes:
    digits = "".join(rng.choice("123456789") for _ in range(5000)).encode()
    def edit(x: bytes) -> bytes:
        x = re.sub(rb"<v>(\d+)</v>", b"<v>" + digits + b"</v>", x, count=2)
        return _add_cell(x, b"C901", b"901", b'<is><t>' + digits + b"</t></is>").replace(
            b'<c r="C901">', b'<c r="C901" t="inlineStr">')
    return _in_sheet(data, edit)


def huge_shared_string(size: int) -> Callable[[bytes, random.Random], bytes]:
    def mutate(data: bytes, rng: random.Random) -> bytes:
        blob = b"x" * size
        def edit(n: str, b: bytes) -> bytes | None:
            if n == "xl/sharedStrings.xml":
                return b.replace(b"<t>", b"<t>" + blob, 1)
            if _sheet(n):
                return _add_cell(b, b"A902", b"902", b"<is><t>" + blob + b"</t></is>").replace(
                    b'<c r="A902">', b'<c r="A902" t="inlineStr">')
            return None
        return _rebuild(data, edit)
    return mutate


def shared_index(data: bytes, rng: random.Random) -> bytes:
    return _in_sheet(data, lambda x: _add_cell(x, b"B903", b"903", b"<v>999999</v>").replace(
        b'<c r="B903">', b'<c r="B903" t="s">'))


def duplicate_names(data: bytes, rng: random.Random) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = next(n for n in z.namelist() if _sheet(n))
    return _rebuild(data, lambda n, b: None, [(sheet, b"<worksheet/>")])


MUTATIONS = ("truncate", "bad_crc", "encrypted_flag", "deflate64", "huge_sizes", "byte_flips", "duplicate_names",
             "far_cell", "far_dimension", "billion_laughs", "external_entity", "entity_in_formula", "utf16_rels",
             "bad_attributes", "style_out_of_range", "numfmt_abc", "whitespace_bomb", "long_number",
             "huge_shared_string", "shared_index")


def mutations(folder: Path, bomb: int = 150 * 1024**2, big_string: int = 8 * 1024**2) -> dict[str, Callable]:
    return {
        "truncate": truncate, "bad_crc": bad_crc, "encrypted_flag": encrypted_flag, "deflate64": deflate64,
        "huge_sizes": huge_sizes, "byte_flips": byte_flips, "duplicate_names": duplicate_names,
        "far_cell": far_cell, "far_dimension": far_dimension, "billion_laughs": billion_laughs,
        "external_entity": external_entity(folder), "entity_in_formula": entity_in_formula,
        "utf16_rels": utf16_rels, "bad_attributes": bad_attributes, "style_out_of_range": style_out_of_range,
        "numfmt_abc": numfmt_abc, "whitespace_bomb": whitespace_bomb(bomb), "long_number": long_number,
        "huge_shared_string": huge_shared_string(big_string), "shared_index": shared_index,
    }


# whitespace bombs and huge strings are slow to build: at most this many of each
_COSTLY = {"whitespace_bomb": 2, "huge_shared_string": 3}


def make_corpus(folder: Path, n: int, seed: int = 15, **sizes: int) -> list[tuple[Path, str]]:
    """``n`` mutants (every mutation at least once when n allows), each with its name."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    bases = base_workbooks(folder / "_bases")
    muts = mutations(folder / "_bases", **sizes)
    names = list(MUTATIONS)
    assert set(names) == set(muts)
    used: dict[str, int] = {}
    out = []
    for i in range(n):
        name = names[i] if i < len(names) else rng.choice(names)
        while used.get(name, 0) >= _COSTLY.get(name, 1 << 30):
            name = rng.choice(names)
        used[name] = used.get(name, 0) + 1
        base = rng.choice(bases)
        data = base.read_bytes()
        label = name
        try:
            data = muts[name](data, rng)
            if rng.random() < 0.15 and name not in _COSTLY:  # a second mutation on top
                second = rng.choice([m for m in names if m not in _COSTLY])
                data = muts[second](data, rng)
                label = f"{name}+{second}"
        except Exception:  # noqa: BLE001 - a mutation that does not apply (e.g. on a truncated zip)
            pass
        p = folder / f"{i:04d}_{label}.xlsx"
        p.write_bytes(data)
        out.append((p, label))
    return out


def special_files(folder: Path) -> list[tuple[Path, str]]:
    """The paths that are no regular workbook: each must be a record of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    fifo = folder / "fifo.xlsx"
    os.mkfifo(fifo)
    out.append((fifo, "fifo"))
    zero = folder / "zero.xlsx"
    zero.symlink_to("/dev/zero")
    out.append((zero, "dev_zero"))
    a, b = folder / "loop_a.xlsx", folder / "loop_b.xlsx"
    a.symlink_to(b.name)
    b.symlink_to(a.name)
    out.append((a, "symlink_loop"))
    d = folder / "folder.xlsx"
    d.mkdir()
    (d / "inside.txt").write_text("not a workbook")
    out.append((d, "folder"))
    locked = folder / "chmod000.xlsx"
    locked.write_bytes(SAMPLES[0].read_bytes())
    locked.chmod(0)
    out.append((locked, "chmod000"))
    dangling = folder / "dangling.xlsx"
    dangling.symlink_to(folder / "nowhere.xlsx")
    out.append((dangling, "dangling"))
    return out


# --- the contract, checked through the real command line ------------------------------

def cli_command() -> list[str]:
    """The installed console script beside this interpreter, or the same entry point."""
    import shutil
    import sys

    script = Path(sys.executable).with_name("xl-tthc")
    if script.exists():
        return [str(script)]
    found = shutil.which("xl-tthc")
    return [found] if found else [sys.executable, "-c", "import sys; from xl_tthc.cli import main; main()"]


def digests(paths: list[Path]) -> dict[Path, str]:
    """SHA-256 of every input that is a readable regular file (never opening a FIFO)."""
    import hashlib
    import stat as st

    out = {}
    for p in paths:
        try:
            if not st.S_ISREG(os.stat(p).st_mode) or not os.access(p, os.R_OK):
                continue
            out[p] = hashlib.sha256(p.read_bytes()).hexdigest()
        except OSError:
            continue
    return out


def _leaks(text: str) -> bool:
    return CANARY_TOKEN in text


def run_cli(args: list[str], timeout: float) -> tuple[int | None, str, str]:
    """(exit code or None when it hung, stdout, stderr) of one command line."""
    import subprocess

    try:
        done = subprocess.run(cli_command() + args, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    except subprocess.TimeoutExpired as e:
        return None, str(e.stdout or ""), str(e.stderr or "")
    return done.returncode, done.stdout, done.stderr


def contract_check(files: list[Path], timeout: float = 120) -> list[str]:
    """Problems of ``xl-tthc check --json FILES``: a hang, an exit code outside 0-2,
    a traceback or any stderr, an input missing from the JSON, a leaked entity."""
    import json

    code, out, err = run_cli(["check", "--json", *map(str, files)], timeout)
    if code is None:
        return [f"hang: check of {len(files)} files"]
    problems = []
    if code not in (0, 1, 2):
        problems.append(f"crash: check exit code {code}: {err[-300:]}")
    if err.strip():
        problems.append(f"stderr: {err[-300:]}")
    try:
        reported = {f["path"] for f in json.loads(out)["files"]}
        missing = [str(p) for p in files if str(p) not in reported]
        if missing:
            problems.append(f"not reported: {missing[:5]}")
    except (ValueError, KeyError, TypeError):
        problems.append(f"no JSON from check: {out[:200]}")
    if _leaks(out):
        problems.append("external entity content in check output")
    return problems


def contract_consolidate(files: list[Path], good: list[Path], out_dir: Path, timeout: float = 180) -> list[str]:
    """Problems of ``xl-tthc consolidate FILES GOOD -o OUT --json``: as for check, plus
    the good files consolidated, the output complete and nothing half-written beside it."""
    import json

    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "tong_hop.xlsx"
    code, text, err = run_cli(["consolidate", *map(str, files), *map(str, good), "-o", str(out), "--json",
                               "--force", "--period", "2021-02"], timeout)
    if code is None:
        return [f"hang: consolidate of {len(files)} files"]
    problems = []
    if code not in (0, 1):
        problems.append(f"crash: consolidate exit code {code}: {err[-300:]}")
    if err.strip():
        problems.append(f"stderr: {err[-300:]}")
    try:
        data = json.loads(text)
        status = {f["path"]: f for f in data["files"]}
        missing = [str(p) for p in [*files, *good] if str(p) not in status and not Path(p).is_dir()]
        if missing:
            problems.append(f"not reported: {missing[:5]}")
        bad_good = [str(p) for p in good if status.get(str(p), {}).get("status") != "consolidated"]
        if bad_good:
            problems.append(f"good files not consolidated: {bad_good[:3]}")
        silent = [p for p, f in status.items() if f["status"] != "consolidated" and not f["reason"]]
        if silent:
            problems.append(f"a status without a reason: {silent[:3]}")
    except (ValueError, KeyError, TypeError):
        problems.append(f"no JSON from consolidate: {text[:200]}")
    left = sorted(p.name for p in out_dir.iterdir())
    if left != [out.name]:
        problems.append(f"output folder holds: {left}")
    elif out.exists():
        try:
            with zipfile.ZipFile(out) as z:
                if z.testzip() is not None or any(_leaks(z.read(n).decode("utf-8", "replace")) for n in z.namelist()):
                    problems.append("output damaged or holding external entity content")
        except zipfile.BadZipFile:
            problems.append("output is not a complete workbook")
    if _leaks(text):
        problems.append("external entity content in consolidate output")
    return problems
