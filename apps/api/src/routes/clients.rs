//! The client list (CL-1 to CL-4): create, read, change and list the clients of the
//! caller's sites.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::{Example, MaybeUndefined};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Serialize;
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::client_merges::Located;
use clientele_application::clients::{ClientError, ClientListRequest, SiteChoice};
use clientele_domain::audit::ClientAuditEntry;
use clientele_domain::client::{ClientChangesInput, ClientInput};
use clientele_domain::custom_field::CustomValuesInput;
use clientele_domain::label::LabelFilter;
use clientele_domain::{
    Client, ClientId, ClientSort, CustomFieldId, FieldError, LabelId, MarketingPreferenceId,
    SiteId, ValidationErrors, Version,
};

use super::client_merges::ClientMergeView;
use super::memberships::StatusFilterParam;
use super::products::ProductKindParam;
use super::sites::DeleteResponse;
use super::{ApiTags, page_limit};
use crate::json::JsonBody;
use crate::problem::ProblemResponse;
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::{Text, TextOrNull, opt};

/// `site=<uuid>`, `site=all`, or no `site` for the caller's current site.
fn site_choice(raw: Option<&str>) -> Result<SiteChoice, ProblemResponse> {
    match raw.map(str::trim) {
        None | Some("") => Ok(SiteChoice::Current),
        Some("all") => Ok(SiteChoice::All),
        Some(id) => Uuid::parse_str(id)
            .map(|id| SiteChoice::One(SiteId::from_uuid(id)))
            .map_err(|_| ProblemResponse::bad_parameter("site", "must be a site id or `all`")),
    }
}

/// A client.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ClientView {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    /// As typed.
    pub email: Option<String>,
    /// As typed.
    pub phone: Option<String>,
    /// Digits with an optional leading `+`.
    pub phone_normalised: Option<String>,
    /// The sites the client belongs to.
    pub sites: Vec<Uuid>,
    /// CL-12: the free, staff-only "client notes" field.
    pub client_notes: Option<String>,
    /// The client's labels (CL-11).
    pub labels: Vec<Uuid>,
    /// CL-24: the client's custom field values as text, by field id (fields without a
    /// value are absent).
    pub custom_fields: BTreeMap<String, String>,
    pub banned: bool,
    /// Whether the client has a client account.
    pub has_account: bool,
    /// The day the client was created, in the business's time zone.
    pub client_since: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Last change made by staff to the profile (CL-4).
    pub admin_updated_at: DateTime<Utc>,
    /// Send it back with a change (PL-11).
    pub version: i64,
    /// Only in the answer to a change of name that merged the profile into a namesake
    /// (CL-18, the business's `merge_on_identical_name`): the merge; the view is then the
    /// kept profile's.
    pub merge: Option<ClientMergeView>,
}

/// Writes a client's JSON as [`ClientView`] does, borrowing from the client: a page of
/// 500 is written without copying its strings first.
struct ClientWriter<'a>(&'a Client);

impl Serialize for ClientWriter<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        struct Values<'a>(&'a clientele_domain::custom_field::CustomValues);
        impl Serialize for Values<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|(field, value)| (field, value.text())))
            }
        }

        let c = self.0;
        let mut out = serializer.serialize_struct("ClientView", 18)?;
        out.serialize_field("id", &c.id().as_uuid())?;
        out.serialize_field("first_name", c.first_name().as_str())?;
        out.serialize_field("last_name", c.last_name().as_str())?;
        if let Some(email) = c.email() {
            out.serialize_field("email", email.as_str())?;
        }
        if let Some(phone) = c.phone() {
            out.serialize_field("phone", phone.as_typed())?;
            out.serialize_field("phone_normalised", phone.normalised())?;
        }
        out.serialize_field("sites", c.sites())?;
        if let Some(notes) = c.client_notes() {
            out.serialize_field("client_notes", notes.as_str())?;
        }
        out.serialize_field("labels", c.labels())?;
        out.serialize_field("custom_fields", &Values(c.custom_fields()))?;
        out.serialize_field("banned", &c.banned())?;
        out.serialize_field("has_account", &c.has_account())?;
        out.serialize_field("client_since", &c.client_since())?;
        out.serialize_field("created_at", &c.created_at().to_rfc3339())?;
        out.serialize_field("updated_at", &c.updated_at().to_rfc3339())?;
        out.serialize_field("admin_updated_at", &c.admin_updated_at().to_rfc3339())?;
        out.serialize_field("version", &c.version().get())?;
        out.end()
    }
}

