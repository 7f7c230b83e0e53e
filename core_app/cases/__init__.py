"""Cases (办件) and what happens around them: steps, queue tickets, reviews."""
