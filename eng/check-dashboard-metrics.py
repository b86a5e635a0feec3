#!/usr/bin/env python3
"""Checks that every query of a Grafana dashboard names metrics and labels that really exist.

Usage:
  eng/check-dashboard-metrics.py DASHBOARD.json SCRAPE.txt [--prometheus URL [--require-data]]

DASHBOARD.json  a Grafana dashboard (docs/dashboards/spillway-actors.json)
SCRAPE.txt      a saved Prometheus scrape (`curl http://127.0.0.1:9464/metrics`), or an http:// URL to scrape now

Every PromQL expression of the dashboard (panel targets and template-variable queries) is read: each metric name
in it must appear as a sample name in the scrape (for a histogram, `x_bucket`, `x_sum` and `x_count` are the sample
names), and each label it matches on or groups by must be a label of those samples (or `job`/`instance`, which
Prometheus adds when it scrapes).

With --prometheus, every expression is also run against that Prometheus server's HTTP API (Grafana's variables
replaced by match-all values), and must be accepted; with --require-data it must also return at least one series.

Exit code 0 when everything checks, 1 otherwise. Standard library only.
"""

import argparse
import json
import re
import sys
import urllib.parse
import urllib.request

# Labels Prometheus attaches to every scraped series itself.
TARGET_LABELS = {"job", "instance"}
GROUPING_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
OPERATOR_KEYWORDS = {"and", "or", "unless", "bool", "offset", "atan2"}
# Aggregations may be followed by a by/without clause before their parenthesis: `sum by (x) (...)`.
AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
                "quantile", "limitk", "limit_ratio"}
IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
LABEL_VALUES = re.compile(r"^\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", re.S)


def read_scrape(source):
    """Returns {sample name: set of label names} from a Prometheus text exposition."""
    if source.startswith("http://") or source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=10) as response:
            text = response.read().decode("utf-8")
    else:
        with open(source, encoding="utf-8") as f:
            text = f.read()
    samples = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s", line)
        if not match:
            continue
        labels = samples.setdefault(match.group(1), set())
        if match.group(3):
            labels.update(re.findall(r'([A-Za-z_][A-Za-z0-9_]*)="', match.group(3)))
    return samples


def analyse(expr):
    """Returns (metrics, selectors, grouping labels) of a PromQL expression.

    metrics: metric names; selectors: [(metric or None, [label names matched])]; grouping: label names in
    by/without/on/ignoring/group_left/group_right clauses.
    """
    metrics, selectors, grouping = [], [], []
    i, n = 0, len(expr)
    last_ident = None  # a metric name that a following {...} belongs to
    while i < n:
        c = expr[i]
        if c in "\"'`":
            end = i + 1
            while end < n and expr[end] != c:
                end += 2 if expr[end] == "\\" else 1
            i = end + 1
            last_ident = None
        elif c == "{":
            end = expr.index("}", i)
            body = expr[i + 1:end]
            # Drop the quoted values, then the label names are the identifiers left before an operator.
            unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', body)
            labels = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)", unquoted)
            selectors.append((last_ident, labels))
            i = end + 1
            last_ident = None
        elif c == "[":
            i = expr.index("]", i) + 1
            last_ident = None
        elif c.isdigit() or (c == "." and i + 1 < n and expr[i + 1].isdigit()):
            # A number or a duration (0.95, 1e-9, 5m, 1h30m).
            match = re.match(r"[0-9.]+(?:[eE][+-]?[0-9]+)?[A-Za-z0-9_]*", expr[i:])
            i += len(match.group(0))
            last_ident = None
        elif c == "$":
            match = re.match(r"\$\{?[A-Za-z0-9_:]+\}?", expr[i:])
            i += len(match.group(0)) if match else 1
            last_ident = None
        elif IDENT.match(c):
            word = IDENT.match(expr, i).group(0)
            j = i + len(word)
            while j < n and expr[j].isspace():
                j += 1
            followed_by_paren = j < n and expr[j] == "("
            if word in GROUPING_KEYWORDS and followed_by_paren:
                end = expr.index(")", j)
                grouping.extend(IDENT.findall(expr[j + 1:end]))
                i = end + 1
                last_ident = None
            elif followed_by_paren or word in OPERATOR_KEYWORDS or word in GROUPING_KEYWORDS or word in AGGREGATIONS:
                i = j
                last_ident = None
            else:
                metrics.append(word)
                last_ident = word
                i = i + len(word)
        else:
            i += 1
            if not c.isspace():
                last_ident = None
    return metrics, selectors, grouping


