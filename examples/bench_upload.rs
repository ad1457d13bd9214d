//! Upload benchmark (issue 18): 20 phones send photos or PDFs at once, directly and with tus in
//! pieces, against the release server started here as a child process, so its memory is
//! its own. Prints throughput and the server's peak RSS per scenario, each next to a
//! baseline measured in the same run.
//!
//! ```sh
//! bench_upload PATH/TO/stapvoorstap OUT_DIR [CLIENTS] [ROUNDS]
//! ```
//!
//! Every scenario gets a freshly started server on the same SQLite database and folder store
//! (so memory one scenario kept does not count for the next): the idle RSS after a first
//! request is its baseline, then the peak (`VmHWM`, reset through `/proc/PID/clear_refs`
//! just before, and a 10 ms `VmRSS` sampler as a cross-check) while `CLIENTS` (20) residents
//! each upload `ROUNDS` (2) files one after another, all residents at once. Photos are
//! 12-megapixel JPEGs with noise (so they do not compress away), padded with random bytes
//! after the image to exactly the size named, and different in every upload (no duplicates).

use anyhow::{Context, bail};
use rand::Rng;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PIN: &str = "482913";
const ADMIN_EMAIL: &str = "admin@bench-upload.example";
const PASSWORD: &str = "Bench-Staff-Passw0rd-2026!";
const PORT: u16 = 18181;
const MIB: usize = 1024 * 1024;
const TUS_PIECE: usize = MIB;

