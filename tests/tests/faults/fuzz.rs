//! The fuzz targets of `wharf_tests::fuzz` on stable Rust: the corpus in
//! `tests/fuzz/corpus/<target>/` is replayed (every crash ever found is kept there, so
//! it stays a regression test), then mutated for `WHARF_FUZZ_SECS` seconds per target
//! (default 3). An input that panics is written to the corpus as `crash-<hash>` and the
//! test fails naming it. With nightly, `cargo fuzz run <target>` in `crates/wharf/fuzz`
//! runs the same functions under libFuzzer, on the same corpus.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use wharf_tests::faults::{Lcg, Row, Sample};
use wharf_tests::fuzz::TARGETS;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<_> = std::fs::read_dir(corpus_dir(target))
        .unwrap_or_else(|e| panic!("the corpus of {target}: {e}"))
        .map(|f| f.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// A mutation of `input`: bytes flipped, inserted, removed, or spliced from `other`.
fn mutate(rng: &mut Lcg, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() as u64 + 1) as usize;
        match rng.below(6) {
            0 if at < out.len() => out[at] ^= 1 << rng.below(8),
            1 => out.insert(at, rng.below(256) as u8),
            2 if at < out.len() => drop(out.remove(at)),
            3 => {
                // an "interesting" byte: frame and line boundaries, JSON, URL syntax
                const BYTES: &[u8] = b"\x00\x01\x02\xff\n\r{}[]\":,/@[]%\\";
                out.insert(at, BYTES[rng.below(BYTES.len() as u64) as usize]);
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len() as u64) as usize;
                let len = rng.below((other.len() - from) as u64 + 1) as usize;
                out.splice(at..at, other[from..from + len].iter().copied());
            }
            _ => out.truncate(at),
        }
    }
    out
}

/// Runs `target` on `input`; a panic is saved to the corpus and fails the test.
fn run(name: &str, target: fn(&[u8]), input: &[u8]) {
    if std::panic::catch_unwind(|| target(input)).is_err() {
        use sha2::Digest;
        let hash: String = sha2::Sha256::digest(input)[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = corpus_dir(name).join(format!("crash-{hash}"));
        let _ = std::fs::write(&path, input);
        panic!(
            "fuzz target {name} panicked on {input:?}; saved as {} (keep it: it is a \
             regression test once fixed)",
            path.display()
        );
    }
}

#[test]
fn fuzz_targets_on_their_corpus_and_mutations() {
    let _serial = crate::support::serial();
    let secs: u64 = std::env::var("WHARF_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let mut rng = Lcg::from_env("fuzz");
    for (name, target) in TARGETS {
        let before = Sample::now();
        let seeds = corpus(name);
        assert!(!seeds.is_empty(), "{name}: empty corpus");
        for seed in &seeds {
            run(name, *target, seed);
        }
        let end = Instant::now() + Duration::from_secs(secs);
        let mut runs = 0u64;
        while Instant::now() < end {
            let a = &seeds[rng.below(seeds.len() as u64) as usize];
            let b = &seeds[rng.below(seeds.len() as u64) as usize];
            let input = if rng.below(8) == 0 {
                (0..rng.below(256)).map(|_| rng.below(256) as u8).collect()
            } else {
                mutate(&mut rng, a, b)
            };
            run(name, *target, &input);
            runs += 1;
        }
        Row::new(&format!("fuzz {name} ({secs} s)"), "in memory", before)
            .outcome(format!(
                "ok: {} corpus inputs, {runs} mutations, no panic",
                seeds.len()
            ))
            .record();
    }
}
