//! End-to-end tests of Clientele live in `tests/`: they drive the real router over a
//! real database (SQLite by default, PostgreSQL when `CLIENTELE_TEST_DATABASE_URL` names
//! one). This library is empty on purpose.
