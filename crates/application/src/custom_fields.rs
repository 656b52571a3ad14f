//! Custom fields (CL-24): the owner and admins define them; any staff member sets values on
//! the clients they can see (through the client's create and change) and filters the
//! client list on them.

use std::collections::BTreeMap;

use thiserror::Error;

use clientele_domain::custom_field::{
    self, CustomField, CustomFieldChangesInput, CustomFieldDetails, CustomFieldInput, CustomValue,
    CustomValueFilter, CustomValuesInput,
};
use clientele_domain::{
    Actor, BusinessId, CustomFieldId, FieldError, Forbidden, PageLimit, Permission,
    ValidationErrors, Version,
};
use clientele_ports::{StorageError, Transaction};

use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::{Clientele, Page};

#[derive(Debug, Error)]
pub enum CustomFieldError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the custom field does not exist")]
    NotFound,
    #[error("another custom field already has this name")]
    DuplicateName,
    #[error("the custom field was changed since the version you sent: read it again")]
    VersionConflict,
    #[error("clients have values for this field: its type cannot change")]
    TypeInUse,
    #[error("clients still have these options: {}", .0.join(", "))]
    OptionsInUse(Vec<String>),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for CustomFieldError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound => ErrorKind::NotFound,
            Self::DuplicateName
            | Self::VersionConflict
            | Self::TypeInUse
            | Self::OptionsInUse(_) => ErrorKind::Conflict,
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            _ => &[],
        }
    }
}

impl From<StorageError> for CustomFieldError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::Duplicate(_) => Self::DuplicateName,
            StorageError::VersionConflict => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

/// Parses the custom values sent for a client against the business's fields: each on
/// `custom_fields.<id>`, an unknown field refused like a bad value. Reads nothing when
/// none are sent.
pub(crate) async fn parse_client_values(
    tx: &mut dyn Transaction,
    actor: &Actor,
    input: &CustomValuesInput,
) -> Result<Result<BTreeMap<CustomFieldId, Option<CustomValue>>, ValidationErrors>, StorageError> {
    if input.is_empty() {
        return Ok(Ok(BTreeMap::new()));
    }
    let ids: Vec<CustomFieldId> = input.keys().copied().collect();
    let fields = tx.custom_fields_with_ids(actor.business_id, &ids).await?;
    Ok(custom_field::parse_values(&fields, input))
}

/// At most this many custom-value filters in one list request: each is one more `EXISTS`.
pub const MAX_VALUE_FILTERS: usize = 20;

/// CL-10, CL-24: the list filters `<field id>:<value>` as (field, value key) pairs. A
/// malformed filter, an unknown field or a value of the wrong type is refused on
/// `parameter`, naming the field. Reads nothing when there are no filters.
pub(crate) async fn filter_keys(
    tx: &mut dyn Transaction,
    actor: &Actor,
    parameter: &str,
    raw: &[String],
) -> Result<Result<Vec<(CustomFieldId, String)>, ValidationErrors>, StorageError> {
    if raw.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    if raw.len() > MAX_VALUE_FILTERS {
        return Ok(Err(ValidationErrors::single(
            parameter,
            format!("at most {MAX_VALUE_FILTERS} custom field filters"),
        )));
    }
    let mut errors = Vec::new();
    let filters: Vec<CustomValueFilter> = raw
        .iter()
        .filter_map(|raw| {
            CustomValueFilter::parse(parameter, raw)
                .map_err(|e| errors.push(e))
                .ok()
        })
        .collect();
    let ids: Vec<CustomFieldId> = filters.iter().map(|f| f.field).collect();
    let fields = tx.custom_fields_with_ids(actor.business_id, &ids).await?;
    let mut keys = Vec::with_capacity(filters.len());
    for filter in &filters {
        let Some(field) = fields.iter().find(|f| f.id == filter.field) else {
            errors.push(FieldError::new(
                parameter,
                format!("no such custom field in this business: {}", filter.field),
            ));
            continue;
        };
        match field.parse_value(&filter.value) {
            Ok(value) => keys.push((field.id, value.key())),
            Err(error) => errors.push(FieldError::new(
                parameter,
                format!(
                    "custom field `{}` ({}) {}",
                    field.name.as_str(),
                    field.id,
                    error.message
                ),
            )),
        }
    }
    Ok(if errors.is_empty() {
        Ok(keys)
    } else {
        Err(ValidationErrors(errors))
    })
}

