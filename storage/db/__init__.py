"""The database: schema, engines, migrations and bulk writes."""
