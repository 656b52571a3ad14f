//! CL-15: one batch of an import's rows, weighed in memory against the clients they
//! match, then written in a few statements.
//!
//! The clients the batch's rows may match are read in two queries (by email key, by name
//! for rows without an email); each row then creates a client or changes one in memory,
//! a client created or changed by an earlier row of the batch included, so that two rows
//! with one email make one client. What the batch changed is written at its end: each
//! changed client once (with its audit), the new ones in one batched insert.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use clientele_domain::client::{ClientChanges, ClientChangesInput, ClientInput, NewClient};
use clientele_domain::client_import::{self, ClientImport, OnExisting, Outcome, RowReport};
use clientele_domain::contact::Country;
use clientele_domain::custom_field::{self, CustomField, CustomValue};
use clientele_domain::{Actor, Client, ClientId, CustomFieldId, Version};
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;
use crate::webhook_events::{Resource, Subscriptions};
use clientele_domain::webhook::EventType;

/// What every row of a step shares.
pub(crate) struct Step<'a> {
    /// Who started the import: its changes are theirs.
    pub actor: Actor,
    pub fields: Vec<CustomField>,
    pub import: &'a ClientImport,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    /// PL-23: the business's country for phone numbers.
    pub country: Option<Country>,
}

/// A row that reads as a client.
struct Parsed {
    line: u32,
    input: ClientInput,
    new: NewClient,
    values: std::collections::BTreeMap<CustomFieldId, Option<CustomValue>>,
    /// Its email key, if it has an email.
    email: Option<String>,
    /// Its first and last name keys.
    name: (String, String),
}

/// A row read: a client to weigh, or its report (the row is invalid).
enum Read {
    Parsed(Box<Parsed>),
    Invalid(RowReport),
}

/// A client the batch may touch, as the batch leaves it.
struct Touched {
    client: Client,
    /// The client as stored and its version; `None` for a client the batch creates.
    stored: Option<(Client, Version)>,
}

impl Touched {
    fn changed(&self) -> bool {
        self.stored
            .as_ref()
            .is_none_or(|(before, _)| *before != self.client)
    }
}

/// The clients a batch touches, found by email key or by name.
#[derive(Default)]
struct Known {
    clients: Vec<Touched>,
    by_email: HashMap<String, usize>,
    by_name: HashMap<(String, String), Vec<usize>>,
}

impl Known {
    fn add(&mut self, touched: Touched) -> usize {
        let at = self.clients.len();
        let client = &touched.client;
        match client.email() {
            Some(email) => {
                self.by_email.entry(email.key()).or_insert(at);
            }
            None => {
                let name = (client.first_name().key(), client.last_name().key());
                self.by_name.entry(name).or_default().push(at);
            }
        }
        self.clients.push(touched);
        at
    }

    /// The client a row is about: the one with its email, or (a row without an email)
    /// the first one of its name without an email and with its phone, if it has one.
    fn matching(&self, row: &Parsed) -> Option<usize> {
        if let Some(email) = &row.email {
            return self.by_email.get(email).copied();
        }
        let phone = row.new.phone.as_ref().map(|p| p.normalised());
        self.by_name.get(&row.name)?.iter().copied().find(|&at| {
            let client = &self.clients[at].client;
            client.email().is_none()
                && phone.is_none_or(|phone| client.phone().map(|p| p.normalised()) == Some(phone))
        })
    }
}

impl Clientele {
    /// The rows of one batch applied (or, in a dry run, weighed): the report of each and
    /// its email key, in the rows' order.
    pub(crate) async fn import_batch(
        &self,
        tx: &mut dyn Transaction,
        step: &Step<'_>,
        rows: &[(u32, Vec<String>)],
    ) -> Result<Vec<(RowReport, Option<String>)>, StorageError> {
        let read: Vec<Read> = rows
            .iter()
            .map(|(line, cells)| read_row(step, *line, cells))
            .collect();
        let mut known = self.stored_matches(tx, step, &read).await?;
        let mut done = Vec::with_capacity(read.len());
        for row in read {
            let report = match row {
                Read::Invalid(report) => (report, None),
                Read::Parsed(row) => {
                    let report = self.weigh(tx, step, &mut known, &row).await?;
                    (report, row.email)
                }
            };
            done.push(report);
        }
        if !step.import.dry_run {
            let business = step.import.business_id;
            let mut subscriptions = Subscriptions::default();
            let mut new = Vec::new();
            for touched in known.clients.into_iter().filter(Touched::changed) {
                match touched.stored {
                    Some((before, version)) => {
                        tx.update_client(&touched.client, version).await?;
                        let (actor, now) = (&step.actor, step.now);
                        self.audit_changes(tx, actor, &before, &touched.client, now)
                            .await?;
                        let (kind, client) =
                            (EventType::ClientUpdated, Resource::Client(&touched.client));
                        self.emit_to(tx, &mut subscriptions, business, kind, client)
                            .await?;
                    }
                    None => new.push(touched.client),
                }
            }
            tx.insert_clients(&new).await?;
            for client in &new {
                let (kind, client) = (EventType::ClientCreated, Resource::Client(client));
                self.emit_to(tx, &mut subscriptions, business, kind, client)
                    .await?;
            }
        }
        Ok(done)
    }

