#!/usr/bin/env bash
# Lighthouse scores of four typical pages, as a phone sees them.
#
#     bench/lighthouse.sh [RUNS]        (default 3 runs per page, median kept)
#
# Installs lighthouse 12.2.3 with npm into bench/node_modules (once, ignored
# by git), builds the site and starts the service as `make run` does
# (`mentorat build`, then `mentorat serve` on a free port with a temporary
# data directory), then runs Lighthouse in its default mobile mode with
# Debian's Chromium on the home page, a guide, a template and the enrollment
# form. Prints the median of each category per page: performance,
# accessibility, best practices, SEO. Goal: >= 95 / 100 / 100 / 100.
# Reports (JSON) stay in bench/out/lighthouse/.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
PY="$ROOT/.venv/bin/python"
RUNS="${1:-3}"
LIGHTHOUSE_VERSION=12.2.3
PAGES=(/ /guides/ecoute-active/ /modeles/objectifs-smart/ /formulaires/inscription/)
OUT="$HERE/out/lighthouse"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

LH="$HERE/node_modules/.bin/lighthouse"
if ! "$LH" --version 2>/dev/null | grep -qx "$LIGHTHOUSE_VERSION"; then
  echo "Installation de lighthouse@$LIGHTHOUSE_VERSION dans bench/node_modules…" >&2
  npm install --prefix "$HERE" --no-save --no-package-lock --no-audit --no-fund \
    --loglevel=error "lighthouse@$LIGHTHOUSE_VERSION" >&2
  rm -f "$HERE/package.json"  # npm writes one even with --no-save when none exists
fi

TMP="$(mktemp -d)"
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export MENTORAT_PORT="$PORT" MENTORAT_DATA_DIR="$TMP/data" MENTORAT_SITE_DIR="$TMP/site"
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

(cd "$ROOT" && "$PY" -m forms_service.cli build --site-dir "$TMP/site") >&2
(cd "$ROOT" && exec "$PY" -m forms_service.cli serve >/dev/null 2>&1) &
SERVER=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 150); do
  curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$BASE/healthz" >/dev/null || { echo "le service n'a pas démarré" >&2; exit 1; }

rm -rf "$OUT"; mkdir -p "$OUT"
for page in "${PAGES[@]}"; do
  name="$(echo "$page" | tr '/' '_' | sed 's/^_*//; s/_*$//')"; name="${name:-accueil}"
  for run in $(seq 1 "$RUNS"); do
    echo "Lighthouse $page ($run/$RUNS)…" >&2
    # Lighthouse now and then loses its trace (NO_NAVSTART): such a run is retried.
    for attempt in 1 2 3; do
      if "$LH" "$BASE$page" --quiet --output=json --output-path="$OUT/$name-$run.json" \
          --only-categories=performance,accessibility,best-practices,seo \
          --chrome-flags="--headless --no-sandbox --disable-gpu" >/dev/null 2>"$OUT/$name-$run.log"; then
        break
      fi
      rm -f "$OUT/$name-$run.json"
      if [ "$attempt" = 3 ]; then
        echo "échec de Lighthouse sur $page (voir $OUT/$name-$run.log)" >&2; exit 1
      fi
      echo "  passage raté ($(tail -1 "$OUT/$name-$run.log")), nouvel essai…" >&2
    done
  done
done

"$PY" - "$OUT" "${PAGES[@]}" <<'PY'
import json, statistics, sys
from pathlib import Path

out, pages = Path(sys.argv[1]), sys.argv[2:]
categories = ["performance", "accessibility", "best-practices", "seo"]
goal = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
print(f"{'page':<30}" + "".join(f"{c:>16}" for c in categories))
missed = []
for page in pages:
    name = page.strip("/").replace("/", "_") or "accueil"
    reports = [json.loads(p.read_text()) for p in sorted(out.glob(f"{name}-*.json"))]
    scores = {c: statistics.median(round(r["categories"][c]["score"] * 100) for r in reports)
              for c in categories}
    print(f"{page:<30}" + "".join(f"{scores[c]:>16g}" for c in categories))
    for c in categories:
        if scores[c] < goal[c]:
            failing = sorted({a for r in reports for ref in r["categories"][c]["auditRefs"]
                              if ref["weight"] > 0 for a in [ref["id"]]
                              if (r["audits"][a]["score"] is not None
                                  and r["audits"][a]["score"] < 0.9)})
            missed.append(f"{page} {c} {scores[c]:g} < {goal[c]} : {', '.join(failing)}")
print(f"{'objectif':<30}" + "".join(f"{'≥ ' + str(goal[c]):>16}" for c in categories))
print(f"(médiane de {len(reports)} passages par page, mode mobile, Lighthouse "
      f"{reports[0]['lighthouseVersion']})")
for line in missed:
    print("  sous l'objectif :", line)
PY
