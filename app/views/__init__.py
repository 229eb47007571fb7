"""Views: one module per REST noun, each with its blueprint, its Api and its resources."""

from app.views.base import Api, BaseResource, make_api
from app.views.router import API_PREFIX, Router

__all__ = ["API_PREFIX", "Api", "BaseResource", "Router", "make_api"]
