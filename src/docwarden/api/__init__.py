"""HTTP API: routes, schemas, error mapping."""
