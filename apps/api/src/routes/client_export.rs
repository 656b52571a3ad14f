//! CL-16: the client list as a file, CSV or Excel, with the list's search and filters:
//! CL-16's columns, then one per custom field (CL-24).

use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::client_export::{ClientExport, ExportedClient};
use clientele_domain::custom_field::CustomField;

use super::ApiTags;
use super::clients::{ClientSortParam, ListFilters};
use super::memberships::StatusFilterParam;
use super::products::ProductKindParam;
use crate::export::{Cell, ExportFile, ExportFormat, Pages, Row, Table};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

fn table(fields: &[CustomField]) -> Table {
    let fixed = Table::new(
        "clients",
        &[
            "client_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "client_since",
            "memberships",
            "active_memberships",
            "membership_type",
            "membership_rate",
            "membership_status",
            "member_since",
        ],
    );
    fields
        .iter()
        .fold(fixed, |table, field| table.with_column(field.name.as_str()))
}

fn row(exported: ExportedClient, fields: &[CustomField]) -> Row {
    let ExportedClient {
        client,
        client_since,
        memberships,
        active_memberships,
        shown,
    } = exported;
    let shown = shown.as_ref();
    let mut row = Vec::with_capacity(12 + fields.len());
    row.extend([
        Cell::text(client.id.to_string()),
        Cell::Text(client.first_name),
        Cell::Text(client.last_name),
        Cell::Text(client.email.unwrap_or_default()),
        Cell::Text(client.phone.unwrap_or_default()),
        Cell::Day(Some(client_since)),
        Cell::text(memberships.to_string()),
        Cell::text(active_memberships.to_string()),
        Cell::text(shown.map_or("", |m| m.type_name.as_str())),
        match shown {
            Some(m) => Cell::Amount(m.rate.amount().amount()),
            None => Cell::text(""),
        },
        Cell::text(shown.map_or("", |m| m.status.as_str())),
        Cell::Day(shown.map(|m| m.member_since)),
    ]);
    let values = &client.custom_fields;
    row.extend(fields.iter().map(|field| {
        Cell::text(
            values
                .get(&field.id)
                .map(|value| value.text())
                .unwrap_or_default(),
        )
    }));
    row
}

/// The pages of a clients export after the first.
struct ClientPages {
    app: Clientele,
    export: ClientExport,
}

impl Pages for ClientPages {
    async fn next_page(&mut self) -> Result<Option<Vec<Row>>, String> {
        let page = self
            .app
            .client_export_page(&mut self.export)
            .await
            .map_err(|e| e.to_string())?;
        let fields = self.export.fields();
        Ok(page.map(|clients| clients.into_iter().map(|c| row(c, fields)).collect()))
    }
}

pub struct ClientExportApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Clients")]
impl ClientExportApi {
    /// The client list as a file (owner, admin; CL-16): the list's search, filters and
    /// order, every page of it; `format=csv` (default) or `xlsx`, streamed. Columns: the
    /// client, their memberships (how many, how many active, and the most recent active
    /// one's type, rate, status and start as a member, or else the most recent one's),
    /// then one per custom field. A cell a spreadsheet would run as a formula is written
    /// as text.
    #[oai(
        path = "/clients/export",
        method = "get",
        operation_id = "export_clients"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn export(
        &self,
        auth: StaffToken,
        format: Query<Option<ExportFormat>>,
        /// The order (default `last_name`).
        sort: Query<Option<ClientSortParam>>,
        /// CL-5 to CL-8: search by name, phone or email, as the list does.
        q: Query<Option<String>>,
        /// A site, or `all`; by default the caller's current site.
        site: Query<Option<String>>,
        labels_any: Query<Option<Vec<Uuid>>>,
        labels_all: Query<Option<Vec<Uuid>>>,
        banned: Query<Option<bool>>,
        has_account: Query<Option<bool>>,
        recent_days: Query<Option<u32>>,
        inactive_days: Query<Option<u32>>,
        opted_in: Query<Option<Uuid>>,
        holding: Query<Option<ProductKindParam>>,
        has_membership: Query<Option<bool>>,
        membership_status: Query<Option<StatusFilterParam>>,
        /// `<field id>:<value>`, as the list takes it.
        field: Query<Option<Vec<String>>>,
    ) -> Result<ExportFile, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | BREAK_RULE }>> {
        let actor = auth.actor(&self.app).await?;
        let request = ListFilters {
            sort: sort.0,
            q: q.0,
            site: site.0,
            labels_any: labels_any.0,
            labels_all: labels_all.0,
            banned: banned.0,
            has_account: has_account.0,
            recent_days: recent_days.0,
            inactive_days: inactive_days.0,
            opted_in: opted_in.0,
            holding: holding.0,
            has_membership: has_membership.0,
            membership_status: membership_status.0,
            field: field.0,
        }
        .request()?;
        let mut export = self.app.export_clients(&actor, &request).await?;
        let first = self
            .app
            .client_export_page(&mut export)
            .await?
            .unwrap_or_default();
        let fields = export.fields();
        let first = first.into_iter().map(|c| row(c, fields)).collect();
        let table = table(fields);
        let pages = ClientPages {
            app: self.app.clone(),
            export,
        };
        Ok(ExportFile::new(
            table,
            format.0.unwrap_or_default(),
            first,
            pages,
        ))
    }
}
