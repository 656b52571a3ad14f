//! Products (CO-1, CO-2): packages, gift certificates and subscriptions; defined by the
//! owner and admins, archived rather than deleted; a product's active codes (CO-7).

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::products::ProductRequest;
use clientele_domain::product::{
    Coverage, Family, PeriodUnit, Product, ProductInput, ProductKind, Validity,
};
use clientele_domain::{AppointmentTypeId, ProductId, Version};

use super::codes::CodePage;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::{Amount, Text, opt};

/// CO-1: what a product is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ProductKindParam {
    /// A number of appointments.
    Package,
    /// A money value, or a number of appointments, that can be given away.
    GiftCertificate,
    /// A number of appointments per period, renewed at a price (billed as a membership).
    Subscription,
}

impl From<ProductKindParam> for Family {
    fn from(kind: ProductKindParam) -> Self {
        match kind {
            ProductKindParam::Package => Self::Package,
            ProductKindParam::GiftCertificate => Self::GiftCertificate,
            ProductKindParam::Subscription => Self::Subscription,
        }
    }
}

impl From<Family> for ProductKindParam {
    fn from(family: Family) -> Self {
        match family {
            Family::Package => Self::Package,
            Family::GiftCertificate => Self::GiftCertificate,
            Family::Subscription => Self::Subscription,
        }
    }
}

/// How often a subscription renews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PeriodUnitParam {
    Week,
    Month,
    Year,
}

impl From<PeriodUnit> for PeriodUnitParam {
    fn from(unit: PeriodUnit) -> Self {
        match unit {
            PeriodUnit::Week => Self::Week,
            PeriodUnit::Month => Self::Month,
            PeriodUnit::Year => Self::Year,
        }
    }
}

/// A product.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProductView {
    pub id: Uuid,
    pub name: String,
    pub kind: ProductKindParam,
    /// Appointments it gives (per period for a subscription); absent for a money gift
    /// certificate.
    pub appointments: Option<u32>,
    /// A money gift certificate's value.
    pub value: Option<Amount>,
    pub period_unit: Option<PeriodUnitParam>,
    pub period_every: Option<u32>,
    /// A subscription's unused appointments carry over to the next period.
    pub rollover: Option<bool>,
    pub price: Amount,
    pub currency: String,
    /// The appointment types its codes pay for; empty: every type.
    pub appointment_type_ids: Vec<Uuid>,
    /// Codes expire this many days after purchase.
    pub validity_days: Option<u32>,
    /// Codes expire this many months after purchase.
    pub validity_months: Option<u32>,
    /// No longer sold; its codes keep working.
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

impl From<&Product> for ProductView {
    fn from(p: &Product) -> Self {
        let d = &p.details;
        let (kind, appointments, value, period, rollover) = match d.kind {
            ProductKind::Package { appointments } => (
                ProductKindParam::Package,
                Some(appointments.get()),
                None,
                None,
                None,
            ),
            ProductKind::AppointmentGift { appointments } => (
                ProductKindParam::GiftCertificate,
                Some(appointments.get()),
                None,
                None,
                None,
            ),
            ProductKind::MoneyGift { value } => (
                ProductKindParam::GiftCertificate,
                None,
                Some(Amount(value.amount_text())),
                None,
                None,
            ),
            ProductKind::Subscription {
                appointments,
                period,
                rollover,
            } => (
                ProductKindParam::Subscription,
                Some(appointments.get()),
                None,
                Some(period),
                Some(rollover),
            ),
        };
        let (validity_days, validity_months) = match d.validity {
            Some(Validity::Days(days)) => (Some(days), None),
            Some(Validity::Months(months)) => (None, Some(months)),
            None => (None, None),
        };
        Self {
            id: p.id.as_uuid(),
            name: d.name.as_str().to_owned(),
            kind,
            appointments,
            value,
            period_unit: period.map(|p| p.unit.into()),
            period_every: period.map(|p| p.every),
            rollover,
            price: Amount(d.price.amount_text()),
            currency: d.price.currency().code().to_owned(),
            appointment_type_ids: match &d.covers {
                Coverage::AllTypes => Vec::new(),
                Coverage::Types(types) => types.iter().map(|t| t.as_uuid()).collect(),
            },
            validity_days,
            validity_months,
            archived: p.archived,
            created_at: p.created_at,
            updated_at: p.updated_at,
            version: p.version.get(),
        }
    }
}

/// A product's details (CO-1). A package and a subscription give `appointments`; a
/// gift certificate gives either `appointments` or a money `value`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ProductParams {
    /// The version the change is based on (PL-11); only when changing a product.
    pub version: Option<i64>,
    pub name: Text,
    /// A product keeps its kind once created.
    pub kind: ProductKindParam,
    /// 1 to 1000.
    pub appointments: Option<i64>,
    /// A money gift certificate's value.
    pub value: Option<Amount>,
    /// A subscription's period.
    pub period_unit: Option<PeriodUnitParam>,
    /// A subscription renews every this many periods, 1 to 12 (default 1).
    pub period_every: Option<i64>,
    /// A subscription's unused appointments carry over (default false).
    pub rollover: Option<bool>,
    pub price: Amount,
    /// ISO-4217 code; must be the business's currency (the default).
    pub currency: Option<Text>,
    /// The appointment types its codes pay for; empty or absent: every type.
    #[oai(default)]
    pub appointment_type_ids: Vec<Uuid>,
    /// Codes expire this many days after purchase (1 to 3660).
    pub validity_days: Option<i64>,
    /// Codes expire this many months after purchase (1 to 120).
    pub validity_months: Option<i64>,
}

