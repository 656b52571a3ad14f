//! Realistic people for the generated client base: French and European names with their
//! accents, compound first and last names, a frequency skew like a real register (many
//! Martins, few Łukasiks, a long tail of rare names), and emails and phones typed the many
//! ways people type them.
//!
//! Pure and deterministic: everything comes from the random generator it is given. It
//! knows nothing of storage; it produces the raw text a person would type, which the
//! domain then parses like any other input.

use rand::Rng;

use clientele_domain::text::search_key;

/// Items with integer weights, drawn in proportion to them.
#[derive(Debug, Clone)]
pub struct Weighted<T> {
    items: Vec<T>,
    /// Running totals of the weights, one per item.
    cumulative: Vec<u32>,
}

impl<T> Weighted<T> {
    /// `pairs` must not be empty and its weights must not all be zero.
    pub fn new(pairs: impl IntoIterator<Item = (T, u32)>) -> Self {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0u32;
        for (item, weight) in pairs {
            total += weight;
            items.push(item);
            cumulative.push(total);
        }
        Self { items, cumulative }
    }

    pub fn pick<R: Rng>(&self, rng: &mut R) -> &T {
        let total = self.cumulative.last().copied().unwrap_or(0).max(1);
        let ticket = rng.random_range(0..total);
        let index = self.cumulative.partition_point(|&c| c <= ticket);
        &self.items[index.min(self.items.len() - 1)]
    }

    pub fn items(&self) -> &[T] {
        &self.items
    }
}

/// The ways a phone number gets typed. Every one parses as a `PhoneNumber`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneFormat {
    /// `06 12 34 56 78`
    FrenchSpaced,
    /// `0612345678`
    FrenchCompact,
    /// `+33 6 12 34 56 78`
    FrenchInternational,
    /// `+33612345678`
    FrenchInternationalCompact,
    /// `06.12.34.56.78`
    FrenchDotted,
    /// `+41 79 123 45 67`
    Swiss,
    /// `(555) 123-4567`
    NorthAmerican,
}

impl PhoneFormat {
    pub const ALL: [PhoneFormat; 7] = [
        Self::FrenchSpaced,
        Self::FrenchCompact,
        Self::FrenchInternational,
        Self::FrenchInternationalCompact,
        Self::FrenchDotted,
        Self::Swiss,
        Self::NorthAmerican,
    ];

    /// Which format `typed` is in, if it is one of ours.
    pub fn of(typed: &str) -> Option<Self> {
        let digits = typed.chars().filter(char::is_ascii_digit).count();
        if typed.starts_with("+41 ") {
            Some(Self::Swiss)
        } else if typed.starts_with("+33 ") {
            Some(Self::FrenchInternational)
        } else if typed.starts_with("+33") {
            Some(Self::FrenchInternationalCompact)
        } else if typed.starts_with('(') {
            Some(Self::NorthAmerican)
        } else if typed.contains('.') {
            Some(Self::FrenchDotted)
        } else if typed.contains(' ') {
            Some(Self::FrenchSpaced)
        } else if digits == 10 {
            Some(Self::FrenchCompact)
        } else {
            None
        }
    }
}

const FEMALE_FIRST_NAMES: &[(&str, u32)] = &[
    ("Marie", 30),
    ("Nathalie", 20),
    ("Isabelle", 20),
    ("Sophie", 18),
    ("Julie", 18),
    ("Léa", 22),
    ("Emma", 20),
    ("Camille", 20),
    ("Manon", 18),
    ("Chloé", 18),
    ("Sandrine", 16),
    ("Céline", 16),
    ("Stéphanie", 16),
    ("Sarah", 16),
    ("Valérie", 15),
    ("Catherine", 15),
    ("Inès", 15),
    ("Christine", 14),
    ("Laura", 14),
    ("Pauline", 14),
    ("Sylvie", 14),
    ("Élodie", 12),
    ("Zoé", 12),
    ("Aurélie", 12),
    ("Émilie", 12),
    ("Claire", 12),
    ("Lucie", 12),
    ("Louise", 12),
    ("Anne", 12),
    ("Anaïs", 10),
    ("Mélanie", 10),
    ("Hélène", 10),
    ("Juliette", 10),
    ("Jade", 10),
    ("Alice", 10),
    ("Françoise", 10),
    ("Martine", 10),
    ("Véronique", 10),
    ("Gaëlle", 8),
    ("Clémence", 8),
    ("Océane", 8),
    ("Noémie", 8),
    ("Margaux", 8),
    ("Brigitte", 8),
    ("Monique", 8),
    ("Nicole", 8),
    ("Chantal", 8),
    ("Florence", 8),
    ("Maëlle", 6),
    ("Agnès", 6),
    ("Béatrice", 6),
    ("Laëtitia", 6),
    ("Solène", 5),
    ("Fatima", 5),
    ("Yasmine", 5),
    ("Héloïse", 4),
    ("Capucine", 4),
    ("Ophélie", 4),
    ("Aïcha", 4),
    ("Leïla", 4),
    ("María", 3),
    ("Aminata", 3),
    ("Fatou", 3),
    ("Nour", 3),
    ("Lucía", 2),
    ("Linh", 2),
    ("Maïté", 2),
    ("Zoë", 1),
    ("Núria", 1),
    ("Małgorzata", 1),
    ("Agnieszka", 1),
    ("Ingrid", 2),
    ("Astrid", 2),
    ("Sinéad", 1),
];

