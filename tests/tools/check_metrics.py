#!/usr/bin/env python3
"""Parses a Prometheus text exposition with the reference parser
(python3-prometheus-client) and checks the families reeld must export.

usage: check_metrics.py FILE"""
import sys

from prometheus_client.parser import text_string_to_metric_families

REQUIRED = {
    "reel_http_requests": "counter",
    "reel_http_request_duration_seconds": "histogram",
    "reel_events_published": "counter",
    "reel_events_applied": "counter",
    "reel_projection_lag_events": "gauge",
}


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    failed = 0
    for name, kind in REQUIRED.items():
        fam = families.get(name)
        if fam is None:
            print(f"missing metric family {name}")
            failed += 1
        elif fam.type != kind:
            print(f"{name}: type {fam.type}, expected {kind}")
            failed += 1
        elif not fam.samples:
            print(f"{name}: no samples")
            failed += 1
    hist = families.get("reel_http_request_duration_seconds")
    if hist:
        for s in hist.samples:
            if s.name.endswith("_bucket") and "le" not in s.labels:
                print(f"bucket without le: {s}")
                failed += 1
    print(f"parsed {len(families)} metric families, {failed} problems")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
