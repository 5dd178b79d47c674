"""Qt table models over service DTOs."""
