"""A coordinator's contact list (danh bạ đầu mối), read for ``obligations plan draft --contacts``.

The form coordinators keep: a CSV exported from a spreadsheet (a header row, then one person a row) or a
YAML list of the same, each with the agency, the person's name, role, e-mail, phone and Zalo id. Headers
are English or Vietnamese, with or without accents ("cơ quan", "họ tên", "vai trò", "điện thoại",
"zalo"); roles too ("đầu mối", "lãnh đạo", "điều phối"). A column of row numbers ("STT") and one of notes
("ghi chú") are ignored; any other unknown column is refused, as every key of the coordinator's file is.

Each row is checked like a contact of the coordinator's file (the same field types: an e-mail address,
lengths, characters). The agency is written as a name or a code: :meth:`ContactList.resolved` takes the
function that finds its code (the draft's, which knows the plan's and the database's agencies), and reports
every problem of the list, each row's and each unknown agency's, as ``FILE:LINE: what is wrong`` in one
:class:`~obligations.plans.file.errors.FileError`, so a clerk fixes the list in one pass.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from obligations.plans.file.errors import FileError, cap, show
from obligations.plans.file.fields import ContactTitle, Email, Name200, Name300, Phone, ZaloId
from obligations.plans.file.lines import load_tree, read_text
from obligations.plans.importer.text import fold, normalize

__all__ = ["ContactList", "ContactRow", "read_contact_list"]

# Folded header -> field. Folded: no accents, lower case, "_" and "-" read as spaces.
_HEADERS = {
    "agency": ("agency", "co quan", "don vi", "co quan don vi", "ten co quan", "ma co quan"),
    "name": ("name", "ho ten", "ho va ten", "ten", "nguoi lien he", "can bo"),
    "role": ("role", "vai tro"),
    "title": ("title", "chuc vu"),
    "email": ("email", "e mail", "thu dien tu"),
    "phone": ("phone", "dien thoai", "so dien thoai", "sdt", "so dt"),
    "zalo_user_id": ("zalo", "zalo id", "zalo user id", "ma zalo"),
    "channels": ("channels", "kenh", "kenh nhan"),
}
_COLUMNS = {alias: name for name, aliases in _HEADERS.items() for alias in aliases}
_IGNORED = frozenset({"stt", "tt", "so tt", "ghi chu", "note", "notes"})
_ROLES = {
    "focal_point": ("focal point", "dau moi", "can bo dau moi", "chuyen vien"),
    "manager": ("manager", "lanh dao", "lanh dao co quan", "thu truong"),
    "coordinator": ("coordinator", "dieu phoi", "dieu phoi vien", "can bo dieu phoi", "thuong truc"),
}
_ROLE_WORDS = {alias: role for role, aliases in _ROLES.items() for alias in aliases}
_CHANNEL_WORDS = {"email": "email", "e mail": "email", "thu dien tu": "email", "zalo": "zalo", "zns": "zns"}
_LABELS = {"agency": "cơ quan", "name": "họ tên", "role": "vai trò", "title": "chức vụ", "email": "email",
           "phone": "điện thoại", "zalo_user_id": "zalo", "channels": "kênh"}
_FIELD_TYPES = {"agency": Name300, "name": Name200, "title": ContactTitle, "email": Email, "phone": Phone,
                "zalo_user_id": ZaloId}
_ADAPTERS = {name: TypeAdapter(kind) for name, kind in _FIELD_TYPES.items()}
_ADDRESS = {"email": "email", "zalo": "zalo_user_id", "zns": "phone"}


@dataclass(frozen=True)
class ContactRow:
    """One person of the list; ``agency`` as written (a name or a code) until resolved, ``line`` where it is,
    ``problems`` what is wrong with its fields."""

    line: int
    agency: str
    name: str
    role: str
    channels: tuple[str, ...]
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    zalo_user_id: str | None = None
    problems: tuple[str, ...] = ()


@dataclass
class ContactList:
    source: str
    rows: list[ContactRow] = field(default_factory=list)

    def resolved(self, agency_code: Callable[[str], str | None]) -> list[ContactRow]:
        """The rows with their agency's code (``agency_code`` of what the row says; None for an unknown one);
        FileError naming the line of every problem: a field, an unknown agency, a person listed twice."""
        problems: list[tuple[int, str]] = []
        rows: list[ContactRow] = []
        seen: dict[tuple[str, str], int] = {}
        for row in self.rows:
            problems.extend((row.line, p) for p in row.problems)
            code = agency_code(row.agency) if row.agency else None
            if row.agency and code is None:
                problems.append((row.line, f"cơ quan “{row.agency}” không có trong kế hoạch này hay trong cơ sở dữ "
                                           "liệu; ghi đúng tên hoặc mã cơ quan / unknown agency"))
            elif code is not None and (code, row.name) in seen:
                problems.append((row.line, f"“{row.name}” của {code} đã có ở dòng {seen[(code, row.name)]} / "
                                           "listed twice"))
            elif code is not None and not row.problems:
                seen[(code, row.name)] = row.line
                rows.append(replace(row, agency=code))
        if problems:
            problems.sort(key=lambda p: p[0])
            raise FileError(cap([f"{self.source}:{line}: {problem}" for line, problem in problems], self.source))
        return rows


def read_contact_list(path: Path) -> ContactList:
    """The people of the list at ``path`` (CSV, or YAML when it is named .yaml/.yml), each with the problems
    of its fields; FileError for a list that cannot be read (its encoding, its header, its YAML)."""
    path = Path(path)
    source = str(path)
    try:
        text = read_text(path)
    except FileError as exc:
        if "not UTF-8" not in str(exc):
            raise
        # Excel's plain "CSV" is the Windows code page; its "CSV UTF-8" is what the draft reads.
        raise FileError([f"{m} (Excel: Lưu thành “CSV UTF-8”)" for m in exc.messages]) from None
    entries = _yaml_entries(text, source) if path.suffix.lower() in (".yaml", ".yml") else _csv_entries(text, source)
    if not entries:
        raise FileError([f"{source}:1: danh sách không có ai / the list is empty"])
    return ContactList(source, [_row(line, entry) for line, entry in entries])


def _key(header: Any) -> str:
    return " ".join(re.sub(r"[_\-./]", " ", fold(normalize(str(header)))).split())


def _csv_entries(text: str, source: str) -> list[tuple[int, dict[str, Any]]]:
    """The CSV's rows as (line, {field: value}); the header names the fields."""
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel writes ";" where the decimal mark is ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            return []
        fields = _columns(header, source)
        entries = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            entry = {field: cell for field, cell in zip(fields, cells, strict=False) if field}
            entries.append((reader.line_num, entry))
    except csv.Error as exc:
        raise FileError([f"{source}:{reader.line_num}: không đọc được dòng CSV / unreadable CSV line: {exc}"]) from None
    return entries


