"""Importers: one module per source format, all returning validated rows plus an import report."""
