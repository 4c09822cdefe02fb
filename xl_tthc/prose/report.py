"""A report's prose: read it (.txt, .md, .docx), split it into sentences, and find each
figure it states together with what that figure counts.

The extraction is deliberately conservative: a number is a figure only when a quantity
keyword says what it counts ("đã giải quyết 7.718 hồ sơ", "trễ hạn: 07 hồ sơ",
"3.116 hồ sơ tiếp nhận qua hình thức trực tuyến").  Dates, document numbers
("Số: 01/BC"), "mức độ 3, 4", counts of other things ("117.379 lượt", "04 đơn vị"),
changes ("tăng 1,8 %") and every figure of a sub-scope (a field of procedures, one
department, a district, the postal channel, "liên thông", another period) are skipped:
from the first such marker to the end of its sentence nothing is compared with the
report's totals.  Where the words leave the meaning open, a figure keeps every
candidate field ("tiếp nhận 3.851" may be the total received or the new dossiers).
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

from ..domain.fields import SHARE_OF
from ..domain.numbers import parse_number

__all__ = ["ProseError", "Sentence", "Figure", "read_report", "sentences", "extract"]


class ProseError(ValueError):
    """A report whose prose cannot be read; ``path`` is the file, ``reason`` the cause."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"cannot read the report {path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Sentence:
    row: int  # 1-based line of the text (the paragraph number for .docx)
    text: str


@dataclass(eq=False)
class Figure:
    """One stated figure.  ``value`` is a count, or for a percentage the number as
    written (99,92 % -> 99.92) with ``decimals`` its stated precision.  ``fields`` are
    the canonical fields it may count, ``field`` the one it counts for comparisons
    within the text (None when the words leave it open).  A percentage has ``part``
    (the stated count it is a share of, if any), ``whole`` (the stated denominator, if
    any) and ``of`` (the fields the share may be taken of)."""

    kind: str  # "count" | "percent"
    value: Fraction
    text: str
    fields: tuple[str, ...]
    field: str | None
    sentence: Sentence
    start: int
    decimals: int = 0
    part: Figure | None = None
    whole: Figure | None = None
    of: tuple[str, ...] = ()
    _plain_on_time: bool = field(default=False, repr=False)
    _generic_received: bool = field(default=False, repr=False)


# --------------------------------------------------------------------------- reading

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_report(path: str | Path) -> str:
    """The prose of a report as text, one paragraph a line.  Tables of a .docx (the
    appendix) are left out; in .txt/.md their lines are skipped by ``sentences``."""
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix == ".docx":
            return _docx_text(p)
        if suffix in (".txt", ".md", ".markdown"):
            raw = p.read_bytes()
            try:
                return raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                return raw.decode("cp1258")
    except (OSError, zipfile.BadZipFile, KeyError, ElementTree.ParseError) as e:
        raise ProseError(str(path), f"{type(e).__name__}: {e}") from e
    raise ProseError(str(path), f"unsupported file type {suffix or '(none)'}; use .txt, .md or .docx")


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("word/document.xml"))
    lines: list[str] = []

    def walk(el: ElementTree.Element) -> None:
        for child in el:
            if child.tag == f"{_W}tbl":
                continue
            if child.tag == f"{_W}p":
                parts = []
                for node in child.iter():
                    if node.tag == f"{_W}t":
                        parts.append(node.text or "")
                    elif node.tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
                        parts.append(" ")
                lines.append("".join(parts))
            else:
                walk(child)

    body = root.find(f"{_W}body")
    walk(body if body is not None else root)
    return "\n".join(lines)


# --------------------------------------------------------------------------- sentences

_TAGS = re.compile(r"<[^>]+>")
_ESCAPES = re.compile(r"\\([*_()\[\]#+\-.])")
_LEAD = re.compile(r"^\s*(?:#+\s*|[-+•*]\s+)+")
_SPACE = re.compile(r"[ \t\u00a0\u202f\u2009]+")
_SENT_END = re.compile(r"(?<=[.!?])\s+")
_NOT_AN_END = re.compile(r"(?:^|\s)(?:\d+(?:\.\d+)*|[IVXLC]+|[a-zđ]|TP|Tp|TS|ThS|PGS)\.$")  # "1. Kết quả", "TP. Huế"