const CUSTOM_FIELDS: &str = "custom_fields";

impl Clientele {
    /// The business's custom fields, in pages (any staff member: they set the values).
    pub async fn list_custom_fields(
        &self,
        actor: &Actor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<CustomField>, CustomFieldError> {
        let listing = Listing::of(actor.business_id, CUSTOM_FIELDS);
        let after: Option<CustomFieldId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx
            .custom_fields(actor.business_id, after, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |f| f.id))
    }

    pub async fn custom_field(
        &self,
        actor: &Actor,
        id: CustomFieldId,
    ) -> Result<CustomField, CustomFieldError> {
        let mut tx = self.storage.read().await?;
        tx.custom_field(actor.business_id, id)
            .await?
            .ok_or(CustomFieldError::NotFound)
    }

    /// Defines a custom field (owner, admin).
    pub async fn create_custom_field(
        &self,
        actor: &Actor,
        input: &CustomFieldInput,
    ) -> Result<CustomField, CustomFieldError> {
        actor.require(Permission::ManageCustomFields)?;
        let details = CustomFieldDetails::parse(input)?;
        let field = CustomField::new(
            CustomFieldId::from_uuid(self.ids.new_id()),
            actor.business_id,
            details,
            self.clock.now(),
        );
        let mut tx = self.storage.begin().await?;
        tx.insert_custom_field(&field).await?;
        tx.commit().await?;
        Ok(field)
    }

    /// Renames a field, changes its type or its options (owner, admin), based on
    /// `version` (PL-11). While clients have values, the type cannot change and no option
    /// a client has can go: both are conflicts with the current state.
    pub async fn update_custom_field(
        &self,
        actor: &Actor,
        id: CustomFieldId,
        version: Version,
        changes: &CustomFieldChangesInput,
    ) -> Result<CustomField, CustomFieldError> {
        actor.require(Permission::ManageCustomFields)?;
        let mut tx = self.storage.begin().await?;
        let mut field = tx
            .custom_field(actor.business_id, id)
            .await?
            .ok_or(CustomFieldError::NotFound)?;
        if field.version != version {
            return Err(CustomFieldError::VersionConflict);
        }
        let details = field.revise(changes)?;
        if field.changes_type(&details) && tx.custom_field_in_use(actor.business_id, id).await? {
            return Err(CustomFieldError::TypeInUse);
        }
        let dropped = field.dropped_option_keys(&details);
        let used = tx
            .custom_value_keys_in_use(actor.business_id, id, &dropped)
            .await?;
        if !used.is_empty() {
            let spelled = field
                .kind
                .options()
                .iter()
                .filter(|option| used.contains(&clientele_domain::text::search_key(option)))
                .cloned()
                .collect();
            return Err(CustomFieldError::OptionsInUse(spelled));
        }
        field.replace(details, self.clock.now());
        tx.update_custom_field(&field, version).await?;
        tx.commit().await?;
        Ok(field)
    }
}

/// Custom fields read per statement by [`all_custom_fields`].
const FIELDS_PAGE: u32 = 200;

