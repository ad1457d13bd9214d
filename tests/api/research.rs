//! Research evidence: evaluation arms, pseudonymised rows and suppressed aggregates, the
//! handover file, and a researcher who can reach nothing personal.

use crate::backend_test;
use serde_json::json;

backend_test!(a_researcher_reaches_no_personal_endpoint, |app| {
    let w = app.world().await;
    let plan = app
        .post(
            &format!("/v1/residents/{}/plans", w.resident_a.id),
            Some(&w.caseworker_a.token),
            &json!({}),
        )
        .await
        .value();
    let plan_id = plan["id"].as_str().unwrap();
    let personal = [
        "/v1/residents".to_owned(),
        format!("/v1/residents/{}", w.resident_a.id),
        format!("/v1/plans/{plan_id}"),
        format!("/v1/plans/{plan_id}/events"),
        format!("/v1/plans/{plan_id}/reminders"),
        format!("/v1/plans/{plan_id}/pulse"),
        format!("/v1/plans/{plan_id}/handover"),
        "/v1/me/steps/current".to_owned(),
        "/v1/me/progress".to_owned(),
        "/v1/me/steps/done".to_owned(),
        "/v1/me/export".to_owned(),
        "/v1/me/assigned-steps".to_owned(),
        "/v1/audit".to_owned(),
        "/v1/users".to_owned(),
        "/v1/templates".to_owned(),
    ];
    for path in personal {
        let reply = app.get(&path, Some(&w.researcher.token)).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.text());
    }
    // And nobody but researchers reads the research data.
    for t in [
        &w.caseworker_a.token,
        &w.admin.token,
        &w.resident_a.token,
        &w.volunteer.token,
    ] {
        app.get("/v1/research/plans", Some(t))
            .await
            .assert_problem(403, "forbidden");
        app.get("/v1/research/summary", Some(t))
            .await
            .assert_problem(403, "forbidden");
    }
});

backend_test!(
    research_rows_are_pseudonymous_and_small_groups_suppressed,
    |app| {
        let w = app.world().await;
        // Five plans in team A (a group that may be shown), one in team B (suppressed).
        let mut residents = vec![w.resident_a.clone()];
        for name in ["Anouk", "Bilal", "Chantal", "Dirk"] {
            residents.push(app.resident(&w.caseworker_a, &w.team_a, name).await);
        }
        for r in &residents {
            app.post(
                &format!("/v1/residents/{}/plans", r.id),
                Some(&w.caseworker_a.token),
                &json!({"items": ["start.postplek", "start.post_openen", "pap.inkomen"]}),
            )
            .await
            .assert_status(201);
        }
        app.post(
            &format!("/v1/residents/{}/plans", w.resident_b.id),
            Some(&w.caseworker_b.token),
            &json!({}),
        )
        .await
        .assert_status(201);
        // Free text that must never reach research: a note and a custom step naming the resident.
        let current = app
            .get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await
            .value();
        let step = current["steps"][0]["id"].as_str().unwrap();
        app.post(
            &format!("/v1/me/steps/{step}/complete"),
            Some(&w.resident_a.token),
            &json!({"note": "Notitie van Fatima over haar schuld"}),
        )
        .await
        .assert_status(200);
        app.post(
            &format!("/v1/me/steps/{step}/mood"),
            Some(&w.resident_a.token),
            &json!({"score": 4}),
        )
        .await
        .assert_status(204);

        let reply = app
            .get("/v1/research/plans", Some(&w.researcher.token))
            .await;
        reply.assert_status(200);
        let text = reply.text();
        let rows = reply.value()["items"].clone();
        assert_eq!(rows.as_array().unwrap().len(), 6);
        for needle in [
            "Fatima",
            "Joris",
            "Anouk",
            "Notitie",
            "schuld",
            w.resident_a.id.as_str(),
            w.team_a.as_str(),
            "2026-11-2",
        ] {
            assert!(!text.contains(needle), "research data contains {needle:?}");
        }
        let mine = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["mood_answers"] == 1)
            .unwrap();
        assert_eq!(mine["mood_mean"], 4.0);
        assert_eq!(mine["resident_steps_done"], 1);
        assert!(mine["start_week"].as_str().unwrap().contains("-W"));
        assert_eq!(mine["arm"], "dosed");
        // Pseudonyms are stable between exports.
        let again = app
            .get("/v1/research/plans", Some(&w.researcher.token))
            .await
            .value()["items"]
            .clone();
        assert_eq!(rows[0]["plan"], again[0]["plan"]);
        // CSV with the same rows.
        let csv = app
            .send(
                app.client
                    .get(app.url("/v1/research/plans"))
                    .bearer_auth(&w.researcher.token)
                    .header("accept", "text/csv"),
            )
            .await;
        csv.assert_status(200);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        let csv_text = csv.text();
        let lines: Vec<&str> = csv_text.lines().collect();
        assert_eq!(lines.len(), 7);
        let columns = lines[0].split(',').count();
        assert!(
            lines.iter().all(|l| l.split(',').count() == columns),
            "every row has every column"
        );
        // Aggregates: team A's five plans are shown, team B's single plan is suppressed.
        let summary = app
            .get("/v1/research/summary", Some(&w.researcher.token))
            .await
            .value();
        let groups = summary.as_array().unwrap();
        assert_eq!(groups.len(), 2);
        assert!(
            groups
                .iter()
                .any(|g| g["plans"] == 5 && g["suppressed"] == false)
        );
        assert!(groups.iter().any(|g| g["suppressed"] == true
            && g["plans"].is_null()
            && g["dropout_rate"].is_null()));
    }
);

