"""The parts of MS-OVBA a writer of a VBA project needs.

- ``compress``/``decompress``: the CompressedContainer run-length encoding
  (MS-OVBA 2.4.1) of module source code and of the ``dir`` stream.
- ``vba_project_storage``: the storage of a project (``PROJECT``, ``PROJECTwm``,
  ``VBA/_VBA_PROJECT``, ``VBA/dir``, one stream per module) as a
  :class:`~udfs.addin.cfb.Storage`. Module streams hold only compressed source at
  offset 0 and ``_VBA_PROJECT`` is the version-independent header without a
  performance cache (MS-OVBA 2.3.4.1), so the host compiles the project from source.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass

from .cfb import Storage

__all__ = [
    "CODE_PAGE",
    "IncompressibleTail",
    "Module",
    "compress",
    "decompress",
    "encrypt",
    "vba_project_storage",
]

CODE_PAGE = 1252
_ENCODING = "cp1252"
CHUNK = 4096
_RAW_CHUNK_HEADER = 0x3FFF  # size 4098, signature 0b011, flag 0


class IncompressibleTail(ValueError):
    """The last chunk cannot be compressed and is too short for a raw chunk.

    A raw chunk always decompresses to 4096 bytes, so a shorter final chunk
    stored raw would come back padded with zeros: the data would change.
    """


# ---------------------------------------------------------------- compression


def _bit_count(position_in_chunk: int) -> int:
    """Offset bits of a CopyToken (MS-OVBA 2.4.1.3.19.1 CopyToken Help)."""
    bits = 4
    while (1 << bits) < position_in_chunk:
        bits += 1
    return bits


def _longest_match(data: bytes, current: int, chunk_end: int, candidates: list[int]) -> tuple[int, int]:
    """The longest match for ``current`` among ``candidates``, nearest first on ties.

    Same result as the exhaustive backward search of MS-OVBA 2.4.1.3.19.4: a
    candidate that does not share the next three bytes cannot reach length 3.
    """
    best_length, best_candidate = 0, -1
    limit = chunk_end - current
    for candidate in reversed(candidates):
        if best_length and data[candidate + best_length] != data[current + best_length]:
            continue
        length = 0
        while length < limit and data[candidate + length] == data[current + length]:
            length += 1
        if length > best_length:
            best_length, best_candidate = length, candidate
            if length == limit:
                break
    return best_length, best_candidate


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    out = bytearray()
    chains: dict[bytes, list[int]] = {}
    indexed = start  # positions below this are in ``chains``
    current = start
    while current < end:
        flag_index = len(out)
        out.append(0)
        for token in range(8):
            if current >= end:
                break
            while indexed < current:
                if indexed + 3 <= end:
                    chains.setdefault(data[indexed : indexed + 3], []).append(indexed)
                indexed += 1
            candidates = chains.get(data[current : current + 3], []) if current + 3 <= end else []
            length, candidate = _longest_match(data, current, end, candidates)
            if length >= 3:
                bits = _bit_count(current - start)
                length = min(length, (0xFFFF >> bits) + 3)
                offset = current - candidate
                out += struct.pack("<H", ((offset - 1) << (16 - bits)) | (length - 3))
                out[flag_index] |= 1 << token
                current += length
            else:
                out.append(data[current])
                current += 1
    if len(out) <= CHUNK:
        return struct.pack("<H", 0xB000 | (len(out) + 2 - 3)) + bytes(out)
    if end - start < CHUNK:
        raise IncompressibleTail(
            f"the final {end - start} bytes do not compress; MS-OVBA would pad them "
            "to 4096 bytes in a raw chunk and change the data"
        )
    return struct.pack("<H", _RAW_CHUNK_HEADER) + data[start:end]


def compress(data: bytes) -> bytes:
    """A CompressedContainer (MS-OVBA 2.4.1.3.6) holding ``data``."""
    data = bytes(data)
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        out += _compress_chunk(data, start, min(start + CHUNK, len(data)))
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """The bytes of a CompressedContainer (MS-OVBA 2.4.1.3.1)."""
    if not container or container[0] != 0x01:
        raise ValueError("not an MS-OVBA compressed container: the first byte must be 0x01")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise ValueError(f"truncated chunk header at byte {pos}")
        (header,) = struct.unpack_from("<H", container, pos)
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at byte {pos}: header {header:#06x}")
        chunk_end = min(pos + (header & 0x0FFF) + 3, len(container))
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += container[pos : pos + CHUNK]
            pos += CHUNK
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for token in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << token):
                    out.append(container[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise ValueError(f"truncated copy token at byte {pos}")
                (copy_token,) = struct.unpack_from("<H", container, pos)
                pos += 2
                bits = _bit_count(len(out) - chunk_start)
                length = (copy_token & (0xFFFF >> bits)) + 3
                offset = (copy_token >> (16 - bits)) + 1
                source = len(out) - offset
                if source < chunk_start:
                    raise ValueError(f"copy token at byte {pos - 2} points before its chunk")
                for i in range(length):
                    out.append(out[source + i])
    return bytes(out)


# ----------------------------------------------------------------- encryption


def encrypt(data: bytes, project_id: str, seed: int) -> str:
    """Data Encryption (MS-OVBA 2.4.3.2) as the hex string of the PROJECT stream.

    ``seed`` is fixed by the caller and the ignored bytes are zero, so the
    output is deterministic.
    """
    version, key = 2, sum(project_id.encode(_ENCODING)) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ key])
    plain1, enc1, enc2 = key, out[2], out[1]
    length = struct.pack("<I", len(data))
    for byte in bytes((seed & 6) // 2) + length + bytes(data):
        encrypted = byte ^ ((enc2 + plain1) & 0xFF)
        out.append(encrypted)
        enc2, enc1, plain1 = enc1, encrypted, byte
    return out.hex().upper()


# ------------------------------------------------------------- project parts

_DOCUMENT_BASES = {
    "workbook": "0{00020819-0000-0000-C000-000000000046}",
    "worksheet": "0{00020820-0000-0000-C000-000000000046}",
}
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
_REFERENCES = (
    ("stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
               "C:\\Windows\\System32\\stdole2.tlb#OLE Automation"),
    ("Office", "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
               "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL"
               "#Microsoft Office 16.0 Object Library"),
)
_ENCRYPTION_SEED = 0x5A


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, its source text and its kind.

    ``document`` is ``""`` for a standard module, or ``"workbook"`` /
    ``"worksheet"`` for the document module of the workbook or of a sheet
    (their attribute header is added here).
    """

    name: str
    source: str
    document: str = ""

    def text(self) -> str:
        """The source as stored: attribute lines first, CRLF line ends."""
        if self.document:
            header = [
                f'Attribute VB_Name = "{self.name}"',
                f'Attribute VB_Base = "{_DOCUMENT_BASES[self.document]}"',
                "Attribute VB_GlobalNameSpace = False",
                "Attribute VB_Creatable = False",
                "Attribute VB_PredeclaredId = True",
                "Attribute VB_Exposed = True",
                "Attribute VB_TemplateDerived = False",
                "Attribute VB_Customizable = True",
            ]
            body = "\r\n".join(header) + "\r\n" + self.source
        else:
            body = self.source
            if not body.startswith(f'Attribute VB_Name = "{self.name}"'):
                raise ValueError(
                    f'VBA module {self.name!r} must start with: Attribute VB_Name = "{self.name}"'
                )
        return "\r\n".join(body.replace("\r\n", "\n").split("\n"))

    def encoded(self) -> bytes:
        try:
            return self.text().encode(_ENCODING)
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"VBA module {self.name!r} has a character outside code page {CODE_PAGE} "
                f"at position {exc.start}: write such text with ChrW()"
            ) from None


