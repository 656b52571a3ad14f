//! The benchmark's cases, as a table: each names a product request and the same page
//! written as raw SQL for each backend, with the parameter sets it rotates through (the
//! product and the raw runs use the same sequence).
//!
//! The raw SQL is what the product's storage adapter sends for the page itself (the same
//! columns, each client's site and label ids among them, filters, order and `LIMIT page +
//! 1`). The product path does more around it: a read transaction (REPEATABLE READ on
//! PostgreSQL), the existence checks of the site and labels asked for, a query for the
//! custom field values of the page's clients that may have any (none in the generated
//! data), decoding into domain types and the cursor. The ratio product/raw measures all
//! of that.

use sea_orm::Value;

use clientele_adapters::DatabaseBackend;

use crate::search_cases::{Samples, search_cases};
use clientele_application::clients::{ClientListRequest, SiteChoice};
use clientele_domain::label::LabelFilter;
use clientele_domain::{BusinessId, ClientSort, LabelId, PageLimit, SiteId};

/// The values one iteration uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub limit: PageLimit,
    pub site: Option<SiteId>,
    pub label: Option<LabelId>,
    pub banned: Option<bool>,
    /// CL-5 to CL-8: the search box.
    pub q: Option<String>,
}

impl Params {
    /// A short label of what varies between parameter sets.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(q) = &self.q {
            parts.push(format!("q={q:?}"));
        }
        if let Some(site) = self.site {
            parts.push(format!("site={}", site.as_uuid()));
        }
        if let Some(label) = self.label {
            parts.push(format!("label={}", label.as_uuid()));
        }
        if parts.is_empty() {
            parts.push("no parameters".to_owned());
        }
        parts.join(" ")
    }
}

/// A statement with `?` placeholders and its values, in order.
#[derive(Debug, Clone)]
pub struct RawQuery {
    pub sql: String,
    pub values: Vec<Value>,
}