/// Writes a [`ClientPage`] from borrowed clients.
#[derive(Serialize)]
struct ClientPageWriter<'a> {
    items: Vec<ClientWriter<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<&'a str>,
}

impl From<&Client> for ClientView {
    fn from(c: &Client) -> Self {
        Self {
            id: c.id().as_uuid(),
            first_name: c.first_name().as_str().to_owned(),
            last_name: c.last_name().as_str().to_owned(),
            email: c.email().as_ref().map(|e| e.as_str().to_owned()),
            phone: c.phone().as_ref().map(|p| p.as_typed().to_owned()),
            phone_normalised: c.phone().as_ref().map(|p| p.normalised().to_owned()),
            sites: c.sites().iter().map(SiteId::as_uuid).collect(),
            labels: c.labels().iter().map(|l| l.as_uuid()).collect(),
            client_notes: c.client_notes().as_ref().map(|n| n.as_str().to_owned()),
            custom_fields: c
                .custom_fields()
                .iter()
                .map(|(field, value)| (field.to_string(), value.text()))
                .collect(),
            banned: c.banned(),
            has_account: c.has_account(),
            client_since: c.client_since(),
            created_at: c.created_at(),
            updated_at: c.updated_at(),
            admin_updated_at: c.admin_updated_at(),
            version: c.version().get(),
            merge: None,
        }
    }
}

/// A new client (CL-1).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none, example)]
pub struct NewClientParams {
    pub first_name: Text,
    pub last_name: Text,
    pub email: Option<Text>,
    /// Digits, spaces, `.`, `-`, `/`, parentheses and a leading `+`.
    pub phone: Option<Text>,
    /// The client's sites; default the caller's current site.
    pub sites: Option<Vec<Uuid>>,
    /// CL-12: the free "client notes" field (several lines allowed).
    pub client_notes: Option<Text>,
    /// CL-24: custom field values by field id, each a string checked against the field's
    /// kind (`"12.50"`, `"2026-11-22"`, an option); `null` means no value.
    pub custom_fields: Option<BTreeMap<String, TextOrNull>>,
}

/// A change to a client. Absent fields stay as they are; `null` or an empty string
/// clears email, phone, client notes or a custom field's value (a client generated from
/// this document may only be able to send the empty string).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none, example)]
pub struct ClientChangesParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    pub first_name: Option<Text>,
    pub last_name: Option<Text>,
    pub email: MaybeUndefined<Text>,
    pub phone: MaybeUndefined<Text>,
    /// The client's sites, replacing the current ones.
    pub sites: Option<Vec<Uuid>>,
    /// CL-12: the free "client notes" field; `null` clears it.
    pub client_notes: MaybeUndefined<Text>,
    /// CL-24: custom field values to set, by field id, each a string checked against the
    /// field's kind; `null` clears one. Fields not named keep their value.
    pub custom_fields: Option<BTreeMap<String, TextOrNull>>,
}

impl Example for NewClientParams {
    fn example() -> Self {
        Self {
            first_name: Text("Ana".into()),
            last_name: Text("Lima".into()),
            email: Some(Text("ana.lima@example.com".into())),
            phone: Some(Text("+33 6 12 34 56 78".into())),
            sites: None,
            client_notes: Some(Text("Prefers morning appointments.".into())),
            custom_fields: None,
        }
    }
}

