"""The IMAP/OAuth probe: settings, secrets, the wire, the steps."""
