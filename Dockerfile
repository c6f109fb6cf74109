FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DAM_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY dam ./dam
COPY ingest ./ingest
COPY search ./search
COPY moments ./moments
# The CPU build of torch: the default PyPI wheel carries CUDA (several GB).
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu .
COPY . .
RUN python manage.py collectstatic --noinput -v 0 || true

EXPOSE 8000
CMD ["gunicorn", "dam.wsgi:application", "--bind", "0.0.0.0:8000"]