const MALE_FIRST_NAMES: &[(&str, u32)] = &[
    ("Jean", 20),
    ("Thomas", 20),
    ("Nicolas", 18),
    ("Pierre", 16),
    ("Julien", 16),
    ("Lucas", 16),
    ("Michel", 14),
    ("Philippe", 14),
    ("Alexandre", 14),
    ("Antoine", 14),
    ("Maxime", 14),
    ("Hugo", 14),
    ("Louis", 14),
    ("Gabriel", 12),
    ("Léo", 12),
    ("Théo", 12),
    ("Sébastien", 12),
    ("Laurent", 12),
    ("Olivier", 12),
    ("Christophe", 12),
    ("David", 12),
    ("Stéphane", 12),
    ("François", 12),
    ("Arthur", 10),
    ("Raphaël", 10),
    ("Jules", 10),
    ("Nathan", 10),
    ("Mathieu", 10),
    ("Frédéric", 10),
    ("Éric", 10),
    ("Patrick", 10),
    ("Alain", 10),
    ("Guillaume", 10),
    ("Romain", 10),
    ("Bernard", 8),
    ("Jacques", 8),
    ("Daniel", 8),
    ("Benoît", 8),
    ("Jérôme", 8),
    ("Cédric", 8),
    ("Baptiste", 8),
    ("Adrien", 8),
    ("Clément", 8),
    ("Florian", 8),
    ("Kévin", 8),
    ("Anthony", 8),
    ("Thierry", 8),
    ("Pascal", 8),
    ("Mohamed", 8),
    ("Grégory", 6),
    ("Loïc", 6),
    ("Yannick", 6),
    ("Rémi", 6),
    ("Damien", 6),
    ("Fabien", 6),
    ("Hervé", 6),
    ("Didier", 6),
    ("Gaël", 5),
    ("Noé", 5),
    ("Yves", 5),
    ("Karim", 5),
    ("Mehdi", 5),
    ("Joël", 4),
    ("Gérard", 4),
    ("Youssef", 4),
    ("José", 3),
    ("Amir", 3),
    ("Moussa", 3),
    ("Mamadou", 3),
    ("João", 2),
    ("Minh", 2),
    ("Jürgen", 1),
    ("Sören", 1),
    ("Björn", 1),
    ("Ángel", 1),
    ("Andrés", 1),
    ("Seán", 1),
];

/// Compound first names as people write them: with a hyphen or, often, a space.
const COMPOUND_FIRST_NAMES: &[(&str, u32)] = &[
    ("Marie-Claire", 10),
    ("Jean Pierre", 8),
    ("Anne Sophie", 8),
    ("Jean-Baptiste", 10),
    ("Marie-Hélène", 6),
    ("Anne-Marie", 8),
    ("Jean-Luc", 8),
    ("Pierre-Yves", 6),
    ("Marie-Christine", 5),
    ("Jean-François", 8),
    ("Marie-Noëlle", 3),
    ("Jean-Michel", 7),
    ("Anne-Laure", 6),
    ("Marie Pierre", 3),
    ("Jean-Claude", 6),
    ("Marie-Thérèse", 3),
    ("Louis-Philippe", 2),
    ("Paul-Henri", 2),
    ("Marie-José", 2),
    ("Jean Marc", 4),
    ("Anne-Sophie", 6),
    ("Pierre Antoine", 3),
];

