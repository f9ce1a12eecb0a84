"""One module per legal test. Each rule is a small function whose docstring starts with the
provision it applies, and whose findings cite the knowledge-base entries they rest on."""
