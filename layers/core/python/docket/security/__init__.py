"""Keys, tokens and signatures."""
