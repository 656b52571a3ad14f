//! Businesses (PL-26): the operator founds and lists them; an owner reads and changes
//! their own business's settings.

use chrono::{DateTime, Utc};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use clientele_domain::membership::{DunningInput, DunningPolicy};

use clientele_application::Clientele;
use clientele_application::businesses::{FoundedBusiness, NewBusinessInput};
use clientele_domain::Business;
use clientele_domain::Version;
use clientele_domain::business::SettingsInput;

use super::sites::SiteView;
use super::staff::StaffView;
use super::test_clock::{ModeView, TestClockView, clock_view};
use super::tokens::CreatedTokenView;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::{OperatorToken, StaffToken};
use crate::text::{Text, opt};

/// A business and its settings.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BusinessView {
    pub id: Uuid,
    pub name: String,
    /// IANA time zone; the business's calendar days are in it.
    pub time_zone: String,
    /// ISO-4217 currency code.
    pub currency: String,
    /// CL-18: editing a client to another's name merges them.
    pub merge_on_identical_name: bool,
    /// AC-6: whether clients may sign up and log in (bookings work either way).
    pub client_accounts_enabled: bool,
    /// AP-3: clients may reschedule or cancel an appointment from their account until
    /// this many hours before it starts.
    pub client_change_notice_hours: u32,
    /// PL-23: the country (ISO 3166, e.g. `FR`) of phone numbers typed without their
    /// international prefix: with one, numbers are kept in E.164 (`phone_normalised`).
    pub default_country: Option<String>,
    /// PL-20: `stub_card` (cards) or `manual` (the payment types below).
    pub active_processor: String,
    /// What the manual processor accepts: "cash", "cheque", …
    pub payment_types: Vec<String>,
    /// AP-8: whether members with the `staff` role may refund; owners and admins always
    /// may.
    pub staff_may_refund: bool,
    /// ME-8: what a declined membership payment leads to.
    pub dunning: DunningView,
    /// PL-25: `live`, or `test` with a clock of its own.
    pub mode: ModeView,
    /// PL-25: a test business's clock.
    pub test_clock: Option<TestClockView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

/// ME-8: the dunning policy.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DunningView {
    /// `cancel_immediately` (cancelled at the first decline) or `retry`.
    pub policy: String,
    /// For `retry`: the days after the first decline on which the payment is tried again
    /// (manual payers are reminded on them).
    pub retry_days: Option<Vec<u32>>,
    /// For `retry`: `cancel` or `leave_needs_attention` once the retries are used up.
    pub after_retries: Option<String>,
}

impl From<&DunningPolicy> for DunningView {
    fn from(policy: &DunningPolicy) -> Self {
        match policy {
            DunningPolicy::CancelImmediately => Self {
                policy: "cancel_immediately".to_owned(),
                retry_days: None,
                after_retries: None,
            },
            DunningPolicy::Retry { schedule, then } => Self {
                policy: "retry".to_owned(),
                retry_days: Some(schedule.days().to_vec()),
                after_retries: Some(then.as_str().to_owned()),
            },
        }
    }
}

/// ME-8: a dunning policy as sent.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct DunningParams {
    /// `cancel_immediately` or `retry`.
    pub policy: Text,
    /// For `retry`: 1 to 10 days after the first decline, increasing, each 1 to 60
    /// (default 1, 3, 5).
    pub retry_days: Option<Vec<i64>>,
    /// For `retry`: `cancel` (default) or `leave_needs_attention`.
    pub after_retries: Option<Text>,
}

impl From<&Business> for BusinessView {
    fn from(b: &Business) -> Self {
        let (mode, test_clock) = clock_view(&b.mode);
        Self {
            id: b.id.as_uuid(),
            name: b.name.as_str().to_owned(),
            time_zone: b.settings.time_zone.name().to_owned(),
            currency: b.settings.currency.code().to_owned(),
            merge_on_identical_name: b.settings.merge_on_identical_name,
            client_accounts_enabled: b.settings.client_accounts_enabled,
            client_change_notice_hours: b.settings.client_change_notice_hours,
            default_country: b.settings.default_country.map(|c| c.code().to_owned()),
            active_processor: b.settings.active_processor.as_str().to_owned(),
            payment_types: b
                .settings
                .payment_types
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
            staff_may_refund: b.settings.staff_may_refund,
            dunning: (&b.settings.dunning).into(),
            mode,
            test_clock,
            created_at: b.created_at,
            updated_at: b.updated_at,
            version: b.version.get(),
        }
    }
}

/// The first owner of a new business.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct OwnerParams {
    pub name: Text,
    pub email: Text,
}

/// A new business.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewBusinessParams {
    pub name: Text,
    /// IANA time zone, default `UTC`.
    pub time_zone: Option<Text>,
    /// ISO-4217 code, default `EUR`.
    pub currency: Option<Text>,
    /// The first site's name, default "Main site".
    pub site_name: Option<Text>,
    pub owner: OwnerParams,
    /// PL-25: found it in test mode, with a clock its owner moves forward to rehearse
    /// billing. Default false (live).
    pub test_mode: Option<bool>,
}

