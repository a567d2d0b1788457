"""Browser tests (a package, so that its conftest is `browser.conftest` and the suite's own
`conftest` module stays the one other test modules import from)."""
