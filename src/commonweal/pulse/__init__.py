"""The pulse: short rounds of questions on direction, alignment and commitment across the system."""
