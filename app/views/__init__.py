"""Views: one module per core REST noun, each with its blueprint, its Api and its resources."""

from app.views.base import Api, BaseResource, make_api

__all__ = ["Api", "BaseResource", "make_api"]