impl RawQuery {
    /// The SQL for `backend`: PostgreSQL numbers its placeholders (`$1`, `$2`, …).
    pub fn sql_for(&self, backend: DatabaseBackend) -> String {
        match backend {
            DatabaseBackend::Sqlite => self.sql.clone(),
            DatabaseBackend::Postgres => {
                let mut out = String::with_capacity(self.sql.len() + 16);
                let mut n = 0;
                for c in self.sql.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

/// One benchmark case.
pub struct Case {
    pub name: &'static str,
    /// Used in turn: iteration `i` takes `params[i % params.len()]`.
    pub params: Vec<Params>,
    /// The product's request.
    pub request: fn(&Params) -> ClientListRequest,
    /// The same page in raw SQL, per backend.
    pub raw: fn(DatabaseBackend, BusinessId, &Params) -> RawQuery,
}

/// The columns of `clients` the product reads a client from (all but the search keys),
/// in its order; the page's custom values are read only for those with the flag set
/// (none here: the generator writes no custom fields).
const CLIENT_COLUMNS: &str = "clients.business_id, clients.id, clients.first_name, \
    clients.last_name, clients.email, clients.phone, clients.banned, clients.has_account, \
    clients.client_notes, clients.client_since, clients.created_at, clients.updated_at, \
    clients.admin_updated_at, clients.version, clients.site_ids, clients.label_ids, \
    clients.has_custom_values";

const BY_LAST_NAME: &str =
    "ORDER BY clients.last_name_key ASC, clients.first_name_key ASC, clients.id ASC";

/// The product asks storage for one row more than the page, to know if another follows.
fn fetched(limit: PageLimit) -> Value {
    Value::from(i64::from(limit.get()) + 1)
}

fn filtered_request(p: &Params) -> ClientListRequest {
    ClientListRequest {
        limit: p.limit,
        sort: ClientSort::LastName,
        site: p.site.map_or(SiteChoice::All, SiteChoice::One),
        labels: p.label.map(|label| LabelFilter::AnyOf(vec![label])),
        banned: p.banned,
        ..ClientListRequest::default()
    }
}

/// A page as the adapter reads it from membership rows (`table`, aliased `member`):
/// their range walked in the order of their name index, each joined to its client and
/// checked for `filters` (`AND …`, whose values follow the business's). The same on both
/// backends.
fn member_page(
    table: &str,
    filters: &str,
    business: BusinessId,
    filter_values: Vec<Value>,
    limit: PageLimit,
) -> RawQuery {
    let sql = format!(
        "SELECT {CLIENT_COLUMNS} FROM clients \
         INNER JOIN {table} AS member ON member.business_id = clients.business_id \
             AND member.client_id = clients.id \
         WHERE clients.business_id = ? {filters} \
         ORDER BY member.last_name_key ASC, member.first_name_key ASC, member.client_id ASC \
         LIMIT ?"
    );
    let mut values = vec![business.as_uuid().into()];
    values.extend(filter_values);
    values.push(fetched(limit));
    RawQuery { sql, values }
}

/// Site, one label (any of) and not banned: the pairs of the label at the site.
fn filtered_raw(_: DatabaseBackend, business: BusinessId, p: &Params) -> RawQuery {
    member_page(
        "client_label_sites",
        "AND clients.banned = ? AND member.business_id = ? AND member.label_id = ? \
         AND member.site_id = ?",
        business,
        vec![
            p.banned.into(),
            business.as_uuid().into(),
            p.label.map(|l| l.as_uuid()).into(),
            p.site.map(|s| s.as_uuid()).into(),
        ],
        p.limit,
    )
}

/// One site, nothing else: a staff member's default list.
fn site_request(p: &Params) -> ClientListRequest {
    ClientListRequest {
        limit: p.limit,
        sort: ClientSort::LastName,
        site: p.site.map_or(SiteChoice::All, SiteChoice::One),
        ..ClientListRequest::default()
    }
}

/// One site: the site's rows of `client_sites`.
fn site_raw(_: DatabaseBackend, business: BusinessId, p: &Params) -> RawQuery {
    member_page(
        "client_sites",
        "AND member.business_id = ? AND member.site_id = ?",
        business,
        vec![
            business.as_uuid().into(),
            p.site.map(|s| s.as_uuid()).into(),
        ],
        p.limit,
    )
}

fn unfiltered_request(p: &Params) -> ClientListRequest {
    ClientListRequest {
        limit: p.limit,
        sort: ClientSort::LastName,
        site: SiteChoice::All,
        ..ClientListRequest::default()
    }
}

fn unfiltered_raw(_: DatabaseBackend, business: BusinessId, p: &Params) -> RawQuery {
    RawQuery {
        sql: format!(
            "SELECT {CLIENT_COLUMNS} FROM clients WHERE clients.business_id = ? \
             {BY_LAST_NAME} LIMIT ?"
        ),
        values: vec![business.as_uuid().into(), fetched(p.limit)],
    }
}

/// The cases, over the business's `sites` and `labels`, and search `samples`.
pub fn cases(sites: &[SiteId], labels: &[LabelId], samples: &Samples) -> Vec<Case> {
    let page_of_500 = PageLimit::default();
    // Every (label, site) pair: rare labels make the walk long, common ones short.
    let filtered: Vec<Params> = labels
        .iter()
        .flat_map(|label| {
            sites.iter().map(|site| Params {
                limit: page_of_500,
                site: Some(*site),
                label: Some(*label),
                banned: Some(false),
                q: None,
            })
        })
        .collect();
    let mut cases = search_cases(samples);
    cases.extend([
        Case {
            name: "filtered list page of 500 (site, one label, not banned)",
            params: filtered,
            request: filtered_request,
            raw: filtered_raw,
        },
        Case {
            name: "site list page of 500 (one site)",
            params: sites
                .iter()
                .map(|site| Params {
                    limit: page_of_500,
                    site: Some(*site),
                    label: None,
                    banned: None,
                    q: None,
                })
                .collect(),
            request: site_request,
            raw: site_raw,
        },
        Case {
            name: "unfiltered first page of 500",
            params: vec![Params {
                limit: page_of_500,
                site: None,
                label: None,
                banned: None,
                q: None,
            }],
            request: unfiltered_request,
            raw: unfiltered_raw,
        },
    ]);
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered_in_order() {
        let query = RawQuery {
            sql: "a = ? AND b IN (?) LIMIT ?".to_owned(),
            values: Vec::new(),
        };
        assert_eq!(
            query.sql_for(DatabaseBackend::Postgres),
            "a = $1 AND b IN ($2) LIMIT $3"
        );
        assert_eq!(query.sql_for(DatabaseBackend::Sqlite), query.sql);
    }
}