struct Server {
    child: Child,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// One `JWT_SECRET` for every restart, so the residents' tokens stay valid.
static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn env_for(cmd: &mut Command, out: &Path) {
    let secret = SECRET.get_or_init(|| {
        let mut b = [0u8; 32];
        rand::rng().fill(&mut b);
        hex::encode(b)
    });
    cmd.env("JWT_SECRET", secret)
        .env("DATABASE_URL", out.join("bench-upload.db"))
        .env("DATA_DIR", out)
        .env("LISTEN_ADDR", format!("127.0.0.1:{PORT}"))
        .env("AUTH_RATE_PER_MINUTE", "0")
        .env("REMINDERS_ENABLED", "false")
        .env("DOCUMENTS_MAX_PLAN_BYTES", (64u64 << 30).to_string())
        .env("REQUEST_BODY_TIMEOUT", "120s")
        .env("RUST_LOG", "warn");
}

async fn start(bin: &Path, out: &Path, client: &reqwest::Client) -> anyhow::Result<Server> {
    let mut cmd = Command::new(bin);
    cmd.arg("serve");
    env_for(&mut cmd, out);
    let log = std::fs::File::create(out.join("server.log"))?;
    cmd.stdout(Stdio::null()).stderr(log);
    let server = Server {
        child: cmd.spawn().context("start the server")?,
    };
    for _ in 0..200 {
        if let Ok(r) = client.get(url("/health/ready")).send().await
            && r.status().is_success()
        {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!(
        "the server did not become ready; see {}",
        out.join("server.log").display()
    )
}

fn url(path: &str) -> String {
    format!("http://127.0.0.1:{PORT}{path}")
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let mut req = client.request(method, url(path)).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await?;
    let status = r.status();
    let text = r.text().await?;
    if !status.is_success() {
        bail!("{path}: {status} {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Residents with one open photo step each: (access token, step id).
async fn setup(
    bin: &Path,
    out: &Path,
    client: &reqwest::Client,
    n: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut cmd = Command::new(bin);
    cmd.args(["create-admin", "--email", ADMIN_EMAIL])
        .env("ADMIN_PASSWORD", PASSWORD)
        .stdout(Stdio::null());
    env_for(&mut cmd, out);
    if !cmd.status()?.success() {
        bail!("create-admin failed");
    }
    let _server = start(bin, out, client).await?;
    use reqwest::Method as M;
    let login = |u: &str, p: &str| {
        let body = json!({"username": u, "password": p});
        async move { call(client, M::POST, "/v1/auth/login", None, body).await }
    };
    let admin = login(ADMIN_EMAIL, PASSWORD).await?["access_token"]
        .as_str()
        .context("token")?
        .to_owned();
    let team = call(
        client,
        M::POST,
        "/v1/teams",
        Some(&admin),
        json!({"name": "Bench"}),
    )
    .await?["id"]
        .as_str()
        .context("team")?
        .to_owned();
    let cw_email = "caseworker@bench-upload.example";
    call(
        client,
        M::POST,
        "/v1/users",
        Some(&admin),
        json!({"email": cw_email, "display_name": "Bench", "role": "caseworker", "discipline": "generalist", "team_ids": [team], "password": PASSWORD}),
    )
    .await?;
    let cw = login(cw_email, PASSWORD).await?["access_token"]
        .as_str()
        .context("token")?
        .to_owned();
    let mut out_targets = Vec::new();
    for i in 0..n {
        let r = call(
            client,
            M::POST,
            "/v1/residents",
            Some(&cw),
            json!({"display_name": format!("Bewoner {i}"), "team_id": team}),
        )
        .await?;
        let rid = r["resident"]["id"]
            .as_str()
            .context("resident id")?
            .to_owned();
        let code = r["activation"]["activation_code"]
            .as_str()
            .context("code")?
            .to_owned();
        let act = call(
            client,
            M::POST,
            "/v1/auth/activate",
            None,
            json!({"code": code, "pin": PIN}),
        )
        .await?;
        let token = act["access_token"].as_str().context("token")?.to_owned();
        let plan = call(
            client,
            M::POST,
            &format!("/v1/residents/{rid}/plans"),
            Some(&cw),
            json!({"dose": 5, "items": ["start.postplek"]}),
        )
        .await?;
        let plan_id = plan["id"].as_str().context("plan")?.to_owned();
        call(
            client,
            M::POST,
            &format!("/v1/plans/{plan_id}/steps"),
            Some(&cw),
            json!({"category": "papieren", "title": {"nl": "Foto van je loonstrook", "en": "Photo of your payslip"}, "evidence": "photo"}),
        )
        .await?;
        let current = call(
            client,
            M::GET,
            "/v1/me/steps/current",
            Some(&token),
            Value::Null,
        )
        .await?;
        let step = current["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["evidence"] == "photo"))
            .and_then(|s| s["id"].as_str())
            .context("photo step")?
            .to_owned();
        out_targets.push((token, step));
    }
    Ok(out_targets)
}

/// A JPEG of `w`×`h` with noise of `amp` over a gradient.
fn noisy_jpeg(w: u32, h: u32, amp: u8) -> Vec<u8> {
    let mut rng = rand::rng();
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let base = [(x * 255 / w) as u8, (y * 255 / h) as u8, 128u8];
        let mut p = [0u8; 3];
        for (i, c) in base.iter().enumerate() {
            let n: i16 = if amp == 0 {
                0
            } else {
                rng.random_range(-(amp as i16)..=amp as i16)
            };
            p[i] = (i16::from(*c) + n).clamp(0, 255) as u8;
        }
        image::Rgb(p)
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("encode");
    out
}

/// A photo of `w`×`h` just under `size` bytes (noise found by bisection), padded with random
/// bytes after the image to exactly `size`.
fn photo_of(size: usize, w: u32, h: u32) -> Vec<u8> {
    let (mut lo, mut hi) = (0u8, 128u8);
    let mut best = noisy_jpeg(w, h, 0);
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        let j = noisy_jpeg(w, h, mid);
        if j.len() <= size {
            best = j;
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut rng = rand::rng();
    while best.len() < size {
        best.push(rng.random());
    }
    best
}

fn pdf_of(size: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut rng = rand::rng();
    out.resize(size, 0);
    rng.fill(&mut out[16..]);
    out
}

/// A copy of `file` whose last 16 bytes are random (a different file every upload).
fn unique(file: &[u8]) -> Vec<u8> {
    let mut f = file.to_vec();
    let n = f.len();
    rand::rng().fill(&mut f[n - 16..]);
    f
}

async fn upload_raw(
    client: &reqwest::Client,
    token: &str,
    step: &str,
    body: Vec<u8>,
) -> anyhow::Result<()> {
    let r = client
        .post(url(&format!("/v1/me/steps/{step}/documents")))
        .bearer_auth(token)
        .body(body)
        .send()
        .await?;
    let s = r.status();
    if s.as_u16() != 201 {
        bail!("raw upload: {s} {}", r.text().await.unwrap_or_default());
    }
    Ok(())
}

async fn upload_tus(
    client: &reqwest::Client,
    token: &str,
    step: &str,
    body: Vec<u8>,
) -> anyhow::Result<()> {
    let r = client
        .post(url(&format!("/v1/me/steps/{step}/uploads")))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", body.len().to_string())
        .send()
        .await?;
    if r.status().as_u16() != 201 {
        bail!("tus create: {}", r.status());
    }
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .context("Location")?
        .to_owned();
    let body = bytes::Bytes::from(body);
    let mut offset = 0;
    while offset < body.len() {
        let end = (offset + TUS_PIECE).min(body.len());
        let r = client
            .patch(url(&location))
            .bearer_auth(token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(body.slice(offset..end))
            .send()
            .await?;
        if r.status().as_u16() != 204 {
            bail!(
                "tus patch: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        offset = end;
        if offset == body.len() && r.headers().get("document-id").is_none() {
            bail!("tus: no Document-Id at the end");
        }
    }
    Ok(())
}

struct Outcome {
    name: String,
    file_bytes: usize,
    ok: usize,
    failed: usize,
    secs: f64,
    idle_kib: u64,
    peak_kib: u64,
    sampled_kib: u64,
}

impl Outcome {
    fn mib_s(&self) -> f64 {
        (self.file_bytes * self.ok) as f64 / MIB as f64 / self.secs
    }
}

#[allow(clippy::too_many_arguments)]
async fn scenario(
    bin: &Path,
    out: &Path,
    client: &reqwest::Client,
    targets: &[(String, String)],
    rounds: usize,
    name: &str,
    file: &[u8],
    tus: bool,
) -> anyhow::Result<Outcome> {
    let server = start(bin, out, client).await?;
    let pid = server.pid();
    // One request of each kind the scenario makes, so the idle figure includes a warm server.
    client.get(url("/health/ready")).send().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle_kib = status_kib(pid, "VmRSS:").unwrap_or(0);
    // Peak since now (Linux ≥ 4.0: "5" resets VmHWM to the current RSS).
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").context("reset VmHWM")?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut max = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                max = max.max(status_kib(pid, "VmRSS:").unwrap_or(0));
                std::thread::sleep(Duration::from_millis(10));
            }
            max
        })
    };
    let bodies: Vec<Vec<Vec<u8>>> = targets
        .iter()
        .map(|_| (0..rounds).map(|_| unique(file)).collect())
        .collect();
    let started = Instant::now();
    let tasks: Vec<_> = targets
        .iter()
        .cloned()
        .zip(bodies)
        .map(|((token, step), bodies)| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut results = Vec::new();
                for body in bodies {
                    let r = if tus {
                        upload_tus(&client, &token, &step, body).await
                    } else {
                        upload_raw(&client, &token, &step, body).await
                    };
                    results.push(r);
                }
                results
            })
        })
        .collect();
    let (mut ok, mut failed) = (0, 0);
    for t in tasks {
        for r in t.await? {
            match r {
                Ok(()) => ok += 1,
                Err(e) => {
                    failed += 1;
                    eprintln!("{name}: {e}");
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let peak_kib = status_kib(pid, "VmHWM:").unwrap_or(0);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sampled_kib = sampler.join().unwrap_or(0);
    drop(server);
    Ok(Outcome {
        name: name.to_owned(),
        file_bytes: file.len(),
        ok,
        failed,
        secs,
        idle_kib,
        peak_kib,
        sampled_kib,
    })
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        bail!("usage: bench_upload PATH/TO/stapvoorstap OUT_DIR [CLIENTS] [ROUNDS]");
    }
    let bin = PathBuf::from(&args[1]);
    let out = PathBuf::from(&args[2]);
    let clients: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(20);
    let rounds: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(2);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(300))
        .build()?;
    let targets = setup(&bin, &out, &client, clients).await?;
    eprintln!("generating files");
    let small = photo_of(50 * 1024, 640, 480);
    let photo1 = photo_of(MIB, 4000, 3000);
    let photo5 = photo_of(5 * MIB, 4000, 3000);
    let pdf1 = pdf_of(MIB);
    let pdf5 = pdf_of(5 * MIB);
    let plan: Vec<(&str, &[u8], bool)> = vec![
        ("raw jpeg 50 KiB (baseline)", &small, false),
        ("raw jpeg 1 MiB 12 MP", &photo1, false),
        ("raw jpeg 5 MiB 12 MP", &photo5, false),
        ("tus jpeg 5 MiB 12 MP, 1 MiB pieces", &photo5, true),
        ("raw pdf 1 MiB", &pdf1, false),
        ("raw pdf 5 MiB", &pdf5, false),
        ("tus pdf 5 MiB, 1 MiB pieces", &pdf5, true),
    ];
    let mut results = Vec::new();
    for (name, file, tus) in plan {
        eprintln!("scenario: {name}");
        let r = scenario(&bin, &out, &client, &targets, rounds, name, file, tus).await?;
        println!(
            "UPLOAD scenario=\"{}\" clients={clients} files={} failed={} file_bytes={} secs={:.2} mib_s={:.1} idle_rss_kib={} peak_rss_kib={} sampled_max_rss_kib={}",
            r.name,
            r.ok,
            r.failed,
            r.file_bytes,
            r.secs,
            r.mib_s(),
            r.idle_kib,
            r.peak_kib,
            r.sampled_kib
        );
        results.push(r);
    }
    let base = &results[0];
    println!();
    println!(
        "| scenario ({clients} clients × {rounds} files) | files ok | MiB/s | vs 50 KiB baseline | idle RSS MiB | peak RSS MiB | peak / idle |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for r in &results {
        println!(
            "| {} | {}/{} | {:.1} | {:.2}× | {:.1} | {:.1} | {:.2}× |",
            r.name,
            r.ok,
            r.ok + r.failed,
            r.mib_s(),
            r.mib_s() / base.mib_s(),
            r.idle_kib as f64 / 1024.0,
            r.peak_kib as f64 / 1024.0,
            r.peak_kib as f64 / r.idle_kib.max(1) as f64
        );
    }
    let by = |n: &str| results.iter().find(|r| r.name.starts_with(n));
    if let (Some(a), Some(b)) = (by("raw jpeg 1 MiB"), by("raw jpeg 5 MiB")) {
        println!(
            "\npeak RSS, 5 MiB vs 1 MiB photos (same 12 MP): {:.2}×",
            b.peak_kib as f64 / a.peak_kib.max(1) as f64
        );
    }
    if let (Some(a), Some(b)) = (by("raw pdf 1 MiB"), by("raw pdf 5 MiB")) {
        println!(
            "peak RSS, 5 MiB vs 1 MiB PDFs: {:.2}×",
            b.peak_kib as f64 / a.peak_kib.max(1) as f64
        );
    }
    Ok(())
}
