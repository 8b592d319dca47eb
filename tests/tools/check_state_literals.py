#!/usr/bin/env python3
"""Keeps the names of video states and privacy levels in one module.

The typed video record (src/app/video/record.[ch]) is the only place that
turns ReelVideoState and ReelPrivacy into their stored and shown names
("uploading", "processing", "playable", "ready", "failed"; "public",
"unlisted", "private"; moderation "held", "blocked"). Everyone else compares the enums, so a new state
(held for review, checks) is added in one file and the compiler finds the
switches that miss it. This script fails when one of those names appears as
a C string literal in any other file under SRC_DIR (comments are ignored).

The few literals that spell the same word for something else are listed in
ALLOWED with the reason. Before scanning, the script checks itself on a
scratch tree: a stray "playable" must be found and the record's own
literals must not.

usage: check_state_literals.py SRC_DIR"""
import pathlib
import re
import sys
import tempfile

NAMES = {"uploading", "processing", "playable", "ready", "failed", "public", "unlisted", "private",
         "held", "blocked"}

# The serialiser module: its files may spell the names.
OWNER = {"app/video/record.c", "app/video/record.h"}

# (file, name): why that literal is not a video state or privacy level.
ALLOWED = {
    ("http/api_health.c", "ready"): "the server's readiness in /readyz, not a video's",
    ("media/live/live_ingest.c", "failed"): "an error message's fallback text",
    ("media/child.c", "failed"): "an error message's fallback text",
    ("core/error.c", "blocked"): "the API error code of a 451, not a moderation value",
    ("http/api_admin.c", "blocked"): "the member name of the block route's answer",
}

# Comments, string literals and character literals, so that a quote inside a
# comment or a character literal does not start a string.
TOKEN = re.compile(
    r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', re.DOTALL)


def findings(src):
    out = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".c", ".h") or not path.is_file():
            continue
        rel = path.relative_to(src).as_posix()
        if rel in OWNER:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in TOKEN.finditer(text):
            tok = m.group(0)
            if not tok.startswith('"'):
                continue
            name = tok[1:-1]
            if name in NAMES and (rel, name) not in ALLOWED:
                line = text.count("\n", 0, m.start()) + 1
                out.append(f"{rel}:{line}: \"{name}\" outside the video record module")
    return out


def self_check():
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        (root / "app" / "video").mkdir(parents=True)
        (root / "app" / "video" / "record.c").write_text('static const char *n = "ready";\n')
        (root / "http").mkdir()
        (root / "http" / "x.c").write_text(
            '/* "ready" in a comment is fine */\n'
            'char q = \'"\';\n'
            'int f (const char *s) { return g_str_equal (s, "playable"); }\n')
        got = findings(root)
        want = ['http/x.c:3: "playable" outside the video record module']
        if got != want:
            sys.exit(f"check_state_literals.py: self-check found {got}, expected {want}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    self_check()
    found = findings(pathlib.Path(sys.argv[1]))
    for f in found:
        print(f)
    if found:
        print(f"{len(found)} video state or privacy name(s) outside src/app/video/record.c: "
              "compare ReelVideoState / ReelPrivacy instead")
        return 1
    print("video state and privacy names: only in the record module")
    return 0


if __name__ == "__main__":
    sys.exit(main())
