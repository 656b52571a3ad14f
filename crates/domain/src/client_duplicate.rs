//! CL-19: duplicate suggestions. Two profiles are likely one person when they share a
//! normalised email or phone, or when their names are near-identical: a typo, a nickname
//! from [`NICKNAMES`], first and last name swapped.
//!
//! Suggestions are found by blocking, never by comparing all pairs: a client's
//! [`Block`]s are the few index lookups that can hold a duplicate of it (the same email,
//! the same phone, the same last name with a first name of the same initial or a
//! nickname of it, the same first name with a last name of the same initial, the names
//! swapped), and only the clients those lookups return are compared ([`compare`]).

use serde::{Deserialize, Serialize};

use crate::{Client, ClientId, EmailAddress};

/// What a comparison needs of a client: the keys its row is indexed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKeys {
    pub id: ClientId,
    /// `PersonName::key`.
    pub first_name_key: String,
    pub last_name_key: String,
    /// `EmailAddress::key`.
    pub email_key: Option<String>,
    /// `PhoneNumber::normalised`.
    pub phone: Option<String>,
}

impl DuplicateKeys {
    pub fn of(client: &Client) -> Self {
        Self {
            id: client.id(),
            first_name_key: client.first_name().key(),
            last_name_key: client.last_name().key(),
            email_key: client.email().map(EmailAddress::key),
            phone: client.phone().map(|p| p.normalised().to_owned()),
        }
    }

    /// The lookups that find every client [`compare`] could match with this one.
    pub fn blocks(&self) -> Vec<Block> {
        let mut blocks = Vec::new();
        if let Some(email) = &self.email_key {
            blocks.push(Block::Email(email.clone()));
        }
        if let Some(phone) = self.phone.as_ref().filter(|p| digit_count(p) >= MIN_PHONE) {
            blocks.push(Block::Phone(phone.clone()));
        }
        let (first, last) = (&self.first_name_key, &self.last_name_key);
        let (Some(first_initial), Some(last_initial)) = (initial(first), initial(last)) else {
            return blocks;
        };
        // Nicknames of another initial: those of the same are in the last name's block.
        let others: Vec<String> = nicknames_of(first)
            .filter(|n| initial(n).as_ref() != Some(&first_initial))
            .map(str::to_owned)
            .collect();
        blocks.push(Block::LastName {
            last: last.clone(),
            first_prefix: first_initial,
        });
        blocks.push(Block::FirstName {
            first: first.clone(),
            last_prefix: last_initial,
        });
        if !others.is_empty() {
            blocks.push(Block::Nicknames {
                last: last.clone(),
                firsts: others,
            });
        }
        if first != last {
            blocks.push(Block::Swapped {
                first: last.clone(),
                last: first.clone(),
            });
        }
        blocks
    }
}

/// One index lookup of clients who may be duplicates (keys as [`DuplicateKeys`] holds
/// them). A prefix is matched on the key's bytes: [`prefix_end`] bounds its range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Email(String),
    Phone(String),
    /// This last name, a first name starting with `first_prefix`.
    LastName {
        last: String,
        first_prefix: String,
    },
    /// This first name, a last name starting with `last_prefix`.
    FirstName {
        first: String,
        last_prefix: String,
    },
    /// This last name and one of these first names.
    Nicknames {
        last: String,
        firsts: Vec<String>,
    },
    /// Exactly these names.
    Swapped {
        first: String,
        last: String,
    },
}

/// The least string above every string starting with `prefix`, for a range
/// `prefix <= key < prefix_end(prefix)`; `None` when there is none (a prefix of
/// `char::MAX`s).
pub fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Why two profiles look like one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    SameEmail,
    SamePhone,
    SameName,
    /// One's first name is the other's last name and the other way round.
    SwappedNames,
    /// The same last name, first names of one [`NICKNAMES`] group ("Bob", "Robert").
    Nickname,
    /// Names a typo or two apart ("Jon Smith", "John Smith").
    SimilarName,
}

impl DuplicateReason {
    /// How likely this reason alone makes the pair one person, in percent. A shared
    /// phone is weaker than a shared email (a family's landline).
    fn weight(self) -> u32 {
        match self {
            Self::SameEmail => 80,
            Self::SamePhone => 70,
            Self::SameName => 60,
            Self::SwappedNames | Self::Nickname => 50,
            Self::SimilarName => 40,
        }
    }
}

/// A suggestion: how likely (1 to 99) and why, strongest reason first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Likeness {
    pub score: u8,
    pub reasons: Vec<DuplicateReason>,
}

