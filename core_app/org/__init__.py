"""Organisation and place: regions, departments, halls, windows, staff, work calendar."""
