"""Users and organizations as a firm administers them (seed 001's `/users`, `/organizations`)."""
