"""Extension objects, created once and bound to each app in `create_app`."""

from flask_jwt_extended import JWTManager

jwt = JWTManager()