impl poem_openapi::types::Example for ProductParams {
    fn example() -> Self {
        Self {
            version: None,
            name: Text("Five massages".into()),
            kind: ProductKindParam::Package,
            appointments: Some(5),
            value: None,
            period_unit: None,
            period_every: None,
            rollover: None,
            price: Amount("250.00".into()),
            currency: None,
            appointment_type_ids: Vec::new(),
            validity_days: None,
            validity_months: Some(12),
        }
    }
}

impl ProductParams {
    fn request(self) -> ProductRequest {
        let kind = match self.kind {
            ProductKindParam::Package => "package",
            ProductKindParam::GiftCertificate => "gift_certificate",
            ProductKindParam::Subscription => "subscription",
        };
        ProductRequest {
            input: ProductInput {
                name: self.name.0,
                kind: kind.to_owned(),
                appointments: self.appointments,
                value: self.value.map(|v| v.0),
                period_unit: self.period_unit.map(|u| {
                    match u {
                        PeriodUnitParam::Week => "week",
                        PeriodUnitParam::Month => "month",
                        PeriodUnitParam::Year => "year",
                    }
                    .to_owned()
                }),
                period_every: self.period_every,
                rollover: self.rollover,
                price: self.price.0,
                appointment_types: self
                    .appointment_type_ids
                    .into_iter()
                    .map(AppointmentTypeId::from_uuid)
                    .collect(),
                validity_days: self.validity_days,
                validity_months: self.validity_months,
            },
            currency: opt(self.currency),
        }
    }
}

/// The version an archiving is based on.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ArchiveParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProductPage {
    pub items: Vec<ProductView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreateProductResponse {
    /// The product was created.
    #[oai(status = 201)]
    Created(Json<ProductView>),
}

pub struct ProductsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Products")]
impl ProductsApi {
    /// The business's products, by id.
    #[oai(path = "/products", method = "get", operation_id = "list_products")]
    async fn list(
        &self,
        auth: StaffToken,
        /// Also list archived products.
        #[oai(default)]
        archived: Query<bool>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<ProductPage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .list_products(
                &actor,
                archived.0,
                page_limit(limit.0)?,
                cursor.0.as_deref(),
            )
            .await?;
        Ok(Json(ProductPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Define a product (owner, admin; CO-1).
    #[oai(path = "/products", method = "post", operation_id = "create_product")]
    async fn create(
        &self,
        auth: StaffToken,
        body: Json<ProductParams>,
    ) -> Result<CreateProductResponse, Problems<{ UNAUTHENTICATE | FORBID | TAKE_BODY | BREAK_RULE }>>
    {
        let actor = auth.actor(&self.app).await?;
        let product = self.app.create_product(&actor, &body.0.request()).await?;
        Ok(CreateProductResponse::Created(Json((&product).into())))
    }

    /// One product.
    #[oai(path = "/products/:id", method = "get", operation_id = "get_product")]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<ProductView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let product = self.app.product(&actor, ProductId::from_uuid(id.0)).await?;
        Ok(Json((&product).into()))
    }

    /// Replace a product's details (owner, admin; CO-2): every code of it follows, no
    /// balance changes. `version` is required.
    #[oai(
        path = "/products/:id",
        method = "put",
        operation_id = "update_product"
    )]
    async fn update(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<ProductParams>,
    ) -> Result<
        Json<ProductView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let version = body.0.version.ok_or_else(|| {
            crate::problem::ProblemResponse::unprocessable(
                "version",
                "the version the change is based on",
            )
        })?;
        let product = self
            .app
            .update_product(
                &actor,
                ProductId::from_uuid(id.0),
                Version::new(version),
                &body.0.request(),
            )
            .await?;
        Ok(Json((&product).into()))
    }

    /// Stop selling a product (owner, admin); its codes keep working.
    #[oai(
        path = "/products/:id/archive",
        method = "post",
        operation_id = "archive_product"
    )]
    async fn archive(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<ArchiveParams>,
    ) -> Result<
        Json<ProductView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let product = self
            .app
            .archive_product(
                &actor,
                ProductId::from_uuid(id.0),
                Version::new(body.0.version),
            )
            .await?;
        Ok(Json((&product).into()))
    }

    /// A product's active codes with what is left (CO-7), by id. For members who see
    /// every site.
    #[oai(
        path = "/products/:id/codes",
        method = "get",
        operation_id = "list_product_codes"
    )]
    async fn codes(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<CodePage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .product_codes(
                &actor,
                ProductId::from_uuid(id.0),
                page_limit(limit.0)?,
                cursor.0.as_deref(),
            )
            .await?;
        Ok(Json(CodePage::from(page)))
    }
}
