//! The summary table printed after a criterion run: MB/s per implementation (from criterion's
//! own estimates, so the table and the detailed output agree) and the ratios the targets are
//! stated in.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Where criterion writes its estimates: `$CRITERION_HOME`, else `<target>/criterion` found
/// from this executable's path (`<target>/release/deps/<bench>-<hash>`).
pub(crate) fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.join("criterion")))
        .unwrap_or_else(|| PathBuf::from("target/criterion"))
}

/// Mean time per iteration in ns, if criterion measured `group/function` since `since`.
pub(crate) fn mean_ns(dir: &Path, group: &str, function: &str, since: SystemTime) -> Option<f64> {
    let path = dir.join(group).join(function).join("new/estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

/// One row of the table: a case and the bytes one iteration moves.
pub(crate) struct Row {
    pub(crate) case: &'static str,
    pub(crate) group: String,
    pub(crate) bytes: usize,
}

/// Prints the table for `rows` from criterion's estimates. Each of `ours` is compared with
/// the fastest of `peers` and with `ceiling` (if given). Rows not measured in this run are
/// skipped.
pub(crate) fn print(
    title: &str,
    rows: &[Row],
    ours: &[&str],
    peers: &[&str],
    ceiling: Option<&str>,
    since: SystemTime,
) {
    let dir = criterion_dir();
    let mut columns: Vec<&str> = ours.to_vec();
    columns.extend_from_slice(peers);
    columns.extend(ceiling);
    let rates: Vec<(&str, Vec<Option<f64>>)> = rows
        .iter()
        .map(|row| {
            let rates = columns
                .iter()
                .map(|f| mean_ns(&dir, &row.group, f, since).map(|ns| row.bytes as f64 * 1e3 / ns))
                .collect();
            (row.case, rates)
        })
        .collect();
    let title = format!("{title} (MB/s of wire bytes, 1 MB = 10^6 B; criterion mean, wall time)");
    let n = ours.len();
    print_table_of(&title, &columns, n, peers.len(), ceiling.is_some(), &rates);
}

/// Prints MB/s per column and the ratios: column 0 is ours, then `peers` peer columns, then
/// the ceiling if `ceiling`. Rows with no figure at all are skipped.
pub(crate) fn print_table(
    title: &str,
    columns: &[&str],
    peers: usize,
    ceiling: bool,
    rows: &[(&str, Vec<Option<f64>>)],
) {
    print_table_of(title, columns, 1, peers, ceiling, rows);
}

/// [`print_table`] with the first `ours` columns ours, each with its ratios; columns after
/// the ceiling (floors) are compared with the first of ours only (`plain vs floor`).
pub(crate) fn print_table_of(
    title: &str,
    columns: &[&str],
    ours: usize,
    peers: usize,
    ceiling: bool,
    rows: &[(&str, Vec<Option<f64>>)],
) {
    // The ratio columns' heads: `vs peer`, `vs ceil`, then `read-buf vs peer`, …
    let mut heads = Vec::new();
    for (i, own) in columns[..ours].iter().enumerate() {
        let tag = if i == 0 {
            String::new()
        } else {
            format!("{} ", own.trim_start_matches("sansocket-"))
        };
        for what in ["peer", "ceil"].iter().take(1 + usize::from(ceiling)) {
            heads.push(format!("{tag}vs {what}"));
        }
    }
    let extra = ours + peers + usize::from(ceiling);
    for own in &columns[extra..] {
        heads.push(format!("vs {own}"));
    }
    let mut lines = Vec::new();
    for (case, rates) in rows {
        if rates.iter().all(Option::is_none) {
            continue;
        }
        let mut line = format!("| {case:<16}");
        for (rate, c) in rates.iter().zip(columns) {
            let w = width(c);
            line += &match rate {
                Some(r) => format!("| {r:>w$.0} "),
                None => format!("| {:>w$} ", "-"),
            };
        }
        let best_peer = rates[ours..ours + peers]
            .iter()
            .flatten()
            .copied()
            .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
        let mut heads = heads.iter();
        for own in &rates[..ours] {
            let mut ratio = |other: Option<f64>| {
                let w = heads
                    .next()
                    .map_or(RATIO_WIDTH, |h| h.len().max(RATIO_WIDTH));
                match (own, other) {
                    (Some(a), Some(b)) => format!("{:>w$.2}x", a / b, w = w - 1),
                    _ => format!("{:>w$}", "-"),
                }
            };
            line += &format!("| {} ", ratio(best_peer));
            if ceiling {
                line += &format!("| {} ", ratio(rates[ours + peers]));
            }
        }
        for &floor in &rates[extra..] {
            let w = heads
                .next()
                .map_or(RATIO_WIDTH, |h| h.len().max(RATIO_WIDTH));
            line += &match (rates[0], floor) {
                (Some(a), Some(b)) => format!("| {:>w$.2}x ", a / b, w = w - 1),
                _ => format!("| {:>w$} ", "-"),
            };
        }
        line += "|";
        lines.push(line);
    }
    if lines.is_empty() {
        return;
    }
    println!("\n{title}\n");
    let mut head = format!("| {:<16}", "case");
    let mut rule = format!("|{:-<17}", "");
    for c in columns {
        let w = width(c);
        head += &format!("| {c:>w$} ");
        rule += &format!("|{}:", "-".repeat(w + 1));
    }
    for h in &heads {
        head += &format!("| {h:>RATIO_WIDTH$} ");
        rule += &format!("|{}:", "-".repeat(h.len().max(RATIO_WIDTH) + 1));
    }
    println!("{head}|\n{rule}|");
    for line in lines {
        println!("{line}");
    }
    println!(
        "\nvs peer = {} / fastest of ({}){}",
        columns[..ours].join(" or "),
        columns[ours..ours + peers].join(", "),
        if ceiling {
            "; vs ceil = ours / ceiling (copy + XOR only)"
        } else {
            ""
        }
    );
    for own in &columns[extra..] {
        println!("vs {own} = {} / {own}", columns[0]);
    }
}

/// Width of a ratio cell (`  2.08x`).
const RATIO_WIDTH: usize = 7;

fn width(column: &str) -> usize {
    column.len().max(9)
}