def _clean(line: str) -> str:
    t = unicodedata.normalize("NFC", line)
    t = _TAGS.sub("", t)
    t = _ESCAPES.sub(r"\1", t).replace("*", "").replace("__", "")
    t = _LEAD.sub("", t)
    return _SPACE.sub(" ", t).strip()


def _is_table_line(line: str) -> bool:
    return line.lstrip().startswith("|") or line.count("\t") >= 2


def sentences(text: str) -> list[Sentence]:
    """The sentences of the prose with their line numbers; table lines are skipped."""
    out: list[Sentence] = []
    for row, line in enumerate(text.splitlines(), start=1):
        if _is_table_line(line):
            continue
        clean = _clean(line)
        if not clean:
            continue
        pieces: list[str] = []
        for piece in _SENT_END.split(clean):
            if pieces and (piece[:1].islower() or _NOT_AN_END.search(pieces[-1])):
                pieces[-1] += " " + piece
            else:
                pieces.append(piece)
        out.extend(Sentence(row, p) for p in pieces)
    return out


# --------------------------------------------------------------------------- masking

# Spans whose digits are not figures: dates, document numbers, "tháng 02", "mức độ 3, 4".
_MASKS = [
    re.compile(r"\d[\d.,]*(?:\s*/\s*[\w.,\-]+)+"),
    re.compile(r"/\s*\d+"),
    re.compile(r"\b(?:ngày|tháng|năm|quý|tuần|giờ|phút|khoản|điều|mục|phụ lục|lần|đợt|giai đoạn)\s+(?:thứ\s+)?\d+"),
    re.compile(r"\d+\s+(?:tháng|năm|quý|tuần|ngày|giờ)\b"),
    re.compile(r"\b(?:mức độ|mức|cấp độ)\s*\d+(?:\s*(?:,|và|-|–)\s*\d+)*"),
    re.compile(r"^\s*\d+(?:\.\d+)*[.)]\s"),
]


def _mask(low: str) -> str:
    chars = list(low)
    for rx in _MASKS:
        for m in rx.finditer(low):
            for i in range(m.start(), m.end()):
                if chars[i].isdigit():
                    chars[i] = "#"
    return "".join(chars)


# --------------------------------------------------------------------------- keywords

