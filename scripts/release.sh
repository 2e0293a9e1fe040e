#!/usr/bin/env bash
# Tags a release of the action: vX.Y.Z from package.json, and moves the major tag (v1)
# that workflows use (`uses: deltaglider/action@v1`). Run on a clean, pushed main.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(node -p "require('./package.json').version")
major="v${version%%.*}"
tag="v${version}"

[ -z "$(git status --porcelain)" ] || { echo "release: the work tree is not clean" >&2; exit 1; }
npm run build >/dev/null
git diff --quiet -- dist || { echo "release: dist/ is stale; run npm run build and commit" >&2; exit 1; }
git rev-parse -q --verify "refs/tags/${tag}" >/dev/null && { echo "release: ${tag} exists" >&2; exit 1; }

git tag -a "${tag}" -m "deltaglider/action ${tag}"
git tag -fa "${major}" -m "deltaglider/action ${tag}"
echo "Tagged ${tag} and moved ${major}. Push with: git push origin ${tag} && git push -f origin ${major}"
