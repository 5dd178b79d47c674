"""Pure-Python domain: enums, value objects and rules. Imports nothing outside the standard library."""
