#!/usr/bin/env bash
# The tool benchmark (not a timed test): per tool the Graph round trips and result size against
# Graph's raw JSON, every tool's class and permissions, and the tools/list size per preset.
# Prints markdown; with --readme it replaces the section between the markers in README.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
report="$(cargo run -q -p m365-core --example tool_report)"
if [[ "${1:-}" == "--readme" ]]; then
  REPORT="$report" python3 - <<'PY'
import os, re
path = "README.md"
text = open(path).read()
block = "<!-- tool-report -->\n" + os.environ["REPORT"].strip() + "\n<!-- /tool-report -->"
text = re.sub(r"<!-- tool-report -->(.*?<!-- /tool-report -->)?", lambda m: block, text, count=1, flags=re.S)
open(path, "w").write(text)
PY
else
  printf '%s\n' "$report"
fi
