"""Kopdig project package: settings, URL map, the ``kopdig`` console command."""
