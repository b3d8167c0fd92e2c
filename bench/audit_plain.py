"""The plain Python loop the audit's local engine is compared with: ``gzip.open`` +
``json.load`` per file, then the same rules (``rules.classify``) on every record, in one
process. Prints the answer of ``audit reads SERVICE`` as JSON (to check the engine's).

    python -m bench.audit_plain DIR SERVICE SINCE UNTIL ACCOUNT REGION
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from secretctl.audit.answers import Question, answer, relevant
from secretctl.audit.rules import Scope, classify


def main() -> None:
    root, service, since, until, account, region = sys.argv[1:7]
    scope = Scope(account, region, since, until)
    question = Question("reads", (service,))
    facts = []
    events = 0
    for path in sorted(Path(root).rglob("*.json.gz")):
        if "CloudTrail-Digest" in path.as_posix():
            continue
        with gzip.open(path) as handle:
            for record in json.load(handle)["Records"]:
                events += 1
                facts.extend(f for f in classify(record, scope) if relevant(f, question))
    print(json.dumps({"events": events, "rows": answer(question, facts, [])}))


if __name__ == "__main__":
    main()
