#!/usr/bin/env python3
"""Checks viewer actions against data/schemas with python3-jsonschema, the
reference the C validator (src/app/analytics/actions.c) must agree with.

usage: validate_actions.py SCHEMA_DIR FILE            one action per line
       validate_actions.py --records SCHEMA_DIR FILE  one stored record per line

Actions: prints one line per input line, "ok" or "invalid: <reason>", and
exits 0; an action is valid when it matches action.json and the schema of
its action and version, action.<action>.v<v>.json (which must exist).
Records (what the REEL_ACTIONS stream holds): each must match
action-record.json and its "action" must be a valid action; prints the
failures and a summary, exits 1 if any failed or there were none."""
import json
import sys

from validate_events import add_problems, describe, load_schemas, make_validators

BASE = "action.json"
RECORD = "action-record.json"


def check_action(validators, action):
    """The reasons an action is invalid; empty if it is valid."""
    problems = [describe(e) for e in validators[BASE].iter_errors(action)]
    if not isinstance(action, dict):
        return problems or ["not an object"]
    kind, version = action.get("action"), action.get("v")
    if not isinstance(kind, str) or not isinstance(version, (int, float)) or isinstance(version, bool):
        return problems or ["no action or v"]
    name = f"action.{kind}.v{int(version) if float(version).is_integer() else version}.json"
    if name not in validators:
        return problems + [f"no schema {name!r}"]
    return add_problems(problems, validators[name], action)


def main(argv):
    records = "--records" in argv
    args = [a for a in argv[1:] if a != "--records"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    validators = make_validators(load_schemas(args[0]))
    checked = failed = 0
    with open(args[1], encoding="utf-8") as lines:
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            checked += 1
            try:
                value = json.loads(line)
            except ValueError as e:
                problems = [f"not JSON: {e}"]
            else:
                if records:
                    problems = [describe(e) for e in validators[RECORD].iter_errors(value)]
                    if isinstance(value, dict) and "action" in value:
                        problems += check_action(validators, value["action"])
                else:
                    problems = check_action(validators, value)
            if records:
                if problems:
                    failed += 1
                    print(f"{args[1]}:{lineno}: {'; '.join(problems)}")
            else:
                # One line per action, whatever the reasons hold.
                reasons = "; ".join(problems).replace("\n", "\\n")
                print(f"invalid: {reasons}" if problems else "ok")
    if records:
        print(f"validated {checked} action records, {failed} failed")
        return 1 if failed or checked == 0 else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
