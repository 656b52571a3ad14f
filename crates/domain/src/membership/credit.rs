//! Credits (ME-16): one treatment a client may book without paying, granted by a
//! membership's period or issued by staff by hand, and shown on the profile as active,
//! used, revoked or refundable.

use chrono::NaiveDate;
use thiserror::Error;

use crate::ids::{AppointmentId, BusinessId, ClientId, CreditId, MembershipId, StaffId};
use crate::version::Version;

/// Where a credit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreditStatus {
    /// Can be used.
    Active,
    /// Used for an appointment.
    Used,
    /// Withdrawn by staff: it can no longer be used.
    Revoked,
    /// Unused and paid for by a membership that ended: the business may refund it, and it
    /// can no longer be used.
    Refundable,
}

impl CreditStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Used => "used",
            Self::Revoked => "revoked",
            Self::Refundable => "refundable",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(Self::Active),
            "used" => Some(Self::Used),
            "revoked" => Some(Self::Revoked),
            "refundable" => Some(Self::Refundable),
            _ => None,
        }
    }
}

/// How a credit came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreditOrigin {
    /// Granted by a membership's paid period.
    Period {
        membership_id: MembershipId,
        period_start: NaiveDate,
    },
    /// Issued by a staff member by hand.
    Staff(StaffId),
}

/// What a credit cannot have done to it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CreditError {
    #[error("the credit is {}: only an active credit can be {action}", .status.as_str())]
    NotActive {
        status: CreditStatus,
        action: &'static str,
    },
    #[error("the credit was used: it cannot be revoked")]
    Used,
    #[error("the credit was revoked already")]
    Revoked,
    #[error("the credit was not used for that appointment")]
    NotUsedFor(AppointmentId),
}

/// A credit of a client (ME-16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    id: CreditId,
    business_id: BusinessId,
    client_id: ClientId,
    origin: CreditOrigin,
    status: CreditStatus,
    issued_on: NaiveDate,
    used_for: Option<AppointmentId>,
    version: Version,
}

/// Everything a stored credit is made of, for [`Credit::restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditParts {
    pub id: CreditId,
    pub business_id: BusinessId,
    pub client_id: ClientId,
    pub origin: CreditOrigin,
    pub status: CreditStatus,
    pub issued_on: NaiveDate,
    pub used_for: Option<AppointmentId>,
    pub version: Version,
}

impl Credit {
    /// ME-16: a new active credit for `client_id`, granted by a period or issued by staff.
    pub fn issue(
        id: CreditId,
        business_id: BusinessId,
        client_id: ClientId,
        origin: CreditOrigin,
        today: NaiveDate,
    ) -> Self {
        Self {
            id,
            business_id,
            client_id,
            origin,
            status: CreditStatus::Active,
            issued_on: today,
            used_for: None,
            version: Version::initial(),
        }
    }

    pub fn restore(parts: CreditParts) -> Self {
        let CreditParts {
            id,
            business_id,
            client_id,
            origin,
            status,
            issued_on,
            used_for,
            version,
        } = parts;
        Self {
            id,
            business_id,
            client_id,
            origin,
            status,
            issued_on,
            used_for,
            version,
        }
    }

    pub fn into_parts(self) -> CreditParts {
        let Self {
            id,
            business_id,
            client_id,
            origin,
            status,
            issued_on,
            used_for,
            version,
        } = self;
        CreditParts {
            id,
            business_id,
            client_id,
            origin,
            status,
            issued_on,
            used_for,
            version,
        }
    }

    pub fn id(&self) -> CreditId {
        self.id
    }

    pub fn business_id(&self) -> BusinessId {
        self.business_id
    }

    pub fn client_id(&self) -> ClientId {
        self.client_id
    }

    pub fn origin(&self) -> CreditOrigin {
        self.origin
    }

    pub fn status(&self) -> CreditStatus {
        self.status
    }

    pub fn issued_on(&self) -> NaiveDate {
        self.issued_on
    }

    pub fn used_for(&self) -> Option<AppointmentId> {
        self.used_for
    }

    pub fn version(&self) -> Version {
        self.version
    }

    fn ensure_active(&self, action: &'static str) -> Result<(), CreditError> {
        if self.status == CreditStatus::Active {
            Ok(())
        } else {
            Err(CreditError::NotActive {
                status: self.status,
                action,
            })
        }
    }