impl Example for ClientChangesParams {
    fn example() -> Self {
        Self {
            version: 3,
            first_name: None,
            last_name: None,
            email: MaybeUndefined::Value(Text("ana@example.org".into())),
            phone: MaybeUndefined::Undefined,
            sites: None,
            client_notes: MaybeUndefined::Undefined,
            custom_fields: None,
        }
    }
}

fn sites(ids: Option<Vec<Uuid>>) -> Option<Vec<SiteId>> {
    ids.map(|ids| ids.into_iter().map(SiteId::from_uuid).collect())
}

/// Custom field values by field id; a key that is not a field id is refused like an
/// unknown field (422 on `custom_fields.<key>`).
fn custom_values(
    values: Option<BTreeMap<String, TextOrNull>>,
) -> Result<CustomValuesInput, ValidationErrors> {
    let mut parsed = CustomValuesInput::new();
    let mut errors = Vec::new();
    for (key, value) in values.unwrap_or_default() {
        match Uuid::parse_str(&key) {
            Ok(id) => {
                parsed.insert(CustomFieldId::from_uuid(id), value.0);
            }
            Err(_) => errors.push(FieldError::new(
                format!("custom_fields.{key}"),
                "no such custom field in this business",
            )),
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(ValidationErrors(errors))
    }
}

pub(super) fn change(value: MaybeUndefined<Text>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.0)),
    }
}

/// CL-4: the orders of the client list.
#[derive(Debug, Clone, Copy, Enum, Default)]
#[oai(rename_all = "snake_case")]
pub enum ClientSortParam {
    /// Last name, then first name (the default).
    #[default]
    LastName,
    /// First name, then last name.
    FirstName,
    /// Oldest first.
    CreatedAt,
    /// Least recently changed by staff first.
    AdminUpdatedAt,
}

