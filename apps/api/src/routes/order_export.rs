//! CO-8: the orders list as a file, CSV or Excel, with the list's filters.

use chrono::NaiveDate;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::orders::{OrderExport, OrderExportLine};

use super::ApiTags;
use super::orders::filter;
use super::products::ProductKindParam;
use crate::export::{Cell, ExportFile, ExportFormat, Pages, Row, Table};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

fn table() -> Table {
    Table::new(
        "orders",
        &[
            "order_id",
            "ordered_at",
            "status",
            "client_id",
            "client_first_name",
            "client_last_name",
            "client_email",
            "product_id",
            "product_name",
            "kind",
            "code",
            "price",
            "currency",
            "method",
            "payment_type",
            "paid",
            "refunded",
            "cancelled_at",
        ],
    )
}

fn row(line: OrderExportLine) -> Row {
    vec![
        Cell::text(line.id.to_string()),
        Cell::Instant(Some(line.created_at)),
        Cell::text(line.status.as_str()),
        Cell::text(line.client_id.to_string()),
        Cell::Text(line.client_first_name),
        Cell::Text(line.client_last_name),
        Cell::Text(line.client_email.unwrap_or_default()),
        Cell::text(line.product_id.to_string()),
        Cell::Text(line.product_name),
        Cell::text(line.family.as_str()),
        Cell::text(line.code_text.to_string()),
        Cell::money(line.price),
        Cell::text(line.price.currency().code()),
        Cell::Text(line.method),
        Cell::Text(line.payment_type.unwrap_or_default()),
        Cell::money(line.paid),
        Cell::money(line.refunded),
        Cell::Instant(line.cancelled_at),
    ]
}

fn rows(lines: Vec<OrderExportLine>) -> Vec<Row> {
    lines.into_iter().map(row).collect()
}

/// The pages of an orders export after the first.
struct OrderPages {
    app: Clientele,
    export: OrderExport,
}

impl Pages for OrderPages {
    async fn next_page(&mut self) -> Result<Option<Vec<Row>>, String> {
        self.app
            .export_page(&mut self.export)
            .await
            .map(|page| page.map(rows))
            .map_err(|e| e.to_string())
    }
}

pub struct OrderExportApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Orders")]
impl OrderExportApi {
    /// Every order matching the filters as a file, newest first (owner, admin; CO-8):
    /// `format=csv` (default) or `xlsx`, streamed. Codes added without an order are not
    /// in it; a subscription appears once, with its first payment.
    #[oai(
        path = "/orders/export",
        method = "get",
        operation_id = "export_orders"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn export(
        &self,
        auth: StaffToken,
        format: Query<Option<ExportFormat>>,
        product_id: Query<Option<Uuid>>,
        kind: Query<Option<ProductKindParam>>,
        client_id: Query<Option<Uuid>>,
        /// Made on this day or later (the business's time zone).
        from: Query<Option<NaiveDate>>,
        /// Made on this day or earlier.
        until: Query<Option<NaiveDate>>,
    ) -> Result<ExportFile, Problems<{ MALFORM | UNAUTHENTICATE | FORBID }>> {
        let actor = auth.actor(&self.app).await?;
        let filter = filter(product_id.0, kind.0, client_id.0, from.0, until.0);
        let mut export = self.app.export_orders(&actor, &filter).await?;
        let first = self.app.export_page(&mut export).await?.unwrap_or_default();
        let pages = OrderPages {
            app: self.app.clone(),
            export,
        };
        Ok(ExportFile::new(
            table(),
            format.0.unwrap_or_default(),
            rows(first),
            pages,
        ))
    }
}