/// Every custom field of the business, in the order of their ids (a column each in an
/// export, or a header an import may name).
pub(crate) async fn all_custom_fields(
    tx: &mut dyn Transaction,
    business: BusinessId,
) -> Result<Vec<CustomField>, StorageError> {
    let mut fields = Vec::new();
    loop {
        let after = fields.last().map(|field: &CustomField| field.id);
        let page = tx.custom_fields(business, after, FIELDS_PAGE).await?;
        let last = page.len() < FIELDS_PAGE as usize;
        fields.extend(page);
        if last {
            return Ok(fields);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::{ClientError, ClientListRequest, SiteChoice};
    use crate::testing::{actor, app_with, business, now, site, uuid};
    use clientele_domain::client::{ClientChangesInput, ClientInput};
    use clientele_domain::custom_field::CustomFieldType;
    use clientele_domain::{Client, ClientId, NewClient, Role, SiteScope};
    use clientele_ports::storage::MockTransaction;

    fn field(field_type: CustomFieldType, options: &[&str]) -> CustomField {
        let details = CustomFieldDetails::parse(&CustomFieldInput {
            name: "Tier".into(),
            field_type,
            options: (!options.is_empty()).then(|| options.iter().map(|o| o.to_string()).collect()),
        })
        .unwrap();
        CustomField::new(
            CustomFieldId::from_uuid(uuid(70)),
            business(),
            details,
            now(),
        )
    }

    fn owner() -> Actor {
        actor(Role::Owner, SiteScope::All)
    }

    fn stored_client() -> Client {
        let new = NewClient::parse(&ClientInput {
            first_name: "Ana".into(),
            last_name: "Silva".into(),
            ..Default::default()
        })
        .unwrap();
        Client::create(
            ClientId::from_uuid(uuid(50)),
            business(),
            new,
            vec![site(10)],
            now(),
            now().date_naive(),
        )
    }

    #[tokio::test]
    async fn cl_24_pl_13_staff_cannot_define_custom_fields() {
        let mut tx = MockTransaction::new();
        tx.custom_fields.expect_insert_custom_field().never();
        let input = CustomFieldInput {
            name: "Tier".into(),
            field_type: CustomFieldType::Text,
            options: None,
        };

        let outcome = app_with(tx)
            .create_custom_field(&actor(Role::Staff, SiteScope::Only(vec![site(10)])), &input)
            .await;

        assert!(matches!(outcome, Err(CustomFieldError::Forbidden(_))));
    }

    #[tokio::test]
    async fn cl_24_the_type_of_a_field_that_clients_have_values_for_cannot_change() {
        let mut tx = MockTransaction::new();
        tx.custom_fields
            .expect_custom_field()
            .returning(|_, _| Ok(Some(field(CustomFieldType::Text, &[]))));
        tx.custom_fields
            .expect_custom_field_in_use()
            .returning(|_, _| Ok(true));
        tx.custom_fields.expect_update_custom_field().never();
        tx.commit.expect_commit().never();
        let changes = CustomFieldChangesInput {
            field_type: Some(CustomFieldType::Number),
            ..Default::default()
        };

        let outcome = app_with(tx)
            .update_custom_field(
                &owner(),
                CustomFieldId::from_uuid(uuid(70)),
                Version::initial(),
                &changes,
            )
            .await;

        assert!(matches!(outcome, Err(CustomFieldError::TypeInUse)));
        assert_eq!(outcome.unwrap_err().kind(), ErrorKind::Conflict);
    }

    #[tokio::test]
    async fn cl_24_an_option_a_client_still_has_cannot_be_removed() {
        let mut tx = MockTransaction::new();
        tx.custom_fields.expect_custom_field().returning(|_, _| {
            Ok(Some(field(
                CustomFieldType::Choice,
                &["Gold", "Silver", "Bronze"],
            )))
        });
        tx.custom_fields
            .expect_custom_value_keys_in_use()
            .withf(|_, _, keys| keys == ["silver", "bronze"])
            .returning(|_, _, _| Ok(vec!["silver".into()]));
        tx.custom_fields.expect_update_custom_field().never();
        let changes = CustomFieldChangesInput {
            options: Some(vec!["gold".into()]),
            ..Default::default()
        };

        let outcome = app_with(tx)
            .update_custom_field(
                &owner(),
                CustomFieldId::from_uuid(uuid(70)),
                Version::initial(),
                &changes,
            )
            .await;

        match outcome {
            Err(CustomFieldError::OptionsInUse(options)) => assert_eq!(options, ["Silver"]),
            other => panic!("expected OptionsInUse, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn cl_24_options_nobody_has_can_be_removed_and_the_version_moves() {
        let mut tx = MockTransaction::new();
        tx.custom_fields
            .expect_custom_field()
            .returning(|_, _| Ok(Some(field(CustomFieldType::Choice, &["Gold", "Silver"]))));
        tx.custom_fields
            .expect_custom_value_keys_in_use()
            .returning(|_, _, _| Ok(vec![]));
        tx.custom_fields
            .expect_update_custom_field()
            .withf(|f, expected| {
                f.kind.options() == ["Gold", "Platinum"] && *expected == Version::initial()
            })
            .returning(|_, _| Ok(()));
        tx.commit.expect_commit().returning(|| Ok(()));
        let changes = CustomFieldChangesInput {
            options: Some(vec!["Gold".into(), "Platinum".into()]),
            ..Default::default()
        };

        let updated = app_with(tx)
            .update_custom_field(
                &owner(),
                CustomFieldId::from_uuid(uuid(70)),
                Version::initial(),
                &changes,
            )
            .await
            .unwrap();

        assert_eq!(updated.version, Version::new(2));
    }

    #[tokio::test]
    async fn cl_24_a_value_of_the_wrong_type_or_an_unknown_field_is_refused_before_anything_is_written()
     {
        let number = field(CustomFieldType::Number, &[]);
        let unknown = CustomFieldId::from_uuid(uuid(71));
        let mut tx = MockTransaction::new();
        let stored = number.clone();
        tx.custom_fields
            .expect_custom_fields_with_ids()
            .returning(move |_, _| Ok(vec![stored.clone()]));
        tx.clients
            .expect_client()
            .returning(|_, _| Ok(Some(stored_client())));
        tx.clients.expect_update_client().never();
        tx.commit.expect_commit().never();
        let change = ClientChangesInput {
            custom_fields: [
                (number.id, Some("lots".into())),
                (unknown, Some("1".into())),
            ]
            .into(),
            ..Default::default()
        };

        let outcome = app_with(tx)
            .update_client(
                &owner(),
                ClientId::from_uuid(uuid(50)),
                Version::initial(),
                &change,
            )
            .await;

        let Err(ClientError::Invalid(errors)) = outcome else {
            panic!("expected a validation error, got {outcome:?}");
        };
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.clone()).collect();
        assert_eq!(
            fields,
            [
                format!("custom_fields.{}", number.id),
                format!("custom_fields.{unknown}")
            ]
        );
    }

    #[tokio::test]
    async fn cl_24_the_list_filters_on_the_key_of_each_value() {
        let number = field(CustomFieldType::Number, &[]);
        let mut tx = MockTransaction::new();
        let stored = number.clone();
        tx.custom_fields
            .expect_custom_fields_with_ids()
            .returning(move |_, _| Ok(vec![stored.clone()]));
        let id = number.id;
        tx.clients
            .expect_clients()
            .withf(move |_, query| query.custom_fields == [(id, "12.5".to_owned())])
            .returning(|_, _| Ok(vec![]));
        let request = ClientListRequest {
            site: SiteChoice::All,
            custom_fields: vec![format!("{}:12.50", number.id)],
            ..Default::default()
        };

        let page = app_with(tx).list_clients(&owner(), &request).await.unwrap();

        assert!(page.items.is_empty());
    }

    #[tokio::test]
    async fn cl_24_a_filter_value_of_the_wrong_type_is_refused_naming_the_field() {
        let number = field(CustomFieldType::Number, &[]);
        let mut tx = MockTransaction::new();
        let stored = number.clone();
        tx.custom_fields
            .expect_custom_fields_with_ids()
            .returning(move |_, _| Ok(vec![stored.clone()]));
        tx.clients.expect_clients().never();
        let request = ClientListRequest {
            site: SiteChoice::All,
            custom_fields: vec![format!("{}:vip", number.id), "nonsense".into()],
            ..Default::default()
        };

        let outcome = app_with(tx).list_clients(&owner(), &request).await;

        let Err(ClientError::Invalid(errors)) = outcome else {
            panic!("expected a validation error, got {outcome:?}");
        };
        assert_eq!(errors.0.len(), 2);
        assert!(errors.0.iter().all(|e| e.field == "field"));
        let too_many = ClientListRequest {
            site: SiteChoice::All,
            custom_fields: vec![format!("{}:1", number.id); MAX_VALUE_FILTERS + 1],
            ..Default::default()
        };
        let mut tx = MockTransaction::new();
        tx.custom_fields.expect_custom_fields_with_ids().never();
        let outcome = app_with(tx).list_clients(&owner(), &too_many).await;
        assert!(matches!(outcome, Err(ClientError::Invalid(_))));
        assert!(
            errors.0[1].message.contains(&number.id.to_string()),
            "{errors}"
        );
        assert!(errors.0[1].message.contains("must be a number"), "{errors}");
    }
}
