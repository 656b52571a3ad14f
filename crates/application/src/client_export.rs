//! CL-16: the (filtered) client list exported, page by page: the list's filters, search,
//! order and access rules, each page read in a transaction of its own, with its clients'
//! memberships summed up and their custom field values (CL-24). A search is exported
//! through the list's own pages; any other export through storage's export read, which
//! reads only what the export shows. An export of any size holds one page in memory.

use std::collections::HashMap;

use chrono::NaiveDate;

use clientele_domain::custom_field::CustomField;
use clientele_domain::membership::{MembershipTypeName, Rate, Status};
use clientele_domain::{Actor, Client, ClientId, PageLimit, Permission, TimeZone};
use clientele_ports::storage::{ClientExportLine, ClientQuery, MembershipLine};

use crate::Clientele;
use crate::access::business_of;
use crate::clients::{ClientError, ClientListRequest};
use crate::custom_fields::all_custom_fields;

/// An export running page by page.
#[derive(Debug, Clone)]
pub struct ClientExport {
    actor: Actor,
    fields: Vec<CustomField>,
    zone: TimeZone,
    walk: Walk,
}

/// How an export reads its pages.
#[derive(Debug, Clone)]
enum Walk {
    /// A search: the pages of the list itself (exact matches first).
    Search(ClientListRequest),
    /// Anything else: the export's own read of storage, with only what it shows, the
    /// next page starting after the last client of the one before.
    Query(ClientQuery),
    Done,
}

/// The clients of an export's page read without a search.
const PAGE: u32 = 1000;

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
    pub client: ClientExportLine,
    /// The day it was created, in the business's time zone.
    pub client_since: NaiveDate,
    pub memberships: u32,
    pub active_memberships: u32,
    pub shown: Option<ShownMembership>,
}

impl Clientele {
    /// CL-16: starts an export of the client list as `request` asks for it (its page size
    /// and cursor aside): its filters are checked here. Owner and admin only.
    pub async fn export_clients(
        &self,
        actor: &Actor,
        request: &ClientListRequest,
    ) -> Result<ClientExport, ClientError> {
        actor.require(Permission::Export)?;
        let mut tx = self.storage.read().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let zone = business.settings.time_zone;
        let fields = all_custom_fields(tx.as_mut(), business.id).await?;
        let walk = match request.q {
            Some(_) => {
                let request = ClientListRequest {
                    limit: PageLimit::largest(),
                    cursor: None,
                    ..request.clone()
                };
                // The first page checks the search and the filters.
                Walk::Search(request)
            }
            None => Walk::Query(
                self.client_query(tx.as_mut(), actor, request, None, PAGE)
                    .await?,
            ),
        };
        Ok(ClientExport {
            actor: actor.clone(),
            fields,
            zone,
            walk,
        })
    }

    /// The export's next page; `None` when it is over.
    pub async fn client_export_page(
        &self,
        export: &mut ClientExport,
    ) -> Result<Option<Vec<ExportedClient>>, ClientError> {
        let business = export.actor.business_id;
        let lines = match &mut export.walk {
            Walk::Done => return Ok(None),
            Walk::Search(request) => {
                let page = self.list_clients(&export.actor, request).await?;
                request.cursor = page.next_cursor;
                if request.cursor.is_none() {
                    export.walk = Walk::Done;
                }
                page.items.into_iter().map(line).collect()
            }
            Walk::Query(query) => {
                let mut tx = self.storage.read().await?;
                let page = tx.client_export_page(business, query).await?;
                query.after = page.last;
                if page.lines.len() < PAGE as usize {
                    export.walk = Walk::Done;
                }
                page.lines
            }
        };
        if lines.is_empty() {
            return Ok(None);
        }
        let ids: Vec<ClientId> = lines.iter().map(|line| line.id).collect();
        let mut tx = self.storage.read().await?;
        let memberships = tx.memberships_of_clients(business, &ids).await?;
        drop(tx);
        let mut by_client: HashMap<ClientId, Vec<&MembershipLine>> = HashMap::new();
        for membership in &memberships {
            by_client
                .entry(membership.membership.client_id())
                .or_default()
                .push(membership);
        }
        Ok(Some(
            lines
                .into_iter()
                .map(|client| {
                    let own = by_client.remove(&client.id).unwrap_or_default();
                    summed_up(client, &own, export.zone)
                })
                .collect(),
        ))
    }
}

/// A client of the list as the export shows it.
fn line(client: Client) -> ClientExportLine {
    ClientExportLine {
        id: client.id(),
        first_name: client.first_name().as_str().to_owned(),
        last_name: client.last_name().as_str().to_owned(),
        email: client.email().map(|email| email.as_str().to_owned()),
        phone: client.phone().map(|phone| phone.as_typed().to_owned()),
        created_at: client.created_at(),
        custom_fields: client.custom_fields().clone(),
    }
}

/// `client` with its memberships (newest first) summed up.
fn summed_up(client: ClientExportLine, own: &[&MembershipLine], zone: TimeZone) -> ExportedClient {
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
        client_since: zone.today(client.created_at),
        client,
    }
}