# Family patterns, matched in this order; each match is blanked so that a longer phrase
# ("đang giải quyết", "trước hạn và đúng hạn") is not matched again by a shorter one.
_DEADLINE = r"(?:hạn|hẹn|thời hạn)"
_FAMILIES: list[tuple[str, re.Pattern[str]]] = [
    ("DESK", re.compile(r"(?:bộ phận )?(?:tiếp nhận và trả kết quả|một cửa)")),
    ("IN_TIME", re.compile(rf"(?:trước|sớm)(?: {_DEADLINE})?\s*(?:và|,|hoặc|/)?\s*đúng {_DEADLINE}"
                           rf"|đúng(?: {_DEADLINE})?\s*(?:và|,|hoặc|/)\s*(?:trước|sớm) {_DEADLINE}")),
    ("PENDING_IN_TIME", re.compile(r"chưa (?:đến|tới|quá) (?:hạn|hẹn)|còn (?:hạn|hẹn)")),
    ("PENDING", re.compile(r"(?:kỳ|tháng|quý|năm) sau|đang (?:giải quyết|xử lý|thụ lý)|chưa (?:giải quyết|xử lý)")),
    ("RECEIVED", re.compile(r"nhận giải quyết")),
    ("TRONG_HAN", re.compile(r"trong (?:hạn|hẹn)")),
    ("EARLY", re.compile(rf"(?:trước|sớm) {_DEADLINE}")),
    ("ON_TIME", re.compile(rf"đúng {_DEADLINE}")),
    ("LATE", re.compile(r"trễ(?: hạn| hẹn)?|chậm (?:trễ|hạn|giải quyết|trả)")),
    ("OVERDUE", re.compile(r"quá (?:hạn|hẹn)")),
    ("RETURNED", re.compile(r"trả lại|bị trả")),
    ("WITHDRAWN", re.compile(r"\brút\b")),
    ("SUPPLEMENT", re.compile(r"bổ sung")),
    ("CARRIED", re.compile(r"kỳ trước|chuyển sang|chuyển qua|tồn kỳ trước")),
    ("ONLINE", re.compile(r"trực tuyến|qua mạng")),
    ("DIRECT", re.compile(r"trực tiếp")),
    ("RESOLVED", re.compile(r"giải quyết|xử lý|trả kết quả|đã trả|hoàn thành")),
    ("RECEIVED_NEW", re.compile(r"tiếp nhận mới|mới tiếp nhận|nhận mới")),
    ("RECEIVED", re.compile(r"tiếp nhận|nhận được|đã nhận|tổng số hồ sơ")),
]
_TIMING = {"IN_TIME", "PENDING_IN_TIME", "TRONG_HAN", "EARLY", "ON_TIME", "LATE", "OVERDUE"}
_STATUS = re.compile(r"đang (?:giải quyết|xử lý|thụ lý)|chưa (?:giải quyết|xử lý)|giải quyết|xử lý|trả kết quả|đã trả")
_PERIOD_LABEL = re.compile(r"^\s*(?:số hồ sơ\s+)?(?:trong|mới trong) (?:kỳ|tháng|quý|năm)(?: này)?(?: là)?\s*:?\s*$")


def _families(text: str) -> set[str]:
    found: set[str] = set()
    for name, rx in _FAMILIES:
        if rx.search(text):
            found.add(name)
            text = rx.sub(lambda m: " " * len(m.group(0)), text)
    found.discard("DESK")
    return found


def _status_of(text: str) -> str | None:
    last = None
    for m in _STATUS.finditer(text):
        word = m.group(0)
        last = "pending" if word.startswith(("đang", "chưa")) else "resolved"
    return last


_GENERIC_RECEIVED = ("received", "received_new")
_PLAIN_ON_TIME = ("resolved_in_time", "resolved_on_time")


def _meaning(fam: set[str], hint: str | None) -> tuple[str, ...]:
    """Candidate fields for the keyword families of one context; () when unclear."""
    if not fam:
        return ()
    for name, f in (("RETURNED", "returned"), ("WITHDRAWN", "withdrawn"), ("SUPPLEMENT", "supplement_requested")):
        if name in fam:
            rest = fam - {name, "RECEIVED", "RESOLVED"}
            return (f,) if not rest else ()
    status = "pending" if "PENDING" in fam else "resolved" if "RESOLVED" in fam else None
    timing = fam & _TIMING
    if len(timing) > 1 or (timing and fam & {"ONLINE", "DIRECT", "CARRIED", "RECEIVED", "RECEIVED_NEW"}):
        return ()
    if timing:
        (t,) = timing
        st = status or hint
        if t == "PENDING_IN_TIME":
            return ("pending_in_time",) if status != "resolved" else ()
        if t in ("IN_TIME", "EARLY", "ON_TIME"):
            if status == "pending":
                return ()
            return {"IN_TIME": ("resolved_in_time",), "EARLY": ("resolved_early",),
                    "ON_TIME": _PLAIN_ON_TIME}[t]
        if t == "TRONG_HAN":
            return {"pending": ("pending_in_time",), "resolved": ("resolved_in_time",)}.get(
                st, ("pending_in_time", "resolved_in_time"))
        if st == "pending":
            return ("pending_overdue",)
        if st == "resolved" or t == "LATE":
            return ("resolved_late",)
        return ("resolved_late", "pending_overdue")
    if "CARRIED" in fam:
        return ("carried_over",) if not fam & {"PENDING", "RESOLVED", "ONLINE", "DIRECT"} else ()
    if "ONLINE" in fam or "DIRECT" in fam:
        if status or ("ONLINE" in fam and "DIRECT" in fam):
            return ()
        return ("received_online",) if "ONLINE" in fam else ("received_direct",)
    if status == "pending":
        return ("pending",) if not fam & {"RECEIVED", "RECEIVED_NEW"} else ()
    if status == "resolved":
        return ("resolved",) if not fam & {"RECEIVED", "RECEIVED_NEW"} else ()
    if "RECEIVED_NEW" in fam:
        return ("received_new",)
    return _GENERIC_RECEIVED


