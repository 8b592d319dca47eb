#!/usr/bin/env python3
"""Proves that the build enforces reel's layers (src/meson.build):

    core  <-  store, bus  <-  app  <-  media  <-  http  <-  daemon

Each layer compiles against its own include root (build/src/layers/LAYER),
which holds its own folder and the folders below it. For every layer and
every folder of src/, this compiles a scratch file that includes one of that
folder's headers, the way a file of the layer would, and expects:
  - a folder below (or the layer's own) to compile;
  - a folder above to fail with "No such file or directory" for exactly
    that header (so the failure is the layer rule, not some other error),
    e.g. a store file including http/server.h.
The order expected is written here, not read from the build, so widening a
layer in meson.build fails this test.

The scratch files get every external library's flags, so only reel's own
include root differs between the compiles.

usage: check_layers.py LAYERS_ROOT SRC_DIR CC [CC_ARGS...]"""
import pathlib
import subprocess
import sys
import tempfile

# Who may include whom: the README's and src/meson.build's order.
SEES = {
    "core": {"core"},
    "store": {"core", "store"},
    "bus": {"core", "bus"},
    "app": {"core", "store", "bus", "app"},
    "media": {"core", "store", "bus", "app", "media"},
    "http": {"core", "store", "bus", "app", "media", "http"},
    "daemon": {"core", "store", "bus", "app", "media", "http", "daemon"},
    "cli": {"core", "store", "bus", "app", "media", "cli"},
}
PACKAGES = ["glib-2.0", "gio-2.0", "gio-unix-2.0", "json-glib-1.0", "libsoup-3.0",
            "gstreamer-1.0", "gstreamer-pbutils-1.0", "gstreamer-app-1.0", "libcurl",
            "libsodium"]


def header_of(src, folder):
    """One header of folder (whichever sorts first: any will do)."""
    headers = sorted(p for p in (src / folder).rglob("*.h") if not p.name.endswith("-private.h"))
    assert headers, f"src/{folder} has no header"
    return headers[0].relative_to(src).as_posix()


def compile_scratch(cc, cflags, root, layer, header, tmp):
    scratch = pathlib.Path(tmp) / f"{layer}_scratch.c"
    scratch.write_text(f'/* A file of the {layer} layer. */\n#include "{header}"\n')
    return subprocess.run(cc + cflags + ["-fsyntax-only", "-I" + str(root / layer), str(scratch)],
                          capture_output=True, text=True)


def main():
    root, src, cc = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3:]
    cflags = subprocess.run(["pkg-config", "--cflags"] + PACKAGES, check=True,
                            capture_output=True, text=True).stdout.split()
    folders = sorted({f for sees in SEES.values() for f in sees})
    assert set(SEES) == {p.name for p in root.iterdir()}, \
        f"the build has layers {sorted(p.name for p in root.iterdir())}, this test knows {sorted(SEES)}"
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for layer, sees in SEES.items():
            for folder in folders:
                header = header_of(src, folder)
                r = compile_scratch(cc, cflags, root, layer, header, tmp)
                if folder in sees and r.returncode != 0:
                    failures.append(f"{layer} may include {header}, but it does not compile:\n{r.stderr}")
                elif folder not in sees:
                    if r.returncode == 0:
                        failures.append(f"{layer} includes {header} (a layer above it) and compiles")
                    elif f"{header}: No such file or directory" not in r.stderr:
                        failures.append(f"{layer} including {header} failed, but not for want of "
                                        f"the header:\n{r.stderr}")
                    else:
                        print(f"ok: {layer} cannot include {header}")
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
