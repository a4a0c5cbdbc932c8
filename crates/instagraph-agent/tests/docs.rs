//! `docs/composio-migration.md` is generated from the registry: this test fails when the two
//! differ (`INSTAGRAPH_BLESS=1` rewrites the file).

#[test]
fn composio_migration_doc_is_in_step_with_the_registry() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/composio-migration.md"
    );
    let want = instagraph_agent::docs::composio_migration();
    if std::env::var_os("INSTAGRAPH_BLESS").is_some() {
        std::fs::write(path, &want).expect("write the doc");
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "docs/composio-migration.md is out of step with the registry: run \
         INSTAGRAPH_BLESS=1 cargo test -p instagraph-agent --test docs"
    );
    // Every Composio action appears once, deprecated ones with their replacement.
    for a in instagraph_agent::Registry::composio().iter() {
        assert_eq!(
            have.matches(&format!("| `{}` |", a.name)).count(),
            1,
            "{}",
            a.name
        );
        if let Some(d) = a.deprecated_for {
            assert!(have.contains(&format!("use `{d}`")), "{}", a.name);
        }
    }
}
