"""The store: SQLAlchemy models, the engine, migrations and queries. Sessions are owned by the services."""
