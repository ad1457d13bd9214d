//! Parallel document uploads (issue 18): N phones each send one file to their own open step at
//! the same moment; prints throughput and latency. Watch the server's RSS while it runs (e.g.
//! `ps -o rss= -p PID` in a loop): it must not grow with the file size.
//!
//! ```sh
//! upload_load BASE_URL TARGETS_FILE FILE [N]
//! ```
//!
//! `TARGETS_FILE` has one `ACCESS_TOKEN STEP_ID` per line (residents with an open step whose
//! evidence is `photo` or `document`); `FILE` is a JPEG, PNG or PDF (e.g. a 5 MiB photo). Each
//! upload gets 16 random bytes appended (decoders ignore them), so none is a duplicate.

use anyhow::{Context, bail};
use rand::Rng;
use std::time::Instant;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        bail!("usage: upload_load BASE_URL TARGETS_FILE FILE [N]");
    }
    let base = args[1].trim_end_matches('/').to_owned();
    let targets: Vec<(String, String)> = std::fs::read_to_string(&args[2])
        .context("TARGETS_FILE")?
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
        })
        .collect();
    let file = std::fs::read(&args[3]).context("FILE")?;
    let n: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(20);
    if targets.len() < n {
        bail!("TARGETS_FILE has {} lines, need {n}", targets.len());
    }
    let client = reqwest::Client::new();
    let started = Instant::now();
    let tasks: Vec<_> = targets
        .into_iter()
        .take(n)
        .map(|(token, step)| {
            let mut body = file.clone();
            let mut tail = [0u8; 16];
            rand::rng().fill(&mut tail);
            body.extend_from_slice(&tail);
            let (client, url) = (
                client.clone(),
                format!("{base}/v1/me/steps/{step}/documents"),
            );
            tokio::spawn(async move {
                let t = Instant::now();
                let r = client.post(url).bearer_auth(token).body(body).send().await;
                (r.map(|r| r.status().as_u16()), t.elapsed())
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for t in tasks {
        match t.await? {
            (Ok(201 | 200), d) => latencies.push(d),
            (Ok(status), _) => {
                failures += 1;
                eprintln!("status {status}");
            }
            (Err(e), _) => {
                failures += 1;
                eprintln!("error {e}");
            }
        }
    }
    let total = started.elapsed();
    latencies.sort();
    let mib = (file.len() * latencies.len()) as f64 / (1024.0 * 1024.0);
    println!(
        "UPLOADS n={n} ok={} failed={failures} size={} B total={:.2}s throughput={:.1} MiB/s p50={:?} max={:?}",
        latencies.len(),
        file.len(),
        total.as_secs_f64(),
        mib / total.as_secs_f64(),
        latencies.get(latencies.len() / 2),
        latencies.last()
    );
    Ok(())
}