    /// The stored clients the parsed rows may match, read in two queries.
    async fn stored_matches(
        &self,
        tx: &mut dyn Transaction,
        step: &Step<'_>,
        read: &[Read],
    ) -> Result<Known, StorageError> {
        let business = step.import.business_id;
        let parsed = read.iter().filter_map(|row| match row {
            Read::Parsed(row) => Some(row),
            Read::Invalid(_) => None,
        });
        let (mut emails, mut names) = (Vec::new(), Vec::new());
        for row in parsed {
            match &row.email {
                Some(email) => emails.push(email.clone()),
                None => names.push(row.name.clone()),
            }
        }
        emails.sort_unstable();
        emails.dedup();
        names.sort_unstable();
        names.dedup();
        let mut known = Known::default();
        let mut stored = tx.clients_by_emails(business, &emails).await?;
        if !names.is_empty() {
            stored.extend(tx.clients_by_names(business, &names).await?);
        }
        for client in stored {
            let stored = Some((client.clone(), client.version()));
            known.add(Touched { client, stored });
        }
        Ok(known)
    }

    /// One parsed row weighed against the clients known so far: the client it matches
    /// changed, or a new one, in memory.
    async fn weigh(
        &self,
        tx: &mut dyn Transaction,
        step: &Step<'_>,
        known: &mut Known,
        row: &Parsed,
    ) -> Result<RowReport, StorageError> {
        let import = step.import;
        let report = |outcome, client_id, reason: Option<&str>| RowReport {
            line: row.line,
            outcome,
            client_id,
            reason: reason.map(str::to_owned),
        };
        // In a dry run nothing is stored: a client is named only if it exists.
        let id_of = |touched: &Touched| {
            (!import.dry_run || touched.stored.is_some()).then(|| touched.client.id())
        };
        let Some(at) = known.matching(row) else {
            if import.dry_run
                && let Some(email) = &row.email
                && tx
                    .import_saw_email(import.business_id, import.id, email)
                    .await?
            {
                return Ok(report(Outcome::Updated, None, Some(EARLIER_ROW)));
            }
            let mut new = row.new.clone();
            new.custom_fields = (row.values.clone().into_iter())
                .filter_map(|(field, value)| value.map(|value| (field, value)))
                .collect();
            let client = Client::create(
                ClientId::from_uuid(self.ids.new_id()),
                import.business_id,
                new,
                vec![import.site_id],
                step.now,
                step.today,
            );
            let at = known.add(Touched {
                client,
                stored: None,
            });
            return Ok(report(Outcome::Created, id_of(&known.clients[at]), None));
        };
        let touched = &mut known.clients[at];
        // PL-14: a client of the business the importer does not see is neither changed
        // nor named; a new one with the same email would be a duplicate of it.
        if !step.actor.scope.sees_any(touched.client.sites()) {
            return Ok(report(Outcome::Skipped, None, Some(UNSEEN)));
        }
        let (id, earlier) = (id_of(touched), touched.stored.is_none());
        if import.on_existing == OnExisting::Skip {
            return Ok(report(Outcome::Skipped, id, Some(ALREADY_LISTED)));
        }
        let mut changes = match ClientChanges::parse(&changes_of(&row.input)) {
            Ok(changes) => changes,
            Err(errors) => return Ok(report(Outcome::Invalid, None, Some(&errors.to_string()))),
        };
        changes.custom_fields = row.values.clone();
        if let Some(Some(phone)) = &mut changes.phone {
            *phone = phone.clone().in_country(step.country);
        }
        if touched.client.apply(changes, step.now) {
            let reason = (import.dry_run && earlier).then_some(EARLIER_ROW);
            Ok(report(Outcome::Updated, id, reason))
        } else {
            Ok(report(Outcome::Skipped, id, Some("nothing to change")))
        }
    }
}

const EARLIER_ROW: &str = "an earlier row has this email: it would update that client";
const ALREADY_LISTED: &str = "the client is already in the list";
const UNSEEN: &str = "a client with these details is at a site you do not see";

/// A row read against the import's mapping and the business's custom fields.
fn read_row(step: &Step<'_>, line: u32, cells: &[String]) -> Read {
    let import = step.import;
    let invalid = |reason: String| {
        Read::Invalid(RowReport {
            line,
            outcome: Outcome::Invalid,
            client_id: None,
            reason: Some(reason),
        })
    };
    let input = match client_import::row_input(cells, &import.mapping, &step.fields, import.dates) {
        Ok(input) => input,
        Err(error) => return invalid(error.to_string()),
    };
    let mut new = match NewClient::parse(&input) {
        Ok(new) => new,
        Err(errors) => return invalid(errors.to_string()),
    };
    new.phone = new.phone.take().map(|p| p.in_country(step.country));
    let values = match custom_field::parse_values(&step.fields, &input.custom_fields) {
        Ok(values) => values,
        Err(errors) => return invalid(errors.to_string()),
    };
    let email = new.email.as_ref().map(|email| email.key());
    let name = (new.first_name.key(), new.last_name.key());
    Read::Parsed(Box::new(Parsed {
        line,
        input,
        new,
        values,
        email,
        name,
    }))
}

/// What a row changes in the client it matches: its names, phone, notes and custom
/// values; never its email (the key it was found by) nor its sites.
fn changes_of(input: &ClientInput) -> ClientChangesInput {
    ClientChangesInput {
        first_name: Some(input.first_name.clone()),
        last_name: Some(input.last_name.clone()),
        email: None,
        phone: input.phone.clone().map(Some),
        sites: None,
        client_notes: input.client_notes.clone().map(Some),
        custom_fields: input.custom_fields.clone(),
    }
}