backend_test!(
    teams_choose_arms_and_the_full_list_shows_everything,
    |app| {
        let w = app.world().await;
        let team = app
            .method_json(
                reqwest::Method::PATCH,
                &format!("/v1/teams/{}", w.team_a),
                Some(&w.admin.token),
                &json!({"arm_policy": "full_list"}),
            )
            .await;
        team.assert_status(200);
        assert_eq!(team.value()["arm_policy"], "full_list");
        let plan = app
            .post(
                &format!("/v1/residents/{}/plans", w.resident_a.id),
                Some(&w.caseworker_a.token),
                &json!({}),
            )
            .await
            .value();
        assert_eq!(
            (plan["arm"].as_str(), plan["arm_randomised"].as_bool()),
            (Some("full_list"), Some(false))
        );
        let current = app
            .get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await
            .value();
        assert_eq!(current["arm"], "full_list");
        assert!(
            current["steps"].as_array().unwrap().len() > 15,
            "the whole list at once"
        );
        // Randomised: the draw is recorded on the plan and on the timeline.
        app.method_json(
            reqwest::Method::PATCH,
            &format!("/v1/teams/{}", w.team_b),
            Some(&w.admin.token),
            &json!({"arm_policy": "randomised"}),
        )
        .await
        .assert_status(200);
        let plan = app
            .post(
                &format!("/v1/residents/{}/plans", w.resident_b.id),
                Some(&w.caseworker_b.token),
                &json!({}),
            )
            .await
            .value();
        assert_eq!(plan["arm_randomised"], true);
        let events = app
            .get(
                &format!("/v1/plans/{}/events", plan["id"].as_str().unwrap()),
                Some(&w.caseworker_b.token),
            )
            .await
            .value()["items"]
            .clone();
        assert!(
            events
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "arm_assigned")
        );
        app.method_json(
            reqwest::Method::PATCH,
            &format!("/v1/teams/{}", w.team_a),
            Some(&w.caseworker_a.token),
            &json!({"arm_policy": "dosed"}),
        )
        .await
        .assert_problem(403, "forbidden");
        app.method_json(
            reqwest::Method::PATCH,
            &format!("/v1/teams/{}", w.team_a),
            Some(&w.admin.token),
            &json!({"arm_policy": "coin"}),
        )
        .await
        .assert_problem(422, "validation_failed");
    }
);

