#!/usr/bin/env python3
"""Reads an RSS or Atom feed with feedparser (python3-feedparser) and prints
what it understood as one JSON object, for the integration tests:
{"version", "bozo", "bozo_exception", "title", "link", "entries": [{"title",
"link", "id", "summary", "author", "published", "enclosures": [{"href",
"type", "length"}], "thumbnails": [url, ...]}]}. bozo is feedparser's flag
for a feed that is not well-formed XML or breaks its format.

usage: read_feed.py FILE"""
import json
import sys

import feedparser


def main():
    with open(sys.argv[1], "rb") as f:
        d = feedparser.parse(f.read())
    out = {
        "version": d.get("version", ""),
        "bozo": int(d.get("bozo", 0)),
        "bozo_exception": str(d.get("bozo_exception", "")),
        "title": d.feed.get("title", ""),
        "link": d.feed.get("link", ""),
        "entries": [
            {
                "title": e.get("title", ""),
                "link": e.get("link", ""),
                "id": e.get("id", ""),
                "summary": e.get("summary", ""),
                "author": e.get("author", ""),
                "published": e.get("published", ""),
                "enclosures": [
                    {"href": x.get("href", ""), "type": x.get("type", ""),
                     "length": str(x.get("length", ""))}
                    for x in e.get("enclosures", [])
                ],
                "thumbnails": [t.get("url", "") for t in e.get("media_thumbnail", [])],
            }
            for e in d.entries
        ],
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
