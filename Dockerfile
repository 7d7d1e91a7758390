# Gradient Gym: one image for the web process, the grading worker and the one-shot migrate job.
# docker-compose.yml picks the role through `command:`; the default CMD serves the site with gunicorn.
FROM python:3.11-slim-bookworm

# Build-time only (an ARG, not an ENV): keeps apt/dpkg from prompting without leaking into the runtime env.
ARG DEBIAN_FRONTEND=noninteractive

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=quizsite.settings \
    STATIC_ROOT=/app/staticfiles \
    VAR_DIR=/app/var

WORKDIR /app

# Dependencies first, so editing the code does not re-download torch.
# torch is pinned to the CPU build: the PyTorch CPU index serves `torch==2.13.0+cpu`, which pip prefers over
# the much larger CUDA wheel on PyPI. The `--find-links /opt/wheels` line in requirements.txt only warns here.
COPY requirements.txt ./
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt

# Unprivileged account for every process: the grading worker too, which builds its sandbox inside a user
# namespace of its own (docker-compose.root-sandbox.yml switches it to root where the host refuses that).
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

COPY . .

# collectstatic imports the settings, which refuse to load without SECRET_KEY while DEBUG is off. The key is
# a throwaway build argument used by this one RUN only: it is not set with ENV, so the running containers
# never see it and must be given their own SECRET_KEY.
# Importing the settings also created var/ (SQLite and broker folders) as root: the image starts with an
# empty var/ that the app user can write to.
ARG BUILD_SECRET_KEY=collectstatic-only-not-a-real-secret
RUN SECRET_KEY="${BUILD_SECRET_KEY}" python manage.py collectstatic --noinput \
    && rm -rf /app/var \
    && mkdir -p /app/var \
    && chown app:app /app/var

USER app

EXPOSE 8000

CMD ["gunicorn", "quizsite.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "16", "--access-logfile", "-"]
