//! The server's process tree in /proc: CPU time and resident memory of the server process
//! and all its descendants (a launcher's children count).

use std::collections::HashMap;
use std::fs;

/// Clock ticks per second of /proc/PID/stat (`USER_HZ`, 100 on Linux).
const TICKS: f64 = 100.0;
/// Page size of /proc/PID/statm.
const PAGE: u64 = 4096;

/// The fields after the command name of /proc/PID/stat (field 3, the state, is index 0).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = text.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// `pid` and every process descending from it.
pub(crate) fn tree(pid: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(dir) = fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(ppid) = stat_fields(child).and_then(|f| f.get(1)?.parse::<u32>().ok()) {
                children.entry(ppid).or_default().push(child);
            }
        }
    }
    let mut all = vec![pid];
    let mut i = 0;
    while i < all.len() {
        if let Some(kids) = children.get(&all[i]) {
            all.extend(kids);
        }
        i += 1;
    }
    all
}

/// CPU seconds used so far by the process `pid`: the time its live threads ran, in
/// nanoseconds from /proc/PID/task/*/schedstat (the ticks of utime + stime in /proc/PID/stat,
/// 10 ms each, are too coarse for a short column), or from /proc/PID/stat where there is no
/// schedstat.
pub(crate) fn cpu_seconds(pid: u32) -> f64 {
    let ran = |path: std::path::PathBuf| -> Option<u64> {
        fs::read_to_string(path.join("schedstat"))
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let threads: Vec<u64> = fs::read_dir(format!("/proc/{pid}/task"))
        .map(|dir| dir.flatten().filter_map(|t| ran(t.path())).collect())
        .unwrap_or_default();
    if threads.iter().any(|&ns| ns > 0) {
        return threads.iter().sum::<u64>() as f64 / 1e9;
    }
    stat_fields(pid).map_or(0.0, |f| {
        let t = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        (t(11) + t(12)) as f64 / TICKS
    })
}

/// User plus system CPU seconds used so far by the tree of `pid`.
pub(crate) fn tree_cpu_seconds(pid: u32) -> f64 {
    tree(pid).into_iter().map(cpu_seconds).sum()
}

/// Resident bytes of the tree of `pid`.
pub(crate) fn tree_rss_bytes(pid: u32) -> u64 {
    tree(pid)
        .into_iter()
        .filter_map(|p| fs::read_to_string(format!("/proc/{p}/statm")).ok())
        .filter_map(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|pages| pages * PAGE)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        assert!(tree(me).contains(&me));
        assert!(tree_rss_bytes(me) > 0);
        assert!(tree_cpu_seconds(me) >= 0.0);
    }
}