impl From<ClientSortParam> for ClientSort {
    fn from(sort: ClientSortParam) -> Self {
        match sort {
            ClientSortParam::LastName => Self::LastName,
            ClientSortParam::FirstName => Self::FirstName,
            ClientSortParam::CreatedAt => Self::CreatedAt,
            ClientSortParam::AdminUpdatedAt => Self::AdminUpdatedAt,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ClientPage {
    pub items: Vec<ClientView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One entry of a client's audit trail (CL-14).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditEntryView {
    /// What happened: `banned`, `unbanned`, `updated` (a profile field changed),
    /// `merged` (`new_value`: the ids of the profiles merged into this one, CL-17) or
    /// `unmerged` (`old_value`: the ids a merge's undoing brought back, CL-23).
    pub action: String,
    /// For `updated`: the field (`first_name`, `email`, `sites`, `labels`, …;
    /// `custom_fields.<field id>` for a custom field).
    pub field: Option<String>,
    /// For `updated`: the value before (absent: empty).
    pub old_value: Option<String>,
    /// For `updated`: the value after (absent: empty).
    pub new_value: Option<String>,
    /// The staff member who did it.
    pub actor_id: Uuid,
    pub at: DateTime<Utc>,
}

impl From<&ClientAuditEntry> for AuditEntryView {
    fn from(e: &ClientAuditEntry) -> Self {
        Self {
            action: e.action.as_str().to_owned(),
            field: e.field.clone(),
            old_value: e.old_value.clone(),
            new_value: e.new_value.clone(),
            actor_id: e.actor.as_uuid(),
            at: e.at,
        }
    }
}

/// Where a merged profile went (CL-17).
#[derive(Debug, Object)]
pub struct MergedPointer {
    /// The profile it was merged into.
    pub merged_into: Uuid,
}

// An answer lives for one response: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(ApiResponse)]
pub enum GetClientResponse {
    /// The client.
    #[oai(status = 200)]
    Found(Json<ClientView>),
    /// The profile was merged into another (CL-17): `Location` is the kept profile.
    #[oai(status = 301)]
    Merged(Json<MergedPointer>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum CreateClientResponse {
    /// The client was created.
    #[oai(status = 201)]
    Created(Json<ClientView>),
}

pub struct ClientsApi {
    pub app: Clientele,
}

/// The client list's order, search and filters as its query names them (CL-4 to CL-10),
/// shared by the list and its export.
pub(super) struct ListFilters {
    pub sort: Option<ClientSortParam>,
    pub q: Option<String>,
    pub site: Option<String>,
    pub labels_any: Option<Vec<Uuid>>,
    pub labels_all: Option<Vec<Uuid>>,
    pub banned: Option<bool>,
    pub has_account: Option<bool>,
    pub recent_days: Option<u32>,
    pub inactive_days: Option<u32>,
    pub opted_in: Option<Uuid>,
    pub holding: Option<ProductKindParam>,
    pub has_membership: Option<bool>,
    pub membership_status: Option<StatusFilterParam>,
    pub field: Option<Vec<String>>,
}

impl ListFilters {
    /// The request for the first page of the default size.
    pub(super) fn request(self) -> Result<ClientListRequest, ProblemResponse> {
        let ids =
            |ids: Option<Vec<Uuid>>| ids.into_iter().flatten().map(LabelId::from_uuid).collect();
        let labels = LabelFilter::from_lists(ids(self.labels_any), ids(self.labels_all))
            .map_err(|e| ProblemResponse::bad_parameter(&e.field, e.message))?;
        Ok(ClientListRequest {
            labels,
            banned: self.banned,
            has_account: self.has_account,
            recent_days: self.recent_days,
            inactive_days: self.inactive_days,
            opted_in: self.opted_in.map(MarketingPreferenceId::from_uuid),
            holding: self.holding.map(Into::into),
            has_membership: self.has_membership,
            membership_status: self.membership_status.map(Into::into),
            custom_fields: self.field.unwrap_or_default(),
            sort: self.sort.unwrap_or_default().into(),
            site: site_choice(self.site.as_deref())?,
            q: self.q,
            ..ClientListRequest::default()
        })
    }
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Clients")]
impl ClientsApi {
    /// One page of the clients of the caller's sites (CL-3, CL-4, PL-9, PL-14).
    #[oai(path = "/clients", method = "get", operation_id = "list_clients")]
    // poem-openapi takes each query parameter as an argument of its own.
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: StaffToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page, with the same `sort`.
        cursor: Query<Option<String>>,
        /// The order (default `last_name`).
        sort: Query<Option<ClientSortParam>>,
        /// CL-5 to CL-8: search by name (prefixes of first and last names, any split of
        /// the words, accents and case ignored), phone (2 digits or more, anywhere in the
        /// number) or email (any part); exact matches first.
        q: Query<Option<String>>,
        /// Only clients of this site (one the caller can access), or `all` for every site
        /// the caller can access; by default the caller's current site (their oldest).
        site: Query<Option<String>>,
        /// CL-10: only clients with at least one of these labels (repeat the parameter).
        labels_any: Query<Option<Vec<Uuid>>>,
        /// CL-10: only clients with every one of these labels (repeat the parameter).
        labels_all: Query<Option<Vec<Uuid>>>,
        /// CL-10: only banned (true) or not banned (false) clients.
        banned: Query<Option<bool>>,
        /// CL-10: only clients with (true) or without (false) a client account.
        has_account: Query<Option<bool>>,
        /// CL-9: only clients who had an appointment in the last N days (30 to 1461).
        recent_days: Query<Option<u32>>,
        /// CL-9: only clients with no appointment for N days (14 to 730); clients without
        /// appointments are inactive since they were created.
        inactive_days: Query<Option<u32>>,
        /// CL-10: only clients opted in to this marketing preference.
        opted_in: Query<Option<Uuid>>,
        /// CL-10: only clients holding an active code of this kind (package, gift
        /// certificate, subscription).
        holding: Query<Option<ProductKindParam>>,
        /// CL-10: only clients with (true) or without (false) an active membership.
        has_membership: Query<Option<bool>>,
        /// CL-10: only clients with a membership of this status.
        membership_status: Query<Option<StatusFilterParam>>,
        /// CL-10, CL-24: only clients whose custom field has this value, as
        /// `<field id>:<value>` (e.g. `0193…:gold`; text and options compare case- and
        /// accent-insensitively, numbers by value). Repeat it (at most 20): every one must
        /// hold.
        field: Query<Option<Vec<String>>>,
    ) -> Result<JsonBody<ClientPage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | BREAK_RULE }>>
    {
        let actor = auth.actor(&self.app).await?;
        let request = ClientListRequest {
            limit: page_limit(limit.0)?,
            cursor: cursor.0,
            ..ListFilters {
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
            .request()?
        };
        let page = self.app.list_clients(&actor, &request).await?;
        Ok(JsonBody::written(&ClientPageWriter {
            items: page.items.iter().map(ClientWriter).collect(),
            next_cursor: page.next_cursor.as_deref(),
        }))
    }

    /// Create a client (CL-1, CL-2).
    #[oai(path = "/clients", method = "post", operation_id = "create_client")]
    async fn create(
        &self,
        auth: StaffToken,
        body: Json<NewClientParams>,
    ) -> Result<
        CreateClientResponse,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let input = ClientInput {
            first_name: p.first_name.0,
            last_name: p.last_name.0,
            email: opt(p.email),
            phone: opt(p.phone),
            sites: sites(p.sites),
            client_notes: opt(p.client_notes),
            custom_fields: custom_values(p.custom_fields).map_err(ClientError::from)?,
        };
        let client = self.app.create_client(&actor, &input).await?;
        Ok(CreateClientResponse::Created(Json((&client).into())))
    }

    /// One client of the caller's sites. A profile merged into another (CL-17) answers
    /// 301 with the kept profile's id and address.
    #[oai(path = "/clients/:id", method = "get", operation_id = "get_client")]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<GetClientResponse, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        Ok(
            match self
                .app
                .locate_client(&actor, ClientId::from_uuid(id.0))
                .await?
            {
                Located::Client(client) => GetClientResponse::Found(Json((&*client).into())),
                Located::MergedInto(kept) => GetClientResponse::Merged(
                    Json(MergedPointer {
                        merged_into: kept.as_uuid(),
                    }),
                    format!("/v1/clients/{}", kept.as_uuid()),
                ),
            },
        )
    }

    /// Delete a client and every record of theirs, for good (owner, admin; CL-21):
    /// appointments, codes, orders, memberships, payments, notes, documents, consent
    /// history. Cannot be undone. Refused with 409 while they hold an active package,
    /// gift certificate or subscription, or a membership that is not over: the
    /// problem's `errors` name each (`codes/{id}`, `memberships/{id}`).
    #[oai(
        path = "/clients/:id",
        method = "delete",
        operation_id = "delete_client"
    )]
    async fn delete(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<DeleteResponse, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT }>>
    {
        let actor = auth.actor(&self.app).await?;
        self.app
            .delete_client(&actor, ClientId::from_uuid(id.0))
            .await?;
        Ok(DeleteResponse::Deleted)
    }

