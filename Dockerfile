# Production image: slim, non-root, served by gunicorn with gunicorn.conf.py.
# Build: docker build -t api:$(git rev-parse --short HEAD) .
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_CONFIG=production \
    HOST=0.0.0.0 \
    PORT=3000

WORKDIR /srv/app
RUN groupadd --system app && useradd --system --gid app --home-dir /srv/app --no-create-home app

# Production's requirements alone: the development stand-ins are in requirements-embedded.txt (checked by
# tests/test_requirements.py).
COPY requirements.txt .
RUN pip install -r requirements.txt

# Code stays owned by root: the app user can read it but not change it.
COPY app ./app
COPY config ./config
COPY server.py gunicorn.conf.py ./
# Read at start-up: production refuses any secret this example file prints (config.example_values).
COPY .env.example ./

USER app
EXPOSE 3000

# Liveness only: /health touches no dependency, so a database blip never restarts the container.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '3000'), timeout=2)"]

CMD ["gunicorn", "-c", "gunicorn.conf.py", "server:app"]
