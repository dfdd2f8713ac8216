#!/usr/bin/python3
"""md_page.py - a Markdown page as a wiki shows it, for the tests of `runbook docs`.

    md_page.py PAGE.md

The YAML front matter is read with PyYAML (as Jekyll, Hugo or Gollum
read it), the rest is rendered by cmark-gfm, GitHub's own renderer, with
its table extension and raw HTML let through (--unsafe: so that any HTML a
runbook managed to inject would show), and the HTML is read back with
html.parser.  Prints one JSON object:

  front_matter  the mapping, or null
  headings      [[level, text], ...] in order
  tables        [[[cell, ...], ...], ...]: each table's rows, header first
  code          [[language, text], ...]: each code block
  tags          every element name the HTML has, with its count
  text          the visible text
"""
import json
import subprocess
import sys
from html.parser import HTMLParser

import yaml


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.headings, self.tables, self.code, self.tags = [], [], [], {}
        self.text = []
        self.cur = None          # [kind, buffer] being collected
        self.row = None
        self.pre = False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        a = dict(attrs)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.cur = ["h", int(tag[1]), []]
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cur = ["cell", 0, []]
        elif tag == "pre":
            self.pre = True
        elif tag == "code" and self.pre:
            lang = (a.get("class") or "").replace("language-", "")
            self.cur = ["code", lang, []]
        elif tag == "br" and self.cur:
            self.cur[2].append("\n")

    def handle_endtag(self, tag):
        if self.cur and self.cur[0] == "h" and tag.startswith("h"):
            self.headings.append([self.cur[1], "".join(self.cur[2])])
            self.cur = None
        elif self.cur and self.cur[0] == "cell" and tag in ("td", "th"):
            self.row.append("".join(self.cur[2]))
            self.cur = None
        elif tag == "tr" and self.row is not None:
            self.tables[-1].append(self.row)
            self.row = None
        elif self.cur and self.cur[0] == "code" and tag == "code":
            self.code.append([self.cur[1], "".join(self.cur[2])])
            self.cur = None
        elif tag == "pre":
            self.pre = False

    def handle_data(self, data):
        self.text.append(data)
        if self.cur:
            self.cur[2].append(data)


def main():
    src = open(sys.argv[1], encoding="utf-8").read()
    fm = None
    if src.startswith("---\n"):
        end = src.index("\n---\n", 3)
        fm = yaml.safe_load(src[4:end + 1])
        src = src[end + 5:]
    html = subprocess.run(["cmark-gfm", "-e", "table", "--unsafe"], input=src.encode(),
                          capture_output=True, check=True).stdout.decode()
    p = Page()
    p.feed(html)
    print(json.dumps({"front_matter": fm, "headings": p.headings, "tables": p.tables,
                      "code": p.code, "tags": p.tags, "text": "".join(p.text)},
                     default=str))


main()
