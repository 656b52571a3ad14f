//! `clientele-bench`: a realistic client base for a database (`clientele-generate`) and a
//! benchmark of the client list, product against raw SQL (`clientele-bench`). A tool, not
//! part of the product: nothing in the product depends on it.
//!
//! Data goes in and out through the product's own code: the domain builds every record,
//! the use cases make the business, the storage port writes the clients, and the bench
//! measures `Clientele::list_clients`. Only the raw-SQL baseline talks to the database
//! directly, through `SeaStorage::connection`.

pub mod accounts;
pub mod billing;
pub mod cases;
pub mod codes;
pub mod duplicates;
pub mod http;
pub mod imports;
pub mod load;
pub mod measure;
pub mod people;
pub mod population;
pub mod search_cases;
pub mod setup;
pub mod webhooks;
