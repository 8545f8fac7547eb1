"""Cases: matters of the firm, with their activities, teams and ethical walls (issue 9)."""
