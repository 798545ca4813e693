FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . && useradd --create-home fuel
USER fuel
EXPOSE 8001
ENV FUEL_HOST=0.0.0.0 FUEL_PORT=8001
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8001/health', timeout=4).status != 200)"
# Migrate (idempotent) then serve; several workers behind one port.
CMD ["sh", "-c", "fuel-analytics migrate && fuel-analytics serve"]
