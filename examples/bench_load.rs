//! Fixed-rate (open-loop) load for latency percentiles (issue 7). Requests start on a fixed
//! schedule whatever the server does, and each latency is measured from the moment the request
//! was *due*, so a stalled server shows up in p99 (no coordinated omission).
//!
//! ```sh
//! bench_load BASE_URL health|current|complete|login RATE SECONDS [DIR]
//! ```
//!
//! `DIR` holds the files of `bench_seed tokens`: `current` picks a random resident's token per
//! request, `complete` completes each listed resident's current step once (in random order),
//! `login` signs a random resident in with the benchmark PIN. Prints one `LOAD …` line with the
//! status counts (409 counted apart; every 5xx and transport error is reported) and p50/p90/p99.

use anyhow::{Context, bail};
use rand::seq::SliceRandom;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PIN: &str = "482913";
const MAX_IN_FLIGHT: usize = 4096;

#[derive(Clone, Copy)]
enum Mode {
    Health,
    Current,
    Complete,
    Login,
}

fn lines(path: std::path::PathBuf) -> anyhow::Result<Vec<String>> {
    Ok(std::fs::read_to_string(&path)
        .with_context(|| format!("reading {}", path.display()))?
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        bail!("usage: bench_load BASE_URL health|current|complete|login RATE SECONDS [DIR]");
    }
    let base = args[1].trim_end_matches('/').to_owned();
    let mode = match args[2].as_str() {
        "health" => Mode::Health,
        "current" => Mode::Current,
        "complete" => Mode::Complete,
        "login" => Mode::Login,
        m => bail!("unknown mode {m}"),
    };
    let rate: f64 = args[3].parse()?;
    let seconds: f64 = args[4].parse()?;
    let dir = std::path::PathBuf::from(args.get(5).map_or(".", String::as_str));
    let mut rng = rand::rng();
    let data: Vec<String> = match mode {
        Mode::Health => vec![String::new()],
        Mode::Current => lines(dir.join("tokens.txt"))?,
        Mode::Complete => {
            let mut v = lines(dir.join("complete.txt"))?;
            v.shuffle(&mut rng);
            v
        }
        Mode::Login => lines(dir.join("logins.txt"))?,
    };
    if data.is_empty() {
        bail!("no input lines");
    }
    let total = (rate * seconds).round() as usize;
    if matches!(mode, Mode::Complete) && total > data.len() {
        eprintln!(
            "warning: {total} completions asked, {} residents with an open step: the rest repeat (409)",
            data.len()
        );
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(MAX_IN_FLIGHT)
        .timeout(Duration::from_secs(30))
        .build()?;
    let results: Arc<Mutex<Vec<(u16, f64)>>> = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let gate = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let interval = Duration::from_secs_f64(1.0 / rate);
    let mut tasks = Vec::with_capacity(total);
    let mut dropped = 0usize;
    for i in 0..total {
        let due = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due).await;
        let Ok(permit) = gate.clone().try_acquire_owned() else {
            dropped += 1;
            continue;
        };
        let line = match mode {
            Mode::Complete => data[i % data.len()].clone(),
            Mode::Health => String::new(),
            _ => data[rand::random_range(0..data.len())].clone(),
        };
        let req = match mode {
            Mode::Health => client.get(format!("{base}/health/live")),
            Mode::Current => client
                .get(format!("{base}/v1/me/steps/current"))
                .bearer_auth(&line),
            Mode::Complete => {
                let (token, step) = line.split_once(' ').context("complete.txt: token step")?;
                client
                    .post(format!("{base}/v1/me/steps/{step}/complete"))
                    .bearer_auth(token)
                    .header("idempotency-key", format!("bench-{step}"))
            }
            Mode::Login => client
                .post(format!("{base}/v1/auth/login"))
                .json(&serde_json::json!({"username": line, "password": PIN})),
        };
        let results = results.clone();
        let due_std: Instant = due.into_std();
        tasks.push(tokio::spawn(async move {
            let status = match req.send().await {
                Ok(res) => {
                    let s = res.status().as_u16();
                    let _ = res.bytes().await;
                    s
                }
                Err(_) => 0,
            };
            let ms = due_std.elapsed().as_secs_f64() * 1000.0;
            if let Ok(mut r) = results.lock() {
                r.push((status, ms));
            }
            drop(permit);
        }));
    }
    let wall = start.elapsed().as_secs_f64();
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(35), t).await;
    }
    let r = results.lock().map_err(|_| anyhow::anyhow!("lock"))?.clone();
    let count = |f: &dyn Fn(u16) -> bool| r.iter().filter(|(s, _)| f(*s)).count();
    let mut all: Vec<f64> = r.iter().map(|(_, ms)| *ms).collect();
    all.sort_by(f64::total_cmp);
    let mut ok: Vec<f64> = r
        .iter()
        .filter(|(s, _)| *s < 300 && *s > 0)
        .map(|(_, ms)| *ms)
        .collect();
    ok.sort_by(f64::total_cmp);
    let mut refused: Vec<f64> = r
        .iter()
        .filter(|(s, _)| *s == 429 || *s == 503)
        .map(|(_, ms)| *ms)
        .collect();
    refused.sort_by(f64::total_cmp);
    println!(
        "LOAD mode={} rate={rate} seconds={seconds} sent={} achieved_rps={:.0} s2xx={} s409={} s429={} s503={} s5xx_other={} s4xx_other={} transport_err={} dropped={dropped} p50_ms={:.2} p90_ms={:.2} p99_ms={:.2} max_ms={:.1} ok_p99_ms={:.2} refused_p50_ms={:.2} refused_p99_ms={:.2}",
        args[2],
        r.len(),
        r.len() as f64 / wall,
        count(&|s| (200..300).contains(&s)),
        count(&|s| s == 409),
        count(&|s| s == 429),
        count(&|s| s == 503),
        count(&|s| s >= 500 && s != 503),
        count(&|s| (400..500).contains(&s) && s != 409 && s != 429),
        count(&|s| s == 0),
        pct(&all, 0.5),
        pct(&all, 0.9),
        pct(&all, 0.99),
        pct(&all, 1.0),
        pct(&ok, 0.99),
        pct(&refused, 0.5),
        pct(&refused, 0.99),
    );
    Ok(())
}
