"""Export writers: tables (domain.export) to CSV or XLSX bytes, streamed."""
