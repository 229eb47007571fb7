"""Extension objects, created once and bound to each app in `create_app`."""

from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter

from app.throttling import client_key, is_read_or_unthrottled, is_unthrottled, setting

jwt = JWTManager()
cors = CORS()
limiter = Limiter(
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