# --------------------------------------------------------------------------- scope

_SCOPE = re.compile(
    r"lĩnh vực|theo nhóm|căn cước|liên thông|mức độ|cấp độ|toàn trình|một phần|bưu chính|bưu điện"
    r"|\briêng\b|lũy kế|luỹ kế|từ đầu năm|cùng kỳ|so với|nhiều nhất|nhiều hồ sơ nhất|cao nhất|thấp nhất"
    r"|ít nhất|đứng đầu|các đơn vị|đơn vị nào|mỗi đơn vị|cấp huyện|cấp xã|các huyện|các xã|bình quân|trung bình"
    r"|chỉ tiêu|mục tiêu|đến hết|kể từ|từ khi|đi vào hoạt động"
)
# A named unit: "Sở Tư pháp", "Ban Quản lý…", "huyện Phú Quý", "Công an tỉnh", "BHXH".
_UNIT = re.compile(r"(?<!\w)(?:Sở|Ban|Cục|Chi cục|Bộ|Kho bạc|[Hh]uyện|[Tt]hị xã|[Tt]hành phố|[Xx]ã|[Pp]hường"
                   r"|[Tt]hị trấn)\s+(\w)|(?<!\w)(?:Công an (?:tỉnh|huyện|thành phố)|Bảo hiểm [Xx]ã hội|BHXH"
                   r"|UBND (?:huyện|xã|phường|thị|thành phố))")
_OWN_UNIT = re.compile(r"(?:^|[,;:.]\s*)((?:Sở|Ban|Cục|Chi cục|Công an|Bảo hiểm|UBND|Ủy ban)\s[^,.;:]{2,60}?),?"
                       r"\s+báo cáo\b")


# A period named in a sentence: "tháng 02 năm 2021", "tháng 3/2024", "quý I", "6 tháng", "năm 2023"
# (not the date of the document: "ngày 02 tháng 02 năm 2023").
_PERIOD = re.compile(r"(?<![\w/])(?:(tháng|quý)\s+(\d{1,2}|iv|i{1,3})|(\d{1,2})\s+(tháng)|(năm)\s+(\d{4}))"
                     r"(?:\s+(?:đầu|cuối))?(?:\s*(?:năm\s+|/|-)\s*(\d{4}))?\b")
_DATE = re.compile(r"ngày\s+(?:\d{1,2}\s+)?tháng(?:\s+\d{1,2})?(?:\s+năm(?:\s+\d{4})?)?")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _periods(text: str) -> list[tuple[int, tuple[str, int, int | None]]]:
    """(position, (kind, number, year)) of the periods a sentence names."""
    low = _DATE.sub(lambda m: " " * len(m.group(0)), text.lower())
    out = []
    for m in _PERIOD.finditer(low):
        if m.group(1):
            kind, n = m.group(1), _ROMAN.get(m.group(2)) or int(m.group(2))
        elif m.group(4):
            kind, n = "tháng dài", int(m.group(3))
        else:
            kind, n = "năm", int(m.group(6))
        out.append((m.start(), (kind, n, int(m.group(7)) if m.group(7) else None)))
    return out


def _same_period(a: tuple[str, int, int | None], b: tuple[str, int, int | None]) -> bool:
    return a[:2] == b[:2] and (a[2] is None or b[2] is None or a[2] == b[2])


