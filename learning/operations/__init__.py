"""What an operator runs on an installation, beside serving it: backups and their restore."""
