"""Staff mode: the hidden way in (long press + PIN), its screens, and its own inactivity limit."""