const COMMON_LAST_NAMES: &[(&str, u32)] = &[
    ("Martin", 230),
    ("Bernard", 100),
    ("Thomas", 95),
    ("Petit", 90),
    ("Robert", 88),
    ("Richard", 86),
    ("Durand", 84),
    ("Dubois", 83),
    ("Moreau", 80),
    ("Laurent", 78),
    ("Simon", 76),
    ("Michel", 75),
    ("Lefebvre", 74),
    ("Leroy", 72),
    ("Roux", 70),
    ("David", 68),
    ("Bertrand", 66),
    ("Morel", 64),
    ("Fournier", 62),
    ("Girard", 60),
    ("Bonnet", 58),
    ("Dupont", 57),
    ("Lambert", 56),
    ("Fontaine", 55),
    ("Rousseau", 54),
    ("Vincent", 53),
    ("Müller", 30),
    ("Lefèvre", 50),
    ("Faure", 49),
    ("André", 48),
    ("Mercier", 47),
    ("Blanc", 46),
    ("Guérin", 45),
    ("Boyer", 44),
    ("Garnier", 43),
    ("Chevalier", 42),
    ("François", 41),
    ("Legrand", 40),
    ("Gauthier", 39),
    ("García", 38),
    ("Perrin", 37),
    ("Robin", 36),
    ("Clément", 35),
    ("Morin", 34),
    ("Nicolas", 33),
    ("Henry", 32),
    ("Roussel", 31),
    ("Mathieu", 30),
    ("Gautier", 29),
    ("Masson", 28),
    ("Marchand", 27),
    ("Duval", 26),
    ("Denis", 25),
    ("Dumont", 24),
    ("Marie", 23),
    ("Lemaire", 22),
    ("Noël", 21),
    ("Meyer", 20),
    ("Dufour", 19),
    ("Meunier", 18),
    ("Brun", 17),
    ("Blanchard", 16),
    ("Giraud", 15),
    ("Joly", 15),
    ("Rivière", 14),
    ("Lucas", 14),
    ("Brunet", 13),
    ("Gaillard", 13),
    ("Barbier", 12),
    ("Arnaud", 12),
    ("Martinez", 12),
    ("Gérard", 11),
    ("Roche", 11),
    ("Renard", 11),
    ("Schmitt", 10),
    ("Roy", 10),
    ("Leroux", 10),
    ("Colin", 10),
    ("Vidal", 9),
    ("Caron", 9),
    ("Picard", 9),
    ("Roger", 9),
    ("Fabre", 9),
    ("Aubert", 8),
    ("Lemoine", 8),
    ("Renaud", 8),
    ("Dumas", 8),
    ("Lacroix", 8),
    ("Olivier", 8),
    ("Philippe", 8),
    ("Bourgeois", 7),
    ("Pierre", 7),
    ("Benoît", 7),
    ("Rey", 7),
    ("Leclerc", 7),
    ("Payet", 7),
    ("Rolland", 7),
    ("Leclercq", 6),
    ("Guillaume", 6),
    ("Lecomte", 6),
    ("López", 6),
    ("Jean", 6),
    ("Dupuy", 6),
    ("Guillot", 6),
    ("Hubert", 6),
    ("Berger", 6),
    ("Carpentier", 6),
    ("Sánchez", 6),
    ("Nguyen", 6),
    ("Da Silva", 6),
    ("Dos Santos", 5),
    ("N'Diaye", 5),
    ("Dupuis", 5),
    ("Moulin", 5),
    ("Louis", 5),
    ("Deschamps", 5),
    ("Huet", 5),
    ("Vasseur", 5),
    ("Perez", 5),
    ("Boucher", 5),
    ("Fleury", 5),
    ("Royer", 5),
    ("Klein", 5),
    ("Jacquet", 5),
    ("Adam", 5),
    ("Paris", 5),
    ("Poirier", 5),
    ("Ferreira", 5),
    ("Pereira", 4),
    ("Diallo", 4),
    ("Le Goff", 4),
    ("Le Gall", 4),
    ("Le Roux", 4),
    ("Carré", 4),
    ("Ménard", 4),
    ("Fernández", 4),
    ("Prévost", 4),
    ("Léger", 4),
    ("Lévêque", 4),
    ("Étienne", 4),
    ("Lemaître", 4),
    ("Maréchal", 4),
    ("Barthélemy", 4),
    ("Bénard", 4),
    ("Hoarau", 4),
    ("Grondin", 4),
    ("De Oliveira", 3),
    ("Traoré", 3),
    ("Núñez", 3),
    ("Rodrigues", 3),
    ("Schneider", 3),
    ("Weber", 3),
    ("Schmidt", 3),
    ("Rossi", 3),
    ("Tran", 3),
    ("Cohen", 3),
    ("Haddad", 3),
    ("Ben Ali", 2),
    ("de la Cruz", 2),
    ("Koné", 2),
    ("Camara", 2),
    ("Diop", 2),
    ("Le Bihan", 2),
    ("Le Floch", 2),
    ("Quéméner", 2),
    ("D'Angelo", 2),
    ("Saint-Martin", 2),
    ("van der Berg", 1),
    ("Van den Broeck", 1),
    ("De Smet", 1),
    ("Janssens", 1),
    ("Fischer", 1),
    ("Wagner", 1),
    ("Becker", 1),
    ("Öztürk", 1),
    ("Yılmaz", 1),
    ("Kowalski", 1),
    ("Nowak", 1),
    ("Wiśniewski", 1),
    ("Russo", 1),
    ("Bianchi", 1),
    ("Esposito", 1),
    ("O'Brien", 1),
    ("O'Connor", 1),
    ("McCarthy", 1),
    ("Johansson", 1),
    ("Lindqvist", 1),
    ("Jørgensen", 1),
    ("Łukasik", 1),
    ("Dvořák", 1),
    ("Horváth", 1),
    ("Papadopoulos", 1),
    ("Kerbrat", 1),
];

