//! ME-15: direct-debit mandates. Staff request one for a membership paid by direct
//! debit: it needs a mandate (and is not charged) until then, and its client is emailed
//! the signed link where they set it up with their bank details. The direct-debit
//! processor answers whether the bank accepted it; an active mandate makes the membership
//! chargeable again.

use clientele_domain::email::{EmailKind, OutgoingEmail};
use clientele_domain::membership::PaymentMethod;
use clientele_domain::membership::{BillingEmail, ChangeError, ChangedBy, Membership};
use clientele_domain::payment::{DIRECT_DEBIT, Iban};
use clientele_domain::validation::failures;
use clientele_domain::{Actor, EmailId, MembershipId, ValidationErrors, Version, text};
use clientele_ports::payments::MandateSetup;

use crate::Clientele;
use crate::access::business_of;
use crate::billing::due_at;
use crate::memberships::{MembershipError, locked};
use crate::payments::PaymentError;
use crate::self_service::{ClientSide, SelfServiceError, SelfServiceMembership};

/// A mandate's details as the client types them.
#[derive(Debug, Clone)]
pub struct MandateInput {
    pub iban: String,
    pub account_holder: String,
}

impl MandateInput {
    fn parse(&self) -> Result<(Iban, String), ValidationErrors> {
        let holder = text::required_line("account_holder", &self.account_holder, 140);
        match (Iban::parse(&self.iban), holder) {
            (Ok(iban), Ok(holder)) => Ok((iban, holder)),
            (iban, holder) => Err(failures([iban.err(), holder.err()])),
        }
    }
}

impl Clientele {
    /// ME-15: requests a mandate for a direct-debit membership, based on `version`, and
    /// emails the client the link to set it up. Refused for a membership paid otherwise.
    pub async fn request_mandate(
        &self,
        actor: &Actor,
        id: MembershipId,
        version: Version,
    ) -> Result<Membership, MembershipError> {
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let mut membership = locked(tx.as_mut(), actor, id).await?;
        if membership.version() != version {
            return Err(MembershipError::VersionConflict);
        }
        let before = membership.clone();
        let reference = format!(
            "MD-{}",
            self.ids.new_id().simple().to_string()[..12].to_uppercase()
        );
        membership.request_mandate(&reference)?;
        let zone = business.settings.time_zone;
        tx.update_membership(&membership, version, due_at(&membership, zone))
            .await?;
        self.audit_membership(
            tx.as_mut(),
            &before,
            &membership,
            ChangedBy::Staff(actor.staff_id),
        )
        .await?;
        let contacts = tx
            .client_contacts(business.id, &[membership.client_id()])
            .await?;
        let kind = tx
            .membership_type(business.id, membership.type_id())
            .await?
            .ok_or(MembershipError::TypeNotFound)?;
        if let Some(contact) = contacts.first()
            && let Some(to) = &contact.email
        {
            let manage_url = self.membership_link(business.id, membership.id());
            let email = BillingEmail {
                business_name: business.name.as_str(),
                client_first_name: &contact.first_name,
                type_name: kind.name().as_str(),
                number: membership.number(),
                amount: membership.rate().amount(),
                manage_url: &manage_url,
            };
            tx.enqueue_email(&OutgoingEmail {
                id: EmailId::from_uuid(self.ids.new_id()),
                business_id: business.id,
                site_id: None,
                kind: EmailKind::MandateRequest,
                to: to.clone(),
                content: email.mandate_request(&reference),
                created_at: self.clock.now(),
            })
            .await?;
        }
        tx.commit().await?;
        Ok(membership)
    }

    /// ME-15: the client sets up the requested mandate with their bank details, through
    /// the signed link; the direct-debit processor answers whether the bank accepted it.
    pub async fn self_service_mandate(
        &self,
        by: ClientSide<'_>,
        input: &MandateInput,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        let (iban, account_holder) = input.parse().map_err(MembershipError::from)?;
        let mut tx = self.storage.begin().await?;
        let (business, membership) = self.linked(tx.as_mut(), by, true).await?;
        let reference = match membership.payment_method() {
            PaymentMethod::DirectDebit(Some(mandate)) => mandate.reference().to_owned(),
            _ => return Err(MembershipError::Change(ChangeError::NotDirectDebit).into()),
        };
        let status = self
            .processor(DIRECT_DEBIT)?
            .set_up_mandate(&MandateSetup {
                reference: reference.clone(),
                iban,
                account_holder,
            })
            .await
            .map_err(PaymentError::from)?;
        self.apply_change(tx, &business, membership, ChangedBy::Client, |m, _, _| {
            m.mandate_changed(&reference, status).map(drop)
        })
        .await?;
        self.self_service_membership(by).await
    }
}
