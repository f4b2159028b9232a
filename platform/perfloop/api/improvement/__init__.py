"""GraphQL of improvement plans and candidate lists (docs/improvement.md)."""
