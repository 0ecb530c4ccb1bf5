#!/usr/bin/env bash
# Regenerates the values the book prints (book/src/generated/) from the frozen
# inputs in vectors/ (the published Illustrated TLS 1.2 connection and the seeded
# OpenSSL transcripts, replayed offline), then runs the book's test: every shell
# session in the book, including each `openssl` command that re-derives a value,
# is executed and its output compared with the page.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --example book_values
cargo test --quiet --test book
echo "book/src/generated is up to date and every session in the book prints what it shows"