def _record(record_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_record(record_id: int, unicode_id: int, text: str) -> bytes:
    return _record(record_id, text.encode(_ENCODING)) + _record(unicode_id, text.encode("utf-16-le"))


def _dir_stream(project_name: str, modules: list[Module]) -> bytes:
    """The decompressed ``dir`` stream (MS-OVBA 2.3.4.2)."""
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", 1))  # PROJECTSYSKIND: 32-bit Windows
    out += _record(0x0002, struct.pack("<I", 0x0409))  # PROJECTLCID
    out += _record(0x0014, struct.pack("<I", 0x0409))  # PROJECTLCIDINVOKE
    out += _record(0x0003, struct.pack("<H", CODE_PAGE))  # PROJECTCODEPAGE
    out += _record(0x0004, project_name.encode(_ENCODING))  # PROJECTNAME
    out += _text_record(0x0005, 0x0040, "")  # PROJECTDOCSTRING
    out += _text_record(0x0006, 0x003D, "")  # PROJECTHELPFILEPATH
    out += _record(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
    out += _record(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION 1.0
    out += _text_record(0x000C, 0x003C, "")  # PROJECTCONSTANTS
    for name, libid in _REFERENCES:
        out += _text_record(0x0016, 0x003E, name)  # REFERENCENAME
        lib = libid.encode(_ENCODING)
        registered = struct.pack("<I", len(lib)) + lib + struct.pack("<IH", 0, 0)
        out += _record(0x000D, registered)  # REFERENCEREGISTERED
    out += _record(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for module in modules:
        out += _text_record(0x0019, 0x0047, module.name)  # MODULENAME (+ UNICODE)
        out += _text_record(0x001A, 0x0032, module.name)  # MODULESTREAMNAME
        out += _text_record(0x001C, 0x0048, "")  # MODULEDOCSTRING
        out += _record(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: source at 0
        out += _record(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += struct.pack("<HI", 0x0022 if module.document else 0x0021, 0)  # MODULETYPE
        out += struct.pack("<HI", 0x002B, 0)  # module Terminator
    out += struct.pack("<HI", 0x0010, 0)  # dir Terminator
    return bytes(out)


def _project_stream(project_name: str, project_id: str, modules: list[Module]) -> bytes:
    """The ``PROJECT`` stream (MS-OVBA 2.3.1): project properties as text."""
    protection = encrypt(struct.pack("<I", 0), project_id, _ENCRYPTION_SEED)
    no_password = encrypt(bytes([0x00]), project_id, _ENCRYPTION_SEED)
    visible = encrypt(bytes([0xFF]), project_id, _ENCRYPTION_SEED)
    lines = [f'ID="{project_id}"']
    for module in modules:
        lines.append(f"Document={module.name}/&H00000000" if module.document else f"Module={module.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{protection}"',
        f'DPB="{no_password}"',
        f'GC="{visible}"',
        "",
        "[Host Extender Info]",
        _HOST_EXTENDER,
        "",
    ]
    return "\r\n".join(lines).encode(_ENCODING)


def _projectwm_stream(modules: list[Module]) -> bytes:
    """The ``PROJECTwm`` stream (MS-OVBA 2.3.3): module names in MBCS and UTF-16."""
    out = bytearray()
    for module in modules:
        out += module.name.encode(_ENCODING) + b"\0"
        out += module.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


_VBA_PROJECT_HEADER = struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0000)


def vba_project_storage(project_name: str, modules: list[Module]) -> Storage:
    """The root storage of a VBA project with these modules."""
    names = [m.name for m in modules]
    if len(set(n.upper() for n in names)) != len(names):
        raise ValueError(f"VBA module names must be unique (case-insensitive): {names}")
    project_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "xl_tthc:" + project_name)).upper() + "}"
    vba = Storage(
        streams={
            "_VBA_PROJECT": _VBA_PROJECT_HEADER,
            "dir": compress(_dir_stream(project_name, modules)),
            **{m.name: compress(m.encoded()) for m in modules},
        }
    )
    return Storage(
        streams={
            "PROJECT": _project_stream(project_name, project_id, modules),
            "PROJECTwm": _projectwm_stream(modules),
        },
        storages={"VBA": vba},
    )
