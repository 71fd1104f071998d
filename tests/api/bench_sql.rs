//! The benchmark's reference SQL (`bench/sql/*.sql`, pgbench scripts) is checked against the schema
//! the migrations create, so a dropped or renamed column fails here and not in the next benchmark
//! run. PostgreSQL only: pgbench runs these files on PostgreSQL.

use diesel::connection::SimpleConnection;

use crate::helpers::{postgres_url, Engine, TestApp};

/// The SQL statements of a pgbench script: comments, meta-commands and the transaction bracket
/// left out, `\gset` dropped, every `:variable` a NULL (only the statement's shape is checked).
fn statements(script: &str) -> Vec<String> {
    script
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("--") && !l.starts_with('\\'))
        .filter(|l| !matches!(*l, "BEGIN;" | "COMMIT;"))
        .map(|l| {
            let l = l.split(" \\gset").next().unwrap_or(l);
            without_variables(l.trim_end_matches(';'))
        })
        .collect()
}

/// `:name` → `NULL`, leaving `::type` casts alone.
fn without_variables(sql: &str) -> String {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_variable = chars[i] == ':'
            && (i == 0 || chars[i - 1] != ':')
            && chars
                .get(i + 1)
                .is_some_and(|c| c.is_ascii_lowercase() || *c == '_');
        if starts_variable {
            i += 1;
            while chars
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                i += 1;
            }
            out.push_str("NULL");
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn variables_become_nulls_and_casts_stay() {
    assert_eq!(
        without_variables("SELECT :v_id, (now())::date, x = :n"),
        "SELECT NULL, (now())::date, x = NULL"
    );
}

#[tokio::test]
async fn bench_sql_matches_the_schema() {
    if postgres_url().is_none() {
        return;
    }
    let app = TestApp::spawn(Engine::Postgres).await;
    let mut conn = app.conn();
    // Made by run_all.sh beside the service's tables.
    conn.batch_execute("CREATE TEMP TABLE bench_codes (n int PRIMARY KEY, code_hash text)")
        .unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/sql");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let script = std::fs::read_to_string(&path).unwrap();
        for statement in statements(&script) {
            // EXPLAIN plans without running: every table and column must exist.
            if let Err(e) = conn.batch_execute(&format!("EXPLAIN {statement}")) {
                panic!("{}: {e}\n{statement}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} statements found");
}
