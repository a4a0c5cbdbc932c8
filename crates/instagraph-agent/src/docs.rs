//! The migration note from the Composio Instagram toolkit, generated from the registry so it
//! never drifts (`docs/composio-migration.md`; a test keeps the file in step).

use crate::action::{Effect, Registry};

/// The migration table as Markdown.
pub fn composio_migration() -> String {
    let mut out = String::from(
        "# Migrating from the Composio Instagram toolkit\n\n\
         Generated from the action registry (`instagraph-agent`); a test keeps this file in \
         step (`INSTAGRAPH_BLESS=1 cargo test -p instagraph-agent --test docs` rewrites it).\n\n\
         Every Composio action runs unchanged, with the same name and parameters, and returns \
         the same envelope `{ \"data\": ..., \"error\": ..., \"successful\": bool }`:\n\n\
         - as a JSON action: `instagraph action run NAME --json '{...}'` (or the parameters on \
         stdin); `instagraph action schema NAME` prints the parameter schema;\n\
         - as an MCP tool: `instagraph mcp --toolset composio` (stdio) or `instagraph serve \
         --mcp-toolset composio` (`/mcp`, behind an API key). Deprecated aliases run but are \
         not listed as tools.\n\n\
         What changes: the account is one you connected with `instagraph auth login` (or a \
         token in the environment); `ig_user_id` picks among them (`me` works). Effects say \
         what an action does to the account; `--access read-only|drafts` limits agents.\n\n\
         | Composio action | Effect | Instagraph command | Note |\n\
         |---|---|---|---|\n",
    );
    for a in Registry::composio().iter() {
        let note = match a.deprecated_for {
            Some(d) => format!("deprecated: use `{d}`"),
            None => String::new(),
        };
        let native = if a.native.is_empty() {
            String::new()
        } else {
            format!("`{}`", a.native)
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            a.name,
            effect_word(a.effect),
            native,
            note
        ));
    }
    out.push_str(
        "\nOur own tools (`instagraph action list --native`, `instagraph mcp`) cover every \
         operation of the toolkit, including those Composio does not offer (hashtags, business \
         discovery, hiding comments, private replies, scheduling, drafts).\n",
    );
    out
}

fn effect_word(e: Effect) -> &'static str {
    match e {
        Effect::Read => "read",
        Effect::Prepare => "prepare",
        Effect::Write => "write",
        Effect::Send => "send",
        Effect::Publish => "publish",
        Effect::Delete => "delete",
        Effect::Hide => "hide",
    }
}
