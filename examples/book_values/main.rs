//! Regenerates `book/src/generated/`: the values the book prints, each next to the
//! `openssl` command that derives it again.
//!
//! ```text
//! cargo run --example book_values
//! ```
//!
//! Inputs are frozen and offline: the published Illustrated TLS 1.2 vector and the seeded
//! OpenSSL transcripts in `vectors/transcripts/`, replayed byte for byte (see `gen.rs`).
//! `tests/book.rs` fails when the committed files differ from what this writes, and runs
//! every command in them.

mod gen;

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = match gen::generate(root) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let dir = root.join("book/src/generated");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    // Remove files this run no longer writes, so nothing stale stays behind.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !files.contains_key(&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    for (name, text) in &files {
        if let Err(e) = std::fs::write(dir.join(name), text) {
            eprintln!("error: cannot write {name}: {e}");
            std::process::exit(1);
        }
        println!("wrote book/src/generated/{name}");
    }
}
