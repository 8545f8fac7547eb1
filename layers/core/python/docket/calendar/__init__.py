"""A firm's calendar: meetings, deadlines and court dates (seed 000)."""
