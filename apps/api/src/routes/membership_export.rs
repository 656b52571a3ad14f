//! ME-18: the memberships list as a file, CSV or Excel, with the list's filters.

use chrono::NaiveDate;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::membership_export::MembershipExport;
use clientele_application::memberships::MembershipFilter;
use clientele_domain::MembershipTypeId;
use clientele_ports::storage::{DateRange, MembershipLine};

use super::ApiTags;
use super::memberships::{StatusFilterParam, ViewParam};
use crate::export::{Cell, ExportFile, ExportFormat, Pages, Row, Table};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

fn table() -> Table {
    Table::new(
        "memberships",
        &[
            "number",
            "status",
            "reason",
            "client_id",
            "client_first_name",
            "client_last_name",
            "type",
            "rate",
            "currency",
            "start_date",
            "end_date",
            "member_since",
            "next_billing_date",
            "paused_until",
            "cancelled_on",
            "payment_method",
            "membership_id",
            "created_at",
        ],
    )
}

fn row(line: &MembershipLine) -> Row {
    let m = &line.membership;
    vec![
        Cell::text(m.number().to_string()),
        Cell::text(m.status().as_str()),
        Cell::text(m.status().reason().map_or("", |r| r.as_str())),
        Cell::text(m.client_id().to_string()),
        Cell::text(line.client_first_name.as_str()),
        Cell::text(line.client_last_name.as_str()),
        Cell::text(line.type_name.as_str()),
        Cell::money(m.rate().amount()),
        Cell::text(m.rate().amount().currency().code()),
        Cell::Day(Some(m.start_date())),
        Cell::Day(m.end_date()),
        Cell::Day(Some(m.member_since())),
        Cell::Day(Some(m.next_billing_date())),
        Cell::Day(m.paused_until()),
        Cell::Day(m.cancelled_on()),
        Cell::text(m.payment_method().describe()),
        Cell::text(m.id().to_string()),
        Cell::Instant(Some(line.created_at)),
    ]
}

/// The pages of a memberships export after the first.
struct MembershipPages {
    app: Clientele,
    export: MembershipExport,
}

impl Pages for MembershipPages {
    async fn next_page(&mut self) -> Result<Option<Vec<Row>>, String> {
        self.app
            .membership_export_page(&mut self.export)
            .await
            .map(|page| page.map(|lines| lines.iter().map(row).collect()))
            .map_err(|e| e.to_string())
    }
}

pub struct MembershipExportApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Memberships")]
impl MembershipExportApi {
    /// Every membership matching the list's filters as a file, newest first (owner,
    /// admin; ME-18): `format=csv` (default) or `xlsx`, streamed.
    #[oai(
        path = "/memberships/export",
        method = "get",
        operation_id = "export_memberships"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn export(
        &self,
        auth: StaffToken,
        format: Query<Option<ExportFormat>>,
        view: Query<Option<ViewParam>>,
        status: Query<Option<StatusFilterParam>>,
        type_id: Query<Option<Uuid>>,
        created_from: Query<Option<NaiveDate>>,
        created_until: Query<Option<NaiveDate>>,
        ends_from: Query<Option<NaiveDate>>,
        ends_until: Query<Option<NaiveDate>>,
        next_billing_from: Query<Option<NaiveDate>>,
        next_billing_until: Query<Option<NaiveDate>>,
    ) -> Result<ExportFile, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | BREAK_RULE }>> {
        let actor = auth.actor(&self.app).await?;
        let filter = MembershipFilter {
            view: view.0.map(Into::into),
            status: status.0.map(Into::into),
            type_id: type_id.0.map(MembershipTypeId::from_uuid),
            created: DateRange {
                from: created_from.0,
                to: created_until.0,
            },
            ends: DateRange {
                from: ends_from.0,
                to: ends_until.0,
            },
            next_billing: DateRange {
                from: next_billing_from.0,
                to: next_billing_until.0,
            },
        };
        let mut export = self.app.export_memberships(&actor, &filter).await?;
        let first = self
            .app
            .membership_export_page(&mut export)
            .await?
            .unwrap_or_default();
        let first = first.iter().map(row).collect();
        let pages = MembershipPages {
            app: self.app.clone(),
            export,
        };
        Ok(ExportFile::new(
            table(),
            format.0.unwrap_or_default(),
            first,
            pages,
        ))
    }
}
