#!/usr/bin/env python3
"""Reads assay's JUnit XML with junitparser, as CI plugins do (tests/formats.rs).

Usage: read_junit.py FILE. Writes JSON to stdout:

    {"totals": {"tests", "failures", "errors", "skipped"},
     "suites": [{"name", "system_out", "declared": {counts as the attributes say},
                 "counted": {counts of the test cases' results},
                 "failing": [case names with a failure],
                 "erroring": [case names with an error],
                 "cases": [{"classname", "name", "result", "message", "text",
                            "system_out"}]}]}

Both the declared counts and those counted from the cases are reported, so
the test can tell a wrong attribute from a wrong case. The parse itself is
the check that the file is well-formed XML: junitparser reads it with
Python's expat-based parser (or lxml when installed), and both reject what
XML 1.0 forbids.
"""

import json
import sys

from junitparser import Error, Failure, JUnitXml, Skipped


def counts(tests, failures, errors, skipped):
    return {"tests": tests, "failures": failures, "errors": errors, "skipped": skipped}


def result_of(case):
    kinds = {Failure: "failure", Error: "error", Skipped: "skipped"}
    for r in case.result:
        for cls, name in kinds.items():
            if isinstance(r, cls):
                return name, r.message, r.text
    return "pass", None, None


def suite_summary(suite):
    cases = []
    for case in suite:
        result, message, text = result_of(case)
        cases.append(
            {
                "classname": case.classname,
                "name": case.name,
                "result": result,
                "message": message,
                "text": text,
                "system_out": case.system_out,
            }
        )
    tally = {k: sum(1 for c in cases if c["result"] == k) for k in ("failure", "error", "skipped")}
    return {
        "name": suite.name,
        # junitparser has no property for a suite's own <system-out>.
        "system_out": getattr(suite._elem.find("system-out"), "text", None),
        "declared": counts(suite.tests, suite.failures, suite.errors, suite.skipped),
        "counted": counts(len(cases), tally["failure"], tally["error"], tally["skipped"]),
        "failing": [c["name"] for c in cases if c["result"] == "failure"],
        "erroring": [c["name"] for c in cases if c["result"] == "error"],
        "cases": cases,
    }


def main():
    xml = JUnitXml.fromfile(sys.argv[1])
    out = {
        "totals": counts(xml.tests, xml.failures, xml.errors, xml.skipped),
        "suites": [suite_summary(s) for s in xml],
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
