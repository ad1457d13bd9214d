//! Command-line administration: creating the first admin account.

use crate::auth::password::Hasher;
use crate::config::Settings;
use crate::db::{self, users};
use crate::domain::credentials::{STAFF_PASSWORD_MIN, check_password};
use crate::domain::kinds::{Language, Role};
use secrecy::{ExposeSecret, SecretString};

/// Creates an admin account; refuses a weak password or a taken email with a clear message.
pub async fn create_admin(
    settings: &Settings,
    email: &str,
    password: SecretString,
) -> anyhow::Result<String> {
    let email = crate::wire::validate::email("email", email).map_err(|e| anyhow::anyhow!("{e}"))?;
    check_password(password.expose_secret(), STAFF_PASSWORD_MIN)
        .map_err(|m| anyhow::anyhow!("the password is too weak: {m}"))?;
    let hasher = Hasher::new(1, std::time::Duration::from_secs(30))?;
    let phc = hasher
        .hash(password)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let pool = db::build_pool(settings)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    if users::find_user_by_email(&mut conn, &email)?.is_some() {
        anyhow::bail!("an account with email {email} already exists");
    }
    let now = db::now();
    let id = db::new_id();
    users::insert_user(
        &mut conn,
        &users::NewUser {
            id: &id,
            role: Role::Admin.as_str(),
            display_name: "Admin",
            email: Some(&email),
            login_name: None,
            discipline: None,
            team_id: None,
            language: Language::Nl.as_str(),
            password_hash: Some(&phc),
            failed_logins: 0,
            created_by: None,
            created_at: now,
            updated_at: now,
        },
    )?;
    Ok(id)
}
