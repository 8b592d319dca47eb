#!/usr/bin/env python3
"""Checks events against data/schemas: each line of EVENTS_FILE is one event
envelope (as published on reel.ev.>); it must match envelope.json and the
schema of its type and version, <type>.v<v>.json. An event whose schema does
not exist fails: every type and version the code publishes must be described.

usage: validate_events.py SCHEMA_DIR EVENTS_FILE

Prints one line per failing event (line number and reason) and a summary;
exits 1 if any event failed or if there were none to check.

The per-type schemas $ref envelope.json by relative URI; all schemas in
SCHEMA_DIR are preloaded by their $id so nothing is ever fetched. Works with
Debian's python3-jsonschema 4.10 (RefResolver) and with jsonschema >= 4.18
(referencing)."""
import json
import pathlib
import sys

import jsonschema

ENVELOPE = "envelope.json"


def load_schemas(schema_dir):
    """{file name: schema} for every *.json in schema_dir."""
    schemas = {}
    for path in sorted(pathlib.Path(schema_dir).glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        schemas[path.name] = schema
    if ENVELOPE not in schemas:
        raise SystemExit(f"{schema_dir}: no {ENVELOPE}")
    return schemas


def make_validators(schemas):
    """{file name: validator}, each able to resolve $refs to its siblings."""
    cls = jsonschema.Draft202012Validator
    checker = jsonschema.FormatChecker()
    by_id = {s["$id"]: s for s in schemas.values() if "$id" in s}
    try:
        import referencing
        import referencing.jsonschema

        def no_fetch(uri):
            raise referencing.exceptions.NoSuchResource(ref=uri)

        registry = referencing.Registry(retrieve=no_fetch).with_resources(
            (uri, referencing.jsonschema.DRAFT202012.create_resource(s))
            for uri, s in by_id.items()
        )
        return {
            name: cls(s, registry=registry, format_checker=checker)
            for name, s in schemas.items()
        }
    except ImportError:
        validators = {}
        for name, s in schemas.items():
            resolver = jsonschema.RefResolver.from_schema(s, store=by_id, handlers={
                scheme: _no_fetch for scheme in ("http", "https", "file")})
            validators[name] = cls(s, resolver=resolver, format_checker=checker)
        return validators


def _no_fetch(uri):
    raise jsonschema.RefResolutionError(f"schema {uri} is not in the schema directory")


def describe(error):
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{where or '(envelope)'}: {error.message}"


def check_event(validators, text):
    """The reasons an event is invalid; empty if it is valid."""
    try:
        event = json.loads(text)
    except ValueError as e:
        return [f"not JSON: {e}"]
    problems = [describe(e) for e in validators[ENVELOPE].iter_errors(event)]
    if not isinstance(event, dict):
        return problems
    kind, version = event.get("type"), event.get("v")
    if not isinstance(kind, str) or type(version) is not int:
        return problems or ["no type or v"]
    name = f"{kind}.v{version}.json"
    if name not in validators:
        return problems + [f"no schema {name} for type {kind!r} version {version}"]
    return add_problems(problems, validators[name], event)


def add_problems(problems, validator, instance):
    """problems plus validator's reasons about instance that are not there yet."""
    seen = set(problems)
    for e in validator.iter_errors(instance):
        message = describe(e)
        if message not in seen:
            seen.add(message)
            problems.append(message)
    return problems


def main(argv):
    if len(argv) != 3:
        print("usage: validate_events.py SCHEMA_DIR EVENTS_FILE", file=sys.stderr)
        return 2
    validators = make_validators(load_schemas(argv[1]))
    checked = failed = 0
    with open(argv[2], encoding="utf-8") as events:
        for lineno, line in enumerate(events, 1):
            if not line.strip():
                continue
            checked += 1
            problems = check_event(validators, line)
            if problems:
                failed += 1
                for p in problems:
                    print(f"{argv[2]}:{lineno}: {p}")
    print(f"validated {checked} events, {failed} failed")
    return 1 if failed or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
