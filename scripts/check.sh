#!/usr/bin/env bash
# The lint gate (CI runs it before the tests): formatting, then clippy on every target of the
# workspace with warnings as errors. An `#[allow(...)]` in the code needs a one-line reason
# beside it.
#
#   scripts/check.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
