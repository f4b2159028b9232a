"""Shared service machinery every domain uses: the caller and its permissions
(`caller`), row scopes in SQL (`scopes`), expected errors (`errors`), the audit
trail (`audit`) and keyset pagination (`pagination`)."""
