//! Staff e-mail: the daily worklist digest and the crisis alert, sent over SMTP with lettre.
//!
//! The texts are generic on purpose: counts per kind, a greeting with the caseworker's first
//! name and a link to the console. No resident names, no step texts, no debt details: an
//! e-mail leaves the service's control (forwarded, read on a shared screen, stored by a mail
//! provider). Bodies and addresses are never logged.

use crate::config::{Settings, SmtpTls};
use crate::domain::kinds::Language;
use crate::domain::worklist::WorklistKind;
use crate::i18n::Msg;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::time::Duration;

/// How long one SMTP exchange may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// A composed e-mail: subject and plain-text body in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub lang: Language,
    pub subject: String,
    pub body: String,
}

/// The first word of a display name: the only name an e-mail carries.
pub fn first_name(display_name: &str) -> &str {
    display_name.split_whitespace().next().unwrap_or("")
}

/// The link to the staff console.
pub fn console_url(public_base_url: &str) -> String {
    format!("{}/console/", public_base_url.trim_end_matches('/'))
}

/// The daily digest: a count per kind that has items, in worklist order.
pub fn digest(
    lang: Language,
    first_name: &str,
    counts: &[(WorklistKind, u32)],
    url: &str,
) -> Letter {
    let total: u32 = counts.iter().map(|(_, n)| n).sum();
    let mut body = String::new();
    body.push_str(
        &Msg::MailGreeting {
            name: first_name.to_owned(),
        }
        .text(lang),
    );
    body.push_str("\n\n");
    body.push_str(&Msg::MailDigestIntro.text(lang));
    body.push('\n');
    for (kind, n) in counts.iter().filter(|(_, n)| *n > 0) {
        body.push_str("- ");
        body.push_str(
            &Msg::MailKindCount {
                kind: *kind,
                count: *n,
            }
            .text(lang),
        );
        body.push('\n');
    }
    body.push('\n');
    sign_off(&mut body, lang, url);
    Letter {
        lang,
        subject: Msg::MailDigestSubject { total }.text(lang).into_owned(),
        body,
    }
}

/// The end of every staff e-mail: the link to the console, then the signature.
fn sign_off(body: &mut String, lang: Language, url: &str) {
    body.push_str(
        &Msg::MailOpenConsole {
            url: url.to_owned(),
        }
        .text(lang),
    );
    body.push_str("\n\n-- \n");
    body.push_str(&Msg::MailFooter.text(lang));
    body.push('\n');
}

/// The alert that a crisis opened for a resident of the caseworker's team.
pub fn crisis(lang: Language, first_name: &str, url: &str) -> Letter {
    let mut body = String::new();
    body.push_str(
        &Msg::MailGreeting {
            name: first_name.to_owned(),
        }
        .text(lang),
    );
    body.push_str("\n\n");
    body.push_str(&Msg::MailCrisisBody.text(lang));
    body.push_str("\n\n");
    sign_off(&mut body, lang, url);
    Letter {
        lang,
        subject: Msg::MailCrisisSubject.text(lang).into_owned(),
        body,
    }
}

/// Why an e-mail did not go out. Carries no server text (it may echo the address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The stored address cannot be written as a mailbox.
    #[error("recipient address not usable")]
    Address,
    /// The server refused for good (5xx).
    #[error("the SMTP server refused the message")]
    Permanent,
    /// Worth another try later (4xx, connection, TLS, timeout).
    #[error("the SMTP server could not be reached or asked to try later")]
    Transient,
}

impl MailError {
    /// The short code stored as `last_error`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Address => "mail_address",
            Self::Permanent => "smtp_permanent",
            Self::Transient => "smtp_transient",
        }
    }
}

/// An SMTP client with the sender address.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The mailer of these settings; `None` when `SMTP_HOST` is not set.
    pub fn from_settings(s: &Settings) -> anyhow::Result<Option<Self>> {
        let Some(host) = s.smtp_host.as_deref() else {
            return Ok(None);
        };
        let from: Mailbox = s
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM {:?} is not an address: {e}", s.mail_from))?;
        let builder = match s.smtp_tls {
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| anyhow::anyhow!("SMTP_HOST {host:?}: {e}"))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| anyhow::anyhow!("SMTP_HOST {host:?}: {e}"))?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let port = s.smtp_port.unwrap_or(match s.smtp_tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        });
        let mut builder = builder.port(port).timeout(Some(SMTP_TIMEOUT));
        if let (Some(user), Some(password)) = (&s.smtp_username, &s.smtp_password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        tracing::info!(host, port, tls = ?s.smtp_tls, "staff e-mail goes out over SMTP");
        Ok(Some(Self {
            transport: builder.build(),
            from,
        }))
    }

    /// Sends one letter to `to`.
    pub async fn send(&self, to: &str, letter: &Letter) -> Result<(), MailError> {
        let to: Mailbox = to.parse().map_err(|_| MailError::Address)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Content-Language"),
                letter.lang.as_str().to_owned(),
            ))
            .body(letter.body.clone())
            .map_err(|_| MailError::Address)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(MailError::Permanent),
            Err(_) => Err(MailError::Transient),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_has_counts_a_link_and_no_names_but_the_first() {
        let counts = [
            (WorklistKind::Crisis, 1),
            (WorklistKind::HelpRequested, 0),
            (WorklistKind::Snoozed, 2),
        ];
        let url = console_url("https://svs.example/");
        assert_eq!(url, "https://svs.example/console/");
        let nl = digest(Language::Nl, first_name("Anna de Vries"), &counts, &url);
        assert!(nl.body.starts_with("Hoi Anna,"), "{}", nl.body);
        assert!(!nl.body.contains("Vries"));
        assert!(nl.body.contains(&url));
        assert!(nl.body.contains(": 1") && nl.body.contains(": 2"));
        assert_eq!(
            nl.body.matches("\n- ").count(),
            2,
            "kinds without items are left out"
        );
        let en = digest(Language::En, "Anna", &counts, &url);
        assert_ne!(nl.subject, en.subject);
        assert!(en.body.starts_with("Hi Anna,"));
        let c = crisis(Language::En, "Anna", &url);
        assert!(c.body.contains(&url) && !c.subject.is_empty());
    }
}
