//! CL-16: the (filtered) client list exported, page by page: each page is a page of the
//! list itself (same filters, search, order and access rules, read in a transaction of
//! its own), with its clients' memberships summed up and their custom field values
//! (CL-24). An export of any size holds one page in memory.

use std::collections::HashMap;

use chrono::NaiveDate;

use clientele_domain::custom_field::CustomField;
use clientele_domain::membership::{MembershipTypeName, Rate, Status};
use clientele_domain::{Actor, Client, ClientId, PageLimit, Permission, TimeZone};
use clientele_ports::storage::MembershipLine;

use crate::Clientele;
use crate::access::business_of;
use crate::clients::{ClientError, ClientListRequest};
use crate::custom_fields::all_custom_fields;

/// An export running page by page.
#[derive(Debug, Clone)]
pub struct ClientExport {
    actor: Actor,
    request: ClientListRequest,
    fields: Vec<CustomField>,
    zone: TimeZone,
    done: bool,
}

impl ClientExport {
    /// The business's custom fields, a column each, in the order of their ids.
    pub fn fields(&self) -> &[CustomField] {
        &self.fields
    }
}

/// CL-16: the membership shown for a client: the most recent active one, or else the
/// most recent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownMembership {
    pub type_name: MembershipTypeName,
    pub rate: Rate,
    pub status: Status,
    pub member_since: NaiveDate,
}

/// A client as exported.
#[derive(Debug, Clone)]
pub struct ExportedClient {
    pub client: Client,
    /// The day it was created, in the business's time zone.
    pub client_since: NaiveDate,
    pub memberships: u32,
    pub active_memberships: u32,
    pub shown: Option<ShownMembership>,
}

impl Clientele {
    /// CL-16: starts an export of the client list as `request` asks for it (its page size
    /// and cursor aside). Owner and admin only.
    pub async fn export_clients(
        &self,
        actor: &Actor,
        request: &ClientListRequest,
    ) -> Result<ClientExport, ClientError> {
        actor.require(Permission::Export)?;
        let mut tx = self.storage.read().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let (zone, business) = (business.settings.time_zone, business.id);
        let fields = all_custom_fields(tx.as_mut(), business).await?;
        let limit = PageLimit::largest();
        Ok(ClientExport {
            actor: actor.clone(),
            request: ClientListRequest {
                limit,
                cursor: None,
                ..request.clone()
            },
            fields,
            zone,
            done: false,
        })
    }

    /// The export's next page; `None` when it is over. The first page checks the
    /// request's filters (a bad one is a problem before anything is sent).
    pub async fn client_export_page(
        &self,
        export: &mut ClientExport,
    ) -> Result<Option<Vec<ExportedClient>>, ClientError> {
        if export.done {
            return Ok(None);
        }
        let page = self.list_clients(&export.actor, &export.request).await?;
        export.done = page.next_cursor.is_none();
        export.request.cursor = page.next_cursor;
        if page.items.is_empty() {
            return Ok(None);
        }
        let ids: Vec<ClientId> = page.items.iter().map(Client::id).collect();
        let mut tx = self.storage.read().await?;
        let lines = tx
            .memberships_of_clients(export.actor.business_id, &ids)
            .await?;
        drop(tx);
        let mut by_client: HashMap<ClientId, Vec<&MembershipLine>> = HashMap::new();
        for line in &lines {
            by_client
                .entry(line.membership.client_id())
                .or_default()
                .push(line);
        }
        Ok(Some(
            page.items
                .into_iter()
                .map(|client| {
                    let own = by_client.remove(&client.id()).unwrap_or_default();
                    summed_up(client, &own, export.zone)
                })
                .collect(),
        ))
    }
}

/// `client` with its memberships (newest first) summed up.
fn summed_up(client: Client, own: &[&MembershipLine], zone: TimeZone) -> ExportedClient {
    let active = |line: &&&MembershipLine| line.membership.status() == Status::Active;
    let shown = own
        .iter()
        .find(active)
        .or_else(|| own.first())
        .map(|line| ShownMembership {
            type_name: line.type_name.clone(),
            rate: line.membership.rate(),
            status: line.membership.status(),
            member_since: line.membership.member_since(),
        });
    ExportedClient {
        memberships: u32::try_from(own.len()).unwrap_or(u32::MAX),
        active_memberships: u32::try_from(own.iter().filter(active).count()).unwrap_or(u32::MAX),
        shown,
        client_since: zone.today(client.created_at()),
        client,
    }
}
