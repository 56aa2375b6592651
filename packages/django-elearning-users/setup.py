"""Builds the package with its translation catalogues compiled.

Only the ``.po`` catalogues (``locale/<lang>/LC_MESSAGES/django.po``) are kept in the
repository; ``build_py`` compiles each into the ``.mo`` file Django reads, next to it in the
build (in the source tree for an editable install). The compiler is the few lines below, so
building needs nothing beyond setuptools (no GNU gettext). The metadata is in pyproject.toml.
"""

import ast
import struct
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


def read_po(path):
    """The translated, not fuzzy entries of a ``.po`` file, keyed as a ``.mo`` file keys them."""
    entries, entry, fuzzy, field = {}, {}, False, None

    def add():
        strings = [entry[key] for key in sorted(entry) if key.startswith("msgstr")]
        if "msgid" in entry and not fuzzy and all(strings):
            key = entry["msgid"] + ("\0" + entry["msgid_plural"] if "msgid_plural" in entry else "")
            if "msgctxt" in entry:
                key = entry["msgctxt"] + "\x04" + key
            entries[key] = "\0".join(strings)

    for line in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        keyword = line.split(None, 1)[0] if line and line[0] != '"' else ""
        starts_entry = not line or line[0] == "#" or keyword in ("msgctxt", "msgid")
        if starts_entry and field and field.startswith("msgstr"):
            add()
            entry, fuzzy, field = {}, False, None
        if line.startswith("#,"):
            fuzzy = "fuzzy" in line
        elif line.startswith('"') and field:
            entry[field] += ast.literal_eval(line)
        elif keyword and not line.startswith("#"):
            field = keyword
            entry[field] = ast.literal_eval(line[len(keyword) :].strip())
    return entries


def write_mo(entries, path):
    """A GNU ``.mo`` file of ``entries`` (the format Python's and Django's gettext read)."""
    keys = sorted(entries, key=lambda key: key.encode())
    ids = strs = b""
    offsets = []
    for key in keys:
        id_, str_ = key.encode(), entries[key].encode()
        offsets.append((len(ids), len(id_), len(strs), len(str_)))
        ids += id_ + b"\0"
        strs += str_ + b"\0"
    count = len(keys)
    ids_start = 7 * 4 + 16 * count
    table = [value for o1, l1, _, _ in offsets for value in (l1, ids_start + o1)]
    table += [value for _, _, o2, l2 in offsets for value in (l2, ids_start + len(ids) + o2)]
    header = struct.pack("<7I", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, 0)
    Path(path).write_bytes(header + struct.pack(f"<{len(table)}I", *table) + ids + strs)


class BuildPyWithCatalogues(build_py):
    def catalogues(self):
        """(.po file, .mo file to write) for each catalogue in the package data."""
        for _, src_dir, build_dir, filenames in self.data_files:
            target = src_dir if self.editable_mode else build_dir
            for name in filenames:
                if name.endswith(".po"):
                    yield Path(src_dir, name), Path(target, name).with_suffix(".mo")

    def run(self):
        super().run()
        for po, mo in self.catalogues():
            mo.parent.mkdir(parents=True, exist_ok=True)
            write_mo(read_po(po), mo)

    def get_outputs(self, include_bytecode=True):
        return [*super().get_outputs(include_bytecode), *(str(mo) for _, mo in self.catalogues())]


if __name__ == "__main__":  # as the build runs it; the tests import read_po and write_mo
    setup(cmdclass={"build_py": BuildPyWithCatalogues})
