//! The SQL the plans become, rendered: pure, so tested without a database.

use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

use super::*;
use crate::storage::client_list::plan::Searched;

fn sqlite(condition: Condition) -> String {
    Query::select()
        .expr(Expr::val(1))
        .cond_where(condition)
        .to_string(SqliteQueryBuilder)
}

fn postgres(condition: Condition) -> String {
    Query::select()
        .expr(Expr::val(1))
        .cond_where(condition)
        .to_string(PostgresQueryBuilder)
}

#[test]
fn like_wildcards_and_the_escape_character_are_escaped() {
    assert_eq!(like_escaped("a%b_c\\d"), "a\\%b\\_c\\\\d");
    assert_eq!(like_escaped("ines@x.fr"), "ines@x.fr");
}

#[test]
fn a_column_no_index_may_serve_is_written_for_each_database() {
    let column = clients::Column::LastNameKey;
    let select = |backend: DbBackend, indexed| {
        Query::select()
            .expr(column_expr(backend, column, indexed))
            .to_string(SqliteQueryBuilder)
    };
    assert_eq!(select(DbBackend::Sqlite, true), r#"SELECT "last_name_key""#);
    assert_eq!(
        select(DbBackend::Postgres, true),
        r#"SELECT "last_name_key""#
    );
    assert_eq!(
        select(DbBackend::Sqlite, false),
        r#"SELECT +"last_name_key""#
    );
    assert_eq!(
        select(DbBackend::Postgres, false),
        r#"SELECT COALESCE("last_name_key", "last_name_key")"#
    );
}

#[test]
fn a_prefix_is_a_range_of_the_key_and_longer_excludes_the_phrase() {
    let starts = Reading::Starts(NameField::Last, "ler".to_owned());
    let extends = Reading::Extends(NameField::Last, "ler".to_owned());
    assert_eq!(
        sqlite(filtering(DbBackend::Sqlite, &starts, true)),
        "SELECT 1 WHERE \"last_name_key\" >= 'ler' AND \"last_name_key\" < 'ler\u{10ffff}'"
    );
    // Unindexed, as the other readings of a drive are.
    assert_eq!(
        sqlite(filtering(DbBackend::Sqlite, &extends, false)),
        "SELECT 1 WHERE (+\"last_name_key\") > 'ler' AND (+\"last_name_key\") < 'ler\u{10ffff}'"
    );
}

#[test]
fn an_inner_word_is_a_boundary_and_the_word_and_one_starting_with_a_boundary_is_nothing() {
    let word = Reading::Term(Terms::Tail(NameField::First), "-luc".to_owned());
    assert_eq!(
        sqlite(filtering(DbBackend::Sqlite, &word, false)),
        "SELECT 1 WHERE 1 = 0"
    );
    let inner = Reading::Term(Terms::Tail(NameField::First), "luc".to_owned());
    assert_eq!(
        postgres(filtering(DbBackend::Postgres, &inner, false)),
        r#"SELECT 1 WHERE strpos("first_name_key", ' luc') > 0 OR strpos("first_name_key", '-luc') > 0 OR strpos("first_name_key", E'\'luc') > 0"#
    );
}

#[test]
fn a_term_range_keeps_each_clients_last_term_only() {
    let email = Terms::Substring(Searched::Email);
    assert_eq!(
        postgres(last_in_range(DbBackend::Postgres, email, "a_b")),
        r#"SELECT 1 WHERE "term" NOT LIKE E'_%a\\_b%' ESCAPE E'\\'"#
    );
    assert_eq!(
        sqlite(last_in_range(DbBackend::Sqlite, email, "a_b")),
        r#"SELECT 1 WHERE NOT instr(substr("term", 2), 'a_b') > 0"#
    );
}

#[test]
fn no_parts_merge_into_no_statement() {
    assert!(merged(Vec::new(), ClientSort::LastName, 50).is_none());
}

#[test]
fn parts_merge_into_one_union_in_group_then_sort_order() {
    let part = |name: &str| {
        Query::select()
            .column(clients::Column::Id)
            .from(clients::Entity)
            .and_where(Expr::col(clients::Column::LastNameKey).eq(name))
            .take()
    };
    let parts = vec![(0, part("a")), (1, part("b"))];
    let statement = merged(parts, ClientSort::CreatedAt, 10).unwrap();
    assert_eq!(
        statement.to_string(SqliteQueryBuilder),
        r#"SELECT 0 AS "search_group", "reading_0".* FROM (SELECT "id" FROM "clients" WHERE "last_name_key" = 'a') AS "reading_0" UNION SELECT 1 AS "search_group", "reading_1".* FROM (SELECT "id" FROM "clients" WHERE "last_name_key" = 'b') AS "reading_1" ORDER BY "search_group" ASC, "created_at" ASC, "id" ASC LIMIT 10"#
    );
}
