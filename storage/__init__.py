"""Storage: SQLAlchemy 2 models, the engine factory, repository services and the blob store."""
