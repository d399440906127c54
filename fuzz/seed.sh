#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs: the repository's own fixtures plus, when present,
# the shared fixture folder (Blender renders, OpenEXR test images, the Damaged/ corpus).
# The corpus directories are git-ignored; run this before `cargo fuzz run`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
shared="${EXRPROBE_SHARED_FIXTURES:-/work/shared/fixtures}"
max_bytes=$((2 * 1024 * 1024))   # larger seeds only slow libFuzzer down

# Hand-made hostile files (blocks declaring sizes the file does not hold); the large sparse one
# is left out by the size limit below.
generated="$(mktemp -d)"
trap 'rm -rf "$generated"' EXIT
(cd "$repo" && cargo run --quiet -p exrprobe-synth --example make_hostile -- "$generated" >/dev/null)

for target in load_all header; do
    dest="$here/corpus/$target"
    mkdir -p "$dest"
    for dir in "$repo/tests/fixtures" "$shared" "$generated"; do
        [ -d "$dir" ] || continue
        find "$dir" -type f -size -"${max_bytes}"c -print0 |
            while IFS= read -r -d '' file; do
                # Name seeds by content so re-running the script does not duplicate them.
                sum="$(sha1sum "$file" | cut -c1-16)"
                cp -f "$file" "$dest/seed-$sum"
            done
    done
    echo "$target: $(ls "$dest" | wc -l) seed files in $dest"
done
