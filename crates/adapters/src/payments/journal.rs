//! The stub card processor's record of the charges it received (ME-9), as a real
//! processor keeps one: a key it has seen is answered with its first answer, and a charge
//! whose answer was lost can be looked up by its key.
//!
//! In memory by default. With a file ([`ChargeJournal::open`]), every charge received is a
//! line appended to it — `key`, `charged` or the refusal, the reference or message, the
//! amount, tab-separated — and several processes share it: each takes the file's lock,
//! reads the lines the others appended, then appends its own. The fault-injection test
//! counts from it what the "processor" took, whatever happened to the workers.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use clientele_domain::Money;
use clientele_ports::payments::{ChargeRecord, ProcessorError};

/// One line of a journal file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub key: String,
    pub record: ChargeRecord,
    /// The amount as sent, e.g. `49.90 EUR`.
    pub amount: String,
}

#[derive(Debug, Default)]
struct Shared {
    /// The file and how far it was read.
    file: Option<(File, u64)>,
    seen: HashMap<String, ChargeRecord>,
}

/// A processor's record of the keys it received; see the module.
#[derive(Debug, Default)]
pub struct ChargeJournal {
    shared: Mutex<Shared>,
}

/// Texts of a line: no tab or line break.
fn clean(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

fn write_line(key: &str, record: &ChargeRecord, amount: &str) -> String {
    let (status, detail) = match record {
        ChargeRecord::Charged(reference) => ("charged", reference.clone()),
        ChargeRecord::Refused(ProcessorError::Declined(message)) => ("declined", message.clone()),
        ChargeRecord::Refused(ProcessorError::InsufficientFunds) => {
            ("insufficient_funds", String::new())
        }
        ChargeRecord::Refused(error) => ("invalid", error.to_string()),
    };
    format!(
        "{}\t{status}\t{}\t{}\n",
        clean(key),
        clean(&detail),
        clean(amount)
    )
}

fn read_line(line: &str) -> Option<JournalEntry> {
    let mut parts = line.split('\t');
    let (key, status, detail, amount) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let record = match status {
        "charged" => ChargeRecord::Charged(detail.to_owned()),
        "declined" => ChargeRecord::Refused(ProcessorError::Declined(detail.to_owned())),
        "insufficient_funds" => ChargeRecord::Refused(ProcessorError::InsufficientFunds),
        "invalid" => ChargeRecord::Refused(ProcessorError::InvalidCard(detail.to_owned())),
        _ => return None,
    };
    Some(JournalEntry {
        key: key.to_owned(),
        record,
        amount: amount.to_owned(),
    })
}

/// Every entry of a journal file, in the order they were appended.
pub fn read_journal(path: &Path) -> io::Result<Vec<JournalEntry>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text.lines().filter_map(read_line).collect())
}

/// The file locked for this process until dropped.
struct Locked<'a>(&'a File);

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        // Closing the file would release it too; an unlock that fails leaves nothing held.
        let _ = self.0.unlock();
    }
}

impl ChargeJournal {
    /// A journal kept in this process only.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// A journal in the file at `path` (created if missing), shared with every process
    /// that opens it.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        Ok(Self {
            shared: Mutex::new(Shared {
                file: Some((file, 0)),
                seen: HashMap::new(),
            }),
        })
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        // A panic while holding it left a map that is still whole.
        self.shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The record of `key`, if this processor received it.
    pub fn get(&self, key: &str) -> io::Result<Option<ChargeRecord>> {
        let mut shared = self.shared();
        let Shared { file, seen } = &mut *shared;
        if let Some((file, read)) = file {
            let _lock = lock(file)?;
            catch_up(file, read, seen)?;
        }
        Ok(seen.get(key).cloned())
    }

    /// The record of `key`: the first answer if it was received before, else `answer()`,
    /// recorded unless it is transient (nothing was done then).
    pub fn answer_once(
        &self,
        key: &str,
        amount: Money,
        answer: impl FnOnce() -> Result<String, ProcessorError>,
    ) -> io::Result<Result<String, ProcessorError>> {
        let mut shared = self.shared();
        let Shared { file, seen } = &mut *shared;
        let mut held = match file {
            Some((file, read)) => {
                let lock = lock(file)?;
                catch_up(file, read, seen)?;
                Some((lock, read))
            }
            None => None,
        };
        if let Some(record) = seen.get(key) {
            return Ok(match record {
                ChargeRecord::Charged(reference) => Ok(reference.clone()),
                ChargeRecord::Refused(error) => Err(error.clone()),
            });
        }
        let answer = answer();
        let record = match &answer {
            Err(ProcessorError::Transient(_)) => return Ok(answer),
            Ok(reference) => ChargeRecord::Charged(reference.clone()),
            Err(error) => ChargeRecord::Refused(error.clone()),
        };
        if let Some((lock, read)) = held.as_mut() {
            let line = write_line(key, &record, &amount.to_string());
            let mut file = lock.0;
            file.write_all(line.as_bytes())?;
            **read = file.seek(SeekFrom::End(0))?;
        }
        seen.insert(key.to_owned(), record);
        Ok(answer)
    }
}

