"""The agent console: server-rendered pages and HTMX fragments, a module per area. Thin:
parse, check, call one service or selector, render."""
