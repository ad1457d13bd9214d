//! Access tokens: short-lived HS256 JWTs with pinned algorithm, issuer and audience.

use crate::domain::kinds::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub const ISSUER: &str = "stapvoorstap";
/// Clock skew allowed on `exp` and `nbf`, in seconds.
const LEEWAY_SECS: i64 = 5;
/// The audience of API access tokens; other token purposes would get their own.
pub const ACCESS_AUDIENCE: &str = "stapvoorstap-api";

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// Refresh-token family (sign-in session) this token belongs to.
    pub sid: String,
}

/// Signing and verification keys.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl JwtKeys {
    pub fn new(secret: &SecretString, ttl: Duration) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[ACCESS_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        // Times are checked against the application's clock (`verify`), not the system's, so a
        // virtual clock (tests, the simulator) moves token lifetimes with everything else.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = LEEWAY_SECS as u64;
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            ttl,
        }
    }

    /// Lifetime of issued tokens.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Signs an access token for a user.
    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        session: &str,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        self.issue_at(user_id, role, session, crate::clock::now().timestamp())
    }

    /// Signs an access token issued at `now` (Unix seconds). The same arguments give the same
    /// token (HS256 is deterministic): a refresh replayed in its grace window answers with the
    /// very token the lost answer carried.
    pub fn issue_at(
        &self,
        user_id: &str,
        role: Role,
        session: &str,
        now: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            iss: ISSUER.into(),
            aud: ACCESS_AUDIENCE.into(),
            sub: user_id.into(),
            role,
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs() as i64,
            sid: session.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Verifies signature, algorithm, issuer, audience and times.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        use jsonwebtoken::errors::ErrorKind;
        let claims =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?.claims;
        let now = crate::clock::now().timestamp();
        if claims.exp < now - LEEWAY_SECS {
            return Err(ErrorKind::ExpiredSignature.into());
        }
        if claims.nbf > now + LEEWAY_SECS {
            return Err(ErrorKind::ImmatureSignature.into());
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects_other_audiences() {
        let keys = JwtKeys::new(&SecretString::from("k".repeat(40)), Duration::from_secs(60));
        let token = keys.issue("u1", Role::Resident, "s1").unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, "u1");
        assert_eq!(claims.role, Role::Resident);
        let other = JwtKeys::new(&SecretString::from("x".repeat(40)), Duration::from_secs(60));
        assert!(other.verify(&token).is_err(), "wrong key");
    }

    #[test]
    fn lifetimes_follow_the_application_clock() {
        use crate::clock::Clock;
        let keys = JwtKeys::new(&SecretString::from("k".repeat(40)), Duration::from_secs(60));
        let clock = Clock::virtual_at(chrono::Utc::now() + chrono::Duration::days(400));
        let token = clock.scope(|| keys.issue("u1", Role::Resident, "s1").unwrap());
        assert!(clock.scope(|| keys.verify(&token)).is_ok());
        // Not yet valid in the system's present; expired once the virtual clock moves on.
        assert!(keys.verify(&token).is_err());
        clock.advance(chrono::Duration::seconds(66)).unwrap();
        let err = clock.scope(|| keys.verify(&token)).unwrap_err();
        assert_eq!(
            err.kind(),
            &jsonwebtoken::errors::ErrorKind::ExpiredSignature
        );
    }
}
