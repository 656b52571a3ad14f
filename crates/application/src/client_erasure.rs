//! CL-22: anonymising a client (owner, admin): their personal data leaves every place it
//! is stored, in one transaction, while appointments, orders, payments, codes and
//! memberships stay, pointing to the anonymised profile. The audit keeps that it
//! happened, without the values.
//!
//! The emails sent to them are found by every address the profile had (the current one
//! and those its audit remembers). The bytes of their documents are deleted once the rows
//! are gone (a failure there is logged).

use std::collections::BTreeSet;

use clientele_domain::audit::{ClientAuditAction, ClientAuditEntry};
use clientele_domain::{Actor, AuditId, Client, ClientId, EmailAddress, Permission};

use crate::Clientele;
use crate::access::visible_client;
use crate::clients::ClientError;
use crate::webhook_events::Resource;
use clientele_domain::webhook::EventType;

/// The most audit entries read for the addresses the client had.
const MAX_AUDIT: u32 = 100_000;

/// The most documents looked for, to delete their bytes.
const MAX_DOCUMENTS: u32 = 100_000;

impl Clientele {
    /// CL-22: erases a client's personal data everywhere, keeping the business's records
    /// (owner, admin). Doing it twice changes nothing more.
    pub async fn anonymise_client(
        &self,
        actor: &Actor,
        id: ClientId,
    ) -> Result<Client, ClientError> {
        actor.require(Permission::Delete)?;
        let business = actor.business_id;
        let mut tx = self.storage.begin().await?;
        let mut client = visible_client(tx.as_mut(), actor, id).await?;
        let mut emails: BTreeSet<String> =
            client.email().map(EmailAddress::key).into_iter().collect();
        for entry in tx.client_audit(business, id, MAX_AUDIT).await? {
            if entry.field.as_deref() != Some("email") {
                continue;
            }
            for value in [entry.old_value, entry.new_value].into_iter().flatten() {
                if let Ok(email) = EmailAddress::parse("email", &value) {
                    emails.insert(email.key());
                }
            }
        }
        let documents = tx.documents_of_client(business, id, MAX_DOCUMENTS).await?;
        let version = client.version();
        let now = self.clock.now();
        if client.anonymise(now) {
            tx.update_client(&client, version).await?;
        }
        let emails: Vec<String> = emails.into_iter().collect();
        tx.erase_client_traces(business, id, &emails).await?;
        self.emit(
            tx.as_mut(),
            business,
            EventType::ClientDeleted,
            Resource::DeletedClient(id),
        )
        .await?;
        tx.record_client_audit(&ClientAuditEntry {
            id: AuditId::from_uuid(self.ids.new_id()),
            business_id: business,
            client_id: id,
            actor: actor.staff_id,
            at: now,
            action: ClientAuditAction::Anonymised,
            field: None,
            old_value: None,
            new_value: None,
        })
        .await?;
        tx.commit().await?;
        self.forget_document_bytes(business, &documents).await;
        Ok(client)
    }
}
