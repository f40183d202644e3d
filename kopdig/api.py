"""The JSON API (django-ninja) at ``/api/v1/``: each app adds its router here."""

from ninja import NinjaAPI

from dashboard.api import router as district_router

api = NinjaAPI(title="Kopdig", version="1", urls_namespace="api", docs_url=None)
api.add_router("/district/", district_router)