fn lock(file: &File) -> io::Result<Locked<'_>> {
    file.lock()?;
    Ok(Locked(file))
}

/// Reads what other processes appended since `read`.
fn catch_up(
    mut file: &File,
    read: &mut u64,
    seen: &mut HashMap<String, ChargeRecord>,
) -> io::Result<()> {
    let end = file.seek(SeekFrom::End(0))?;
    if end == *read {
        return Ok(());
    }
    file.seek(SeekFrom::Start(*read))?;
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    // Appends are whole lines written under the lock: the text ends with a line break.
    for entry in text.lines().filter_map(read_line) {
        seen.entry(entry.key).or_insert(entry.record);
    }
    *read = end;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_domain::Currency;

    fn eur() -> Money {
        Money::parse("amount", "49.90", Currency::parse("EUR").unwrap()).unwrap()
    }

    fn temp_path(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("clientele-journal-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn me_9_a_key_seen_before_gets_its_first_answer_and_is_not_charged_again() {
        let journal = ChargeJournal::in_memory();
        let first = journal
            .answer_once("k1", eur(), || Ok("ch_1".into()))
            .unwrap();
        let again = journal
            .answer_once("k1", eur(), || panic!("charged twice"))
            .unwrap();
        assert_eq!(first, Ok("ch_1".into()));
        assert_eq!(again, first);
        let declined = journal
            .answer_once("k2", eur(), || Err(ProcessorError::InsufficientFunds))
            .unwrap();
        assert_eq!(declined, Err(ProcessorError::InsufficientFunds));
        assert_eq!(
            journal.get("k2").unwrap(),
            Some(ChargeRecord::Refused(ProcessorError::InsufficientFunds))
        );
    }

    #[test]
    fn me_9_a_transient_failure_is_not_recorded() {
        let journal = ChargeJournal::in_memory();
        let answer = journal
            .answer_once("k", eur(), || {
                Err(ProcessorError::Transient("timeout".into()))
            })
            .unwrap();
        assert!(matches!(answer, Err(ProcessorError::Transient(_))));
        assert_eq!(journal.get("k").unwrap(), None);
    }

    #[test]
    fn me_9_two_journals_on_one_file_share_what_they_received() {
        let path = temp_path("charges.tsv");
        let one = ChargeJournal::open(&path).unwrap();
        let two = ChargeJournal::open(&path).unwrap();
        let first = one.answer_once("k1", eur(), || Ok("ch_1".into())).unwrap();
        let again = two
            .answer_once("k1", eur(), || panic!("charged twice"))
            .unwrap();
        let declined = two
            .answer_once("k2", eur(), || {
                Err(ProcessorError::Declined("card_declined".into()))
            })
            .unwrap();

        assert_eq!(first, Ok("ch_1".into()));
        assert_eq!(again, first);
        assert!(declined.is_err());
        assert_eq!(
            one.get("k2").unwrap(),
            Some(ChargeRecord::Refused(ProcessorError::Declined(
                "card_declined".into()
            )))
        );
        let entries = read_journal(&path).unwrap();
        assert_eq!(
            entries.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            ["k1", "k2"]
        );
        assert_eq!(entries[0].amount, "49.90 EUR");
        assert_eq!(
            ChargeJournal::open(&path).unwrap().get("k1").unwrap(),
            Some(ChargeRecord::Charged("ch_1".into()))
        );
    }
}