@dataclass
class _Document:
    """What holds across sentences: the reporting unit ("Sở Nội vụ, báo cáo …", naming it
    is not a sub-scope), the report's own period (the first one named; a figure of
    another period is not compared), and the status (resolved or pending) of the last
    sentence with figures, which a following bare "quá hạn" refers to."""

    own_unit: str | None
    period: tuple[str, int, int | None] | None
    status: str | None = None

    @classmethod
    def of(cls, sents: list[Sentence]) -> _Document:
        own = next((m.group(1).strip() for s in sents if (m := _OWN_UNIT.search(s.text))), None)
        period = next((p[0][1] for s in sents if (p := _periods(s.text))), None)
        return cls(own, period)


def _scope_start(text: str, masked: str, doc: _Document) -> int | None:
    starts = [m.start() for m in _SCOPE.finditer(masked)]
    plain = text.replace(doc.own_unit, " " * len(doc.own_unit)) if doc.own_unit else text
    for m in _UNIT.finditer(plain):
        if m.group(1) is None or m.group(1).isupper():
            starts.append(m.start())
    if doc.period:
        starts += [at for at, p in _periods(text) if not _same_period(p, doc.period)]
    return min(starts) if starts else None


# --------------------------------------------------------------------------- tokens

_NUMBER = re.compile(r"(?<![\w#/.,\-])(\d{1,3}(?:\.\d{3})+|\d+)(,\d+)?(?![\w#/]|[.,][\d#])(\s?%)?")
_ZERO = re.compile(r"(?<!\w)không (?:có|phát sinh)(?= (?:hồ sơ|hs)\b)")
_UNIT_OK = re.compile(r"\s*(?:$|[^\w\s]|(?:bộ\s+)?hồ sơ\b|hs\b|(?:và|trong|chiếm|đạt|bằng|tương ứng)\b)")
_DOSSIERS = re.compile(r"\s*(?:số\s+)?(?:bộ\s+)?(?:hồ sơ|hs)\b")
_DELTA = re.compile(r"(?:tăng|giảm|hơn|thêm|vượt|khoảng|gần|trên|dưới|hơn|trung bình)\s*$")
_DEN_PREFIX = re.compile(r"\s*(?:(trên|so với|của)\s+)?(?:(tổng số|tổng)\s+)?(?:lượng\s+)?")
_SHARE_WORD = re.compile(r"chiếm|đạt|bằng|tương ứng|t[ỷỉ] lệ|\(")
_UNDER = re.compile(r"trong đó|bao gồm|\bgồm\b")
_BOUNDARY = re.compile(r"[,;()]")


@dataclass(eq=False)
class _Token:
    start: int
    end: int
    kind: str  # count | percent | zero | other
    text: str
    value: Fraction
    decimals: int = 0
    used_end: int = 0
    figure: Figure | None = None
    opaque: bool = False
    den_of: _Token | None = None


def _tokens(sentence: Sentence, masked: str) -> list[_Token]:
    toks = []
    for m in _NUMBER.finditer(masked):
        raw = sentence.text[m.start():m.end()]
        num = parse_number(raw.replace(" ", ""))
        if m.group(3):
            kind = "percent"
        elif m.group(2) or num is None or not num.is_integer:
            kind = "other"
        else:
            kind = "count"
        toks.append(_Token(m.start(), m.end(), kind, raw, num.value, num.decimals, m.end()))
    for m in _ZERO.finditer(masked):
        toks.append(_Token(m.start(), m.end(), "zero", sentence.text[m.start():m.end()], Fraction(0), 0, m.end()))
    return sorted(toks, key=lambda t: t.start)


# --------------------------------------------------------------------------- extraction


def extract(text: str) -> list[Figure]:
    """Every figure of the prose whose meaning is clear, in reading order."""
    sents = sentences(text)
    doc = _Document.of(sents)
    figures: list[Figure] = []
    for s in sents:
        figures.extend(_sentence_figures(s, doc))
    _bind(figures)
    return figures


