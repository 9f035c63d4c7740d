#!/usr/bin/env python3
"""Read Autobahn|Testsuite reports (index.json): summarize, compare with, or update the
committed expected results. Python 3, stdlib only.

  results.py summary INDEX [--agent A] [--expect N] [--strict]
      Counts of `behavior` and `behaviorClose`, per section, and the ids of the cases
      that are not OK. Exit 1 when a case FAILED (with --strict: anything but OK or
      INFORMATIONAL, for behavior and behaviorClose) or fewer than N cases ran.
  results.py compare INDEX EXPECTED [--agent A] [--cases FILE]
      Diff each case's behavior and behaviorClose against EXPECTED (a JSON file written
      by `update`). FILE lists the case ids the run selected, one per line (default: the
      cases of the report). Exit 1 on a regression: a case whose result differs from the
      expected one and is not clean (OK/INFORMATIONAL for both), a case without an
      expectation that is not clean, or a selected case with no result.
  results.py update INDEX EXPECTED [--agent A] [--cases FILE]
      Write the run's results into EXPECTED, keeping the entries of cases that did not run.

Exit 2: unreadable or empty report, unknown agent.
"""
import argparse
import json
import os
import sys
from collections import Counter, OrderedDict

CLEAN = ("OK", "INFORMATIONAL")
PASSING = {"OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED"}
ORDER = ["OK", "INFORMATIONAL", "NON-STRICT", "UNIMPLEMENTED", "FAILED", "WRONG CODE",
         "UNCLEAN", "FAILED BY CLIENT", "NO_CLOSE"]


class Usage(Exception):
    pass


def case_key(case_id):
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in case_id.split(".")]


def counts(values):
    c = Counter(values)
    keys = [k for k in ORDER if k in c] + sorted(k for k in c if k not in ORDER)
    return "  ".join("%s=%d" % (k, c[k]) for k in keys)


def load_report(path, agent):
    if os.path.isdir(path):
        path = os.path.join(path, "index.json")
    try:
        with open(path) as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        raise Usage("cannot read %s: %s" % (path, e))
    if agent is None:
        if len(index) != 1:
            raise Usage("%s has agents %s; pick one with --agent" % (path, sorted(index)))
        agent = next(iter(index))
    if agent not in index:
        raise Usage("agent %r not in %s; agents present: %s"
                    % (agent, path, ", ".join(sorted(index)) or "none"))
    cases = index[agent]
    return agent, OrderedDict((c, (cases[c].get("behavior", "?"), cases[c].get("behaviorClose", "?")))
                              for c in sorted(cases, key=case_key))


def load_selected(path, results):
    if path is None:
        return list(results)
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def is_clean(result):
    return result[0] in CLEAN and result[1] in CLEAN


def summary(args):
    agent, results = load_report(args.index, args.agent)
    print("== Autobahn report: agent %r, %d cases" % (agent, len(results)))
    print("  behavior:      " + counts(b for b, _ in results.values()))
    print("  behaviorClose: " + counts(bc for _, bc in results.values()))
    sections = OrderedDict()
    for c, (b, _) in results.items():
        sections.setdefault(c.split(".")[0], []).append(b)
    for sec, values in sections.items():
        print("    %-3s %s" % (sec, counts(values)))
    for label, col in (("behavior", 0), ("behaviorClose", 1)):
        by_value = OrderedDict()
        for c, r in results.items():
            if r[col] not in CLEAN:
                by_value.setdefault(r[col], []).append(c)
        for value, ids in by_value.items():
            shown = ids if len(ids) <= 40 else ids[:40] + ["... %d more" % (len(ids) - 40)]
            print("  %s %s (%d): %s" % (label, value, len(ids), ", ".join(shown)))
    failing = [c for c, r in results.items()
               if (not is_clean(r) if args.strict else r[0] not in PASSING)]
    missing = max(0, (args.expect or 0) - len(results))
    if missing:
        print("  MISSING: %d of %d selected cases have no result" % (missing, args.expect))
    print("  verdict: %s" % ("FAIL" if failing or missing else "PASS"))
    return 1 if failing or missing else 0


def compare(args):
    agent, results = load_report(args.index, args.agent)
    expected = load_expected(args.expected)
    selected = load_selected(args.cases, results)
    regressions, improved, new_clean = [], [], []
    for c in selected:
        got = results.get(c)
        want = expected.get(c)
        want = tuple(want[k] for k in ("behavior", "behaviorClose")) if want else None
        if got is None:
            regressions.append("%s: no result (the case did not run or the testee died)" % c)
        elif want is None:
            if is_clean(got):
                new_clean.append(c)
            else:
                regressions.append("%s: %s / %s, and no expectation" % (c, got[0], got[1]))
        elif got != want:
            line = "%s: expected %s / %s, got %s / %s" % (c, want[0], want[1], got[0], got[1])
            (improved if is_clean(got) else regressions).append(line)
    print("== compare %s (agent %r) with %s: %d cases selected, %d with results"
          % (args.index, agent, args.expected, len(selected), len(results)))
    for line in improved:
        print("  improved  " + line)
    if new_clean:
        shown = new_clean if len(new_clean) <= 10 else new_clean[:10] + ["..."]
        print("  clean, not in the expected file (%d): %s" % (len(new_clean), ", ".join(shown)))
    for line in regressions:
        print("  REGRESSION " + line)
    if improved or new_clean:
        print("  (update the expected file: tests/autobahn/run.sh --update ...)")
    print("  compare: %s" % ("FAIL, %d regressions" % len(regressions) if regressions else "PASS"))
    return 1 if regressions else 0


def load_expected(path):
    try:
        with open(path) as f:
            return json.load(f)["cases"]
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError) as e:
        raise Usage("cannot read expected results %s: %s" % (path, e))


def update(args):
    agent, results = load_report(args.index, args.agent)
    cases = dict(load_expected(args.expected))
    for c in load_selected(args.cases, results):
        if c in results:
            cases[c] = OrderedDict([("behavior", results[c][0]), ("behaviorClose", results[c][1])])
    about = ("Expected Autobahn|Testsuite results, one line per case id; written by "
             "tests/autobahn/run.sh --update, checked by tests/autobahn/run.sh.")
    lines = ["  %s: %s" % (json.dumps(c), json.dumps(
        OrderedDict((k, cases[c][k]) for k in ("behavior", "behaviorClose"))))
        for c in sorted(cases, key=case_key)]
    with open(args.expected, "w") as f:
        f.write('{\n "about": %s,\n "cases": {\n%s\n }\n}\n' % (json.dumps(about), ",\n".join(lines)))
    print("== wrote %d cases (agent %r) to %s" % (len(cases), agent, args.expected))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("summary")
    p.add_argument("index")
    p.add_argument("--agent")
    p.add_argument("--expect", type=int)
    p.add_argument("--strict", action="store_true")
    p.set_defaults(run=summary)
    for name, fn in (("compare", compare), ("update", update)):
        p = sub.add_parser(name)
        p.add_argument("index")
        p.add_argument("expected")
        p.add_argument("--agent")
        p.add_argument("--cases")
        p.set_defaults(run=fn)
    args = ap.parse_args()
    try:
        return args.run(args)
    except Usage as e:
        print("results.py: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