    /// Ban a client (CL-20; owner, admin): bookings with their email are refused with a
    /// 422 until they are unbanned. Their existing appointments stay. Audited.
    #[oai(
        path = "/clients/:id/ban",
        method = "post",
        operation_id = "ban_client"
    )]
    async fn ban(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<ClientView>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let client = self
            .app
            .ban_client(&actor, ClientId::from_uuid(id.0))
            .await?;
        Ok(Json((&client).into()))
    }

    /// Lift a client's ban (CL-20; owner, admin). Audited.
    #[oai(
        path = "/clients/:id/unban",
        method = "post",
        operation_id = "unban_client"
    )]
    async fn unban(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<ClientView>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let client = self
            .app
            .unban_client(&actor, ClientId::from_uuid(id.0))
            .await?;
        Ok(Json((&client).into()))
    }

    /// A client's audit trail, newest first (CL-14).
    #[oai(
        path = "/clients/:id/audit",
        method = "get",
        operation_id = "client_audit"
    )]
    async fn audit(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        /// How many of the latest entries, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<Vec<AuditEntryView>>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let entries = self
            .app
            .client_audit(&actor, ClientId::from_uuid(id.0), page_limit(limit.0)?)
            .await?;
        Ok(Json(entries.iter().map(Into::into).collect()))
    }

    /// Change a client's profile, based on its `version` (PL-11). With the business's
    /// `merge_on_identical_name` on, a change of name that makes the profile another's
    /// namesake merges it into that one (CL-18), which keeps its contact details; the
    /// answer is then the kept profile, with `merge`.
    #[oai(
        path = "/clients/:id",
        method = "patch",
        operation_id = "update_client"
    )]
    async fn update(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<ClientChangesParams>,
    ) -> Result<
        Json<ClientView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let input = ClientChangesInput {
            first_name: opt(p.first_name),
            last_name: opt(p.last_name),
            email: change(p.email),
            phone: change(p.phone),
            sites: sites(p.sites),
            client_notes: change(p.client_notes),
            custom_fields: custom_values(p.custom_fields).map_err(ClientError::from)?,
        };
        let update = self
            .app
            .change_client(
                &actor,
                ClientId::from_uuid(id.0),
                Version::new(p.version),
                &input,
            )
            .await?;
        Ok(Json(ClientView {
            merge: update.merge.as_ref().map(Into::into),
            ..(&update.client).into()
        }))
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ToJSON;

    use super::*;

    fn client(full: bool) -> Client {
        use clientele_domain::custom_field::{
            CustomField, CustomFieldDetails, CustomFieldInput, CustomFieldType,
        };

        let at = DateTime::from_timestamp(1_798_794_000, 123_456_000).unwrap_or_default();
        let some = |text: &str| full.then(|| text.to_owned());
        let input = ClientInput {
            first_name: "Ana".into(),
            last_name: "Lima".into(),
            email: some("ana@example.com"),
            phone: some("+33 6 12 34 56 78"),
            client_notes: some("Prefers mornings.\nAllergic to nuts."),
            ..ClientInput::default()
        };
        let new = clientele_domain::NewClient::parse(&input).expect("a client");
        let created = Client::create(
            ClientId::from_uuid(Uuid::from_u128(1)),
            clientele_domain::BusinessId::from_uuid(Uuid::from_u128(9)),
            new,
            vec![SiteId::from_uuid(Uuid::from_u128(2))],
            at,
            at.date_naive(),
        );
        let mut parts = created.into_parts();
        if full {
            let details = CustomFieldDetails::parse(&CustomFieldInput {
                name: "Tier".into(),
                field_type: CustomFieldType::Text,
                options: None,
            })
            .expect("a field");
            let field = CustomField::new(
                CustomFieldId::from_uuid(Uuid::from_u128(4)),
                clientele_domain::BusinessId::from_uuid(Uuid::from_u128(9)),
                details,
                at,
            );
            let value = field.parse_value("Gold").expect("a value");
            parts.custom_fields.insert(field.id, value);
            parts.labels = vec![LabelId::from_uuid(Uuid::from_u128(3))];
            parts.banned = true;
        }
        Client::restore(parts)
    }

    #[test]
    fn pl_7_a_client_written_from_borrowed_parts_is_its_view() {
        for full in [true, false] {
            let c = client(full);
            let view = ClientView::from(&c);
            let written = serde_json::to_value(ClientWriter(&c)).expect("serde");
            assert_eq!(Some(written), view.to_json(), "full: {full}");
        }
        let clients = [client(true), client(false)];
        let writer = ClientPageWriter {
            items: clients.iter().map(ClientWriter).collect(),
            next_cursor: Some("c"),
        };
        let page = ClientPage {
            items: clients.iter().map(Into::into).collect(),
            next_cursor: Some("c".to_owned()),
        };
        assert_eq!(
            Some(serde_json::to_value(&writer).expect("serde")),
            page.to_json()
        );
    }
}