backend_test!(handover_lists_documents_as_json_and_pdf, |app| {
    let w = app.world().await;
    let plan = app
        .post(
            &format!("/v1/residents/{}/plans", w.resident_a.id),
            Some(&w.caseworker_a.token),
            &json!({"intake": {"renter": true}}),
        )
        .await
        .value();
    let url = format!("/v1/plans/{}/handover", plan["id"].as_str().unwrap());
    let h = app.get(&url, Some(&w.caseworker_a.token)).await;
    h.assert_status(200);
    let v = h.value();
    let items = v["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["key"] == "pap.bank" && i["state"] == "missing")
    );
    assert!(
        items
            .iter()
            .any(|i| i["key"] == "pap.auto" && i["state"] == "not_applicable")
    );
    assert_eq!(v["criteria"].as_array().unwrap().len(), 8);
    let pdf = app
        .send(
            app.client
                .get(app.url(&url))
                .bearer_auth(&w.caseworker_a.token)
                .header("accept", "application/pdf"),
        )
        .await;
    pdf.assert_status(200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.body.starts_with(b"%PDF-"), "a PDF");
    app.get(&url, Some(&w.caseworker_b.token))
        .await
        .assert_problem(404, "not_found");
});

/// The text of a PDF as `pdftotext -layout` (Debian `poppler-utils`) reads it, with runs of
/// white space made one space.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("overdracht.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext runs (install Debian's poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

backend_test!(handover_pdf_has_every_checklist_line_in_unicode, |app| {
    let w = app.world().await;
    let plan = app
        .post(
            &format!("/v1/residents/{}/plans", w.resident_a.id),
            Some(&w.caseworker_a.token),
            &json!({"intake": {"renter": true}}),
        )
        .await
        .value();
    let plan_id = plan["id"].as_str().unwrap();
    for (title, evidence) in [
        ("Beslissing afwachten: dat duurt 2–3 maanden", "document"),
        ("Bewijs van de toeslag van € 120 per maand", "document"),
        ("Brief van de werkgever van Ayşe", "photo"),
        ("Loonstrook van Łukasz (Wrocław)", "document"),
        (
            "Een lange titel die zeker over twee regels van de lijst loopt, zo gaat dat nu",
            "document",
        ),
    ] {
        app.post(
            &format!("/v1/plans/{plan_id}/steps"),
            Some(&w.caseworker_a.token),
            &json!({"category": "papieren", "title": {"nl": title}, "evidence": evidence}),
        )
        .await
        .assert_status(201);
    }
    let url = format!("/v1/plans/{plan_id}/handover");
    let json = app.get(&url, Some(&w.caseworker_a.token)).await.value();
    let pdf = app
        .send(
            app.client
                .get(app.url(&url))
                .bearer_auth(&w.caseworker_a.token)
                .header("accept", "application/pdf"),
        )
        .await;
    pdf.assert_status(200);
    let text = pdf_text(&pdf.body);
    assert!(text.contains("Overdracht stabilisatiefase"), "{text}");
    let items = json["items"].as_array().unwrap();
    assert!(items.len() > 10, "a real checklist: {}", items.len());
    for item in items {
        let label = match item["state"].as_str().unwrap() {
            "checked" => "gecontroleerd",
            "received" => "ontvangen",
            "not_applicable" => "n.v.t.",
            _ => "ontbreekt",
        };
        let line = format!("{label} {}", item["title"].as_str().unwrap());
        assert!(text.contains(&line), "missing from the PDF: {line}\n{text}");
    }
    for c in json["criteria"].as_array().unwrap() {
        let line = format!(
            "{} {}",
            c["code"].as_str().unwrap(),
            c["name"].as_str().unwrap()
        );
        assert!(text.contains(&line), "missing criterion: {line}");
    }
    for exact in ["2–3 maanden", "€ 120", "Ayşe", "Łukasz (Wrocław)"] {
        assert!(text.contains(exact), "{exact} printed as typed");
    }
    assert!(!text.contains('\u{fffd}'), "no replaced characters: {text}");
});
