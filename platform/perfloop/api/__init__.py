"""The GraphQL API over HTTP: one folder per domain (types, queries, mutations),
shared machinery in api.core, the schema in api.schema and the app in api.app."""
