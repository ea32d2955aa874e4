//! Who may do what to which task (docs/REFERENCE.md §10): a caller holds grants, each a role
//! over a set of units, and [`decide`] is the one rule that says, for an action on a task of a
//! unit, whether it is allowed, forbidden (403) or hidden (404, exactly as a task that does not
//! exist). Every entry point — the task API, the inbox's pages, the command line — asks it and
//! never re-derives it.

use super::keys::UnitKey;
use super::session::Person;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What a grant lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads its units' tasks and histories; claims and releases a task for itself; notes; closes.
    Caseworker,
    /// A caseworker who also assigns tasks and releases anyone's.
    Manager,
    /// Reads its units' tasks and histories; changes nothing.
    Auditor,
    /// The case-management system: reads, notes and closes.
    Integration,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Caseworker, Role::Manager, Role::Auditor, Role::Integration];

    /// The word used in the configuration, the tokens and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Manager => "manager",
            Role::Auditor => "auditor",
            Role::Integration => "integration",
        }
    }

    /// Reads a role's word.
    pub fn parse(word: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == word)
            .ok_or_else(|| format!("unknown role {word:?}: use caseworker, manager, auditor or integration"))
    }

    /// Whether the role may take `action` on a task of a unit it holds.
    fn permits(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Manager => true,
            Role::Caseworker => matches!(action, List | View | Claim | ReleaseOwn | Note | Close),
            Role::Auditor => matches!(action, List | View),
            Role::Integration => matches!(action, List | View | Note | Close),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The units a grant covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Units {
    /// Every unit (`["*"]`).
    All,
    /// These units.
    Some(BTreeSet<UnitKey>),
}

impl Units {
    /// Reads a list of unit keys, where `*` alone means every unit.
    pub fn parse<S: AsRef<str>>(words: &[S]) -> Result<Units, String> {
        if words.is_empty() {
            return Err("at least one unit is needed (\"*\" for all)".to_string());
        }
        if words.iter().any(|w| w.as_ref() == "*") {
            if words.len() > 1 {
                return Err("\"*\" (every unit) stands alone".to_string());
            }
            return Ok(Units::All);
        }
        let keys =
            words.iter().map(|w| UnitKey::parse(w.as_ref()).map_err(|e| e.0)).collect::<Result<_, _>>()?;
        Ok(Units::Some(keys))
    }

    /// Whether `unit` is among them.
    pub fn covers(&self, unit: &UnitKey) -> bool {
        match self {
            Units::All => true,
            Units::Some(units) => units.contains(unit),
        }
    }

    /// The words, as written in the configuration (`["*"]` for all).
    pub fn words(&self) -> Vec<String> {
        match self {
            Units::All => vec!["*".to_string()],
            Units::Some(units) => units.iter().map(|u| u.to_string()).collect(),
        }
    }
}

/// A role over units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// What it lets the holder do.
    pub role: Role,
    /// Where.
    pub units: Units,
}

/// Who asks: the actor recorded on every event, and the grants that decide what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// As recorded in the audit trail and in `assignee`: a person's subject, `token:NAME`,
    /// or `cli:USER`.
    pub subject: String,
    /// A name to show (the person's, the token's), or the subject again.
    pub name: String,
    /// What it may do, and where.
    pub grants: Vec<Grant>,
}

impl Caller {
    /// A person signed in through the provider, with the grants `access` (`[web.access]`)
    /// gives its groups now.
    pub fn person(person: &Person, access: &BTreeMap<String, Grant>) -> Caller {
        Caller {
            subject: person.subject.clone(),
            name: person.name.clone(),
            grants: person.groups.iter().filter_map(|g| access.get(g)).cloned().collect(),
        }
    }

    /// The command line on the server, run by the operating-system user `user`: a manager of
    /// every unit (whoever can run it can change the database anyway).
    pub fn cli(user: &str) -> Caller {
        Caller {
            subject: format!("cli:{user}"),
            name: user.to_string(),
            grants: vec![Grant { role: Role::Manager, units: Units::All }],
        }
    }

    /// Whether any grant covers `unit`: the units whose tasks the caller may see at all.
    pub fn sees(&self, unit: &UnitKey) -> bool {
        self.grants.iter().any(|g| g.units.covers(unit))
    }

    /// The units the caller may list: `None` for every unit.
    pub fn visible_units(&self) -> Option<BTreeSet<UnitKey>> {
        let mut out = BTreeSet::new();
        for g in &self.grants {
            match &g.units {
                Units::All => return None,
                Units::Some(units) => out.extend(units.iter().cloned()),
            }
        }
        Some(out)
    }
}

/// What a caller asks to do with a task (or a permit's history, which is `View`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// See it in a list.
    List,
    /// Open it, or a permit's history.
    View,
    /// Take it for oneself.
    Claim,
    /// Give back a task one holds.
    ReleaseOwn,
    /// Take a task away from whoever holds it.
    ReleaseAny,
    /// Give it to someone.
    Assign,
    /// Add a note.
    Note,
    /// Close it with an outcome.
    Close,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 8] = [
        Action::List,
        Action::View,
        Action::Claim,
        Action::ReleaseOwn,
        Action::ReleaseAny,
        Action::Assign,
        Action::Note,
        Action::Close,
    ];
}

/// What the rule says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allowed,
    /// The caller sees the task but its role may not do this: 403.
    Forbidden,
    /// The caller holds no grant for the task's unit: answer as if the task did not exist.
    Hidden,
}

