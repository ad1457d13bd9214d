//! `serve --demo` seeds through the API, once, and refuses real data.

use crate::backend_test;

backend_test!(demo_seeds_once_and_refuses_real_data, |app| {
    assert!(
        stapvoorstap::demo::check_database(&app.state.pool)
            .unwrap()
            .is_none()
    );
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let text = stapvoorstap::demo::seed(&app.settings, &app.state.pool, port)
        .await
        .unwrap();
    // Seeded again: the stored credentials come back instead of a second seeding.
    assert_eq!(
        stapvoorstap::demo::check_database(&app.state.pool).unwrap(),
        Some(text.clone())
    );
    // Every printed login works; residents see a dosed plan (Joris is further along).
    let caseworker = app
        .login(
            "sanne@demo.stapvoorstap.nl",
            stapvoorstap::demo::DEMO_PASSWORD,
        )
        .await;
    let residents = app
        .get("/v1/residents", Some(&caseworker.token))
        .await
        .value()["items"]
        .clone();
    assert_eq!(residents.as_array().unwrap().len(), 2);
    for line in text
        .lines()
        .filter(|l| l.trim_start().starts_with("resident"))
    {
        let login = line.split_whitespace().nth(1).unwrap();
        let r = app.login(login, stapvoorstap::demo::DEMO_PIN).await;
        let current = app
            .get("/v1/me/steps/current", Some(&r.token))
            .await
            .value();
        assert!(
            !current["steps"].as_array().unwrap().is_empty(),
            "{current}"
        );
    }
});

backend_test!(demo_refuses_a_database_with_real_accounts, |app| {
    app.admin().await;
    let err = stapvoorstap::demo::check_database(&app.state.pool).unwrap_err();
    assert!(err.to_string().contains("refuses"), "{err}");
});
