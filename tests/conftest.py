"""Shared test set-up. Settings: ``tests.settings_test`` (pytest.ini)."""
