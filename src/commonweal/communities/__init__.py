"""Communities as partners: the community asset register and who is taking part against who lives here."""
