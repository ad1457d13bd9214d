//! Who may do what: the authorization rules of DESIGN.md ("Who uses it") as pure functions.
//!
//! Two kinds of "no": a role calling an endpoint that is not meant for it gets **403**; a
//! permitted role asking for an object outside its scope gets **404**, exactly as if the object
//! did not exist, so ids of other people's data cannot be probed.

use crate::domain::kinds::Role;

/// Why access was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The role never uses this endpoint (403).
    Forbidden,
    /// The object is outside the actor's scope (404, as if absent).
    Hidden,
}

/// Roles that may manage residents and plans.
pub const CASEWORKERS: &[Role] = &[Role::Caseworker];
/// Roles that administer teams, staff accounts and templates.
pub const ADMINS: &[Role] = &[Role::Admin];
/// Staff who may be named as the owner of a step.
pub const STEP_WORKERS: &[Role] = &[Role::Caseworker, Role::Volunteer];

/// The endpoint is meant for one of `allowed`.
pub fn require_role(role: Role, allowed: &[Role]) -> Result<(), Denial> {
    if allowed.contains(&role) {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

/// A caseworker acts on a resident only when they belong to the resident's team.
pub fn caseworker_sees_resident(
    role: Role,
    staff_teams: &[String],
    resident_team: Option<&str>,
) -> Result<(), Denial> {
    require_role(role, CASEWORKERS)?;
    match resident_team {
        Some(team) if staff_teams.iter().any(|t| t == team) => Ok(()),
        _ => Err(Denial::Hidden),
    }
}

/// A caseworker may create residents only in their own teams.
pub fn caseworker_may_use_team(
    role: Role,
    staff_teams: &[String],
    team: &str,
) -> Result<(), Denial> {
    caseworker_sees_resident(role, staff_teams, Some(team))
}

/// A resident sees only their own things.
pub fn resident_owns(actor_id: &str, owner_id: &str) -> Result<(), Denial> {
    if actor_id == owner_id {
        Ok(())
    } else {
        Err(Denial::Hidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teams(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn resident_visibility_matrix() {
        let own = teams(&["north"]);
        let cases = [
            (Role::Caseworker, Some("north"), Ok(())),
            (Role::Caseworker, Some("south"), Err(Denial::Hidden)),
            (Role::Caseworker, None, Err(Denial::Hidden)),
            (Role::Volunteer, Some("north"), Err(Denial::Forbidden)),
            (Role::Resident, Some("north"), Err(Denial::Forbidden)),
            (Role::Researcher, Some("north"), Err(Denial::Forbidden)),
            (Role::Admin, Some("north"), Err(Denial::Forbidden)),
        ];
        for (role, team, expected) in cases {
            assert_eq!(
                caseworker_sees_resident(role, &own, team),
                expected,
                "{role:?} on a resident of {team:?}"
            );
        }
    }

    #[test]
    fn residents_only_see_themselves() {
        assert_eq!(resident_owns("a", "a"), Ok(()));
        assert_eq!(resident_owns("a", "b"), Err(Denial::Hidden));
    }
}
