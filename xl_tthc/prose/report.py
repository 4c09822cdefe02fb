"""A report's prose: read it (.txt, .md, .docx), split it into sentences, and find each
figure it states: what it counts, whose it is and when (its scope), and for a share what
it is a share of.

The extraction is deliberately conservative: a number is a figure only when a quantity
keyword says what it counts ("đã giải quyết 7.718 hồ sơ", "trễ hạn: 07 hồ sơ",
"3.116 hồ sơ tiếp nhận qua hình thức trực tuyến", "qua dịch vụ BCCI 128 hồ sơ").  Dates,
document numbers ("Số: 01/BC"), "mức độ 3, 4", counts of other things ("117.379 lượt",
"04 đơn vị") and changes ("tăng 1,8 %") are skipped.  Each figure carries its scope
(``Figure.scope`` = (whose, when)): the report's own unit and period ("", ""), a level
("cấp huyện"), the province ("toàn tỉnh"), a named unit ("Sở Tư pháp", "huyện Phú Quý"),
another period ("quý 3/2021"), a cumulative count ("lũy kế"), the previous period
("cùng kỳ"), a week.  The words before a sentence's first figure, and headings ("Cấp
huyện:"), set the scope of the sentences that follow until another one is named.  A
sub-scope that cannot be named (a field of procedures, a ranking, an average, a list of
units) makes the rest of its sentence opaque: nothing there is compared.  Rounded and
approximate counts ("4,52 ngàn", "gần 27.000", "trên 7.600") keep the range their wording
allows (``Figure.low``/``high``).  Where the words leave the meaning open, a figure keeps
every candidate field ("tiếp nhận 3.851" may be the total received or the new dossiers).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

from ..domain.fields import SHARE_OF
from ..read.untrusted import inflate, read_untrusted, reject_dtd
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
    start: int = 0  # offset of the sentence in its (cleaned) line


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
    scope: tuple[str, str] = ("", "")
    low: Fraction | None = None
    high: Fraction | None = None
    dot_decimal: bool = False
    _plain_on_time: bool = field(default=False, repr=False)
    _generic_received: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.low is None:
            self.low = self.value
        if self.high is None:
            self.high = self.value

    @property
    def approximate(self) -> bool:
        return self.low != self.high

    @property
    def offset(self) -> int:
        """Where the figure starts in its line (0-based)."""
        return self.sentence.start + self.start


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
            raw = read_untrusted(p)  # a regular file, size-capped: never a FIFO or /dev/zero
            try:
                return raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                return raw.decode("cp1258")
    except (OSError, zipfile.BadZipFile, KeyError, ElementTree.ParseError) as e:
        raise ProseError(str(path), f"{type(e).__name__}: {e}") from e
    raise ProseError(str(path), f"unsupported file type {suffix or '(none)'}; use .txt, .md or .docx")


def _docx_text(path: Path) -> str:
    data = read_untrusted(path)
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # capped, and no DTD: entities are never expanded
        part = "word/document.xml"
        root = ElementTree.fromstring(reject_dtd(str(path), part, inflate(str(path), data, z.getinfo(part))))
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
        cursor = 0
        for p in pieces:
            at = clean.find(p, cursor)
            at = cursor if at < 0 else at
            out.append(Sentence(row, p, at))
            cursor = at + len(p)
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


def _mask(low: str, keep: list[re.Match[str]] = ()) -> str:
    chars = list(low)
    for rx in _MASKS:
        for m in rx.finditer(low):
            for i in range(m.start(), m.end()):
                if chars[i].isdigit():
                    chars[i] = "#"
    for m in keep:  # "4.561/5.650 HS": a fraction of two figures, not a document number
        for i in range(m.start(), m.end()):
            chars[i] = low[i]
    return "".join(chars)


# --------------------------------------------------------------------------- keywords

# Family patterns, matched in this order; each match is blanked so that a longer phrase
# ("đang giải quyết", "trước hạn và đúng hạn") is not matched again by a shorter one.
_DEADLINE = r"(?:hạn|hẹn|thời hạn)"
_FAMILIES: list[tuple[str, re.Pattern[str]]] = [
    ("DESK", re.compile(r"(?:bộ phận )?(?:tiếp nhận và trả kết quả|một cửa)")),
    ("IN_TIME", re.compile(rf"(?:trước|sớm)(?: {_DEADLINE})?\s*(?:và|,|hoặc|/)?\s*đúng {_DEADLINE}"
                           rf"|đúng(?: {_DEADLINE})?\s*(?:và|,|hoặc|/)\s*(?:trước|sớm) {_DEADLINE}")),
    ("PENDING_IN_TIME", re.compile(r"chưa (?:đến|tới|quá) (?:hạn|hẹn)|còn (?:trong )?(?:thời )?(?:hạn|hẹn)")),
    # "lũy kế đã và đang giải quyết trong kỳ": every dossier of the period, carried over included
    ("RECEIVED", re.compile(r"đã và đang (?:được )?(?:giải quyết|xử lý)|cần (?:giải quyết|xử lý)")),
    ("DUE", re.compile(r"(?<!chưa )đến hạn(?: giải quyết| xử lý| trả kết quả)?")),
    ("PENDING", re.compile(r"(?:tổng số hồ sơ )?đang (?:được )?(?:giải quyết|xử lý|thụ lý)|(?:kỳ|tháng|quý|năm) sau"
                           r"|chưa (?:được )?(?:giải quyết|xử lý)|chưa có kết quả")),
    ("RECEIVED", re.compile(r"nhận giải quyết")),
    ("TRONG_HAN", re.compile(r"trong (?:hạn|hẹn)")),
    ("EARLY", re.compile(rf"(?:trước|sớm) {_DEADLINE}")),
    ("ON_TIME", re.compile(rf"đúng {_DEADLINE}")),
    ("LATE", re.compile(r"trễ(?: hạn| hẹn)?|chậm (?:trễ|hạn|giải quyết|trả)|trả (?:kết quả )?quá (?:hạn|hẹn)")),
    ("OVERDUE", re.compile(r"quá (?:hạn|hẹn)")),
    ("RETURNED", re.compile(r"trả lại|bị trả")),
    ("WITHDRAWN", re.compile(r"\brút\b")),
    ("SUPPLEMENT", re.compile(r"bổ sung")),
    ("CARRIED", re.compile(r"kỳ trước|chuyển sang|chuyển qua|tồn kỳ trước")),
    ("ONLINE", re.compile(r"trực tuyến|qua mạng")),
    ("DIRECT", re.compile(r"trực tiếp")),
    ("POSTAL", re.compile(r"bưu chính(?: công ích)?|bưu điện|\bbcci\b")),
    ("RESOLVED", re.compile(r"giải quyết|xử lý|trả kết quả|đã trả|hoàn thành")),
    ("RECEIVED_NEW", re.compile(r"tiếp nhận mới|mới tiếp nhận|nhận mới")),
    ("RECEIVED", re.compile(r"tiếp nhận|nhận được|đã nhận|tổng số hồ sơ")),
]
_TIMING = {"IN_TIME", "PENDING_IN_TIME", "TRONG_HAN", "EARLY", "ON_TIME", "LATE", "OVERDUE"}
_CHANNELS = {"ONLINE": "received_online", "DIRECT": "received_direct", "POSTAL": "received_postal"}
_STATUS = re.compile(r"đã và đang (?:được )?(?:giải quyết|xử lý)|đang (?:được )?(?:giải quyết|xử lý|thụ lý)"
                     r"|chưa (?:được )?(?:giải quyết|xử lý)|chưa có kết quả|giải quyết|xử lý|trả kết quả|đã trả")
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
        if word.startswith("đã và đang"):
            continue
        last = "pending" if word.startswith(("đang", "chưa")) else "resolved"
    return last


_GENERIC_RECEIVED = ("received", "received_new")
# Shares some reports take over the dossiers due in the period ("đến hạn giải quyết"),
# when the text states them: "trả trước và đúng hạn 4.157 hồ sơ (đạt 99,71%)" of 4.169 due.
OVER_DUE: dict[str, tuple[str, ...]] = {f: ("due",) for f in (
    "resolved_in_time", "resolved_early", "resolved_on_time", "resolved_late", "pending_overdue")}
_PLAIN_ON_TIME = ("resolved_in_time", "resolved_on_time")


def _meaning(fam: set[str], hint: str | None) -> tuple[str, ...]:
    """Candidate fields for the keyword families of one context; () when unclear."""
    if not fam:
        return ()
    for name, f in (("RETURNED", "returned"), ("WITHDRAWN", "withdrawn"), ("SUPPLEMENT", "supplement_requested")):
        if name in fam:
            rest = fam - {name, "RECEIVED", "RESOLVED"}
            return (f,) if not rest else ()
    if "DUE" in fam:  # "hồ sơ đến hạn giải quyết": dossiers whose deadline fell in the period
        return ("due",) if not fam - {"DUE", "RESOLVED", "RECEIVED"} else ()
    status = "pending" if "PENDING" in fam else "resolved" if "RESOLVED" in fam else None
    timing = fam & _TIMING
    channels = fam & set(_CHANNELS)
    if len(timing) > 1 or (timing and (channels or fam & {"CARRIED", "RECEIVED", "RECEIVED_NEW"})):
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
        return ("carried_over",) if not fam & {"PENDING", "RESOLVED"} and not channels else ()
    if channels:
        if status or len(channels) > 1:
            return ()  # "trả kết quả qua bưu điện", "trực tuyến và bưu chính"
        return (_CHANNELS[next(iter(channels))],)
    if status == "pending":
        return ("pending",) if not fam & {"RECEIVED", "RECEIVED_NEW"} else ()
    if status == "resolved":
        return ("resolved",) if not fam & {"RECEIVED", "RECEIVED_NEW"} else ()
    if "RECEIVED_NEW" in fam:
        return ("received_new",)
    return _GENERIC_RECEIVED


# --------------------------------------------------------------------------- scope

# Whose a figure is and when, from the words before it.  A figure is compared only with
# figures of the same scope (``Figure.scope``: (whose, when), ("", "") for the report's own
# unit and period); markers of a sub-scope that cannot be named (a field of procedures,
# a ranking, an average, a list of units) make the rest of their sentence opaque.
_OPAQUE = re.compile(
    r"lĩnh vực|theo nhóm|căn cước|liên thông|mức độ|cấp độ|toàn trình|một phần|so với|nhiều nhất"
    r"|nhiều hồ sơ nhất|cao nhất|thấp nhất|ít nhất|đứng đầu|các đơn vị|đơn vị nào|mỗi đơn vị|các cơ quan"
    r"|các huyện|các xã|bình quân|trung bình|chỉ tiêu|mục tiêu|kế hoạch|mỗi ngày|một ngày|hằng ngày|hàng ngày"
    r"|mỗi tuần|mỗi tháng|cao điểm"
)
_RIENG = re.compile(r"\briêng\b")  # "riêng" names a sub-scope: opaque unless the next words name it
_CUMULATIVE = re.compile(r"lũy kế(?! đã và đang)|luỹ kế(?! đã và đang)|từ đầu năm|đến hết|kể từ|từ khi"
                         r"|đi vào hoạt động|tính đến|đến nay")
_PREVIOUS = re.compile(r"cùng kỳ|tháng trước(?! chuyển)|quý trước(?! chuyển)|năm trước(?! chuyển)"
                       r"|kỳ báo cáo trước")
_WEEK = re.compile(r"trong tuần|tuần qua|tuần này")
_LEVEL = re.compile(r"cấp (tỉnh|huyện|xã)((?:\s*(?:,|và)\s*(?:cấp\s+)?(?:tỉnh|huyện|xã)\b)*)"
                    r"|các sở,? (?:ban,? )?ngành(?: cấp tỉnh)?")
_PROVINCE = re.compile(r"toàn tỉnh|cả tỉnh|trên địa bàn tỉnh|toàn thành phố")
_OWN_SUBJECT = re.compile(r"trung tâm|ubnd tỉnh|ủy ban nhân dân tỉnh")
PROVINCE = "toàn tỉnh"
# A named unit: "Sở Tư pháp", "Ban Quản lý…", "huyện Phú Quý", "Công an tỉnh", "BHXH".
_UNIT = re.compile(r"(?<!\w)(?:Sở|Ban|Cục|Chi cục|Bộ|Kho bạc|[Hh]uyện|[Tt]hị xã|[Tt]hành phố|[Xx]ã|[Pp]hường"
                   r"|[Tt]hị trấn|[Qq]uận|TP\.?|Văn phòng|Chi nhánh)\s+(\w)|(?<!\w)(?:Công an (?:tỉnh|huyện|thành phố)|Bảo hiểm [Xx]ã hội|BHXH"
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


_DAY = r"\d{1,2}\s*[/.\-]\s*\d{1,2}(?:\s*[/.\-]\s*\d{2,4})?"
_DATE_RANGE = re.compile(rf"(?:từ|tính từ)\s+(?:ngày\s+)?({_DAY})\s*(?:đến|tới|-|–)\s*(?:hết\s+)?(?:ngày\s+)?({_DAY})")


def _date_ranges(low: str) -> list[tuple[int, str]]:
    """(position, "16/01/2021–15/02/2021") of the date ranges a sentence names."""
    norm = lambda d: re.sub(r"\s*[.\-]\s*|\s*/\s*", "/", d)  # noqa: E731
    return [(m.start(), f"{norm(m.group(1))}–{norm(m.group(2))}") for m in _DATE_RANGE.finditer(low)]


@dataclass
class _Document:
    """What holds across sentences: the reporting unit ("Sở Nội vụ, báo cáo …", naming it
    is not a sub-scope), the report's own period (the first one named; a figure of
    another period is not compared), and the status (resolved or pending) of the last
    sentence with figures, which a following bare "quá hạn" refers to."""

    own_unit: str | None
    period: tuple[str, int, int | None] | None
    dates: str | None = None  # the report's own dates, "16/01/2021–15/02/2021", where it names them
    status: str | None = None
    context: tuple[str | None, str] = ("", "")  # (whose, when) a sentence starts with

    @classmethod
    def of(cls, sents: list[Sentence]) -> _Document:
        own = next((m.group(1).strip() for s in sents if (m := _OWN_UNIT.search(s.text))), None)
        period = next((p[0][1] for s in sents if (p := _periods(s.text))), None)
        # the dates of the report's own period: named beside that period, or the first ones
        # of a report that names no month, quarter or year
        dated = [(s, r) for s in sents if (r := _date_ranges(s.text.lower()))]
        with_period = [r for s, r in dated if period and any(_same_period(p, period) for _, p in _periods(s.text))]
        ranges = with_period or ([r for _, r in dated] if period is None else [])
        return cls(own, period, ranges[0][0][1] if ranges else None)


@dataclass(frozen=True)
class _Marker:
    start: int
    kind: str  # "whose" | "when" | "opaque"
    label: str


_UNIT_STOP = re.compile(r"[,;:()\[\]\d\n\"“”]|\s(?:đã|đang|tiếp nhận|giải quyết|có|là|với|trong|được|chiếm|đạt|trả"
                        r"|nhận|hồ sơ|hs|gồm|tổng|còn|không|báo cáo)\b|\.(?:\s|$)")


def _unit_name(text: str, at: int) -> str:
    stop = _UNIT_STOP.search(text, at)
    name = text[at:stop.start() if stop else len(text)]
    return " ".join(name.split()[:9])


def unit_key(name: str) -> str:
    """A unit name compared loosely: case, spaces and "&" folded."""
    return " ".join(name.casefold().replace("&", " và ").split())


def _levels_label(m: re.Match[str]) -> str:
    if m.group(1) is None:
        return "cấp tỉnh"  # "các sở, ban, ngành": the provincial departments
    levels = [m.group(1)] + re.findall(r"tỉnh|huyện|xã", m.group(2) or "")
    order = ("tỉnh", "huyện", "xã")
    return "cấp " + ", ".join(sorted(set(levels), key=order.index))


def _markers(text: str, masked: str, doc: _Document) -> list[_Marker]:
    """Every scope marker of a sentence, in order."""
    out = [_Marker(m.start(), "opaque", m.group(0)) for m in _OPAQUE.finditer(masked)]
    named = [(m.start(), m.end()) for rx in (_CUMULATIVE, _PREVIOUS, _WEEK, _LEVEL, _PROVINCE)
             for m in rx.finditer(masked)]
    plain = text.replace(doc.own_unit, " " * len(doc.own_unit)) if doc.own_unit else text
    units = [m for m in _UNIT.finditer(plain) if m.group(1) is None or m.group(1).isupper()]
    named += [(m.start(), m.end()) for m in units]
    periods = _periods(text)
    named += [(at, at + 1) for at, _ in periods]
    for m in _RIENG.finditer(masked):
        if not any(m.end() <= a <= m.end() + 40 for a, _ in named):
            out.append(_Marker(m.start(), "opaque", m.group(0)))
    out += [_Marker(m.start(), "when", "lũy kế") for m in _CUMULATIVE.finditer(masked)]
    out += [_Marker(m.start(), "when", m.group(0)) for m in _PREVIOUS.finditer(masked)]
    out += [_Marker(m.start(), "when", "tuần") for m in _WEEK.finditer(masked)]
    out += [_Marker(m.start(), "whose", _levels_label(m)) for m in _LEVEL.finditer(masked)]
    out += [_Marker(m.start(), "whose", PROVINCE) for m in _PROVINCE.finditer(masked)]
    out += [_Marker(m.start(), "whose", _unit_name(plain, m.start())) for m in units]
    for at, dates in _date_ranges(text.lower()):
        out.append(_Marker(at, "when", "" if dates == doc.dates else dates))
    cumulative = [m.end() for m in _CUMULATIVE.finditer(masked)]
    for at, p in periods:
        if any(end <= at <= end + 3 for end in cumulative):
            continue  # "đến hết tháng 02/2021": where a cumulative count ends
        same = doc.period is not None and _same_period(p, doc.period)
        out.append(_Marker(at, "when", "" if same else _period_label(p)))
    return sorted(out, key=lambda m: m.start)


def _period_label(p: tuple[str, int, int | None]) -> str:
    kind, n, year = p
    text = f"{n} tháng" if kind == "tháng dài" else f"{kind} {n}"
    return f"{text}/{year}" if year else text


def _scope_at(markers: list[_Marker], end: int, base: tuple[str | None, str]) -> tuple[str | None, str]:
    """(whose, when) of a figure whose words end at ``end``; whose None when opaque."""
    whose, when = base
    specific = False
    for m in markers:
        if m.start >= end:
            break
        if m.kind == "opaque":
            return None, when
        if m.kind == "when":
            when = m.label
        elif m.label == PROVINCE and specific:
            continue  # "Với cấp xã, toàn tỉnh tiếp nhận …": the communes of the province
        else:
            whose, specific = m.label, True
    return whose, when


# --------------------------------------------------------------------------- tokens

# A number: "1.692", "07", "94,87 %", a dot-decimal share "96.8%" (read, and reported as
# ``decimal_separator``), a rounded count "10,18 ngàn" / "4,5 nghìn".
_NUMBER = re.compile(r"(?<![\w#/.,\-])(?:(\d+\.\d{1,2})(?=\s?%)|(\d{1,3}(?:\.\d{3})+|\d+)(,\d+)?)"
                     r"(?![\w#/]|[.,][\d#])(\s?%)?(\s?(?:ngàn|nghìn|triệu)\b)?")
_MULTIPLIER = {"ngàn": 1000, "nghìn": 1000, "triệu": 1000000}
# "4.561/5.650 HS" after a verb: the resolved dossiers of the received ones.
_FRACTION = re.compile(r"(?<![\w/.,])(\d{1,3}(?:\.\d{3})+|\d+)\s*/\s*(\d{1,3}(?:\.\d{3})+|\d+)(?![\w/]|[.,]\d)")
_FRACTION_VERB = re.compile(r"(?:giải quyết|xử lý|tiếp nhận|trả kết quả)(?:\s+(?:được|là|xong))?\s*:?\s*$")
# Words that make a count approximate: "gần 27.000", "trên 7.600", "hơn 59 ngàn", "khoảng 300".
_APPROX = re.compile(r"(gần|trên|hơn|khoảng|xấp xỉ|chừng|dưới|ước)\s*(?:đạt\s*)?$")
_ZERO = re.compile(r"(?<!\w)không (?:có|phát sinh)(?= (?:hồ sơ|hs)\b)")
_UNIT_OK = re.compile(r"\s*(?:$|[^\w\s]|(?:bộ\s+)?hồ sơ\b|hs\b|(?:và|trong|chiếm|đạt|bằng|tương ứng)\b)")
_DOSSIERS = re.compile(r"\s*(?:số\s+)?(?:bộ\s+)?(?:hồ sơ|hs)\b")
_DELTA = re.compile(r"(?:tăng|giảm|thêm|vượt|trung bình)(?:\s+(?:lên|thêm|gần|hơn|trên|khoảng|từ))?\s*$")
_APPROX_PERCENT = re.compile(r"(?:gần|trên|hơn|khoảng|xấp xỉ|chừng|dưới|ước)\s*(?:đạt\s*)?$")
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
    scope: tuple[str, str] = ("", "")
    low: Fraction | None = None
    high: Fraction | None = None
    dot: bool = False
    frac_of: _Token | None = None  # the numerator of "4.561/5.650"


def _rounding_unit(value: Fraction, decimals: int, multiplier: int) -> Fraction:
    if multiplier:
        return Fraction(multiplier, 10**decimals)
    n, unit = int(value), 1
    while n and n % 10 == 0:
        n //= 10
        unit *= 10
    return Fraction(unit)


def _interval(value: Fraction, decimals: int, multiplier: int, word: str | None) -> tuple[Fraction, Fraction]:
    """What a count as written stands for: "gần 27.000" 26.000–27.000, "trên 7.600"
    7.600–7.700, "4,52 ngàn" 4.515–4.525, "1.692" exactly 1.692."""
    if not word and not multiplier:
        return value, value
    unit = _rounding_unit(value, decimals, multiplier)
    if word in ("gần", "dưới"):
        return value - unit, value
    if word in ("trên", "hơn"):
        return value, value + unit
    return value - unit / 2, value + unit / 2


def _fractions(low: str) -> list[re.Match[str]]:
    return [m for m in _FRACTION.finditer(low) if _FRACTION_VERB.search(low, 0, m.start())]


def _tokens(sentence: Sentence, masked: str, fractions: list[re.Match[str]]) -> list[_Token]:
    toks = []
    for m in _NUMBER.finditer(masked):
        raw = sentence.text[m.start():m.end()]
        multiplier = _MULTIPLIER.get((m.group(5) or "").strip(), 0)
        number_text = raw[:len(raw) - len(m.group(5))] if m.group(5) else raw
        num = parse_number(number_text.replace(" ", ""))
        if num is None:
            continue
        if m.group(4):
            kind = "percent"
        elif multiplier:
            kind = "count"
        elif m.group(1) or m.group(3) or not num.is_integer:
            kind = "other"
        else:
            kind = "count"
        value = num.value * multiplier if multiplier else num.value
        word = _APPROX.search(masked, 0, m.start())
        word_text = word.group(1) if word and kind == "count" and word.end() == m.start() else None
        lo, hi = _interval(value, num.decimals, multiplier, word_text) if kind == "count" else (value, value)
        toks.append(_Token(m.start(), m.end(), kind, raw, value, num.decimals, m.end(), low=lo, high=hi,
                           dot=bool(m.group(1))))
    for m in _ZERO.finditer(masked):
        toks.append(_Token(m.start(), m.end(), "zero", sentence.text[m.start():m.end()], Fraction(0), 0, m.end()))
    for m in fractions:
        num = _Token(m.start(1), m.end(1), "count", sentence.text[m.start(1):m.end(1)],
                     parse_number(m.group(1)).value, 0, m.end(1))
        den = _Token(m.start(2), m.end(2), "count", sentence.text[m.start(2):m.end(2)],
                     parse_number(m.group(2)).value, 0, m.end(2), frac_of=num)
        toks += [num, den]
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


_HEADING_END = re.compile(r":\s*$")


def _sentence_context(s: Sentence, masked: str, toks: list[_Token], markers: list[_Marker],
                      doc: _Document) -> tuple[str | None, str]:
    """The (whose, when) a sentence starts with: the words before its first figure name
    it ("Với cấp huyện, …", "Quý III/2021, …", "Riêng Sở Tư pháp …"), else the sentence
    is about the report's own unit when it names it ("Trung tâm đã tiếp nhận …"), else
    the context of the sentences before holds ("Trong số này, …")."""
    first = next((t.start for t in toks if t.kind != "other"), len(masked))
    if not toks and not _HEADING_END.search(masked):
        if not s.text.rstrip().endswith((".", ";", "!", "?")):
            # a heading or a title starts a new part, about what it names ("2. Cấp huyện")
            doc.context = _scope_at(markers, len(masked), ("", ""))
        return doc.context
    whose, when = doc.context
    lead = [m for m in markers if m.start < first]
    if _OWN_SUBJECT.search(masked, 0, first):  # "Trung tâm đã …": the report's own unit and period
        whose = "" if not any(m.kind == "whose" for m in lead) else whose
        when = "" if not any(m.kind == "when" for m in lead) else when
    if any(m.kind == "opaque" for m in lead):
        whose = None
    elif whose is None and lead:
        whose = ""
    for m in lead:
        if m.kind == "when":
            when = m.label
        elif m.kind == "whose" and whose is not None:
            whose = m.label if not (m.label == PROVINCE and whose not in ("", PROVINCE)) else whose
    doc.context = (whose, when)
    return doc.context


def _sentence_figures(s: Sentence, doc: _Document) -> list[Figure]:
    low = s.text.lower()
    fractions = _fractions(low)
    masked = _mask(low, fractions)
    toks = _tokens(s, masked, fractions)
    markers = _markers(s.text, masked, doc)
    base = _sentence_context(s, masked, toks, markers, doc)
    first = next((t.start for t in toks if t.kind != "other"), len(masked))
    inner = [m for m in markers if m.start >= first]
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
        whose, when = _scope_at(inner, right_end, base)
        if tok.kind == "other" or whose is None:
            tok.opaque = True
            continue
        tok.scope = (whose, when)
        if tok.kind == "percent":
            if _DELTA.search(near) or _APPROX_PERCENT.search(near):
                tok.opaque = True
                continue
            percents.append((tok, prev if prev and prev.start >= clause else None, near, left))
            continue
        if tok.frac_of is not None:  # the denominator of "4.561/5.650"
            num = tok.frac_of.figure
            if num is None:
                tok.opaque = True
                continue
            cands = _unique(SHARE_OF[f][0] for f in num.fields if f in SHARE_OF)
            tok.figure = Figure("count", tok.value, tok.text, cands, cands[0] if len(cands) == 1 else None, s,
                                tok.start, scope=tok.scope)
            out.append(tok.figure)
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
        if not cands and tok.kind == "count" and tok.den_of is None:
            cands = _list_item(masked, out, tok, piece, inner)
        if not cands and tok.den_of is None:
            tok.opaque = True
            continue
        tok.figure = Figure("count", tok.value, tok.text, cands, cands[0] if len(cands) == 1 else None, s, tok.start,
                            scope=tok.scope, low=tok.low, high=tok.high,
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
    fraction = None
    if not own and prev is not None and prev.kind != "percent" and _SHARE_WORD.search(masked[prev.end:tok.start]):
        if prev.opaque or prev.figure is None or prev.den_of is not None:
            return None  # the share of a number that is not a figure ("8,96 ngàn HS (đạt 99,8%)")
        if prev.frac_of is not None:  # "4.561/5.650 HS (tỷ lệ 80,7%)"
            if prev.frac_of.figure is None:
                return None
            part, fraction = prev.frac_of.figure, prev.figure
        else:
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
    if fraction is not None:
        of = fraction.fields
    elif den_tok is not None:
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
        of = _unique(of + tuple(a for f in fields for a in OVER_DUE.get(f, ())))
    if not of:
        return None
    whole = fraction if fraction is not None else den_tok.figure if den_tok else None
    return Figure("percent", tok.value, tok.text, fields, fields[0] if len(fields) == 1 else None, s, tok.start,
                  tok.decimals, part=part, whole=whole, of=of, scope=tok.scope, dot_decimal=tok.dot,
                  _plain_on_time=fields == _PLAIN_ON_TIME, _generic_received=fields == _GENERIC_RECEIVED)


def _list_item(masked: str, figures: list[Figure], tok: _Token, piece: int, markers: list[_Marker]
               ) -> tuple[str, ...]:
    """What an item of a list of units counts: in "toàn tỉnh tiếp nhận 1.000 hồ sơ, trong
    đó cấp tỉnh 100 hồ sơ, cấp huyện 200 hồ sơ" each level's figure counts what the head
    figure before "trong đó" counts."""
    if not _DOSSIERS.match(masked, tok.end):
        return ()
    if not any(m.kind == "whose" and piece <= m.start < tok.start for m in markers):
        return ()
    for head in reversed(figures):
        if head.kind == "count" and _UNDER.search(masked, head.start, tok.start):
            return head.fields if head.scope != tok.scope else ()
    return ()


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
