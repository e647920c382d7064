//! Prints criterion's results as markdown: one table per benchmark group with the median
//! time, the throughput and how many times faster keysplit's dispatched backend is.
//!
//! Usage: `bench-table <criterion directory>` (`$CARGO_TARGET_DIR/criterion`).
//! Only benchmarks of the latest run are read (`new/`); group order follows `ORDER`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Groups in the order the table shows them; others follow alphabetically.
const ORDER: &[&str] = &[
    "split 32 B 2-of-3",
    "combine 32 B from 2",
    "split 1 MiB 2-of-3",
    "combine 1 MiB from 2",
    "split 1 MiB 5-of-10",
    "combine 1 MiB from 5",
    "limits 1 MiB",
    "wallet",
];

struct Result {
    name: String,
    median_ns: f64,
    bytes: Option<f64>,
}

fn find_runs(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "new") {
                found.push(path);
            } else {
                find_runs(&path, found);
            }
        }
    }
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

fn format_time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn format_rate(bytes: f64, ns: f64) -> String {
    let per_second = bytes / (ns * 1e-9);
    if per_second >= 1e9 {
        format!("{:.2} GB/s", per_second / 1e9)
    } else {
        format!("{:.0} MB/s", per_second / 1e6)
    }
}

fn main() {
    let Some(root) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: bench-table <criterion directory>");
        std::process::exit(2);
    };
    let mut runs = Vec::new();
    find_runs(&root, &mut runs);
    let mut groups: BTreeMap<String, Vec<Result>> = BTreeMap::new();
    for run in runs {
        let (Some(meta), Some(estimates)) = (
            read_json(&run.join("benchmark.json")),
            read_json(&run.join("estimates.json")),
        ) else {
            continue;
        };
        let Some(median_ns) = estimates["median"]["point_estimate"].as_f64() else {
            continue;
        };
        let group = meta["group_id"].as_str().unwrap_or("?").to_string();
        let mut name = meta["function_id"].as_str().unwrap_or("?").to_string();
        if let Some(value) = meta["value_str"].as_str() {
            name = format!("{name} ({value})");
        }
        let bytes = meta["throughput"]["Bytes"].as_f64();
        groups.entry(group).or_default().push(Result {
            name,
            median_ns,
            bytes,
        });
    }
    if groups.is_empty() {
        eprintln!("no criterion results under {}", root.display());
        std::process::exit(1);
    }
    let mut names: Vec<&String> = groups.keys().collect();
    names.sort_by_key(|g| {
        (
            ORDER.iter().position(|o| o == g).unwrap_or(ORDER.len()),
            (*g).clone(),
        )
    });
    for group in names {
        let results = &groups[group];
        print_group(group, results);
    }
}

fn is_keysplit(name: &str) -> bool {
    name.starts_with("keysplit") || name.starts_with("mul_add") || name.contains("fill")
}

fn print_group(group: &str, results: &[Result]) {
    let reference = |prefix: &str| {
        results
            .iter()
            .find(|r| r.name.starts_with(&format!("{prefix} (dispatch=")))
    };
    let raw = reference("keysplit-raw");
    let envelope = reference("keysplit-envelope");
    let mut sorted: Vec<&Result> = results.iter().collect();
    // keysplit rows first, then the peers; fastest first within each.
    sorted.sort_by(|a, b| {
        is_keysplit(&b.name)
            .cmp(&is_keysplit(&a.name))
            .then(a.median_ns.total_cmp(&b.median_ns))
    });
    println!("\n### {group}\n");
    if raw.is_some() {
        println!("| implementation | median | throughput | keysplit-raw is faster by | keysplit-envelope is faster by |");
        println!("|---|---:|---:|---:|---:|");
    } else {
        println!("| what | median | throughput |");
        println!("|---|---:|---:|");
    }
    for r in &sorted {
        let rate = r
            .bytes
            .map(|b| format_rate(b, r.median_ns))
            .unwrap_or_default();
        match (raw, envelope) {
            (Some(raw), Some(envelope)) if !is_keysplit(&r.name) => println!(
                "| {} | {} | {} | {:.1}x | {:.1}x |",
                r.name,
                format_time(r.median_ns),
                rate,
                r.median_ns / raw.median_ns,
                r.median_ns / envelope.median_ns
            ),
            (Some(_), _) => println!(
                "| **{}** | {} | {} | | |",
                r.name,
                format_time(r.median_ns),
                rate
            ),
            _ => println!("| {} | {} | {} |", r.name, format_time(r.median_ns), rate),
        }
    }
    let fastest_peer = results
        .iter()
        .filter(|r| !is_keysplit(&r.name))
        .min_by(|a, b| a.median_ns.total_cmp(&b.median_ns));
    if let (Some(raw), Some(peer)) = (raw, fastest_peer) {
        let envelope_note = envelope
            .map(|e| format!(", envelope {:.1}x", peer.median_ns / e.median_ns))
            .unwrap_or_default();
        println!(
            "\nFastest peer: {} ({}); keysplit raw is {:.1}x faster{envelope_note}.",
            peer.name,
            format_time(peer.median_ns),
            peer.median_ns / raw.median_ns
        );
    }
}
