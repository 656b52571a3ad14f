//! The search cases (CL-5 to CL-8): a first page of 50 for `q`, against one hand-written
//! statement that returns the same page.
//!
//! The product runs each reading of a query as its own indexed query and merges the pages
//! (see `crates/adapters/src/storage/client_list/search.rs`). The raw baseline is the best single
//! statement for the same rows: a `UNION` of the same ordered top-N lists, merged by the
//! database in one round trip. The ratio measures what the product's several round trips,
//! its read transaction, the page's sites and labels and decoding cost.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value};

use clientele_adapters::DatabaseBackend;
use clientele_application::clients::{ClientListRequest, SiteChoice};
use clientele_domain::search::{ClientSearch, NameSplit};
use clientele_domain::{BusinessId, ClientSort, PageLimit};

use crate::cases::{Case, Params, RawQuery};

/// The page size of every search case.
const PAGE: u32 = 50;
/// Above every character: `p <= key < p + ABOVE_ALL` is "key starts with p".
const ABOVE_ALL: char = char::MAX;

/// Values drawn from the generated data, so that every query finds clients.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    /// The last 4 digits of stored phones.
    pub phone_ends: Vec<String>,
    /// 4 characters from inside stored emails.
    pub email_fragments: Vec<String>,
    /// 3-letter prefixes of stored last names.
    pub name_prefixes: Vec<String>,
    /// "first-name-word last-name-prefix" of stored clients.
    pub two_words: Vec<String>,
}

/// Draws up to `n` of each kind of value from clients spread over the business.
pub async fn samples(
    connection: &DatabaseConnection,
    backend: DatabaseBackend,
    business: BusinessId,
    n: usize,
) -> Result<Samples, DbErr> {
    let (db, sql) = match backend {
        DatabaseBackend::Sqlite => (
            DbBackend::Sqlite,
            "SELECT first_name_key, last_name_key, email_key, phone_digits FROM clients \
             WHERE business_id = ? ORDER BY id LIMIT ?",
        ),
        DatabaseBackend::Postgres => (
            DbBackend::Postgres,
            "SELECT first_name_key, last_name_key, email_key, phone_digits FROM clients \
             WHERE business_id = $1 ORDER BY id LIMIT $2",
        ),
    };
    // Ids are time-ordered v7 ids spread over five years of creation dates: the first
    // rows by id are as varied as any.
    let rows = connection
        .query_all_raw(Statement::from_sql_and_values(
            db,
            sql,
            [business.as_uuid().into(), Value::from(n as i64 * 4)],
        ))
        .await?;
    let mut samples = Samples::default();
    for (i, row) in rows.iter().enumerate() {
        let first: String = row.try_get("", "first_name_key")?;
        let last: String = row.try_get("", "last_name_key")?;
        let email: Option<String> = row.try_get("", "email_key")?;
        let phone: Option<String> = row.try_get("", "phone_digits")?;
        if let Some(phone) = phone.filter(|p| p.len() >= 4) {
            samples.phone_ends.push(phone[phone.len() - 4..].to_owned());
        }
        if let Some(email) = email {
            let chars: Vec<char> = email.chars().collect();
            let start = i % chars.len().saturating_sub(4).max(1);
            let fragment: String = chars.iter().skip(start).take(4).collect();
            if fragment.chars().count() == 4 && !fragment.contains(['%', '_', '\\', ' ']) {
                samples.email_fragments.push(fragment);
            }
        }
        let prefix: String = last.chars().take(3).collect();
        if prefix.chars().all(char::is_alphabetic) {
            samples.name_prefixes.push(prefix.clone());
        }
        if let Some(word) = first.split([' ', '-']).next() {
            samples.two_words.push(format!("{word} {prefix}"));
        }
    }
    for values in [
        &mut samples.phone_ends,
        &mut samples.email_fragments,
        &mut samples.name_prefixes,
        &mut samples.two_words,
    ] {
        values.truncate(n);
    }
    Ok(samples)
}

fn params(values: &[String]) -> Vec<Params> {
    values
        .iter()
        .map(|q| Params {
            limit: PageLimit::parse(Some(PAGE)).unwrap_or_default(),
            site: None,
            label: None,
            banned: None,
            q: Some(q.clone()),
        })
        .collect()
}

/// The four search cases of the issue, over `samples`.
pub fn search_cases(samples: &Samples) -> Vec<Case> {
    [
        ("search: phone last 4 digits", &samples.phone_ends),
        (
            "search: email fragment (4 characters)",
            &samples.email_fragments,
        ),
        (
            "search: one-word name prefix (3 letters)",
            &samples.name_prefixes,
        ),
        ("search: two-word name", &samples.two_words),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(name, values)| Case {
        name,
        params: params(values),
        request: search_request,
        raw: search_raw,
    })
    .collect()
}

fn search_request(p: &Params) -> ClientListRequest {
    ClientListRequest {
        limit: p.limit,
        sort: ClientSort::LastName,
        site: SiteChoice::All,
        q: p.q.clone(),
        ..ClientListRequest::default()
    }
}

/// Every column of `clients`, unqualified, in the entity's order.
const COLUMNS: &str = "business_id, id, first_name, last_name, first_name_key, \
    last_name_key, email, email_key, phone, phone_digits, banned, has_account, \
    client_notes, client_since, created_at, updated_at, admin_updated_at, version";

const ORDER: &str = "ORDER BY last_name_key, first_name_key, id";