/// The long tail of rare surnames: prefix, stem and ending, thousands of combinations.
const TAIL_PREFIXES: &[&str] = &[
    "Le", "La", "Du", "De", "Des", "Ker", "Mont", "Beau", "Bel", "Lan", "Tré", "Pen", "Ville",
    "Bois", "Roche", "Val", "Mar", "Ber", "Gal", "Char", "Cha", "Mor", "Ro", "Bou", "Gui", "Lé",
];
const TAIL_STEMS: &[&str] = &[
    "champ", "fort", "mont", "court", "ville", "bois", "val", "noir", "blanc", "rouge", "vert",
    "vin", "pré", "lac", "roc", "mas", "bert", "mand", "gnac", "zac", "lier", "rier", "chet",
    "guen", "louarn", "vel", "dieu", "brun", "gris", "fay",
];
const TAIL_ENDINGS: &[&str] = &[
    "", "", "", "e", "on", "ot", "in", "et", "eau", "ier", "ard", "aud", "ec", "ou", "y",
];

const CONSUMER_DOMAINS: &[(&str, u32)] = &[
    ("gmail.com", 35),
    ("orange.fr", 15),
    ("free.fr", 10),
    ("outlook.com", 8),
    ("hotmail.fr", 6),
    ("laposte.net", 6),
    ("yahoo.fr", 5),
    ("sfr.fr", 4),
    ("wanadoo.fr", 3),
    ("icloud.com", 3),
    ("live.fr", 2),
    ("protonmail.com", 1),
    ("gmx.de", 1),
    ("bluewin.ch", 1),
];

const COMPANY_DOMAINS: &[&str] = &[
    "cabinet-durand.fr",
    "groupe-lumiere.fr",
    "atelier-rivoli.fr",
    "mairie-lyon.fr",
    "chu-bordeaux.fr",
    "ac-versailles.fr",
    "univ-lyon1.fr",
    "etu.unistra.fr",
    "acme-conseil.com",
    "boulangerie-martin.fr",
    "studio-bastille.fr",
    "example-corp.com",
];

/// One person's details as they would be typed in a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Draws people with realistic names, emails and phones.
#[derive(Debug, Clone)]
pub struct People {
    female: Weighted<&'static str>,
    male: Weighted<&'static str>,
    compound: Weighted<&'static str>,
    last: Weighted<&'static str>,
    domains: Weighted<&'static str>,
    phone_formats: Weighted<PhoneFormat>,
}

impl Default for People {
    fn default() -> Self {
        Self::new()
    }
}

impl People {
    /// Share of clients with an email.
    pub const EMAIL_SHARE: f64 = 0.85;
    /// Share of clients with a phone.
    pub const PHONE_SHARE: f64 = 0.80;

