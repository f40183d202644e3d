"""Kopdig's WSGI application with bench/_portal_urls.py as the URL configuration."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kopdig.settings")

from django.conf import settings
from django.core.wsgi import get_wsgi_application

settings.ROOT_URLCONF = "bench._portal_urls"
application = get_wsgi_application()