impl From<NewBusinessParams> for NewBusinessInput {
    fn from(p: NewBusinessParams) -> Self {
        Self {
            name: p.name.0,
            time_zone: opt(p.time_zone),
            currency: opt(p.currency),
            site_name: opt(p.site_name),
            owner_name: p.owner.name.0,
            owner_email: p.owner.email.0,
            test_mode: p.test_mode.unwrap_or(false),
        }
    }
}

/// A business just founded, with its first site, owner and the owner's token.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FoundedBusinessView {
    pub business: BusinessView,
    pub site: SiteView,
    pub owner: StaffView,
    /// The owner's token: its secret is shown only now.
    pub owner_token: CreatedTokenView,
}

impl From<&FoundedBusiness> for FoundedBusinessView {
    fn from(f: &FoundedBusiness) -> Self {
        Self {
            business: (&f.business).into(),
            site: (&f.site).into(),
            owner: (&f.owner).into(),
            owner_token: CreatedTokenView::new(&f.owner_token, &f.owner_secret),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BusinessPage {
    pub items: Vec<BusinessView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreateBusinessResponse {
    /// The business was founded.
    #[oai(status = 201)]
    Created(Json<FoundedBusinessView>),
}

/// A change of settings; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SettingsParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    pub name: Option<Text>,
    pub time_zone: Option<Text>,
    pub currency: Option<Text>,
    pub merge_on_identical_name: Option<bool>,
    /// AC-6: off refuses sign-ups and logins with a clear problem.
    pub client_accounts_enabled: Option<bool>,
    /// AP-3: hours of notice a client's own reschedule or cancellation needs, 0 to 8784
    /// (a year).
    #[oai(validator(minimum(value = "0"), maximum(value = "8784")))]
    pub client_change_notice_hours: Option<u32>,
    /// PL-23: an ISO 3166 country code (e.g. `FR`); empty removes it. Setting it keeps
    /// phone numbers in E.164 (`phone_normalised`), those typed from then on and those
    /// already stored that are valid numbers of the country.
    pub default_country: Option<String>,
    /// `stub_card` or `manual`.
    pub active_processor: Option<Text>,
    /// Replaces the manual processor's payment types.
    pub payment_types: Option<Vec<Text>>,
    /// Whether members with the `staff` role may refund.
    pub staff_may_refund: Option<bool>,
    /// ME-8: the dunning policy (replaced whole).
    pub dunning: Option<DunningParams>,
}

pub struct OperatorApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1/operator", tag = "ApiTags::Operator")]
impl OperatorApi {
    /// Found a business with its first site, owner and owner token (operator only).
    #[oai(
        path = "/businesses",
        method = "post",
        operation_id = "create_business"
    )]
    async fn create(
        &self,
        auth: OperatorToken,
        body: Json<NewBusinessParams>,
    ) -> Result<
        CreateBusinessResponse,
        Problems<{ UNAUTHENTICATE | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let operator = self.app.authenticate_operator(&auth.0.token)?;
        let founded = self.app.create_business(operator, &body.0.into()).await?;
        Ok(CreateBusinessResponse::Created(Json((&founded).into())))
    }

    /// Every business, a page at a time (operator only).
    #[oai(path = "/businesses", method = "get", operation_id = "list_businesses")]
    async fn list(
        &self,
        auth: OperatorToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<BusinessPage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let operator = self.app.authenticate_operator(&auth.0.token)?;
        let page = self
            .app
            .list_businesses(operator, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(BusinessPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }
}

pub struct BusinessApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Business")]
impl BusinessApi {
    /// The caller's business and its settings (owner only).
    #[oai(path = "/business", method = "get", operation_id = "get_business")]
    async fn get(
        &self,
        auth: StaffToken,
    ) -> Result<Json<BusinessView>, Problems<{ UNAUTHENTICATE | FORBID }>> {
        let actor = auth.actor(&self.app).await?;
        let business = self.app.settings(&actor).await?;
        Ok(Json((&business).into()))
    }

    /// Change the business's name or settings (owner only).
    #[oai(path = "/business", method = "patch", operation_id = "update_business")]
    async fn update(
        &self,
        auth: StaffToken,
        body: Json<SettingsParams>,
    ) -> Result<
        Json<BusinessView>,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let params = body.0;
        let input = SettingsInput {
            name: opt(params.name),
            time_zone: opt(params.time_zone),
            currency: opt(params.currency),
            merge_on_identical_name: params.merge_on_identical_name,
            client_accounts_enabled: params.client_accounts_enabled,
            client_change_notice_hours: params.client_change_notice_hours,
            default_country: params.default_country,
            active_processor: opt(params.active_processor),
            payment_types: params
                .payment_types
                .map(|types| types.into_iter().map(Text::into_inner).collect()),
            staff_may_refund: params.staff_may_refund,
            dunning: params.dunning.map(|d| DunningInput {
                policy: d.policy.into_inner(),
                // A day out of u32 is out of 1 to 60 as well: refused by the domain.
                retry_days: d.retry_days.map(|days| {
                    days.into_iter()
                        .map(|day| u32::try_from(day).unwrap_or(0))
                        .collect()
                }),
                after_retries: opt(d.after_retries),
            }),
        };
        let business = self
            .app
            .update_settings(&actor, Version::new(params.version), &input)
            .await?;
        Ok(Json((&business).into()))
    }
}
