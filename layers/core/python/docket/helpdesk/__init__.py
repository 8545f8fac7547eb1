"""Helpdesk: feedback (support tickets, training and the knowledge base land here later)."""
