//! Writes a generated client base through the storage port, the product's own write path:
//! `insert_clients` and `insert_appointment`, a batch of clients per transaction.
//!
//! Generation is sequential (so the data depends on the seed only); writing may use
//! several transactions at once on PostgreSQL (`writers`), each taking whole batches from
//! one queue. SQLite has one writer at a time, so more writers only queue there.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::sync::{Mutex, mpsc};

use clientele_domain::Client;
use clientele_ports::{Storage, StorageError};

use crate::population::{Member, Population, PopulationError};

#[derive(Debug, Error)]
pub enum LoadError {
    #[error(transparent)]
    Population(#[from] PopulationError),
    #[error("writing a batch failed: {0}")]
    Storage(#[from] StorageError),
    #[error("a writer task stopped: {0}")]
    Writer(#[from] tokio::task::JoinError),
}

/// How much was written and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct LoadReport {
    pub clients: u64,
    pub appointments: u64,
    pub elapsed: Duration,
}

impl LoadReport {
    pub fn clients_per_second(&self) -> f64 {
        self.clients as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// How to write.
#[derive(Debug, Clone, Copy)]
pub struct LoadPlan {
    /// Clients in all (for the progress lines).
    pub clients: u64,
    /// Clients per transaction.
    pub batch: usize,
    /// Transactions in flight at once.
    pub writers: usize,
    /// Print progress every this many clients.
    pub progress_every: u64,
}

struct Progress {
    clients: AtomicU64,
    appointments: AtomicU64,
    started: Instant,
    every: u64,
    total: u64,
}

impl Progress {
    fn record(&self, clients: u64, appointments: u64) {
        self.appointments.fetch_add(appointments, Ordering::Relaxed);
        let before = self.clients.fetch_add(clients, Ordering::Relaxed);
        let after = before + clients;
        if self.every > 0 && (after / self.every > before / self.every || after == self.total) {
            let elapsed = self.started.elapsed().as_secs_f64();
            eprintln!(
                "  {after:>9} / {} clients, {:>9} appointments, {elapsed:>7.1} s, {:>7.0} clients/s",
                self.total,
                self.appointments.load(Ordering::Relaxed),
                after as f64 / elapsed.max(1e-9),
            );
        }
    }
}

/// Writes members drawn from a [`Population`], in as many stages as the caller wants
/// (to do maintenance between them), keeping one count and one clock for all.
pub struct Loader {
    storage: Arc<dyn Storage>,
    plan: LoadPlan,
    progress: Arc<Progress>,
}

impl Loader {
    pub fn new(storage: Arc<dyn Storage>, plan: LoadPlan) -> Self {
        let progress = Arc::new(Progress {
            clients: AtomicU64::new(0),
            appointments: AtomicU64::new(0),
            started: Instant::now(),
            every: plan.progress_every,
            total: plan.clients,
        });
        Self {
            storage,
            plan,
            progress,
        }
    }

    /// What was written so far, and the time since the loader was made.
    pub fn report(&self) -> LoadReport {
        LoadReport {
            clients: self.progress.clients.load(Ordering::Relaxed),
            appointments: self.progress.appointments.load(Ordering::Relaxed),
            elapsed: self.progress.started.elapsed(),
        }
    }

    /// Generates the next `clients` members of `population` and writes them; returns once
    /// they are all committed.
    pub async fn load(&self, population: &mut Population, clients: u64) -> Result<(), LoadError> {
        let batch = self.plan.batch.max(1);
        let writers = self.plan.writers.max(1);
        let (sender, receiver) = mpsc::channel::<Vec<Member>>(writers * 2);
        let receiver = Arc::new(Mutex::new(receiver));
        let mut tasks = Vec::with_capacity(writers);
        for _ in 0..writers {
            let (storage, receiver, progress) = (
                self.storage.clone(),
                receiver.clone(),
                self.progress.clone(),
            );
            tasks.push(tokio::spawn(async move {
                loop {
                    let next = receiver.lock().await.recv().await;
                    let Some(members) = next else {
                        return Ok::<(), StorageError>(());
                    };
                    let appointments = write_batch(storage.as_ref(), &members).await?;
                    progress.record(members.len() as u64, appointments);
                }
            }));
        }

        let mut remaining = clients;
        let mut outcome: Result<(), LoadError> = Ok(());
        while remaining > 0 {
            let size = remaining.min(batch as u64) as usize;
            let members = match (0..size)
                .map(|_| population.next_member())
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(members) => members,
                Err(error) => {
                    outcome = Err(error.into());
                    break;
                }
            };
            // A closed queue means every writer stopped: their errors are reported below.
            if sender.send(members).await.is_err() {
                break;
            }
            remaining -= size as u64;
        }
        drop(sender);
        for task in tasks {
            task.await??;
        }
        outcome
    }
}

/// One transaction: the clients of the batch (a batched insert), then their appointments.
async fn write_batch(storage: &dyn Storage, members: &[Member]) -> Result<u64, StorageError> {
    let mut tx = storage.begin().await?;
    let clients: Vec<Client> = members.iter().map(|member| member.client.clone()).collect();
    tx.insert_clients(&clients).await?;
    let mut appointments = 0u64;
    for member in members {
        for appointment in &member.appointments {
            tx.insert_appointment(appointment).await?;
            appointments += 1;
        }
    }
    tx.commit().await?;
    Ok(appointments)
}