def _columns(header: list[str], source: str) -> list[str | None]:
    fields: list[str | None] = []
    problems = []
    for cell in header:
        key = _key(cell)
        if key in _IGNORED or not key:
            fields.append(None)
        elif key in _COLUMNS:
            fields.append(_COLUMNS[key])
        else:
            fields.append(None)
            problems.append(f"{source}:1: cột không biết {show(cell)} / unknown column; các cột: "
                            "agency (cơ quan), name (họ tên), role (vai trò), title (chức vụ), email, "
                            "phone (điện thoại), zalo, channels (kênh)")
    for required in ("agency", "name"):
        if required not in fields:
            problems.append(f"{source}:1: thiếu cột {required} ({_LABELS[required]}) / missing column")
    if problems:
        raise FileError(problems)
    return fields


def _yaml_entries(text: str, source: str) -> list[tuple[int, dict[str, Any]]]:
    """A YAML list of people, or a mapping whose `contacts:` is one; keys as the CSV's headers."""
    tree = load_tree(text, source)
    if tree is None:
        return []
    data, prefix = tree.data, ()
    if isinstance(data, dict) and "contacts" in data:
        data, prefix = data["contacts"], ("contacts",)
    if not isinstance(data, list):
        raise FileError([f"{source}:1: cần một danh sách người liên hệ / expected a list of contacts"])
    entries = []
    problems = [f"{source}:{tree.lines.get(path, 1)}: {problem}" for path, problem in tree.errors]
    for index, item in enumerate(data):
        line = tree.lines.get((*prefix, index), 1)
        if not isinstance(item, dict):
            problems.append(f"{source}:{line}: cần các khóa agency, name, ... / expected a mapping, got {show(item)}")
            continue
        entry = {}
        for key, value in item.items():
            normalized = _key(key)
            if normalized in _COLUMNS:
                entry[_COLUMNS[normalized]] = value
            elif normalized not in _IGNORED:
                problems.append(f"{source}:{tree.lines.get((*prefix, index, key), line)}: khóa không biết "
                                f"{show(key)} / unknown key")
        entries.append((line, entry))
    if problems:
        raise FileError(problems)
    return entries


def _row(line: int, entry: dict[str, Any]) -> ContactRow:
    """One entry checked: its fields with the coordinator's file's types, its role, its channels."""
    values: dict[str, Any] = {}
    problems = []
    for name, adapter in _ADAPTERS.items():
        value = entry.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            problems.append(f"{_LABELS[name]}: {value} là số; ghi trong ngoặc kép để giữ số 0 đầu "
                            f"(\"0{value}\") / quote it")
            continue
        if name == "phone" and isinstance(value, str):
            value = re.sub(r"[\s.\-()]", "", value)  # "0912 345 678", "0912.345.678"
        try:
            values[name] = adapter.validate_python(value if value != "" else None)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
            missing = value in (None, "") and name in ("agency", "name")
            problems.append(f"{_LABELS[name]}: {'bắt buộc / required' if missing else reason}")
    role = _ROLE_WORDS.get(_key(entry.get("role") or "") or "dau moi")  # no role: the focal point
    if role is None:
        problems.append(f"vai trò {show(entry.get('role'))} không biết; dùng đầu mối (focal_point), lãnh đạo "
                        "(manager) hoặc điều phối (coordinator)")
    channels = _channels(entry.get("channels"), values, problems)
    values.setdefault("agency", ""), values.setdefault("name", "")
    return ContactRow(line=line, role=role or "", channels=channels, problems=tuple(problems), **values)


def _channels(given: Any, values: dict[str, Any], problems: list[str]) -> tuple[str, ...]:
    """The channels asked for, each with its address; by default e-mail, then Zalo, those with an address."""
    if given in (None, "", []):
        channels = [c for c in ("email", "zalo") if values.get(_ADDRESS[c])]
        if not channels and "email" in values and "zalo_user_id" in values:
            problems.append("cần email hoặc zalo để nhận nhắc việc / needs an email or a Zalo id")
        return tuple(channels)
    words = given if isinstance(given, list) else re.split(r"[,;]", str(given))
    channels = []
    for word in words:
        channel = _CHANNEL_WORDS.get(_key(word))
        if channel is None:
            problems.append(f"kênh {show(word)} không biết; dùng email, zalo hoặc zns")
        elif not values.get(_ADDRESS[channel]) and (_ADDRESS[channel] in values):
            problems.append(f"kênh {channel} cần {_LABELS[_ADDRESS[channel]]}, đang trống")
        elif channel not in channels:
            channels.append(channel)
    return tuple(channels)
