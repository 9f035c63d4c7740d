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

/// Prints the table for `rows` from criterion's estimates. `ours` is compared with the
/// fastest of `peers` and with `ceiling` (if given). Rows not measured in this run are
/// skipped.
pub(crate) fn print(
    title: &str,
    rows: &[Row],
    ours: &str,
    peers: &[&str],
    ceiling: Option<&str>,
    since: SystemTime,
) {
    let dir = criterion_dir();
    let mut columns: Vec<&str> = vec![ours];
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
    print_table(&title, &columns, peers.len(), ceiling.is_some(), &rates);
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
        let best_peer = rates[1..=peers]
            .iter()
            .flatten()
            .copied()
            .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
        let ratio = |other: Option<f64>| match (rates[0], other) {
            (Some(a), Some(b)) => format!("{:>6.2}x", a / b),
            _ => format!("{:>7}", "-"),
        };
        line += &format!("| {} ", ratio(best_peer));
        if ceiling {
            line += &format!("| {} ", ratio(rates[peers + 1]));
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
    head += "| vs peer ";
    rule += "|--------:";
    if ceiling {
        head += "| vs ceil ";
        rule += "|--------:";
    }
    println!("{head}|\n{rule}|");
    for line in lines {
        println!("{line}");
    }
    println!(
        "\nvs peer = {} / fastest of ({}){}",
        columns[0],
        columns[1..=peers].join(", "),
        if ceiling {
            "; vs ceil = ours / ceiling (copy + XOR only)"
        } else {
            ""
        }
    );
}

fn width(column: &str) -> usize {
    column.len().max(9)
}