/// CL-19: whether `a` and `b` look like one person, and how much. `None` for a client
/// and itself.
pub fn compare(a: &DuplicateKeys, b: &DuplicateKeys) -> Option<Likeness> {
    if a.id == b.id {
        return None;
    }
    let mut reasons = Vec::new();
    if a.email_key.is_some() && a.email_key == b.email_key {
        reasons.push(DuplicateReason::SameEmail);
    }
    let phone_shared = a.phone.as_ref().filter(|p| digit_count(p) >= MIN_PHONE);
    if phone_shared.is_some() && a.phone == b.phone {
        reasons.push(DuplicateReason::SamePhone);
    }
    if let Some(reason) = name_likeness(a, b) {
        reasons.push(reason);
    }
    if reasons.is_empty() {
        return None;
    }
    // Independent evidence: the chance that all of it is a coincidence is the product.
    let coincidence = reasons
        .iter()
        .fold(1.0_f64, |c, r| c * f64::from(100 - r.weight()) / 100.0);
    let score = ((1.0 - coincidence) * 100.0).round().clamp(1.0, 99.0) as u8;
    Some(Likeness { score, reasons })
}

fn name_likeness(a: &DuplicateKeys, b: &DuplicateKeys) -> Option<DuplicateReason> {
    let (af, al, bf, bl) = (
        a.first_name_key.as_str(),
        a.last_name_key.as_str(),
        b.first_name_key.as_str(),
        b.last_name_key.as_str(),
    );
    if af.is_empty() || al.is_empty() {
        return None;
    }
    if af == bf && al == bl {
        return Some(DuplicateReason::SameName);
    }
    if af == bl && al == bf {
        return Some(DuplicateReason::SwappedNames);
    }
    if al == bl && nicknames_of(af).any(|n| n == bf) {
        return Some(DuplicateReason::Nickname);
    }
    // One part the same, the other a typo or two away with the same initial (the blocks
    // look no further).
    let typo = |x: &str, y: &str| {
        let shorter = x.chars().count().min(y.chars().count());
        let allowed = if shorter >= LONG_NAME { 2 } else { 1 };
        initial(x) == initial(y) && strsim::damerau_levenshtein(x, y) <= allowed
    };
    ((af == bf && typo(al, bl)) || (al == bl && typo(af, bf)))
        .then_some(DuplicateReason::SimilarName)
}

/// A name of this many characters or more may hold two typos.
const LONG_NAME: usize = 8;

/// Phones shorter than this are not evidence (an extension, a typing slip).
const MIN_PHONE: usize = 6;

fn digit_count(phone: &str) -> usize {
    phone.chars().filter(char::is_ascii_digit).count()
}

fn initial(key: &str) -> Option<String> {
    key.chars().next().map(String::from)
}

/// The other first names of `first`'s nickname groups (name keys).
fn nicknames_of(first: &str) -> impl Iterator<Item = &'static str> + '_ {
    NICKNAMES
        .iter()
        .filter(move |group| group.contains(&first))
        .flat_map(|group| group.iter().copied())
        .filter(move |name| *name != first)
}

/// First names people go by interchangeably, as name keys (lower case, accents folded).
/// Small on purpose: a group here makes any two of its names a suggestion.
pub const NICKNAMES: &[&[&str]] = &[
    &["alexander", "alex", "sasha"],
    &["alexandre", "alex"],
    &["alexandra", "alex", "sandra"],
    &["andrew", "andy", "drew"],
    &["anthony", "tony"],
    &["benjamin", "ben", "benji"],
    &["catherine", "cathy", "kate", "katie"],
    &["caroline", "caro"],
    &["charles", "charlie", "chuck"],
    &["christopher", "chris"],
    &["christophe", "chris"],
    &["christine", "chris"],
    &["daniel", "dan", "danny"],
    &["deborah", "debbie", "deb"],
    &["dominique", "domi"],
    &["edward", "ed", "eddie", "ted"],
    &["elizabeth", "liz", "beth", "betty", "eliza"],
    &["elisabeth", "babeth", "lisa"],
    &["emmanuel", "manu"],
    &["emmanuelle", "manue"],
    &["frederic", "fred"],
    &["frederick", "fred"],
    &["gregory", "greg"],
    &["isabelle", "isa"],
    &["james", "jim", "jimmy"],
    &["jennifer", "jenny", "jen"],
    &["john", "jack", "johnny"],
    &["jonathan", "jon"],
    &["joseph", "joe", "joey"],
    &["kenneth", "ken"],
    &["margaret", "maggie", "meg", "peggy"],
    &["matthew", "matt"],
    &["maxime", "max"],
    &["michael", "mike", "mickey"],
    &["nicholas", "nick"],
    &["nicolas", "nico"],
    &["patricia", "pat", "patty", "trish"],
    &["rebecca", "becky"],
    &["richard", "rick", "dick", "rich"],
    &["robert", "bob", "bobby", "rob"],
    &["samuel", "sam"],
    &["sebastien", "seb"],
    &["stephanie", "steph"],
    &["stephen", "steve"],
    &["steven", "steve"],
    &["susan", "sue", "susie"],
    &["thomas", "tom", "tommy"],
    &["timothy", "tim"],
    &["valerie", "val"],
    &["veronique", "vero"],
    &["victoria", "vicky"],
    &["william", "bill", "will", "billy"],
];

#[cfg(test)]
#[path = "client_duplicate_tests.rs"]
mod tests;