/// The one rule: may `caller` take `action` on a task of `unit`? Hidden when no grant covers
/// the unit, so that a caller never learns another unit's task exists; allowed when a grant
/// covering the unit has a role that permits the action; forbidden otherwise.
pub fn decide(caller: &Caller, unit: &UnitKey, action: Action) -> Decision {
    let covering = caller.grants.iter().filter(|g| g.units.covers(unit));
    let mut seen = false;
    for grant in covering {
        seen = true;
        if grant.role.permits(action) {
            return Decision::Allowed;
        }
    }
    if seen {
        Decision::Forbidden
    } else {
        Decision::Hidden
    }
}

/// An API token of a system, as kept: never its secret, only the SHA-256 of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Its name: the actor is `token:NAME`.
    pub name: String,
    /// What it may do, and where.
    pub grant: Grant,
    /// When it was made (UTC).
    pub created_at: chrono::NaiveDateTime,
    /// The last day it is accepted, if it ends.
    pub expires_on: Option<chrono::NaiveDate>,
    /// When it was revoked (UTC), if it was.
    pub revoked_at: Option<chrono::NaiveDateTime>,
}

impl ApiToken {
    /// Reads a token's name: 1 to 64 of `A-Z a-z 0-9 - _ .`.
    pub fn check_name(name: &str) -> Result<(), String> {
        let ok = (1..=64).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Ok(())
        } else {
            Err(format!("token name {name:?} must be 1 to 64 of A-Z a-z 0-9 - _ ."))
        }
    }

    /// Whether it is accepted on `today`: not revoked, not past its last day.
    pub fn is_usable(&self, today: chrono::NaiveDate) -> bool {
        self.revoked_at.is_none() && self.expires_on.is_none_or(|last| today <= last)
    }

    /// The caller it makes.
    pub fn caller(&self) -> Caller {
        Caller {
            subject: format!("token:{}", self.name),
            name: self.name.clone(),
            grants: vec![self.grant.clone()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Decision::*;

    fn caller(grants: &[(Role, &[&str])]) -> Caller {
        Caller {
            subject: "u1".into(),
            name: "U One".into(),
            grants: grants
                .iter()
                .map(|(role, units)| Grant { role: *role, units: Units::parse(units).unwrap() })
                .collect(),
        }
    }

    /// The whole table: every role, every action, on a task of its own unit and of another.
    #[test]
    fn every_role_on_every_action_in_its_unit_and_in_another() {
        let own = UnitKey::parse("study").unwrap();
        let other = UnitKey::parse("work").unwrap();
        let expected: [(Role, [Decision; 8]); 4] = [
            // List, View, Claim, ReleaseOwn, ReleaseAny, Assign, Note, Close
            (Role::Caseworker, [Allowed, Allowed, Allowed, Allowed, Forbidden, Forbidden, Allowed, Allowed]),
            (Role::Manager, [Allowed; 8]),
            (
                Role::Auditor,
                [Allowed, Allowed, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden],
            ),
            (
                Role::Integration,
                [Allowed, Allowed, Forbidden, Forbidden, Forbidden, Forbidden, Allowed, Allowed],
            ),
        ];
        for (role, decisions) in expected {
            let c = caller(&[(role, &["study"])]);
            for (action, want) in Action::ALL.into_iter().zip(decisions) {
                assert_eq!(decide(&c, &own, action), want, "{role} {action:?} on its own unit");
                assert_eq!(decide(&c, &other, action), Hidden, "{role} {action:?} on another unit");
            }
            let everywhere = caller(&[(role, &["*"])]);
            for (action, want) in Action::ALL.into_iter().zip(decisions) {
                assert_eq!(decide(&everywhere, &other, action), want, "{role} {action:?} with *");
            }
        }
    }

    #[test]
    fn the_strongest_grant_over_a_unit_decides() {
        let c = caller(&[(Role::Auditor, &["*"]), (Role::Manager, &["study"])]);
        let study = UnitKey::parse("study").unwrap();
        let work = UnitKey::parse("work").unwrap();
        assert_eq!(decide(&c, &study, Assign), Allowed);
        assert_eq!(decide(&c, &work, Assign), Forbidden);
        assert_eq!(decide(&c, &work, View), Allowed);
        assert_eq!(c.visible_units(), None);
        let none = caller(&[]);
        assert_eq!(decide(&none, &study, View), Hidden);
        assert_eq!(none.visible_units(), Some(BTreeSet::new()));
    }

    #[test]
    fn units_and_roles_read_as_written() {
        assert_eq!(Units::parse(&["*"]), Ok(Units::All));
        assert!(Units::parse(&["*", "study"]).is_err());
        assert!(Units::parse::<&str>(&[]).is_err());
        assert!(Units::parse(&[" "]).is_err());
        assert_eq!(Units::parse(&["work", "study"]).unwrap().words(), ["study", "work"]);
        assert_eq!(Role::parse("manager"), Ok(Role::Manager));
        assert!(Role::parse("admin").unwrap_err().contains("caseworker, manager"));
        assert!(ApiToken::check_name("case-system_1.a").is_ok());
        assert!(ApiToken::check_name("a b").is_err());
        assert!(ApiToken::check_name("").is_err());
        let cli = Caller::cli("anna");
        assert_eq!(cli.subject, "cli:anna");
        assert_eq!(decide(&cli, &UnitKey::parse("x").unwrap(), Close), Allowed);
    }
}
