#!/usr/bin/env python3
"""Keeps data/openapi.yaml true: every route the C code registers
(reel_router_add (router, "METHOD", "/path", ...)) must be documented with
that method, and every documented operation must exist in the code. And
every route readers.c lets the other server threads run (its shared[]
list) must be one the code registers: a route renamed in one place only
would quietly run on the first thread alone.

usage: check_openapi.py OPENAPI_YAML SRC_HTTP_DIR"""
import pathlib
import re
import sys

import yaml

ROUTE = re.compile(r'reel_router_add\s*\(\s*\w+\s*,\s*"([A-Z]+)"\s*,\s*"([^"]+)"')
SHARED_LIST = re.compile(r'\}\s*shared\[\]\s*=\s*\{(.*?)\n\};', re.S)
SHARED_ROUTE = re.compile(r'\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*\}')
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def main():
    doc = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
    assert doc.get("openapi", "").startswith("3."), "not an OpenAPI 3 document"
    documented = {
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method in item
        if method in METHODS
    }
    code = set()
    for src in pathlib.Path(sys.argv[2]).glob("*.c"):
        code |= set(ROUTE.findall(src.read_text(encoding="utf-8")))
    problems = 0
    for m, p in sorted(code - documented):
        print(f"not documented: {m} {p}")
        problems += 1
    for m, p in sorted(documented - code):
        print(f"documented but not served: {m} {p}")
        problems += 1
    readers = pathlib.Path(sys.argv[2]) / "readers.c"
    listed = SHARED_LIST.search(readers.read_text(encoding="utf-8"))
    shared = set(SHARED_ROUTE.findall(listed.group(1))) if listed else set()
    if not shared:
        print(f"no shared[] routes found in {readers}")
        problems += 1
    for m, p in sorted(shared - code):
        print(f"shared by readers.c but not served: {m} {p}")
        problems += 1
    print(f"{len(code)} routes in code, {len(documented)} documented, "
          f"{len(shared)} shared with every server thread, {problems} problems")
    return 1 if problems or not code else 0


if __name__ == "__main__":
    sys.exit(main())
