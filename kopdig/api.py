"""The JSON API (django-ninja) at ``/api/v1/``: each app adds its router here.

OpenAPI at ``/api/v1/openapi.json`` (public); no browsable docs page (it would load its assets
from a CDN). Errors are JSON in Indonesian (``api.errors``)."""

from ninja import NinjaAPI

from api import errors
from api.routers.kasir import router as kasir_router
from api.routers.member import router as member_router
from api.routers.tokens import router as token_router
from dashboard.api import router as district_router

api = NinjaAPI(
    title="Kopdig",
    version="1",
    urls_namespace="api",
    docs_url=None,
    description=(
        "API Kopdig untuk aplikasi ponsel: token Bearer (POST /token/staf, /token/anggota), "
        "header Idempotency-Key pada setiap penulisan, uang sebagai string desimal rupiah."
    ),
)
errors.install(api)
api.add_router("/district/", district_router)
api.add_router("/token/", token_router)
api.add_router("/kasir/", kasir_router)
api.add_router("/anggota/", member_router)
