"""Access: roles (system and custom), who may assign them, and what a member holds right now."""
