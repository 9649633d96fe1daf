"""logdoctor: turns cryptic GLPI and PHP application logs into answers."""

__version__ = "0.1.0"
