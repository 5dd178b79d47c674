"""PDF documents with reportlab: style sheet, page templates, vector charts, briefs."""
