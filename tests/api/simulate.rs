//! `stapvoorstap simulate` as a researcher runs it: the real binary, a small cohort, its files.
//! The same flags give the same files; another seed gives others; what it writes is the
//! researcher's export (one plan row per resident, one decision row per decision point it
//! reports) with the run's truth beside it.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn simulate(out: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stapvoorstap"))
        .arg("simulate")
        .args([
            "--residents",
            "12",
            "--days",
            "21",
            "--proximal-effect",
            "3",
        ])
        .arg("--out")
        .arg(out)
        .args(extra)
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&read(dir, name)).unwrap()
}

#[test]
fn a_seeded_cohort_gives_the_same_exports_and_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    for (out, seed) in [(&a, "7"), (&b, "7"), (&c, "8")] {
        let run = simulate(out, &["--seed", seed]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    for file in ["plans.csv", "decisions.csv", "truth.json"] {
        assert_eq!(
            read(&a, file),
            read(&b, file),
            "{file} repeats with its seed"
        );
    }
    assert_ne!(
        read(&a, "decisions.csv"),
        read(&c, "decisions.csv"),
        "another seed, another cohort"
    );

    let plans = read(&a, "plans.csv");
    let mut lines = plans.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for col in ["plan", "arm", "status", "days_observed", "mrt_decisions"] {
        assert!(header.contains(&col), "plans.csv has {col}");
    }
    assert_eq!(lines.count(), 12, "one plan row per resident");

    let decisions = read(&a, "decisions.csv");
    let mut lines = decisions.lines();
    assert_eq!(
        lines.next().unwrap(),
        "decision,plan,arm,day,hour,kind,available,unavailable_reason,probability,sent,\
         completed_within_4h,completed_within_24h,active_within_24h"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let summary = json(&a, "summary.json");
    assert_eq!(
        rows.len() as u64,
        summary["decision_points"].as_u64().unwrap()
    );
    assert!(
        rows.len() > 50,
        "a cohort that gets reminders: {}",
        rows.len()
    );
    let sent = rows.iter().filter(|r| r[9] == "true").count();
    let withheld = rows.iter().filter(|r| r[9] == "false").count();
    assert!(
        sent > 0 && withheld > 0,
        "both sides of the draw: {sent} / {withheld}"
    );
    assert!(rows.iter().all(|r| r[2] == "dosed" || r[2] == "full_list"));
    assert!(summary["completions"].as_u64().unwrap() > 0);
    assert_eq!(summary["residents"], 12);

    let truth = json(&a, "truth.json");
    assert_eq!(truth["seed"], 7);
    assert_eq!(truth["proximal_effect"], 3.0);
    let effect = truth["excursion_effect_4h"].as_f64().unwrap();
    assert!(
        effect > 0.0 && effect < 1.0,
        "a boost after a reminder is a positive difference in chance: {effect}"
    );
}

#[test]
fn bad_flags_are_refused_with_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let run = simulate(dir.path(), &["--arms", "dosed,placebo"]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("--arms"), "{err}");
    assert!(!dir.path().join("plans.csv").exists(), "nothing written");
}
