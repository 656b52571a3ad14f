//! CL-25: a data access request: everything held about one client, in one answer.
//!
//! It is one client's records, read in one consistent snapshot: the lists are walked to
//! their ends page by page where storage pages them, and read whole where it keeps them
//! per client (notes, documents, consent history, audit, stored cards, memberships).

use clientele_domain::appointment::Appointment;
use clientele_domain::audit::ClientAuditEntry;
use clientele_domain::code::Code;
use clientele_domain::document::ClientDocument;
use clientele_domain::marketing::ConsentChange;
use clientele_domain::membership::{Credit, Membership};
use clientele_domain::note::ClientNote;
use clientele_domain::payment::{Invoice, Payment, PaymentMethod};
use clientele_domain::{Actor, Client, ClientId, Permission};

use crate::Clientele;
use crate::access::visible_client;
use crate::clients::ClientError;

/// Rows per read of the paged lists.
const PAGE: u32 = 500;
/// The lists storage reads whole are asked for this many at most.
const ALL: u32 = u32::MAX;

/// Everything held about a client (CL-25).
#[derive(Debug, Clone)]
pub struct ClientData {
    pub client: Client,
    /// Latest first.
    pub appointments: Vec<Appointment>,
    /// The payments and refunds of those appointments, newest first per appointment.
    pub payments: Vec<Payment>,
    pub invoices: Vec<Invoice>,
    pub payment_methods: Vec<PaymentMethod>,
    /// Newest first.
    pub codes: Vec<Code>,
    pub memberships: Vec<Membership>,
    pub credits: Vec<Credit>,
    /// Newest first.
    pub consent_history: Vec<ConsentChange>,
    pub notes: Vec<ClientNote>,
    pub documents: Vec<ClientDocument>,
    pub audit: Vec<ClientAuditEntry>,
}

impl Clientele {
    /// CL-25: everything held about a client the caller sees (owner, admin).
    pub async fn client_data(
        &self,
        actor: &Actor,
        id: ClientId,
    ) -> Result<ClientData, ClientError> {
        actor.require(Permission::Export)?;
        let mut tx = self.storage.read().await?;
        let client = visible_client(tx.as_mut(), actor, id).await?;
        let business = actor.business_id;
        let mut appointments = Vec::new();
        loop {
            let after = appointments
                .last()
                .map(|a: &Appointment| (a.slot().starts_at(), a.id()));
            let page = tx.appointments_of_client(business, id, after, PAGE).await?;
            let done = page.len() < PAGE as usize;
            appointments.extend(page);
            if done {
                break;
            }
        }
        let (mut payments, mut invoices) = (Vec::new(), Vec::new());
        for appointment in &appointments {
            payments.extend(
                tx.payments_of_appointment(business, appointment.id())
                    .await?,
            );
            invoices.extend(
                tx.invoices_of_appointment(business, appointment.id())
                    .await?,
            );
        }
        let mut codes = Vec::new();
        loop {
            let after = codes.last().map(|c: &Code| (c.created_at(), c.id()));
            let page = tx.codes_of_client(business, id, after, PAGE).await?;
            let done = page.len() < PAGE as usize;
            codes.extend(page);
            if done {
                break;
            }
        }
        let mut credits = Vec::new();
        loop {
            let after = credits.last().map(Credit::id);
            let page = tx.credits_of_client(business, id, after, PAGE).await?;
            let done = page.len() < PAGE as usize;
            credits.extend(page);
            if done {
                break;
            }
        }
        Ok(ClientData {
            payment_methods: tx.payment_methods_of_client(business, id).await?,
            memberships: tx.memberships_of_client(business, id).await?,
            consent_history: tx.consent_history(business, id, ALL).await?,
            notes: tx.notes_of_client(business, id, ALL).await?,
            documents: tx.documents_of_client(business, id, ALL).await?,
            audit: tx.client_audit(business, id, ALL).await?,
            client,
            appointments,
            payments,
            invoices,
            codes,
            credits,
        })
    }
}