def _sentence_figures(s: Sentence, doc: _Document) -> list[Figure]:
    masked = _mask(s.text.lower())
    toks = _tokens(s, masked)
    scope = _scope_start(s.text, masked, doc)
    out: list[Figure] = []
    percents: list[tuple[_Token, _Token | None, str, str]] = []

    def hint(pos: int) -> str | None:
        return _status_of(masked[:pos]) or doc.status

    for i, tok in enumerate(toks):
        prev = toks[i - 1] if i else None
        # context starts after the previous number (a figure, a code); masked dates do not count
        other = re.search(r"\d\D*$", masked[:tok.start])
        prev_end = max(prev.used_end if prev else 0, other.start() + 1 if other else 0)
        clause = masked.rfind(";", 0, tok.start) + 1
        piece = max(masked.rfind(c, 0, tok.start) for c in ",;()") + 1
        near = masked[max(piece, prev_end):tok.start]
        left = masked[max(clause, prev_end):tok.start]
        nxt = _BOUNDARY.search(masked, tok.end)
        right_end = min(nxt.start() if nxt else len(masked), toks[i + 1].start if i + 1 < len(toks) else len(masked))
        right = masked[tok.end:right_end]
        if tok.kind == "other" or (scope is not None and scope < right_end):
            tok.opaque = True
            continue
        if tok.kind == "percent":
            if _DELTA.search(near):
                tok.opaque = True
                continue
            percents.append((tok, prev if prev and prev.start >= clause else None, near, left))
            continue
        if tok.kind == "count":
            owner = prev if prev and prev.kind == "percent" and not prev.opaque else None
            between = _DEN_PREFIX.fullmatch(masked, owner.end, tok.start) if owner else None
            if between and (between.group(1) or between.group(2)):
                tok.den_of = owner  # "(chiếm 89,69 % trên tổng số 8.605 hồ sơ)"
            elif not _UNIT_OK.match(masked, tok.end) or _DELTA.search(near):
                tok.opaque = True
                continue
        fam = _families(near)
        if not fam and tok.kind == "count":
            fam = _families(left)
        if tok.den_of is None and not fam and _DOSSIERS.match(right):
            fam = _families(right)
        if tok.kind == "count" and not fam and _PERIOD_LABEL.match(near):
            fam = {"RECEIVED_NEW"}
        cands = _meaning(fam, hint(tok.start))
        if _DOSSIERS.match(right):
            tok.used_end = right_end  # "54 hồ sơ đúng hạn" belongs to 54, not to the next figure
        if tok.den_of is not None:
            if not cands and _DOSSIERS.match(right):
                cands = _meaning(_families(right), None)
        if not cands and tok.den_of is None:
            tok.opaque = True
            continue
        tok.figure = Figure("count", tok.value, tok.text, cands, cands[0] if len(cands) == 1 else None, s, tok.start,
                            _plain_on_time=cands == _PLAIN_ON_TIME, _generic_received=cands == _GENERIC_RECEIVED)
        out.append(tok.figure)

    for tok, prev, near, left in percents:
        fig = _percent(s, masked, toks, out, tok, prev, (near, left), hint(tok.start))
        if fig is not None:
            out.append(fig)
    if out:  # a heading ("Kết quả giải quyết TTHC") does not set what "quá hạn" refers to
        doc.status = _status_of(masked) or doc.status
    out.sort(key=lambda f: f.start)
    return [f for f in out if f.fields]


