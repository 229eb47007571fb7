"""Extension objects, created once and bound to each app in `create_app`."""

from flask_cors import CORS

from app.jwt_manager import VerifyOnceJWTManager
from app.throttling import Limiter, client_key, is_read_or_unthrottled, is_unthrottled, setting

jwt = VerifyOnceJWTManager()  # flask-jwt-extended's, verifying a token once per request
cors = CORS()
limiter = Limiter(  # Flask-Limiter's, resolving each route's limits once (app.throttling)
    key_func=client_key,
    # per client and route
    default_limits=[setting("RATELIMIT_DEFAULT")],
    default_limits_exempt_when=is_unthrottled,
    # per client across every write
    application_limits=[setting("RATELIMIT_WRITE")],
    application_limits_exempt_when=is_read_or_unthrottled,
    headers_enabled=True,
    retry_after="delta-seconds",
)
