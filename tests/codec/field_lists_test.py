#!/usr/bin/env python3
"""The manuals name the fields the code reads and writes.

For every struct of the codec's field lists (src/codec/fields.hpp, printed by
boka_field_lists), in each shell it appears in:
  c       include/boka/boka.h: the block headed by its name in "JSON DOCUMENTS" (the first
          {...} after the name; its top-level keys, in order);
  http    docs/http.md, section "Documents": the line "- **Name**: {...}";
  python  bindings/python/boka/_types.py: the dataclass of that name (with its bases).
Every list must be exactly the struct's fields, in the field list's order.

usage: field_lists_test.py <boka_field_lists> <source dir>
"""

import ast
import json
import os
import re
import subprocess
import sys


def top_level_keys(text):
    """The keys of the first {...} in text: quoted strings at depth 1 that follow '{' or ','
    (so both {"id": 1, ...} and {"email", "password"?} read)."""
    start = text.index("{")
    keys, depth, i, prev = [], 0, start, ""
    while i < len(text):
        ch = text[i]
        if ch in "{[":
            depth += 1
            prev = ch
        elif ch in "}]":
            depth -= 1
            prev = ch
            if depth == 0:
                return keys
        elif ch == '"':
            end = text.index('"', i + 1)
            if depth == 1 and prev in ("{", ","):
                keys.append(text[i + 1:end])
            prev = "s"
            i = end
        elif ch == ",":
            prev = ","
        elif ch == ":":
            prev = ":"
        elif not ch.isspace() and ch not in "*?":
            if prev in ("{", ","):
                prev = "v"
        i += 1
    raise ValueError("unbalanced braces")


def header_blocks(path):
    """{name: text} of the blocks of boka.h's JSON DOCUMENTS, each from a line " *   Name"
    (three spaces, then a capitalised word) to the next such line."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index(" * JSON DOCUMENTS"):text.index("#ifndef BOKA_BOKA_H")]
    blocks, name, lines = {}, None, []
    for line in section.splitlines():
        m = re.match(r"^ \*   ([A-Z][A-Za-z]+)\b", line)
        if m:
            if name:
                blocks[name] = "\n".join(lines)
            name, lines = m.group(1), [line[len(m.group(0)):]]
        elif name:
            lines.append(line)
    if name:
        blocks[name] = "\n".join(lines)
    return blocks


def http_documents(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("\n## Documents"):]
    section = section[:section.index("\n## ", 1)]
    out = {}
    for m in re.finditer(r"^- \*\*([A-Za-z]+)\*\*: (\{.*?\})", section, re.M | re.S):
        out[m.group(1)] = top_level_keys(m.group(2))
    return out


def python_fields(path):
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}

    def fields(name):
        node = classes[name]
        out = []
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in classes:
                out += fields(base.id)
        out += [s.target.id for s in node.body
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
        return out

    return {name: fields(name) for name in classes}


def main():
    dump, source = sys.argv[1], sys.argv[2]
    lists = json.loads(subprocess.run([dump], check=True, capture_output=True, text=True).stdout)
    header = header_blocks(os.path.join(source, "include/boka/boka.h"))
    http = http_documents(os.path.join(source, "docs/http.md"))
    python = python_fields(os.path.join(source, "bindings/python/boka/_types.py"))
    problems = []

    def compare(where, name, documented, expected):
        if documented is None:
            problems.append(f"{where}: {name} is not documented (fields: {', '.join(expected)})")
        elif documented != expected:
            missing = [f for f in expected if f not in documented]
            extra = [f for f in documented if f not in expected]
            problems.append(f"{where}: {name} names {documented}, the field list {expected}"
                            f" (missing {missing}, unknown {extra})")

    for name, struct in lists.items():
        if "c" in struct["shells"]:
            block = header.get(name)
            compare("include/boka/boka.h", name, top_level_keys(block) if block else None, struct["json"])
        if "http" in struct["shells"]:
            compare("docs/http.md", name, http.get(name), struct["json"])
        if "python" in struct["shells"]:
            compare("bindings/python/boka/_types.py", name, python.get(name), struct["python"])
    for name in http:
        if name not in lists or "http" not in lists[name]["shells"]:
            problems.append(f"docs/http.md: documents {name}, which no field list describes for HTTP")

    for p in problems:
        print(p)
    checked = sum(len(s["shells"]) for s in lists.values())
    print(f"{len(lists)} field lists, {checked} documents checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
