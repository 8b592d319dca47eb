#!/usr/bin/env python3
"""Keeps the modules of src/app free of circles.

A module is a .c file and its .h (app/social/ratings.c and
app/social/ratings.h are the module app/social/ratings). Module A depends on
module B when a file of A includes B's header ("app/b.h"). When A depends
on B and B (through any chain) on A, neither can be understood, tested or
rebuilt without the other: the core projections were such a circle once
(users, channels, subscriptions), which is why composed reads live in
app/query/, above the projections they combine.
This script fails when the dependency graph of src/app has a cycle and
prints one cycle per strongly connected group.

Before scanning, it checks itself on a scratch tree: a three-module circle
must be found (and named), a chain and a module including its own header
must not.

usage: check_app_cycles.py SRC_DIR"""
import pathlib
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"(app/[^"]+)\.h"', re.MULTILINE)


def graph(src):
    """module -> set of modules it includes, for every module under src/app."""
    deps = {}
    app = src / "app"
    for path in sorted(app.rglob("*")):
        if path.suffix not in (".c", ".h") or not path.is_file():
            continue
        module = path.relative_to(src).with_suffix("").as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        out = deps.setdefault(module, set())
        for target in INCLUDE.findall(text):
            if target != module:
                out.add(target)
    return deps


def cycles(deps):
    """One cycle (a list of modules, first repeated last) per strongly
    connected group of more than one module, sorted."""
    index, low, stack, on, groups = {}, {}, [], set(), []
    counter = [0]

    def connect(v):
        # Tarjan's algorithm; the graphs here are a few dozen modules deep.
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(deps.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(set(group))

    for v in sorted(deps):
        if v not in index:
            connect(v)
    out = []
    for group in groups:
        # Walk from the smallest name along edges inside the group until a
        # module repeats: that stretch is a cycle.
        start = min(group)
        path, seen = [start], {start: 0}
        while True:
            nxt = min(w for w in deps[path[-1]] if w in group)
            if nxt in seen:
                out.append(path[seen[nxt]:] + [nxt])
                break
            seen[nxt] = len(path)
            path.append(nxt)
    return sorted(out)


def self_check():
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        (root / "app" / "q").mkdir(parents=True)
        files = {
            "app/a.c": '#include "app/a.h"\n#include "app/b.h"\n',
            "app/a.h": "#pragma once\n",
            "app/b.h": '#pragma once\n#include "app/q/c.h"\n',
            "app/q/c.c": '#include "app/q/c.h"\n#include "app/a.h"\n',
            "app/q/c.h": "#pragma once\n",
            "app/d.c": '#include "app/d.h"\n#include "app/a.h"\n/* #include "app/e.h" */\n',
            "app/d.h": "#pragma once\n",
        }
        for name, text in files.items():
            (root / name).write_text(text)
        got = cycles(graph(root))
        want = [["app/a", "app/b", "app/q/c", "app/a"]]
        if got != want:
            sys.exit(f"check_app_cycles.py: self-check found {got}, expected {want}")
        (root / "app" / "q" / "c.c").write_text('#include "app/q/c.h"\n')
        if cycles(graph(root)):
            sys.exit("check_app_cycles.py: self-check found a cycle in a chain")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    self_check()
    found = cycles(graph(pathlib.Path(sys.argv[1])))
    for c in found:
        print("include cycle in src/app: " + " -> ".join(c))
    if found:
        print(f"{len(found)} cycle(s) among the modules of src/app: move the composed read "
              "that closes it into app/query/ (above the modules it combines)")
        return 1
    print("src/app: no include cycles between modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