    pub fn new() -> Self {
        Self {
            female: Weighted::new(FEMALE_FIRST_NAMES.iter().copied()),
            male: Weighted::new(MALE_FIRST_NAMES.iter().copied()),
            compound: Weighted::new(COMPOUND_FIRST_NAMES.iter().copied()),
            last: Weighted::new(COMMON_LAST_NAMES.iter().copied()),
            domains: Weighted::new(CONSUMER_DOMAINS.iter().copied()),
            phone_formats: Weighted::new([
                (PhoneFormat::FrenchSpaced, 35),
                (PhoneFormat::FrenchCompact, 20),
                (PhoneFormat::FrenchInternational, 12),
                (PhoneFormat::FrenchInternationalCompact, 5),
                (PhoneFormat::FrenchDotted, 12),
                (PhoneFormat::Swiss, 8),
                (PhoneFormat::NorthAmerican, 8),
            ]),
        }
    }

    pub fn person<R: Rng>(&self, rng: &mut R) -> Person {
        let first_name = self.first_name(rng);
        let last_name = self.last_name(rng);
        let email = rng
            .random_bool(Self::EMAIL_SHARE)
            .then(|| self.email(rng, &first_name, &last_name));
        let phone = if rng.random_bool(Self::PHONE_SHARE) {
            let format = *self.phone_formats.pick(rng);
            Some(self.phone(rng, format))
        } else {
            None
        };
        Person {
            first_name,
            last_name,
            email,
            phone,
        }
    }

    pub fn first_name<R: Rng>(&self, rng: &mut R) -> String {
        let female = rng.random_bool(0.62);
        match rng.random_range(0..100) {
            // A listed compound name.
            0..=5 => (*self.compound.pick(rng)).to_owned(),
            // "Marie-Xxx" or "Jean Xxx" made up on the spot, hyphen or space.
            6..=7 => {
                let (head, tail) = if female {
                    ("Marie", self.female.pick(rng))
                } else {
                    ("Jean", self.male.pick(rng))
                };
                let separator = if rng.random_bool(0.6) { "-" } else { " " };
                if *tail == head {
                    head.to_owned()
                } else {
                    format!("{head}{separator}{tail}")
                }
            }
            _ if female => (*self.female.pick(rng)).to_owned(),
            _ => (*self.male.pick(rng)).to_owned(),
        }
    }

    pub fn last_name<R: Rng>(&self, rng: &mut R) -> String {
        match rng.random_range(0..100) {
            // A rare name from the long tail.
            0..=24 => tail_name(rng),
            // A double-barrelled name.
            25..=27 => format!("{}-{}", self.last.pick(rng), self.last.pick(rng)),
            _ => (*self.last.pick(rng)).to_owned(),
        }
    }

    fn email<R: Rng>(&self, rng: &mut R, first: &str, last: &str) -> String {
        let f = email_part(first, rng.random_bool(0.3));
        let l = email_part(last, rng.random_bool(0.2));
        let initial = f.chars().next().unwrap_or('x');
        let local = match rng.random_range(0..100) {
            0..=29 => format!("{f}.{l}"),
            30..=41 => format!("{initial}{l}{}", rng.random_range(1..100)),
            42..=51 => format!("{f}{l}"),
            52..=61 => format!("{f}.{l}{}", rng.random_range(1..100)),
            62..=66 => format!("{f}_{l}"),
            67..=71 => format!("{l}.{f}"),
            72..=81 => format!("{f}{}", rng.random_range(1950..2010)),
            82..=89 => format!("{initial}.{l}"),
            90..=93 => format!("{f}-{l}"),
            94..=97 => format!("{l}{initial}{}", rng.random_range(1..1000)),
            _ => format!("{f}{}{}", &l[..l.len().min(3)], rng.random_range(1..100)),
        };
        let domain = if rng.random_bool(0.06) {
            COMPANY_DOMAINS[rng.random_range(0..COMPANY_DOMAINS.len())]
        } else {
            *self.domains.pick(rng)
        };
        let address = format!("{local}@{domain}");
        // Some people type their address with capitals; the product compares by key.
        if rng.random_bool(0.04) {
            capitalise_words(&address)
        } else {
            address
        }
    }

