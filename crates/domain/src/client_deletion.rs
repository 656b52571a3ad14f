//! CL-21: what stops a client from being deleted. A client who still holds something of
//! value (a package, a gift certificate or a subscription that can still be used, a
//! membership that is not over) is not deleted: the refusal names each.

use chrono::NaiveDate;

use crate::code::{self, Code};
use crate::membership::{self, Membership};
use crate::product::Family;
use crate::{CodeId, MembershipId};

/// One thing that stops a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    /// An active code: a subscription, or a package or gift certificate with value left
    /// and not past its last day.
    Code { id: CodeId, family: Family },
    /// A membership that is not cancelled or expired.
    Membership {
        id: MembershipId,
        status: membership::Status,
    },
}

impl Blocker {
    /// What it is, for a person: "an active package", "a membership (needs attention)".
    pub fn describe(&self) -> String {
        match self {
            Self::Code { family, .. } => match family {
                Family::Package => "an active package".to_owned(),
                Family::GiftCertificate => "a gift certificate with value left".to_owned(),
                Family::Subscription => "an active subscription".to_owned(),
            },
            Self::Membership { status, .. } => format!("a membership ({})", status.as_str()),
        }
    }
}

/// Whether `code` still holds value on `today`: active, and a subscription (it renews)
/// or with something left and not past its last day.
pub fn code_blocks(code: &Code, today: NaiveDate) -> bool {
    code.status() == code::Status::Active
        && (code.family() == Family::Subscription
            || (code.remaining() > 0 && code.expires_on().is_none_or(|last| last >= today)))
}

/// CL-21: what of a client's codes and memberships stops their deletion, codes first.
pub fn blockers<'a>(
    codes: impl IntoIterator<Item = &'a Code>,
    memberships: impl IntoIterator<Item = &'a Membership>,
    today: NaiveDate,
) -> Vec<Blocker> {
    let codes = codes
        .into_iter()
        .filter(|c| code_blocks(c, today))
        .map(|c| Blocker::Code {
            id: c.id(),
            family: c.family(),
        });
    let memberships = memberships
        .into_iter()
        .filter(|m| !m.status().is_closed())
        .map(|m| Blocker::Membership {
            id: m.id(),
            status: m.status(),
        });
    codes.chain(memberships).collect()
}
