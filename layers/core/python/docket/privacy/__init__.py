"""Personal data: what Docket holds about a person, exported for them (GDPR art. 15 and 20)."""