def _percent(s: Sentence, masked: str, toks: list[_Token], counts: list[Figure], tok: _Token,
             prev: _Token | None, context: tuple[str, str], hint: str | None) -> Figure | None:
    near, left = context
    own = _families(near)
    part = None
    if not own and prev is not None and prev.kind != "percent" and _SHARE_WORD.search(masked[prev.end:tok.start]):
        if prev.opaque or prev.figure is None or prev.den_of is not None:
            return None  # the share of a number that is not a figure ("8,96 ngàn HS (đạt 99,8%)")
        part = prev.figure
    after = masked[tok.end:]
    prefix = _DEN_PREFIX.match(after)
    has_prefix = bool(prefix.group(1) or prefix.group(2))
    rest = after[prefix.end():]
    den_tok = next((t for t in toks if t.start == tok.end + prefix.end()), None) if has_prefix else None
    if den_tok is not None and (den_tok.den_of is not tok or den_tok.figure is None):
        return None
    stop = _BOUNDARY.search(rest)
    phrase = rest[:stop.start() if stop else len(rest)]
    described = _DOSSIERS.match(phrase)
    if part is not None:
        fields = part.fields
    else:
        fam = own or _families(left)
        if not fam and described and not has_prefix:
            fam = _families(phrase[described.end():])
            described = None
        fields = _meaning(fam, hint)
    if not fields:
        return None
    of: tuple[str, ...] = ()
    if den_tok is not None:
        if not den_tok.figure.fields:
            den_tok.figure.fields = _unique(a for f in fields for a in SHARE_OF.get(f, ()))
            den_tok.figure.field = den_tok.figure.fields[0] if len(den_tok.figure.fields) == 1 else None
        of = den_tok.figure.fields
    elif described and (part is not None or has_prefix):
        of = _meaning(_families(phrase[described.end():]), None)
        if not of:
            return None
    else:
        of = _unique(SHARE_OF[f][0] for f in fields if f in SHARE_OF)
        if part is not None:
            of = _unique(_under_whole(masked, counts, part, fields) + of)
    if not of:
        return None
    return Figure("percent", tok.value, tok.text, fields, fields[0] if len(fields) == 1 else None, s, tok.start,
                  tok.decimals, part=part, whole=den_tok.figure if den_tok else None, of=of,
                  _plain_on_time=fields == _PLAIN_ON_TIME, _generic_received=fields == _GENERIC_RECEIVED)


def _under_whole(masked: str, counts: list[Figure], part: Figure, fields: tuple[str, ...]) -> tuple[str, ...]:
    """The documented alternative denominators a "trong đó" structure names: in "tiếp nhận
    16.903 hồ sơ, trong đó trực tuyến 12.819 hồ sơ (chiếm 75,84%)" the share may be of
    the 16.903 just stated, when that is one of the alternatives of domain.md."""
    alternatives = {a for f in fields for a in SHARE_OF.get(f, ())}
    for whole in reversed([c for c in counts if c.start < part.start]):
        if _UNDER.search(masked, whole.start, part.start):
            return tuple(c for c in whole.fields if c in alternatives)
    return ()


def _unique(items) -> tuple[str, ...]:
    out: list[str] = []
    for x in items:
        if x not in out:
            out.append(x)
    return tuple(out)


def _bind(figures: list[Figure]) -> None:
    """Settle what the words left open once the whole text is known: "đúng hạn" is on
    time when early dossiers are stated separately, else early + on time; a plain
    "tiếp nhận" figure is the total when carried-over or new dossiers are stated (in its
    own sentence, or elsewhere with another value: a restated new count stays open), and
    so is "tổng số hồ sơ tiếp nhận" as a denominator."""
    has_early = any(f.field == "resolved_early" for f in figures)
    parts = [f for f in figures if f.kind == "count" and f.field in ("carried_over", "received_new")]
    new_values = {f.value for f in parts if f.field == "received_new"}
    for f in figures:
        if f._plain_on_time:
            if has_early:
                f.fields, f.field = ("resolved_on_time",), "resolved_on_time"
            else:
                f.field = "resolved_in_time"
        if f._generic_received and f.kind == "count" and parts:
            if any(p.sentence is f.sentence for p in parts) or f.value not in new_values:
                f.fields, f.field = ("received",), "received"
        if f.of == _GENERIC_RECEIVED and parts:
            f.of = ("received",)
        if f._plain_on_time and f.kind == "percent" and f.part is None:
            f.fields, f.field = _PLAIN_ON_TIME, None  # "tỷ lệ đúng hạn" is often early + on time
