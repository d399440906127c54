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

# The Python bindings are a workspace of their own (they need a Python interpreter to build).
echo "== python/: cargo fmt --check, clippy -D warnings"
cargo fmt --manifest-path python/Cargo.toml -- --check
if command -v python3 >/dev/null; then
    cargo clippy --manifest-path python/Cargo.toml --all-targets -- -D warnings
else
    echo "no python3: clippy of python/ skipped"
fi