    pub fn phone<R: Rng>(&self, rng: &mut R, format: PhoneFormat) -> String {
        // French numbers: mostly mobiles (06, 07), some landlines; nine digits after the 0.
        let lead = match rng.random_range(0..100u32) {
            0..=54 => 6,
            55..=79 => 7,
            n => [1, 2, 3, 4, 5, 9][n as usize % 6],
        };
        let national = format!("{lead}{}", digits(rng, 8));
        match format {
            PhoneFormat::FrenchSpaced => group(&format!("0{national}"), ' '),
            PhoneFormat::FrenchCompact => format!("0{national}"),
            PhoneFormat::FrenchDotted => group(&format!("0{national}"), '.'),
            PhoneFormat::FrenchInternational => {
                format!("+33 {} {}", &national[..1], group(&national[1..], ' '))
            }
            PhoneFormat::FrenchInternationalCompact => format!("+33{national}"),
            PhoneFormat::Swiss => {
                let operator = [76, 77, 78, 79][rng.random_range(0..4)];
                let rest = digits(rng, 7);
                format!(
                    "+41 {operator} {} {} {}",
                    &rest[..3],
                    &rest[3..5],
                    &rest[5..]
                )
            }
            PhoneFormat::NorthAmerican => {
                let area = rng.random_range(201..990);
                let exchange = rng.random_range(200..1000);
                format!("({area}) {exchange}-{}", digits(rng, 4))
            }
        }
    }
}

fn digits<R: Rng>(rng: &mut R, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// A rare surname: "Kerbrunot", "Le Champdieu", "Tréval".
fn tail_name<R: Rng>(rng: &mut R) -> String {
    let prefix = TAIL_PREFIXES[rng.random_range(0..TAIL_PREFIXES.len())];
    let stem = TAIL_STEMS[rng.random_range(0..TAIL_STEMS.len())];
    let ending = TAIL_ENDINGS[rng.random_range(0..TAIL_ENDINGS.len())];
    let detached = matches!(prefix, "Le" | "La" | "De" | "Du") && rng.random_bool(0.3);
    if detached {
        format!("{prefix} {}{ending}", capitalise(stem))
    } else {
        format!("{prefix}{stem}{ending}")
    }
}

/// A name as it appears in an email address: folded, lower-case, letters and digits only
/// (or with its hyphens kept, when `keep_hyphens`).
fn email_part(name: &str, keep_hyphens: bool) -> String {
    let folded = search_key(name);
    let part: String = folded
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            '-' | ' ' if keep_hyphens => Some('-'),
            _ => None,
        })
        .collect();
    if part.is_empty() {
        "client".to_owned()
    } else {
        part
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "marie.martin@gmail.com" → "Marie.Martin@Gmail.com".
fn capitalise_words(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut start = true;
    for c in address.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = matches!(c, '.' | '@' | '-' | '_');
    }
    out
}

/// Digits in pairs: "0612345678" → "06 12 34 56 78".
fn group(digits: &str, separator: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i % 2 == 0 {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_domain::PhoneNumber;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn every_phone_format_is_typed_as_its_example_and_parses() {
        let people = People::new();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for format in PhoneFormat::ALL {
            for _ in 0..50 {
                let typed = people.phone(&mut rng, format);
                assert_eq!(PhoneFormat::of(&typed), Some(format), "{typed}");
                let phone = PhoneNumber::parse("phone", &typed).unwrap();
                assert!(phone.normalised().len() >= 10, "{typed}");
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!(
            people
                .phone(&mut rng, PhoneFormat::FrenchSpaced)
                .starts_with('0')
        );
    }

    #[test]
    fn weighted_picks_follow_the_weights() {
        let weighted = Weighted::new([("common", 9), ("rare", 1)]);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let common = (0..10_000)
            .filter(|_| *weighted.pick(&mut rng) == "common")
            .count();
        assert!((8_700..9_300).contains(&common), "{common}");
    }

    #[test]
    fn names_keep_their_accents_and_compounds_and_common_names_dominate() {
        let people = People::new();
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let persons: Vec<Person> = (0..20_000).map(|_| people.person(&mut rng)).collect();
        let count = |f: &dyn Fn(&Person) -> bool| persons.iter().filter(|p| f(p)).count();
        assert!(count(&|p| p.first_name.contains('-') || p.first_name.contains(' ')) > 500);
        assert!(count(&|p| p.last_name.contains(' ')) > 200);
        assert!(count(&|p| p.last_name == "Martin") > count(&|p| p.last_name == "Núñez") * 20);
        assert!(count(&|p| !p.first_name.is_ascii()) > 2_000);
        let emails = count(&|p| p.email.is_some());
        assert!((16_500..17_500).contains(&emails), "{emails}");
        let phones = count(&|p| p.phone.is_some());
        assert!((15_500..16_500).contains(&phones), "{phones}");
    }
}
