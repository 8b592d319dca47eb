#!/usr/bin/env python3
"""Prints every operation of data/openapi.yaml whose request body may be
JSON, one per line: METHOD PATH AUTH, where AUTH is "bearer" when the
operation accepts a bearer token and "none" otherwise. The hardening test
(tests/integration/test_hardening.c) sends hostile JSON to each, so a new
JSON route is covered as soon as it is documented (and check_openapi.py
makes sure every served route is).

usage: json_routes.py OPENAPI_YAML"""
import sys

import yaml

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def main():
    doc = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS or not isinstance(op, dict):
                continue
            content = (op.get("requestBody") or {}).get("content") or {}
            if not any(t == "application/json" or t.endswith("+json") for t in content):
                continue
            security = op.get("security", doc.get("security")) or []
            bearer = any("bearerAuth" in req for req in security)
            print(method.upper(), path, "bearer" if bearer else "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