/// A condition with `?` placeholders and its values.
#[derive(Clone)]
struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(text: impl Into<String>, values: Vec<Value>) -> Self {
        Self {
            text: text.into(),
            values,
        }
    }

    fn and(mut self, other: Sql) -> Sql {
        self.text = format!("({}) AND ({})", self.text, other.text);
        self.values.extend(other.values);
        self
    }

    fn or(parts: Vec<Sql>) -> Sql {
        let text = parts
            .iter()
            .map(|p| format!("({})", p.text))
            .collect::<Vec<_>>()
            .join(" OR ");
        Sql::new(text, parts.into_iter().flat_map(|p| p.values).collect())
    }
}

fn starts_with(column: &str, phrase: &str) -> Sql {
    Sql::new(
        format!("{column} >= ? AND {column} < ?"),
        vec![phrase.into(), format!("{phrase}{ABOVE_ALL}").into()],
    )
}

/// The clients with a term of `field` in `client_search_terms` starting with `prefix`: a
/// name tail (`f`, `l`), or a substring of the email (`e`) or phone (`p`) as a prefix of
/// one of its suffixes.
fn term_starts_with(business: BusinessId, field: &str, prefix: &str) -> Sql {
    Sql::new(
        "id IN (SELECT client_id FROM client_search_terms WHERE business_id = ? \
         AND field = ? AND term >= ? AND term < ?)",
        vec![
            business.as_uuid().into(),
            field.into(),
            prefix.into(),
            format!("{prefix}{ABOVE_ALL}").into(),
        ],
    )
}

fn name_matches(business: BusinessId, field: &str, column: &str, phrase: &str) -> [Sql; 2] {
    [
        starts_with(column, phrase),
        term_starts_with(business, field, phrase),
    ]
}

fn split_branches(business: BusinessId, split: &NameSplit) -> Vec<Sql> {
    let first = split
        .first
        .as_deref()
        .map(|p| name_matches(business, "f", "first_name_key", p));
    let last = split
        .last
        .as_deref()
        .map(|p| name_matches(business, "l", "last_name_key", p));
    match (first, last) {
        (Some(first), None) => first.into(),
        (None, Some(last)) => last.into(),
        (Some(first), Some(last)) => {
            let first = Sql::or(first.into());
            last.into_iter()
                .map(|last| last.and(first.clone()))
                .collect()
        }
        (None, None) => Vec::new(),
    }
}

fn exact(search: &ClientSearch, null_safe: bool) -> Sql {
    Sql::or(exact_readings(search, null_safe))
}

/// One condition per exact reading, each answered by one index.
fn exact_readings(search: &ClientSearch, null_safe: bool) -> Vec<Sql> {
    let mut parts = Vec::new();
    for split in search.names().map(|n| n.splits()).unwrap_or_default() {
        let mut text = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        if let Some(first) = split.first {
            text.push("first_name_key = ?");
            values.push(first.into());
        }
        if let Some(last) = split.last {
            text.push("last_name_key = ?");
            values.push(last.into());
        }
        parts.push(Sql::new(text.join(" AND "), values));
    }
    let column = |c: &str| match null_safe {
        true => format!("COALESCE({c}, '')"),
        false => c.to_owned(),
    };
    if let Some(digits) = search.phone_digits() {
        parts.push(Sql::new(
            format!("{} IN (?, ?)", column("phone_digits")),
            vec![digits.into(), format!("+{digits}").into()],
        ));
    }
    if let Some(email) = search.email_fragment() {
        parts.push(Sql::new(
            format!("{} = ?", column("email_key")),
            vec![email.into()],
        ));
    }
    parts
}

/// The page as one statement: the exact matches, then each reading's first page without
/// them, merged and cut by the database.
fn search_raw(_backend: DatabaseBackend, business: BusinessId, p: &Params) -> RawQuery {
    let fetched = i64::from(p.limit.get()) + 1;
    let Some(search) =
        p.q.as_deref()
            .and_then(|q| ClientSearch::parse("q", q).ok())
    else {
        return RawQuery {
            sql: "SELECT NULL AS id WHERE 1 = 0".to_owned(),
            values: Vec::new(),
        };
    };
    let mut branches: Vec<(i32, Sql)> = exact_readings(&search, false)
        .into_iter()
        .map(|reading| (0, reading))
        .collect();
    let others: Vec<Sql> = search
        .names()
        .map(|names| {
            names
                .splits()
                .iter()
                .flat_map(|split| split_branches(business, split))
                .collect()
        })
        .unwrap_or_default();
    for branch in others
        .into_iter()
        .chain(
            search
                .phone_digits()
                .map(|d| term_starts_with(business, "p", d)),
        )
        .chain(
            search
                .email_fragment()
                .map(|e| term_starts_with(business, "e", e)),
        )
    {
        let not_exact = exact(&search, true);
        branches.push((
            1,
            branch.and(Sql::new(
                format!("NOT ({})", not_exact.text),
                not_exact.values,
            )),
        ));
    }
    let mut parts = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    for (n, (group, condition)) in branches.into_iter().enumerate() {
        parts.push(format!(
            "SELECT {group} AS grp, {COLUMNS} FROM (SELECT {COLUMNS} FROM clients \
             WHERE business_id = ? AND ({}) {ORDER} LIMIT ?) AS b{n}",
            condition.text
        ));
        values.push(business.as_uuid().into());
        values.extend(condition.values);
        values.push(fetched.into());
    }
    RawQuery {
        sql: format!(
            "SELECT {COLUMNS} FROM ({}) AS merged ORDER BY grp, last_name_key, first_name_key, id LIMIT ?",
            parts.join(" UNION ")
        ),
        values: {
            values.push(fetched.into());
            values
        },
    }
}
