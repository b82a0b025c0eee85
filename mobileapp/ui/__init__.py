"""Kivy screens: thin glue between ``handset.kv`` and ``mobileapp.core`` / ``.platform``."""
