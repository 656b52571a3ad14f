//! Products (CO-1, CO-2): the packages, gift certificates and subscriptions a business
//! sells. Owners and admins define them; editing one applies to every code of it (codes
//! refer to their product) and never touches a balance; archiving stops new sales.

use thiserror::Error;

use clientele_domain::product::{Product, ProductChangeError, ProductDetails, ProductInput};
use clientele_domain::{
    Actor, AppointmentTypeId, FieldError, Forbidden, PageLimit, Permission, ProductId,
    ValidationErrors, Version,
};
use clientele_ports::{StorageError, Transaction};

use crate::access::{AccessError, business_of};
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::{Clientele, Page};

/// The most appointment types one product may name.
const MAX_TYPES: usize = 100;

#[derive(Debug, Error)]
pub enum ProductError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the product does not exist")]
    NotFound,
    #[error("{0}")]
    Change(#[from] ProductChangeError),
    #[error("the product was changed since the version you sent: read it again")]
    VersionConflict,
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for ProductError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound => ErrorKind::NotFound,
            Self::Change(_) | Self::VersionConflict => ErrorKind::Conflict,
            Self::Access(error) => error.kind(),
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            Self::Access(error) => error.field_errors(),
            _ => &[],
        }
    }
}

impl From<StorageError> for ProductError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::VersionConflict => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for ProductError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

/// A product as sent: its details, and the currency it is priced in if the caller names
/// one (it must be the business's).
#[derive(Debug, Clone, Default)]
pub struct ProductRequest {
    pub input: ProductInput,
    pub currency: Option<String>,
}

const PRODUCTS: &str = "products";

impl Clientele {
    /// CO-1: a new product, on sale at once.
    pub async fn create_product(
        &self,
        actor: &Actor,
        request: &ProductRequest,
    ) -> Result<Product, ProductError> {
        actor.require(Permission::ManageServices)?;
        let mut tx = self.storage.begin().await?;
        let details = parse_details(tx.as_mut(), actor, request).await?;
        let product = Product::new(
            ProductId::from_uuid(self.ids.new_id()),
            actor.business_id,
            details,
            self.clock.now(),
        );
        tx.insert_product(&product).await?;
        tx.commit().await?;
        Ok(product)
    }

    pub async fn product(&self, actor: &Actor, id: ProductId) -> Result<Product, ProductError> {
        let mut tx = self.storage.read().await?;
        tx.product(actor.business_id, id)
            .await?
            .ok_or(ProductError::NotFound)
    }

    /// The business's products by id; archived ones only when asked.
    pub async fn list_products(
        &self,
        actor: &Actor,
        archived: bool,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Product>, ProductError> {
        let listing = Listing::of(actor.business_id, PRODUCTS).with("archived", archived);
        let after: Option<ProductId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx
            .products(actor.business_id, archived, after, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |p| p.id))
    }

    /// CO-2: replaces a product's details, based on its `version`; its kind stays.
    pub async fn update_product(
        &self,
        actor: &Actor,
        id: ProductId,
        version: Version,
        request: &ProductRequest,
    ) -> Result<Product, ProductError> {
        actor.require(Permission::ManageServices)?;
        let mut tx = self.storage.begin().await?;
        let details = parse_details(tx.as_mut(), actor, request).await?;
        let mut product = stored(tx.as_mut(), actor, id, version).await?;
        product.revise(details, self.clock.now())?;
        tx.update_product(&product, version).await?;
        tx.commit().await?;
        Ok(product)
    }

    /// CO-1: archives a product: it is no longer sold, its codes keep working.
    pub async fn archive_product(
        &self,
        actor: &Actor,
        id: ProductId,
        version: Version,
    ) -> Result<Product, ProductError> {
        actor.require(Permission::ManageServices)?;
        let mut tx = self.storage.begin().await?;
        let mut product = stored(tx.as_mut(), actor, id, version).await?;
        product.archive(self.clock.now());
        if product.version != version {
            tx.update_product(&product, version).await?;
            tx.commit().await?;
        }
        Ok(product)
    }
}

async fn stored(
    tx: &mut dyn Transaction,
    actor: &Actor,
    id: ProductId,
    version: Version,
) -> Result<Product, ProductError> {
    let product = tx
        .product(actor.business_id, id)
        .await?
        .ok_or(ProductError::NotFound)?;
    if product.version != version {
        return Err(ProductError::VersionConflict);
    }
    Ok(product)
}

/// The product's details in the business's currency, its appointment types checked.
async fn parse_details(
    tx: &mut dyn Transaction,
    actor: &Actor,
    request: &ProductRequest,
) -> Result<ProductDetails, ProductError> {
    let business = business_of(tx, actor).await?;
    let currency = business.settings.currency;
    let mut errors = Vec::new();
    if let Some(given) = &request.currency
        && !given.trim().eq_ignore_ascii_case(currency.code())
    {
        errors.push(FieldError::new(
            "currency",
            format!(
                "the business sells in {}: `{}` is not its currency",
                currency.code(),
                given.trim()
            ),
        ));
    }
    let types = &request.input.appointment_types;
    if types.len() > MAX_TYPES {
        errors.push(FieldError::new(
            "appointment_type_ids",
            format!("at most {MAX_TYPES} appointment types"),
        ));
    } else {
        let missing = missing_types(tx, actor, types).await?;
        if !missing.is_empty() {
            let listed: Vec<String> = missing.iter().map(ToString::to_string).collect();
            errors.push(FieldError::new(
                "appointment_type_ids",
                format!("no such appointment type: {}", listed.join(", ")),
            ));
        }
    }
    match ProductDetails::parse(&request.input, currency) {
        Ok(details) if errors.is_empty() => Ok(details),
        Ok(_) => Err(ValidationErrors(errors).into()),
        Err(more) => {
            errors.extend(more.0);
            Err(ValidationErrors(errors).into())
        }
    }
}

async fn missing_types(
    tx: &mut dyn Transaction,
    actor: &Actor,
    types: &[AppointmentTypeId],
) -> Result<Vec<AppointmentTypeId>, StorageError> {
    let mut missing = Vec::new();
    for id in types {
        if tx.appointment_type(actor.business_id, *id).await?.is_none() && !missing.contains(id) {
            missing.push(*id);
        }
    }
    Ok(missing)
}