    fn set(&mut self, status: CreditStatus) {
        self.status = status;
        self.version = self.version.next();
    }

    /// Uses the credit for `appointment`.
    pub fn use_for(&mut self, appointment: AppointmentId) -> Result<(), CreditError> {
        self.ensure_active("used")?;
        self.used_for = Some(appointment);
        self.set(CreditStatus::Used);
        Ok(())
    }

    /// Gives the credit back when the appointment it was used for is cancelled.
    pub fn give_back(&mut self, appointment: AppointmentId) -> Result<(), CreditError> {
        if self.status != CreditStatus::Used || self.used_for != Some(appointment) {
            return Err(CreditError::NotUsedFor(appointment));
        }
        self.used_for = None;
        self.set(CreditStatus::Active);
        Ok(())
    }

    /// Staff withdraw the credit: an active or refundable one (a refundable credit that
    /// was refunded is revoked); a used one stays used, for the record.
    pub fn revoke(&mut self) -> Result<(), CreditError> {
        match self.status {
            CreditStatus::Active | CreditStatus::Refundable => {
                self.set(CreditStatus::Revoked);
                Ok(())
            }
            CreditStatus::Used => Err(CreditError::Used),
            CreditStatus::Revoked => Err(CreditError::Revoked),
        }
    }

    /// An unused credit of a membership that ended becomes refundable.
    pub fn make_refundable(&mut self) -> Result<(), CreditError> {
        self.ensure_active("made refundable")?;
        self.set(CreditStatus::Refundable);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn credit() -> Credit {
        Credit::issue(
            CreditId::from_uuid(Uuid::from_u128(1)),
            BusinessId::from_uuid(Uuid::from_u128(2)),
            ClientId::from_uuid(Uuid::from_u128(3)),
            CreditOrigin::Staff(StaffId::from_uuid(Uuid::from_u128(4))),
            NaiveDate::from_ymd_opt(2027, 1, 5).unwrap(),
        )
    }

    fn appointment(n: u128) -> AppointmentId {
        AppointmentId::from_uuid(Uuid::from_u128(100 + n))
    }

    #[test]
    fn me_16_an_issued_credit_is_active_and_is_used_once() {
        let mut credit = credit();
        assert_eq!(credit.status(), CreditStatus::Active);

        credit.use_for(appointment(1)).unwrap();

        assert_eq!(credit.status(), CreditStatus::Used);
        assert_eq!(credit.used_for(), Some(appointment(1)));
        assert_eq!(credit.version(), Version::initial().next());
        assert_eq!(
            credit.use_for(appointment(2)),
            Err(CreditError::NotActive {
                status: CreditStatus::Used,
                action: "used"
            })
        );
        assert_eq!(
            credit.give_back(appointment(2)),
            Err(CreditError::NotUsedFor(appointment(2)))
        );
        credit.give_back(appointment(1)).unwrap();
        assert_eq!(
            (credit.status(), credit.used_for()),
            (CreditStatus::Active, None)
        );
    }

    #[test]
    fn me_16_staff_revoke_an_unused_credit_never_a_used_one() {
        let mut active = credit();
        let mut used = credit();
        used.use_for(appointment(1)).unwrap();
        let mut refundable = credit();
        refundable.make_refundable().unwrap();

        active.revoke().unwrap();

        assert_eq!(active.status(), CreditStatus::Revoked);
        assert_eq!(active.revoke(), Err(CreditError::Revoked));
        assert!(active.use_for(appointment(1)).is_err());
        assert_eq!(used.revoke(), Err(CreditError::Used));
        assert_eq!(used.status(), CreditStatus::Used);
        assert!(refundable.use_for(appointment(1)).is_err());
        assert!(used.make_refundable().is_err());
        refundable.revoke().unwrap();
        assert_eq!(refundable.status(), CreditStatus::Revoked);
    }

    #[test]
    fn me_16_a_credit_status_reads_back_from_its_name() {
        for status in [
            CreditStatus::Active,
            CreditStatus::Used,
            CreditStatus::Revoked,
            CreditStatus::Refundable,
        ] {
            assert_eq!(CreditStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(CreditStatus::parse("spent"), None);
        let stored = credit().into_parts();
        assert_eq!(Credit::restore(stored.clone()).into_parts(), stored);
    }
}