def dashboard_queries(dashboard):
    """Yields (where, PromQL expression) for every panel target and template-variable query."""
    def walk(panels):
        for panel in panels:
            yield from walk(panel.get("panels", []))
            for target in panel.get("targets", []):
                if target.get("expr"):
                    yield f"panel '{panel.get('title')}' target {target.get('refId')}", target["expr"]

    yield from walk(dashboard.get("panels", []))
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        query = variable.get("query")
        text = query.get("query") if isinstance(query, dict) else query
        match = LABEL_VALUES.match(text or "")
        if match:
            # label_values(selector, label): the selector is PromQL; the label must be one of its metric's labels.
            yield f"variable '{variable['name']}'", match.group(1), match.group(2)
        elif text:
            yield f"variable '{variable['name']}'", text


def check_names(where, expr, samples, extra_labels=()):
    problems = []
    metrics, selectors, grouping = analyse(expr)
    if not metrics:
        problems.append(f"{where}: names no metric: {expr}")
    for metric in metrics:
        if metric not in samples:
            problems.append(f"{where}: metric '{metric}' is not in the scrape")
    known = set(TARGET_LABELS)
    for metric in metrics:
        known |= samples.get(metric, set())
    for metric, labels in selectors:
        allowed = TARGET_LABELS | samples.get(metric, known) if metric else known
        for label in labels:
            if label != "__name__" and label not in allowed:
                problems.append(f"{where}: label '{label}' of {metric or 'a selector'} is not in the scrape")
    for label in list(grouping) + list(extra_labels):
        if label not in known:
            problems.append(f"{where}: label '{label}' (grouping) is on none of {sorted(set(metrics))}")
    return metrics, problems


def substitute_variables(expr, rate_interval):
    expr = re.sub(r"\$\{?__rate_interval\}?", rate_interval, expr)
    expr = re.sub(r"\$\{?__interval\}?", rate_interval, expr)
    expr = re.sub(r"\$\{?__range\}?", "5m", expr)
    return re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", ".*", expr)


def run_query(prometheus, expr):
    url = prometheus.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:
        body = json.load(error)
    return body


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dashboard")
    parser.add_argument("scrape", help="a saved /metrics scrape, or its URL")
    parser.add_argument("--prometheus", help="also run every query against this Prometheus (http://127.0.0.1:9090)")
    parser.add_argument("--rate-interval", default="15s", help="what $__rate_interval becomes in --prometheus queries")
    parser.add_argument("--require-data", action="store_true", help="with --prometheus, every query must return data")
    args = parser.parse_args()

    with open(args.dashboard, encoding="utf-8") as f:
        dashboard = json.load(f)
    samples = read_scrape(args.scrape)
    spillway = sorted(s for s in samples if s.startswith("spillway_"))
    print(f"scrape: {len(samples)} sample names, {len(spillway)} from Spillway.Actors")

    problems, used, count = [], set(), 0
    for entry in dashboard_queries(dashboard):
        where, expr = entry[0], entry[1]
        extra = entry[2:] if len(entry) > 2 else ()
        count += 1
        metrics, found = check_names(where, expr, samples, extra)
        used.update(metrics)
        problems.extend(found)
        if args.prometheus and not found:
            body = run_query(args.prometheus, substitute_variables(expr, args.rate_interval))
            if body.get("status") != "success":
                problems.append(f"{where}: Prometheus rejected the query: {body.get('error')}")
            elif args.require_data and not body["data"]["result"]:
                problems.append(f"{where}: Prometheus returned no data for: {expr}")

    print(f"dashboard: {count} queries use {len(used)} metric names:")
    for name in sorted(used):
        print(f"  {'ok     ' if name in samples else 'MISSING'} {name}")
    if args.prometheus:
        print(f"ran every query against {args.prometheus} ({'data required' if args.require_data else 'syntax only'})")
    for problem in problems:
        print(f"FAIL {problem}")
    print("dashboard metric check: " + ("FAIL" if problems else "PASS"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
