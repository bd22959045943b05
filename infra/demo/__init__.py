"""Demo district data seeded by the all-in-one mode."""
