//! MCP server (filled in below).
